//! The report and figures of the default run, snapshot into `book/generated/chapter-04/`.
//! To update after an intended change: `INSTA_UPDATE=always cargo test -p chapter-04 --test book`.

#[test]
fn binary_report_and_figures_match_the_book() {
    shared::testing::assert_binary_matches_book("chapter-04", env!("CARGO_BIN_EXE_chapter-04"));
}
