//! `cargo run -p chapter-02`: prints the chapter's report and writes its figures.

use std::process::ExitCode;

use chapter_02::{Config, run};
use clap::Parser;
use shared::cli::{CommonArgs, chapter_main, run_and_emit};

/// Sparse coding: ISTA and FISTA on the LASSO, dictionary learning, unrolled ISTA.
#[derive(Debug, Parser)]
#[command(name = "chapter-02", version)]
struct Args {
    /// Measurements per signal m in the compressed-sensing experiment (2..=4096).
    #[arg(long, default_value_t = Config::default().measurements)]
    measurements: usize,
    /// Dictionary size n (2..=1024).
    #[arg(long, default_value_t = Config::default().atoms)]
    atoms: usize,
    /// Nonzeros per true code (1..=atoms).
    #[arg(long, default_value_t = Config::default().sparsity)]
    sparsity: usize,
    /// Number of signals (1..=2000).
    #[arg(long, default_value_t = Config::default().signals)]
    signals: usize,
    /// LASSO weight lambda (1e-6..=10).
    #[arg(long, default_value_t = Config::default().lambda)]
    lambda: f64,
    /// Measurement noise sigma (0..=1).
    #[arg(long, default_value_t = Config::default().noise)]
    noise: f64,
    #[command(flatten)]
    common: CommonArgs,
}

fn main() -> ExitCode {
    chapter_main(|args: Args| {
        let config = Config {
            measurements: args.measurements,
            atoms: args.atoms,
            sparsity: args.sparsity,
            signals: args.signals,
            lambda: args.lambda,
            noise: args.noise,
            seed: args.common.seed,
        };
        run_and_emit(&args.common, "chapter-02", || run(&config))
    })
}
