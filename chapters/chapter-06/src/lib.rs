//! Chapter 6: closed-loop transcription (CTRL), an autoencoder trained by a
//! rate-reduction game played in feature space alone.
//!
//! - [`rate`]: coding rates of Burn tensors with gradients (chapter 4's $R$).
//! - [`game`]: the three terms of the game and the label-free variant.
//! - [`nets`]: the players, an encoder onto the sphere and a decoder.
//! - [`train`]: a round of the game, encoder up, decoder down.
//! - [`toy`]: the linear game on a union of subspaces.
//! - [`digits`]: the game on the shipped digits, and what it learned.

pub mod checkpoint;
pub mod digits;
pub mod experiments;
pub mod game;
pub mod nets;
pub mod rate;
pub mod report;
pub mod toy;
pub mod train;

pub use experiments::{Config, Results, run_all, run_all_with};
pub use shared::{Error, Output};

/// Loads the shipped digits, runs the chapter for `config` and renders its
/// report and figures (what `cargo run -p chapter-06` prints).
///
/// # Errors
/// A missing or corrupt digits file, or as [`run_all`] and [`report::render`].
pub fn run(config: &Config) -> shared::Result<Output> {
    config.validate()?;
    let digits = shared::digits::load_default()?;
    report::render(&run_all(config, &digits)?)
}
