//! Saving a game and resuming it bit for bit.
//!
//! A checkpoint is a directory `DIR/round-N`: both players' parameters
//! (`encoder.mpk`, `decoder.mpk`), both Adam states, and `state.json` (the
//! settings, the terms so far, the batches still to come this pass, and
//! the position of the batch stream), written with chapter 5's checkpoint
//! helpers. Checkpoints are written only after a round succeeds, so when
//! a game diverges the last one written is the last good one.

use std::path::{Path, PathBuf};

use crate::game::TermValues;
use shared::{Error, Result};

/// Where a run saves its checkpoints and which one it resumes from.
#[derive(Debug, Clone, PartialEq, clap::Args)]
pub struct Checkpoints {
    /// Save a checkpoint every --save-every rounds and after the last, into DIR/round-N.
    #[arg(long, value_name = "DIR")]
    pub save: Option<PathBuf>,
    /// Rounds between two checkpoints of --save.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..))]
    pub save_every: u64,
    /// Resume from a checkpoint written by --save (a DIR/round-N directory);
    /// the other flags must match the run that wrote it.
    #[arg(long, value_name = "DIR")]
    pub resume: Option<PathBuf>,
}

impl Default for Checkpoints {
    fn default() -> Self {
        Checkpoints {
            save: None,
            save_every: 50,
            resume: None,
        }
    }
}

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

/// What `state.json` holds.
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
    dir.join(format!("round-{round}"))
}

impl Checkpoints {
    /// Whether a checkpoint is due after `round` (1-based) of `rounds`.
    pub fn due(&self, round: usize, rounds: usize) -> bool {
        self.save.is_some()
            && ((round as u64).is_multiple_of(self.save_every.max(1)) || round == rounds)
    }
}

/// Refuses a checkpoint written by a run with other settings.
///
/// # Errors
/// [`Error::Data`] naming the first setting that differs.
pub fn ensure_same_run(dir: &Path, saved: &Settings, now: &Settings) -> Result<()> {
    if saved == now {
        return Ok(());
    }
    Err(Error::Data {
        path: dir.join("state.json"),
        problem: format!("it was written by another run ({saved:?}, this run is {now:?})"),
        fix: "resume with the flags of the run that wrote it, or start without --resume",
    })
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
