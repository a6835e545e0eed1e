//! Experiment 2: every method recovers the planted subspace from the same
//! sample covariance, compared with nalgebra and with the planted basis.

use ndarray::{ArrayView2, Axis};

use super::rate_check::second_half_rate;
use super::{Config, Stream};
use crate::deflation::deflation;
use crate::oja::oja_subspace;
use crate::subspace::subspace_iteration;
use shared::data::PlantedSubspace;
use shared::linalg::subspace_distance;
use shared::rng::gaussian_matrix;
use shared::symmetric::eigh_descending;
use shared::{Error, Result};

/// How each method recovered the planted subspace.
#[derive(Debug, Clone)]
pub struct MethodResult {
    /// The method's name.
    pub name: &'static str,
    /// Eigenvalue estimates (empty for Oja, which learns only a basis).
    pub values: Vec<f64>,
    /// Work done.
    pub work: Work,
    /// Subspace distance to nalgebra's top eigenvectors of the sample covariance.
    /// `None` for the reference itself (a distance to itself would check nothing).
    pub to_reference: Option<f64>,
    /// Subspace distance to the planted basis $U$.
    pub to_truth: f64,
}

/// The work a method did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// Matrix–vector products with the covariance, and whether it converged.
    Matvecs {
        /// Total matrix–vector products over all runs.
        count: usize,
        /// Whether every run met its tolerance.
        converged: bool,
    },
    /// Block iterations of `width` columns each, and whether it converged.
    BlockSteps {
        /// Block iterations performed.
        steps: usize,
        /// Columns in the block (the subspace dimension `k`).
        width: usize,
        /// Whether the iteration met its tolerance.
        converged: bool,
    },
    /// Samples seen (Oja's rule).
    Samples(usize),
    /// A dense eigensolver.
    Dense,
}

/// Subspace iteration's rate on the sample covariance, predicted three ways.
///
/// With block size $d$, the error of the $d$-th Ritz vector along the sample
/// eigenvector $j > d$ shrinks by $\hat\lambda_j/\hat\lambda_d$ per step, so the residual
/// tends to the rate $\hat\lambda_{d+1}/\hat\lambda_d$; over a finite window the
/// bulk eigenvalues below $\hat\lambda_{d+1}$ still weigh in and the rate is lower.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SubspaceRate {
    /// $\sigma^2(1 + \sqrt{D/N})^2 \,/\, (\lambda_d + \sigma^2)(1 + (D/N)\sigma^2/\lambda_d)$:
    /// the top of the noise bulk (Marchenko–Pastur edge) over the sample spike
    /// (Baik–Ben Arous–Péché), both for $N, D \to \infty$ at fixed $D/N$.
    pub model: f64,
    /// $\hat\lambda_{d+1}/\hat\lambda_d$ from the sample spectrum: the asymptotic rate.
    pub asymptotic: f64,
    /// The contraction over the same window as `measured`, from the sample spectrum:
    /// $(S(T)/S(T/2))^{1/(2(T - T/2))}$ with
    /// $S(t) = \sum_{j>d} (\hat\lambda_j - \hat\lambda_d)^2 (\hat\lambda_j/\hat\lambda_d)^{2t}$
    /// (residual energy for equal start weights along the bulk).
    pub window: f64,
    /// Measured geometric-mean contraction of the residual over the second half of the run.
    pub measured: f64,
}

/// Results of the planted-subspace comparison.
#[derive(Debug, Clone)]
pub struct Recovery {
    /// One row per method; the last is the nalgebra reference.
    pub methods: Vec<MethodResult>,
    /// All eigenvalues of the sample covariance, descending (nalgebra).
    pub spectrum: Vec<f64>,
    /// Subspace iteration's predicted and measured rate.
    pub subspace_rate: SubspaceRate,
    /// First-order perturbation prediction of the distance to the planted basis,
    /// $\big(\frac{D-d}{N}\sum_i \sigma^2(\lambda_i + \sigma^2)/\lambda_i^2\big)^{1/2}$.
    pub predicted_to_truth: f64,
}

/// Oja's gain.
pub const OJA_GAIN: f64 = 2e-3;
/// Oja's number of passes over the data.
pub const OJA_PASSES: usize = 3;
/// Tolerance of deflation's power iterations and of subspace iteration.
pub const TOL: f64 = 1e-10;

// ANCHOR: recovery
/// # Errors
/// An invalid `config`, `data` not drawn for it (shapes), or a method's error.
pub fn recovery(config: &Config, data: &PlantedSubspace) -> Result<Recovery> {
    config.validate()?;
    shared::error::ensure_same_shape("data", data.x.dim(), (config.dim, config.samples))?;
    shared::error::ensure_same_shape("basis", data.basis.dim(), (config.dim, config.rank))?;
    let k = config.rank;
    let mean = data
        .x
        .mean_axis(Axis(1))
        .ok_or_else(|| Error::shape("data", "at least one sample", "none"))?;
    let centered = &data.x - &mean.insert_axis(Axis(1));
    let cov = centered.dot(&centered.t()) / config.samples as f64;
    let eig = eigh_descending("covariance", cov.view())?;
    let reference = eig.vectors.slice(ndarray::s![.., ..k]).to_owned();
    let truth = data.basis.view();
    let mut rng = Stream::Recovery.rng(config.seed);
    let mut methods = Vec::new();

    let defl = deflation(&cov, k, &mut rng, TOL, 10_000)?;
    let count = defl.runs.iter().map(|r| r.iterations).sum();
    let work = Work::Matvecs {
        count,
        converged: defl.converged,
    };
    methods.push(method(
        "power + deflation",
        defl.values.to_vec(),
        work,
        defl.vectors.view(),
        Some(reference.view()),
        truth,
    ));

    let q0 = gaussian_matrix(&mut rng, config.dim, k);
    let sub = subspace_iteration(&cov, q0.view(), k, 0.0, TOL, 10_000)?;
    let work = Work::BlockSteps {
        steps: sub.iterations,
        width: k,
        converged: sub.converged,
    };
    methods.push(method(
        "subspace iteration",
        sub.values.to_vec(),
        work,
        sub.vectors.view(),
        Some(reference.view()),
        truth,
    ));

    let oja = oja_subspace(centered.view(), k, OJA_GAIN, OJA_PASSES, &mut rng)?;
    let work = Work::Samples(OJA_PASSES * config.samples);
    methods.push(method(
        "Oja's rule",
        Vec::new(),
        work,
        oja.view(),
        Some(reference.view()),
        truth,
    ));

    let values = eig.values.slice(ndarray::s![..k]).to_vec();
    methods.push(method(
        "nalgebra SymmetricEigen",
        values,
        Work::Dense,
        reference.view(),
        None,
        truth,
    ));
    // --snip--
    // ANCHOR_END: recovery
    let spectrum = eig.values.to_vec();
    Ok(Recovery {
        methods,
        subspace_rate: subspace_rate(config, &spectrum, &sub.residuals),
        predicted_to_truth: predicted_distance(config),
        spectrum,
    })
}

fn method(
    name: &'static str,
    values: Vec<f64>,
    work: Work,
    basis: ArrayView2<f64>,
    reference: Option<ArrayView2<f64>>,
    truth: ArrayView2<f64>,
) -> MethodResult {
    MethodResult {
        name,
        values,
        work,
        to_reference: reference.map(|r| subspace_distance(r, basis)),
        to_truth: subspace_distance(truth, basis),
    }
}

/// The three predictions of [`SubspaceRate`] next to the measured contraction.
fn subspace_rate(c: &Config, spectrum: &[f64], residuals: &[f64]) -> SubspaceRate {
    let d = c.rank;
    let (gamma, s2, lambda_d) = (
        c.dim as f64 / c.samples as f64,
        c.noise * c.noise,
        c.variances()[d - 1],
    );
    let edge = s2 * (1.0 + gamma.sqrt()).powi(2);
    let spike = (lambda_d + s2) * (1.0 + gamma * s2 / lambda_d);
    let top = spectrum[d - 1];
    let energy = |t: usize| -> f64 {
        spectrum[d..]
            .iter()
            .map(|l| ((l - top) * (l / top).powi(t as i32)).powi(2))
            .sum()
    };
    // residuals[i] is measured on span(M^i Q0): Rayleigh–Ritz runs before the next product.
    let t = residuals.len().saturating_sub(1);
    let half = t / 2;
    let window = (energy(t) / energy(half)).powf(0.5 / (t - half).max(1) as f64);
    SubspaceRate {
        model: edge / spike,
        asymptotic: spectrum[d] / top,
        window,
        measured: second_half_rate(residuals),
    }
}

/// $\big(\frac{D-d}{N}\sum_i \sigma^2(\lambda_i + \sigma^2)/\lambda_i^2\big)^{1/2}$: the
/// expected $\|\sin\Theta\|_F$ between the sample and planted subspaces to first order in $1/N$.
fn predicted_distance(c: &Config) -> f64 {
    let s2 = c.noise * c.noise;
    let per_direction: f64 = c.variances().iter().map(|l| s2 * (l + s2) / (l * l)).sum();
    ((c.dim - c.rank) as f64 / c.samples as f64 * per_direction).sqrt()
}
