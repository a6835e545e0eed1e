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
    if let Some(recorded) = recorded_on_other_level(&generated_dir(chapter)) {
        assert_same_shape(chapter, &report, &figures, &recorded);
        let _ = std::fs::remove_dir_all(&dir);
        return;
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
/// another level, the book test compares what does not depend on it (the
/// report through [`without_numbers`], and the figures' names); recording the
/// snapshots again (`INSTA_UPDATE=always`) rewrites it with this CPU's level.
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
        if is_x86_feature_detected!("avx2")
            && is_x86_feature_detected!("fma")
            && is_x86_feature_detected!("bmi1")
            && is_x86_feature_detected!("bmi2")
            && is_x86_feature_detected!("lzcnt")
            && is_x86_feature_detected!("f16c")
        {
            return "x86-64-v3";
        }
    }
    std::env::consts::ARCH
}

/// What a report says without its measured values: every number with a
/// fraction or an exponent, or followed by `%`, becomes `#` (counts, sizes and
/// seeds stay); each line is trimmed, its runs of spaces become one and its
/// runs of `-` or `=` (table rules, whose width follows the widest value)
/// become two.
pub fn without_numbers(text: &str) -> String {
    text.lines()
        .map(|line| mask_line(line.trim()))
        .collect::<Vec<_>>()
        .join("\n")
}

fn mask_line(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let digit_at = |k: usize| chars.get(k).is_some_and(char::is_ascii_digit);
        let after_word = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if !after_word && (c.is_ascii_digit() || (matches!(c, '-' | '.') && digit_at(i + 1))) {
            let start = i;
            i += 1;
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || chars[i] == '.'
                    || (matches!(chars[i], 'e' | 'E')
                        && (digit_at(i + 1) || chars.get(i + 1) == Some(&'-')))
                    || (matches!(chars[i], '-' | '+') && matches!(chars[i - 1], 'e' | 'E')))
            {
                i += 1;
            }
            let token: String = chars[start..i].iter().collect();
            let measured = token.contains(['.', 'e', 'E']) || chars.get(i) == Some(&'%');
            out.push_str(if measured { "#" } else { &token });
        } else if matches!(c, ' ' | '-' | '=') {
            let mut run = 0;
            while chars.get(i) == Some(&c) {
                i += 1;
                run += 1;
            }
            match (c, run) {
                (' ', _) => out.push(' '),
                (_, 1) => out.push(c),
                _ => {
                    out.push(c);
                    out.push(c);
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The body of an insta snapshot file: what follows its second `---` line.
fn snapshot_body(file: &str) -> Option<String> {
    let mut lines = file.lines();
    let mut dashes = 0;
    for line in lines.by_ref() {
        if line.trim_end() == "---" {
            dashes += 1;
            if dashes == 2 {
                return Some(lines.collect::<Vec<_>>().join("\n"));
            }
        }
    }
    None
}

/// The level `dir`'s [`PLATFORM_FILE`] names when it is not this CPU's
/// [`simd_level`]: the snapshots in `dir` can then be compared only without
/// their numbers. `None` without the file, on the same level, or while the
/// snapshots are recorded again (`INSTA_UPDATE=always` or `force`), which
/// rewrites the file with this CPU's level.
pub fn recorded_on_other_level(dir: &std::path::Path) -> Option<String> {
    let path = dir.join(PLATFORM_FILE);
    let recorded = std::fs::read_to_string(&path).ok()?;
    if std::env::var("INSTA_UPDATE").is_ok_and(|v| v == "always" || v == "force") {
        std::fs::write(&path, format!("{}\n", simd_level())).expect("writing the platform file");
        return None;
    }
    let recorded = recorded.trim();
    (recorded != simd_level()).then(|| recorded.to_string())
}

/// Asserts that `text` says what the insta snapshot file `snapshot` holds,
/// its measured values aside ([`without_numbers`]).
pub fn assert_same_text(text: &str, snapshot: &std::path::Path) {
    let file = std::fs::read_to_string(snapshot)
        .unwrap_or_else(|e| panic!("reading {}: {e}", snapshot.display()));
    let body = snapshot_body(&file).expect("an insta snapshot's `---` header");
    assert_eq!(
        without_numbers(text.trim_end()),
        without_numbers(body.trim_end()),
        "{}: the text differs in more than its numbers",
        snapshot.display()
    );
    eprintln!(
        "note: {} was recorded on another SIMD level than this CPU's ({}); compared without its numbers",
        snapshot.display(),
        simd_level()
    );
}

/// On a CPU other than the snapshots' `recorded` level: the report must say
/// the same things (its text with the numbers taken out), and every figure
/// must be an SVG the book has a snapshot of.
fn assert_same_shape(chapter: &str, report: &str, figures: &[PathBuf], recorded: &str) {
    let dir = generated_dir(chapter);
    assert_same_text(report, &dir.join("report.snap"));
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

/// What the binary `exe` prints (stdout) and writes into its `--out-dir`
/// (file name and bytes, sorted) when run with `args` on a rayon pool of
/// `threads` threads (`RAYON_NUM_THREADS`, which Burn's CPU backend and
/// ndarray's products use).
///
/// # Panics
/// If the binary cannot be run or fails.
pub fn run_on_threads(
    exe: &str,
    args: &[&str],
    threads: usize,
) -> (String, Vec<(String, Vec<u8>)>) {
    let dir = std::env::temp_dir().join(format!(
        "drl-threads-{}-{threads}-{}",
        std::process::id(),
        std::path::Path::new(exe)
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let out = std::process::Command::new(exe)
        .args(args)
        .arg("--out-dir")
        .arg(&dir)
        .env("RAYON_NUM_THREADS", threads.to_string())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {exe}: {e}"));
    assert!(
        out.status.success(),
        "{exe} {args:?} on {threads} threads failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    (name, std::fs::read(e.path()).unwrap_or_default())
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let _ = std::fs::remove_dir_all(&dir);
    (String::from_utf8_lossy(&out.stdout).into_owned(), files)
}

/// Asserts that the binary `exe` run with `args` prints the same report
/// and writes the same files, byte for byte, on 1, 2 and 3 threads.
///
/// # Panics
/// Naming the thread count and the first line or file that differs.
pub fn assert_same_on_1_2_3_threads(exe: &str, args: &[&str]) {
    let (report, files) = run_on_threads(exe, args, 1);
    for threads in [2, 3] {
        let (r, f) = run_on_threads(exe, args, threads);
        if let Some((a, b)) = report.lines().zip(r.lines()).find(|(a, b)| a != b) {
            panic!(
                "the report on {threads} threads differs from 1 thread's:\n  1: {a}\n  {threads}: {b}"
            );
        }
        assert_eq!(
            report, r,
            "the report on {threads} threads differs from 1 thread's"
        );
        let names: Vec<&String> = files.iter().map(|(n, _)| n).collect();
        assert_eq!(names, f.iter().map(|(n, _)| n).collect::<Vec<_>>());
        for ((name, a), (_, b)) in files.iter().zip(&f) {
            assert!(
                a == b,
                "{name} on {threads} threads differs from 1 thread's"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::without_numbers;

    #[test]
    fn measured_values_are_masked_and_the_rest_is_kept() {
        let a = "dR(Z)      7.774   -0.025   93.0%  1e-5 step 34  ";
        let b = "  dR(Z)   7.910 0.056   92.8%  2.5e-6 step 34";
        assert_eq!(without_numbers(a), "dR(Z) # # #% # step 34");
        assert_eq!(without_numbers(a), without_numbers(b));
        // Another label, another count, or a missing value is a difference.
        assert_ne!(
            without_numbers(a),
            without_numbers("dR(Zhat) 7.774 -0.025 93.0% 1e-5 step 34")
        );
        assert_ne!(
            without_numbers(a),
            without_numbers("dR(Z) 7.774 -0.025 93.0% 1e-5 step 35")
        );
        assert_ne!(
            without_numbers(a),
            without_numbers("dR(Z) 7.774 93.0% 1e-5 step 34")
        );
        // Table rules and padding follow the widest value.
        let narrow = "measure   value\n-------   -----\nacc       93.0%";
        let wide = "measure    value\n-------   ------\nacc       100.0%";
        assert_eq!(without_numbers(narrow), without_numbers(wide));
        // Names with digits stay as they are.
        assert_eq!(
            without_numbers("x86-64-v4 chapter-05 L2"),
            "x86-64-v4 chapter-05 L2"
        );
    }

    #[test]
    fn snapshot_body_follows_the_header() {
        let file = "---\nsource: shared/src/testing.rs\n---\nChapter 6\n=========\n";
        assert_eq!(
            super::snapshot_body(file).as_deref(),
            Some("Chapter 6\n=========")
        );
        assert_eq!(super::snapshot_body("no header"), None);
    }
}
