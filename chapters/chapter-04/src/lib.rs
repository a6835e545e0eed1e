//! Chapter 4: maximal coding rate reduction (MCR²).
//!
//! How many nats does it take to code a set of features up to a distortion
//! $\varepsilon$? The Gaussian rate–distortion function of chapter 3's noise
//! model answers with a log-determinant, the *coding rate*. Good features of
//! labelled data are cheap to code class by class but expensive to code all
//! together: the difference, the *rate reduction* $\Delta R$, is large when
//! classes are compressed within and diverse across. This crate computes the
//! rates and their gradients, checks the closed-form optima, maximizes
//! $\Delta R$ directly on features, unrolls that ascent into a network whose
//! layers are computed rather than trained (ReduNet), and learns features of
//! real handwritten digits, with and without labels.
//!
//! Textbook: Ch. 3 §3.3.3–3.4 (coding rate, MCR²) and Ch. 4 §4.1 (ReduNet).
//! Builds on chapter 1 (per-class PCA by `top_eigenpairs` gives the
//! nearest-subspace classifier) and chapter 3 (its Gaussian noise model is
//! the channel behind the coding rate). Conventions: features are `d × m`, one
//! sample per column; natural log; `eps_sq` is $\varepsilon^2$.

pub mod ascent;
pub mod augment;
pub mod cluster;
pub mod encoder;
pub mod evaluate;
pub mod experiments;
pub mod optima;
pub mod rate;
pub mod redunet;
pub mod report;

pub use experiments::{Config, Results, run_all};
pub use rate::{
    Rates, class_coding_rate, coding_rate, rate_reduction, rate_reduction_grad, rates_with_grad,
};
pub use redunet::ReduNet;
pub use shared::Error;
pub use shared::Output;

/// Loads the shipped digits, runs the chapter for `config` and renders its
/// report and figures (what `cargo run -p chapter-04` prints).
///
/// # Errors
/// A missing or corrupt digits file, or as [`run_all`] and [`report::render`].
pub fn run(config: &Config) -> shared::Result<Output> {
    config.validate()?;
    let digits = shared::digits::load_default()?;
    report::render(&run_all(config, &digits)?)
}
