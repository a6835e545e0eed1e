//! The interface every denoiser of the chapter implements: the [`Denoiser`]
//! trait and the checks of its query ([`validate_query`]).
//!
//! A leaf module: the denoisers (the mixtures, the empirical, learned and
//! baseline ones) and the sampler ([`crate::sampler`]) all build on it, and it
//! imports nothing from them.

use ndarray::{Array2, ArrayView2};

use shared::error::{ensure_finite, ensure_nonnegative, ensure_rows};
use shared::{Error, Result};

/// Anything that maps noisy points to estimates of the clean ones.
pub trait Denoiser {
    /// The dimension `d`.
    fn dim(&self) -> usize;

    /// $\mathbb E[x \mid \alpha x + \sigma g = x_t]$ (or an estimate) for every
    /// column of `x_t` (`d × N`), as a `d × N` matrix.
    ///
    /// # Errors
    /// Implementations reject what [`validate_query`] rejects (`sigma > 0`,
    /// `alpha >= 0`, `d` rows, finite entries; a non-finite entry may be
    /// found after computing, from the output it spoils, as
    /// [`crate::LowRankMixture`] does) and check their own parameters.
    fn denoise(&self, x_t: ArrayView2<f64>, alpha: f64, sigma: f64) -> Result<Array2<f64>>;
}

/// Checks the arguments shared by every denoiser: [`validate_sigma`], a finite
/// `alpha >= 0`, `d` rows and finite entries.
pub fn validate_query(dim: usize, x_t: ArrayView2<f64>, alpha: f64, sigma: f64) -> Result<()> {
    validate_query_shape(dim, x_t, alpha, sigma)?;
    ensure_finite("x_t", x_t.iter())
}

/// The checks of [`validate_query`] that do not read the entries of `x_t`:
/// its number of rows and the noise levels.
///
/// # Errors
/// As [`validate_query`], except for non-finite entries.
pub fn validate_query_shape(
    dim: usize,
    x_t: ArrayView2<f64>,
    alpha: f64,
    sigma: f64,
) -> Result<()> {
    validate_sigma(sigma)?;
    ensure_nonnegative("alpha", alpha)?;
    ensure_rows("x_t", x_t.nrows(), dim)
}

/// A noise level must be finite and positive with $\sigma^2$ a normal `f64`
/// (σ above about 1.5e-154): below that σ² underflows and the noisy covariance
/// of a singular component is exactly 0.
pub fn validate_sigma(sigma: f64) -> Result<()> {
    if sigma.is_finite() && sigma > 0.0 && sigma * sigma >= f64::MIN_POSITIVE {
        Ok(())
    } else {
        Err(Error::out_of_range(
            "sigma",
            "finite with sigma^2 > 0 in floating point (sigma >= 1.5e-154)",
            sigma,
        ))
    }
}
