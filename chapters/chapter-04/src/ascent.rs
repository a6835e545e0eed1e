//! Maximizing the rate reduction directly over features on the sphere.
//!
//! Projected gradient ascent: $Z \leftarrow \mathcal P_{\mathbb S}\big(Z + \eta\,\nabla_Z \Delta R(Z)\big)$,
//! where $\mathcal P_{\mathbb S}$ rescales every column to unit length ($\Delta R$
//! grows with the scale of $Z$, so the scale must be fixed). No network: the
//! features themselves are the variables, which shows what the objective wants.

use ndarray::{Array2, ArrayView2};

use crate::rate::{normalize_columns, rate_reduction, rate_reduction_grad};
use shared::Result;

/// One run of projected gradient ascent.
#[derive(Debug, Clone)]
pub struct Ascent {
    /// The final features (`d × m`, unit columns).
    pub features: Array2<f64>,
    /// $\Delta R$ before the first step and after each step.
    pub history: Vec<f64>,
}

// ANCHOR: ascent
/// `steps` projected gradient steps of size `eta` on $\Delta R$ from `z0`.
///
/// # Errors
/// As [`rate_reduction_grad`].
pub fn ascend(
    z0: ArrayView2<f64>,
    labels: &[usize],
    eps_sq: f64,
    eta: f64,
    steps: usize,
) -> Result<Ascent> {
    let mut z = z0.to_owned();
    normalize_columns(&mut z);
    let mut history = vec![rate_reduction(z.view(), labels, eps_sq)?];
    for _ in 0..steps {
        let grad = rate_reduction_grad(z.view(), labels, eps_sq)?;
        z.scaled_add(eta, &grad);
        normalize_columns(&mut z);
        history.push(rate_reduction(z.view(), labels, eps_sq)?);
    }
    Ok(Ascent {
        features: z,
        history,
    })
}
// ANCHOR_END: ascent

/// Largest $|z_a^\top z_b|$ over pairs of unit columns in different classes
/// (NaN-aware; NaN if `labels` does not have one entry per column).
pub fn cross_class_coherence(z: ArrayView2<f64>, labels: &[usize]) -> f64 {
    if labels.len() != z.ncols() {
        return f64::NAN;
    }
    let gram = z.t().dot(&z);
    let values = gram
        .indexed_iter()
        .filter(|((a, b), _)| labels[*a] != labels[*b])
        .map(|(_, v)| v.abs());
    shared::error::nan_max(values.chain([0.0]))
}

/// Singular values of each class's features, descending (one list per class
/// present, in label order; labels beyond the columns of `z` are ignored).
pub fn class_singular_values(z: ArrayView2<f64>, labels: &[usize]) -> Vec<Vec<f64>> {
    let labels = &labels[..labels.len().min(z.ncols())];
    crate::rate::class_indices(labels)
        .into_iter()
        .map(|(_, idx)| {
            let zj = z.select(ndarray::Axis(1), &idx);
            let gram = zj.dot(&zj.t());
            let eig = shared::symmetric::eigh_of_symmetric_part(gram.view());
            eig.values.iter().map(|v| v.max(0.0).sqrt()).collect()
        })
        .collect()
}

/// Numerical rank: singular values above `tol` times the largest.
pub fn numerical_rank(singular_values: &[f64], tol: f64) -> usize {
    let top = singular_values.first().copied().unwrap_or(0.0);
    singular_values.iter().filter(|s| **s > tol * top).count()
}
