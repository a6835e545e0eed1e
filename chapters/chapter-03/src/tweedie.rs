//! Tweedie's formula: the optimal denoiser and the score are the same object.
//!
//! For $x_t = \alpha_t x + \sigma_t g$ with density $p_t$,
//! $$\mathbb E[x \mid x_t] = \frac{x_t + \sigma_t^2 \nabla \log p_t(x_t)}{\alpha_t},
//! \qquad \nabla \log p_t(x_t) = \frac{\alpha_t\, \mathbb E[x \mid x_t] - x_t}{\sigma_t^2}.$$
//! So learning to denoise is learning the score, and vice versa.

use ndarray::{Array2, ArrayView2};

// ANCHOR: tweedie
/// The score $\nabla \log p_t(x_t) = (\alpha_t \bar x - x_t)/\sigma_t^2$ from the denoiser output $\bar x$.
pub fn denoiser_to_score(
    x_t: ArrayView2<f64>,
    denoised: ArrayView2<f64>,
    alpha: f64,
    sigma: f64,
) -> Array2<f64> {
    (&denoised * alpha - x_t) / (sigma * sigma)
}

/// The denoiser $\mathbb E[x \mid x_t] = (x_t + \sigma_t^2 s)/\alpha_t$ from the score $s$ ($\alpha_t > 0$).
pub fn score_to_denoiser(
    x_t: ArrayView2<f64>,
    score: ArrayView2<f64>,
    alpha: f64,
    sigma: f64,
) -> Array2<f64> {
    (&x_t + &(&score * (sigma * sigma))) / alpha
}
// ANCHOR_END: tweedie
