//! Experiment 1a: power iteration on `diag(3, 2, 1)`, where the angle to the
//! top eigenvector is known in closed form at every step.

use ndarray::{Array2, array};

use crate::power::{PowerSteps, tangent_to};
use shared::Result;

/// One row of the closed-form check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClosedFormRow {
    /// Iteration $t$.
    pub step: usize,
    /// $\tan\theta_t$ measured on the iterate.
    pub tangent: f64,
    /// $\sqrt{4^t + 1}/3^t$.
    pub exact: f64,
    /// Rayleigh quotient $v_t^\top M v_t$.
    pub rayleigh: f64,
}

/// Power iteration on `diag(3, 2, 1)` from $(1,1,1)/\sqrt3$, where
/// $\tan\theta_t = \sqrt{4^t + 1}/3^t$ exactly.
#[derive(Debug, Clone)]
pub struct ClosedForm {
    /// One row per step of [`CLOSED_FORM_STEPS`].
    pub rows: Vec<ClosedFormRow>,
}

/// Steps of the closed-form check shown in the report.
pub const CLOSED_FORM_STEPS: [usize; 4] = [1, 5, 10, 20];

/// # Errors
/// None in practice (the input is fixed); kept fallible like every experiment.
pub fn closed_form() -> Result<ClosedForm> {
    let m = Array2::from_diag(&array![3.0, 2.0, 1.0]);
    let e1 = array![1.0, 0.0, 0.0];
    let steps: Vec<_> = PowerSteps::new(&m, array![1.0, 1.0, 1.0].view())?
        .take(21)
        .collect();
    let rows = CLOSED_FORM_STEPS
        .iter()
        .map(|&t| ClosedFormRow {
            step: t,
            tangent: tangent_to(steps[t - 1].vector.view(), e1.view()),
            exact: (4f64.powi(t as i32) + 1.0).sqrt() / 3f64.powi(t as i32),
            rayleigh: steps[t].rayleigh, // v_tᵀ M v_t is reported by the next step
        })
        .collect();
    Ok(ClosedForm { rows })
}
