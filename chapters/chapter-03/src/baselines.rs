//! Denoisers built from the earlier chapters, to compare with the optimal one.
//!
//! - [`PcaProjection`]: chapter 1's PCA learns one subspace from clean
//!   training data; denoising projects onto it, $\hat x = \mu + U U^\top(x_t/\alpha - \mu)$.
//! - [`SoftThresholding`]: chapter 2's soft threshold is the proximal step of
//!   a sparsity prior; for data sparse in the standard basis,
//!   $\hat x = S_\tau(x_t/\alpha)$ with the universal threshold
//!   $\tau = (\sigma/\alpha)\sqrt{2\log d}$ (Donoho and Johnstone).

use ndarray::{Array2, ArrayView2};

use crate::sampler::{Denoiser, validate_query};
use shared::error::ensure_finite_output;
use shared::{Error, Result};

use chapter_01::Pca;
use chapter_02::soft_threshold;

/// The baselines undo the signal scale, so they need $\alpha > 0$.
fn check_alpha(alpha: f64) -> Result<()> {
    if alpha > 0.0 {
        Ok(())
    } else {
        Err(Error::out_of_range(
            "alpha",
            "> 0 for the PCA and soft-threshold baselines (they divide by alpha)",
            alpha,
        ))
    }
}

// ANCHOR: baselines
/// Projection onto a subspace learned by [`chapter_01::pca`].
#[derive(Debug, Clone)]
pub struct PcaProjection {
    pub pca: Pca,
}

impl Denoiser for PcaProjection {
    fn dim(&self) -> usize {
        self.pca.mean.len()
    }
    fn denoise(&self, x_t: ArrayView2<f64>, alpha: f64, sigma: f64) -> Result<Array2<f64>> {
        validate_query(self.dim(), x_t, alpha, sigma)?;
        check_alpha(alpha)?;
        let out = self.pca.denoise((&x_t / alpha).view())?;
        ensure_finite_output(
            "PcaProjection",
            "the estimate (alpha too small?)",
            out.iter(),
        )?;
        Ok(out)
    }
}

/// Entrywise soft thresholding ([`chapter_02::soft_threshold`]) at the universal threshold.
#[derive(Debug, Clone, Copy)]
pub struct SoftThresholding {
    pub dim: usize,
}

impl Denoiser for SoftThresholding {
    fn dim(&self) -> usize {
        self.dim
    }
    fn denoise(&self, x_t: ArrayView2<f64>, alpha: f64, sigma: f64) -> Result<Array2<f64>> {
        validate_query(self.dim, x_t, alpha, sigma)?;
        check_alpha(alpha)?;
        let tau = sigma / alpha * (2.0 * (self.dim as f64).ln()).sqrt();
        let out = (&x_t / alpha).mapv(|v| soft_threshold(v, tau));
        let what = "the threshold or the estimate (alpha too small?)";
        ensure_finite_output("SoftThresholding", what, out.iter().chain([&tau]))?;
        Ok(out)
    }
}
// ANCHOR_END: baselines
