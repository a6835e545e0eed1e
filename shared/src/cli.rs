//! Command-line plumbing shared by every chapter binary.
//!
//! A chapter's `main` is one line, [`chapter_main!`](crate::chapter_main): its
//! `Config` (declared with [`parameters!`](crate::parameters)) and the
//! [`CommonArgs`] become the command line, and every binary reports bad input
//! the same way: one line `error: …` on stderr and exit code 2.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};

use crate::error::{Error, Result};
use crate::report::Output;

/// Flags every chapter accepts besides its own parameters.
#[derive(Debug, Clone, clap::Args)]
pub struct CommonArgs {
    /// Directory for the SVG figures [default: target/CHAPTER, e.g. target/chapter-01].
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Do not show progress on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

/// A chapter's command line: its parameters (declared once with
/// [`parameters!`](crate::parameters)) and the [`CommonArgs`].
#[derive(Debug, clap::Parser)]
struct ChapterArgs<C: clap::Args> {
    #[command(flatten)]
    config: C,
    #[command(flatten)]
    common: CommonArgs,
}

/// A chapter binary's whole `main`: `chapter_main!(Config, run)` parses the
/// command line into the chapter's `Config` and [`CommonArgs`], runs `run`
/// and [`emit`]s its output. Name, version and about text come from the
/// chapter's `Cargo.toml`.
#[macro_export]
macro_rules! chapter_main {
    ($config:ty, $run:expr) => {
        $crate::cli::chapter_main_with::<$config>(
            env!("CARGO_PKG_NAME"),
            env!("CARGO_PKG_VERSION"),
            env!("CARGO_PKG_DESCRIPTION"),
            $run,
        )
    };
}

/// What [`chapter_main!`](crate::chapter_main) expands to: parses the command line for
/// chapter `name` ([`parse_error_exit`] on failure), then runs `run` on the
/// parsed configuration under [`run_main`] and [`run_and_emit`].
pub fn chapter_main_with<C: clap::Args>(
    name: &'static str,
    version: &'static str,
    about: &'static str,
    run: impl FnOnce(&C) -> Result<Output>,
) -> ExitCode {
    match parse::<ChapterArgs<C>>(name, version, about) {
        Ok(args) => run_main(|| run_and_emit(&args.common, name, || run(&args.config))),
        Err(code) => code,
    }
}

/// Parses the command line into `P` for the binary `name` (with its
/// `version` and `about` text); on bad input prints the one-line error
/// ([`parse_error_exit`]) and returns the exit code instead.
///
/// # Errors
/// The exit code to return from `main`: 0 after `--help` or `--version`, 2 on bad input.
pub fn parse<P: clap::Parser>(
    name: &'static str,
    version: &'static str,
    about: &'static str,
) -> std::result::Result<P, ExitCode> {
    let command = P::command()
        .name(name)
        .bin_name(name)
        .version(version)
        .about(about)
        .long_about(None);
    command
        .try_get_matches()
        .and_then(|matches| P::from_arg_matches(&matches))
        .map_err(|e| parse_error_exit(&e))
}

impl CommonArgs {
    /// The figure directory: `--out-dir` or `target/<chapter>`.
    pub fn out_dir_or_default(&self, chapter: &str) -> PathBuf {
        self.out_dir
            .clone()
            .unwrap_or_else(|| Path::new("target").join(chapter))
    }

    /// A spinner on stderr while the experiments run, hidden with `--quiet`,
    /// under CI, or when stderr is not a terminal (indicatif's default), so it
    /// never reaches the report on stdout.
    pub fn spinner(&self, message: &'static str) -> ProgressBar {
        let hidden = self.quiet || std::env::var_os("CI").is_some_and(|v| v != "false" && v != "0");
        PROGRESS_SHOWN.store(!hidden, std::sync::atomic::Ordering::Relaxed);
        if hidden {
            return ProgressBar::hidden();
        }
        let bar = progress_area().add(ProgressBar::new_spinner().with_message(message));
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            bar.set_style(style);
        }
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    }
}

/// Whether progress is shown: set by [`CommonArgs::spinner`] (not `--quiet`, not CI).
static PROGRESS_SHOWN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The stderr area all bars share, so a spinner and a bar do not overwrite each other.
fn progress_area() -> &'static indicatif::MultiProgress {
    static AREA: std::sync::OnceLock<indicatif::MultiProgress> = std::sync::OnceLock::new();
    AREA.get_or_init(indicatif::MultiProgress::new)
}

/// A progress bar of `len` steps on stderr, for long loops inside a chapter's
/// run (training epochs). Hidden unless a chapter binary is running with
/// progress shown (not `--quiet`, not under CI, stderr a terminal), so library
/// calls and tests never draw.
pub fn progress_bar(len: u64, message: &'static str) -> ProgressBar {
    if !PROGRESS_SHOWN.load(std::sync::atomic::Ordering::Relaxed) {
        return ProgressBar::hidden();
    }
    let bar = progress_area().add(ProgressBar::new(len).with_message(message));
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({elapsed})") {
        bar.set_style(style);
    }
    bar
}

/// clap's message on one line: the first line, with the indented lines that
/// follow it (the missing arguments clap lists below "were not provided:").
fn one_line(e: &clap::Error) -> String {
    let rendered = e.render().to_string();
    let mut lines = rendered.lines();
    let mut out = lines
        .next()
        .unwrap_or("error: invalid arguments")
        .to_string();
    for more in lines.take_while(|l| l.starts_with("  ")) {
        out.push(' ');
        out.push_str(more.trim());
    }
    out
}

/// How a command-line parse failure ends the program: `--help` and
/// `--version` print and exit 0; any other failure prints a single line
/// (clap's own message, without its usage block) and exits 2.
pub fn parse_error_exit(e: &clap::Error) -> ExitCode {
    match e.kind() {
        clap::error::ErrorKind::DisplayHelp
        | clap::error::ErrorKind::DisplayVersion
        | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        _ => {
            say(&format!("{} (run with --help for usage)", one_line(e)));
            ExitCode::from(2)
        }
    }
}

/// Runs a chapter's body; on error prints `error: …` on one line and returns a
/// nonzero exit code (2 for bad input, 1 for I/O and drawing failures).
pub fn run_main(body: impl FnOnce() -> Result<()>) -> ExitCode {
    match body() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            say(&format!("error: {e}"));
            match e {
                Error::Io { .. } | Error::Plot { .. } | Error::Data { .. } => ExitCode::from(1),
                _ => ExitCode::from(2),
            }
        }
    }
}

/// A line on stderr; a closed or full stderr is ignored (never a panic, unlike `eprintln!`).
fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Runs a chapter's experiments under a [`CommonArgs::spinner`], then [`emit`]s the output.
///
/// The figure directory is checked (created if missing) before anything is
/// computed, so a bad `--out-dir` fails at once instead of after the run.
pub fn run_and_emit(
    common: &CommonArgs,
    chapter: &str,
    run: impl FnOnce() -> Result<Output>,
) -> Result<()> {
    prepare_dir(&common.out_dir_or_default(chapter))?;
    let spinner = common.spinner("running the experiments");
    let output = run();
    spinner.finish_and_clear();
    PROGRESS_SHOWN.store(false, std::sync::atomic::Ordering::Relaxed);
    emit(&output?, common, chapter)
}

/// Prints a chapter's report on stdout and writes its figures to `--out-dir`
/// (default `target/<chapter>`), naming each file on stderr unless `--quiet`.
///
/// A closed or full stdout is an [`Error::Io`], not a panic.
pub fn emit(output: &Output, common: &CommonArgs, chapter: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(output.report.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|source| Error::Io {
            path: "<stdout>".into(),
            source,
        })?;
    let dir = common.out_dir_or_default(chapter);
    for (name, svg) in &output.figures {
        let path = write_file(&dir, name, svg)?;
        if !common.quiet {
            say(&format!("wrote {}", path.display()));
        }
    }
    Ok(())
}

/// Creates `dir` if needed and checks that it is a directory.
pub fn prepare_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    if !dir.is_dir() {
        return Err(Error::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::other("not a directory; pass --out-dir DIR"),
        });
    }
    Ok(())
}

/// Writes `contents` to `dir/name`, creating `dir` if needed.
pub fn write_file(dir: &Path, name: &str, contents: &str) -> Result<PathBuf> {
    prepare_dir(dir)?;
    let path = dir.join(name);
    std::fs::write(&path, contents).map_err(|source| Error::Io {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

/// Fails up front when a combination of flags, each allowed alone, would need
/// more than `limit` units of `what` (say, matrix entries held in memory, or
/// multiply-adds), naming the flags to lower. `need` is computed in `f64` so it
/// cannot overflow.
pub fn ensure_budget(what: &str, need: f64, limit: f64, flags: &'static str) -> Result<()> {
    if need <= limit {
        Ok(())
    } else {
        Err(Error::out_of_range(
            flags,
            format!(
                "small enough that the run needs at most {limit:.1e} {what} (this one needs {need:.1e}); lower one of them"
            ),
            "this combination",
        ))
    }
}

/// Fails with [`Error::OutOfRange`] unless `lo <= value <= hi`.
pub fn ensure_in_range<T>(name: &'static str, value: T, lo: T, hi: T) -> Result<T>
where
    T: PartialOrd + std::fmt::Display + Copy,
{
    if value >= lo && value <= hi {
        Ok(value)
    } else {
        Err(Error::out_of_range(
            name,
            format!("between {lo} and {hi}"),
            value,
        ))
    }
}
