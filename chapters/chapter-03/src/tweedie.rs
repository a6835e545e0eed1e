//! Tweedie's formula: the optimal denoiser and the score are the same object.
//!
//! For $x_t = \alpha_t x + \sigma_t g$ with density $p_t$,
//! $$\mathbb E[x \mid x_t] = \frac{x_t + \sigma_t^2 \nabla \log p_t(x_t)}{\alpha_t},
//! \qquad \nabla \log p_t(x_t) = \frac{\alpha_t\, \mathbb E[x \mid x_t] - x_t}{\sigma_t^2}.$$
//! So learning to denoise is learning the score, and vice versa.

use ndarray::{Array2, ArrayView2};

use crate::query::validate_sigma;
use shared::error::{ensure_finite, ensure_finite_output, ensure_same_shape};
use shared::{Error, Result};

/// Same shapes, finite entries, finite $\alpha$, and a valid σ ([`validate_sigma`]).
fn check(a: ArrayView2<f64>, b: ArrayView2<f64>, alpha: f64, sigma: f64) -> Result<()> {
    ensure_same_shape("denoiser output or score", b.dim(), a.dim())?;
    ensure_finite("x_t", a.iter())?;
    ensure_finite("denoiser output or score", b.iter())?;
    validate_sigma(sigma)?;
    if !alpha.is_finite() {
        return Err(Error::out_of_range("alpha", "finite", alpha));
    }
    Ok(())
}

// ANCHOR: tweedie
/// The score $\nabla \log p_t(x_t) = (\alpha_t \bar x - x_t)/\sigma_t^2$ from the denoiser output $\bar x$.
///
/// # Errors
/// Different shapes, non-finite input, $\sigma^2$ not a positive normal number, or overflow.
pub fn denoiser_to_score(
    x_t: ArrayView2<f64>,
    denoised: ArrayView2<f64>,
    alpha: f64,
    sigma: f64,
) -> Result<Array2<f64>> {
    check(x_t, denoised, alpha, sigma)?;
    // BEGIN SOLUTION 3.1: Tweedie's formula, both ways
    let score = (&denoised * alpha - x_t) / (sigma * sigma);
    ensure_finite_output("denoiser_to_score", "the score", score.iter())?;
    Ok(score)
    // END SOLUTION
}

/// The denoiser $\mathbb E[x \mid x_t] = (x_t + \sigma_t^2 s)/\alpha_t$ from the score $s$ ($\alpha_t > 0$).
///
/// # Errors
/// As [`denoiser_to_score`]; $\alpha_t \le 0$.
pub fn score_to_denoiser(
    x_t: ArrayView2<f64>,
    score: ArrayView2<f64>,
    alpha: f64,
    sigma: f64,
) -> Result<Array2<f64>> {
    check(x_t, score, alpha, sigma)?;
    if alpha <= 0.0 {
        return Err(Error::out_of_range(
            "alpha",
            "> 0 (the denoiser divides by it)",
            alpha,
        ));
    }
    // BEGIN SOLUTION 3.1: Tweedie's formula, both ways
    let denoised = (&x_t + &(&score * (sigma * sigma))) / alpha;
    ensure_finite_output("score_to_denoiser", "the denoiser", denoised.iter())?;
    Ok(denoised)
    // END SOLUTION
}
// ANCHOR_END: tweedie
