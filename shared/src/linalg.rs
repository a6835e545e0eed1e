//! Small dense linear-algebra helpers shared by the chapters.

use ndarray::{Array2, ArrayView2};

use crate::rng::{Rng, gaussian_matrix};

/// Orthonormalizes the columns of `a` in place by modified Gram–Schmidt, run twice
/// ("twice is enough" for orthogonality to working precision).
///
/// Returns `R`'s diagonal magnitudes from the first pass, so callers can see
/// whether a column was (numerically) dependent on the earlier ones: such a
/// column is replaced by zero.
///
/// # Shapes
/// `a: D × k` with `k ≤ D`.
pub fn orthonormalize_columns(a: &mut Array2<f64>) -> Vec<f64> {
    let mut diag = Vec::with_capacity(a.ncols());
    for pass in 0..2 {
        for j in 0..a.ncols() {
            for i in 0..j {
                let (qi, mut aj) = a.multi_slice_mut((ndarray::s![.., i], ndarray::s![.., j]));
                let r = qi.dot(&aj);
                aj.scaled_add(-r, &qi);
            }
            let mut col = a.column_mut(j);
            let norm = col.dot(&col).sqrt();
            if pass == 0 {
                diag.push(norm);
            }
            if norm > 0.0 {
                col /= norm;
            }
        }
    }
    diag
}

/// A `D × k` matrix with orthonormal columns, uniformly distributed (Haar)
/// on the Stiefel manifold: Gram–Schmidt applied to a Gaussian matrix.
pub fn random_orthonormal(rng: &mut Rng, d: usize, k: usize) -> Array2<f64> {
    let mut q = gaussian_matrix(rng, d, k);
    orthonormalize_columns(&mut q);
    q
}

/// Distance between the column spans of two matrices with orthonormal columns:
/// $\|(I - A A^\top) B\|_F = (\sum_i \sin^2\theta_i)^{1/2}$ over the principal angles $\theta_i$.
///
/// Computed from the residual, not as $\sqrt{k - \|A^\top B\|_F^2}$, so it stays
/// accurate down to about 1e-15 instead of 1e-8.
///
/// # Shapes
/// `a: D × k`, `b: D × k`.
pub fn subspace_distance(a: ArrayView2<f64>, b: ArrayView2<f64>) -> f64 {
    let residual = &b - &a.dot(&a.t().dot(&b));
    residual.iter().map(|v| v * v).sum::<f64>().sqrt()
}

/// Largest absolute deviation of `QᵀQ` from the identity.
pub fn orthogonality_error(q: ArrayView2<f64>) -> f64 {
    let gram = q.t().dot(&q);
    gram.indexed_iter()
        .map(|((i, j), v)| (v - if i == j { 1.0 } else { 0.0 }).abs())
        .fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::seeded_rng;
    use approx::assert_abs_diff_eq;

    #[test]
    fn gram_schmidt_gives_orthonormal_columns() {
        let q = random_orthonormal(&mut seeded_rng(1), 20, 5);
        assert!(orthogonality_error(q.view()) < 1e-14);
    }

    #[test]
    fn subspace_distance_is_zero_for_rotated_bases_and_sqrt2_for_orthogonal_lines() {
        let q = random_orthonormal(&mut seeded_rng(2), 10, 3);
        let rot = random_orthonormal(&mut seeded_rng(3), 3, 3);
        assert_abs_diff_eq!(
            subspace_distance(q.view(), q.dot(&rot).view()),
            0.0,
            epsilon = 1e-14
        );
        let e1 = ndarray::array![[1.0], [0.0]];
        let e2 = ndarray::array![[0.0], [1.0]];
        assert_abs_diff_eq!(
            subspace_distance(e1.view(), e2.view()),
            1.0,
            epsilon = 1e-15
        );
    }
}
