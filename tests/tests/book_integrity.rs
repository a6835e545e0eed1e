//! The book's sources are consistent: mdBook logs a missing include and
//! silently renders a misspelled anchor as nothing, so this test is the guard.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn book_dir() -> PathBuf {
    root().join("book")
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn markdown_pages() -> Vec<PathBuf> {
    files_under(&book_dir())
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect()
}

/// `(path, spec)` of every `{{#include path:spec}}` / `{{#rustdoc_include …}}`.
fn includes(text: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for directive in ["{{#include ", "{{#rustdoc_include "] {
        for piece in text.split(directive).skip(1) {
            let body = piece.split("}}").next().unwrap().trim();
            match body.split_once(':') {
                Some((path, spec)) => out.push((path.to_string(), Some(spec.to_string()))),
                None => out.push((body.to_string(), None)),
            }
        }
    }
    out
}

/// Targets of Markdown images `![alt](target)`.
fn images(text: &str) -> Vec<String> {
    text.split("![")
        .skip(1)
        .filter_map(|piece| {
            let after = piece.split_once("](")?.1;
            Some(
                after
                    .split(')')
                    .next()?
                    .split_whitespace()
                    .next()?
                    .to_string(),
            )
        })
        .collect()
}

fn anchored_region(source: &str, anchor: &str) -> Option<String> {
    let begin = format!("ANCHOR: {anchor}");
    let end = format!("ANCHOR_END: {anchor}");
    let mut inside = false;
    let mut found = false;
    let mut lines = Vec::new();
    for line in source.lines() {
        if line.trim_end().ends_with(&begin) {
            inside = true;
            found = true;
        } else if line.trim_end().ends_with(&end) {
            inside = false;
        } else if inside && !line.contains("ANCHOR") {
            lines.push(line);
        }
    }
    found.then(|| lines.join("\n"))
}

#[test]
fn every_include_target_and_anchor_exists_and_is_non_empty() {
    for page in markdown_pages() {
        let text = fs::read_to_string(&page).unwrap();
        for (path, spec) in includes(&text) {
            let target = page.parent().unwrap().join(&path);
            let where_ = format!("{} includes {path}", page.display());
            let source =
                fs::read_to_string(&target).unwrap_or_else(|_| panic!("{where_}: missing"));
            match spec.as_deref() {
                Some(spec) if spec.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) => {
                    let region = anchored_region(&source, spec)
                        .unwrap_or_else(|| panic!("{where_}: no anchor `{spec}`"));
                    assert!(
                        !region.trim().is_empty(),
                        "{where_}: anchor `{spec}` is empty"
                    );
                }
                Some("4:") => {
                    let header: Vec<&str> = source.lines().take(3).collect();
                    assert!(
                        header.len() == 3
                            && header[0] == "---"
                            && header[1].starts_with("source: ")
                            && header[2] == "---",
                        "{where_}: expected insta's three-line header, got {header:?}"
                    );
                    assert!(
                        source.lines().nth(3).is_some(),
                        "{where_}: empty snapshot body"
                    );
                }
                _ => assert!(!source.trim().is_empty(), "{where_}: empty file"),
            }
        }
    }
}

#[test]
fn every_image_resolves_inside_the_book() {
    let book = book_dir().canonicalize().unwrap();
    for page in markdown_pages() {
        let text = fs::read_to_string(&page).unwrap();
        for image in images(&text) {
            let target = page.parent().unwrap().join(&image);
            let resolved = target
                .canonicalize()
                .unwrap_or_else(|_| panic!("{}: image {image} does not exist", page.display()));
            assert!(
                resolved.starts_with(&book),
                "{}: image {image} is outside book/",
                page.display()
            );
        }
    }
}

#[test]
fn every_generated_file_is_referenced_by_a_page() {
    let mut referenced = BTreeSet::new();
    for page in markdown_pages() {
        let text = fs::read_to_string(&page).unwrap();
        let dir = page.parent().unwrap();
        let targets = includes(&text)
            .into_iter()
            .map(|(p, _)| p)
            .chain(images(&text));
        for t in targets {
            if let Ok(p) = dir.join(t).canonicalize() {
                referenced.insert(p);
            }
        }
    }
    for file in files_under(&book_dir().join("generated")) {
        let file = file.canonicalize().unwrap();
        let name = file.to_string_lossy().to_string();
        // A binary snapshot's metadata file `x.snap` belongs to its sidecar `x.snap.svg`.
        let sidecar = PathBuf::from(format!("{name}.svg"));
        // The processor level the snapshots were recorded on is for the tests, not the pages.
        let platform = file
            .file_name()
            .is_some_and(|n| n == shared::testing::PLATFORM_FILE);
        assert!(
            platform || referenced.contains(&file) || referenced.contains(&sidecar),
            "{name} is generated but no page shows it"
        );
    }
}

#[test]
fn no_pending_snapshots_are_left() {
    let pending: Vec<PathBuf> = [root().join("book"), root().join("chapters")]
        .iter()
        .flat_map(|d| files_under(d))
        .filter(|p| {
            let n = p.to_string_lossy();
            n.ends_with(".snap.new") || n.ends_with(".pending-snap")
        })
        .collect();
    assert!(pending.is_empty(), "review or delete: {pending:?}");
}

#[test]
fn every_summary_entry_exists() {
    let summary = fs::read_to_string(book_dir().join("SUMMARY.md")).unwrap();
    let links: Vec<&str> = summary
        .split("](")
        .skip(1)
        .map(|p| p.split(')').next().unwrap())
        .collect();
    assert!(!links.is_empty());
    for link in links {
        assert!(
            book_dir().join(link).is_file(),
            "SUMMARY.md links to missing {link}"
        );
    }
}

/// `(file, anchor)` of every `ANCHOR: name` in the chapter crates' sources.
fn source_anchors() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for file in files_under(&root().join("chapters")) {
        if file.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = fs::read_to_string(&file).unwrap();
        for line in text.lines() {
            if let Some((_, name)) = line.split_once("ANCHOR: ") {
                out.push((file.clone(), name.trim().to_string()));
            }
        }
    }
    out
}

/// Every anchored region in the sources is shown by some page: an anchor no
/// page includes is either dead or a section the book forgot.
#[test]
fn every_source_anchor_is_included_by_a_page() {
    let mut included = BTreeSet::new();
    for page in markdown_pages() {
        let text = fs::read_to_string(&page).unwrap();
        for (path, spec) in includes(&text) {
            if let Some(spec) = spec {
                let target = fs::canonicalize(page.parent().unwrap().join(&path)).unwrap();
                included.insert((target, spec));
            }
        }
    }
    let anchors = source_anchors();
    assert!(anchors.len() > 20, "the anchor scan found too few anchors");
    for (file, name) in anchors {
        let key = (fs::canonicalize(&file).unwrap(), name.clone());
        assert!(
            included.contains(&key),
            "{}: anchor `{name}` is not included by any page",
            file.display()
        );
    }
}

/// A region that stops inside a function (more `{` than `}`) must say so:
/// its last line is `// --snip--`, so a reader knows code follows.
#[test]
fn regions_that_stop_mid_function_say_snip() {
    for (file, name) in source_anchors() {
        let source = fs::read_to_string(&file).unwrap();
        let region = anchored_region(&source, &name).unwrap();
        let opens = region.matches('{').count();
        let closes = region.matches('}').count();
        let last = region.lines().last().unwrap_or("").trim();
        if opens > closes {
            assert_eq!(
                last,
                "// --snip--",
                "{}: anchor `{name}` stops mid-function without `// --snip--`",
                file.display()
            );
        }
    }
}
