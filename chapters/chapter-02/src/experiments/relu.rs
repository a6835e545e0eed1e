//! Experiment 6: nonnegative ISTA as stacked ReLU layers, against FISTA's
//! nonnegative LASSO solution.

use super::data::{sparse_codes, unit_column_matrix};
use crate::layer::relu_network;
use crate::solvers::{SolverOptions, fista_nonnegative};
use shared::rng::{Rng, gaussian_matrix};
use shared::{Error, Result};

/// Sizes of the ReLU-layer experiment: an `m × n` dictionary, `N` signals.
pub const RELU_M: usize = 40;
/// Atoms.
pub const RELU_N: usize = 20;
/// Signals.
pub const RELU_SIGNALS: usize = 50;
/// LASSO weight.
pub const RELU_LAMBDA: f64 = 0.05;
/// Nonzeros per code.
pub const RELU_SPARSITY: usize = 3;
/// Noise standard deviation of the signals.
pub const RELU_NOISE: f64 = 0.01;
/// Depths shown.
pub const RELU_DEPTHS: [usize; 5] = [1, 10, 100, 1000, 3000];

/// How close `T` ReLU layers get to the nonnegative LASSO solution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReluRow {
    /// Number of layers $T$.
    pub layers: usize,
    /// $\|Z_T - Z^\star\|_F / \|Z^\star\|_F$ with $Z^\star$ from [`crate::fista_nonnegative`].
    pub relative_distance: f64,
}

// ANCHOR: relu_experiment
/// Nonnegative codes $Z \ge 0$ of signals from a random dictionary, computed by
/// stacking ReLU layers with $\eta = 1/L$, against FISTA's nonnegative solution.
///
/// # Errors
/// A solver error.
pub fn relu_layers(rng: &mut Rng) -> Result<Vec<ReluRow>> {
    let a = unit_column_matrix(rng, RELU_M, RELU_N);
    let codes = sparse_codes(rng, RELU_N, RELU_SPARSITY, RELU_SIGNALS)?.mapv(f64::abs);
    let y = a.dot(&codes) + gaussian_matrix(rng, RELU_M, RELU_SIGNALS) * RELU_NOISE;
    let options = SolverOptions {
        max_iters: 100_000,
        tol: 1e-12,
    };
    let reference = fista_nonnegative(a.view(), y.view(), RELU_LAMBDA, &options)?;
    if !reference.converged {
        return Err(Error::NotConverged {
            algorithm: "fista_nonnegative (ReLU reference)",
            iterations: reference.iterations,
            residual: reference.kkt,
            tolerance: options.tol,
        });
    }
    let norm = reference.x.iter().map(|v| v * v).sum::<f64>().sqrt();
    RELU_DEPTHS
        .iter()
        .map(|&layers| {
            let z = relu_network(
                a.view(),
                y.view(),
                1.0 / reference.lipschitz,
                RELU_LAMBDA,
                layers,
            )?;
            let distance = (&z - &reference.x)
                .iter()
                .map(|v| v * v)
                .sum::<f64>()
                .sqrt();
            Ok(ReluRow {
                layers,
                relative_distance: distance / norm,
            })
        })
        .collect()
}
// ANCHOR_END: relu_experiment
