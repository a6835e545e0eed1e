//! Dictionary learning by alternating sparse coding and projected gradient.
//!
//! Given signals $Y$ (`m × N`), look for a dictionary $A$ (`m × n`, columns in
//! the unit ball) and sparse codes $X$ with $Y \approx A X$:
//! $$\min_{A, X} \tfrac12\|Y - A X\|_F^2 + \lambda\|X\|_1 \quad \text{s.t. } \|a_j\|_2 \le 1 .$$
//! Each outer iteration (1) codes every signal with FISTA for the current $A$,
//! then (2) takes projected gradient steps on $A$ with step $1/\|X X^\top\|_2$
//! (again from chapter 1's power iteration):
//! $A \leftarrow \Pi\big(A - \nu (A X - Y) X^\top\big)$, $\Pi(a_j) = a_j / \max(\|a_j\|, 1)$.

use ndarray::{Array1, Array2, ArrayView2, Axis};

use crate::solvers::{SolverOptions, fista};
use shared::error::{ensure_finite, ensure_nonnegative, nan_max};
use shared::rng::Rng;
use shared::{Error, Result};

/// Settings of [`learn_dictionary`].
#[derive(Debug, Clone, Copy)]
pub struct DictionaryOptions {
    /// Number of atoms `n`.
    pub atoms: usize,
    /// Sparsity weight λ.
    pub lambda: f64,
    /// Outer (code, then dictionary) iterations.
    pub outer_iters: usize,
    /// Projected gradient steps on the dictionary per outer iteration.
    pub dictionary_steps: usize,
    /// Options of the FISTA coding step.
    pub coding: SolverOptions,
}

/// State after each outer iteration.
#[derive(Debug, Clone)]
pub struct DictionaryStep {
    /// LASSO objective of the codes found in this iteration.
    pub objective: f64,
    /// Mean over true atoms of the best $|\cos|$ with a learned atom (if truth was given).
    pub mean_recovery: f64,
    /// Fraction of true atoms with best $|\cos| > 0.99$.
    pub recovered: f64,
}

/// A learned dictionary, its codes and the history.
#[derive(Debug, Clone)]
pub struct Dictionary {
    /// The learned atoms as columns (`m × opts.atoms`), each of norm at most 1.
    pub atoms: Array2<f64>,
    /// Codes of `y` from the last coding step (`opts.atoms × N`).
    pub codes: Array2<f64>,
    /// One entry per outer iteration.
    pub history: Vec<DictionaryStep>,
}

// ANCHOR: learn_dictionary
/// Learns a dictionary for `y` (`m × N`), initialized with `atoms` random
/// signals (normalized) drawn from `rng`. If `truth` (`m × n'`) is given, the
/// history records how well its atoms are recovered.
///
/// # Errors
/// Empty or non-finite `y`; `opts.atoms` zero or above the number of signals;
/// a negative or non-finite `opts.lambda`; `truth` with a row count other than
/// `y`'s or non-finite entries; errors of the FISTA coding step.
pub fn learn_dictionary(
    y: ArrayView2<f64>,
    opts: &DictionaryOptions,
    rng: &mut Rng,
    truth: Option<ArrayView2<f64>>,
) -> Result<Dictionary> {
    validate(y, opts, truth)?;
    let mut a = initial_atoms(y, opts.atoms, rng);
    let mut history = Vec::with_capacity(opts.outer_iters);
    let mut codes = Array2::zeros((opts.atoms, y.ncols()));
    for _ in 0..opts.outer_iters {
        let coded = fista(a.view(), y, opts.lambda, &opts.coding)?;
        codes = coded.x;
        // (A X - Y) Xᵀ = A (X Xᵀ) - Y Xᵀ: two small matrices, formed once.
        let (xxt, yxt) = (codes.dot(&codes.t()), y.dot(&codes.t()));
        let nu = 1.0 / chapter_01::top_eigenpairs(xxt.view(), 1, 0)?.0[0].max(1e-12);
        for _ in 0..opts.dictionary_steps {
            let gradient = a.dot(&xxt) - &yxt;
            a.scaled_add(-nu, &gradient);
            project_columns(&mut a);
        }
        let (mean_recovery, recovered) = match truth {
            Some(t) => recovery(t, a.view())?,
            None => (f64::NAN, f64::NAN),
        };
        let objective = coded.objective[coded.objective.len() - 1];
        history.push(DictionaryStep {
            objective,
            mean_recovery,
            recovered,
        });
    }
    Ok(Dictionary {
        atoms: a,
        codes,
        history,
    })
}
// ANCHOR_END: learn_dictionary

fn validate(
    y: ArrayView2<f64>,
    opts: &DictionaryOptions,
    truth: Option<ArrayView2<f64>>,
) -> Result<()> {
    if y.is_empty() {
        return Err(Error::shape(
            "y",
            "a non-empty m × N matrix",
            format!("{:?}", y.dim()),
        ));
    }
    ensure_finite("y", y.iter())?;
    if opts.atoms == 0 || opts.atoms > y.ncols() {
        return Err(Error::out_of_range(
            "atoms",
            format!("between 1 and the number of signals ({})", y.ncols()),
            opts.atoms,
        ));
    }
    ensure_nonnegative("lambda", opts.lambda)?;
    if let Some(t) = truth {
        check_same_rows(t, y)?;
    }
    Ok(())
}

fn check_same_rows(truth: ArrayView2<f64>, learned: ArrayView2<f64>) -> Result<()> {
    if truth.nrows() != learned.nrows() || truth.ncols() == 0 {
        return Err(Error::shape(
            "truth",
            format!(
                "{} rows (the signal dimension) and at least one atom",
                learned.nrows()
            ),
            format!("{:?}", truth.dim()),
        ));
    }
    ensure_finite("truth", truth.iter())?;
    if truth.axis_iter(Axis(1)).any(|c| c.dot(&c) == 0.0) {
        return Err(Error::out_of_range("truth atom norm", "> 0", 0));
    }
    Ok(())
}

fn initial_atoms(y: ArrayView2<f64>, n: usize, rng: &mut Rng) -> Array2<f64> {
    use rand::seq::index::sample;
    let picks = sample(rng, y.ncols(), n.min(y.ncols()));
    let mut a = Array2::zeros((y.nrows(), n));
    for (j, i) in picks.iter().enumerate() {
        a.column_mut(j).assign(&y.column(i));
    }
    normalize_columns(&mut a);
    a
}

/// Scales every nonzero column to unit norm.
pub fn normalize_columns(a: &mut Array2<f64>) {
    for mut col in a.axis_iter_mut(Axis(1)) {
        let norm = col.dot(&col).sqrt();
        if norm > 0.0 {
            col /= norm;
        }
    }
}

/// $\Pi$: columns outside the unit ball are scaled back onto it.
fn project_columns(a: &mut Array2<f64>) {
    for mut col in a.axis_iter_mut(Axis(1)) {
        let norm = col.dot(&col).sqrt();
        if norm > 1.0 {
            col /= norm;
        }
    }
}

/// For each true atom the best $|\cos|$ with a learned atom: returns the mean
/// and the fraction above 0.99.
///
/// # Errors
/// Different row counts, no true atom, or non-finite entries.
pub fn recovery(truth: ArrayView2<f64>, learned: ArrayView2<f64>) -> Result<(f64, f64)> {
    check_same_rows(truth, learned)?;
    ensure_finite("learned", learned.iter())?;
    let norms: Array1<f64> = learned.map_axis(Axis(0), |c| c.dot(&c).sqrt().max(1e-300));
    let best: Vec<f64> = truth
        .axis_iter(Axis(1))
        .map(|t| {
            let tn = t.dot(&t).sqrt();
            let cosines = learned
                .axis_iter(Axis(1))
                .zip(&norms)
                .map(|(l, n)| (t.dot(&l) / (tn * n)).abs());
            nan_max(cosines.chain([0.0]))
        })
        .collect();
    let mean = best.iter().sum::<f64>() / best.len() as f64;
    let recovered = best.iter().filter(|c| **c > 0.99).count() as f64 / best.len() as f64;
    Ok((mean, recovered))
}
