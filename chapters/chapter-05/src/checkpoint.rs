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

use burn::module::{AutodiffModule, Module};
use burn::optim::Optimizer;
use burn::record::{FullPrecisionSettings, NamedMpkFileRecorder, Recorder};
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::backend::Backend;

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
pub const FIX: &str = "point --resume at a checkpoint directory written by --save (DIR/epoch-N, DIR/round-N), or start without --resume";

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
    save_module(dir, "model", model)?;
    save_optimizer::<B, _, _>(dir, "optimizer", optim)?;
    write_json(dir, "state", state)
}

fn io_error(dir: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    }
}

/// Writes every parameter of `module` to `dir/name.mpk` (full precision,
/// Burn's named MessagePack record), creating `dir` if missing.
///
/// # Errors
/// [`Error::Io`] if the directory or the file cannot be written.
pub fn save_module<B: Backend, M: Module<B>>(dir: &Path, name: &str, module: &M) -> Result<()> {
    let io = io_error(dir);
    std::fs::create_dir_all(dir).map_err(&io)?;
    module
        .clone()
        .save_file(dir.join(name), &recorder())
        .map_err(|e| io(std::io::Error::other(e.to_string())))
}

/// Writes the state of `optim` (moments and step counts, keyed by parameter)
/// to `dir/name.mpk`.
///
/// # Errors
/// [`Error::Io`] if the file cannot be written.
pub fn save_optimizer<B: AutodiffBackend, M: AutodiffModule<B>, O: Optimizer<M, B>>(
    dir: &Path,
    name: &str,
    optim: &O,
) -> Result<()> {
    let io = io_error(dir);
    std::fs::create_dir_all(dir).map_err(&io)?;
    recorder()
        .record(optim.to_record(), dir.join(name))
        .map_err(|e| io(std::io::Error::other(e.to_string())))
}

/// Writes `value` as pretty JSON to `dir/name.json`.
///
/// # Errors
/// [`Error::Io`] if it cannot be serialized or written.
pub fn write_json<T: serde::Serialize>(dir: &Path, name: &str, value: &T) -> Result<()> {
    let io = io_error(dir);
    std::fs::create_dir_all(dir).map_err(&io)?;
    let json = serde_json::to_string_pretty(value)
        .map_err(|e| io(std::io::Error::other(e.to_string())))?;
    std::fs::write(dir.join(format!("{name}.json")), json).map_err(io)
}

/// Reads `dir/name.json`.
///
/// # Errors
/// [`Error::Data`] if it is missing or not what `T` expects.
pub fn read_json<T: serde::de::DeserializeOwned>(dir: &Path, name: &str) -> Result<T> {
    let path = dir.join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)
        .map_err(|e| data_error(&path, format!("cannot read it ({e})")))?;
    serde_json::from_str(&text)
        .map_err(|e| data_error(&path, format!("not a checkpoint state ({e})")))
}

/// Reads `state.json` of the checkpoint in `dir`.
///
/// # Errors
/// [`Error::Data`] if it is missing or not a checkpoint state.
pub fn read_state(dir: &Path) -> Result<State> {
    read_json(dir, "state")
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
    let model = load_module(dir, "model", model, device)?;
    let optim = load_optimizer::<B, _, _>(dir, "optimizer", optim, device)?;
    Ok((model, optim))
}

/// Loads `dir/name.mpk` into `module` (built with the same shape).
///
/// # Errors
/// [`Error::Data`] if the file is missing, corrupt, or of another shape.
pub fn load_module<B: Backend, M: Module<B>>(
    dir: &Path,
    name: &str,
    module: M,
    device: &B::Device,
) -> Result<M> {
    let path = dir.join(format!("{name}.mpk"));
    module
        .load_file(dir.join(name), &recorder(), device)
        .map_err(|e| data_error(&path, format!("cannot load the weights ({e})")))
}

/// Loads the optimizer state `dir/name.mpk` into `optim`.
///
/// # Errors
/// [`Error::Data`] if the file is missing or corrupt.
pub fn load_optimizer<B: AutodiffBackend, M: AutodiffModule<B>, O: Optimizer<M, B>>(
    dir: &Path,
    name: &str,
    optim: O,
    device: &B::Device,
) -> Result<O> {
    let path = dir.join(format!("{name}.mpk"));
    let record = recorder()
        .load(dir.join(name), device)
        .map_err(|e| data_error(&path, format!("cannot load the optimizer state ({e})")))?;
    Ok(optim.load_record(record))
}

/// The training stream positioned where the checkpoint left it.
///
/// # Errors
/// [`Error::Data`] if the stored position is not a number.
pub fn restore_rng(dir: &Path, state: &State, rng: Rng) -> Result<Rng> {
    restore_word_pos(dir, &state.rng_word_pos, rng)
}

/// `rng` moved to the word position `pos` (a decimal `u128`, as saved).
///
/// # Errors
/// [`Error::Data`] (naming `dir/state.json`) if `pos` is not a number.
pub fn restore_word_pos(dir: &Path, pos: &str, mut rng: Rng) -> Result<Rng> {
    let pos: u128 = pos
        .parse()
        .map_err(|e| data_error(&dir.join("state.json"), format!("bad rng_word_pos ({e})")))?;
    rng.set_word_pos(pos);
    Ok(rng)
}
