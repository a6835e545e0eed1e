//! Burn's side of a checkpoint: parameters and optimizer states as named
//! MessagePack records (full precision), never written from or read into
//! non-finite weights; JSON files beside them; the random stream's position.

use std::path::Path;

use burn::module::{AutodiffModule, Module, ModuleVisitor, Param};
use burn::optim::Optimizer;
use burn::prelude::*;
use burn::record::{FullPrecisionSettings, NamedMpkFileRecorder, Recorder};
use burn::tensor::backend::AutodiffBackend;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{STATE_FILE, data_error, io_error, read_bounded};
use crate::rng::Rng;
use crate::{Error, Result};

fn recorder() -> NamedMpkFileRecorder<FullPrecisionSettings> {
    NamedMpkFileRecorder::new()
}

/// Checks that every float parameter of `module` is finite.
///
/// # Errors
/// [`Error::NumericalFailure`] naming `what` if one is NaN or infinite.
pub fn ensure_finite<B: Backend, M: Module<B>>(module: &M, what: &'static str) -> Result<()> {
    struct Finite(bool);
    impl<B: Backend> ModuleVisitor<B> for Finite {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
            if self.0 {
                let values = param.val().into_data().convert::<f32>();
                self.0 = values.iter::<f32>().all(f32::is_finite);
            }
        }
    }
    let mut v = Finite(true);
    module.visit(&mut v);
    if v.0 {
        Ok(())
    } else {
        Err(Error::NumericalFailure {
            algorithm: what,
            detail: "a weight is NaN or infinite; no checkpoint is written from it".into(),
        })
    }
}

/// The shapes of the float parameters of `module`, in visiting order.
fn param_shapes<B: Backend, M: Module<B>>(module: &M) -> Vec<Vec<usize>> {
    struct Shapes(Vec<Vec<usize>>);
    impl<B: Backend> ModuleVisitor<B> for Shapes {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
            self.0.push(param.val().dims().to_vec());
        }
    }
    let mut v = Shapes(Vec::new());
    module.visit(&mut v);
    v.0
}

/// Writes every parameter of `module` to `dir/name.mpk` (full precision,
/// Burn's named MessagePack record).
///
/// # Errors
/// [`Error::NumericalFailure`] if a weight is not finite; [`Error::Io`] if
/// the file cannot be written.
pub fn save_module<B: Backend, M: Module<B>>(dir: &Path, name: &str, module: &M) -> Result<()> {
    ensure_finite(module, "checkpoint")?;
    let io = io_error(dir);
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
    recorder()
        .record(optim.to_record(), dir.join(name))
        .map_err(|e| io(std::io::Error::other(e.to_string())))
}

/// Writes `value` as pretty JSON to `dir/name.json`.
///
/// # Errors
/// [`Error::Io`] if it cannot be serialized or written.
pub fn write_json<T: Serialize>(dir: &Path, name: &str, value: &T) -> Result<()> {
    let io = io_error(dir);
    let json = serde_json::to_string_pretty(value)
        .map_err(|e| io(std::io::Error::other(e.to_string())))?;
    std::fs::write(dir.join(format!("{name}.json")), json).map_err(io)
}

/// Reads `dir/name.json` (of a checkpoint already checked by [`read`](super::read)).
///
/// # Errors
/// [`Error::Data`] if it is missing or not what `T` expects.
pub fn read_json<T: DeserializeOwned>(dir: &Path, name: &str) -> Result<T> {
    let path = dir.join(format!("{name}.json"));
    let text = read_bounded(&path, 256 << 20)?;
    serde_json::from_str(&text)
        .map_err(|e| data_error(&path, format!("not what this chapter wrote ({e})")))
}

/// Loads `dir/name.mpk` into `module` (built with the same shape).
///
/// # Errors
/// [`Error::Data`] if the file is missing, corrupt, of another shape, or
/// holds a weight that is not finite.
pub fn load_module<B: Backend, M: Module<B>>(
    dir: &Path,
    name: &str,
    module: M,
    device: &B::Device,
) -> Result<M> {
    let path = dir.join(format!("{name}.mpk"));
    let shapes = param_shapes(&module);
    let module = module
        .load_file(dir.join(name), &recorder(), device)
        .map_err(|e| data_error(&path, format!("cannot load the weights ({e})")))?;
    if param_shapes(&module) != shapes {
        return Err(data_error(
            &path,
            "holds parameters of other shapes than the model's",
        ));
    }
    ensure_finite(&module, "checkpoint")
        .map_err(|_| data_error(&path, "holds a weight that is NaN or infinite"))?;
    Ok(module)
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

/// `rng` moved to the word position `pos` (a decimal `u128`, as saved).
///
/// # Errors
/// [`Error::Data`] (naming `dir/state.json`) if `pos` is not a number.
pub fn restore_word_pos(dir: &Path, pos: &str, mut rng: Rng) -> Result<Rng> {
    let pos: u128 = pos
        .parse()
        .map_err(|e| data_error(&dir.join(STATE_FILE), format!("bad rng_word_pos ({e})")))?;
    rng.set_word_pos(pos);
    Ok(rng)
}
