//! The LASSO: its objective, soft thresholding, and the optimality conditions.
//!
//! We use the ½-convention of Beck and Teboulle and the textbook's code:
//! $$F(x) = \tfrac12 \|y - A x\|_2^2 + \lambda \|x\|_1 .$$
//! The smooth part $f(x) = \frac12\|y - Ax\|^2$ has gradient $A^\top(Ax - y)$,
//! which is Lipschitz with constant $L = \|A\|_2^2 = \lambda_{\max}(A^\top A)$.
//! The textbook's prose drops the ½ (see [`crate::solvers::ista_book_convention`]).

use nalgebra::{DMatrix, DVector};
use ndarray::{Array2, ArrayView2, Zip};

// ANCHOR: soft_threshold
/// Soft thresholding $S_\tau(x) = \operatorname{sign}(x)\max(|x| - \tau, 0)$,
/// the proximal operator of $\tau |\cdot|$: it shrinks toward zero by $\tau$
/// and sets everything within $\tau$ of zero to exactly zero.
pub fn soft_threshold(x: f64, tau: f64) -> f64 {
    if x > tau {
        x - tau
    } else if x < -tau {
        x + tau
    } else {
        0.0
    }
}

/// Nonnegative soft thresholding $T_\tau(x) = \max(x - \tau, 0)$, the proximal
/// operator of $\tau|\cdot| + \chi_{\ge 0}$ (a shifted ReLU; the variant CRATE uses).
pub fn nonnegative_soft_threshold(x: f64, tau: f64) -> f64 {
    (x - tau).max(0.0)
}
// ANCHOR_END: soft_threshold

/// The LASSO objective summed over the columns of `y` and `x`:
/// $\sum_j \frac12\|y_j - A x_j\|_2^2 + \lambda\|x_j\|_1$.
///
/// Returns NaN if the shapes do not fit together (`a: m × n`, `y: m × N`,
/// `x: n × N`); the solvers validate their input and never produce that.
pub fn lasso_objective(
    a: ArrayView2<f64>,
    y: ArrayView2<f64>,
    x: ArrayView2<f64>,
    lambda: f64,
) -> f64 {
    if a.nrows() != y.nrows() || a.ncols() != x.nrows() || y.ncols() != x.ncols() {
        return f64::NAN;
    }
    let residual = &y - &a.dot(&x);
    0.5 * residual.iter().map(|r| r * r).sum::<f64>()
        + lambda * x.iter().map(|v| v.abs()).sum::<f64>()
}

/// Largest violation of the LASSO's optimality (KKT) conditions at `x`.
///
/// With $c = A^\top(y - Ax)$, $x$ is optimal iff $c_i = \lambda\,\operatorname{sign}(x_i)$
/// where $x_i \ne 0$ and $|c_i| \le \lambda$ where $x_i = 0$. Returns the
/// largest of $|c_i - \lambda \operatorname{sign}(x_i)|$ and $(|c_i| - \lambda)_+$
/// over all entries (0 at a solution).
pub fn kkt_residual(
    a: ArrayView2<f64>,
    y: ArrayView2<f64>,
    x: ArrayView2<f64>,
    lambda: f64,
) -> f64 {
    let correlation = a.t().dot(&(&y - &a.dot(&x)));
    kkt_from_correlation(x, correlation.view(), lambda)
}

/// [`kkt_residual`] from a precomputed $C = A^\top(Y - AX)$ (same shape as `x`).
pub fn kkt_from_correlation(x: ArrayView2<f64>, correlation: ArrayView2<f64>, lambda: f64) -> f64 {
    let mut worst = 0.0f64;
    Zip::from(x).and(correlation).for_each(|&xi, &ci| {
        let violation = if xi != 0.0 {
            (ci - lambda * xi.signum()).abs()
        } else {
            (ci.abs() - lambda).max(0.0)
        };
        worst = worst.max(violation);
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
pub fn polish(
    a: ArrayView2<f64>,
    y: ArrayView2<f64>,
    x: ArrayView2<f64>,
    lambda: f64,
) -> Array2<f64> {
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
        let before = kkt_residual(a, yj, col(&out.column(j).to_owned()).view(), lambda);
        let after = kkt_residual(a, yj, col(&candidate).view(), lambda);
        if after < before {
            out.column_mut(j).assign(&candidate);
        }
    }
    out
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
    fn soft_threshold_shrinks_and_zeroes() {
        assert_eq!(soft_threshold(3.0, 1.0), 2.0);
        assert_eq!(soft_threshold(-3.0, 1.0), -2.0);
        assert_eq!(soft_threshold(0.5, 1.0), 0.0);
        assert_eq!(soft_threshold(-1.0, 1.0), 0.0);
        assert_eq!(nonnegative_soft_threshold(-3.0, 1.0), 0.0);
        assert_eq!(nonnegative_soft_threshold(3.0, 1.0), 2.0);
    }

    /// A = diag(1, 2), y = (3, 1), λ = 1: x* = (2, 1/4) and F* = 2.875.
    #[test]
    fn diagonal_instance_optimum_has_zero_kkt_residual() {
        let a = array![[1.0, 0.0], [0.0, 2.0]];
        let y = array![[3.0], [1.0]];
        let x = array![[2.0], [0.25]];
        assert_eq!(lasso_objective(a.view(), y.view(), x.view(), 1.0), 2.875);
        assert!(kkt_residual(a.view(), y.view(), x.view(), 1.0) < 1e-15);
        let off = array![[1.9], [0.25]];
        assert!(kkt_residual(a.view(), y.view(), off.view(), 1.0) > 0.09);
    }
}
