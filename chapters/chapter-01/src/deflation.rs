//! The top `k` eigenpairs one at a time, by deflation.
//!
//! After finding $(\hat\lambda_1, \hat v_1)$, power iteration on
//! $M - \hat\lambda_1 \hat v_1 \hat v_1^\top$ finds the next pair, and so on.
//! The deflated operator has the same eigenvectors with $\lambda_1$ replaced by
//! (nearly) zero, so the $j$-th run converges at rate $\lambda_{j+1}/\lambda_j$;
//! any error in an early vector is carried into every later one.

use ndarray::{Array1, Array2, ArrayView1};

use crate::operator::SymmetricOperator;
use crate::power::{PowerIteration, power_iteration_op};
use shared::error::{ensure_finite_output, ensure_nonnegative, ensure_rows};
use shared::rng::{Rng, gaussian_vector};
use shared::{Error, Result};

/// $M - \sum_{j} \hat\lambda_j \hat v_j \hat v_j^\top$, applied without forming it.
pub struct Deflated<'a, O: SymmetricOperator + ?Sized> {
    /// The operator $M$ being deflated.
    pub op: &'a O,
    /// Pairs $(\hat\lambda_j, \hat v_j)$ removed so far, vectors of length `op.dim()`.
    pub found: Vec<(f64, Array1<f64>)>,
}

impl<O: SymmetricOperator + ?Sized> SymmetricOperator for Deflated<'_, O> {
    fn dim(&self) -> usize {
        self.op.dim()
    }
    fn validate(&self) -> Result<()> {
        self.op.validate()?;
        for (value, u) in &self.found {
            ensure_rows("deflated vector", u.len(), self.op.dim())?;
            shared::error::ensure_finite("deflated pair", u.iter().chain([value]))?;
        }
        Ok(())
    }
    fn apply(&self, v: ArrayView1<f64>) -> Array1<f64> {
        let mut out = self.op.apply(v);
        for (value, u) in &self.found {
            out.scaled_add(-value * u.dot(&v), u);
        }
        out
    }
}

/// Eigenpairs found by [`deflation`].
#[derive(Debug, Clone)]
pub struct Deflation {
    /// Eigenvalue estimates (Rayleigh quotients), in the order found.
    pub values: Array1<f64>,
    /// Eigenvectors as columns (`d × k`).
    pub vectors: Array2<f64>,
    /// The individual power-iteration runs.
    pub runs: Vec<PowerIteration>,
    /// Whether every run converged (see [`PowerIteration::converged`]); `false`
    /// means at least one pair (and every later one) is approximate.
    pub converged: bool,
}

// ANCHOR: deflation
/// Top `k` eigenpairs of `op` (largest magnitude first) by power iteration
/// with deflation, each run from a Gaussian start drawn from `rng`.
///
/// # Errors
/// An invalid operator; `k` outside `1..=d`; `tol` negative or not finite;
/// [`Error::NumericalFailure`] if an eigenvalue or vector is not finite.
pub fn deflation<O: SymmetricOperator + ?Sized>(
    op: &O,
    k: usize,
    rng: &mut Rng,
    tol: f64,
    max_iters: usize,
) -> Result<Deflation> {
    op.validate()?;
    if k == 0 || k > op.dim() {
        return Err(Error::out_of_range(
            "k",
            format!("between 1 and {}", op.dim()),
            k,
        ));
    }
    ensure_nonnegative("tol", tol)?;
    let mut deflated = Deflated {
        op,
        found: Vec::with_capacity(k),
    };
    let mut runs = Vec::with_capacity(k);
    for _ in 0..k {
        let v0 = gaussian_vector(rng, op.dim());
        let run = power_iteration_op(&deflated, v0.view(), tol, max_iters);
        deflated.found.push((run.value, run.vector.clone()));
        runs.push(run);
    }
    // --snip--
    // ANCHOR_END: deflation
    let mut vectors = Array2::zeros((op.dim(), k));
    for (mut col, run) in vectors.columns_mut().into_iter().zip(&runs) {
        col.assign(&run.vector);
    }
    let values: Array1<f64> = runs.iter().map(|r| r.value).collect();
    ensure_finite_output("deflation", "an eigenpair", values.iter().chain(&vectors))?;
    Ok(Deflation {
        values,
        vectors,
        converged: runs.iter().all(|r| r.converged),
        runs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use ndarray::Array2;
    use shared::seeded_rng;

    #[test]
    fn deflation_recovers_a_diagonal_spectrum_in_order() {
        let m = Array2::from_diag(&ndarray::array![5.0, 3.0, 1.0, 0.5]);
        let d = deflation(&m, 3, &mut seeded_rng(1), 1e-13, 10_000).unwrap();
        assert!(d.converged);
        for (got, want) in d.values.iter().zip([5.0, 3.0, 1.0]) {
            assert_abs_diff_eq!(*got, want, epsilon = 1e-12);
        }
        for j in 0..3 {
            assert_abs_diff_eq!(d.vectors[[j, j]].abs(), 1.0, epsilon = 1e-12);
        }
    }
}
