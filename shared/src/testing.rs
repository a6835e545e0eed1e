//! Helpers for the chapters' own tests (feature `testing`, dev-dependencies only).

use std::path::PathBuf;
use std::process::{Command, Output as ProcessOutput};

/// `book/generated/<chapter>` in the workspace.
pub fn generated_dir(chapter: &str) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    root.parent()
        .expect("shared/ sits in the workspace root")
        .join("book/generated")
        .join(chapter)
}

/// insta settings that store snapshots in `book/generated/<chapter>` with the
/// three-line header the book's includes expect.
pub fn book_settings(chapter: &str) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(generated_dir(chapter));
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s
}

/// The body of the committed report snapshot of `chapter` (without insta's header).
pub fn book_report(chapter: &str) -> String {
    let path = generated_dir(chapter).join("report.snap");
    let snapshot = std::fs::read_to_string(&path).expect("the report snapshot is committed");
    snapshot
        .splitn(3, "---\n")
        .nth(2)
        .expect("insta's three-line header")
        .to_string()
}

/// Runs a chapter binary with `args`, writing figures to a scratch directory.
pub fn run_binary(exe: &str, args: &[&str]) -> ProcessOutput {
    let scratch = std::env::temp_dir().join("drl-companion-test-figures");
    Command::new(exe)
        .args(args)
        .arg("--out-dir")
        .arg(scratch)
        .output()
        .expect("the chapter binary runs")
}

/// Asserts exit code 2, nothing on stdout, and exactly one `error: …` line on
/// stderr that mentions `mentions`.
pub fn assert_one_line_error(out: &ProcessOutput, mentions: &str) {
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "stderr: {stderr}");
    assert!(
        stderr.starts_with("error: ") && stderr.contains(mentions),
        "stderr: {stderr}"
    );
}
