//! PCA: centering, then the top eigenpairs of the covariance.
//!
//! For data $X \in \mathbb{R}^{D \times N}$ with mean $\mu$, PCA with $k$
//! components solves $\min_{U \in \mathsf{O}(D,k)} \frac1N \sum_i \|(x_i - \mu) - U U^\top (x_i - \mu)\|^2$,
//! equivalently $\max_U \operatorname{tr}(U^\top M U)$ with $M = \frac1N (X - \mu 1^\top)(X - \mu 1^\top)^\top$.
//! The answer is the top-$k$ eigenvectors of $M$, found here by subspace iteration.

use ndarray::{Array1, Array2, ArrayView2, Axis};

use crate::centering::Centered;

use crate::operator::{Covariance, SymmetricOperator};
use crate::subspace::{SubspaceIteration, subspace_iteration};
use shared::error::{ensure_finite, ensure_rows};
use shared::linalg::{ldexp, magnitude_exponent};
use shared::rng::gaussian_matrix;
use shared::{Error, Result, seeded_rng};

/// Residual tolerance of [`top_eigenpairs`]: relative to $|\lambda_1|$, it gives
/// eigenvectors accurate to about `1e-13 / relative eigengap`.
pub const EIGEN_TOL: f64 = 1e-13;
/// Iteration cap of [`top_eigenpairs`]; only reached when the eigengap is tiny.
pub const EIGEN_MAX_ITERS: usize = 20_000;
/// Relative asymmetry above which a matrix is rejected as not symmetric.
pub use shared::symmetric::SYMMETRY_TOL;

/// Top `k` eigenpairs of the symmetric matrix `m`.
///
/// Returns the eigenvalues in descending (algebraic) order and the matching
/// unit eigenvectors as the columns of a `d × k` matrix. Uses subspace
/// iteration with Rayleigh–Ritz on a block of `min(d, k + 4)` columns drawn
/// from a ChaCha8 generator seeded with `seed`; an indefinite `m` is shifted by
/// its Gershgorin lower bound so the largest eigenvalues dominate.
///
/// The matrix is first scaled by a power of two (exact) so that its largest
/// entry has magnitude about 1: entries near the overflow or subnormal range
/// work, and eigenvalues that do not fit in an `f64` are an error.
///
/// # Errors
/// `m` not square, not symmetric (relative asymmetry above 1e-9), containing
/// NaN or infinity, `k = 0` or `k > d`; [`Error::NotConverged`] if the
/// residuals did not reach [`EIGEN_TOL`] within [`EIGEN_MAX_ITERS`] (a nearly
/// repeated eigenvalue at position `k`); [`Error::NumericalFailure`] if an
/// eigenvalue overflows.
pub fn top_eigenpairs(
    m: ArrayView2<f64>,
    k: usize,
    seed: u64,
) -> Result<(Array1<f64>, Array2<f64>)> {
    shared::symmetric::ensure_symmetric("m", m)?;
    check_rank(k, m.nrows(), "the matrix size")?;
    let e = magnitude_exponent(m.iter());
    let scaled = m.mapv(|v| ldexp(v, -e));
    let mut result = top_eigenpairs_op(&scaled, k, 0.0, seed)?;
    if !found_algebraic_top(&result, k, m.nrows()) {
        // Negative eigenvalues of large magnitude took over the block: shift them below zero.
        let shift = (-gershgorin_lower_bound(scaled.view())).max(0.0);
        result = top_eigenpairs_op(&scaled, k, shift, seed)?;
    }
    let top = certify(result)?;
    unscale(top.values.mapv(|v| ldexp(v, e)), top.vectors)
}

/// The result of subspace iteration as an answer, or the reason it is not one.
fn certify(result: SubspaceIteration) -> Result<SubspaceIteration> {
    let residual = result.residuals.last().copied().unwrap_or(f64::NAN);
    if !result.converged {
        return Err(Error::NotConverged {
            algorithm: "subspace iteration",
            iterations: result.iterations,
            residual,
            tolerance: EIGEN_TOL,
        });
    }
    Ok(result)
}

/// Eigenvalues scaled back to the input's units, or an error if they overflow.
fn unscale(values: Array1<f64>, vectors: Array2<f64>) -> Result<(Array1<f64>, Array2<f64>)> {
    shared::error::ensure_finite_output("top_eigenpairs", "an eigenvalue", values.iter())?;
    Ok((values, vectors))
}

/// Unshifted subspace iteration converges to the block's largest-magnitude
/// eigenvalues; every eigenvalue outside the block is then at most
/// $\min_i |\theta_i|$ in magnitude, so the top `k` Ritz values are the
/// algebraic top `k` when $\theta_k \ge \min_i |\theta_i|$ (or the block is everything).
fn found_algebraic_top(result: &SubspaceIteration, k: usize, dim: usize) -> bool {
    let block = &result.block_values;
    let smallest_magnitude = block.iter().fold(f64::INFINITY, |m, v| m.min(v.abs()));
    block.len() == dim || block[k - 1] >= smallest_magnitude
}

/// Top `k` eigenpairs of any symmetric operator, as in [`top_eigenpairs`]
/// (inputs already validated).
fn top_eigenpairs_op<O: SymmetricOperator + ?Sized>(
    op: &O,
    k: usize,
    shift: f64,
    seed: u64,
) -> Result<SubspaceIteration> {
    let d = op.dim();
    let block = d.min(k + 4);
    let q0 = gaussian_matrix(&mut seeded_rng(seed), d, block);
    subspace_iteration(op, q0.view(), k, shift, EIGEN_TOL, EIGEN_MAX_ITERS)
}

/// A fitted PCA model.
#[derive(Debug, Clone)]
pub struct Pca {
    /// Sample mean $\mu$ (`D`).
    pub mean: Array1<f64>,
    /// Principal directions $U$, orthonormal columns by descending variance (`D × k`).
    pub components: Array2<f64>,
    /// Variances along them: eigenvalues of the `1/N` covariance (`k`).
    pub variances: Array1<f64>,
}

// ANCHOR: pca
/// PCA of `x` (`D × N`, samples as columns) with `k` components.
///
/// The covariance is never formed when `D > N`: it is applied as
/// $M v = X_c (X_c^\top v) / N$ ([`Covariance`]). When `D ≤ N` the `D × D`
/// matrix is cheaper to multiply by, so it is formed once.
///
/// Like [`top_eigenpairs`], the centered data are scaled by a power of two first.
///
/// # Errors
/// NaN or infinity in `x`, no samples, `k = 0` or `k > D`; the errors of
/// [`top_eigenpairs`] for non-convergence or overflowing variances.
pub fn pca(x: ArrayView2<f64>, k: usize, seed: u64) -> Result<Pca> {
    let (dim, samples) = x.dim();
    if samples == 0 {
        return Err(Error::shape(
            "x",
            "at least one sample (column)",
            "0 columns",
        ));
    }
    let centered = Centered::new("x", x)?;
    check_rank(k, dim, "the data dimension D")?;
    let e = centered.exponent;
    let top = if dim > samples {
        let matrix = centered.matrix();
        let covariance = Covariance {
            centered: matrix.view(),
        };
        top_eigenpairs_op(&covariance, k, 0.0, seed)?
    } else {
        let explicit = centered.scatter() / samples as f64;
        top_eigenpairs_op(&explicit, k, 0.0, seed)?
    };
    let top = certify(top)?;
    let (variances, components) = unscale(top.values.mapv(|v| ldexp(v, 2 * e)), top.vectors)?;
    Ok(Pca {
        mean: centered.mean,
        components,
        variances,
    })
}
// ANCHOR_END: pca

impl Pca {
    // ANCHOR: codes
    /// Codes $z = U^\top (x - \mu)$ (`k × N`) of data `x` (`D × N`).
    ///
    /// # Errors
    /// `x` without `D` rows or with non-finite entries; a model whose fields
    /// disagree (they are public): `mean` of length `D`, `components` `D × k`.
    pub fn encode(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        self.check("x", x)?;
        // BEGIN SOLUTION 1.3: PCA codes and points
        Ok(self
            .components
            .t()
            .dot(&(&x - &self.mean.view().insert_axis(Axis(1)))))
        // END SOLUTION
    }

    /// Points $\mu + U z$ (`D × N`) for codes `z` (`k × N`).
    ///
    /// # Errors
    /// `z` without `k` rows or with non-finite entries; inconsistent fields.
    pub fn decode(&self, z: ArrayView2<f64>) -> Result<Array2<f64>> {
        self.check_fields()?;
        let k = self.components.ncols();
        ensure_rows("z", z.nrows(), k)?;
        ensure_finite("z", z.iter())?;
        // BEGIN SOLUTION 1.3: PCA codes and points
        Ok(self.components.dot(&z) + self.mean.view().insert_axis(Axis(1)))
        // END SOLUTION
    }
    // ANCHOR_END: codes

    // ANCHOR: denoise
    /// PCA as denoising: the closest point of the learned affine subspace,
    /// $\hat x = \mu + U U^\top (x - \mu)$.
    ///
    /// # Errors
    /// As [`Pca::encode`].
    pub fn denoise(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        self.decode(self.encode(x)?.view())
    }
    // ANCHOR_END: denoise

    fn check_fields(&self) -> Result<()> {
        let d = self.mean.len();
        let k = self.components.ncols();
        if self.components.nrows() != d || self.variances.len() != k {
            return Err(Error::shape(
                "pca model",
                "mean: D, components: D × k, variances: k",
                format!(
                    "mean: {d}, components: {:?}, variances: {}",
                    self.components.dim(),
                    self.variances.len()
                ),
            ));
        }
        Ok(())
    }

    fn check(&self, name: &'static str, x: ArrayView2<f64>) -> Result<()> {
        self.check_fields()?;
        let d = self.mean.len();
        ensure_rows(name, x.nrows(), d)?;
        ensure_finite(name, x.iter())
    }
}

fn check_rank(k: usize, dim: usize, what: &str) -> Result<()> {
    if k == 0 || k > dim {
        return Err(Error::out_of_range(
            "k",
            format!("between 1 and {what} ({dim})"),
            k,
        ));
    }
    Ok(())
}

/// Gershgorin's lower bound on the smallest eigenvalue: $\min_i (m_{ii} - \sum_{j \ne i} |m_{ij}|)$.
fn gershgorin_lower_bound(m: ArrayView2<f64>) -> f64 {
    m.rows()
        .into_iter()
        .enumerate()
        .map(|(i, row)| row[i] - (row.iter().map(|v| v.abs()).sum::<f64>() - row[i].abs()))
        .fold(f64::INFINITY, f64::min)
}
