//! The input check shared by the LASSO's functions ([`crate::lasso`]) and
//! the textbook-convention solver ([`crate::solvers::ista_book_convention`]).
//!
//! A leaf module: it imports nothing from the crate.

use ndarray::ArrayView2;

use shared::error::{ensure_finite, ensure_nonnegative};
use shared::{Error, Result};

/// Checks `a: m × n`, `y: m × N`, `x: n × N`, finite entries and a finite `lambda >= 0`.
pub fn validate_triple(
    a: ArrayView2<f64>,
    y: ArrayView2<f64>,
    x: ArrayView2<f64>,
    lambda: f64,
) -> Result<()> {
    if a.nrows() != y.nrows() || a.ncols() != x.nrows() || y.ncols() != x.ncols() {
        return Err(Error::shape(
            "a, y, x",
            "a: m × n, y: m × N, x: n × N",
            format!("a: {:?}, y: {:?}, x: {:?}", a.dim(), y.dim(), x.dim()),
        ));
    }
    ensure_finite("a", a.iter())?;
    ensure_finite("y", y.iter())?;
    ensure_finite("x", x.iter())?;
    ensure_nonnegative("lambda", lambda)?;
    Ok(())
}
