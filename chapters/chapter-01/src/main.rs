//! `cargo run -p chapter-01`: prints the chapter's report and writes its figures.

fn main() -> std::process::ExitCode {
    shared::chapter_main!(chapter_01::Config, chapter_01::run)
}
