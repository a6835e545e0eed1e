//! Chapter 3: denoising and diffusion on low-dimensional distributions.
//!
//! Adding Gaussian noise to data and learning to remove it is enough to
//! generate new data: the best denoiser at every noise level is the score of
//! the noisy distribution (Tweedie), and walking down the noise levels with it
//! turns pure noise into samples. For data on a union of low-dimensional
//! subspaces the best denoiser is known in closed form, and it looks like
//! attention: score each subspace against the query, then mix the projections.
//! The same machinery run with the training set as the distribution memorizes.
//!
//! Textbook: Ch. 3 §3.2 (diffusion, denoising, Tweedie, Gaussian-mixture and
//! low-rank denoisers, the sampler, memorization). Builds on chapter 1 (PCA
//! gives the low-rank baseline denoiser) and chapter 2 (soft thresholding gives
//! the sparse baseline). Conventions: points are the columns of `D × N` matrices
//! (the code's `d` is the ambient dimension $D$).

pub mod baselines;
pub mod empirical;
pub mod experiments;
pub mod learned;
pub mod lowrank;
pub mod mixture;
pub mod process;
pub mod query;
pub mod report;
pub mod sampler;
pub mod tweedie;

pub use empirical::Empirical;
pub use experiments::{Config, Results, run_all};
pub use lowrank::LowRankMixture;
pub use mixture::{GaussianMixture, PreparedMixture, mmse_denoise};
pub use process::{Process, exponential_grid, uniform_grid};
pub use sampler::{Denoiser, ddim_sample};
pub use shared::Error;
pub use shared::Output;
pub use tweedie::{denoiser_to_score, score_to_denoiser};

/// Runs the chapter for `config` and renders its report and figures (what
/// `cargo run -p chapter-03` prints): [`run_all`] then [`report::render`].
///
/// # Errors
/// As [`run_all`] and [`report::render`].
pub fn run(config: &Config) -> shared::Result<Output> {
    report::render(&run_all(config)?)
}
