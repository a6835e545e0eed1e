//! `cargo run -p chapter-06`: plays the closed-loop transcription game on a
//! linear toy and on the digits, and prints the report.

use chapter_06::Config;
use chapter_06::checkpoint::Checkpoints;

/// Burn allocates a tensor per op; mimalloc reuses freed blocks (as in chapter 5).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The chapter's flags: its parameters and where to save or resume the game.
#[derive(Debug, clap::Args)]
struct Run {
    #[command(flatten)]
    config: Config,
    #[command(flatten)]
    checkpoints: Checkpoints,
}

fn main() -> std::process::ExitCode {
    shared::chapter_main!(Run, |run: &Run| {
        run.config.validate()?;
        let digits = shared::digits::load_default()?;
        let results = chapter_05::device::in_pool(|| {
            chapter_06::run_all_with(&run.config, &run.checkpoints, &digits)
        })?;
        chapter_06::report::render(&results)
    })
}
