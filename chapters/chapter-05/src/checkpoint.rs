//! Saving a training run and resuming it bit for bit.
//!
//! A checkpoint is a directory: `model.mpk` (every parameter, full
//! precision, Burn's named MessagePack record), `optimizer.mpk` (AdamW's
//! moments and step counts, keyed by parameter), and `state.json` (the
//! settings, the epochs done, the history so far, and the position of the
//! training random stream). Resuming restores all four, so the remaining
//! epochs see the same batches, shifts and learning rates, and produce the
//! same losses, as an uninterrupted run.

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::optim::Optimizer;
use burn::record::{FullPrecisionSettings, NamedMpkFileRecorder, Recorder};
use burn::tensor::backend::AutodiffBackend;

use crate::config::CrateConfig;
use crate::model::Crate;
use crate::probe::LayerProbe;
use crate::train::{EpochStats, Schedule};
use shared::rng::Rng;
use shared::{Error, Result};

/// What `state.json` holds.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct State {
    /// The model's shape.
    pub model: CrateConfig,
    /// The schedule of the whole run.
    pub schedule: Schedule,
    /// Seed of the run.
    pub seed: u64,
    /// Training images (the split the run uses).
    pub train_len: usize,
    /// Epochs completed.
    pub epochs_done: usize,
    /// Statistics of the completed epochs.
    pub history: Vec<EpochStats>,
    /// The probes at initialization.
    pub before: Vec<LayerProbe>,
    /// Word position of the training random stream (decimal, a `u128`).
    pub rng_word_pos: String,
    /// The device that trained (`cpu` or `cuda`).
    pub device: String,
}

/// How to fix a checkpoint that cannot be read.
const FIX: &str =
    "point --resume at a directory written by --save (e.g. DIR/epoch-3), or start without --resume";

fn recorder() -> NamedMpkFileRecorder<FullPrecisionSettings> {
    NamedMpkFileRecorder::new()
}

fn data_error(path: &Path, problem: impl Into<String>) -> Error {
    Error::Data {
        path: path.to_path_buf(),
        problem: problem.into(),
        fix: FIX,
    }
}

/// The directory of the checkpoint after `epoch` (1-based) under `dir`.
pub fn epoch_dir(dir: &Path, epoch: usize) -> PathBuf {
    dir.join(format!("epoch-{epoch}"))
}

/// Writes `model`, `optim` and `state` into `dir` (created if missing).
///
/// # Errors
/// [`Error::Io`] if the directory or a file cannot be written.
pub fn save<B: AutodiffBackend, O: Optimizer<Crate<B>, B>>(
    dir: &Path,
    model: &Crate<B>,
    optim: &O,
    state: &State,
) -> Result<()> {
    let io = |source: std::io::Error| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let rec = recorder();
    let other = |e: burn::record::RecorderError| io(std::io::Error::other(e.to_string()));
    model
        .clone()
        .save_file(dir.join("model"), &rec)
        .map_err(other)?;
    rec.record(optim.to_record(), dir.join("optimizer"))
        .map_err(other)?;
    let json = serde_json::to_string_pretty(state)
        .map_err(|e| io(std::io::Error::other(e.to_string())))?;
    std::fs::write(dir.join("state.json"), json).map_err(io)
}

/// Reads `state.json` of the checkpoint in `dir`.
///
/// # Errors
/// [`Error::Data`] if it is missing or not a checkpoint state.
pub fn read_state(dir: &Path) -> Result<State> {
    let path = dir.join("state.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| data_error(&path, format!("cannot read it ({e})")))?;
    serde_json::from_str(&text)
        .map_err(|e| data_error(&path, format!("not a checkpoint state ({e})")))
}

/// Restores the model and optimizer saved in `dir` into `model` and `optim`
/// (built with the same shape, so the parameter ids match).
///
/// # Errors
/// [`Error::Data`] if a file is missing, corrupt, or of another shape.
pub fn load<B: AutodiffBackend, O: Optimizer<Crate<B>, B>>(
    dir: &Path,
    model: Crate<B>,
    optim: O,
    device: &B::Device,
) -> Result<(Crate<B>, O)> {
    let rec = recorder();
    let model_path = dir.join("model.mpk");
    let model = model
        .load_file(dir.join("model"), &rec, device)
        .map_err(|e| data_error(&model_path, format!("cannot load the model ({e})")))?;
    let optim_path = dir.join("optimizer.mpk");
    let record = rec.load(dir.join("optimizer"), device).map_err(|e| {
        data_error(
            &optim_path,
            format!("cannot load the optimizer state ({e})"),
        )
    })?;
    Ok((model, optim.load_record(record)))
}

/// The training stream positioned where the checkpoint left it.
///
/// # Errors
/// [`Error::Data`] if the stored position is not a number.
pub fn restore_rng(dir: &Path, state: &State, mut rng: Rng) -> Result<Rng> {
    let pos: u128 = state
        .rng_word_pos
        .parse()
        .map_err(|e| data_error(&dir.join("state.json"), format!("bad rng_word_pos ({e})")))?;
    rng.set_word_pos(pos);
    Ok(rng)
}
