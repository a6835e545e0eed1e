//! Probability helpers: log-sum-exp, softmax and mixture weights.

use ndarray::{Array2, ArrayView1, Axis};

use crate::error::{Error, Result, ensure_finite, nan_max};

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
pub fn softmax_columns(mut logits: Array2<f64>) -> Array2<f64> {
    for mut column in logits.axis_iter_mut(Axis(1)) {
        let top = nan_max(column.iter().copied());
        column.mapv_inplace(|v| (v - top).exp());
        let total = column.sum();
        column /= total;
    }
    logits
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
