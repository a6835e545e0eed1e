//! Soft thresholding and its nonnegative variant: the proximal operators of
//! the $\ell^1$ norm that every solver, network and layer of the chapter applies.
//!
//! A leaf module: it imports nothing from the crate.

// ANCHOR: soft_threshold
/// Soft thresholding $S_\tau(x) = \operatorname{sign}(x)\max(|x| - \tau, 0)$,
/// the proximal operator of $\tau |\cdot|$: it shrinks toward zero by $\tau$
/// and sets everything within $\tau$ of zero to exactly zero.
///
/// Defined for $\tau \ge 0$. Its contract returns a plain `f64`, so invalid
/// input gives NaN rather than an error: a NaN `x`, or a negative or NaN `tau`.
pub fn soft_threshold(x: f64, tau: f64) -> f64 {
    // BEGIN SOLUTION 2.1: soft thresholding
    if tau.is_nan() || tau < 0.0 {
        f64::NAN
    } else if x > tau {
        x - tau
    } else if x < -tau {
        x + tau
    } else {
        // |x| <= tau, or x is NaN (then every comparison above was false).
        if x.is_nan() { x } else { 0.0 }
    }
    // END SOLUTION
}

/// Nonnegative soft thresholding $T_\tau(x) = \max(x - \tau, 0)$, the proximal
/// operator of $\tau|\cdot| + \chi_{\ge 0}$ (a shifted ReLU; the variant CRATE uses).
/// NaN for a NaN `x` or a negative or NaN `tau`, like [`soft_threshold`].
pub fn nonnegative_soft_threshold(x: f64, tau: f64) -> f64 {
    if tau.is_nan() || tau < 0.0 || x.is_nan() {
        f64::NAN
    } else if x > tau {
        x - tau
    } else {
        0.0
    }
}
// ANCHOR_END: soft_threshold

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soft_threshold_shrinks_and_zeroes() {
        assert_eq!(soft_threshold(3.0, 1.0), 2.0);
        assert_eq!(soft_threshold(-3.0, 1.0), -2.0);
        assert_eq!(soft_threshold(0.5, 1.0), 0.0);
        assert_eq!(soft_threshold(-1.0, 1.0), 0.0);
        assert_eq!(nonnegative_soft_threshold(-3.0, 1.0), 0.0);
        assert_eq!(nonnegative_soft_threshold(3.0, 1.0), 2.0);
    }

    #[test]
    fn invalid_threshold_input_gives_nan_not_zero() {
        for f in [soft_threshold, nonnegative_soft_threshold] {
            assert!(f(f64::NAN, 1.0).is_nan());
            assert!(f(0.5, -1.0).is_nan());
            assert!(f(0.5, f64::NAN).is_nan());
            assert_eq!(f(f64::INFINITY, 1.0), f64::INFINITY);
        }
    }
}
