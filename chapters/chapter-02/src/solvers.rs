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
//! Their options, result and step size are in [`crate::options`] (re-exported here).

use ndarray::{Array2, ArrayView2};

use crate::batched::{Prox, solve};
pub use crate::options::{Solution, SolverOptions, lipschitz_constant};
use crate::threshold::soft_threshold;
use crate::validate::validate_triple;
use shared::Result;
use shared::error::{ensure_finite_output, ensure_nonnegative};

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
    validate_triple(a, x, z0.view(), lambda)?;
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
    use shared::Error;

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
