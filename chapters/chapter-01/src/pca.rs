//! PCA: centering, then the top eigenpairs of the covariance.
//!
//! For data $X \in \mathbb{R}^{D \times N}$ with mean $\mu$, PCA with $k$
//! components solves $\min_{U \in \mathsf{O}(D,k)} \frac1N \sum_i \|(x_i - \mu) - U U^\top (x_i - \mu)\|^2$,
//! equivalently $\max_U \operatorname{tr}(U^\top M U)$ with $M = \frac1N (X - \mu 1^\top)(X - \mu 1^\top)^\top$.
//! The answer is the top-$k$ eigenvectors of $M$, found here by subspace iteration.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, ShapeBuilder, Zip, s};

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
    let scan = Scan::of(x);
    if !scan.finite {
        ensure_finite("x", x.iter())?;
    }
    check_rank(k, dim, "the data dimension D")?;
    let mean = scan.mean(x)?;
    let e = centering_exponent(x, mean.view());
    let top = if dim > samples {
        let centered = centered_and_scaled(x, mean.view(), e);
        let covariance = Covariance {
            centered: centered.view(),
        };
        top_eigenpairs_op(&covariance, k, 0.0, seed)?
    } else {
        let explicit = centered_gram(x, mean.view(), e) / samples as f64;
        top_eigenpairs_op(&explicit, k, 0.0, seed)?
    };
    let top = certify(top)?;
    let (variances, components) = unscale(top.values.mapv(|v| ldexp(v, 2 * e)), top.vectors)?;
    Ok(Pca {
        mean,
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

/// What one pass over the data finds, reading it in memory order (so the
/// transposed view of an `N × D` array costs what a `D × N` copy would).
struct Scan {
    /// Whether every entry is finite.
    finite: bool,
    /// The largest magnitude $\max_{ij} |x_{ij}|$.
    largest: f64,
    /// Each row's sum $\sum_j x_{ij}$ (`D`).
    sums: Array1<f64>,
}

impl Scan {
    fn of(x: ArrayView2<f64>) -> Self {
        let mut scan = Scan {
            finite: true,
            largest: 0.0,
            sums: Array1::zeros(x.nrows()),
        };
        let visit = |finite: &mut bool, largest: &mut f64, sum: &mut f64, v: f64| {
            *finite &= v.is_finite();
            *largest = largest.max(v.abs());
            *sum += v;
        };
        let Scan {
            finite,
            largest,
            sums,
        } = &mut scan;
        if x.stride_of(Axis(0)) == 1 {
            // Samples are contiguous columns (a transposed view of N × D data).
            for column in x.columns() {
                for (sum, &v) in sums.iter_mut().zip(column) {
                    visit(finite, largest, sum, v);
                }
            }
        } else {
            for (sum, row) in sums.iter_mut().zip(x.rows()) {
                for &v in row {
                    visit(finite, largest, sum, v);
                }
            }
        }
        scan
    }

    /// The mean of the columns, $\sum_j x_j / N$. The plain sums are used when
    /// no partial sum can overflow or come near the subnormal range; otherwise
    /// the data are summed again after scaling by the power of two that brings
    /// the largest entry near 1 (exact), as [`top_eigenpairs`] scales.
    fn mean(&self, x: ArrayView2<f64>) -> Result<Array1<f64>> {
        let samples = x.ncols() as f64;
        let plain = self.largest * samples <= f64::MAX / 4.0
            && (self.largest == 0.0 || self.largest >= f64::MIN_POSITIVE * 2f64.powi(120));
        let mean = if plain {
            &self.sums / samples
        } else {
            scaled_column_mean(x, self.largest)
        };
        shared::error::ensure_finite_output("pca", "the mean", mean.iter())?;
        Ok(mean)
    }
}

/// The column mean summed after scaling by $2^{-e}$, $e$ the exponent of `largest`.
fn scaled_column_mean(x: ArrayView2<f64>, largest: f64) -> Array1<f64> {
    let e = magnitude_exponent([largest].iter());
    let scale = scaler(e);
    let sums = x.map_axis(Axis(1), |row| row.fold(0.0, |acc, &v| acc + scale(v)));
    sums.mapv(|s| ldexp(s / x.ncols() as f64, e))
}

/// The exponent $e$ that brings the largest centered entry
/// $\max_{ij}|x_{ij} - \mu_i|$ near 1, from a read-only pass in the input's
/// memory order. (A bound from $\max|x_{ij}|$ and $\max|\mu_i|$ would save the
/// pass but not the precision: with a mean far larger than the spread, it
/// would scale the deviations into the subnormal range.)
fn centering_exponent(x: ArrayView2<f64>, mean: ArrayView1<f64>) -> i32 {
    let largest = Zip::from(&x)
        .and_broadcast(mean.insert_axis(Axis(1)))
        .fold(0.0f64, |m, &v, &mu| m.max((v - mu).abs()));
    magnitude_exponent([largest].iter())
}

/// $(X - \mu 1^\top) 2^{-e}$ (`D × N`), written in the input's memory order.
fn centered_and_scaled(x: ArrayView2<f64>, mean: ArrayView1<f64>, e: i32) -> Array2<f64> {
    let scale = scaler(e);
    Zip::from(&x)
        .and_broadcast(mean.insert_axis(Axis(1)))
        .map_collect(|&v, &mu| scale(v - mu))
}

/// $X_cX_c^\top$ (`D × D`) of the centered data $X_c = (X - \mu 1^\top)2^{-e}$,
/// without forming $X_c$: [`GRAM_CHUNK`] samples at a time are centered into
/// one reused buffer (laid out like the input) and their products accumulate.
/// The buffer stays in cache between its writing and the product, and the
/// `D × N` copy, with its page faults, is never made.
fn centered_gram(x: ArrayView2<f64>, mean: ArrayView1<f64>, e: i32) -> Array2<f64> {
    let (dim, samples) = x.dim();
    let scale = scaler(e);
    let mean = mean.insert_axis(Axis(1));
    let width = GRAM_CHUNK.min(samples);
    let mut buffer = if x.stride_of(Axis(0)) == 1 {
        Array2::zeros((dim, width).f())
    } else {
        Array2::zeros((dim, width))
    };
    let mut gram = Array2::zeros((dim, dim));
    for start in (0..samples).step_by(GRAM_CHUNK) {
        let chunk = x.slice(s![.., start..(start + GRAM_CHUNK).min(samples)]);
        let mut centered = buffer.slice_mut(s![.., ..chunk.ncols()]);
        Zip::from(&mut centered)
            .and(&chunk)
            .and_broadcast(&mean)
            .for_each(|c, &v, &mu| *c = scale(v - mu));
        general_mat_mul(1.0, &centered, &centered.t(), 1.0, &mut gram);
    }
    gram
}

/// Samples per block of [`centered_gram`].
const GRAM_CHUNK: usize = 512;

/// $v \mapsto v 2^{-e}$, exactly [`ldexp`]`(v, -e)`: one multiplication by a
/// precomputed factor where `ldexp` would make one, its steps beyond.
fn scaler(e: i32) -> impl Fn(f64) -> f64 {
    let factor = (e.abs() <= 1000).then(|| 2f64.powi(-e));
    move |v| match factor {
        Some(f) => v * f,
        None => ldexp(v, -e),
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
