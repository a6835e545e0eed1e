//! The report and figures of the default run, snapshot into `book/generated/chapter-03/`.
//!
//! These files are exactly what the book includes. On CI (`CI=true`) insta
//! refuses to write, so any drift between the code and the book fails here.
//! To update after an intended change: `INSTA_UPDATE=always cargo test -p chapter-03 --test book`.

use chapter_03::{Config, run};

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../../../book/generated/chapter-03");
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s
}

#[test]
fn default_run_report_and_figures_match_the_book() {
    let output = run(&Config::default()).expect("the default configuration is valid");
    settings().bind(|| {
        insta::assert_snapshot!("report", output.report);
        for (name, svg) in &output.figures {
            let name = name.replace(".svg", "");
            insta::assert_binary_snapshot!(&format!("{name}.svg"), svg.clone().into_bytes());
        }
    });
}

/// What `cargo run -p chapter-03` prints is byte for byte the report the book
/// shows (the committed snapshot, which the test above pins to the library).
#[test]
fn binary_stdout_equals_the_book_snapshot() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_chapter-03"))
        .args(["--quiet", "--out-dir", env!("CARGO_TARGET_TMPDIR")])
        .output()
        .expect("the chapter-03 binary runs");
    assert!(out.status.success());
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../book/generated/chapter-03/report.snap"
    );
    let snapshot = std::fs::read_to_string(path).expect("the report snapshot is committed");
    let body = snapshot
        .splitn(3, "---\n")
        .nth(2)
        .expect("insta's three-line header");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim_end(),
        body.trim_end()
    );
}
