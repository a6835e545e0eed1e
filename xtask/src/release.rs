//! Exercises and the student release (`cargo xtask release-student --out DIR`).
//!
//! The code a student writes is marked in the reference source, nbgrader
//! style:
//!
//! ```text
//! // BEGIN SOLUTION 1.2: the power step
//! ...reference code...
//! // END SOLUTION
//! ```
//!
//! [`strip`] replaces each region by `todo!("exercise 1.2: the power step");`
//! at the marker's indentation (a statement, so code may follow it; as the
//! last statement of a body it still type-checks, since it diverges). A region must be a balanced piece of code
//! (its brackets close inside it), so that what replaces it leaves the
//! function with a body; nested, unclosed or stray markers, or a marker
//! without an exercise id, are errors that name the file and line. The same
//! function hides the solutions in the book (`main.rs`, the `solutions`
//! preprocessor), so the book shows each exercise's signature and doc
//! comment but never its solution.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};

const BEGIN: &str = "// BEGIN SOLUTION";
const END: &str = "// END SOLUTION";

/// One solution region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// Exercise id, like `2.3`.
    pub id: String,
    /// Its short title.
    pub title: String,
    /// Line of the BEGIN marker (1-based).
    pub line: usize,
}

/// `source` (the text of `file`) with every solution region replaced by a
/// `todo!`, and the regions found.
///
/// # Errors
/// A marker error naming `file:line`.
pub fn strip(source: &str, file: &str) -> Result<(String, Vec<Region>)> {
    let mut out = String::with_capacity(source.len());
    let mut regions = Vec::new();
    let mut open: Option<(Region, String, String)> = None; // region, indent, body
    for (i, line) in source.split_inclusive('\n').enumerate() {
        let n = i + 1;
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix(BEGIN) {
            if let Some((r, _, _)) = &open {
                bail!(
                    "{file}:{n}: nested `{BEGIN}` (the region of exercise {} opened at line {} is not closed)",
                    r.id,
                    r.line
                );
            }
            let (id, title) = parse_header(rest)
                .with_context(|| format!("{file}:{n}: `{BEGIN} <id>: <title>` expected, like `{BEGIN} 1.2: the power step`"))?;
            let indent: String = line.chars().take_while(|c| c.is_whitespace()).collect();
            open = Some((Region { id, title, line: n }, indent, String::new()));
        } else if trimmed == END {
            let Some((region, indent, body)) = open.take() else {
                bail!("{file}:{n}: `{END}` without a `{BEGIN}` before it");
            };
            check_body(&body, &region, file)?;
            out.push_str(&format!(
                "{indent}todo!(\"exercise {}: {}\");\n",
                region.id, region.title
            ));
            regions.push(region);
        } else if let Some((_, _, body)) = &mut open {
            body.push_str(line);
        } else {
            out.push_str(line);
        }
    }
    if let Some((r, _, _)) = open {
        bail!(
            "{file}:{}: `{BEGIN}` of exercise {} is never closed by `{END}`",
            r.line,
            r.id
        );
    }
    Ok((out, regions))
}

/// `" 1.2: the power step"` → (`1.2`, `the power step`).
fn parse_header(rest: &str) -> Option<(String, String)> {
    let (id, title) = rest.trim().split_once(':')?;
    let id = id.trim();
    let valid = id.split('.').count() == 2
        && id
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let title = title.trim();
    (valid && !title.is_empty() && !title.contains('"'))
        .then(|| (id.to_string(), title.to_string()))
}

/// A region must hold code whose brackets balance (so the `todo!` that
/// replaces it sits where a statement or the tail expression was).
fn check_body(body: &str, region: &Region, file: &str) -> Result<()> {
    if body.trim().is_empty() {
        bail!(
            "{file}:{}: the region of exercise {} is empty",
            region.line,
            region.id
        );
    }
    if body.parse::<proc_macro2::TokenStream>().is_err() {
        bail!(
            "{file}:{}: the region of exercise {} does not close its own brackets; replacing it would leave the function without a body (end the region before the function's closing brace)",
            region.line,
            region.id
        );
    }
    Ok(())
}

/// The flags of `cargo xtask release-student`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The directory to write the release to: new, or empty.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

/// `cargo xtask release-student --out DIR`.
pub fn run(args: &Args) -> Result<()> {
    let out = &args.out;
    let root = crate::workspace_root();
    if out.exists() && std::fs::read_dir(out)?.next().is_some() {
        bail!(
            "{} exists and is not empty; choose a new directory",
            out.display()
        );
    }
    let listed = Command::new("git")
        .args(["ls-files", "-z", "--cached"])
        .current_dir(&root)
        .output()
        .context("running git ls-files (the release copies the files git tracks)")?;
    if !listed.status.success() {
        bail!(
            "git ls-files failed: {}",
            String::from_utf8_lossy(&listed.stderr)
        );
    }
    let mut exercises: Vec<(String, Region)> = Vec::new();
    for name in String::from_utf8(listed.stdout)?
        .split('\0')
        .filter(|s| !s.is_empty())
    {
        let (from, to) = (root.join(name), out.join(name));
        if !from.is_file() {
            continue; // deleted in the work tree
        }
        if is_hidden_test(name) {
            continue;
        }
        std::fs::create_dir_all(to.parent().context("a file without a directory")?)?;
        if name == "tests/grading.toml" {
            let kept = without_hidden_entries(&std::fs::read_to_string(&from)?)
                .with_context(|| format!("reading {name}"))?;
            std::fs::write(&to, kept)?;
        } else if name.ends_with(".rs") {
            let text = std::fs::read_to_string(&from).with_context(|| format!("reading {name}"))?;
            let (released, regions) = strip(&text, name)?;
            std::fs::write(&to, released)?;
            exercises.extend(regions.into_iter().map(|r| (name.to_string(), r)));
        } else {
            std::fs::copy(&from, &to).with_context(|| format!("copying {name}"))?;
        }
    }
    for (file, r) in &exercises {
        println!("exercise {:>5}  {}  ({file}:{})", r.id, r.title, r.line);
    }
    println!(
        "released {} solution regions to {}",
        exercises.len(),
        out.display()
    );
    Ok(())
}

/// Hidden graded tests live in `tests/tests/hidden_*.rs`, which the release leaves out.
fn is_hidden_test(name: &str) -> bool {
    name.strip_prefix("tests/tests/hidden_")
        .is_some_and(|rest| rest.ends_with(".rs"))
}

/// `grading.toml` without the `[[test]]` entries marked `hidden = true`.
/// (Each entry is parsed as TOML, so comments, spacing and key order do not
/// matter; an entry starts at a line `[[test]]`.)
///
/// # Errors
/// An entry that is not valid TOML.
fn without_hidden_entries(text: &str) -> Result<String> {
    let mut entries: Vec<String> = vec![String::new()];
    for line in text.split_inclusive('\n') {
        let code = line.split('#').next().unwrap_or("");
        if code.replace([' ', '\t'], "").trim() == "[[test]]" {
            entries.push(String::new());
        }
        entries.last_mut().expect("never empty").push_str(line);
    }
    let mut out = entries.remove(0);
    for entry in entries {
        let parsed: toml::Table = toml::from_str(&entry).context("an entry of grading.toml")?;
        let hidden = parsed["test"]
            .as_array()
            .and_then(|a| a.first())
            .and_then(|t| t.get("hidden"))
            .and_then(toml::Value::as_bool)
            .unwrap_or(false);
        if !hidden {
            out.push_str(&entry);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "fn f(x: f64) -> f64 {\n    let y = x;\n    // BEGIN SOLUTION 1.1: double it\n    if y > 0.0 { 2.0 * y } else { y + y }\n    // END SOLUTION\n}\n";

    #[test]
    fn a_region_becomes_a_todo_at_its_indentation() {
        let (out, regions) = strip(GOOD, "a.rs").unwrap();
        assert_eq!(
            out,
            "fn f(x: f64) -> f64 {\n    let y = x;\n    todo!(\"exercise 1.1: double it\");\n}\n"
        );
        assert_eq!(
            regions,
            vec![Region {
                id: "1.1".into(),
                title: "double it".into(),
                line: 3
            }]
        );
        assert!(out.parse::<proc_macro2::TokenStream>().is_ok());
    }

    #[test]
    fn hidden_tests_and_their_entries_are_left_out() {
        assert!(is_hidden_test("tests/tests/hidden_chapter_02.rs"));
        assert!(!is_hidden_test("tests/tests/exercises_chapter_02.rs"));
        let toml = "# head\n[[test]]\nname = \"a\"\n\n[[ test ]] # b\nhidden\t= true # kept back\nname = \"b\"\n\n[[test]]\nname = \"c\"\nhidden = false\n";
        let kept = without_hidden_entries(toml).unwrap();
        assert!(
            kept.contains("\"a\"") && kept.contains("\"c\"") && !kept.contains("\"b\""),
            "{kept}"
        );
        assert!(kept.starts_with("# head"));
    }

    #[test]
    fn text_without_markers_is_unchanged() {
        let plain = "fn g() -> u8 {\n    1\n}";
        assert_eq!(strip(plain, "b.rs").unwrap(), (plain.to_string(), vec![]));
    }

    fn error(text: &str) -> String {
        format!("{:#}", strip(text, "src/x.rs").unwrap_err())
    }

    #[test]
    fn marker_errors_name_the_file_and_line() {
        let nested = "fn f() {\n// BEGIN SOLUTION 1.1: a\n// BEGIN SOLUTION 1.2: b\n1\n// END SOLUTION\n// END SOLUTION\n}\n";
        assert!(
            error(nested).starts_with("src/x.rs:3: nested"),
            "{}",
            error(nested)
        );
        let stray = "fn f() {\n1\n// END SOLUTION\n}\n";
        let sloppy = "fn f() {\n// BEGIN SOLUTION 1.1: a\n1\n// END SOLUTIONS\n}\n";
        assert!(error(sloppy).contains("never closed"), "{}", error(sloppy));
        assert!(error(stray).starts_with("src/x.rs:3:"), "{}", error(stray));
        let unclosed = "fn f() {\n// BEGIN SOLUTION 1.1: a\n1\n}\n";
        assert!(
            error(unclosed).starts_with("src/x.rs:2:") && error(unclosed).contains("never closed")
        );
        let no_id = "fn f() {\n// BEGIN SOLUTION: a\n1\n// END SOLUTION\n}\n";
        assert!(error(no_id).starts_with("src/x.rs:2:"), "{}", error(no_id));
        let empty = "fn f() {\n// BEGIN SOLUTION 1.1: a\n\n// END SOLUTION\n}\n";
        assert!(error(empty).contains("empty"));
    }

    #[test]
    fn a_region_that_takes_the_closing_brace_is_refused() {
        let text = "fn f() -> u8 {\n    // BEGIN SOLUTION 1.1: a\n    1\n}\n// END SOLUTION\n";
        let e = error(text);
        assert!(
            e.starts_with("src/x.rs:2:") && e.contains("without a body"),
            "{e}"
        );
    }

    #[test]
    fn the_workspace_markers_parse_and_every_released_file_is_rust() {
        let root = crate::workspace_root();
        let mut ids = Vec::new();
        for chapter in std::fs::read_dir(root.join("chapters")).unwrap() {
            let src = chapter.unwrap().path().join("src");
            for file in std::fs::read_dir(&src).unwrap() {
                let path = file.unwrap().path();
                let text = std::fs::read_to_string(&path).unwrap();
                let (out, regions) = strip(&text, &path.display().to_string()).unwrap();
                assert!(
                    out.parse::<proc_macro2::TokenStream>().is_ok(),
                    "{}",
                    path.display()
                );
                ids.extend(regions.into_iter().map(|r| r.id));
            }
        }
        ids.sort();
        ids.dedup();
        for chapter in 1..=4 {
            let n = ids
                .iter()
                .filter(|id| id.starts_with(&format!("{chapter}.")))
                .count();
            assert!(
                n >= 3,
                "chapter {chapter} has {n} exercises, at least 3 wanted"
            );
        }
    }
}
