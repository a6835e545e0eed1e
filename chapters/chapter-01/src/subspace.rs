//! Orthogonal (subspace) iteration with Rayleigh–Ritz.
//!
//! Instead of one vector, iterate a block: $Q_{t+1} R_{t+1} = M Q_t$ (thin QR,
//! here Gram–Schmidt). The span of $Q_t$ approaches the top-$b$ eigenspace at
//! rate $\lambda_{b+1}/\lambda_b$, and its $i$-th direction at the faster rate
//! $\lambda_{b+1}/\lambda_i$. The Rayleigh–Ritz step diagonalizes the small
//! matrix $Q_t^\top M Q_t = W \Theta W^\top$ and returns $Q_t W$, the best
//! eigenvector estimates inside the current span.

use ndarray::{Array1, Array2, ArrayView2, Axis};

use crate::operator::SymmetricOperator;
use shared::error::{ensure_finite, ensure_nonnegative, ensure_rows, nan_max};
use shared::linalg::{norm2, orthonormalize_columns_completing};
use shared::rng::{Rng, seeded_rng};
use shared::symmetric::{Eigen, eigh_of_symmetric_part};
use shared::{Error, Result};

/// Seed of the generator that refills columns that became dependent (rank-deficient $M$).
const REFILL_SEED: u64 = 0x5ab5_bace;

/// The result of [`subspace_iteration`].
#[derive(Debug, Clone)]
pub struct SubspaceIteration {
    /// Ritz values, algebraically descending (`k`).
    pub values: Array1<f64>,
    /// All `b` Ritz values of the block, descending (the first `k` are `values`).
    pub block_values: Array1<f64>,
    /// Ritz vectors as orthonormal columns (`d × k`).
    pub vectors: Array2<f64>,
    /// Number of block multiplications by $M$.
    pub iterations: usize,
    /// Whether every residual met the tolerance.
    pub converged: bool,
    /// Largest relative residual $\max_{i \le k} \|M q_i - \theta_i q_i\| / \max_i |\theta_i|$ after each iteration.
    pub residuals: Vec<f64>,
}

// ANCHOR: rayleigh_ritz
/// Rayleigh–Ritz on the span of `q`: returns the Ritz values (descending), and
/// rotates `q` and `mq = M q` in place into the Ritz basis.
fn rayleigh_ritz(q: &mut Array2<f64>, mq: &mut Array2<f64>) -> Array1<f64> {
    let h = q.t().dot(&*mq); // b × b, symmetric up to rounding
    let Eigen { values, vectors } = eigh_of_symmetric_part(h.view());
    *q = q.dot(&vectors);
    *mq = mq.dot(&vectors);
    values
}
// ANCHOR_END: rayleigh_ritz

// ANCHOR: subspace_iteration
/// Top `k` eigenpairs of `op` by subspace iteration from the block `q0`
/// (`d × b`, `b ≥ k`; extra columns speed convergence to $\lambda_{b+1}/\lambda_k$).
///
/// The power step uses $M + sI$ with `shift` $= s$ (0 for a positive
/// semidefinite $M$), so that the algebraically largest eigenvalues dominate.
/// Stops when every relative residual $\|M q_i - \theta_i q_i\|$,
/// $i \le k$, is below `tol` (the residuals are divided by the largest Ritz
/// value magnitude of the block, $\max_i |\theta_i|$); a NaN residual (overflow)
/// stops the run at once with an error.
///
/// When $M$ has rank below the block size, $M Q$ has dependent columns; they are
/// replaced by random directions orthogonal to the rest (see
/// [`orthonormalize_columns_completing`]), which then converge to the null
/// space with Ritz value 0.
///
/// # Errors
/// An invalid operator; `q0` without `d` rows or with non-finite entries;
/// `k` outside `1..=b` or `b > d`; `shift` not finite; `tol` negative or not
/// finite. Non-convergence is reported in the result (`converged`).
pub fn subspace_iteration<O: SymmetricOperator + ?Sized>(
    op: &O,
    q0: ArrayView2<f64>,
    k: usize,
    shift: f64,
    tol: f64,
    max_iters: usize,
) -> Result<SubspaceIteration> {
    validate(op, q0, k, shift, tol)?;
    let mut refill: Rng = seeded_rng(REFILL_SEED);
    let mut q = q0.to_owned();
    orthonormalize_columns_completing(&mut q, &mut refill);
    let mut residuals = Vec::new();
    let mut values = Array1::zeros(q.ncols());
    for _ in 0..max_iters {
        let mut mq = op.apply_block(q.view());
        values = rayleigh_ritz(&mut q, &mut mq);
        let residual = relative_residual(&q, &mq, &values, k);
        residuals.push(residual);
        if residual.is_nan() || residual < tol {
            break;
        }
        mq.scaled_add(shift, &q);
        q = mq;
        orthonormalize_columns_completing(&mut q, &mut refill);
    }
    let iterations = residuals.len();
    let converged = residuals.last().is_some_and(|r| *r < tol);
    // --snip--
    // ANCHOR_END: subspace_iteration
    if residuals.last().is_some_and(|r| r.is_nan()) {
        return Err(Error::NumericalFailure {
            algorithm: "subspace iteration",
            detail: "the residual became NaN (M Q overflowed); rescale the operator".into(),
        });
    }
    Ok(SubspaceIteration {
        values: values.slice(ndarray::s![..k]).to_owned(),
        block_values: values.clone(),
        vectors: q.slice(ndarray::s![.., ..k]).to_owned(),
        iterations,
        converged,
        residuals,
    })
}

fn validate<O: SymmetricOperator + ?Sized>(
    op: &O,
    q0: ArrayView2<f64>,
    k: usize,
    shift: f64,
    tol: f64,
) -> Result<()> {
    op.validate()?;
    let (d, b) = q0.dim();
    ensure_rows("q0", d, op.dim())?;
    if b == 0 || b > d {
        return Err(Error::shape(
            "q0",
            format!("1 to {d} columns"),
            format!("{b} columns"),
        ));
    }
    if k == 0 || k > b {
        return Err(Error::out_of_range(
            "k",
            format!("between 1 and the block size {b}"),
            k,
        ));
    }
    ensure_finite("q0", q0.iter())?;
    if !shift.is_finite() {
        return Err(Error::out_of_range("shift", "finite", shift));
    }
    ensure_nonnegative("tol", tol)
}

/// $\max_{i \le k} \|M q_i - \theta_i q_i\| / \max_i |\theta_i|$, NaN if anything is NaN.
fn relative_residual(q: &Array2<f64>, mq: &Array2<f64>, values: &Array1<f64>, k: usize) -> f64 {
    let scale = nan_max(values.iter().map(|v| v.abs()));
    let worst = nan_max(
        mq.axis_iter(Axis(1))
            .zip(q.axis_iter(Axis(1)))
            .zip(values)
            .take(k)
            .map(|((mqi, qi), &theta)| {
                let r = &mqi - &(&qi * theta);
                norm2(r.iter())
            }),
    );
    if scale == 0.0 && worst == 0.0 {
        return 0.0; // M Q = 0: every column is an exact eigenvector with eigenvalue 0.
    }
    worst / scale
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use shared::rng::{gaussian_matrix, seeded_rng};

    #[test]
    fn nan_in_the_operator_and_overflow_are_errors() {
        let mut m = Array2::from_diag(&ndarray::array![4.0, 2.0, 1.0]);
        m[[2, 2]] = f64::NAN;
        let q0 = gaussian_matrix(&mut seeded_rng(5), 3, 2);
        assert!(subspace_iteration(&m, q0.view(), 1, 0.0, 1e-13, 1000).is_err());
        // Finite input whose Rayleigh quotient overflows: an error, not Ok(NaN).
        let m = Array2::from_elem((2, 2), 1e308);
        let q0 = ndarray::array![[1.0], [1.0]];
        let r = subspace_iteration(&m, q0.view(), 1, 0.0, 1e-13, 1000);
        assert!(matches!(r, Err(Error::NumericalFailure { .. })), "{r:?}");
    }

    #[test]
    fn finds_top_two_of_a_diagonal_matrix() {
        let m = Array2::from_diag(&ndarray::array![4.0, 2.0, 1.0, 0.5, 0.25]);
        let q0 = gaussian_matrix(&mut seeded_rng(5), 5, 2);
        let s = subspace_iteration(&m, q0.view(), 2, 0.0, 1e-13, 1000).unwrap();
        assert!(s.converged);
        assert_abs_diff_eq!(s.values[0], 4.0, epsilon = 1e-12);
        assert_abs_diff_eq!(s.values[1], 2.0, epsilon = 1e-12);
    }
}
