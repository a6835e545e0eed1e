//! `cargo run -p chapter-06`: plays the closed-loop transcription game on a
//! linear toy and on the digits, and prints the report.

/// Burn allocates a tensor per op; mimalloc reuses freed blocks (as in chapter 5).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    shared::chapter_main!(chapter_06::Run, chapter_06::Run::run)
}
