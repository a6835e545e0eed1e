//! Symmetric linear operators: what power iteration needs from a matrix.
//!
//! Power iteration only ever multiplies by $M$, so every method in this crate
//! takes anything that can apply a symmetric $M$ to a vector or a block of
//! vectors. That lets PCA use $M v = X(X^\top v)/N$ without forming $X X^\top$.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

use shared::error::ensure_finite;
use shared::{Error, Result};

/// A symmetric `d × d` linear map $v \mapsto M v$.
pub trait SymmetricOperator {
    /// The dimension `d`.
    fn dim(&self) -> usize;

    /// $M v$ for `v` of length `d`.
    fn apply(&self, v: ArrayView1<f64>) -> Array1<f64>;

    /// Checks that the operator can be applied: the methods of this crate call
    /// it before the first multiplication, so a malformed operator is an error,
    /// not a panic inside `apply`. The default accepts everything.
    ///
    /// # Errors
    /// Whatever makes `apply` ill-defined (see the implementations).
    fn validate(&self) -> Result<()> {
        Ok(())
    }

    /// $M Q$ for a block `q: d × b`, column by column unless overridden.
    fn apply_block(&self, q: ArrayView2<f64>) -> Array2<f64> {
        let mut out = Array2::zeros(q.raw_dim());
        for (mut col, v) in out.columns_mut().into_iter().zip(q.columns()) {
            col.assign(&self.apply(v));
        }
        out
    }
}

impl SymmetricOperator for ArrayView2<'_, f64> {
    fn dim(&self) -> usize {
        self.nrows()
    }
    fn validate(&self) -> Result<()> {
        validate_dense(*self)
    }

    fn apply(&self, v: ArrayView1<f64>) -> Array1<f64> {
        self.dot(&v)
    }
    fn apply_block(&self, q: ArrayView2<f64>) -> Array2<f64> {
        self.dot(&q)
    }
}

impl SymmetricOperator for Array2<f64> {
    fn dim(&self) -> usize {
        self.nrows()
    }
    fn validate(&self) -> Result<()> {
        validate_dense(self.view())
    }

    fn apply(&self, v: ArrayView1<f64>) -> Array1<f64> {
        self.dot(&v)
    }
    fn apply_block(&self, q: ArrayView2<f64>) -> Array2<f64> {
        self.dot(&q)
    }
}

/// A dense operator must be square, non-empty and finite (symmetry is the
/// caller's promise; [`crate::top_eigenpairs`] checks it).
fn validate_dense(m: ArrayView2<f64>) -> Result<()> {
    if !m.is_square() || m.is_empty() {
        return Err(Error::shape(
            "m",
            "a non-empty square matrix",
            format!("{} × {}", m.nrows(), m.ncols()),
        ));
    }
    ensure_finite("m", m.iter())
}

// ANCHOR: covariance
/// The sample covariance $M = \frac{1}{N} X X^\top$ of centered data, applied
/// as $M v = X (X^\top v) / N$: cost $O(DN)$ per vector and no `D × D` matrix.
///
/// # Shapes
/// `centered: D × N`, samples as columns, already mean-subtracted.
pub struct Covariance<'a> {
    /// The centered data `X` (`D × N`, samples as columns).
    pub centered: ArrayView2<'a, f64>,
}

impl SymmetricOperator for Covariance<'_> {
    fn dim(&self) -> usize {
        self.centered.nrows()
    }
    fn validate(&self) -> Result<()> {
        if self.centered.is_empty() {
            return Err(Error::shape(
                "centered",
                "a non-empty D × N matrix",
                format!("{:?}", self.centered.dim()),
            ));
        }
        ensure_finite("centered", self.centered.iter())
    }
    fn apply(&self, v: ArrayView1<f64>) -> Array1<f64> {
        let n = self.centered.ncols() as f64;
        self.centered.dot(&self.centered.t().dot(&v)) / n
    }
    fn apply_block(&self, q: ArrayView2<f64>) -> Array2<f64> {
        let n = self.centered.ncols() as f64;
        self.centered.dot(&self.centered.t().dot(&q)) / n
    }
}
// ANCHOR_END: covariance

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn covariance_operator_matches_explicit_matrix() {
        let x = array![[1.0, -1.0, 2.0, -2.0], [0.5, 0.5, -0.5, -0.5]];
        let explicit = x.dot(&x.t()) / 4.0;
        let v = array![0.3, -0.7];
        let op = Covariance { centered: x.view() };
        let got = op.apply(v.view());
        let want = explicit.dot(&v);
        assert!((&got - &want).iter().all(|d| d.abs() < 1e-15));
    }
}
