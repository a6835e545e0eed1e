//! ISTA and FISTA: proximal gradient descent on the LASSO, batched over signals.
//!
//! One step of ISTA is a gradient step on the smooth part followed by the
//! proximal operator of the $\ell^1$ term:
//! $$x_{k+1} = S_{\lambda/L}\big(x_k - \tfrac1L A^\top(A x_k - y)\big), \qquad x_0 = 0 .$$
//! FISTA takes the same step from an extrapolated point
//! $w_k = x_{k-1} + \beta_k (x_{k-1} - x_{k-2})$ with Nesterov's weights
//! $t_{k+1} = \tfrac12(1 + \sqrt{1 + 4 t_k^2})$, $\beta_{k+1} = (t_k - 1)/t_{k+1}$, $t_1 = 1$.
//! Beck and Teboulle (2009) prove $F(x_k) - F^\star \le L\|x_0 - x^\star\|^2/(2k)$
//! for ISTA and $\le 2L\|x_0 - x^\star\|^2/(k+1)^2$ for FISTA.
//!
//! This module is the public API; [`crate::batched`] is the fast kernel behind it,
//! and [`ista_book_convention`] is the plain five-line version of the same algorithm.

use ndarray::{Array2, ArrayView2};

use crate::batched::{Prox, solve};
use crate::lasso::soft_threshold;
use shared::error::{ensure_finite, ensure_finite_output, ensure_nonnegative};
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

/// The result of [`ista`] or [`fista`].
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

/// ISTA on the LASSO for every column of `y` (`m × N`) with dictionary `a` (`m × n`).
///
/// # Errors
/// Shape mismatch or empty input, NaN or infinity in `a` or `y`, `lambda < 0`
/// or NaN, a negative or NaN `tol`.
pub fn ista(
    a: ArrayView2<f64>,
    y: ArrayView2<f64>,
    lambda: f64,
    opts: &SolverOptions,
) -> Result<Solution> {
    solve(a, y, lambda, opts, Prox::SoftThreshold, false)
}

/// FISTA on the LASSO; arguments and errors as for [`ista`].
pub fn fista(
    a: ArrayView2<f64>,
    y: ArrayView2<f64>,
    lambda: f64,
    opts: &SolverOptions,
) -> Result<Solution> {
    solve(a, y, lambda, opts, Prox::SoftThreshold, true)
}

/// FISTA for the nonnegative LASSO $\min_{x \ge 0} F(x)$ (the prox is $T_{\lambda/L}$).
pub fn fista_nonnegative(
    a: ArrayView2<f64>,
    y: ArrayView2<f64>,
    lambda: f64,
    opts: &SolverOptions,
) -> Result<Solution> {
    solve(a, y, lambda, opts, Prox::Nonnegative, true)
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

/// ISTA exactly as the textbook's prose writes it, without the ½:
/// $f(Z) = \|X - AZ\|_F^2 + \lambda\|Z\|_1$ and
/// $Z_{t+1} = S_{\eta\lambda}(Z_t - 2\eta A^\top(A Z_t - X))$, valid for $\eta \le 1/(2L)$.
///
/// The minimizer is that of the ½-convention with $\lambda/2$, and with
/// $\eta = 1/(2L)$ the iterates are identical to [`ista`] with `lambda / 2`.
/// Written densely and directly from the formula, it doubles as an
/// independent implementation for tests. Returns $Z_1, \dots, Z_{\text{iters}}$.
///
/// # Errors
/// `x` with a row count other than `a`'s, NaN or infinity in the input,
/// `lambda` or `eta` negative or not finite.
// ANCHOR: ista_book_convention
pub fn ista_book_convention(
    a: ArrayView2<f64>,
    x: ArrayView2<f64>,
    lambda: f64,
    eta: f64,
    iters: usize,
) -> Result<Vec<Array2<f64>>> {
    let z0 = Array2::zeros((a.ncols(), x.ncols()));
    crate::lasso::validate_triple(a, x, z0.view(), lambda)?;
    ensure_nonnegative("eta", eta)?;
    let mut z = z0;
    let mut out = Vec::with_capacity(iters);
    for _ in 0..iters {
        let gradient = a.t().dot(&(a.dot(&z) - x)) * (2.0 * eta);
        z = (&z - &gradient).mapv(|v| soft_threshold(v, eta * lambda));
        out.push(z.clone());
    }
    // --snip--
    // ANCHOR_END: ista_book_convention
    ensure_finite_output(
        "ista_book_convention",
        "an iterate (is eta <= 1/(2L)?)",
        out.iter().flatten(),
    )?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// The matrix whose eigenvector (1, 2)/√5 of the smaller eigenvalue is
    /// parallel to the old fixed start (1, 1) + (0, 1).
    #[test]
    fn lipschitz_constant_does_not_depend_on_a_lucky_start() {
        let a = array![[1.8, -0.4], [-0.4, 1.2]];
        let l = lipschitz_constant(a.t().dot(&a).view()).unwrap();
        assert!((l - 4.0).abs() < 1e-12, "L = {l}");
        let y = array![[1.0], [1.0]];
        let s = ista(a.view(), y.view(), 0.1, &SolverOptions::default()).unwrap();
        assert!(s.converged && s.kkt < 1e-9);
    }

    #[test]
    fn overflowing_gram_matrix_is_an_error() {
        let a = array![[1e160]];
        let y = array![[1.0]];
        assert!(matches!(
            ista(a.view(), y.view(), 0.1, &SolverOptions::default()),
            Err(Error::NumericalFailure { .. })
        ));
    }

    #[test]
    fn hitting_the_cap_says_not_converged() {
        let a = array![[1.0, 0.9], [0.9, 1.0], [0.0, 0.1]];
        let y = array![[1.0], [2.0], [0.5]];
        let opts = SolverOptions {
            max_iters: 3,
            tol: 1e-12,
        };
        assert!(!fista(a.view(), y.view(), 0.01, &opts).unwrap().converged);
    }
}
