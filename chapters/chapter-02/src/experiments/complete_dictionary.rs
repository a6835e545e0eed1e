//! Experiment 4: complete dictionary learning by MSP on a planted orthogonal
//! dictionary.

use ndarray::ArrayView2;

use crate::msp::{MspOptions, l4_objective, msp, signed_permutation_error};
use shared::Result;
use shared::linalg::random_orthonormal;
use shared::rng::{Rng, gaussian_matrix};

/// Dimension $n$ of the complete (orthogonal) dictionary.
pub const MSP_N: usize = 30;
/// Number of signals.
pub const MSP_SIGNALS: usize = 10_000;
/// Probability $\theta$ that a code entry is nonzero (Bernoulli–Gaussian codes).
pub const MSP_THETA: f64 = 0.3;
/// MSP's settings.
pub const MSP_OPTIONS: MspOptions = MspOptions {
    max_iters: 200,
    tol: 1e-10,
};

/// Complete dictionary learning by MSP on a planted orthogonal dictionary.
#[derive(Debug, Clone)]
pub struct CompleteDictionary {
    /// $\|A_k X\|_4^4 / (3\theta n N)$ for $k = 0, 1, \dots$: 1 in expectation at the
    /// truth, [`random_rotation_objective`] for a random rotation.
    pub normalized_objective: Vec<f64>,
    /// [`random_rotation_objective`] for these sizes.
    pub random_objective: f64,
    /// [`crate::msp::signed_permutation_error`] of $A_k U_o$ for each $k$.
    pub error: Vec<f64>,
    /// The normalized objective at the truth, $A = U_o^\top$ ($\|Z\|_4^4 / (3\theta n N)$).
    pub truth_objective: f64,
    /// Whether MSP met its tolerance.
    pub converged: bool,
    /// Atoms recovered: rows of $A U_o$ with an entry above 0.99 in magnitude.
    pub recovered: usize,
}

/// The expected normalized objective $\mathbb E\|AX\|_4^4/(3\theta nN)$ for a Haar-random
/// rotation $A$: an entry of $AX$ is $\sum_k r_k z_k$ with $\|r\| = 1$, whose fourth
/// moment is $3\theta S + 3\theta^2(1 - S)$ for $S = \sum_k r_k^4$, and
/// $\mathbb E S = 3/(n+2)$ for a uniform unit vector; so the value is
/// $\theta + (1 - \theta)\,3/(n+2)$, tending to $\theta$ for large $n$.
pub fn random_rotation_objective(n: usize, theta: f64) -> f64 {
    theta + (1.0 - theta) * 3.0 / (n as f64 + 2.0)
}

// ANCHOR: complete_dictionary
/// Signals $X = U_o Z$ with a Haar-random orthogonal $U_o$ and Bernoulli($\theta$)–Gaussian
/// $Z$; MSP from a random rotation, tracking objective and recovery at every step.
///
/// # Errors
/// An MSP error.
pub fn complete_dictionary(rng: &mut Rng) -> Result<CompleteDictionary> {
    let truth = random_orthonormal(rng, MSP_N, MSP_N);
    let mut codes = gaussian_matrix(rng, MSP_N, MSP_SIGNALS);
    codes.mapv_inplace(|v| {
        if rand::RngExt::random::<f64>(rng) < MSP_THETA {
            v
        } else {
            0.0
        }
    });
    let y = truth.dot(&codes);
    let scale = 3.0 * MSP_THETA * (MSP_N * MSP_SIGNALS) as f64;
    let learned = msp(y.view(), &MSP_OPTIONS, rng)?;
    let error = learned
        .iterates
        .iter()
        .map(|a| signed_permutation_error(a.dot(&truth).view()))
        .collect();
    // --snip--
    // ANCHOR_END: complete_dictionary
    let recovered = a_recovered(learned.rotation.dot(&truth).view());
    Ok(CompleteDictionary {
        normalized_objective: learned.objective.iter().map(|f| f / scale).collect(),
        random_objective: random_rotation_objective(MSP_N, MSP_THETA),
        error,
        truth_objective: l4_objective(truth.t(), y.view()) / scale,
        converged: learned.converged,
        recovered,
    })
}

/// Rows of `m` with an entry above 0.99 in magnitude.
fn a_recovered(m: ArrayView2<f64>) -> usize {
    m.rows()
        .into_iter()
        .filter(|r| r.iter().any(|v| v.abs() > 0.99))
        .count()
}
