//! Experiment 3: denoising by projecting the planted data onto its learned
//! principal subspace, at several noise levels.

use ndarray::Array2;

use super::Config;
use crate::pca::pca;
use shared::Result;

/// Noise energy before and after projecting onto the PCA subspace.
#[derive(Debug, Clone)]
pub struct Denoising {
    /// Noise standard deviation $\sigma$ of this row.
    pub noise: f64,
    /// Mean $\|x_i - U z_i\|^2$ (prediction $D\sigma^2$).
    pub before: f64,
    /// Mean $\|\hat x_i - U z_i\|^2$ (prediction $d\sigma^2$).
    pub after: f64,
    /// $D\sigma^2$.
    pub predicted_before: f64,
    /// $d\sigma^2$.
    pub predicted_after: f64,
}

/// Noise multipliers of the denoising table: $\sigma \in \{\sigma/2, \sigma, 2\sigma\}$.
pub const NOISE_FACTORS: [f64; 3] = [0.5, 1.0, 2.0];

// ANCHOR: denoising
/// Projects the planted data at noise level `noise` onto its top-$d$ principal
/// subspace and measures the squared error to the clean signal before and after.
///
/// # Errors
/// An invalid `noise` or a PCA error.
pub fn denoising(config: &Config, noise: f64) -> Result<Denoising> {
    let data = config.planted_data(noise)?;
    let model = pca(data.x.view(), config.rank, config.seed)?;
    let denoised = model.denoise(data.x.view())?;
    let n = config.samples as f64;
    let energy = |a: &Array2<f64>| (a - &data.clean).iter().map(|v| v * v).sum::<f64>() / n;
    Ok(Denoising {
        noise,
        before: energy(&data.x),
        after: energy(&denoised),
        predicted_before: config.dim as f64 * noise * noise,
        predicted_after: config.rank as f64 * noise * noise,
    })
}
// ANCHOR_END: denoising
