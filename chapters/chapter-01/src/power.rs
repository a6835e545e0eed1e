//! Power iteration with the Rayleigh quotient.
//!
//! Starting from $v_0$, repeat $v_{t+1} = M v_t / \|M v_t\|_2$. Writing
//! $v_0 = \sum_i \alpha_i w_i$ in the eigenbasis of $M$ gives
//! $M^t v_0 = \sum_i \lambda_i^t \alpha_i w_i$, so every direction but $w_1$
//! shrinks relative to it by $(\lambda_i/\lambda_1)^t$, and
//! $\tan\theta(v_t, w_1) \le (\lambda_2/\lambda_1)^t \tan\theta(v_0, w_1)$.

use ndarray::{Array1, ArrayView1, ArrayView2};

use crate::operator::SymmetricOperator;
use shared::error::ensure_finite;
use shared::linalg::norm2;
use shared::{Error, Result};

/// The result of [`power_iteration`].
#[derive(Debug, Clone)]
pub struct PowerIteration {
    /// The Rayleigh quotient $v^\top M v$ at the final iterate.
    pub value: f64,
    /// The final iterate, unit norm.
    pub vector: Array1<f64>,
    /// Number of multiplications by $M$.
    pub iterations: usize,
    /// Whether the stopping rule was met before `max_iters`.
    pub converged: bool,
}

/// One step of power iteration, as yielded by [`PowerSteps`].
#[derive(Debug, Clone)]
pub struct PowerStep {
    /// $v_{t+1}$, unit norm.
    pub vector: Array1<f64>,
    /// Rayleigh quotient $v_t^\top M v_t = v_t^\top (M v_t)$ of the previous iterate.
    pub rayleigh: f64,
    /// $\sin\angle(v_t, v_{t+1})$, the change this step made.
    pub change: f64,
}

/// The iterates of power iteration on `op` from `v0`, as an iterator.
///
/// It ends early if $M v_t = 0$ (then $v_t$ is an eigenvector with eigenvalue
/// 0 and the iterate cannot be normalized) or if $M v_t$ is not finite
/// (overflow or NaN); [`power_iteration_op`] tells the two apart.
pub struct PowerSteps<'a, O: SymmetricOperator + ?Sized> {
    op: &'a O,
    current: Array1<f64>,
}

impl<'a, O: SymmetricOperator + ?Sized> PowerSteps<'a, O> {
    /// Starts at `v0 / ‖v0‖`.
    ///
    /// # Errors
    /// An invalid operator ([`SymmetricOperator::validate`]); `v0` without
    /// `op.dim()` entries, non-finite, or zero.
    pub fn new(op: &'a O, v0: ArrayView1<f64>) -> Result<Self> {
        validate_start(op, v0)?;
        let norm = v0.dot(&v0).sqrt();
        Ok(PowerSteps {
            op,
            current: &v0 / norm,
        })
    }
}

/// The checks of [`PowerSteps::new`].
fn validate_start<O: SymmetricOperator + ?Sized>(op: &O, v0: ArrayView1<f64>) -> Result<()> {
    op.validate()?;
    if v0.len() != op.dim() {
        return Err(Error::shape(
            "v0",
            format!("{} entries", op.dim()),
            format!("{} entries", v0.len()),
        ));
    }
    ensure_finite("v0", v0.iter())?;
    let norm = v0.dot(&v0).sqrt();
    if !(norm > 0.0 && norm.is_finite()) {
        return Err(Error::out_of_range("‖v0‖", "nonzero and finite", norm));
    }
    Ok(())
}

// ANCHOR: power_step
impl<O: SymmetricOperator + ?Sized> Iterator for PowerSteps<'_, O> {
    type Item = PowerStep;

    fn next(&mut self) -> Option<PowerStep> {
        // BEGIN SOLUTION 1.2: one step of power iteration
        let mv = self.op.apply(self.current.view());
        let rayleigh = self.current.dot(&mv);
        let norm = norm2(mv.iter());
        if norm == 0.0 || !norm.is_finite() {
            return None;
        }
        let next = mv / norm;
        let change = sine_between(self.current.view(), next.view());
        self.current = next.clone();
        Some(PowerStep {
            vector: next,
            rayleigh,
            change,
        })
        // END SOLUTION
    }
}
// ANCHOR_END: power_step

// ANCHOR: sine_between
/// $\sin$ of the angle between the lines spanned by unit vectors `u` and `v`,
/// computed as $\|v - (u^\top v) u\|$ (accurate for tiny angles, unlike
/// $\sqrt{1 - (u^\top v)^2}$), and blind to sign flips. NaN if the lengths differ.
pub fn sine_between(u: ArrayView1<f64>, v: ArrayView1<f64>) -> f64 {
    if u.len() != v.len() {
        return f64::NAN;
    }
    // BEGIN SOLUTION 1.1: the sine of the angle between two lines
    let c = u.dot(&v);
    let mut r = v.to_owned();
    r.scaled_add(-c, &u);
    r.dot(&r).sqrt()
    // END SOLUTION
}
// ANCHOR_END: sine_between

/// $\tan$ of the angle between the line of `v` and the unit vector `w` (NaN if
/// the lengths differ).
pub fn tangent_to(v: ArrayView1<f64>, w: ArrayView1<f64>) -> f64 {
    if v.len() != w.len() {
        return f64::NAN;
    }
    let c = w.dot(&v).abs();
    sine_between(w, v) / c
}

/// Power iteration for the dominant eigenpair of a symmetric matrix `m`.
///
/// Stops when $\sin\angle(v_t, v_{t+1}) <$ `tol` or after `max_iters`
/// multiplications. The eigenvalue estimate is the Rayleigh quotient
/// $v^\top M v$ of the returned unit vector, whose error for symmetric $M$ is
/// $O((\lambda_2/\lambda_1)^{2t})$, twice as fast as the vector's.
///
/// This is the raw algorithm (its contract returns no `Result`): `m` must be
/// square, finite, with `v0.len()` rows and `v0` nonzero and finite, otherwise
/// the result has `converged = false` and a NaN value. If $M v$ overflows or
/// becomes NaN during the run, the result also has `converged = false`.
/// `converged = true` always comes with a finite value and vector. Use
/// [`crate::top_eigenpairs`] for validated input and typed errors.
///
/// # Shapes
/// `m: d × d` symmetric, `v0: d`.
pub fn power_iteration(
    m: ArrayView2<f64>,
    v0: ArrayView1<f64>,
    tol: f64,
    max_iters: usize,
) -> PowerIteration {
    power_iteration_op(&m, v0, tol, max_iters)
}

// ANCHOR: power_iteration
/// [`power_iteration`] for any symmetric operator (used by deflation and PCA),
/// with the same handling of unusable input (an invalid operator, a start of
/// the wrong length, zero or non-finite: `converged = false`, value NaN).
pub fn power_iteration_op<O: SymmetricOperator + ?Sized>(
    op: &O,
    v0: ArrayView1<f64>,
    tol: f64,
    max_iters: usize,
) -> PowerIteration {
    // The contract returns no `Result`: unusable input is "not converged, value NaN".
    let Ok(steps) = PowerSteps::new(op, v0) else {
        return PowerIteration {
            value: f64::NAN,
            vector: v0.to_owned(),
            iterations: 0,
            converged: false,
        };
    };
    let mut vector = &v0 / v0.dot(&v0).sqrt();
    let mut iterations = 0;
    for step in steps.take(max_iters) {
        iterations += 1;
        vector = step.vector;
        if step.change < tol {
            return finish(op, vector, iterations, Stop::Tolerance);
        }
    }
    let stop = if iterations < max_iters {
        Stop::Ended
    } else {
        Stop::Cap
    };
    finish(op, vector, iterations, stop)
}

/// Why the loop of [`power_iteration_op`] ended.
enum Stop {
    /// The change fell below the tolerance.
    Tolerance,
    /// The iterator ended: $M v = 0$ (an exact eigenvector) or $M v$ was not finite.
    Ended,
    /// `max_iters` multiplications.
    Cap,
}

/// The result at `vector`. It counts as converged only with a finite value and
/// $M v$, and after an early end only if $M v = 0$ exactly.
fn finish<O: SymmetricOperator + ?Sized>(
    op: &O,
    vector: Array1<f64>,
    iterations: usize,
    stop: Stop,
) -> PowerIteration {
    let mv = op.apply(vector.view());
    let value = vector.dot(&mv);
    let finite = value.is_finite() && mv.iter().chain(&vector).all(|x| x.is_finite());
    let converged = finite
        && match stop {
            Stop::Tolerance => true,
            Stop::Ended => mv.iter().all(|x| *x == 0.0),
            Stop::Cap => false,
        };
    PowerIteration {
        value: if finite { value } else { f64::NAN },
        vector,
        iterations,
        converged,
    }
}
// ANCHOR_END: power_iteration

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use ndarray::array;

    #[test]
    fn zero_start_vector_is_reported_not_panicked() {
        let m = array![[2.0, 0.0], [0.0, 1.0]];
        let r = power_iteration(m.view(), array![0.0, 0.0].view(), 1e-10, 10);
        assert!(!r.converged && r.value.is_nan());
    }

    #[test]
    fn eigenvector_of_zero_eigenvalue_stops_at_once() {
        let m = array![[1.0, 0.0], [0.0, 0.0]];
        let r = power_iteration(m.view(), array![0.0, 1.0].view(), 1e-10, 10);
        assert!(r.converged);
        assert_abs_diff_eq!(r.value, 0.0);
    }

    #[test]
    fn nan_or_overflow_is_never_reported_as_converged() {
        let m = array![[2.0, f64::NAN], [f64::NAN, 1.0]];
        let r = power_iteration(m.view(), array![1.0, 0.5].view(), 1e-10, 10);
        assert!(!r.converged && r.value.is_nan());
        // M v overflows in the first multiplication.
        let m = array![[1e308, 1e308], [1e308, 1e308]];
        let r = power_iteration(m.view(), array![1.0, 1.0].view(), 1e-10, 10);
        assert!(!r.converged && r.value.is_nan());
    }

    #[test]
    fn negative_dominant_eigenvalue_converges_despite_sign_flips() {
        let m = array![[-3.0, 0.0], [0.0, 1.0]];
        let r = power_iteration(m.view(), array![1.0, 1.0].view(), 1e-12, 100);
        assert!(r.converged);
        assert_abs_diff_eq!(r.value, -3.0, epsilon = 1e-12);
    }
}
