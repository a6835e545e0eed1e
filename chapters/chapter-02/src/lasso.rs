//! The LASSO: its objective, soft thresholding, and the optimality conditions.
//!
//! We use the ½-convention of Beck and Teboulle and the textbook's code:
//! $$F(x) = \tfrac12 \|y - A x\|_2^2 + \lambda \|x\|_1 .$$
//! The smooth part $f(x) = \frac12\|y - Ax\|^2$ has gradient $A^\top(Ax - y)$,
//! which is Lipschitz with constant $L = \|A\|_2^2 = \lambda_{\max}(A^\top A)$.
//! The textbook's prose drops the ½ (see [`crate::solvers::ista_book_convention`]).
//!
//! Soft thresholding ([`crate::threshold`]) and the input check
//! ([`crate::validate`]) live in leaf modules and are re-exported here.

use nalgebra::{DMatrix, DVector};
use ndarray::{Array2, ArrayView2, Zip};

use crate::options::SolverOptions;
use crate::solvers::fista;
pub use crate::threshold::{nonnegative_soft_threshold, soft_threshold};
pub use crate::validate::validate_triple;
use shared::error::nan_max2;
use shared::{Error, Result};

/// The LASSO objective summed over the columns of `y` and `x`:
/// $\sum_j \frac12\|y_j - A x_j\|_2^2 + \lambda\|x_j\|_1$.
///
/// This is the contract form, which returns a plain `f64`: shapes that do not
/// fit together (`a: m × n`, `y: m × N`, `x: n × N`) or a negative λ give NaN.
/// [`checked_lasso_objective`] returns a typed error instead.
pub fn lasso_objective(
    a: ArrayView2<f64>,
    y: ArrayView2<f64>,
    x: ArrayView2<f64>,
    lambda: f64,
) -> f64 {
    checked_lasso_objective(a, y, x, lambda).unwrap_or(f64::NAN)
}

/// [`lasso_objective`] with its input validated.
///
/// # Errors
/// Shapes that do not fit together, NaN or infinity in the input, `lambda`
/// negative or not finite; [`Error::NumericalFailure`] if the value overflows.
pub fn checked_lasso_objective(
    a: ArrayView2<f64>,
    y: ArrayView2<f64>,
    x: ArrayView2<f64>,
    lambda: f64,
) -> Result<f64> {
    validate_triple(a, y, x, lambda)?;
    let residual = &y - &a.dot(&x);
    let value = 0.5 * residual.iter().map(|r| r * r).sum::<f64>()
        + lambda * x.iter().map(|v| v.abs()).sum::<f64>();
    shared::error::ensure_finite_output("lasso_objective", "the objective", [&value])?;
    Ok(value)
}

/// Largest violation of the LASSO's optimality (KKT) conditions at `x`.
///
/// With $c = A^\top(y - Ax)$, $x$ is optimal iff $c_i = \lambda\,\operatorname{sign}(x_i)$
/// where $x_i \ne 0$ and $|c_i| \le \lambda$ where $x_i = 0$. Returns the
/// largest of $|c_i - \lambda \operatorname{sign}(x_i)|$ and $(|c_i| - \lambda)_+$
/// over all entries (0 at a solution).
///
/// # Errors
/// As [`checked_lasso_objective`]; [`Error::NumericalFailure`] if the residual overflows.
pub fn kkt_residual(
    a: ArrayView2<f64>,
    y: ArrayView2<f64>,
    x: ArrayView2<f64>,
    lambda: f64,
) -> Result<f64> {
    validate_triple(a, y, x, lambda)?;
    let correlation = a.t().dot(&(&y - &a.dot(&x)));
    let worst = kkt_from_correlation(x, correlation.view(), lambda);
    shared::error::ensure_finite_output("kkt_residual", "the KKT residual", [&worst])?;
    Ok(worst)
}

/// [`kkt_residual`] from a precomputed $C = A^\top(Y - AX)$ (same shape as `x`;
/// callers check the shapes). NaN anywhere gives NaN.
fn kkt_from_correlation(x: ArrayView2<f64>, correlation: ArrayView2<f64>, lambda: f64) -> f64 {
    let mut worst = 0.0f64;
    Zip::from(x).and(correlation).for_each(|&xi, &ci| {
        let violation = if xi != 0.0 {
            (ci - lambda * xi.signum()).abs()
        } else {
            nan_max2(ci.abs() - lambda, 0.0)
        };
        worst = nan_max2(worst, violation);
    });
    worst
}

/// Polishes an approximate LASSO solution to machine precision.
///
/// On the support $S$ of a column with signs $s$, the optimality conditions are
/// linear: $A_S^\top A_S\, x_S = A_S^\top y - \lambda s$. If `x` already has the
/// right support, solving them (Cholesky) gives the exact solution. A column is
/// replaced only if the solve succeeds, keeps every sign, and lowers the KKT residual.
///
/// # Shapes
/// `a: m × n`, `y: m × N`, `x: n × N`; returns `n × N`.
///
/// # Errors
/// As [`checked_lasso_objective`].
pub fn polish(
    a: ArrayView2<f64>,
    y: ArrayView2<f64>,
    x: ArrayView2<f64>,
    lambda: f64,
) -> Result<Array2<f64>> {
    validate_triple(a, y, x, lambda)?;
    let mut out = x.to_owned();
    for j in 0..x.ncols() {
        let support: Vec<usize> = (0..x.nrows()).filter(|&i| x[[i, j]] != 0.0).collect();
        if support.is_empty() {
            continue;
        }
        let k = support.len();
        let a_s = DMatrix::from_fn(a.nrows(), k, |r, c| a[[r, support[c]]]);
        let yj = DVector::from_iterator(y.nrows(), y.column(j).iter().copied());
        let signs = DVector::from_iterator(k, support.iter().map(|&i| x[[i, j]].signum()));
        let rhs = a_s.transpose() * yj - signs.clone() * lambda;
        let Some(chol) = (a_s.transpose() * &a_s).cholesky() else {
            continue;
        };
        let solved = chol.solve(&rhs);
        if solved.iter().zip(signs.iter()).any(|(v, s)| v * s <= 0.0) {
            continue;
        }
        let mut candidate = out.column(j).to_owned();
        for (c, &i) in support.iter().enumerate() {
            candidate[i] = solved[c];
        }
        let col = |v: &ndarray::Array1<f64>| v.view().insert_axis(ndarray::Axis(1)).to_owned();
        let yj = y.column(j).insert_axis(ndarray::Axis(1));
        let kkt = |x: ArrayView2<f64>| {
            let correlation = a.t().dot(&(&yj - &a.dot(&x)));
            kkt_from_correlation(x, correlation.view(), lambda)
        };
        let before = kkt(col(&out.column(j).to_owned()).view());
        let after = kkt(col(&candidate).view());
        if after < before {
            out.column_mut(j).assign(&candidate);
        }
    }
    Ok(out)
}

/// A LASSO solution with its optimality certificate.
#[derive(Debug, Clone)]
pub struct Certified {
    /// The codes $x^\star$ (`n × N`).
    pub x: Array2<f64>,
    /// $F(x^\star)$ summed over signals.
    pub objective: f64,
    /// KKT residual of `x` (see [`kkt_residual`]).
    pub kkt: f64,
    /// $L = \|A\|_2^2$.
    pub lipschitz: f64,
}

/// Relative KKT residual (divided by $\max(1, \max_i |(A^\top y)_i|)$) a
/// [`certified_solution`] must reach.
pub const CERTIFY_TOL: f64 = 1e-9;

/// The reference solution the chapter's experiments and tests compare with:
/// FISTA to a relative KKT residual of 1e-10, then [`polish`]ed on its support
/// (much cheaper than asking FISTA for 1e-14), then checked.
///
/// # Errors
/// As [`crate::fista`]; [`Error::NotConverged`] if the polished residual is
/// above [`CERTIFY_TOL`] (the problem is too ill-conditioned to certify).
pub fn certified_solution(
    a: ArrayView2<f64>,
    y: ArrayView2<f64>,
    lambda: f64,
) -> Result<Certified> {
    let options = SolverOptions {
        max_iters: 100_000,
        tol: 1e-10,
    };
    let rough = fista(a, y, lambda, &options)?;
    let x = polish(a, y, rough.x.view(), lambda)?;
    let kkt = kkt_residual(a, y, x.view(), lambda)?;
    let scale = a.t().dot(&y).iter().fold(1.0f64, |m, v| m.max(v.abs()));
    if kkt.is_nan() || kkt > CERTIFY_TOL * scale {
        return Err(Error::NotConverged {
            algorithm: "certified_solution (FISTA + polish)",
            iterations: rough.iterations,
            residual: kkt / scale,
            tolerance: CERTIFY_TOL,
        });
    }
    Ok(Certified {
        objective: checked_lasso_objective(a, y, x.view(), lambda)?,
        x,
        kkt,
        lipschitz: rough.lipschitz,
    })
}

/// Entries of `x` with $|x_i| >$ `threshold`, as a boolean mask.
pub fn support(x: ArrayView2<f64>, threshold: f64) -> Array2<bool> {
    x.mapv(|v| v.abs() > threshold)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn kkt_residual_sees_nan_and_rejects_bad_shapes() {
        let a = array![[1.0, 0.0], [0.0, 2.0]];
        let y = array![[3.0], [1.0]];
        assert!(kkt_residual(a.view(), y.view(), array![[f64::NAN], [0.0]].view(), 1.0).is_err());
        assert!(kkt_residual(a.view(), y.view(), array![[1.0]].view(), 1.0).is_err());
        assert!(polish(a.view(), y.view(), array![[1.0, 2.0]].view(), 1.0).is_err());
        assert!(lasso_objective(a.view(), y.view(), array![[1.0]].view(), 1.0).is_nan());
        // Unvalidated internals propagate NaN instead of dropping it.
        let c = array![[f64::NAN], [0.0]];
        assert!(kkt_from_correlation(array![[0.0], [0.0]].view(), c.view(), 1.0).is_nan());
    }

    /// A = diag(1, 2), y = (3, 1), λ = 1: x* = (2, 1/4) and F* = 2.875.
    #[test]
    fn diagonal_instance_optimum_has_zero_kkt_residual() {
        let a = array![[1.0, 0.0], [0.0, 2.0]];
        let y = array![[3.0], [1.0]];
        let x = array![[2.0], [0.25]];
        assert_eq!(lasso_objective(a.view(), y.view(), x.view(), 1.0), 2.875);
        assert!(kkt_residual(a.view(), y.view(), x.view(), 1.0).unwrap() < 1e-15);
        let off = array![[1.9], [0.25]];
        assert!(kkt_residual(a.view(), y.view(), off.view(), 1.0).unwrap() > 0.09);
    }
}
