//! Experiment 2: projected gradient ascent on $\Delta R$ directly on the
//! features, from two kinds of start.

use super::Config;
use crate::ascent::{Ascent, ascend, class_singular_values, cross_class_coherence, numerical_rank};
use crate::optima::{Arrangement, closed_form, equal_spread_rate_reduction};
use shared::Result;
use shared::rng::{Rng, gaussian_matrix};

/// Sizes of the gradient-ascent experiment: $d$, $k$, samples per class.
pub const ASCENT_SIZES: (usize, usize, usize) = (16, 4, 50);
/// Step size of the ascent.
pub const ASCENT_ETA: f64 = 0.5;

/// One gradient-ascent run.
#[derive(Debug, Clone)]
pub struct AscentRun {
    /// How the features started.
    pub start: &'static str,
    /// The run.
    pub ascent: Ascent,
    /// The isotropic optimum $\Delta R$ for these sizes.
    pub optimum: f64,
    /// Largest $|z_a^\top z_b|$ across classes at the end.
    pub coherence: f64,
    /// Each class's singular values at the end.
    pub singular_values: Vec<Vec<f64>>,
    /// Each class's numerical rank at the end (singular values above 1e-3 of its largest).
    pub ranks: Vec<usize>,
    /// [`equal_spread_rate_reduction`] for those ranks: the value of the critical
    /// point the ascent should have reached. `None` when the ranks cannot come
    /// from orthogonal classes (they sum to more than $d$: the run did not end
    /// on such a point, e.g. for a large $\varepsilon^2$).
    pub ranks_closed_form: Option<f64>,
}

// ANCHOR: ascent_runs
/// Projected gradient ascent on $\Delta R$ from random features and from features
/// bunched around one direction.
///
/// # Errors
/// A rate error.
pub fn ascent_runs(c: &Config, rng: &mut Rng) -> Result<Vec<AscentRun>> {
    let (d, k, per) = ASCENT_SIZES;
    let steps = if c.quick { 200 } else { 1000 };
    let labels: Vec<usize> = (0..k * per).map(|i| i / per).collect();
    let random = gaussian_matrix(rng, d, k * per);
    let mut bunched = gaussian_matrix(rng, d, k * per) * 0.2;
    bunched.row_mut(0).mapv_inplace(|v| v + 1.0);
    let (r, rc) = closed_form(Arrangement::Isotropic, d, k, c.eps)?;
    let mut runs = Vec::new();
    for (start, z0) in [
        ("random on the sphere", random),
        ("bunched around e1", bunched),
    ] {
        let ascent = ascend(z0.view(), &labels, c.eps, ASCENT_ETA, steps)?;
        let singular_values = class_singular_values(ascent.features.view(), &labels);
        let ranks: Vec<usize> = singular_values
            .iter()
            .map(|s| numerical_rank(s, 1e-3))
            .collect();
        runs.push(AscentRun {
            start,
            optimum: r - rc,
            coherence: cross_class_coherence(ascent.features.view(), &labels),
            ranks_closed_form: equal_spread_rate_reduction(d, per, &ranks, c.eps).ok(),
            singular_values,
            ranks,
            ascent,
        });
    }
    Ok(runs)
}
// ANCHOR_END: ascent_runs
