//! `cargo run -p chapter-06`: plays the closed-loop transcription game on a
//! linear toy and on the digits, and prints the report.

use std::process::ExitCode;

use chapter_06::Config;
use chapter_06::checkpoint::Checkpoints;
use clap::{CommandFactory, FromArgMatches, Parser};
use shared::CommonArgs;

/// Burn allocates a tensor per op; mimalloc reuses freed blocks (as in chapter 5).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(flatten)]
    checkpoints: Checkpoints,
    #[command(flatten)]
    common: CommonArgs,
}

fn main() -> ExitCode {
    let command = Cli::command()
        .name(env!("CARGO_PKG_NAME"))
        .bin_name(env!("CARGO_PKG_NAME"))
        .version(env!("CARGO_PKG_VERSION"))
        .about(env!("CARGO_PKG_DESCRIPTION"));
    let cli = match command
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        Err(e) => return shared::cli::parse_error_exit(&e),
    };
    shared::run_main(|| {
        shared::cli::run_and_emit(&cli.common, env!("CARGO_PKG_NAME"), || {
            cli.config.validate()?;
            let digits = shared::digits::load_default()?;
            let results = chapter_06::run_all_with(&cli.config, &cli.checkpoints, &digits)?;
            chapter_06::report::render(&results)
        })
    })
}
