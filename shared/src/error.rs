//! The project's single error type.
//!
//! Every public function that takes user data validates it first and returns
//! one of these variants; each message states the rule that was broken and,
//! where it helps, what to do.

use std::path::PathBuf;

/// Errors reported to users of the chapters, the course tests and the binaries.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A scalar argument is outside its allowed range.
    #[error("{name} must be {rule}, got {got}")]
    OutOfRange {
        /// Name of the argument, e.g. `"k"` or `"--eps-sq"`.
        name: std::borrow::Cow<'static, str>,
        /// The rule it must satisfy, e.g. `"finite and >= 0"`.
        rule: String,
        /// The value that was passed, formatted for the message.
        got: String,
    },
    /// Two shapes that must agree do not.
    #[error("shape mismatch for {name}: expected {expected}, got {got}")]
    Shape {
        /// Name of the argument whose shape is wrong.
        name: &'static str,
        /// The required shape, in words, e.g. `"100 rows"`.
        expected: String,
        /// The shape that was passed, in the same form.
        got: String,
    },
    /// The data contain NaN or an infinity.
    #[error("{name} contains NaN or infinite values; clean or regenerate the data")]
    NonFinite {
        /// Name of the argument that contains the non-finite values.
        name: &'static str,
    },
    /// A matrix that must be symmetric is not (relative asymmetry above the tolerance).
    #[error(
        "{name} is not symmetric: max |m_ij - m_ji| / max |m_ij| = {asymmetry:.3e} exceeds {tolerance:.0e}"
    )]
    NotSymmetric {
        /// Name of the matrix.
        name: &'static str,
        /// Measured relative asymmetry, `max |m_ij - m_ji| / max |m_ij|`.
        asymmetry: f64,
        /// Largest relative asymmetry accepted.
        tolerance: f64,
    },
    /// A file could not be read or written.
    #[error("cannot write {path}: {source}; check the path, its permissions and free space", path = path.display())]
    Io {
        /// The file or directory involved (`<stdout>` for standard output).
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// An iterative method stopped at its iteration cap without meeting its
    /// stopping rule; the partial result is not returned as an answer.
    #[error(
        "{algorithm} did not converge in {iterations} iterations (residual {residual:.3e}, tolerance {tolerance:.0e}); the input may be ill-conditioned"
    )]
    NotConverged {
        /// Name of the method, e.g. `"subspace iteration"`.
        algorithm: &'static str,
        /// Iterations performed before it stopped.
        iterations: usize,
        /// Final residual, on the same scale as `tolerance` (NaN if none was computed).
        residual: f64,
        /// Residual the stopping rule required.
        tolerance: f64,
    },
    /// A computation overflowed or produced NaN although its input was finite.
    #[error("{algorithm} produced non-finite values: {detail}")]
    NumericalFailure {
        /// Name of the computation that failed.
        algorithm: &'static str,
        /// What overflowed or became NaN, with a hint on what to do.
        detail: String,
    },
    /// Something the run needs is not available on this machine or build
    /// (a GPU, a driver, a cargo feature).
    #[error("{what}; {fix}")]
    Unavailable {
        /// What is missing.
        what: String,
        /// What to do about it.
        fix: String,
    },
    /// A data file shipped with the project is missing, corrupt or of the wrong version.
    #[error("{}: {problem}; {fix}", path.display())]
    Data {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong with it.
        problem: String,
        /// What to do about it.
        fix: &'static str,
    },
    /// A figure could not be drawn.
    #[error("could not draw figure {name}: {message}")]
    Plot {
        /// Title of the figure.
        name: String,
        /// The error message from plotters.
        message: String,
    },
}

/// Result with the project's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Shorthand for [`Error::OutOfRange`].
    pub fn out_of_range(name: &'static str, rule: impl Into<String>, got: impl ToString) -> Self {
        Error::OutOfRange {
            name: name.into(),
            rule: rule.into(),
            got: got.to_string(),
        }
    }

    /// An [`Error::OutOfRange`] whose name is a field name behind `--`
    /// (`--eps_sq`) renamed to the command-line flag (`--eps-sq`); other
    /// errors unchanged.
    pub fn as_flag(self) -> Self {
        match self {
            Error::OutOfRange { name, rule, got }
                if name.starts_with("--") && name.contains('_') =>
            {
                Error::OutOfRange {
                    name: name.replace('_', "-").into(),
                    rule,
                    got,
                }
            }
            other => other,
        }
    }

    /// Shorthand for [`Error::Shape`].
    pub fn shape(name: &'static str, expected: impl Into<String>, got: impl Into<String>) -> Self {
        Error::Shape {
            name,
            expected: expected.into(),
            got: got.into(),
        }
    }
}

/// Fails with [`Error::NumericalFailure`] if any entry of a computed result is
/// NaN or infinite (for outputs; inputs get [`ensure_finite`]).
pub fn ensure_finite_output<'a>(
    algorithm: &'static str,
    what: &str,
    values: impl IntoIterator<Item = &'a f64>,
) -> Result<()> {
    if all_finite(values) {
        Ok(())
    } else {
        Err(Error::NumericalFailure {
            algorithm,
            detail: format!("{what} overflowed or is NaN; rescale the input"),
        })
    }
}

/// Whether every value is finite. A fold without early exit: over a
/// contiguous array (ndarray's iterators fold over the underlying slice) it
/// compiles to a vectorized scan, several times faster than `all`, which the
/// per-step checks of the samplers and solvers feel.
pub fn all_finite<'a>(values: impl IntoIterator<Item = &'a f64>) -> bool {
    values.into_iter().fold(true, |ok, v| ok & v.is_finite())
}

/// The largest of `values`, propagating NaN (unlike `f64::max`, which drops it):
/// a NaN anywhere gives NaN, an empty input gives `f64::NEG_INFINITY`.
pub fn nan_max(values: impl IntoIterator<Item = f64>) -> f64 {
    values.into_iter().fold(f64::NEG_INFINITY, nan_max2)
}

/// Index and value of the smallest of `values` (the first on ties), NaNs
/// skipped; `(0, f64::INFINITY)` when none is smaller than infinity.
pub fn argmin(values: impl IntoIterator<Item = f64>) -> (usize, f64) {
    values.into_iter().enumerate().fold(
        (0, f64::INFINITY),
        |b, (i, v)| if v < b.1 { (i, v) } else { b },
    )
}

/// Index and value of the largest of `values` (the first on ties), NaNs
/// skipped; `(0, f64::NEG_INFINITY)` when none is larger than minus infinity.
pub fn argmax(values: impl IntoIterator<Item = f64>) -> (usize, f64) {
    values.into_iter().enumerate().fold(
        (0, f64::NEG_INFINITY),
        |b, (i, v)| if v > b.1 { (i, v) } else { b },
    )
}

/// `max(a, b)` that returns NaN if either is NaN.
pub fn nan_max2(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

/// Fails with [`Error::OutOfRange`] unless `value` is finite and `>= 0`.
pub fn ensure_nonnegative(name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(Error::out_of_range(name, "finite and >= 0", value))
    }
}

/// Fails with [`Error::Shape`] unless `got` (a row count) equals `rows`.
pub fn ensure_rows(name: &'static str, got: usize, rows: usize) -> Result<()> {
    if got == rows {
        Ok(())
    } else {
        Err(Error::shape(
            name,
            format!("{rows} rows"),
            format!("{got} rows"),
        ))
    }
}

/// Fails with [`Error::Shape`] unless `got` equals `expected` (two matrix shapes).
pub fn ensure_same_shape(
    name: &'static str,
    got: (usize, usize),
    expected: (usize, usize),
) -> Result<()> {
    if got == expected {
        Ok(())
    } else {
        Err(Error::shape(
            name,
            format!("{expected:?}"),
            format!("{got:?}"),
        ))
    }
}

/// Fails with [`Error::NonFinite`] if any entry is NaN or infinite.
pub fn ensure_finite<'a>(
    name: &'static str,
    values: impl IntoIterator<Item = &'a f64>,
) -> Result<()> {
    if all_finite(values) {
        Ok(())
    } else {
        Err(Error::NonFinite { name })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every non-finite value is found wherever it sits, in a contiguous
    /// array (the vectorized fold) and in a strided view (element by element).
    #[test]
    fn all_finite_finds_every_non_finite_value() {
        assert!(all_finite(&[]));
        assert!(all_finite(&[1.0, -f64::MAX, f64::MIN_POSITIVE, 0.0]));
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            for at in 0..37 {
                let mut a = ndarray::Array2::<f64>::ones((37, 5));
                a[[at, at % 5]] = bad;
                assert!(!all_finite(a.iter()), "{bad} at {at}");
                let strided = a.slice(ndarray::s![..;2, ..]);
                assert_eq!(all_finite(strided.iter()), at % 2 == 1, "{bad} at {at}");
                assert!(ensure_finite("x", a.iter()).is_err());
            }
        }
    }

    #[test]
    fn nan_max_propagates_nan_where_f64_max_drops_it() {
        assert_eq!(f64::NAN.max(1.0), 1.0);
        assert!(nan_max([1.0, f64::NAN, 3.0]).is_nan());
        assert!(nan_max([f64::NAN]).is_nan());
        assert_eq!(nan_max([1.0, 3.0, 2.0]), 3.0);
        assert_eq!(nan_max([]), f64::NEG_INFINITY);
    }

    #[test]
    fn argmin_and_argmax_skip_nan_and_take_the_first_tie() {
        assert_eq!(argmin([3.0, f64::NAN, 1.0, 1.0]), (2, 1.0));
        assert_eq!(argmax([f64::NAN, 2.0, 5.0, 5.0]), (2, 5.0));
        assert_eq!(argmin([f64::NAN]).0, 0);
        assert!(argmax(std::iter::empty()).1.is_infinite());
    }
}
