//! Probability helpers: log-sum-exp, softmax and mixture weights.

use ndarray::{Array2, ArrayView1, Axis};

use crate::error::{Error, Result, ensure_finite, nan_max, nan_max2};

/// Tolerance on $\sum_k \pi_k = 1$ in [`validate_weights`].
pub const WEIGHT_SUM_TOL: f64 = 1e-9;

/// $\log \sum_i e^{v_i}$, computed as $m + \log\sum_i e^{v_i - m}$ with $m = \max_i v_i$
/// so that nothing overflows. NaN anywhere gives NaN; an empty input or all
/// $-\infty$ gives $-\infty$.
pub fn log_sum_exp(values: ArrayView1<f64>) -> f64 {
    let top = nan_max(values.iter().copied());
    if top.is_nan() {
        return f64::NAN;
    }
    if top == f64::NEG_INFINITY {
        return f64::NEG_INFINITY;
    }
    if top == f64::INFINITY {
        return f64::INFINITY;
    }
    top + values.iter().map(|v| (v - top).exp()).sum::<f64>().ln()
}

/// Softmax down each column of `logits` (`K × N`): column $j$ becomes
/// $e^{\ell_{kj}} / \sum_i e^{\ell_{ij}}$, computed after subtracting the column's
/// maximum. A NaN logit makes its whole column NaN (callers check the output).
///
/// The work runs along rows, the contiguous lanes of a row-major `K × N`
/// array (the columns are `K` numbers `N` apart), and logits that sit
/// further below their column's maximum than `exp` can represent give 0
/// without calling it: glibc's `exp` takes 7 to 12 ns for a result that
/// underflows against 3 ns for an ordinary one, and a sharply peaked mixture
/// has many such logits (a third of them in chapter 3's sampler bench).
pub fn softmax_columns(mut logits: Array2<f64>) -> Array2<f64> {
    let top = logits.fold_axis(Axis(0), f64::NEG_INFINITY, |&m, &v| nan_max2(m, v));
    logits.zip_mut_with(&top, |v, &t| *v = exp_or_zero(*v - t));
    let total = logits.sum_axis(Axis(0));
    logits.zip_mut_with(&total, |v, &s| *v /= s);
    logits
}

/// $e^x$, with 0 returned directly below $-746$, where $e^x$ rounds to 0
/// (the smallest subnormal `f64` is $e^{-744.4}$). NaN stays NaN.
fn exp_or_zero(x: f64) -> f64 {
    if x < -746.0 { 0.0 } else { x.exp() }
}

/// Checks mixture weights $\pi_k$: at least one, each finite and $\ge 0$, summing
/// to 1 within [`WEIGHT_SUM_TOL`].
///
/// # Errors
/// [`Error::Shape`] for no weight, [`Error::NonFinite`] or [`Error::OutOfRange`] otherwise.
pub fn validate_weights(name: &'static str, weights: ArrayView1<f64>) -> Result<()> {
    if weights.is_empty() {
        return Err(Error::shape(name, "at least one weight", "none"));
    }
    ensure_finite(name, weights.iter())?;
    if let Some(w) = weights.iter().find(|w| **w < 0.0) {
        return Err(Error::out_of_range(name, "every weight >= 0", w));
    }
    let total = weights.sum();
    if (total - 1.0).abs() > WEIGHT_SUM_TOL {
        return Err(Error::out_of_range(name, "weights summing to 1", total));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn softmax_columns_matches_the_formula_column_by_column() {
        let logits = array![
            [0.3, -1000.0, f64::NAN, 5.0, -745.5, f64::NEG_INFINITY],
            [-2.0, 0.0, 1.0, 5.0, 0.0, f64::NEG_INFINITY],
            [1.5, -800.0, 2.0, -1e300, -740.0, f64::NEG_INFINITY],
        ];
        let out = softmax_columns(logits.clone());
        check_against_the_formula(&logits, &out);
        assert_eq!(out[[0, 3]], 0.5);
        assert!(
            out.column(2).iter().all(|v| v.is_nan()),
            "a NaN logit poisons its column"
        );
        assert!(
            out.column(5).iter().all(|v| v.is_nan()),
            "no finite logit: NaN, not 0/0 hidden"
        );
        assert!(out[[0, 1]] == 0.0 && out[[1, 1]] == 1.0);
        assert!(out[[1, 4]] > 0.99 && out[[2, 4]] > 0.0 && out[[0, 4]] == 0.0);
        // One column of many classes (ReduNet's case): summed in class order too.
        let one = ndarray::Array2::from_shape_fn((11, 1), |(i, _)| (i as f64 * 0.7).sin() * 3.0);
        check_against_the_formula(&one, &softmax_columns(one.clone()));
    }

    /// Each column against $e^{\ell - m} / \sum e^{\ell - m}$ ($m$ its maximum),
    /// summed in order, bit for bit.
    fn check_against_the_formula(logits: &ndarray::Array2<f64>, out: &ndarray::Array2<f64>) {
        for (j, column) in logits.columns().into_iter().enumerate() {
            let top = column
                .iter()
                .fold(f64::NEG_INFINITY, |m, &v| nan_max2(m, v));
            let e: Vec<f64> = column.iter().map(|v| (v - top).exp()).collect();
            let total: f64 = e.iter().sum();
            for (i, e) in e.iter().enumerate() {
                let (got, want) = (out[[i, j]], e / total);
                assert!(
                    got.to_bits() == want.to_bits(),
                    "({i}, {j}): {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn exp_or_zero_is_exp_on_both_sides_of_the_cut() {
        for x in [-746.0, -745.2, -745.0, -744.4, -708.5, -1.0, 0.0, 700.0] {
            assert_eq!(exp_or_zero(x).to_bits(), x.exp().to_bits(), "{x}");
        }
        for x in [-746.000001, -800.0, -1e300, f64::NEG_INFINITY] {
            assert_eq!(x.exp(), 0.0);
            assert_eq!(exp_or_zero(x), 0.0);
        }
        assert!(exp_or_zero(f64::NAN).is_nan());
    }

    #[test]
    fn log_sum_exp_matches_the_naive_sum_and_survives_large_values() {
        let v = array![0.1, -2.0, 1.5];
        let naive = v.iter().map(|x: &f64| x.exp()).sum::<f64>().ln();
        assert!((log_sum_exp(v.view()) - naive).abs() < 1e-15);
        let big = array![1000.0, 1000.0];
        assert!((log_sum_exp(big.view()) - (1000.0 + 2f64.ln())).abs() < 1e-12);
        assert!(log_sum_exp(array![1.0, f64::NAN].view()).is_nan());
        assert_eq!(
            log_sum_exp(array![f64::NEG_INFINITY].view()),
            f64::NEG_INFINITY
        );
    }

    #[test]
    fn softmax_columns_sum_to_one_and_propagate_nan() {
        let s = softmax_columns(array![[1.0, 0.0, 800.0], [2.0, f64::NAN, 799.0]]);
        assert!((s[[0, 0]] - 1.0 / (1.0 + 1f64.exp())).abs() < 1e-15);
        assert!((s.column(2).sum() - 1.0).abs() < 1e-15);
        assert!(s.column(1).iter().all(|v| v.is_nan()));
    }

    #[test]
    fn weights_are_validated() {
        assert!(validate_weights("w", array![0.25, 0.75].view()).is_ok());
        assert!(validate_weights("w", array![0.5, 0.6].view()).is_err());
        assert!(validate_weights("w", array![-0.5, 1.5].view()).is_err());
        assert!(validate_weights("w", array![f64::NAN, 1.0].view()).is_err());
        assert!(validate_weights("w", ndarray::Array1::<f64>::zeros(0).view()).is_err());
    }
}
