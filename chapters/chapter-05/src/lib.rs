//! Chapter 5: CRATE, the white-box transformer unrolled from sparse rate reduction.
//!
//! Laid out as Burn's guide lays out a model crate:
//! - [`config`], [`model`]: the official architecture and its presets.
//! - [`data`]: the digits as normalized image batches.
//! - [`train`]: the schedule, one step and one epoch; [`training`]: the
//!   [`TrainingConfig`](training::TrainingConfig) and the whole run with checkpoints.
//! - [`infer`]: PyTorch-trained checkpoints run on a batch of images.
//! - [`theory`], [`probe`], [`attention`]: what the layers do, measured;
//!   [`controls`]: what could explain the attention away.
//! - [`experiments`] computes the chapter's results; [`report`] renders them.
//!
//! The Burn plumbing (devices, checkpoints, tensors) is [`shared::burn`].

pub mod attention;
pub mod cli;
pub mod config;
pub mod controls;
pub mod data;
pub mod experiments;
pub mod infer;
pub mod model;
pub mod probe;
pub mod report;
pub mod theory;
pub mod train;
pub mod training;

pub use config::{CrateConfig, Preset};
pub use model::Crate;
pub use shared::Error;

pub use experiments::{Config, Results, run_all, run_all_with};
pub use shared::Output;

shared::streams! {
    /// The chapter's random streams.
    pub enum Stream {
        /// The model's initial parameters.
        Init = 1,
        /// Training order and shifts.
        Train = 2,
        /// The untrained demo's subspaces and tokens.
        Theory = 3,
        /// The attention controls' pairing and bootstrap resamples.
        Controls = 4,
    }
}

/// Loads the shipped digits, runs the chapter for `config` and renders its
/// report and figures (what `cargo run -p chapter-05` prints).
///
/// # Errors
/// A missing or corrupt digits file, or as [`run_all`] and [`report::render`].
pub fn run(config: &Config) -> shared::Result<Output> {
    run_with(config, &shared::burn::flags::Checkpoints::default())
}

/// [`run`], saving or resuming checkpoints as `checkpoints` says; the whole
/// computation runs on a worker of the pool Burn's CPU backend uses
/// ([`shared::burn::in_pool`]).
///
/// # Errors
/// As [`run`]; a checkpoint that cannot be written or read, or is another run's.
pub fn run_with(
    config: &Config,
    checkpoints: &shared::burn::flags::Checkpoints,
) -> shared::Result<Output> {
    config.validate()?;
    let digits = shared::digits::load_default()?;
    let results = shared::burn::in_pool(|| run_all_with(config, checkpoints, &digits))?;
    report::render(&results)
}
