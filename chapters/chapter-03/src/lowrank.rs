//! The low-rank mixture: the optimal denoiser as attention over subspaces.
//!
//! Take $x \sim \sum_k \pi_k \mathcal N(0, c_k U_k U_k^\top + \varepsilon I)$ with
//! orthonormal $U_k \in \mathsf O(d, p_k)$: data near a union of subspaces
//! (with $\varepsilon = 0$, exactly on it). In the basis of $U_k$ the noisy
//! covariance has two eigenvalues, $a_k = \alpha^2(c_k + \varepsilon) + \sigma^2$
//! along the subspace and $b = \alpha^2\varepsilon + \sigma^2$ across it, so the
//! general mixture formula collapses to
//! $$\mathbb E[x \mid x_t] = \sum_k w_k\, \alpha\Big[\tfrac{c_k+\varepsilon}{a_k} U_k U_k^\top x_t + \tfrac{\varepsilon}{b}(I - U_k U_k^\top) x_t\Big],$$
//! $$w = \operatorname{softmax}_k\Big(\log\pi_k - \tfrac{p_k}{2}\log a_k - \tfrac{d - p_k}{2}\log b + \tfrac12\big(\tfrac1b - \tfrac1{a_k}\big)\|U_k^\top x_t\|^2\Big).$$
//! With $\varepsilon = 0$ and equal $c_k$, $p_k$ this is
//! $\frac{\alpha c}{\alpha^2 c + \sigma^2}\sum_k \operatorname{softmax}_k\big(\frac{\alpha^2 c\,\|U_k^\top x_t\|^2}{2\sigma^2(\alpha^2 c + \sigma^2)}\big) U_k U_k^\top x_t$:
//! each subspace is scored by how much of $x_t$ it explains (a query against
//! keys $U_k$), and the output is the softmax-weighted sum of projections.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut2, Axis};
use rayon::prelude::*;

use crate::mixture::{GaussianMixture, softmax_columns};
use crate::query::{Denoiser, validate_query_shape};
use rand::RngExt;
use rand::distr::weighted::WeightedIndex;
use shared::error::{
    all_finite, ensure_finite, ensure_finite_output, ensure_nonnegative, ensure_rows,
};
use shared::linalg::orthogonality_error;
use shared::rng::{Rng, gaussian_vector};
use shared::{Error, Result};

/// $\sum_k \pi_k \mathcal N(0, c_k U_k U_k^\top + \varepsilon I)$.
#[derive(Debug, Clone)]
pub struct LowRankMixture {
    /// Mixing weights $\pi_k$ (`K`).
    pub weights: Array1<f64>,
    /// Orthonormal bases $U_k$ (`d × p_k`).
    pub bases: Vec<Array2<f64>>,
    /// Variances $c_k > 0$ along each subspace.
    pub scales: Vec<f64>,
    /// Isotropic floor $\varepsilon \ge 0$.
    pub floor: f64,
}

impl LowRankMixture {
    /// A validated low-rank mixture.
    ///
    /// # Errors
    /// Mismatched counts, no component, weights that are negative or do not sum
    /// to 1, bases of different heights or without orthonormal columns (1e-9),
    /// a scale that is not positive, a negative floor, NaN or infinity.
    pub fn new(
        weights: Array1<f64>,
        bases: Vec<Array2<f64>>,
        scales: Vec<f64>,
        floor: f64,
    ) -> Result<Self> {
        let mix = LowRankMixture {
            weights,
            bases,
            scales,
            floor,
        };
        mix.validate()?;
        Ok(mix)
    }

    /// Checks the fields (public, so they may have changed since [`LowRankMixture::new`]).
    ///
    /// # Errors
    /// As [`LowRankMixture::new`].
    pub fn validate(&self) -> Result<()> {
        let (weights, bases, scales, floor) =
            (&self.weights, &self.bases, &self.scales, self.floor);
        let k = weights.len();
        if k == 0 || bases.len() != k || scales.len() != k {
            return Err(Error::shape(
                "low-rank mixture",
                "K >= 1 weights, bases and scales",
                format!("{k}, {}, {}", bases.len(), scales.len()),
            ));
        }
        shared::prob::validate_weights("mixture weights", weights.view())?;
        let d = bases[0].nrows();
        for u in bases {
            ensure_finite("basis", u.iter())?;
            if u.nrows() != d || u.ncols() == 0 || u.ncols() > d {
                return Err(Error::shape(
                    "basis",
                    format!("{d} rows and 1..={d} columns"),
                    format!("{:?}", u.dim()),
                ));
            }
            if orthogonality_error(u.view()) > 1e-9 {
                return Err(Error::out_of_range(
                    "basis",
                    "orthonormal columns",
                    "a non-orthonormal matrix",
                ));
            }
        }
        if let Some(c) = scales.iter().find(|c| !(c.is_finite() && **c > 0.0)) {
            return Err(Error::out_of_range("subspace scale", "finite and > 0", c));
        }
        ensure_nonnegative("floor", floor)?;
        Ok(())
    }

    /// `n` samples (`d × n`) and the component each came from.
    ///
    /// # Errors
    /// An invalid mixture ([`LowRankMixture::validate`]).
    pub fn sample(&self, rng: &mut Rng, n: usize) -> Result<(Array2<f64>, Vec<usize>)> {
        self.validate()?;
        let d = self.dim();
        let mut x = Array2::zeros((d, n));
        let mut labels = Vec::with_capacity(n);
        let component = WeightedIndex::new(self.weights.iter())
            .map_err(|e| Error::out_of_range("mixture weights", "valid sampling weights", e))?;
        for mut col in x.axis_iter_mut(Axis(1)) {
            let k = rng.sample(&component);
            let basis = &self.bases[k];
            let z = gaussian_vector(rng, basis.ncols()) * self.scales[k].sqrt();
            col.assign(&(basis.dot(&z) + gaussian_vector(rng, d) * self.floor.sqrt()));
            labels.push(k);
        }
        Ok((x, labels))
    }

    /// Distance from each column of `x` to each subspace, $\|(I - U_k U_k^\top) x\|$ (`K × N`).
    ///
    /// # Errors
    /// An invalid mixture; `x` without `d` rows or with non-finite entries.
    pub fn distances(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        self.validate()?;
        ensure_rows("x", x.nrows(), self.dim())?;
        ensure_finite("x", x.iter())?;
        let mut out = Array2::zeros((self.bases.len(), x.ncols()));
        for (k, u) in self.bases.iter().enumerate() {
            let residual = &x - &u.dot(&u.t().dot(&x));
            out.row_mut(k)
                .assign(&residual.map_axis(Axis(0), |c| c.dot(&c).sqrt()));
        }
        ensure_finite_output("distances", "a distance", out.iter())?;
        Ok(out)
    }

    /// All bases side by side, $[U_1, \dots, U_K]$ (`d × Σ p_k`).
    ///
    /// # Errors
    /// No basis, or bases of different heights.
    pub fn stacked(&self) -> Result<Array2<f64>> {
        let views: Vec<ArrayView2<f64>> = self.bases.iter().map(|u| u.view()).collect();
        ndarray::concatenate(Axis(1), &views).map_err(|_| {
            Error::shape(
                "bases",
                "at least one basis, all with d rows",
                "bases of different heights",
            )
        })
    }

    /// The rows of [`Self::stacked`]'s transpose that belong to each component.
    fn blocks(&self) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        self.bases.iter().scan(0, |start, u| {
            let range = *start..*start + u.ncols();
            *start = range.end;
            Some(range)
        })
    }

    /// The same distribution as a general [`GaussianMixture`] (zero means,
    /// $\Sigma_k = c_k U_k U_k^\top + \varepsilon I$), for cross-checks.
    ///
    /// # Errors
    /// An invalid mixture.
    pub fn to_gaussian_mixture(&self) -> Result<GaussianMixture> {
        self.validate()?;
        let d = self.dim();
        let covariances = self
            .bases
            .iter()
            .zip(&self.scales)
            .map(|(u, c)| u.dot(&u.t()) * *c + Array2::<f64>::eye(d) * self.floor)
            .collect();
        GaussianMixture::new(
            self.weights.clone(),
            Array2::zeros((d, self.bases.len())),
            covariances,
        )
    }
}

impl Denoiser for LowRankMixture {
    fn dim(&self) -> usize {
        self.bases.first().map_or(0, |u| u.nrows())
    }

    /// The posterior mean of each column of `x_t`, [`QUERY_BLOCK`] columns
    /// per parallel task (each column is denoised on its own).
    fn denoise(&self, x_t: ArrayView2<f64>, alpha: f64, sigma: f64) -> Result<Array2<f64>> {
        self.validate()?;
        validate_query_shape(self.dim(), x_t, alpha, sigma)?;
        let stacked = self.stacked()?;
        let mut out = Array2::zeros(x_t.raw_dim());
        // Each block's output is checked while it is still in cache. A
        // non-finite entry of x_t reaches every coordinate of its column's
        // output, so x_t itself is read only to name the cause.
        let finite = out
            .axis_chunks_iter_mut(Axis(1), QUERY_BLOCK)
            .into_par_iter()
            .zip(x_t.axis_chunks_iter(Axis(1), QUERY_BLOCK))
            .map(|(mut out, x_t)| {
                self.posterior_mean(stacked.view(), x_t, alpha, sigma, out.view_mut());
                all_finite(out.iter())
            })
            .reduce(|| true, |a, b| a && b);
        if !finite {
            ensure_finite("x_t", x_t.iter())?;
            let what = "the posterior mean";
            ensure_finite_output("LowRankMixture::denoise", what, out.iter())?;
        }
        Ok(out)
    }
}

/// Columns per parallel task of [`LowRankMixture`]'s denoiser. With
/// `d = 64` and 20 stacked directions, a block of 256 keeps each task's
/// products below the size at which matrixmultiply hands half of a product
/// to another thread, a hand-off that costs more than such a thin product.
pub const QUERY_BLOCK: usize = 256;

impl LowRankMixture {
    // ANCHOR: lowrank_denoise
    /// Writes the posterior mean of every column of `x_t` (`d × n`) into `out`
    /// (`d × n`); `stacked` is [`Self::stacked`] (`d × Σp_k`), inputs checked.
    fn posterior_mean(
        &self,
        stacked: ArrayView2<f64>,
        x_t: ArrayView2<f64>,
        alpha: f64,
        sigma: f64,
        mut out: ArrayViewMut2<f64>,
    ) {
        let (d, eps) = (self.dim() as f64, self.floor);
        let b = alpha * alpha * eps + sigma * sigma;
        // One product gives U_kᵀ x_t for every k, stacked: the queries' scores against each subspace.
        let mut coords = stacked.t().dot(&x_t);
        let mut logits = Array2::zeros((self.bases.len(), x_t.ncols()));
        let mut gains = Vec::with_capacity(self.bases.len());
        for (k, rows) in self.blocks().enumerate() {
            let (p, c) = (rows.len() as f64, self.scales[k]);
            let a = alpha * alpha * (c + eps) + sigma * sigma;
            let mut logit = logits.row_mut(k);
            for i in rows {
                logit.zip_mut_with(&coords.row(i), |l, v| *l += v * v);
            }
            let bias = self.weights[k].ln() - 0.5 * p * a.ln() - 0.5 * (d - p) * b.ln();
            logit.mapv_inplace(|energy| 0.5 * (1.0 / b - 1.0 / a) * energy + bias);
            gains.push(alpha * ((c + eps) / a - eps / b));
        }
        let weights = softmax_columns(logits);
        // Σ_k w_k α[((c+ε)/a − ε/b) U_k U_kᵀ x_t] + α ε/b x_t, using Σ_k w_k = 1.
        for (k, rows) in self.blocks().enumerate() {
            let scale = &weights.row(k) * gains[k];
            for i in rows {
                coords.row_mut(i).zip_mut_with(&scale, |v, s| *v *= s);
            }
        }
        general_mat_mul(1.0, &stacked, &coords, 0.0, &mut out);
        if eps > 0.0 {
            out.scaled_add(alpha * eps / b, &x_t);
        }
    }
    // ANCHOR_END: lowrank_denoise
}
