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

/// The book test of a chapter, in one run of its binary: what `cargo run -p
/// <chapter>` prints is snapshot as the report the book shows, and every SVG it
/// writes as a figure, into `book/generated/<chapter>`. One run checks both
/// the binary and the book (running the library again in-process would
/// repeat the chapter's whole computation).
pub fn assert_binary_matches_book(chapter: &str, exe: &str) {
    assert_binary_matches_book_with(chapter, exe, &[]);
}

/// [`assert_binary_matches_book`] for a run with extra command-line `args`.
pub fn assert_binary_matches_book_with(chapter: &str, exe: &str, args: &[&str]) {
    let dir = std::env::temp_dir().join(format!(
        "drl-companion-book-{chapter}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new(exe)
        .args(["--quiet", "--out-dir"])
        .arg(&dir)
        .args(args)
        .output()
        .expect("the chapter binary runs");
    assert!(
        out.status.success(),
        "{chapter} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = String::from_utf8(out.stdout).expect("the report is UTF-8");
    let mut figures: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the binary wrote its figures")
        .map(|e| e.expect("readable directory entry").path())
        .collect();
    figures.sort();
    assert!(!figures.is_empty(), "{chapter} wrote no figure");
    book_settings(chapter).bind(|| {
        insta::assert_snapshot!("report", report);
        for path in &figures {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .expect("a UTF-8 file name");
            let svg = std::fs::read(path).expect("the figure is readable");
            insta::assert_binary_snapshot!(name, svg);
        }
    });
    let _ = std::fs::remove_dir_all(&dir);
}
