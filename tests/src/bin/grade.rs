//! `cargo run -p grading --bin grade -- [--json PATH] [--gradescope PATH] [--pristine DIR]`:
//! grades the exercises (see `grading::grader`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use grading::grader;

const USAGE: &str =
    "usage: grade [--json PATH] [--gradescope PATH] [--pristine DIR] [--expect full|zero]";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let (mut json, mut gradescope, mut pristine, mut expect) = (None, None, None, None);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let slot = match flag.as_str() {
            "--json" => &mut json,
            "--gradescope" => &mut gradescope,
            "--pristine" => &mut pristine,
            "--expect" => &mut expect,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument `{other}`; {USAGE}")),
        };
        *slot = Some(PathBuf::from(
            args.next()
                .ok_or(format!("{flag} needs a value; {USAGE}"))?,
        ));
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("no workspace root")?
        .to_path_buf();
    if let Some(dir) = &pristine {
        restore(dir, &root)?;
    }
    let manifest = grader::read_manifest(&root.join("tests/grading.toml"))?;
    eprintln!("building the graded tests...");
    let built = grader::build(&root);
    let rows = grader::grade(&manifest, &built);
    print!("{}", grader::render(&rows));
    let build_error = built.as_ref().err().map(String::as_str);
    if let Some(e) = build_error {
        println!("\n{e}");
    }
    if let Some(path) = json {
        let (score, max) = grader::totals(&rows);
        let value = serde_json::json!({ "score": score, "max_score": max, "build_error": build_error, "tests": rows });
        write(&path, &value)?;
    }
    if let Some(path) = gradescope {
        write(&path, &grader::gradescope(&rows, build_error))?;
    }
    // CI's self-check: the reference scores everything, the student release nothing.
    let (score, max) = grader::totals(&rows);
    match expect.as_ref().and_then(|p| p.to_str()) {
        None => Ok(()),
        Some("full") if score == max => Ok(()),
        Some("zero") if score == 0.0 && build_error.is_none() => Ok(()),
        Some(want @ ("full" | "zero")) => {
            Err(format!("--expect {want}: the score is {score}/{max}"))
        }
        Some(other) => Err(format!("--expect takes full or zero, not `{other}`")),
    }
}

fn write(path: &Path, value: &serde_json::Value) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    std::fs::write(path, text + "\n").map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Puts the instructor's `tests/tests/` and `tests/grading.toml` from the
/// pristine tree `dir` over the submitted ones.
fn restore(dir: &Path, root: &Path) -> Result<(), String> {
    let (from, to) = (dir.join("tests/tests"), root.join("tests/tests"));
    if !from.is_dir() || !dir.join("tests/grading.toml").is_file() {
        return Err(format!(
            "{} is not a pristine workspace (no tests/tests/ or tests/grading.toml)",
            dir.display()
        ));
    }
    let io = |e: std::io::Error| e.to_string();
    std::fs::remove_dir_all(&to).map_err(io)?;
    std::fs::create_dir_all(&to).map_err(io)?;
    for entry in std::fs::read_dir(&from).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_file() {
            std::fs::copy(
                &path,
                to.join(path.file_name().ok_or("a file without a name")?),
            )
            .map_err(io)?;
        }
    }
    std::fs::copy(
        dir.join("tests/grading.toml"),
        root.join("tests/grading.toml"),
    )
    .map_err(io)?;
    Ok(())
}
