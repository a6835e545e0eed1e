//! The command line of `cargo run -p chapter-05`: the chapter's run, or
//! `infer` on a PyTorch checkpoint.

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use shared::CommonArgs;
use shared::burn::flags::Checkpoints;

use crate::Config;
use crate::infer::{InferArgs, infer_all};

/// The chapter's flags.
#[derive(Debug, Parser)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    config: Config,
    #[command(flatten)]
    checkpoints: Checkpoints,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a PyTorch-trained CRATE (.pth or safetensors, official names) on a .npy batch of images.
    Infer(InferArgs),
}

/// Parses the command line and runs what it asks: the chapter (report on
/// stdout, figures in `--out-dir`) or `infer`. A bad flag or input is a
/// one-line error and a nonzero exit code.
pub fn main() -> ExitCode {
    let cli: Cli = match shared::cli::parse(
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION"),
        env!("CARGO_PKG_DESCRIPTION"),
    ) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    match &cli.command {
        Some(Command::Infer(args)) => shared::run_main(|| infer_and_say(args)),
        None => shared::run_main(|| {
            shared::cli::run_and_emit(&cli.common, env!("CARGO_PKG_NAME"), || {
                crate::run_with(&cli.config, &cli.checkpoints)
            })
        }),
    }
}

/// Runs `infer` and says on stderr what it wrote.
fn infer_and_say(args: &InferArgs) -> shared::Result<()> {
    let inferred = shared::burn::in_pool(|| infer_all(args))?;
    let logits = &inferred.logits;
    let mut err = std::io::stderr();
    let _ = writeln!(
        err,
        "wrote {} outputs ({} images x {}) to {}",
        logits.len(),
        logits.nrows(),
        logits.ncols(),
        args.output.display()
    );
    if let (Some(dir), Some(a)) = (&args.attention_maps, &inferred.attention) {
        let (_, heads, grid, _) = a.maps.dim();
        let _ = writeln!(
            err,
            "wrote the class token's attention ({heads} heads, {grid} x {grid} patches) to {}",
            dir.display()
        );
    }
    Ok(())
}
