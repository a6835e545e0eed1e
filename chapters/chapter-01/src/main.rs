//! `cargo run -p chapter-01`: prints the chapter's report and writes its figures.

use std::process::ExitCode;

use chapter_01::{Config, run};
use clap::Parser;
use shared::cli::{CommonArgs, chapter_main, run_and_emit};

/// PCA by power iteration: convergence rates, subspace recovery and denoising.
#[derive(Debug, Parser)]
#[command(name = "chapter-01", version)]
struct Args {
    /// Ambient dimension D (3..=1000).
    #[arg(long, default_value_t = Config::default().dim)]
    dim: usize,
    /// Rank d of the planted subspace (1..=min(D-1, 20)).
    #[arg(long, default_value_t = Config::default().rank)]
    rank: usize,
    /// Number of samples N (d+1..=200000).
    #[arg(long, default_value_t = Config::default().samples)]
    samples: usize,
    /// Noise standard deviation sigma (0.001..=10).
    #[arg(long, default_value_t = Config::default().noise)]
    noise: f64,
    #[command(flatten)]
    common: CommonArgs,
}

fn main() -> ExitCode {
    chapter_main(|args: Args| {
        let config = Config {
            dim: args.dim,
            rank: args.rank,
            samples: args.samples,
            noise: args.noise,
            seed: args.common.seed,
        };
        run_and_emit(&args.common, "chapter-01", || run(&config))
    })
}
