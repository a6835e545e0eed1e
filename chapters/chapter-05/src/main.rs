//! `cargo run -p chapter-05`: trains CRATE on the digits and prints the
//! report; `cargo run -p chapter-05 -- infer ...` runs a PyTorch checkpoint.

use std::io::Write;
use std::process::ExitCode;

use chapter_05::Config;
use chapter_05::experiments::Checkpoints;
use chapter_05::infer::{InferArgs, infer_all};
use clap::{Parser, Subcommand};
use shared::CommonArgs;

/// Burn allocates a tensor per op; mimalloc keeps freed blocks for reuse where
/// the system allocator hands large ones back to the kernel (the training
/// step is about 15% faster, `benches/step.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
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

fn main() -> ExitCode {
    let cli: Cli = match shared::cli::parse(
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION"),
        env!("CARGO_PKG_DESCRIPTION"),
    ) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    match cli.command {
        Some(Command::Infer(args)) => shared::run_main(|| {
            let inferred = chapter_05::device::in_pool(|| infer_all(&args))?;
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
        }),
        None => shared::run_main(|| {
            shared::cli::run_and_emit(&cli.common, env!("CARGO_PKG_NAME"), || {
                cli.config.validate()?;
                let digits = shared::digits::load_default()?;
                let results = chapter_05::device::in_pool(|| {
                    chapter_05::experiments::run_all_with(&cli.config, &cli.checkpoints, &digits)
                })?;
                chapter_05::report::render(&results)
            })
        }),
    }
}
