//! `cargo run -p chapter-04`: prints the chapter's report and writes its figures.

fn main() -> std::process::ExitCode {
    shared::chapter_main!(chapter_04::Config, chapter_04::run)
}
