//! Chapter 1: principal component analysis by power iteration.
//!
//! The top principal subspace of data is the top eigenspace of its covariance,
//! and the simplest way to find an eigenvector is to keep multiplying by the
//! matrix: power iteration converges at the rate $\lambda_2/\lambda_1$ set by the
//! eigengap. This crate builds PCA from that one idea (deflation, subspace
//! iteration with Rayleigh–Ritz, Oja's online rule) and shows that projecting
//! onto the learned subspace removes most of the noise.
//!
//! Textbook: Ch. 2 §2.1 (PCA, power iteration) and Ch. 5 §5.1.1 (Oja's rule).
//! Conventions: data are `D × N` with one sample per column; covariances use `1/N`.

pub mod centering;
pub mod deflation;
pub mod experiments;
pub mod oja;
pub mod operator;
pub mod pca;
pub mod power;
pub mod report;
pub mod subspace;

pub use deflation::deflation;
pub use experiments::{Config, Results, run_all};
pub use oja::oja_subspace;
pub use operator::{Covariance, SymmetricOperator};
pub use pca::{Pca, pca, top_eigenpairs};
pub use power::{PowerIteration, power_iteration};
pub use shared::Error;
pub use shared::Output;
pub use subspace::{SubspaceIteration, subspace_iteration};

/// Runs the chapter for `config` and renders its report and figures (what
/// `cargo run -p chapter-01` prints): [`run_all`] then [`report::render`].
///
/// # Errors
/// As [`run_all`] and [`report::render`].
pub fn run(config: &Config) -> shared::Result<Output> {
    report::render(&run_all(config)?)
}
