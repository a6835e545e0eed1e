//! The chapter's three experiments. They compute and return plain data;
//! [`crate::report`] turns the data into text and figures.

use nalgebra::{DMatrix, SymmetricEigen};
use ndarray::{Array1, Array2, ArrayView2, Axis, array};

use crate::deflation::deflation;
use crate::oja::oja_subspace;
use crate::pca::pca;
use crate::power::{PowerSteps, tangent_to};
use crate::subspace::subspace_iteration;
use shared::cli::ensure_in_range;
use shared::data::PlantedSubspace;
use shared::linalg::{random_orthonormal, subspace_distance};
use shared::rng::{gaussian_matrix, gaussian_vector};
use shared::{Result, seeded_rng};

/// Settings of the chapter's run; `Config::default()` is what the book shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Ambient dimension `D`.
    pub dim: usize,
    /// Rank `d` of the planted subspace; latent variances are $(d - i)^2$, $i = 0..d-1$.
    pub rank: usize,
    /// Number of samples `N`.
    pub samples: usize,
    /// Noise standard deviation `σ`.
    pub noise: f64,
    /// Seed of every random draw.
    pub seed: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            dim: 50,
            rank: 3,
            samples: 2000,
            noise: 0.3,
            seed: 0,
        }
    }
}

impl Config {
    /// Checks every field before any arithmetic.
    pub fn validate(&self) -> Result<()> {
        ensure_in_range("--dim", self.dim, 3, 1000)?;
        ensure_in_range("--rank", self.rank, 1, (self.dim - 1).min(20))?;
        ensure_in_range("--samples", self.samples, self.rank + 1, 200_000)?;
        if !self.noise.is_finite() {
            return Err(shared::Error::out_of_range(
                "--noise",
                "a finite number",
                self.noise,
            ));
        }
        ensure_in_range("--noise", self.noise, 1e-3, 10.0)?;
        // The data and a few copies of it (centered, clean, denoised) are held at once.
        let entries = self.dim as f64 * self.samples as f64;
        shared::cli::ensure_budget(
            "matrix entries (8 bytes each)",
            entries,
            2.5e7,
            "--dim, --samples",
        )?;
        Ok(())
    }

    /// The planted latent variances $\lambda_i = (d - i)^2$.
    pub fn variances(&self) -> Vec<f64> {
        (0..self.rank)
            .map(|i| ((self.rank - i) as f64).powi(2))
            .collect()
    }

    /// The planted data of the run at noise level `noise`, drawn from the seed.
    ///
    /// # Errors
    /// As [`PlantedSubspace::sample`].
    pub fn planted_data(&self, noise: f64) -> Result<PlantedSubspace> {
        PlantedSubspace::sample(
            &mut seeded_rng(self.seed),
            self.dim,
            &self.variances(),
            self.samples,
            noise,
        )
    }
}

/// Power iteration on `diag(3, 2, 1)` from $(1,1,1)/\sqrt3$, where
/// $\tan\theta_t = \sqrt{4^t + 1}/3^t$ exactly.
#[derive(Debug, Clone)]
pub struct ClosedForm {
    /// `(t, tan θ_t measured, tan θ_t exact, Rayleigh quotient of v_t)`.
    pub rows: Vec<(usize, f64, f64, f64)>,
}

/// Steps of the closed-form check shown in the report.
pub const CLOSED_FORM_STEPS: [usize; 4] = [1, 5, 10, 20];

/// # Errors
/// None in practice (the input is fixed); kept fallible like every experiment.
pub fn closed_form() -> Result<ClosedForm> {
    let m = Array2::from_diag(&array![3.0, 2.0, 1.0]);
    let v0 = array![1.0, 1.0, 1.0];
    let e1 = array![1.0, 0.0, 0.0];
    let mut rows = Vec::new();
    let steps: Vec<_> = PowerSteps::new(&m, v0.view())?.take(21).collect();
    for t in CLOSED_FORM_STEPS {
        let v = &steps[t - 1].vector;
        let rayleigh = steps[t].rayleigh; // v_tᵀ M v_t is reported by the next step
        let exact = (4f64.powi(t as i32) + 1.0).sqrt() / 3f64.powi(t as i32);
        rows.push((t, tangent_to(v.view(), e1.view()), exact, rayleigh));
    }
    Ok(ClosedForm { rows })
}

/// One spectrum of the rate check.
#[derive(Debug, Clone)]
pub struct RateCheck {
    /// Eigengap ratio $\lambda_2/\lambda_1$ (the prediction).
    pub ratio: f64,
    /// $\tan\theta(v_t, w_1)$ for $t = 0, 1, \dots$ until it drops below [`RATE_TARGET`].
    pub tangents: Vec<f64>,
    /// Geometric-mean contraction $(\tan\theta_T / \tan\theta_{T/2})^{2/T}$ over the second half.
    pub measured_rate: f64,
    /// Steps predicted to reach the target: $\lceil \log(\text{target}/\tan\theta_0) / \log(\lambda_2/\lambda_1) \rceil$.
    pub predicted_steps: usize,
}

/// Power iteration runs until $\tan\theta_t$ falls below this.
pub const RATE_TARGET: f64 = 1e-10;
/// Eigengap ratios of the rate check.
pub const RATIOS: [f64; 4] = [0.5, 0.8, 0.9, 0.95];

/// A random symmetric matrix $Q \operatorname{diag}(\lambda) Q^\top$ with
/// $\lambda = (1, r, 0.6 r, 0.6^2 r, \dots)$, and its top eigenvector.
///
/// # Errors
/// `dim < 2`, or `ratio` outside $(0, 1)$.
pub fn matrix_with_gap(dim: usize, ratio: f64, seed: u64) -> Result<(Array2<f64>, Array1<f64>)> {
    if dim < 2 {
        return Err(shared::Error::out_of_range("dim", ">= 2", dim));
    }
    if !(ratio > 0.0 && ratio < 1.0) {
        return Err(shared::Error::out_of_range(
            "ratio",
            "strictly between 0 and 1",
            ratio,
        ));
    }
    let q = random_orthonormal(&mut seeded_rng(seed), dim, dim);
    let spectrum = Array1::from_shape_fn(dim, |i| match i {
        0 => 1.0,
        _ => ratio * 0.6f64.powi(i as i32 - 1),
    });
    let m = q.dot(&Array2::from_diag(&spectrum)).dot(&q.t());
    Ok((m, q.column(0).to_owned()))
}

// ANCHOR: rate_check
/// Runs power iteration on a matrix with eigengap ratio `ratio` and measures
/// how fast $\tan\theta(v_t, w_1)$ shrinks.
///
/// # Errors
/// As [`matrix_with_gap`].
pub fn rate_check(dim: usize, ratio: f64, seed: u64) -> Result<RateCheck> {
    let (m, w1) = matrix_with_gap(dim, ratio, seed)?;
    let v0 = gaussian_vector(&mut seeded_rng(seed ^ 0x5eed), dim);
    let mut tangents = vec![tangent_to(v0.view(), w1.view())];
    for step in PowerSteps::new(&m, v0.view())?.take(10_000) {
        tangents.push(tangent_to(step.vector.view(), w1.view()));
        if *tangents.last().unwrap() < RATE_TARGET {
            break;
        }
    }
    let t = tangents.len() - 1;
    let half = t / 2;
    let measured_rate = (tangents[t] / tangents[half]).powf(1.0 / (t - half) as f64);
    let predicted_steps = ((RATE_TARGET / tangents[0]).ln() / ratio.ln()).ceil() as usize;
    Ok(RateCheck {
        ratio,
        tangents,
        measured_rate,
        predicted_steps,
    })
}
// ANCHOR_END: rate_check

/// How each method recovered the planted subspace.
#[derive(Debug, Clone)]
pub struct MethodResult {
    pub name: &'static str,
    /// Eigenvalue estimates (empty for Oja, which learns only a basis).
    pub values: Vec<f64>,
    /// Work done: multiplications by the covariance, or samples seen for Oja.
    pub work: String,
    /// Subspace distance to nalgebra's top eigenvectors of the sample covariance.
    /// `None` for the reference itself (a distance to itself would check nothing).
    pub to_reference: Option<f64>,
    /// Subspace distance to the planted basis $U$.
    pub to_truth: f64,
}

/// Results of the planted-subspace comparison.
#[derive(Debug, Clone)]
pub struct Recovery {
    pub methods: Vec<MethodResult>,
    /// All eigenvalues of the sample covariance, descending (nalgebra).
    pub spectrum: Vec<f64>,
    /// Subspace iteration's predicted rate $\lambda_{d+1}/\lambda_d$ and the
    /// measured per-iteration contraction of its residual.
    pub subspace_rate: (f64, f64),
}

/// Oja's gain and number of passes over the data.
pub const OJA_GAIN: f64 = 2e-3;
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
        .ok_or_else(|| shared::Error::shape("data", "at least one sample", "none"))?;
    let centered = &data.x - &mean.insert_axis(Axis(1));
    let cov = centered.dot(&centered.t()) / config.samples as f64;
    let (spectrum, reference) = nalgebra_top(cov.view(), k)?;
    let truth = data.basis.view();
    let mut rng = seeded_rng(config.seed ^ 0xdef1a7e);
    let mut methods = Vec::new();

    let defl = deflation(&cov, k, &mut rng, TOL, 10_000)?;
    let matvecs: usize = defl.runs.iter().map(|r| r.iterations).sum();
    methods.push(method(
        "power + deflation",
        defl.values.to_vec(),
        format!("{matvecs} matvecs{}", unconverged_note(defl.converged)),
        defl.vectors.view(),
        Some(reference.view()),
        truth,
    ));

    let q0 = gaussian_matrix(&mut rng, config.dim, k);
    let sub = subspace_iteration(&cov, q0.view(), k, 0.0, TOL, 10_000)?;
    methods.push(method(
        "subspace iteration",
        sub.values.to_vec(),
        format!(
            "{} x {k} matvecs{}",
            sub.iterations,
            unconverged_note(sub.converged)
        ),
        sub.vectors.view(),
        Some(reference.view()),
        truth,
    ));

    let oja = oja_subspace(centered.view(), k, OJA_GAIN, OJA_PASSES, &mut rng)?;
    methods.push(method(
        "Oja's rule",
        Vec::new(),
        format!("{} samples", OJA_PASSES * config.samples),
        oja.view(),
        Some(reference.view()),
        truth,
    ));

    let values = spectrum[..k].to_vec();
    methods.push(method(
        "nalgebra SymmetricEigen",
        values,
        "dense".into(),
        reference.view(),
        None,
        truth,
    ));
    // ANCHOR_END: recovery
    let predicted = spectrum[k] / spectrum[k - 1];
    let measured = contraction(&sub.residuals);
    Ok(Recovery {
        methods,
        spectrum,
        subspace_rate: (predicted, measured),
    })
}

fn method(
    name: &'static str,
    values: Vec<f64>,
    work: String,
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

/// Marks the work of a method that stopped at its iteration cap.
fn unconverged_note(converged: bool) -> &'static str {
    if converged { "" } else { " (NOT converged)" }
}

/// Geometric-mean contraction of a residual history over its second half.
fn contraction(residuals: &[f64]) -> f64 {
    let t = residuals.len() - 1;
    let half = t / 2;
    (residuals[t] / residuals[half]).powf(1.0 / (t - half).max(1) as f64)
}

/// All eigenvalues (descending) and the top-`k` eigenvectors of a symmetric
/// matrix, from nalgebra's dense solver: the independent reference.
///
/// # Errors
/// `m` not square, empty or not finite; `k > d`.
pub fn nalgebra_top(m: ArrayView2<f64>, k: usize) -> Result<(Vec<f64>, Array2<f64>)> {
    crate::SymmetricOperator::validate(&m)?;
    let n = m.nrows();
    if k > n {
        return Err(shared::Error::out_of_range("k", format!("at most {n}"), k));
    }
    let eig = SymmetricEigen::new(DMatrix::from_fn(n, n, |i, j| m[[i, j]]));
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| eig.eigenvalues[j].total_cmp(&eig.eigenvalues[i]));
    let vectors = Array2::from_shape_fn((n, k), |(i, j)| eig.eigenvectors[(i, order[j])]);
    Ok((order.iter().map(|&i| eig.eigenvalues[i]).collect(), vectors))
}

/// Noise energy before and after projecting onto the PCA subspace.
#[derive(Debug, Clone)]
pub struct Denoising {
    pub noise: f64,
    /// Mean $\|x_i - U z_i\|^2$ (prediction $D\sigma^2$).
    pub before: f64,
    /// Mean $\|\hat x_i - U z_i\|^2$ (prediction $d\sigma^2$).
    pub after: f64,
    pub predicted_before: f64,
    pub predicted_after: f64,
}

/// Noise multipliers of the denoising table: $\sigma \in \{\sigma/2, \sigma, 2\sigma\}$.
pub const NOISE_FACTORS: [f64; 3] = [0.5, 1.0, 2.0];

// ANCHOR: denoising
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
