//! Experiment 1: the closed-form optima. The coding rates of collapsed and
//! isotropic arrangements from their formulas and computed from their features.

use crate::optima::{Arrangement, closed_form, features};
use crate::rate::{class_coding_rate, coding_rate};
use shared::Result;

/// One arrangement: the formulas next to the rates computed from its features.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OptimumRow {
    /// Feature dimension $d$.
    pub d: usize,
    /// Number of classes $k$.
    pub k: usize,
    /// The arrangement.
    pub arrangement: Arrangement,
    /// $(R, R_c)$ from the formulas.
    pub formula: (f64, f64),
    /// $(R, R_c)$ computed by [`coding_rate`] and [`class_coding_rate`].
    pub computed: (f64, f64),
}

/// $(d, k)$ of the closed-form table.
pub const OPTIMA_CASES: [(usize, usize); 3] = [(16, 4), (32, 4), (120, 10)];

/// The closed-form table at $\varepsilon^2$ = `eps_sq`.
///
/// # Errors
/// A rate error.
pub fn optima(eps_sq: f64) -> Result<Vec<OptimumRow>> {
    let mut rows = Vec::new();
    for (d, k) in OPTIMA_CASES {
        for arrangement in [Arrangement::Collapsed, Arrangement::Isotropic] {
            let (z, labels) = features(arrangement, d, k, 2 * d / k)?;
            rows.push(OptimumRow {
                d,
                k,
                arrangement,
                formula: closed_form(arrangement, d, k, eps_sq)?,
                computed: (
                    coding_rate(z.view(), eps_sq)?,
                    class_coding_rate(z.view(), &labels, eps_sq)?,
                ),
            });
        }
    }
    Ok(rows)
}
