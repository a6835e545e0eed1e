//! The chapter's experiments. They compute and return plain data (with the
//! parameters they used); [`crate::report`] turns the data into text and figures.

use ndarray::{Array1, Array2, ArrayView2, Axis, array};

use crate::deflation::deflation;
use crate::oja::oja_subspace;
use crate::pca::pca;
use crate::power::{PowerSteps, tangent_to};
use crate::subspace::subspace_iteration;
use shared::data::PlantedSubspace;
use shared::linalg::{random_orthonormal, subspace_distance};
use shared::rng::{Rng, gaussian_matrix, gaussian_vector};
use shared::symmetric::eigh_descending;
use shared::{Error, Result};

shared::parameters! {
    /// Settings of the chapter's run; `Config::default()` is what the book shows.
    pub struct Config {
        /// Ambient dimension D.
        dim: usize = 50, range(3, 1000);
        /// Rank d of the planted subspace (at most D - 1); latent variances are (d - i)^2, i = 0..d-1.
        rank: usize = 3, range(1, 20);
        /// Number of samples N (more than d).
        samples: usize = 2000, range(2, 200_000);
        /// Noise standard deviation sigma.
        noise: f64 = 0.3, range(1e-3, 10.0);
        /// Seed of every random draw (each experiment has its own stream).
        seed: u64 = 0;
    }
}

shared::streams! {
    /// The chapter's random streams, one per experiment ([`shared::rng::stream_rng`]).
    pub enum Stream {
        /// Eigenbases of the rate check's matrices.
        RateMatrix = 1,
        /// Start vectors of the rate check.
        RateStart = 2,
        /// The planted data (shared on purpose by recovery and denoising: same data).
        Planted = 3,
        /// Start blocks of the recovery methods.
        Recovery = 4,
    }
}

impl Config {
    /// Checks every field (its declared range, then rank < D and N > d) before any arithmetic.
    ///
    /// # Errors
    /// [`Error::OutOfRange`] naming the flag.
    pub fn validate(&self) -> Result<()> {
        self.check_ranges()?;
        shared::cli::ensure_in_range("--rank", self.rank, 1, self.dim - 1)?;
        shared::cli::ensure_in_range("--samples", self.samples, self.rank + 1, usize::MAX)?;
        // The data and a few copies of it (centered, clean, denoised) are held at once.
        let entries = self.dim as f64 * self.samples as f64;
        shared::cli::ensure_budget(
            "matrix entries (8 bytes each)",
            entries,
            2.5e7,
            "--dim, --samples",
        )
    }

    /// The planted latent variances $\lambda_i = (d - i)^2$.
    pub fn variances(&self) -> Vec<f64> {
        (0..self.rank)
            .map(|i| ((self.rank - i) as f64).powi(2))
            .collect()
    }

    /// The planted data of the run at noise level `noise`, drawn from the
    /// [`Stream::Planted`] stream (the same latent codes and noise directions at every level).
    ///
    /// # Errors
    /// As [`PlantedSubspace::sample`].
    pub fn planted_data(&self, noise: f64) -> Result<PlantedSubspace> {
        PlantedSubspace::sample(
            &mut Stream::Planted.rng(self.seed),
            self.dim,
            &self.variances(),
            self.samples,
            noise,
        )
    }
}

/// Everything the chapter measured, with the configuration it used.
#[derive(Debug, Clone)]
pub struct Results {
    /// The configuration of the run.
    pub config: Config,
    /// Experiment 1a.
    pub closed_form: ClosedForm,
    /// Experiment 1b, one entry per spectrum of [`RATE_SPECTRA`].
    pub rates: Vec<RateCheck>,
    /// Experiment 2.
    pub recovery: Recovery,
    /// Experiment 3, one row per noise level of [`NOISE_FACTORS`].
    pub denoising: Vec<Denoising>,
}

/// Runs every experiment of the chapter for `config`.
///
/// # Errors
/// Invalid `config` (see [`Config::validate`]), or an experiment's error.
pub fn run_all(config: &Config) -> Result<Results> {
    config.validate()?;
    let closed_form = closed_form()?;
    let mut matrices = Stream::RateMatrix.rng(config.seed);
    let mut starts = Stream::RateStart.rng(config.seed);
    let rates = RATE_SPECTRA
        .iter()
        .map(|&s| rate_check(config.dim, s, &mut matrices, &mut starts))
        .collect::<Result<_>>()?;
    let data = config.planted_data(config.noise)?;
    let recovery = recovery(config, &data)?;
    let denoising = NOISE_FACTORS
        .iter()
        .map(|f| denoising(config, f * config.noise))
        .collect::<Result<_>>()?;
    Ok(Results {
        config: config.clone(),
        closed_form,
        rates,
        recovery,
        denoising,
    })
}

/// One row of the closed-form check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClosedFormRow {
    /// Iteration $t$.
    pub step: usize,
    /// $\tan\theta_t$ measured on the iterate.
    pub tangent: f64,
    /// $\sqrt{4^t + 1}/3^t$.
    pub exact: f64,
    /// Rayleigh quotient $v_t^\top M v_t$.
    pub rayleigh: f64,
}

/// Power iteration on `diag(3, 2, 1)` from $(1,1,1)/\sqrt3$, where
/// $\tan\theta_t = \sqrt{4^t + 1}/3^t$ exactly.
#[derive(Debug, Clone)]
pub struct ClosedForm {
    /// One row per step of [`CLOSED_FORM_STEPS`].
    pub rows: Vec<ClosedFormRow>,
}

/// Steps of the closed-form check shown in the report.
pub const CLOSED_FORM_STEPS: [usize; 4] = [1, 5, 10, 20];

/// # Errors
/// None in practice (the input is fixed); kept fallible like every experiment.
pub fn closed_form() -> Result<ClosedForm> {
    let m = Array2::from_diag(&array![3.0, 2.0, 1.0]);
    let e1 = array![1.0, 0.0, 0.0];
    let steps: Vec<_> = PowerSteps::new(&m, array![1.0, 1.0, 1.0].view())?
        .take(21)
        .collect();
    let rows = CLOSED_FORM_STEPS
        .iter()
        .map(|&t| ClosedFormRow {
            step: t,
            tangent: tangent_to(steps[t - 1].vector.view(), e1.view()),
            exact: (4f64.powi(t as i32) + 1.0).sqrt() / 3f64.powi(t as i32),
            rayleigh: steps[t].rayleigh, // v_tᵀ M v_t is reported by the next step
        })
        .collect();
    Ok(ClosedForm { rows })
}

/// The spectrum of a rate-check matrix, $\lambda_1 = 1 > \lambda_2 = r > \lambda_3 \ge \dots$
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Spectrum {
    /// $(1, r, 0.6r, 0.6^2 r, \dots)$: $\lambda_3/\lambda_2 = 0.6$, so every
    /// direction but the second dies out at once and the rate is $r$ from the start.
    Geometric(f64),
    /// $(1, r, 0.99r, 0.98r, \dots, 0.9r, \text{then } 0.5r, 0.5 \cdot 0.6 r, \dots)$:
    /// ten eigenvalues just below $\lambda_2$, so for many steps the error is a
    /// mix of rates slightly below $r$ and the asymptotic rate $r$ is reached late.
    Clustered(f64),
}

/// Number of eigenvalues in the cluster of [`Spectrum::Clustered`] (λ₂ included).
pub const CLUSTER_SIZE: usize = 11;

impl Spectrum {
    /// The eigengap ratio $r = \lambda_2/\lambda_1$.
    pub fn ratio(self) -> f64 {
        match self {
            Spectrum::Geometric(r) | Spectrum::Clustered(r) => r,
        }
    }

    /// A short name for tables and legends.
    pub fn kind(self) -> &'static str {
        match self {
            Spectrum::Geometric(_) => "geometric",
            Spectrum::Clustered(_) => "clustered",
        }
    }

    /// The `dim` eigenvalues, descending.
    pub fn eigenvalues(self, dim: usize) -> Array1<f64> {
        Array1::from_shape_fn(dim, |i| match (self, i) {
            (_, 0) => 1.0,
            (Spectrum::Geometric(r), i) => r * 0.6f64.powi(i as i32 - 1),
            (Spectrum::Clustered(r), i) if i < CLUSTER_SIZE + 1 => {
                r * (1.0 - 0.01 * (i - 1) as f64)
            }
            (Spectrum::Clustered(r), i) => 0.5 * r * 0.6f64.powi((i - CLUSTER_SIZE - 1) as i32),
        })
    }
}

/// Spectra of the rate check.
pub const RATE_SPECTRA: [Spectrum; 5] = [
    Spectrum::Geometric(0.5),
    Spectrum::Geometric(0.8),
    Spectrum::Geometric(0.9),
    Spectrum::Geometric(0.95),
    Spectrum::Clustered(0.9),
];

/// A symmetric matrix with a known eigendecomposition.
#[derive(Debug, Clone)]
pub struct KnownSpectrum {
    /// $M = Q \operatorname{diag}(\lambda) Q^\top$ (`D × D`).
    pub matrix: Array2<f64>,
    /// The eigenvalues $\lambda$, descending (`D`).
    pub values: Array1<f64>,
    /// The eigenvectors $Q$ as columns (`D × D`), $Q$ Haar-random.
    pub vectors: Array2<f64>,
}

/// A random symmetric matrix $Q \operatorname{diag}(\lambda) Q^\top$ with the given spectrum.
///
/// # Errors
/// `dim < 2`, or a ratio outside $(0, 1)$.
pub fn matrix_with_spectrum(
    dim: usize,
    spectrum: Spectrum,
    rng: &mut Rng,
) -> Result<KnownSpectrum> {
    if dim < 2 {
        return Err(Error::out_of_range("dim", ">= 2", dim));
    }
    let r = spectrum.ratio();
    if !(r > 0.0 && r < 1.0) {
        return Err(Error::out_of_range("ratio", "strictly between 0 and 1", r));
    }
    let vectors = random_orthonormal(rng, dim, dim);
    let values = spectrum.eigenvalues(dim);
    let matrix = vectors.dot(&Array2::from_diag(&values)).dot(&vectors.t());
    Ok(KnownSpectrum {
        matrix,
        values,
        vectors,
    })
}

/// One spectrum of the rate check.
#[derive(Debug, Clone)]
pub struct RateCheck {
    /// The spectrum; its ratio $\lambda_2/\lambda_1$ is the asymptotic rate.
    pub spectrum: Spectrum,
    /// $\tan\theta(v_t, w_1)$ for $t = 0, 1, \dots$ until it drops below [`RATE_TARGET`].
    pub tangents: Vec<f64>,
    /// The same from the eigenbasis coordinates $c = Q^\top v_0$ of the start:
    /// $\tan\theta_t = \big(\sum_{j \ge 2} c_j^2 (\lambda_j/\lambda_1)^{2t}\big)^{1/2} / |c_1|$, exactly.
    pub exact_tangents: Vec<f64>,
    /// Geometric-mean contraction $(\tan\theta_T / \tan\theta_{T/2})^{2/T}$ over the second half.
    pub measured_rate: f64,
    /// The same contraction computed from `exact_tangents`: what theory predicts
    /// over this window, transient included.
    pub window_rate: f64,
    /// Steps guaranteed to reach the target by $\tan\theta_t \le r^t \tan\theta_0$:
    /// $\lceil \log(\text{target}/\tan\theta_0) / \log r \rceil$.
    pub predicted_steps: usize,
    /// Whether the run reached [`RATE_TARGET`] within [`RATE_MAX_STEPS`]
    /// (if not, the rates describe a truncated run).
    pub reached_target: bool,
}

impl RateCheck {
    /// The eigengap ratio $\lambda_2/\lambda_1$.
    pub fn ratio(&self) -> f64 {
        self.spectrum.ratio()
    }

    /// The local rate $\tan\theta_{t+1}/\tan\theta_t$ (None past the end of the run).
    pub fn local_rate(&self, t: usize) -> Option<f64> {
        Some(self.tangents.get(t + 1)? / self.tangents.get(t)?)
    }
}

/// Power iteration runs until $\tan\theta_t$ falls below this.
pub const RATE_TARGET: f64 = 1e-10;
/// ... or for at most this many steps.
pub const RATE_MAX_STEPS: usize = 10_000;

// ANCHOR: rate_check
/// Runs power iteration on a random matrix with the given spectrum (eigenbasis
/// from `matrices`, start vector from `starts`) and measures how fast
/// $\tan\theta(v_t, w_1)$ shrinks.
///
/// # Errors
/// As [`matrix_with_spectrum`]; [`shared::Error::NumericalFailure`] if a tangent is not finite.
pub fn rate_check(
    dim: usize,
    spectrum: Spectrum,
    matrices: &mut Rng,
    starts: &mut Rng,
) -> Result<RateCheck> {
    let known = matrix_with_spectrum(dim, spectrum, matrices)?;
    let w1 = known.vectors.column(0);
    let v0 = gaussian_vector(starts, dim);
    let mut tangents = vec![tangent_to(v0.view(), w1)];
    for step in PowerSteps::new(&known.matrix, v0.view())?.take(RATE_MAX_STEPS) {
        tangents.push(tangent_to(step.vector.view(), w1));
        if *tangents.last().unwrap_or(&0.0) < RATE_TARGET {
            break;
        }
    }
    // --snip--
    // ANCHOR_END: rate_check
    shared::error::ensure_finite_output("rate_check", "tan(theta_t)", tangents.iter())?;
    let reached_target = tangents.last().is_some_and(|t| *t < RATE_TARGET);
    let exact_tangents = exact_tangents(&known, v0.view(), tangents.len());
    let r = spectrum.ratio();
    let predicted_steps = ((RATE_TARGET / tangents[0]).ln() / r.ln()).ceil() as usize;
    Ok(RateCheck {
        spectrum,
        measured_rate: second_half_rate(&tangents),
        window_rate: second_half_rate(&exact_tangents),
        tangents,
        exact_tangents,
        predicted_steps,
        reached_target,
    })
}

/// $\tan\theta_t$ for $t < $ `len` from the eigen-coordinates of the start:
/// $v_t \propto M^t v_0 = \sum_j c_j \lambda_j^t q_j$.
fn exact_tangents(known: &KnownSpectrum, v0: ndarray::ArrayView1<f64>, len: usize) -> Vec<f64> {
    let c = known.vectors.t().dot(&v0);
    let ratios = known.values.mapv(|l| l / known.values[0]);
    (0..len)
        .map(|t| {
            let rest: f64 = (1..c.len())
                .map(|j| (c[j] * ratios[j].powi(t as i32)).powi(2))
                .sum();
            rest.sqrt() / c[0].abs()
        })
        .collect()
}

/// Geometric-mean contraction of a decreasing history over its second half:
/// $(h_T / h_{\lfloor T/2 \rfloor})^{1/(T - \lfloor T/2 \rfloor)}$.
pub fn second_half_rate(history: &[f64]) -> f64 {
    let Some(t) = history.len().checked_sub(1) else {
        return f64::NAN;
    };
    let half = t / 2;
    (history[t] / history[half]).powf(1.0 / (t - half).max(1) as f64)
}

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
