//! Experiment 3: denoising error against noise level for the optimal
//! denoiser of a union of coordinate subspaces and the PCA and sparse baselines.

use ndarray::{Array1, Array2};

use crate::baselines::{PcaProjection, PcaShrinkage, SoftThresholding};
use crate::lowrank::LowRankMixture;
use crate::process::Process;
use crate::sampler::Denoiser;
use shared::Result;
use shared::rng::{Rng, gaussian_matrix};

/// Denoising error of the optimal denoiser and the baselines at one noise level.
#[derive(Debug, Clone)]
pub struct ErrorRow {
    /// Noise level $\sigma$ (VE, $\alpha = 1$).
    pub sigma: f64,
    /// Mean squared error per point without denoising ($\approx D\sigma^2$).
    pub identity: f64,
    /// The closed-form MMSE denoiser of the mixture.
    pub mmse: f64,
    /// PCA with Wiener shrinkage ([`PcaShrinkage`]).
    pub pca_shrinkage: f64,
    /// PCA projection without shrinkage ([`PcaProjection`]).
    pub pca_projection: f64,
    /// Soft thresholding at the universal threshold.
    pub soft: f64,
}

/// Ambient dimension $D$ of the error-vs-noise comparison.
pub const CMP_D: usize = 32;
/// Number of coordinate subspaces $K$.
pub const CMP_K: usize = 4;
/// Dimension $p$ of each.
pub const CMP_P: usize = 2;
/// Training and test points.
pub const CMP_POINTS: usize = 2000;
/// Noise levels.
pub const CMP_SIGMAS: [f64; 5] = [0.1, 0.2, 0.5, 1.0, 2.0];

/// A union of `K` coordinate subspaces: the data are sparse in the standard basis.
pub fn coordinate_subspaces() -> LowRankMixture {
    let bases = (0..CMP_K)
        .map(|k| {
            Array2::from_shape_fn((CMP_D, CMP_P), |(i, j)| {
                f64::from(u8::from(i == k * CMP_P + j))
            })
        })
        .collect();
    LowRankMixture::new(
        Array1::from_elem(CMP_K, 1.0 / CMP_K as f64),
        bases,
        vec![4.0; CMP_K],
        0.0,
    )
    .expect("coordinate subspaces form a valid mixture")
}

// ANCHOR: comparison
/// Mean squared error of each denoiser on fresh test points at each noise
/// level; the PCA baselines are fitted to a separate training set.
///
/// # Errors
/// A denoiser or PCA error.
pub fn error_vs_noise(rng: &mut Rng) -> Result<Vec<ErrorRow>> {
    let mix = coordinate_subspaces();
    let (train, _) = mix.sample(rng, CMP_POINTS)?;
    let pca = chapter_01::pca(train.view(), CMP_K * CMP_P, rand::RngExt::random(rng))?;
    let shrinkage = PcaShrinkage { pca: pca.clone() };
    let projection = PcaProjection { pca };
    let soft = SoftThresholding { dim: CMP_D };
    let (clean, _) = mix.sample(rng, CMP_POINTS)?;
    let g = gaussian_matrix(rng, CMP_D, CMP_POINTS);
    let mse = |x: &Array2<f64>| (x - &clean).mapv(|v| v * v).sum() / CMP_POINTS as f64;
    let mut rows = Vec::new();
    for sigma in CMP_SIGMAS {
        let x_t = Process::VarianceExploding.noisy(clean.view(), g.view(), sigma)?;
        rows.push(ErrorRow {
            sigma,
            identity: mse(&x_t),
            mmse: mse(&mix.denoise(x_t.view(), 1.0, sigma)?),
            pca_shrinkage: mse(&shrinkage.denoise(x_t.view(), 1.0, sigma)?),
            pca_projection: mse(&projection.denoise(x_t.view(), 1.0, sigma)?),
            soft: mse(&soft.denoise(x_t.view(), 1.0, sigma)?),
        });
    }
    Ok(rows)
}
// ANCHOR_END: comparison
