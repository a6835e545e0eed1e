//! Chapter 6: closed-loop transcription (CTRL), an autoencoder trained by a
//! rate-reduction game played in feature space alone.
//!
//! - [`rate`]: coding rates of Burn tensors with gradients (chapter 4's $R$).
//! - [`game`]: the three terms of the game and the label-free variant.
//! - [`nets`]: the players, an encoder onto the sphere and a decoder.
//! - [`train`]: a round of the game, encoder up, decoder down.
//! - [`toy`]: the linear game on a union of subspaces.
//! - [`data`]: the digits as rows, and batches drawn pass by pass.
//! - [`train`]: also the one loop both games are played with ([`train::play`]).
//! - [`digits`]: the game on the shipped digits, and what it learned.
//! - [`checkpoint`]: saving and resuming the digits game.

pub mod checkpoint;
pub mod data;
pub mod digits;
pub mod experiments;
pub mod game;
pub mod nets;
pub mod rate;
pub mod report;
pub mod toy;
pub mod train;

pub use experiments::{Config, Results, run_all, run_all_with};
pub use shared::burn::flags::Checkpoints;
pub use shared::{Error, Output};

/// Loads the shipped digits, runs the chapter for `config` and renders its
/// report and figures (what `cargo run -p chapter-06` prints).
///
/// # Errors
/// A missing or corrupt digits file, or as [`run_all`] and [`report::render`].
pub fn run(config: &Config) -> shared::Result<Output> {
    Run {
        config: config.clone(),
        checkpoints: Checkpoints::default(),
    }
    .run()
}

/// The chapter's command line: its parameters and where to save or resume the game.
#[derive(Debug, Clone, clap::Args)]
pub struct Run {
    /// The experiment's parameters.
    #[command(flatten)]
    pub config: Config,
    /// Checkpoints of the digits game.
    #[command(flatten)]
    pub checkpoints: Checkpoints,
}

impl Run {
    /// Loads the shipped digits, plays the games on a worker of the pool
    /// Burn's CPU backend uses ([`shared::burn::in_pool`]), saving or
    /// resuming checkpoints, and renders the report and figures.
    ///
    /// # Errors
    /// As [`run_all_with`] and [`report::render`].
    pub fn run(&self) -> shared::Result<Output> {
        self.config.validate()?;
        let digits = shared::digits::load_default()?;
        let results =
            shared::burn::in_pool(|| run_all_with(&self.config, &self.checkpoints, &digits))?;
        report::render(&results)
    }
}
