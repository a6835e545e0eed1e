//! `CONTRIBUTING.md`'s "adding a chapter", checked: every crate under
//! `chapters/` is listed in each place a chapter must be, and a missing one
//! fails naming the place.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The chapter crates: `chapter-NN` for every `chapters/chapter-NN/Cargo.toml`.
fn chapters() -> Vec<String> {
    let mut found: Vec<String> = std::fs::read_dir(root().join("chapters"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("chapter-"))
        .collect();
    found.sort();
    found
}

/// Where chapter `c` (`chapter-NN`) is missing, one line per place.
fn missing_places(c: &str) -> Vec<String> {
    let nn = c.trim_start_matches("chapter-");
    let n: usize = nn.parse().unwrap_or(0);
    let snake = c.replace('-', "_");
    let workspace: toml::Table = read("Cargo.toml").parse().unwrap();
    let tests: toml::Table = read("tests/Cargo.toml").parse().unwrap();
    let mut missing = Vec::new();
    let mut need = |ok: bool, place: String| {
        if !ok {
            missing.push(place);
        }
    };
    need(
        workspace["workspace"]["dependencies"].get(c).is_some(),
        format!("Cargo.toml: [workspace.dependencies] {c}"),
    );
    need(
        workspace["profile"]["dev"]["package"].get(c).is_some(),
        format!("Cargo.toml: [profile.dev.package.{c}]"),
    );
    let crate_toml: toml::Table =
        std::fs::read_to_string(root().join(format!("chapters/{c}/Cargo.toml")))
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or_default();
    need(
        crate_toml.get("lints").and_then(|l| l.get("workspace"))
            == Some(&toml::Value::Boolean(true)),
        format!("chapters/{c}/Cargo.toml: [lints] workspace = true"),
    );
    need(
        tests["dev-dependencies"].get(c).is_some(),
        format!("tests/Cargo.toml: [dev-dependencies] {c}"),
    );
    need(
        root()
            .join(format!("tests/tests/exercises_{snake}.rs"))
            .is_file(),
        format!("tests/tests/exercises_{snake}.rs"),
    );
    need(
        read("tests/grading.toml").contains(&format!("target = \"exercises_{snake}\"")),
        format!("tests/grading.toml: an entry with target = \"exercises_{snake}\""),
    );
    need(
        root().join(format!("book/{c}.md")).is_file(),
        format!("book/{c}.md"),
    );
    need(
        read("book/SUMMARY.md").contains(&format!("({c}.md)")),
        format!("book/SUMMARY.md: a link to {c}.md"),
    );
    need(
        root()
            .join(format!("book/generated/{c}/report.snap"))
            .is_file(),
        format!(
            "book/generated/{c}/report.snap (INSTA_UPDATE=always cargo test -p {c} --test book)"
        ),
    );
    need(
        read("README.md").contains(&format!("`chapters/{c}`")),
        format!("README.md: a row for `chapters/{c}`"),
    );
    need(
        read("book/introduction.md").contains(&format!("-p {c}`")),
        format!("book/introduction.md: `cargo run --release -p {c}`"),
    );
    need(
        read("xtask/src/bench.rs").contains(&format!("package: \"{c}\"")),
        format!("xtask/src/bench.rs: a Workload with package: \"{c}\""),
    );
    let browser = read("xtask/browser/check-book.mjs");
    need(
        browser.contains(&format!("{c}.html"))
            || (browser.contains(r"/^chapter-0\d\.html$/") && n < 10),
        format!("xtask/browser/check-book.mjs: MATH_PAGES matching {c}.html"),
    );
    missing
}

#[test]
fn every_chapter_is_listed_everywhere_a_chapter_must_be() {
    let chapters = chapters();
    assert!(chapters.len() >= 6, "{chapters:?}");
    let missing: Vec<String> = chapters.iter().flat_map(|c| missing_places(c)).collect();
    assert!(
        missing.is_empty(),
        "a chapter is missing from (see CONTRIBUTING.md):\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_benchmark_names_a_python_mirror_that_exists() {
    let bench = read("xtask/src/bench.rs");
    let scripts: Vec<&str> = bench
        .lines()
        .filter_map(|l| l.trim().strip_prefix("script: \""))
        .filter_map(|l| l.split('"').next())
        .collect();
    assert!(!scripts.is_empty());
    for s in scripts {
        assert!(
            root().join("bench").join(s).is_file(),
            "xtask/src/bench.rs names bench/{s}, which is missing"
        );
    }
}

#[test]
fn the_check_fails_naming_the_place_for_a_chapter_listed_nowhere() {
    // A chapter listed nowhere (not even as a crate) is missing from every list.
    let places = missing_places("chapter-99");
    assert!(places.len() >= 13, "{places:?}");
    assert!(
        places
            .iter()
            .any(|p| p.contains("[workspace.dependencies] chapter-99"))
    );
    assert!(
        places
            .iter()
            .any(|p| p.contains("[lints] workspace = true"))
    );
    assert!(places.iter().any(|p| p.contains("MATH_PAGES")));
}
