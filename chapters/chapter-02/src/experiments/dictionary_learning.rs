//! Experiment 3: dictionary learning by alternating minimization on signals
//! of a planted dictionary.

use super::data::{sparse_codes, unit_column_matrix};
use crate::dictionary::{DictionaryOptions, DictionaryStep, learn_dictionary};
use crate::solvers::SolverOptions;
use shared::Result;
use shared::rng::{Rng, gaussian_matrix};

/// Signal dimension of the dictionary-learning experiment.
pub const DICT_M: usize = 20;
/// Atoms of the planted dictionary.
pub const DICT_N: usize = 30;
/// Nonzeros per planted code.
pub const DICT_SPARSITY: usize = 3;
/// Number of signals.
pub const DICT_SIGNALS: usize = 1500;
/// Noise standard deviation.
pub const DICT_NOISE: f64 = 0.01;
/// The learner's settings.
pub const DICT_OPTIONS: DictionaryOptions = DictionaryOptions {
    atoms: DICT_N,
    lambda: 0.1,
    outer_iters: 100,
    dictionary_steps: 50,
    coding: SolverOptions {
        max_iters: 50,
        tol: 1e-3,
    },
};

// ANCHOR: dictionary_experiment
/// Learns a dictionary from signals of a planted one and tracks the recovery.
///
/// # Errors
/// A learner error.
pub fn dictionary(rng: &mut Rng) -> Result<Vec<DictionaryStep>> {
    let truth = unit_column_matrix(rng, DICT_M, DICT_N);
    let codes = sparse_codes(rng, DICT_N, DICT_SPARSITY, DICT_SIGNALS)?;
    let y = truth.dot(&codes) + gaussian_matrix(rng, DICT_M, DICT_SIGNALS) * DICT_NOISE;
    let learned = learn_dictionary(y.view(), &DICT_OPTIONS, rng, Some(truth.view()))?;
    Ok(learned.history)
}
// ANCHOR_END: dictionary_experiment
