//! Experiment 2: compressed sensing. The optimality gaps of ISTA and FISTA
//! against their $O(1/k)$ and $O(1/k^2)$ bounds, and support recovery.

use super::data::{sparse_codes, unit_column_matrix};
use super::{Config, PerSolver, Stream};
use crate::lasso::{certified_solution, support};
use crate::solvers::{SolverOptions, fista, ista};
use shared::Result;
use shared::rng::gaussian_matrix;

/// Compressed sensing: gaps of ISTA and FISTA against their bounds.
#[derive(Debug, Clone)]
pub struct Sensing {
    /// $L = \|A\|_2^2$.
    pub lipschitz: f64,
    /// $F^\star$, from [`certified_solution`].
    pub optimum: f64,
    /// $\|x_0 - x^\star\|_F^2$ with $x_0 = 0$.
    pub distance_sq: f64,
    /// $F(x_k) - F^\star$ for $k = 0..=$ [`SENSING_ITERS`].
    pub gaps: PerSolver<Vec<f64>>,
    /// Whether every iterate was within its bound.
    pub bound_holds: PerSolver<bool>,
    /// Fraction of signals whose LASSO support equals the true support.
    pub support_recovered: f64,
    /// Fraction of true nonzeros that are nonzero in the LASSO solution.
    pub support_recall: f64,
    /// KKT residual of the reference solution.
    pub kkt: f64,
    /// Iterations to reach relative gap 1e-6 (`None`: not within [`SENSING_ITERS`]).
    pub iters_to_1e6: PerSolver<Option<usize>>,
}

impl Sensing {
    /// The constants of the two rates, $C_{\rm ISTA} = L\|x_0 - x^\star\|^2/2$ and
    /// $C_{\rm FISTA} = 2L\|x_0 - x^\star\|^2$: the bounds are $C/k$ and $C/(k+1)^2$.
    pub fn constants(&self) -> PerSolver<f64> {
        PerSolver {
            ista: self.lipschitz * self.distance_sq / 2.0,
            fista: 2.0 * self.lipschitz * self.distance_sq,
        }
    }

    /// The gaps scaled by their rates, $k\,(F(x_k) - F^\star)$ for ISTA and
    /// $(k+1)^2 (F(x_k) - F^\star)$ for FISTA: the theorems say these stay below
    /// [`Sensing::constants`] for every $k \ge 1$.
    pub fn scaled_gaps(&self, k: usize) -> PerSolver<f64> {
        let kf = k as f64;
        PerSolver {
            ista: kf * self.gaps.ista[k],
            fista: (kf + 1.0).powi(2) * self.gaps.fista[k],
        }
    }
}

/// Iterations of the fixed-length ISTA and FISTA runs.
pub const SENSING_ITERS: usize = 2000;

/// ISTA's bound $L\|x_0 - x^\star\|^2/(2k)$ and FISTA's $2L\|x_0 - x^\star\|^2/(k+1)^2$.
pub fn bounds(lipschitz: f64, distance_sq: f64, k: usize) -> PerSolver<f64> {
    let k = k as f64;
    PerSolver {
        ista: lipschitz * distance_sq / (2.0 * k),
        fista: 2.0 * lipschitz * distance_sq / ((k + 1.0) * (k + 1.0)),
    }
}

// ANCHOR: sensing
/// Compressed sensing: a Gaussian $A$, sparse codes, noisy measurements; ISTA
/// and FISTA for [`SENSING_ITERS`] steps against the certified optimum.
///
/// # Errors
/// An invalid `c`, or a solver error.
pub fn sensing(c: &Config) -> Result<Sensing> {
    c.validate()?;
    let mut rng = Stream::Sensing.rng(c.seed);
    let a = unit_column_matrix(&mut rng, c.measurements, c.atoms);
    let truth = sparse_codes(&mut rng, c.atoms, c.sparsity, c.signals)?;
    let y = a.dot(&truth) + gaussian_matrix(&mut rng, c.measurements, c.signals) * c.noise;
    let reference = certified_solution(a.view(), y.view(), c.lambda)?;
    let fixed = SolverOptions {
        max_iters: SENSING_ITERS,
        tol: 0.0,
    };
    let history =
        |s: crate::Solution| full_history(&s.objective, SENSING_ITERS, reference.objective);
    let gaps = PerSolver {
        ista: history(ista(a.view(), y.view(), c.lambda, &fixed)?),
        fista: history(fista(a.view(), y.view(), c.lambda, &fixed)?),
    };
    // --snip--
    // ANCHOR_END: sensing
    let optimum = reference.objective;
    let distance_sq = reference.x.iter().map(|v| v * v).sum::<f64>();
    let l = reference.lipschitz;
    // Allow for F* itself being accurate only to rounding.
    let slack = 1e-12 * optimum.abs();
    let holds = |gap: &[f64], bound: fn(&PerSolver<f64>) -> f64| {
        gap.iter()
            .enumerate()
            .skip(1)
            .all(|(k, g)| *g <= bound(&bounds(l, distance_sq, k)) + slack)
    };
    let first_below = |gap: &[f64]| gap.iter().position(|g| *g <= 1e-6 * optimum);
    let found = support(reference.x.view(), 0.0);
    let wanted = support(truth.view(), 0.0);
    let matches = (0..c.signals)
        .filter(|&j| found.column(j) == wanted.column(j))
        .count();
    let hits = ndarray::Zip::from(&found)
        .and(&wanted)
        .fold(0, |n, &f, &w| n + usize::from(f && w));
    let true_count = wanted.iter().filter(|w| **w).count();
    Ok(Sensing {
        lipschitz: l,
        optimum,
        distance_sq,
        bound_holds: PerSolver {
            ista: holds(&gaps.ista, |b| b.ista),
            fista: holds(&gaps.fista, |b| b.fista),
        },
        iters_to_1e6: PerSolver {
            ista: first_below(&gaps.ista),
            fista: first_below(&gaps.fista),
        },
        gaps,
        support_recovered: matches as f64 / c.signals as f64,
        support_recall: hits as f64 / true_count as f64,
        kkt: reference.kkt,
    })
}

/// $F(x_k) - F^\star$ for $k = 0..=$ `iters`. A run that stopped early reached a
/// fixed point (with `tol = 0` nothing else stops it), where every later
/// iterate equals the last one, so the last gap is repeated: exact, not invented.
fn full_history(objective: &[f64], iters: usize, optimum: f64) -> Vec<f64> {
    let last = objective[objective.len() - 1];
    (0..=iters)
        .map(|k| objective.get(k).copied().unwrap_or(last) - optimum)
        .collect()
}
