//! The report and figures of the default run, snapshot into `book/generated/chapter-06/`.
//!
//! The default run plays the game for about a minute, too long for every
//! `cargo test`, so this test is ignored there and CI runs it explicitly
//! (`cargo test --test book -- --ignored`). To update after an intended
//! change: `INSTA_UPDATE=always cargo test -p chapter-06 --test book -- --ignored`.

#[test]
#[ignore = "plays for about a minute; CI runs it with --ignored"]
fn binary_report_and_figures_match_the_book() {
    shared::testing::assert_binary_matches_book("chapter-06", env!("CARGO_BIN_EXE_chapter-06"));
}
