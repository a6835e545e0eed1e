//! Supervised training on the digits: AdamW, linear warmup then cosine decay,
//! label smoothing, random shifts; one generic loop for every backend.

use burn::module::AutodiffModule;
use burn::nn::loss::{CrossEntropyLoss, CrossEntropyLossConfig};
use burn::optim::{GradientsParams, Optimizer};
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;
use rand::seq::SliceRandom;

use crate::data::Images;
use crate::model::Crate;
use shared::rng::Rng;
use shared::{Error, Result};

/// Settings of [`train_epoch`] that stay fixed during a run.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Schedule {
    /// Passes over the training set.
    pub epochs: usize,
    /// Images per step.
    pub batch: usize,
    /// Peak learning rate.
    pub lr: f64,
    /// Steps of linear warmup from 0 to `lr`.
    pub warmup: usize,
    /// Largest random shift, pixels.
    pub max_shift: usize,
}

impl Schedule {
    /// Steps per epoch for `n` training images (the last batch may be smaller).
    pub fn steps_per_epoch(&self, n: usize) -> usize {
        n.div_ceil(self.batch)
    }

    // ANCHOR: learning_rate
    /// The learning rate at `step` of `total`: linear warmup to `lr` over
    /// `warmup` steps, then half a cosine down to 0 at `total`.
    pub fn learning_rate(&self, step: usize, total: usize) -> f64 {
        if step < self.warmup {
            return self.lr * (step + 1) as f64 / self.warmup as f64;
        }
        let span = total.saturating_sub(self.warmup).max(1) as f64;
        let progress = ((step - self.warmup) as f64 / span).min(1.0);
        0.5 * self.lr * (1.0 + (std::f64::consts::PI * progress).cos())
    }
    // ANCHOR_END: learning_rate
}

/// Mean training loss and accuracy over one epoch.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EpochStats {
    /// Mean smoothed cross-entropy over the epoch's steps.
    pub loss: f64,
    /// Fraction of training images (as augmented) classified right.
    pub train_accuracy: f64,
    /// Test accuracy after the epoch.
    pub test_accuracy: f64,
}

// ANCHOR: train_epoch
/// One pass over `train` in an order shuffled by `rng`, each batch shifted at
/// random, one AdamW step per batch ([`train_step`]); `epoch` places the
/// steps on the schedule. Calls `progress(loss, accuracy)` after each step.
/// Returns the model, the mean loss and the training accuracy.
///
/// # Errors
/// [`Error::NumericalFailure`] if the loss becomes non-finite (lower `--lr`).
#[allow(clippy::too_many_arguments)]
pub fn train_epoch<B: AutodiffBackend, O: Optimizer<Crate<B>, B>>(
    mut model: Crate<B>,
    optim: &mut O,
    train: &Images,
    schedule: &Schedule,
    label_smoothing: f32,
    epoch: usize,
    rng: &mut Rng,
    device: &B::Device,
    mut progress: impl FnMut(f64, f64),
) -> Result<(Crate<B>, f64, f64)> {
    let loss_fn = loss(label_smoothing, device);
    let mut order: Vec<usize> = (0..train.len()).collect();
    order.shuffle(rng);
    let steps = schedule.steps_per_epoch(train.len());
    let total = steps * schedule.epochs;
    let (mut loss_sum, mut correct) = (0.0, 0usize);
    for (i, chunk) in order.chunks(schedule.batch).enumerate() {
        let (images, labels) = train.batch::<B>(chunk, Some((rng, schedule.max_shift)), device);
        let lr = schedule.learning_rate(epoch * steps + i, total);
        let step = train_step(model, optim, &loss_fn, images, labels, lr);
        let (next, value, hits) = step.map_err(|detail| Error::NumericalFailure {
            algorithm: "CRATE training",
            detail: format!(
                "{detail} at step {} of epoch {} (lower --lr)",
                i + 1,
                epoch + 1
            ),
        })?;
        model = next;
        loss_sum += value;
        correct += hits;
        progress(value, hits as f64 / chunk.len() as f64);
    }
    Ok((
        model,
        loss_sum / steps as f64,
        correct as f64 / train.len() as f64,
    ))
}

/// The training loss: cross-entropy with `label_smoothing`.
pub fn loss<B: Backend>(label_smoothing: f32, device: &B::Device) -> CrossEntropyLoss<B> {
    CrossEntropyLossConfig::new()
        .with_smoothing(Some(label_smoothing))
        .init(device)
}

/// One optimizer step on a batch at learning rate `lr`: forward, loss,
/// backward, AdamW. Returns the model, the loss and the images classified
/// right, or what went wrong if the loss is not finite (no step is taken).
///
/// # Errors
/// A description of the non-finite loss.
pub fn train_step<B: AutodiffBackend, O: Optimizer<Crate<B>, B>>(
    model: Crate<B>,
    optim: &mut O,
    loss_fn: &CrossEntropyLoss<B>,
    images: Tensor<B, 4>,
    labels: Tensor<B, 1, Int>,
    lr: f64,
) -> std::result::Result<(Crate<B>, f64, usize), String> {
    let logits = model.forward(images);
    let hits = count_correct(logits.clone().inner(), labels.clone().inner());
    let loss = loss_fn.forward(logits, labels);
    let value = loss.clone().into_scalar().elem::<f64>();
    if !value.is_finite() {
        return Err(format!("the loss became {value}"));
    }
    let grads = GradientsParams::from_grads(loss.backward(), &model);
    Ok((optim.step(lr, model, grads), value, hits))
}
// ANCHOR_END: train_epoch

/// How many rows of `logits` have their largest entry at `labels`.
fn count_correct<B: Backend>(logits: Tensor<B, 2>, labels: Tensor<B, 1, Int>) -> usize {
    let n = labels.dims()[0];
    let predicted = logits.argmax(1).reshape([n]);
    predicted
        .equal(labels)
        .int()
        .sum()
        .into_scalar()
        .elem::<i64>() as usize
}

/// Fraction of `images` that `model` classifies right, in batches of `batch`.
///
/// # Errors
/// [`Error::NumericalFailure`] if a logit is NaN or infinite (diverged weights).
pub fn accuracy<B: Backend>(
    model: &Crate<B>,
    images: &Images,
    batch: usize,
    device: &B::Device,
) -> Result<f64> {
    let idx: Vec<usize> = (0..images.len()).collect();
    let mut correct = 0;
    for chunk in idx.chunks(batch.max(1)) {
        let (x, y) = images.batch::<B>(chunk, None, device);
        let logits = model.forward(x);
        let total = logits.clone().sum().into_scalar().elem::<f64>();
        if !total.is_finite() {
            return Err(Error::NumericalFailure {
                algorithm: "CRATE evaluation",
                detail: "the logits are NaN or infinite: the weights diverged (lower --lr)".into(),
            });
        }
        correct += count_correct(logits, y);
    }
    Ok(correct as f64 / images.len().max(1) as f64)
}

/// [`accuracy`] of the inference copy of an autodiff model (no graph is built).
///
/// # Errors
/// As [`accuracy`].
pub fn test_accuracy<B: AutodiffBackend>(
    model: &Crate<B>,
    images: &Images,
    batch: usize,
    device: &B::Device,
) -> Result<f64> {
    accuracy(&model.valid(), images, batch, device)
}
