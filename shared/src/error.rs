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
        name: &'static str,
        rule: String,
        got: String,
    },
    /// Two shapes that must agree do not.
    #[error("shape mismatch for {name}: expected {expected}, got {got}")]
    Shape {
        name: &'static str,
        expected: String,
        got: String,
    },
    /// The data contain NaN or an infinity.
    #[error("{name} contains NaN or infinite values; clean or regenerate the data")]
    NonFinite { name: &'static str },
    /// A matrix that must be symmetric is not (relative asymmetry above the tolerance).
    #[error(
        "{name} is not symmetric: max |m_ij - m_ji| / max |m_ij| = {asymmetry:.3e} exceeds {tolerance:.0e}"
    )]
    NotSymmetric {
        name: &'static str,
        asymmetry: f64,
        tolerance: f64,
    },
    /// A file could not be read or written.
    #[error("cannot write {path}: {source}; check that the directory is writable", path = path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A figure could not be drawn.
    #[error("could not draw figure {name}: {message}")]
    Plot { name: String, message: String },
}

/// Result with the project's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Shorthand for [`Error::OutOfRange`].
    pub fn out_of_range(name: &'static str, rule: impl Into<String>, got: impl ToString) -> Self {
        Error::OutOfRange {
            name,
            rule: rule.into(),
            got: got.to_string(),
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

/// Fails with [`Error::NonFinite`] if any entry is NaN or infinite.
pub fn ensure_finite<'a>(
    name: &'static str,
    values: impl IntoIterator<Item = &'a f64>,
) -> Result<()> {
    if values.into_iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(Error::NonFinite { name })
    }
}
