//! The report and figures of the default run, snapshot into `book/generated/chapter-05/`.
//!
//! The default run trains for about a minute, too long for every `cargo
//! test` (kept under a minute warm), so this test is ignored there and CI
//! runs it explicitly: `cargo test -p chapter-05 --test book -- --ignored`.
//! To update after an intended change:
//! `INSTA_UPDATE=always cargo test -p chapter-05 --test book -- --ignored`.

#[test]
#[ignore = "trains for about a minute; CI runs it with --ignored"]
fn binary_report_and_figures_match_the_book() {
    shared::testing::assert_binary_matches_book("chapter-05", env!("CARGO_BIN_EXE_chapter-05"));
}
