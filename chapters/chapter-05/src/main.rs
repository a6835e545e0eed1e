//! `cargo run -p chapter-05`: trains CRATE on the digits and prints the report.

fn main() -> std::process::ExitCode {
    shared::chapter_main!(chapter_05::Config, chapter_05::run)
}
