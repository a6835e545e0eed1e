//! The report and figures of the default run, snapshot into `book/generated/chapter-01/`.
//!
//! These files are exactly what the book includes. On CI (`CI=true`) insta
//! refuses to write, so any drift between the code and the book fails here.
//! To update after an intended change: `INSTA_UPDATE=always cargo test -p chapter-01 --test book`.

use chapter_01::{Config, run};
use shared::testing::{book_report, book_settings, run_binary};

#[test]
fn default_run_report_and_figures_match_the_book() {
    let output = run(&Config::default()).expect("the default configuration is valid");
    book_settings("chapter-01").bind(|| {
        insta::assert_snapshot!("report", output.report);
        for (name, svg) in &output.figures {
            insta::assert_binary_snapshot!(name.as_str(), svg.clone().into_bytes());
        }
    });
}

/// What `cargo run -p chapter-01` prints is byte for byte the report the book
/// shows (the committed snapshot, which the test above pins to the library).
#[test]
fn binary_stdout_equals_the_book_snapshot() {
    let out = run_binary(env!("CARGO_BIN_EXE_chapter-01"), &["--quiet"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim_end(),
        book_report("chapter-01").trim_end()
    );
}
