//! Fixed-precision report formatting.
//!
//! Reports are what the book shows and what snapshot tests compare, so every
//! number is printed at a precision that is stable across runs and platforms,
//! and `-0.000` is never printed.

use std::fmt;

/// `x` with `digits` decimals (`fixed(2.0/3.0, 3)` is `"0.667"`).
pub fn fixed(x: f64, digits: usize) -> String {
    let s = format!("{x:.digits$}");
    strip_negative_zero(s)
}

/// `x` in scientific notation with `digits` decimals in the mantissa (`"6.667e-1"`).
pub fn sci(x: f64, digits: usize) -> String {
    let s = format!("{x:.digits$e}");
    strip_negative_zero(s)
}

/// `"< 1e-8"` when `x` is below `threshold` (the digits down there depend on
/// the CPU's floating-point kernels), otherwise `x` in scientific notation.
pub fn sci_or_below(x: f64, threshold: f64) -> String {
    if x < threshold {
        format!("< {}", sci(threshold, 0))
    } else {
        sci(x, 2)
    }
}

fn strip_negative_zero(s: String) -> String {
    match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| matches!(c, '0' | '.' | 'e')) => rest.to_string(),
        _ => s,
    }
}

/// What a chapter's run produces: the report printed on stdout and the figures.
#[derive(Debug, Clone)]
pub struct Output {
    /// Text of the report, printed on stdout.
    pub report: String,
    /// `(file name, SVG document)` pairs.
    pub figures: Vec<(String, String)>,
}

/// Column alignment in a [`Table`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Cells padded on the right (text).
    Left,
    /// Cells padded on the left (numbers).
    Right,
}

/// A small text table with a header row and aligned columns.
///
/// ```
/// use shared::report::Table;
/// let mut t = Table::new(["method", "error"]);
/// t.row(["power", "1.0e-10"]);
/// assert_eq!(t.to_string(), "method    error\n------  -------\npower   1.0e-10\n");
/// ```
#[derive(Debug, Clone)]
pub struct Table {
    header: Vec<String>,
    align: Vec<Align>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with the given column titles; the first column is left-aligned,
    /// the others right-aligned (numbers).
    pub fn new<I, S>(header: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let header: Vec<String> = header.into_iter().map(Into::into).collect();
        let align = (0..header.len())
            .map(|i| if i == 0 { Align::Left } else { Align::Right })
            .collect();
        Table {
            header,
            align,
            rows: Vec::new(),
        }
    }

    /// Overrides the alignment of column `column`.
    pub fn align(mut self, column: usize, align: Align) -> Self {
        self.align[column] = align;
        self
    }

    /// Appends a row; it must have one cell per column.
    pub fn row<I, S>(&mut self, cells: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let cells: Vec<String> = cells.into_iter().map(Into::into).collect();
        assert_eq!(
            cells.len(),
            self.header.len(),
            "a table row needs one cell per column"
        );
        self.rows.push(cells);
        self
    }

    fn widths(&self) -> Vec<usize> {
        (0..self.header.len())
            .map(|c| {
                self.rows
                    .iter()
                    .map(|r| r[c].chars().count())
                    .chain([self.header[c].chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect()
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let widths = self.widths();
        let line = |f: &mut fmt::Formatter<'_>, cells: &[String]| -> fmt::Result {
            let parts: Vec<String> = cells
                .iter()
                .zip(&widths)
                .zip(&self.align)
                .map(|((c, &w), a)| match a {
                    Align::Left => format!("{c:<w$}"),
                    Align::Right => format!("{c:>w$}"),
                })
                .collect();
            writeln!(f, "{}", parts.join("  "))
        };
        line(f, &self.header)?;
        let rules: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        writeln!(f, "{}", rules.join("  "))?;
        for row in &self.rows {
            line(f, row)?;
        }
        Ok(())
    }
}

/// A section heading for a report: the title underlined with `=`.
pub fn heading(title: &str) -> String {
    format!("{title}\n{}\n", "=".repeat(title.chars().count()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_negative_zero() {
        assert_eq!(fixed(-1e-9, 3), "0.000");
        assert_eq!(fixed(-0.5, 1), "-0.5");
        assert_eq!(sci(-0.0, 2), "0.00e0");
        assert_eq!(sci(-2.5e-3, 1), "-2.5e-3");
    }

    #[test]
    fn columns_are_aligned() {
        let mut t = Table::new(["a", "value"]);
        t.row(["long name", "1"]).row(["b", "22.5"]);
        let text = t.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[2], "long name      1");
        assert_eq!(lines[3], "b           22.5");
    }
}
