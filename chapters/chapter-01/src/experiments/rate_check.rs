//! Experiment 1b: the rate check. Power iteration on random matrices with a
//! chosen spectrum, against the eigengap rate $\lambda_2/\lambda_1$.

use ndarray::{Array1, Array2};

use crate::power::{PowerSteps, tangent_to};
use shared::linalg::random_orthonormal;
use shared::rng::{Rng, gaussian_vector};
use shared::{Error, Result};

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
