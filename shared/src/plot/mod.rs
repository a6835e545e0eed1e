//! SVG figures rendered into a `String`.
//!
//! plotters is built without system fonts (`default-features = false`), so the
//! SVG contains `<text>` elements the browser renders, and the same data give
//! the same bytes on every machine. Coordinates are rounded to six significant
//! digits before drawing so that a last-bit change cannot move a point.
//!
//! The look is shared by every chapter: type sized to be read at the book's
//! column width, the colour-blind-safe Okabe–Ito palette (dashed lines mark
//! predictions; in greyscale some of its colours come out alike, so a figure
//! that must survive a greyscale print tells series apart by style too), and
//! the legend in its own strip under the plot, never over the data.

use std::ops::Range;

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;

use crate::error::{Error, Result};

mod heatmap;
pub use heatmap::heatmap;

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A solid line through the points.
    Line,
    /// A dashed line (used for theoretical predictions).
    Dashed,
    /// Unconnected markers (a scatter plot).
    Points,
}

/// One labelled series of `(x, y)` points.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend text; an empty label adds no legend entry.
    pub label: String,
    /// Data points `(x, y)`; non-finite ones, and non-positive ones on a log axis, are not drawn.
    pub points: Vec<(f64, f64)>,
    /// How the series is drawn (line, dashed line or markers).
    pub style: Style,
    /// Index into the palette.
    pub color: usize,
}

/// A 2-D figure: a title, axis labels, a linear or logarithmic y axis and series.
#[derive(Debug, Clone)]
pub struct Figure {
    /// Title drawn above the plot; also names the figure in [`Error::Plot`].
    pub title: String,
    /// Label of the x axis.
    pub x_label: String,
    /// Label of the y axis.
    pub y_label: String,
    /// Whether the y axis is logarithmic (non-positive y values are dropped).
    pub log_y: bool,
    /// Whether the x axis is logarithmic (non-positive x values are dropped).
    pub log_x: bool,
    /// Image size `(width, height)` in pixels.
    pub size: (u32, u32),
    /// The series, drawn in order.
    pub series: Vec<Series>,
}

impl Figure {
    /// An empty figure, 720 × 460 pixels of plot (plus the legend strip), linear axes.
    pub fn new(title: impl Into<String>) -> Self {
        Figure {
            title: title.into(),
            x_label: String::new(),
            y_label: String::new(),
            log_y: false,
            log_x: false,
            size: (720, 460),
            series: Vec::new(),
        }
    }

    /// Sets both axis labels.
    pub fn labels(mut self, x: impl Into<String>, y: impl Into<String>) -> Self {
        self.x_label = x.into();
        self.y_label = y.into();
        self
    }

    /// Uses a logarithmic y axis (non-positive values are dropped).
    pub fn log_y(mut self) -> Self {
        self.log_y = true;
        self
    }

    /// Uses a logarithmic x axis (non-positive values are dropped).
    pub fn log_x(mut self) -> Self {
        self.log_x = true;
        self
    }

    /// Adds a series in the next palette color.
    pub fn with(self, label: impl Into<String>, style: Style, points: Vec<(f64, f64)>) -> Self {
        let color = self.series.len();
        self.with_color(label, style, color, points)
    }

    /// Adds a series in palette color `color` (to pair, say, a measurement and its prediction).
    pub fn with_color(
        mut self,
        label: impl Into<String>,
        style: Style,
        color: usize,
        points: Vec<(f64, f64)>,
    ) -> Self {
        self.series.push(Series {
            label: label.into(),
            points,
            style,
            color,
        });
        self
    }

    /// Renders the figure as an SVG document.
    ///
    /// A series with nothing drawable (every point non-finite, or not positive
    /// on a log axis) is left out of the plot but keeps its legend entry; a
    /// figure with no drawable point at all is drawn as empty axes over
    /// $[1, 10]$, so every run of a chapter has all its figures.
    ///
    /// # Errors
    /// [`Error::Plot`] if plotters fails.
    pub fn to_svg(&self) -> Result<String> {
        let series: Vec<Series> = self.series.iter().map(|s| self.clean(s)).collect();
        let points = || series.iter().flat_map(|s| s.points.iter());
        let (x0, x1) = bounds(points().map(|p| p.0)).unwrap_or((1.0, 10.0));
        let (y0, y1) = bounds(points().map(|p| p.1)).unwrap_or((1.0, 10.0));
        let (xr, yr) = (pad(x0, x1, self.log_x), pad(y0, y1, self.log_y));
        let legend = legend_layout(&series, self.size.0);
        let height = self.size.1 + legend.height;
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (self.size.0, height)).into_drawing_area();
            let (plot, strip) = root.split_vertically(self.size.1);
            let result = match (self.log_x, self.log_y) {
                (false, false) => self.draw(&plot, &series, xr, yr, TITLE_PX),
                (false, true) => self.draw(&plot, &series, xr, yr.log_scale(), TITLE_PX),
                (true, false) => self.draw(&plot, &series, xr.log_scale(), yr, TITLE_PX),
                (true, true) => self.draw(&plot, &series, xr.log_scale(), yr.log_scale(), TITLE_PX),
            };
            result.map_err(|e| self.error(&e.to_string()))?;
            draw_legend(&strip, &series, &legend).map_err(|e| self.error(&e.to_string()))?;
            root.present().map_err(|e| self.error(&e.to_string()))?;
        }
        Ok(svg)
    }

    fn clean(&self, s: &Series) -> Series {
        let points = s
            .points
            .iter()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .filter(|(x, y)| (!self.log_x || *x > 0.0) && (!self.log_y || *y > 0.0))
            .map(|&(x, y)| (round_significant(x), round_significant(y)))
            .collect();
        Series {
            label: s.label.clone(),
            points,
            style: s.style,
            color: s.color,
        }
    }

    fn error(&self, message: &str) -> Error {
        Error::Plot {
            name: self.title.clone(),
            message: message.to_string(),
        }
    }

    fn draw<DB, X, Y>(
        &self,
        root: &DrawingArea<DB, plotters::coord::Shift>,
        series: &[Series],
        x_range: X,
        y_range: Y,
        caption_px: u32,
    ) -> std::result::Result<(), Box<dyn std::error::Error + '_>>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
        X: AsRangedCoord<Value = f64>,
        X::CoordDescType: ValueFormatter<f64>,
        Y: AsRangedCoord<Value = f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, ("sans-serif", caption_px))
            .margin(14)
            .x_label_area_size(52)
            .y_label_area_size(78)
            .build_cartesian_2d(x_range, y_range)?;
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .axis_desc_style(("sans-serif", LABEL_PX))
            .label_style(("sans-serif", TICK_PX))
            .x_label_formatter(&|v| tick_label(*v))
            .y_label_formatter(&|v| tick_label(*v))
            .bold_line_style(BLACK.mix(0.12))
            .light_line_style(WHITE.mix(0.0))
            .draw()?;
        for s in series {
            let color = palette(s.color);
            let style = color.stroke_width(3);
            match s.style {
                Style::Line => chart.draw_series(LineSeries::new(s.points.clone(), style))?,
                Style::Dashed => {
                    chart.draw_series(DashedLineSeries::new(s.points.clone(), 8, 5, style))?
                }
                Style::Points => chart
                    .draw_series(s.points.iter().map(|&p| Circle::new(p, 3, color.filled())))?,
            };
        }
        Ok(())
    }
}

/// Size of one panel of [`small_multiples`], pixels.
pub const PANEL_SIZE: (u32, u32) = (330, 330);
/// Height of the title band of [`small_multiples`], pixels.
const TITLE_BAND: u32 = 40;

/// Several panels side by side on shared axes (small multiples), `columns`
/// to a row, under one `title`, with one legend for all of them (an entry
/// per distinct label, colour and style). Each panel keeps its own title
/// and axis labels; the axes' ranges cover every panel's points, so the
/// panels compare at a glance. Series are cleaned and rounded as in
/// [`Figure::to_svg`].
///
/// # Errors
/// [`Error::Plot`] if there are no panels, `columns` is 0, a panel has a
/// logarithmic axis (not supported here), or plotters fails.
pub fn small_multiples(title: &str, panels: &[Figure], columns: usize) -> Result<String> {
    let fail = |message: String| Error::Plot {
        name: title.to_string(),
        message,
    };
    if panels.is_empty() || columns == 0 {
        return Err(fail("at least one panel and one column".into()));
    }
    if panels.iter().any(|p| p.log_x || p.log_y) {
        return Err(fail("small multiples take linear axes".into()));
    }
    let cleaned: Vec<Vec<Series>> = panels
        .iter()
        .map(|p| p.series.iter().map(|s| p.clean(s)).collect())
        .collect();
    let points = || cleaned.iter().flatten().flat_map(|s| s.points.iter());
    let (x0, x1) = bounds(points().map(|p| p.0)).unwrap_or((1.0, 10.0));
    let (y0, y1) = bounds(points().map(|p| p.1)).unwrap_or((1.0, 10.0));
    let (xr, yr) = (pad(x0, x1, false), pad(y0, y1, false));
    let mut legend_series: Vec<Series> = Vec::new();
    for s in cleaned.iter().flatten().filter(|s| !s.label.is_empty()) {
        let key = |t: &Series| (t.label.clone(), t.color, t.style);
        if !legend_series.iter().any(|t| key(t) == key(s)) {
            legend_series.push(Series {
                points: Vec::new(),
                ..s.clone()
            });
        }
    }
    let cols = columns.min(panels.len());
    let rows = panels.len().div_ceil(cols);
    let width = cols as u32 * PANEL_SIZE.0;
    let legend = legend_layout(&legend_series, width);
    let grid_height = rows as u32 * PANEL_SIZE.1;
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (width, TITLE_BAND + grid_height + legend.height))
                .into_drawing_area();
        let draw = || -> std::result::Result<(), Box<dyn std::error::Error + '_>> {
            root.fill(&WHITE)?;
            let (band, rest) = root.split_vertically(TITLE_BAND);
            let (grid, strip) = rest.split_vertically(grid_height);
            let centre = plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Center,
                plotters::style::text_anchor::VPos::Center,
            );
            band.draw(&Text::new(
                title.to_string(),
                ((width / 2) as i32, (TITLE_BAND / 2) as i32),
                TextStyle::from(("sans-serif", TITLE_PX).into_font()).pos(centre),
            ))?;
            let cells = grid.split_evenly((rows, cols));
            for ((panel, series), cell) in panels.iter().zip(&cleaned).zip(&cells) {
                panel.draw(cell, series, xr.clone(), yr.clone(), LABEL_PX)?;
            }
            draw_legend(&strip, &legend_series, &legend)?;
            Ok(())
        };
        draw().map_err(|e| fail(e.to_string()))?;
        root.present().map_err(|e| fail(e.to_string()))?;
    }
    Ok(svg)
}

/// Title, axis-label and tick-label sizes as given to plotters, whose SVG
/// backend writes them at about 0.8 of this (so 24 → 19.4 px); the book
/// shows a figure at about its own width, so these read at body-text size.
pub const TITLE_PX: u32 = 24;
/// See [`TITLE_PX`].
pub const LABEL_PX: u32 = 20;
/// See [`TITLE_PX`].
pub const TICK_PX: u32 = 18;
/// Legend text size, pixels.
pub const LEGEND_PX: u32 = 19;

/// The Okabe–Ito colours (Okabe and Ito, "Color Universal Design", 2008),
/// told apart by readers with any common colour-vision deficiency; black
/// and yellow come last (yellow is faint on white).
const OKABE_ITO: [(u8, u8, u8); 8] = [
    (0, 114, 178),   // blue
    (213, 94, 0),    // vermillion
    (0, 158, 115),   // bluish green
    (204, 121, 167), // reddish purple
    (230, 159, 0),   // orange
    (86, 180, 233),  // sky blue
    (0, 0, 0),       // black
    (240, 228, 66),  // yellow
];

/// Palette colour `i` (cycling).
pub fn palette(i: usize) -> RGBColor {
    let (r, g, b) = OKABE_ITO[i % OKABE_ITO.len()];
    RGBColor(r, g, b)
}

/// Where each legend entry goes in the strip under the plot.
struct LegendLayout {
    /// `(series index, x, row)` per labelled series.
    entries: Vec<(usize, i32, i32)>,
    /// Height of the strip, pixels (0 without labels).
    height: u32,
}

/// Width of a legend sample (line or marker) and the gap after it, pixels.
const SAMPLE_PX: i32 = 34;
/// Height of one legend row, pixels.
const ROW_PX: i32 = 26;

/// Lays the labelled series out left to right, wrapping at `width`; text
/// width is estimated at 0.55 em per character (no font metrics without
/// system fonts), which errs wide.
fn legend_layout(series: &[Series], width: u32) -> LegendLayout {
    let (left, right) = (78, width as i32 - 14);
    let (mut x, mut row) = (left, 0);
    let mut entries = Vec::new();
    for (i, s) in series
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.label.is_empty())
    {
        let w = SAMPLE_PX + (s.label.chars().count() as f64 * 0.55 * LEGEND_PX as f64) as i32 + 22;
        if x > left && x + w > right {
            x = left;
            row += 1;
        }
        entries.push((i, x, row));
        x += w;
    }
    let height = match entries.last() {
        Some(&(_, _, rows)) => ((rows + 1) * ROW_PX + 10) as u32,
        None => 0,
    };
    LegendLayout { entries, height }
}

/// Draws the legend entries of `layout` into `strip`.
fn draw_legend<DB: DrawingBackend>(
    strip: &DrawingArea<DB, plotters::coord::Shift>,
    series: &[Series],
    layout: &LegendLayout,
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    strip.fill(&WHITE)?;
    for &(i, x, row) in &layout.entries {
        let s = &series[i];
        let color = palette(s.color);
        let y = row * ROW_PX + ROW_PX / 2;
        match s.style {
            Style::Points => strip.draw(&Circle::new((x + 12, y), 4, color.filled()))?,
            Style::Line => strip.draw(&PathElement::new(
                vec![(x, y), (x + 26, y)],
                color.stroke_width(3),
            ))?,
            Style::Dashed => {
                for k in 0..2 {
                    let x0 = x + k * 14;
                    strip.draw(&PathElement::new(
                        vec![(x0, y), (x0 + 9, y)],
                        color.stroke_width(3),
                    ))?
                }
            }
        }
        let text = TextStyle::from(("sans-serif", LEGEND_PX).into_font()).pos(
            plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Left,
                plotters::style::text_anchor::VPos::Center,
            ),
        );
        strip.draw(&Text::new(s.label.clone(), (x + SAMPLE_PX, y), text))?;
    }
    Ok(())
}

/// A short tick label: integers without decimals, powers of ten as `1e-6`,
/// other values with at most four significant digits.
fn tick_label(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let v = round_significant(v);
    let exponent = v.abs().log10();
    if (exponent - exponent.round()).abs() < 1e-9 && !(-3.0..=4.0).contains(&exponent.round()) {
        let sign = if v < 0.0 { "-" } else { "" };
        return format!("{sign}1e{}", exponent.round() as i32);
    }
    if v.fract() == 0.0 && v.abs() < 1e6 {
        return format!("{}", v as i64);
    }
    format!("{}", (v * 1e4).round() / 1e4)
}

fn bounds(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values.fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// The data range widened a little (multiplicatively for a log axis).
fn pad(lo: f64, hi: f64, log: bool) -> Range<f64> {
    if log {
        return lo / 2.0..hi * 2.0;
    }
    let span = if hi > lo { hi - lo } else { lo.abs().max(1.0) };
    lo - 0.05 * span..hi + 0.05 * span
}

/// `x` rounded to six significant digits.
pub fn round_significant(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(5 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

#[cfg(test)]
mod tests;
