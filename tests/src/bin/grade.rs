//! `cargo run -p grading --bin grade -- [--json PATH] [--gradescope PATH] [--pristine DIR]`:
//! grades the exercises (see `grading::grader`).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use grading::grader;

const USAGE: &str =
    "usage: grade [--json PATH] [--gradescope PATH] [--pristine DIR] [--expect full|zero]";

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// The parsed flags.
#[derive(Default)]
struct Flags {
    json: Option<PathBuf>,
    gradescope: Option<PathBuf>,
    pristine: Option<PathBuf>,
    expect: Option<String>,
}

fn parse() -> Result<Option<Flags>, String> {
    let mut flags = Flags::default();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if matches!(flag.as_str(), "-h" | "--help") {
            println!("{USAGE}");
            return Ok(None);
        }
        if !matches!(
            flag.as_str(),
            "--json" | "--gradescope" | "--pristine" | "--expect"
        ) {
            return Err(format!("unknown argument `{flag}`; {USAGE}"));
        }
        let value = args
            .next()
            .ok_or(format!("{flag} needs a value; {USAGE}"))?;
        match flag.as_str() {
            "--json" => flags.json = Some(value.into()),
            "--gradescope" => flags.gradescope = Some(value.into()),
            "--pristine" => flags.pristine = Some(value.into()),
            "--expect" if matches!(value.as_str(), "full" | "zero") => flags.expect = Some(value),
            "--expect" => return Err(format!("--expect takes full or zero, not `{value}`")),
            other => return Err(format!("unknown argument `{other}`; {USAGE}")),
        }
    }
    Ok(Some(flags))
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
    match flags.expect.as_deref() {
        Some("full") if score != max => Err(format!("--expect full: the score is {score}/{max}")),
        Some("zero") if score != 0.0 || build_error.is_some() => Err(format!(
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
    if let Some(e) = &flags.expect {
        cmd.args(["--expect", e]);
    }
    let status = cmd.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(c) => ExitCode::from(u8::try_from(c).unwrap_or(2)),
        None => ExitCode::from(2),
    })
}
