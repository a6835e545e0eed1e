//! What every LASSO solver shares: its stopping rule ([`SolverOptions`]), its
//! result ([`Solution`]) and the step size $1/L$ with $L = \|A\|_2^2$
//! ([`lipschitz_constant`], chapter 1's power iteration on the Gram matrix).
//!
//! A leaf module: the public solvers in [`crate::solvers`] and their kernel in
//! [`crate::batched`] both build on it, and it imports neither.

use ndarray::{Array2, ArrayView2};

use shared::error::ensure_finite;
use shared::rng::{gaussian_vector, seeded_rng};
use shared::{Error, Result};

/// When to stop. `Default` is 10 000 iterations and `tol = 1e-10`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SolverOptions {
    /// Iteration cap.
    pub max_iters: usize,
    /// Stop when the relative KKT residual (see [`crate::lasso::kkt_residual`],
    /// divided by $\max_i |(A^\top y)_i|$) falls below `tol`, or when an
    /// iteration leaves every entry unchanged (a fixed point in floating point).
    /// `0` runs `max_iters` steps unless a fixed point is reached.
    ///
    /// The KKT residual certifies optimality; the relative objective change
    /// (available in [`Solution::objective`]) does not: near the optimum the
    /// objective moves by less than its own rounding error while the iterates
    /// are still about $10^{-8}$ away, so stopping on it caps the accuracy.
    pub tol: f64,
}

impl Default for SolverOptions {
    fn default() -> Self {
        SolverOptions {
            max_iters: 10_000,
            tol: 1e-10,
        }
    }
}

/// The result of [`ista`](crate::solvers::ista) or [`fista`](crate::solvers::fista).
#[derive(Debug, Clone)]
pub struct Solution {
    /// Codes, one column per signal (`n × N`).
    pub x: Array2<f64>,
    /// Number of iterations taken.
    pub iterations: usize,
    /// $F(x_k)$ summed over signals for $k = 0, 1, \dots$, `iterations`
    /// (`objective[0]` is $F(0) = \frac12\|Y\|_F^2$).
    pub objective: Vec<f64>,
    /// KKT residual of the final iterate.
    pub kkt: f64,
    /// The Lipschitz constant $L = \|A\|_2^2$ used for the step $1/L$.
    pub lipschitz: f64,
    /// Whether the stopping rule was met: the relative KKT residual fell below
    /// `tol`, or an iteration changed nothing (a fixed point). `false` means the
    /// run stopped at `max_iters`; `x` is then the last iterate, not a solution.
    pub converged: bool,
}

/// Seed of the random start of [`lipschitz_constant`].
const LIPSCHITZ_SEED: u64 = 0x11f5_c417;

/// $L = \|A\|_2^2 = \lambda_{\max}(A^\top A)$ by chapter 1's power iteration on the Gram matrix.
///
/// The start is a random Gaussian vector (fixed seed): a fixed start can be
/// orthogonal to the top eigenvector (for
/// $A = \begin{pmatrix}1.8 & -0.4\\ -0.4 & 1.2\end{pmatrix}$ the start $(1, 2)$
/// this crate once used is an eigenvector of the smaller eigenvalue of $A^\top A$,
/// giving $L = 1$ instead of 4), while a random one is so with probability 0. The solvers also check the consequence: with a
/// step above $1/\lambda_{\max}$ ISTA's objective can rise, and a rise is reported
/// as an error.
///
/// # Errors
/// `gram` not square, empty, or not finite; [`Error::NumericalFailure`] if
/// power iteration does not give a finite positive value.
pub fn lipschitz_constant(gram: ArrayView2<f64>) -> Result<f64> {
    if !gram.is_square() || gram.is_empty() {
        return Err(Error::shape(
            "gram",
            "a non-empty square matrix",
            format!("{:?}", gram.dim()),
        ));
    }
    ensure_finite("gram", gram.iter())?;
    // ANCHOR: lipschitz
    let v0 = gaussian_vector(&mut seeded_rng(LIPSCHITZ_SEED), gram.nrows());
    // The Rayleigh quotient's error is about the square of the vector's: 1e-9 gives ~1e-18.
    let top = chapter_01::power_iteration(gram, v0.view(), 1e-9, 100_000);
    // ANCHOR_END: lipschitz
    // A run that ends early because M v overflowed has a NaN value (an error
    // below). One that reaches the cap has a cluster of eigenvalues at the top,
    // and its Rayleigh quotient already lies inside that cluster: a valid estimate.
    if !(top.value.is_finite() && top.value >= 0.0) {
        return Err(Error::NumericalFailure {
            algorithm: "lipschitz_constant",
            detail: format!("power iteration gave {}; rescale A", top.value),
        });
    }
    Ok(top.value)
}
