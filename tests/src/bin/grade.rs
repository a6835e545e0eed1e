//! `cargo run -p grading --bin grade -- [--json PATH] [--gradescope PATH] [--pristine DIR] [--expect full|zero]`:
//! grades the exercises (see `grading::grader`).
//!
//! Exit code 0 when grading ran (whatever the score) and after `--help`; 2
//! on a bad flag (one line `error: …` on stderr, nothing graded), on any
//! other error, and when `--expect` does not hold. With `--pristine`, the
//! restored grader's own exit code.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Parser, ValueEnum};
use grading::grader;

/// The synopsis, in help and in every flag error.
const USAGE: &str = "grade [--json PATH] [--gradescope PATH] [--pristine DIR] [--expect full|zero]";

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Grades the exercises: builds the test targets that `tests/grading.toml`
/// lists, runs each graded test, and prints the score of every exercise.
#[derive(Debug, Parser)]
#[command(name = "grade", override_usage = USAGE, args_override_self = true)]
struct Flags {
    /// Also write the report as JSON to PATH (score, max_score, build_error
    /// and every test's row).
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Also write Gradescope's `results.json` to PATH.
    #[arg(long, value_name = "PATH")]
    gradescope: Option<PathBuf>,
    /// Grade with the instructor's grading package: copy `tests/`,
    /// `Cargo.toml` and `Cargo.lock` of the pristine workspace DIR over this
    /// one (the submission), then run the restored grader with the other flags.
    #[arg(long, value_name = "DIR")]
    pristine: Option<PathBuf>,
    /// CI's self-check: exit 2 unless the score is as expected.
    #[arg(long, value_enum, value_name = "full|zero")]
    expect: Option<Expect>,
}

/// What `--expect` demands of the score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Expect {
    /// Every point (the reference solution).
    Full,
    /// No point, and every test target compiles (the student release).
    Zero,
}

impl Expect {
    /// The flag's value.
    fn name(self) -> &'static str {
        match self {
            Expect::Full => "full",
            Expect::Zero => "zero",
        }
    }
}

/// The parsed flags, or `None` after `--help` (printed).
fn parse() -> Result<Option<Flags>, String> {
    match Flags::try_parse() {
        Ok(flags) => Ok(Some(flags)),
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            e.print().map_err(|e| e.to_string())?;
            Ok(None)
        }
        Err(e) => Err(flag_error(&e)),
    }
}

/// clap's error as one line in the grader's words: `unknown argument `X``,
/// `--json needs a value`, `--expect takes full or zero, not `X``.
fn flag_error(e: &clap::Error) -> String {
    let context = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => s.as_str(),
        _ => "",
    };
    // clap names a flag with its value, like `--json <PATH>`.
    let flag = context(ContextKind::InvalidArg)
        .split_whitespace()
        .next()
        .unwrap_or("");
    let value = context(ContextKind::InvalidValue);
    match e.kind() {
        ErrorKind::UnknownArgument => format!("unknown argument `{flag}`; usage: {USAGE}"),
        ErrorKind::InvalidValue if value.is_empty() => {
            format!("{flag} needs a value; usage: {USAGE}")
        }
        ErrorKind::InvalidValue => match e.get(ContextKind::ValidValue) {
            Some(ContextValue::Strings(valid)) => {
                format!("{flag} takes {}, not `{value}`", valid.join(" or "))
            }
            _ => format!("{flag} does not take `{value}`; usage: {USAGE}"),
        },
        _ => {
            let rendered = e.render().to_string();
            let first = rendered.lines().next().unwrap_or("invalid arguments");
            format!(
                "{}; usage: {USAGE}",
                first.strip_prefix("error: ").unwrap_or(first)
            )
        }
    }
}

fn run() -> Result<ExitCode, String> {
    let Some(flags) = parse()? else {
        return Ok(ExitCode::SUCCESS);
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("no workspace root")?
        .to_path_buf();
    if let Some(dir) = &flags.pristine {
        restore(dir, &root)?;
        // This binary was built from the submission; grade with the grader
        // just restored instead.
        return rerun_restored(&root, &flags);
    }
    let manifest = grader::read_manifest(&root.join("tests/grading.toml"))?;
    eprintln!("building the graded tests...");
    let built = grader::build_all(&root, &manifest);
    let rows = grader::grade(&manifest, &built);
    print!("{}", grader::render(&rows));
    let build_error = built.iter().find_map(|(_, b)| b.as_ref().err().cloned());
    if let Some(e) = &build_error {
        println!("\n{e}");
    }
    let (score, max) = grader::totals(&rows);
    if let Some(path) = &flags.json {
        let value = serde_json::json!({
            "score": score,
            "max_score": max,
            "build_error": build_error,
            "tests": rows,
        });
        write(path, &value)?;
    }
    if let Some(path) = &flags.gradescope {
        write(path, &grader::gradescope(&rows, build_error.as_deref()))?;
    }
    // CI's self-check: the reference scores everything, the student release nothing.
    match flags.expect {
        Some(Expect::Full) if score != max => {
            Err(format!("--expect full: the score is {score}/{max}"))
        }
        Some(Expect::Zero) if score != 0.0 || build_error.is_some() => Err(format!(
            "--expect zero: the score is {score}/{max}{}",
            if build_error.is_some() {
                " and a test target does not compile"
            } else {
                ""
            }
        )),
        _ => Ok(ExitCode::SUCCESS),
    }
}

fn write(path: &Path, value: &serde_json::Value) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    std::fs::write(path, text + "\n").map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Copies the instructor's grading package (`tests/`: manifest, sources,
/// graded and hidden tests, `grading.toml`) and the workspace's `Cargo.toml`
/// and `Cargo.lock` from the pristine tree `dir` over the submission at `root`.
fn restore(dir: &Path, root: &Path) -> Result<(), String> {
    let canonical = |p: &Path| {
        p.canonicalize()
            .map_err(|e| format!("{}: {e}", p.display()))
    };
    let (from_root, to_root) = (canonical(dir)?, canonical(root)?);
    if from_root == to_root {
        return Err(format!(
            "--pristine {} is the submission itself; give the instructor's copy",
            dir.display()
        ));
    }
    if !from_root.join("tests/grading.toml").is_file()
        || !from_root.join("tests/Cargo.toml").is_file()
    {
        return Err(format!(
            "{} is not a pristine workspace (no tests/grading.toml or tests/Cargo.toml)",
            dir.display()
        ));
    }
    let io = |what: &Path| {
        let what = what.display().to_string();
        move |e: std::io::Error| format!("{what}: {e}")
    };
    let to_tests = to_root.join("tests");
    if to_tests.exists() {
        std::fs::remove_dir_all(&to_tests).map_err(io(&to_tests))?;
    }
    copy_tree(&from_root.join("tests"), &to_tests)?;
    for file in ["Cargo.toml", "Cargo.lock"] {
        std::fs::copy(from_root.join(file), to_root.join(file)).map_err(io(&to_root.join(file)))?;
    }
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let name = path.file_name().ok_or("a file without a name")?;
        if path.is_dir() {
            copy_tree(&path, &to.join(name))?;
        } else {
            std::fs::copy(&path, to.join(name)).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// Runs the restored grader on the same flags, less `--pristine`.
fn rerun_restored(root: &Path, flags: &Flags) -> Result<ExitCode, String> {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.args([
        "run",
        "-q",
        "--locked",
        "--offline",
        "-p",
        "grading",
        "--bin",
        "grade",
        "--",
    ])
    .current_dir(root);
    for (flag, value) in [("--json", &flags.json), ("--gradescope", &flags.gradescope)] {
        if let Some(v) = value {
            cmd.arg(flag)
                .arg(std::path::absolute(v).map_err(|e| e.to_string())?);
        }
    }
    if let Some(e) = flags.expect {
        cmd.args(["--expect", e.name()]);
    }
    let status = cmd.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(c) => ExitCode::from(u8::try_from(c).unwrap_or(2)),
        None => ExitCode::from(2),
    })
}
