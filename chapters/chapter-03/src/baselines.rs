//! Denoisers built from the earlier chapters, to compare with the optimal one.
//!
//! - [`PcaShrinkage`]: chapter 1's PCA fits one Gaussian $\mathcal N(\mu, U\Lambda U^\top)$
//!   to clean training data; its exact MMSE denoiser (the Wiener filter) shrinks
//!   each principal coordinate by $\lambda_i/(\lambda_i + \sigma^2/\alpha^2)$:
//!   $\hat x = \mu + U \operatorname{diag}\big(\tfrac{\lambda_i}{\lambda_i + \sigma^2/\alpha^2}\big) U^\top(x_t/\alpha - \mu)$.
//!   It is the best *linear* denoiser for any data with that mean and covariance.
//! - [`PcaProjection`]: the same subspace without shrinking,
//!   $\hat x = \mu + U U^\top(x_t/\alpha - \mu)$: the limit of the shrinkage as
//!   $\sigma \to 0$, and worse at every noise level.
//! - [`SoftThresholding`]: chapter 2's soft threshold is the proximal step of
//!   a sparsity prior, the MAP denoiser under a Laplace prior (not an MMSE one); for data sparse in the standard basis,
//!   $\hat x = S_\tau(x_t/\alpha)$ with the universal threshold
//!   $\tau = (\sigma/\alpha)\sqrt{2\log D}$ (Donoho and Johnstone), $D$ the ambient dimension.

use ndarray::{Array2, ArrayView2, Axis};

use crate::query::{Denoiser, validate_query};
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
/// The Gaussian (Wiener) denoiser of a model fitted by [`chapter_01::pca()`].
#[derive(Debug, Clone)]
pub struct PcaShrinkage {
    /// The fitted mean, principal directions and variances.
    pub pca: Pca,
}

impl Denoiser for PcaShrinkage {
    fn dim(&self) -> usize {
        self.pca.mean.len()
    }
    fn denoise(&self, x_t: ArrayView2<f64>, alpha: f64, sigma: f64) -> Result<Array2<f64>> {
        validate_query(self.dim(), x_t, alpha, sigma)?;
        check_alpha(alpha)?;
        let noise = (sigma / alpha).powi(2);
        let gains = self.pca.variances.mapv(|l| l / (l + noise));
        let centered = &x_t / alpha - self.pca.mean.view().insert_axis(Axis(1));
        let coords = self.pca.components.t().dot(&centered) * &gains.insert_axis(Axis(1));
        let out = self.pca.components.dot(&coords) + self.pca.mean.view().insert_axis(Axis(1));
        ensure_finite_output(
            "PcaShrinkage",
            "the estimate (alpha too small?)",
            out.iter(),
        )?;
        Ok(out)
    }
}

/// Projection onto a subspace learned by [`chapter_01::pca()`], without shrinking.
#[derive(Debug, Clone)]
pub struct PcaProjection {
    /// The fitted mean and principal directions.
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
    /// The dimension $D$.
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
