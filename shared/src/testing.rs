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
    let platform = generated_dir(chapter).join(PLATFORM_FILE);
    let updating = std::env::var("INSTA_UPDATE").is_ok_and(|v| v == "always");
    if let Ok(recorded) = std::fs::read_to_string(&platform) {
        if updating {
            std::fs::write(&platform, format!("{}\n", simd_level())).expect("writing the platform");
        } else if recorded.trim() != simd_level() {
            assert_same_shape(chapter, &report, &figures, recorded.trim());
            let _ = std::fs::remove_dir_all(&dir);
            return;
        }
    }
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

/// The file in `book/generated/<chapter>` that names the [`simd_level`] its
/// snapshots were recorded on. Chapters 5 and 6 train in f32 on Burn's CPU
/// backend, which picks its SIMD code (AVX2 or AVX-512) when it runs; the
/// two sum in different orders, and a minute of training carries the
/// difference into every printed digit. Where the file exists and names
/// another level, the book test compares what does not depend on it.
pub const PLATFORM_FILE: &str = "platform.txt";

/// The x86-64 microarchitecture level Burn's CPU backend dispatches on:
/// `x86-64-v4` (AVX-512), `x86-64-v3` (AVX2 and FMA), or otherwise the
/// architecture's name.
pub fn simd_level() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512bw")
            && is_x86_feature_detected!("avx512cd")
            && is_x86_feature_detected!("avx512dq")
            && is_x86_feature_detected!("avx512vl")
        {
            return "x86-64-v4";
        }
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            return "x86-64-v3";
        }
    }
    std::env::consts::ARCH
}

/// `text` with every number replaced by `#` and runs of spaces by one: what
/// a report says, without the values.
pub fn without_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let starts_number = c.is_ascii_digit()
            || (matches!(c, '-' | '.') && chars.peek().is_some_and(char::is_ascii_digit));
        if starts_number {
            while chars
                .peek()
                .is_some_and(|&d| d.is_ascii_digit() || matches!(d, '.' | 'e' | '-' | '+'))
            {
                chars.next();
            }
            out.push('#');
        } else if c == ' ' {
            while chars.peek() == Some(&' ') {
                chars.next();
            }
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

/// On a CPU other than the snapshots' `recorded` level: the report must say
/// the same things (its text with the numbers taken out), and every figure
/// must be an SVG the book has a snapshot of.
fn assert_same_shape(chapter: &str, report: &str, figures: &[PathBuf], recorded: &str) {
    let dir = generated_dir(chapter);
    let snapshot = std::fs::read_to_string(dir.join("report.snap")).expect("the report snapshot");
    // The snapshot's body follows its `---` header.
    let body = snapshot.splitn(3, "---\n").nth(2).expect("an insta header");
    assert_eq!(
        without_numbers(report.trim_end()),
        without_numbers(body.trim_end()),
        "{chapter}: the report differs from the book's in more than its numbers"
    );
    for figure in figures {
        let stem = figure
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("a UTF-8 name");
        assert!(
            dir.join(format!("{stem}.snap.svg")).exists(),
            "{chapter} wrote {stem}.svg, which the book does not show"
        );
        let svg = std::fs::read_to_string(figure).expect("the figure is text");
        assert!(svg.contains("<svg"), "{stem}.svg is not an SVG");
    }
    eprintln!(
        "note: {chapter}'s book snapshots were recorded on {recorded} and this CPU is {}; \
         compared the report without its numbers and the figures' names",
        simd_level()
    );
}

#[cfg(test)]
mod tests {
    use super::without_numbers;

    #[test]
    fn numbers_are_masked_and_words_are_kept() {
        let a = "dR(Z)      7.774   -0.025   93.0%  1e-5 step 34";
        let b = "dR(Z)   7.910 0.056   92.8%  2.5e-6 step 167";
        assert_eq!(without_numbers(a), "dR(Z) # # #% # step #");
        assert_eq!(without_numbers(a), without_numbers(b));
        assert_ne!(
            without_numbers(a),
            without_numbers("dR(Zhat) 7.774 -0.025 93.0% 1e-5 step 34")
        );
        assert_ne!(without_numbers("a 1"), without_numbers("a"));
    }
}
