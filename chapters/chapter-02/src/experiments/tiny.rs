//! Experiment 1: ISTA and FISTA on a two-dimensional instance whose iterates
//! and optimum are known in closed form.

use ndarray::array;

use super::PerSolver;
use crate::solvers::{SolverOptions, fista, ista};
use shared::Result;

/// ISTA and FISTA on $A = \operatorname{diag}(1, 2)$, $y = (3, 1)$, $\lambda = 1$,
/// where $L = 4$, $x^\star = (2, 1/4)$, $F^\star = 2.875$ and ISTA's iterates are
/// $x_k = (2(1 - 0.75^k), 1/4)$.
#[derive(Debug, Clone)]
pub struct TinyInstance {
    /// One row per step of [`TINY_STEPS`].
    pub rows: Vec<TinyRow>,
    /// $L$ as computed by the solver (4 exactly).
    pub lipschitz: f64,
}

/// One iteration count of the tiny instance.
#[derive(Debug, Clone)]
pub struct TinyRow {
    /// Iteration $k$.
    pub k: usize,
    /// ISTA's iterate.
    pub ista_x: [f64; 2],
    /// The closed form $(2(1 - 0.75^k), 1/4)$.
    pub closed_form: [f64; 2],
    /// $F(x_k)$ for ISTA and FISTA.
    pub objective: PerSolver<f64>,
}

/// Iterations shown for the tiny instance.
pub const TINY_STEPS: [usize; 6] = [1, 2, 3, 5, 10, 50];

/// Runs ISTA and FISTA on the tiny instance for each of [`TINY_STEPS`].
///
/// # Errors
/// None in practice (the input is fixed); kept fallible like every experiment.
pub fn tiny_instance() -> Result<TinyInstance> {
    let a = array![[1.0, 0.0], [0.0, 2.0]];
    let y = array![[3.0], [1.0]];
    let mut rows = Vec::new();
    let mut lipschitz = 0.0;
    for k in TINY_STEPS {
        let opts = SolverOptions {
            max_iters: k,
            tol: 0.0,
        };
        let is = ista(a.view(), y.view(), 1.0, &opts)?;
        let fi = fista(a.view(), y.view(), 1.0, &opts)?;
        lipschitz = is.lipschitz;
        let closed = [2.0 * (1.0 - 0.75f64.powi(k as i32)), 0.25];
        rows.push(TinyRow {
            k,
            ista_x: [is.x[[0, 0]], is.x[[1, 0]]],
            closed_form: closed,
            objective: PerSolver {
                ista: is.objective[k],
                fista: fi.objective[k],
            },
        });
    }
    Ok(TinyInstance { rows, lipschitz })
}
