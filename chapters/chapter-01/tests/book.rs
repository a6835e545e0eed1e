//! The report and figures of the default run, snapshot into `book/generated/chapter-01/`.
//!
//! These files are exactly what the book includes, and they are taken from one
//! run of the binary, so what `cargo run -p chapter-01` prints is byte for byte
//! what the book shows. On CI (`CI=true`) insta refuses to write, so any drift
//! between the code and the book fails here. To update after an intended
//! change: `INSTA_UPDATE=always cargo test -p chapter-01 --test book`.

#[test]
fn binary_report_and_figures_match_the_book() {
    shared::testing::assert_binary_matches_book("chapter-01", env!("CARGO_BIN_EXE_chapter-01"));
}
