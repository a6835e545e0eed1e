//! Chapter 5: CRATE, the white-box transformer unrolled from sparse rate reduction.

pub mod attention;
pub mod checkpoint;
pub mod config;
pub mod data;
pub mod device;
pub mod experiments;
pub mod infer;
pub mod model;
pub mod probe;
pub mod report;
pub mod theory;
pub mod train;

pub use config::{CrateConfig, Preset};
pub use model::Crate;
pub use shared::Error;

pub use experiments::{Config, Results, run_all};
pub use shared::Output;

/// Loads the shipped digits, runs the chapter for `config` and renders its
/// report and figures (what `cargo run -p chapter-05` prints).
///
/// # Errors
/// A missing or corrupt digits file, or as [`run_all`] and [`report::render`].
pub fn run(config: &Config) -> shared::Result<Output> {
    config.validate()?;
    let digits = shared::digits::load_default()?;
    report::render(&run_all(config, &digits)?)
}
