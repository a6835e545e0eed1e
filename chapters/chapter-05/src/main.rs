//! `cargo run -p chapter-05`: trains CRATE on the digits and prints the
//! report; `cargo run -p chapter-05 -- infer ...` runs a PyTorch checkpoint.

/// Burn allocates a tensor per op; mimalloc keeps freed blocks for reuse where
/// the system allocator hands large ones back to the kernel (the training
/// step is about 15% faster, `benches/step.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    chapter_05::cli::main()
}
