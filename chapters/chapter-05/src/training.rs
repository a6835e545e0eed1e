//! Training as one library call, laid out as Burn's own guide lays it out:
//! a [`TrainingConfig`] that nests the model's and the optimizer's configs
//! and holds every hyper-parameter, saved beside every checkpoint as
//! `config.json`; and [`train`], generic over the autodiff backend.
//!
//! A checkpoint (`DIR/epoch-N`) holds `model.mpk`, `optimizer.mpk`,
//! `config.json` and `state.json` (the epochs done, their statistics, the
//! position of the training stream, and the length and SHA-256 of the other
//! three files, checked before anything is read; see
//! [`shared::burn::checkpoint`]). Resuming restores all of it, so the
//! remaining epochs see the same batches, shifts and learning rates, and
//! give the same losses, as an uninterrupted run.

use std::path::Path;

use burn::config::Config;
use burn::grad_clipping::GradientClippingConfig;
use burn::module::Module;
use burn::optim::AdamWConfig;
use burn::tensor::backend::AutodiffBackend;

use crate::Stream;
use crate::config::CrateConfig;
use crate::data::Images;
use crate::model::Crate;
use crate::train::{EpochStats, Schedule, test_accuracy, train_epoch};
use shared::burn::checkpoint::{self, Saver};
use shared::burn::flags::Checkpoints;
use shared::{Error, Result};

/// Everything that decides a training run, saved as `config.json`.
#[derive(Config, Debug)]
pub struct TrainingConfig {
    /// The model trained.
    pub model: CrateConfig,
    /// AdamW: its weight decay and gradient clipping (Burn's
    /// `GradientClippingConfig::Norm` clips each parameter's gradient by its
    /// own norm, not the global norm PyTorch's `clip_grad_norm_` uses).
    pub optimizer: AdamWConfig,
    /// Epochs, batch, peak learning rate, warmup and random shifts.
    pub schedule: Schedule,
    /// Label smoothing of the cross-entropy (the official recipe's 0.1).
    #[config(default = 0.1)]
    pub label_smoothing: f32,
    /// Seed of the initialization and of the training stream.
    pub seed: u64,
    /// Images per batch when the test accuracy is measured after each epoch.
    #[config(default = 500)]
    pub eval_batch: usize,
}

/// The official recipe's AdamW: weight decay 0.05, gradients clipped at
/// norm 1 (parameter by parameter, as Burn clips).
pub fn adamw() -> AdamWConfig {
    AdamWConfig::new()
        .with_weight_decay(0.05)
        .with_grad_clipping(Some(GradientClippingConfig::Norm(1.0)))
}

impl TrainingConfig {
    /// Checks what [`train`] relies on: a batch and an epoch at least, a
    /// finite positive learning rate, label smoothing in $[0, 1)$.
    ///
    /// # Errors
    /// [`Error::OutOfRange`] naming the setting.
    pub fn validate(&self) -> Result<()> {
        let s = &self.schedule;
        if s.batch == 0 || s.epochs == 0 {
            return Err(Error::out_of_range(
                "batch and epochs",
                "at least 1",
                s.batch.min(s.epochs),
            ));
        }
        if !(s.lr.is_finite() && s.lr > 0.0) {
            return Err(Error::out_of_range("lr", "finite and > 0", s.lr));
        }
        if !(0.0..1.0).contains(&self.label_smoothing) {
            return Err(Error::out_of_range(
                "label_smoothing",
                "in [0, 1)",
                self.label_smoothing,
            ));
        }
        if self.eval_batch == 0 {
            return Err(Error::out_of_range("eval_batch", "at least 1", 0));
        }
        self.model.validate()
    }

    /// AdamW's weight decay and the norm each parameter's gradient is
    /// clipped at, as this config sets them (read through its serialized
    /// form: Burn keeps the fields private; both are `f32` there).
    pub fn adamw_settings(&self) -> (f32, Option<f32>) {
        let v = serde_json::to_value(&self.optimizer).unwrap_or_default();
        let decay = v["weight_decay"].as_f64().map_or(f32::NAN, |d| d as f32);
        let clip = v["grad_clipping"]["Norm"].as_f64().map(|c| c as f32);
        (decay, clip)
    }
}

/// What `state.json` holds besides the file digests.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct State {
    /// Training images (the split the run uses).
    pub train_len: usize,
    /// The device that trained (`cpu` or `cuda`).
    pub device: String,
    /// Epochs completed.
    pub epochs_done: usize,
    /// Statistics of the completed epochs.
    pub history: Vec<EpochStats>,
    /// Word position of the training random stream (decimal, a `u128`).
    pub rng_word_pos: String,
}

/// The files of a checkpoint besides `state.json`.
pub const FILES: [&str; 3] = ["model.mpk", "optimizer.mpk", "config.json"];

/// What [`train`] returns.
#[derive(Debug)]
pub struct Trained<B: AutodiffBackend> {
    /// The trained model.
    pub model: Crate<B>,
    /// Loss and accuracies after each epoch.
    pub history: Vec<EpochStats>,
}

/// Trains `model` (freshly initialized from `config.seed`) on `train`,
/// measuring accuracy on `test` after each epoch, saving and resuming as
/// `checkpoints` says. `progress(epoch, loss, accuracy)` is called after
/// every step.
///
/// # Errors
/// A checkpoint that cannot be written, or read, or is another run's;
/// [`Error::NumericalFailure`] if the loss diverges.
#[allow(clippy::too_many_arguments)]
pub fn train<B: AutodiffBackend>(
    config: &TrainingConfig,
    mut model: Crate<B>,
    train: &Images,
    test: &Images,
    checkpoints: &Checkpoints,
    device_name: &str,
    device: &B::Device,
    mut progress: impl FnMut(usize, f64, f64),
) -> Result<Trained<B>> {
    config.validate()?;
    if train.is_empty() || test.is_empty() {
        return Err(Error::shape(
            "digits",
            "training and test images",
            format!("{} and {}", train.len(), test.len()),
        ));
    }
    let schedule = config.schedule;
    let mut saver = Saver::new(checkpoints, "epoch", 1)?;
    let mut optim = config.optimizer.init::<B, Crate<B>>();
    let mut rng = Stream::Train.rng(config.seed);
    let mut state = State {
        train_len: train.len(),
        device: device_name.to_string(),
        epochs_done: 0,
        history: Vec::with_capacity(schedule.epochs),
        rng_word_pos: String::new(),
    };
    if let Some(dir) = &checkpoints.resume {
        state = resume_state(dir, config, &state)?;
        model = checkpoint::load_module(dir, "model", model, device)?;
        optim = checkpoint::load_optimizer::<B, _, _>(dir, "optimizer", optim, device)?;
        rng = checkpoint::restore_word_pos(dir, &state.rng_word_pos, rng)?;
    }
    let estimate = 3 * 4 * model.num_params() as u64 + (1 << 20);
    for epoch in state.epochs_done..schedule.epochs {
        let (next, loss, train_accuracy) = train_epoch(
            model,
            &mut optim,
            train,
            &schedule,
            config.label_smoothing,
            epoch,
            &mut rng,
            device,
            |loss, acc| progress(epoch, loss, acc),
        )?;
        model = next;
        let test_accuracy = test_accuracy(&model, test, config.eval_batch, device)?;
        state.history.push(EpochStats {
            loss,
            train_accuracy,
            test_accuracy,
        });
        state.epochs_done = epoch + 1;
        match &mut saver {
            Some(saver) if saver.due(epoch + 1, schedule.epochs) => {
                state.rng_word_pos = rng.get_word_pos().to_string();
                let every = saver.every;
                let best = best_epoch(&state.history, |e| {
                    (e as u64).is_multiple_of(every) || e == schedule.epochs
                });
                saver.save(epoch + 1, estimate, best, &state, |dir| {
                    checkpoint::save_module(dir, "model", &model)?;
                    checkpoint::save_optimizer::<B, _, _>(dir, "optimizer", &optim)?;
                    checkpoint::write_json(dir, "config", config)
                })?;
            }
            _ => {}
        }
    }
    Ok(Trained {
        model,
        history: state.history,
    })
}

/// The epoch (1-based) of the highest test accuracy among those `saved`
/// says were saved, the first on ties.
pub fn best_epoch(history: &[EpochStats], saved: impl Fn(usize) -> bool) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, s) in history.iter().enumerate() {
        let ok = saved(i + 1) && s.test_accuracy.is_finite();
        if ok && best.is_none_or(|(_, a)| s.test_accuracy > a) {
            best = Some((i + 1, s.test_accuracy));
        }
    }
    best.map(|(i, _)| i)
}

/// The state of the checkpoint in `dir`, after checking its files, that it
/// was written by a run of `config` on the same data and device, and that
/// its progress is consistent.
fn resume_state(dir: &Path, config: &TrainingConfig, now: &State) -> Result<State> {
    let saved: State = checkpoint::read(dir, &FILES)?;
    let saved_config: TrainingConfig = checkpoint::read_json(dir, "config")?;
    checkpoint::ensure_same_run(dir, &saved_config, config)?;
    let data = |s: &State| serde_json::json!({ "training set (--quick)": s.train_len, "device": s.device });
    checkpoint::ensure_same_run(dir, &data(&saved), &data(now))?;
    let consistent = saved.epochs_done <= config.schedule.epochs
        && saved.history.len() == saved.epochs_done
        && saved.history.iter().all(|s| {
            [s.loss, s.train_accuracy, s.test_accuracy]
                .iter()
                .all(|v| v.is_finite())
        });
    if !consistent {
        return Err(Error::Data {
            path: dir.join(checkpoint::STATE_FILE),
            problem: "the checkpoint state is inconsistent (epochs done and history disagree, or a statistic is not finite)".into(),
            fix: checkpoint::FIX,
        });
    }
    Ok(saved)
}
