//! `cargo run -p chapter-03`: prints the chapter's report and writes its figures.

fn main() -> std::process::ExitCode {
    shared::chapter_main!(chapter_03::Config, chapter_03::run)
}
