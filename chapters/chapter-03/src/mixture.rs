//! The Bayes-optimal (MMSE) denoiser of a Gaussian mixture, in closed form.
//!
//! Let $x \sim \sum_k \pi_k \mathcal N(\mu_k, \Sigma_k)$ and $x_t = \alpha x + \sigma g$.
//! Given component $k$, $x_t$ is Gaussian with mean $\alpha\mu_k$ and covariance
//! $C_k = \alpha^2 \Sigma_k + \sigma^2 I$, and $(x, x_t)$ are jointly Gaussian, so
//! $$\mathbb E[x \mid x_t, k] = \mu_k + \alpha \Sigma_k C_k^{-1} (x_t - \alpha \mu_k),
//! \qquad \mathbb E[x \mid x_t] = \sum_k w_k(x_t)\, \mathbb E[x \mid x_t, k],$$
//! with posterior weights $w_k \propto \pi_k\, \mathcal N(x_t; \alpha\mu_k, C_k)$.
//!
//! $\Sigma_k$ may be singular (data on a subspace), but $C_k$ never is when
//! $\sigma > 0$. With the eigendecomposition $\Sigma_k = V \Lambda V^\top$ every
//! quantity is a diagonal operation in the basis $V$: $C_k^{-1} = V (\alpha^2\Lambda + \sigma^2)^{-1} V^\top$
//! and $\log\det C_k = \sum_i \log(\alpha^2 \lambda_i + \sigma^2)$, where a zero
//! eigenvalue simply contributes $\log \sigma^2$. No singular matrix is inverted.

use ndarray::{Array1, Array2, ArrayView2, Axis};

use crate::query::Denoiser;
pub use crate::query::{validate_query, validate_query_shape, validate_sigma};
use shared::error::{ensure_finite, ensure_finite_output};
use shared::prob::validate_weights;
use shared::symmetric::{Eigen, eigh_of_symmetric_part, eigh_psd};
use shared::{Error, Result};

/// A Gaussian mixture $\sum_k \pi_k \mathcal N(\mu_k, \Sigma_k)$ in $\mathbb R^d$.
#[derive(Debug, Clone)]
pub struct GaussianMixture {
    /// Mixing weights $\pi_k \ge 0$, summing to 1 (`K`).
    pub weights: Array1<f64>,
    /// Means $\mu_k$ as columns (`d × K`).
    pub means: Array2<f64>,
    /// Covariances $\Sigma_k$, symmetric positive semidefinite (`K` matrices, `d × d`).
    pub covariances: Vec<Array2<f64>>,
}

impl GaussianMixture {
    /// A validated mixture.
    ///
    /// # Errors
    /// No component; weights negative, non-finite or not summing to 1 (within
    /// 1e-9); shapes that disagree; a covariance that is not symmetric or not
    /// positive semidefinite (an eigenvalue below $-10^{-9}\|\Sigma\|$); NaN or infinity.
    pub fn new(
        weights: Array1<f64>,
        means: Array2<f64>,
        covariances: Vec<Array2<f64>>,
    ) -> Result<Self> {
        let mix = GaussianMixture {
            weights,
            means,
            covariances,
        };
        mix.validate()?;
        Ok(mix)
    }

    /// Checks the fields (they are public, so a mixture may have been changed
    /// after [`GaussianMixture::new`]); every use validates first.
    ///
    /// # Errors
    /// As [`GaussianMixture::new`].
    pub fn validate(&self) -> Result<()> {
        let (weights, means, covariances) = (&self.weights, &self.means, &self.covariances);
        let (d, k) = means.dim();
        if d == 0 {
            return Err(Error::shape("means", "at least one row (d >= 1)", "0 rows"));
        }
        if k == 0 || weights.len() != k || covariances.len() != k {
            return Err(Error::shape(
                "mixture",
                "K >= 1 weights, K mean columns and K covariances",
                format!(
                    "{} weights, {k} means, {} covariances",
                    weights.len(),
                    covariances.len()
                ),
            ));
        }
        validate_weights("mixture weights", weights.view())?;
        ensure_finite("means", means.iter())?;
        for c in covariances {
            validate_covariance(c.view(), d)?;
        }
        Ok(())
    }

    /// The dimension `d`.
    pub fn dim(&self) -> usize {
        self.means.nrows()
    }

    /// Eigendecompositions of the covariances, for repeated denoising.
    ///
    /// A mixture whose fields were made invalid after construction gives a
    /// prepared mixture whose every `denoise` returns that error.
    pub fn prepare(&self) -> PreparedMixture {
        if self.validate().is_err() {
            return PreparedMixture {
                dim: self.means.nrows(),
                components: Vec::new(),
                invalid: Some(Box::new(self.clone())),
            };
        }
        self.prepare_valid()
    }

    /// [`GaussianMixture::prepare`] for a mixture already validated.
    fn prepare_valid(&self) -> PreparedMixture {
        let components = self
            .covariances
            .iter()
            .zip(self.means.axis_iter(Axis(1)))
            .zip(&self.weights)
            .map(|((c, mean), &w)| {
                // Validated PSD up to rounding: tiny negative eigenvalues are rounding
                // noise, and a negative one could make α²λ + σ² ≤ 0.
                let Eigen { values, vectors } = eigh_of_symmetric_part(c.view());
                let values = values.mapv(|v| v.max(0.0));
                Component {
                    log_weight: w.ln(),
                    mean: mean.to_owned(),
                    values,
                    vectors,
                }
            })
            .collect();
        PreparedMixture {
            dim: self.dim(),
            components,
            invalid: None,
        }
    }
}

/// A covariance must be `d × d`, symmetric and positive semidefinite (shared checks).
fn validate_covariance(c: ArrayView2<f64>, d: usize) -> Result<()> {
    if c.dim() != (d, d) {
        return Err(Error::shape(
            "covariance",
            format!("{d} × {d}"),
            format!("{:?}", c.dim()),
        ));
    }
    eigh_psd("covariance", c).map(|_| ())
}

/// One component in its eigenbasis.
#[derive(Debug, Clone)]
struct Component {
    log_weight: f64,
    mean: Array1<f64>,
    values: Array1<f64>,
    vectors: Array2<f64>,
}

/// A mixture with its covariances already diagonalized; see [`GaussianMixture::prepare`].
#[derive(Debug, Clone)]
pub struct PreparedMixture {
    dim: usize,
    components: Vec<Component>,
    /// The mixture it came from, kept only if it was invalid (to report why).
    invalid: Option<Box<GaussianMixture>>,
}

// ANCHOR: mmse_denoise
/// $\mathbb E[x \mid \alpha x + \sigma g = x_t]$ for every column of `x_t` (`d × N`).
///
/// # Errors
/// An invalid mixture (see [`GaussianMixture::new`]); `sigma` not finite or so
/// small that $\sigma^2$ underflows; `alpha < 0` or not finite; a row count
/// other than `d`; NaN or infinity in `x_t`; a result that overflows.
pub fn mmse_denoise(
    mix: &GaussianMixture,
    x_t: ArrayView2<f64>,
    alpha: f64,
    sigma: f64,
) -> Result<Array2<f64>> {
    mix.validate()?;
    mix.prepare_valid().denoise(x_t, alpha, sigma)
}
// ANCHOR_END: mmse_denoise

impl Component {
    /// In the eigenbasis of $\Sigma_k$: the coordinates $z = V^\top(x_t - \alpha\mu_k)$
    /// of every column, the variances $\alpha^2\lambda_i + \sigma^2$ of $C_k$, and the
    /// log-likelihood $\log\pi_k - \frac12\log\det C_k - \frac12 z^\top(\alpha^2\Lambda + \sigma^2)^{-1}z$
    /// of every column up to the common $-\frac d2\log 2\pi$.
    fn terms(
        &self,
        x_t: ArrayView2<f64>,
        alpha: f64,
        sigma: f64,
    ) -> (Array2<f64>, Array1<f64>, Array1<f64>) {
        let z = self
            .vectors
            .t()
            .dot(&(&x_t - &(&self.mean * alpha).insert_axis(Axis(1))));
        let var = self.values.mapv(|l| alpha * alpha * l + sigma * sigma);
        let log_det: f64 = var.iter().map(|v| v.ln()).sum();
        let quad = z.map_axis(Axis(0), |col| {
            col.iter().zip(&var).map(|(zi, v)| zi * zi / v).sum::<f64>()
        });
        let log_likelihood = quad.mapv(|q| self.log_weight - 0.5 * log_det - 0.5 * q);
        (z, var, log_likelihood)
    }
}

impl PreparedMixture {
    /// $\log p_t(x_t) = \log \sum_k \pi_k \mathcal N(x_t; \alpha\mu_k, \alpha^2\Sigma_k + \sigma^2 I)$
    /// for every column of `x_t` (used to check Tweedie's formula by finite differences).
    ///
    /// # Errors
    /// As [`Denoiser::denoise`].
    pub fn log_density(&self, x_t: ArrayView2<f64>, alpha: f64, sigma: f64) -> Result<Array1<f64>> {
        self.check(x_t, alpha, sigma)?;
        let normalizer = 0.5 * self.dim as f64 * (2.0 * std::f64::consts::PI).ln();
        let mut logits = Array2::zeros((self.components.len(), x_t.ncols()));
        for (k, c) in self.components.iter().enumerate() {
            logits
                .row_mut(k)
                .assign(&(c.terms(x_t, alpha, sigma).2 - normalizer));
        }
        let out = logits.map_axis(Axis(0), shared::prob::log_sum_exp);
        ensure_finite_output("log_density", "the log-density", out.iter())?;
        Ok(out)
    }
}

impl Denoiser for PreparedMixture {
    fn dim(&self) -> usize {
        self.dim
    }

    // ANCHOR: mixture_posterior
    fn denoise(&self, x_t: ArrayView2<f64>, alpha: f64, sigma: f64) -> Result<Array2<f64>> {
        self.check(x_t, alpha, sigma)?;
        // BEGIN SOLUTION 3.3: the posterior mean of a Gaussian mixture
        let mut logits = Array2::zeros((self.components.len(), x_t.ncols()));
        let mut means = Vec::with_capacity(self.components.len());
        for (k, c) in self.components.iter().enumerate() {
            let (z, var, log_likelihood) = c.terms(x_t, alpha, sigma);
            logits.row_mut(k).assign(&log_likelihood);
            // E[x | x_t, k] = μ + V diag(αλ / (α²λ + σ²)) z.
            let gain = (&c.values * alpha) / &var;
            let shrunk = &z * &gain.insert_axis(Axis(1));
            means.push(c.vectors.dot(&shrunk) + c.mean.view().insert_axis(Axis(1)));
        }
        let out = mix_by_softmax(logits, &means);
        ensure_finite_output("mmse_denoise", "the posterior mean", out.iter())?;
        Ok(out)
        // END SOLUTION
    }
    // ANCHOR_END: mixture_posterior
}

impl PreparedMixture {
    /// The query checks of [`validate_query`], and the mixture's own validity.
    fn check(&self, x_t: ArrayView2<f64>, alpha: f64, sigma: f64) -> Result<()> {
        if let Some(mix) = &self.invalid {
            mix.validate()?;
        }
        validate_query(self.dim, x_t, alpha, sigma)
    }
}

pub use shared::prob::softmax_columns;

/// $\sum_k \operatorname{softmax}_k(\text{logits})_j \cdot \text{means}_k[:, j]$ for every column $j$.
pub(crate) fn mix_by_softmax(logits: Array2<f64>, means: &[Array2<f64>]) -> Array2<f64> {
    let weights = softmax_columns(logits);
    let mut out = Array2::zeros(means[0].raw_dim());
    for (w, mean) in weights.axis_iter(Axis(0)).zip(means) {
        // Row-wise broadcast keeps the d × N arrays in memory order.
        out.zip_mut_with(&(mean * &w.insert_axis(Axis(0))), |o, m| *o += m);
    }
    out
}
