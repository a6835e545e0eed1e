//! Saving a game and resuming it bit for bit.
//!
//! A checkpoint is a directory `DIR/round-N`: both players' parameters
//! (`encoder.mpk`, `decoder.mpk`), both Adam states, and `state.json` (the
//! settings, the terms so far, the batches still to come this pass, the
//! position of the batch stream, and the length and SHA-256 of every other
//! file), written and verified by [`shared::burn::checkpoint`]. Checkpoints
//! are written only after a round succeeds and only from finite weights, so
//! when a game diverges the last one written is the last good one.

use std::path::{Path, PathBuf};

use crate::game::TermValues;
use shared::burn::checkpoint::{self, FIX, STATE_FILE};
use shared::{Error, Result};

/// The files of a checkpoint besides `state.json`.
pub const FILES: [&str; 4] = [
    "encoder.mpk",
    "decoder.mpk",
    "encoder_optimizer.mpk",
    "decoder_optimizer.mpk",
];

/// Rounds between two checkpoints when `--save-every` is not given.
pub const SAVE_EVERY: u64 = 50;

/// What fixes a run: a checkpoint of another run cannot be resumed.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Settings {
    /// Rounds of the whole run.
    pub rounds: usize,
    /// Digits per round.
    pub batch: usize,
    /// $\varepsilon^2$.
    pub eps_sq: f64,
    /// Peak learning rate.
    pub lr: f64,
    /// Seed.
    pub seed: u64,
    /// Training digits.
    pub train_len: usize,
    /// `cpu` or `cuda`.
    pub device: String,
}

/// What `state.json` holds besides the file digests.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct State {
    /// The run's settings.
    pub settings: Settings,
    /// Rounds completed.
    pub rounds_done: usize,
    /// The terms of the completed rounds.
    pub trajectory: Vec<TermValues>,
    /// Training indices not yet drawn in the current pass.
    pub order: Vec<usize>,
    /// Word position of the batch stream (decimal, a `u128`).
    pub rng_word_pos: String,
}

/// The directory of the checkpoint after `round` (1-based) under `dir`.
pub fn round_dir(dir: &Path, round: usize) -> PathBuf {
    checkpoint::unit_dir(dir, "round", round)
}

/// The state of the checkpoint in `dir` once its files check out, it was
/// written by a run with the settings `now`, and its progress is one the
/// game can continue from.
///
/// # Errors
/// [`Error::Data`] naming the file and what is wrong with it.
pub fn resume(dir: &Path, now: &Settings) -> Result<State> {
    let state: State = checkpoint::read(dir, &FILES)?;
    checkpoint::ensure_same_run(dir, &state.settings, now)?;
    check_progress(dir, &state, now)?;
    Ok(state)
}

/// Checks that a game with settings `now` can continue from `state`: its
/// trajectory has one entry per round done, and the indices left to draw
/// are distinct training indices. (`state.json` is digest-checked first;
/// this guards against a state a chapter of another version wrote.)
///
/// # Errors
/// [`Error::Data`] naming `dir/state.json` and what is inconsistent.
pub fn check_progress(dir: &Path, state: &State, now: &Settings) -> Result<()> {
    let problem = if state.rounds_done > now.rounds || state.trajectory.len() != state.rounds_done {
        Some("the rounds done and the trajectory disagree".to_string())
    } else if state.order.len() > now.train_len {
        Some(format!(
            "{} indices left to draw, more than the {} training digits",
            state.order.len(),
            now.train_len
        ))
    } else if let Some(i) = state.order.iter().find(|&&i| i >= now.train_len) {
        Some(format!(
            "training index {i} is past the {} training digits",
            now.train_len
        ))
    } else if !distinct(&state.order) {
        Some("an index is left to draw twice".into())
    } else {
        None
    };
    match problem {
        Some(problem) => Err(Error::Data {
            path: dir.join(STATE_FILE),
            problem: format!("the checkpoint state is inconsistent: {problem}"),
            fix: FIX,
        }),
        None => Ok(()),
    }
}

/// Whether `indices` holds no value twice.
fn distinct(indices: &[usize]) -> bool {
    let mut seen = std::collections::HashSet::with_capacity(indices.len());
    indices.iter().all(|&i| seen.insert(i))
}

/// `error` with the last good checkpoint named, if a numerical failure.
pub fn with_last_good(error: Error, last: Option<&Path>) -> Error {
    match (error, last) {
        (Error::NumericalFailure { algorithm, detail }, Some(dir)) => Error::NumericalFailure {
            algorithm,
            detail: format!(
                "{detail}; the last good checkpoint is {} (resume from it with a lower --lr)",
                dir.display()
            ),
        },
        (error, _) => error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(order: Vec<usize>) -> (State, Settings) {
        let settings = Settings {
            rounds: 10,
            batch: 2,
            eps_sq: 0.5,
            lr: 1e-3,
            seed: 0,
            train_len: 5,
            device: "cpu".into(),
        };
        let state = State {
            settings: settings.clone(),
            rounds_done: 1,
            trajectory: vec![TermValues::default()],
            order,
            rng_word_pos: "0".into(),
        };
        (state, settings)
    }

    #[test]
    fn progress_past_the_data_or_drawn_twice_is_refused() {
        let dir = Path::new("ckpt");
        let (ok, settings) = state(vec![4, 0, 2]);
        assert!(check_progress(dir, &ok, &settings).is_ok());
        for (order, says) in [
            (vec![4, 5], "past the"),
            (vec![1, 1], "twice"),
            (vec![0, 1, 2, 3, 4, 0], "more than"),
        ] {
            let (bad, settings) = state(order);
            let e = check_progress(dir, &bad, &settings)
                .unwrap_err()
                .to_string();
            assert!(e.contains(says) && e.contains("state.json"), "{e}");
        }
        let (mut bad, settings) = state(vec![]);
        bad.rounds_done = 2;
        assert!(check_progress(dir, &bad, &settings).is_err());
    }
}
