//! Small dense linear-algebra helpers shared by the chapters.

use ndarray::{Array2, ArrayView2};

use crate::error::nan_max;
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

/// Relative size below which a column counts as dependent on the earlier ones
/// in [`orthonormalize_columns_completing`]: what is left of it after projection
/// is rounding noise, not a direction.
pub const DEPENDENCE_TOL: f64 = 1e-10;

/// Orthonormalizes the columns of `a` in place (Gram–Schmidt, each column
/// projected twice), replacing every column that is numerically dependent on
/// the earlier ones, zero or non-finite by a random direction orthogonal to
/// them, drawn from `rng`. The result always has orthonormal columns.
///
/// Normalizing what is left of a dependent column would turn rounding noise
/// into a "direction" that is not orthogonal to anything in particular; in
/// subspace iteration on a rank-deficient matrix that noise never settles.
///
/// Returns the indices of the replaced columns.
///
/// # Shapes
/// `a: D × k` with `k ≤ D` (extra columns beyond `D` are set to zero).
pub fn orthonormalize_columns_completing(a: &mut Array2<f64>, rng: &mut Rng) -> Vec<usize> {
    // The columns, as the rows of a copy: Gram–Schmidt reads each of them
    // many times, and contiguous rows let its dot products and updates
    // vectorize (a `D × k` array's columns are `k` apart).
    let mut rows = a.t().as_standard_layout().into_owned();
    let mut replaced = Vec::new();
    for j in 0..rows.nrows() {
        let before = row_norm(&rows, j);
        project_out_earlier(&mut rows, j);
        let after = row_norm(&rows, j);
        let dependent = !(before.is_finite() && after > DEPENDENCE_TOL * before);
        if dependent {
            replaced.push(j);
            fill_orthogonal(&mut rows, j, rng);
        } else {
            rows.row_mut(j).mapv_inplace(|v| v / after);
        }
    }
    a.assign(&rows.t());
    replaced
}

fn row_norm(rows: &Array2<f64>, j: usize) -> f64 {
    norm2(rows.row(j).iter())
}

/// The Euclidean norm $\|v\|_2$ without spurious overflow or underflow: the
/// entries are divided by the largest magnitude $m$ first, so the squares stay
/// near 1 (`v.dot(&v).sqrt()` is infinite above about 1e154 and 0 below about
/// 1e-162). NaN if any entry is NaN, infinite if one is infinite.
pub fn norm2<'a, I>(values: I) -> f64
where
    I: IntoIterator<Item = &'a f64>,
    I::IntoIter: Clone,
{
    let values = values.into_iter();
    let largest = nan_max(values.clone().map(|v| v.abs()).chain([0.0]));
    if largest == 0.0 || !largest.is_finite() {
        return largest;
    }
    largest * values.map(|v| (v / largest).powi(2)).sum::<f64>().sqrt()
}

/// Removes from row `j` its components along rows `0..j` (twice).
fn project_out_earlier(rows: &mut Array2<f64>, j: usize) {
    for _ in 0..2 {
        for i in 0..j {
            let (qi, mut aj) = rows.multi_slice_mut((ndarray::s![i, ..], ndarray::s![j, ..]));
            let r = qi.dot(&aj);
            aj.scaled_add(-r, &qi);
        }
    }
}

/// Row `j` becomes a random unit vector orthogonal to rows `0..j`
/// (zero if they already span everything).
fn fill_orthogonal(rows: &mut Array2<f64>, j: usize, rng: &mut Rng) {
    let d = rows.ncols();
    for _ in 0..8 {
        rows.row_mut(j)
            .assign(&gaussian_matrix(rng, d, 1).column(0));
        let before = row_norm(rows, j);
        project_out_earlier(rows, j);
        let after = row_norm(rows, j);
        if after > 1e-3 * before {
            rows.row_mut(j).mapv_inplace(|v| v / after);
            return;
        }
    }
    rows.row_mut(j).fill(0.0);
}

/// $x \cdot 2^e$, exact unless the result overflows or underflows (it is
/// computed in steps, so $2^e$ itself need not be representable).
pub fn ldexp(mut x: f64, mut e: i32) -> f64 {
    const STEP: i32 = 1000;
    while e > STEP {
        x *= 2f64.powi(STEP);
        e -= STEP;
    }
    while e < -STEP {
        x *= 2f64.powi(-STEP);
        e += STEP;
    }
    x * 2f64.powi(e)
}

/// The exponent $e$ with $2^e$ nearest the largest finite magnitude in `values`
/// (0 if there is none or all are 0): scaling by $2^{-e}$ ([`ldexp`]) is exact and
/// brings the entries near 1, away from overflow and the subnormal range.
pub fn magnitude_exponent<'a>(values: impl IntoIterator<Item = &'a f64>) -> i32 {
    let largest = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(0.0f64, |m, v| m.max(v.abs()));
    if largest == 0.0 {
        0
    } else {
        largest.log2().round() as i32
    }
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
/// `a: D × k`, `b: D × k'`; NaN if the row counts differ.
pub fn subspace_distance(a: ArrayView2<f64>, b: ArrayView2<f64>) -> f64 {
    if a.nrows() != b.nrows() {
        return f64::NAN;
    }
    let residual = &b - &a.dot(&a.t().dot(&b));
    residual.iter().map(|v| v * v).sum::<f64>().sqrt()
}

/// Largest absolute deviation of `QᵀQ` from the identity (NaN if `q` holds NaN).
pub fn orthogonality_error(q: ArrayView2<f64>) -> f64 {
    let gram = q.t().dot(&q);
    let deviations = gram
        .indexed_iter()
        .map(|((i, j), v)| (v - if i == j { 1.0 } else { 0.0 }).abs());
    nan_max(deviations.chain([0.0]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::seeded_rng;
    use approx::assert_abs_diff_eq;

    #[test]
    fn completing_gram_schmidt_replaces_dependent_columns_by_orthogonal_ones() {
        // Columns 2 and 3 lie in the span of column 1 up to rounding noise; column 4 is NaN.
        let mut a = ndarray::array![
            [1.0, 2.0, 3.0 + 1e-17, f64::NAN],
            [1.0, 2.0, 3.0, 0.0],
            [0.0, 0.0, 1e-20, 0.0],
            [0.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0]
        ];
        let replaced = orthonormalize_columns_completing(&mut a, &mut crate::rng::seeded_rng(1));
        assert_eq!(replaced, vec![1, 2, 3]);
        assert!(orthogonality_error(a.view()) < 1e-14);
        assert_abs_diff_eq!(a[[0, 0]], 0.5f64.sqrt(), epsilon = 1e-15);
    }

    #[test]
    fn ldexp_is_exact_across_the_whole_exponent_range() {
        assert_eq!(
            ldexp(3e-310, 1028),
            3e-310 * 2f64.powi(1000) * 2f64.powi(28)
        );
        assert_eq!(ldexp(ldexp(1.5e300, -2000), 2000), 1.5e300);
        assert_eq!(magnitude_exponent(&[1e-310, -3.0, f64::NAN]), 2);
        assert_eq!(magnitude_exponent(&[0.0]), 0);
    }

    #[test]
    fn norm2_neither_overflows_nor_underflows() {
        assert_eq!(norm2(&[3.0, 4.0]), 5.0);
        assert_abs_diff_eq!(norm2(&[3e200, 4e200]) / 5e200, 1.0, epsilon = 1e-15);
        assert_abs_diff_eq!(norm2(&[3e-200, 4e-200]) / 5e-200, 1.0, epsilon = 1e-15);
        assert!(norm2(&[1.0, f64::NAN]).is_nan());
        assert_eq!(norm2(&[1.0, f64::INFINITY]), f64::INFINITY);
        assert_eq!(norm2(&[]), 0.0);
    }

    #[test]
    fn orthogonality_error_is_nan_for_nan_input() {
        let q = ndarray::array![[1.0, 0.0], [0.0, f64::NAN]];
        assert!(orthogonality_error(q.view()).is_nan());
    }

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
