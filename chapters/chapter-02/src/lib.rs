//! Chapter 2: sparse coding with ISTA and FISTA, dictionary learning and unrolled ISTA.
//!
//! A signal is sparse in a dictionary when a few of its atoms explain it; the
//! LASSO finds such a code by trading fit against the $\ell^1$ norm, and
//! proximal gradient descent (ISTA, accelerated: FISTA) solves it with a
//! gradient step and a soft threshold. Alternating sparse coding with a
//! gradient step on the atoms learns the dictionary itself, and unrolling a
//! few ISTA steps into layers with learned weights gives a network (LISTA)
//! that reaches in a handful of layers what ISTA needs many iterations for.
//!
//! Two more faces of sparsity close the chapter: complete dictionary learning
//! by $\ell^4$ maximization over the orthogonal group (MSP, a generalized power
//! iteration), and nonnegative ISTA written as a ReLU layer (chapter 5's CRATE
//! block).
//!
//! Textbook: Ch. 2 §2.3 (sparse coding, dictionary learning, LISTA), Ch. 2's
//! complete dictionary learning (MSP), and
//! App. A §A.1.3 (proximal gradient). Builds on chapter 1: the step size
//! $1/L$ uses $L = \|A\|_2^2$ from [`chapter_01::power_iteration`].
//! Conventions: signals are the columns of `y` (`m × N`), codes the columns of `x` (`n × N`).

pub mod batched;
pub mod dictionary;
pub mod experiments;
pub mod lasso;
pub mod layer;
pub mod lista;
pub mod msp;
pub mod options;
pub mod report;
pub mod solvers;
pub mod threshold;
pub mod validate;

pub use experiments::{Config, Results, run_all};
pub use lasso::{
    certified_solution, kkt_residual, lasso_objective, nonnegative_soft_threshold, soft_threshold,
};
pub use layer::relu_layer;
pub use shared::Error;
pub use shared::Output;
pub use solvers::{Solution, SolverOptions, fista, fista_nonnegative, ista, ista_book_convention};

/// Runs the chapter for `config` and renders its report and figures (what
/// `cargo run -p chapter-02` prints): [`run_all`] then [`report::render`].
///
/// # Errors
/// As [`run_all`] and [`report::render`].
pub fn run(config: &Config) -> shared::Result<Output> {
    report::render(&run_all(config)?)
}
