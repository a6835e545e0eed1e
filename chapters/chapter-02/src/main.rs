//! `cargo run -p chapter-02`: prints the chapter's report and writes its figures.

fn main() -> std::process::ExitCode {
    shared::chapter_main!(chapter_02::Config, chapter_02::run)
}
