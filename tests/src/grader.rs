//! The grader behind `cargo run -p grading --bin grade`.
//!
//! `tests/grading.toml` lists every graded test: its exercise id, points,
//! timeout, and whether it is hidden from the student release. The grader
//! builds the graded test binaries once, then runs each test in its own
//! process with its own timeout, so a panic, an abort, a stack overflow or an
//! infinite loop costs that test's points and nothing else.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use wait_timeout::ChildExt;

/// One graded test, as `tests/grading.toml` lists it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The test function's name.
    pub name: String,
    /// Its test target: the file `tests/tests/<target>.rs`.
    pub target: String,
    /// The exercise it grades, like `2.3`.
    pub exercise: String,
    /// Points for passing it.
    pub points: f64,
    /// Seconds before it counts as an infinite loop.
    pub timeout_s: f64,
    /// Left out of the student release.
    #[serde(default)]
    pub hidden: bool,
}

/// The whole manifest.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The graded tests.
    pub test: Vec<Entry>,
}

/// Reads and checks `grading.toml`.
///
/// # Errors
/// An unreadable file, bad TOML, or an entry with non-positive points or timeout.
pub fn read_manifest(path: &Path) -> Result<Manifest, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let manifest: Manifest =
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    for e in &manifest.test {
        if !(e.points > 0.0 && e.timeout_s > 0.0 && e.points.is_finite() && e.timeout_s.is_finite())
        {
            return Err(format!(
                "{}: test {} needs positive points and timeout_s",
                path.display(),
                e.name
            ));
        }
    }
    Ok(manifest)
}

/// How one test ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// It passed.
    Pass,
    /// It failed (a failed assertion or a panic, such as a `todo!`).
    Fail,
    /// It ran past its timeout and was killed.
    Timeout,
    /// The process died another way: an abort, a stack overflow, a signal.
    Crash,
}

/// What running one test gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Pass, fail, timeout or crash.
    pub status: Status,
    /// The first line that says why (empty on a pass).
    pub message: String,
    /// Wall time.
    pub duration: Duration,
}

/// Runs `exe` (a libtest binary) for exactly the test `name` (with `extra`
/// arguments such as `--ignored`, and environment `env`), killing it after
/// `timeout`.
///
/// # Errors
/// The binary cannot be started.
pub fn run_test(
    exe: &Path,
    name: &str,
    extra: &[&str],
    env: &[(&str, &str)],
    timeout: Duration,
) -> Result<Outcome, String> {
    let start = Instant::now();
    let mut child = Command::new(exe)
        .args([name, "--exact", "--test-threads=1"])
        .args(extra)
        .env("RUST_BACKTRACE", "0")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    // Drain the pipes on threads so a chatty test cannot block on a full pipe.
    let drain = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = pipe.read_to_string(&mut s);
            s
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("piped")));
    let err = drain(Box::new(child.stderr.take().expect("piped")));
    let waited = child.wait_timeout(timeout).map_err(|e| e.to_string())?;
    let Some(status) = waited else {
        let _ = child.kill();
        let _ = child.wait();
        return Ok(Outcome {
            status: Status::Timeout,
            message: format!(
                "did not finish within {:.0} s (an infinite loop?)",
                timeout.as_secs_f64()
            ),
            duration: start.elapsed(),
        });
    };
    let duration = start.elapsed();
    let (stdout, stderr) = (
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default(),
    );
    Ok(classify(
        status.code(),
        signal(&status),
        &stdout,
        &stderr,
        name,
        duration,
    ))
}

#[cfg(unix)]
fn signal(status: &std::process::ExitStatus) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt;
    status.signal()
}

#[cfg(not(unix))]
fn signal(_: &std::process::ExitStatus) -> Option<i32> {
    None
}

/// Pass, fail or crash from a finished libtest process. A pass needs exit
/// code 0, libtest's line `test NAME ... ok` and `1 passed; 0 failed`.
pub fn classify(
    code: Option<i32>,
    signal: Option<i32>,
    stdout: &str,
    stderr: &str,
    name: &str,
    duration: Duration,
) -> Outcome {
    let outcome = |status, message: String| Outcome {
        status,
        message,
        duration,
    };
    if code == Some(0) {
        let ran = stdout
            .lines()
            .any(|l| l.trim() == format!("test {name} ... ok"));
        return if ran && stdout.contains("test result: ok. 1 passed; 0 failed") {
            outcome(Status::Pass, String::new())
        } else {
            outcome(
                Status::Fail,
                format!("no test named `{name}` ran (renamed or deleted?)"),
            )
        };
    }
    if code == Some(101) && stdout.contains("test result: FAILED") {
        return outcome(
            Status::Fail,
            panic_message(stdout).unwrap_or_else(|| "failed".into()),
        );
    }
    let all = format!("{stdout}\n{stderr}");
    let why = if all.contains("has overflowed its stack") {
        "stack overflow".to_string()
    } else if let Some(line) = all
        .lines()
        .rev()
        .find(|l| l.starts_with("fatal runtime error") || l.contains("panicked at"))
    {
        line.trim().to_string()
    } else {
        match (code, signal) {
            (_, Some(6)) => "aborted (SIGABRT)".to_string(),
            (_, Some(9)) => "killed (SIGKILL; out of memory?)".to_string(),
            (_, Some(11)) => "segmentation fault (SIGSEGV)".to_string(),
            (_, Some(s)) => format!("killed by signal {s}"),
            (Some(c), None) => format!("exited with code {c}"),
            (None, None) => "ended abnormally".to_string(),
        }
    };
    outcome(Status::Crash, why)
}

/// `panicked at FILE:LINE:COL:` and the panic's first line, joined.
fn panic_message(stdout: &str) -> Option<String> {
    let mut lines = stdout.lines();
    while let Some(line) = lines.next() {
        if let Some(at) = line.find("panicked at ") {
            let location = line[at + "panicked at ".len()..].trim_end_matches(':');
            let message = lines.find(|l| !l.trim().is_empty()).unwrap_or("").trim();
            return Some(format!("{message} (at {location})"));
        }
    }
    None
}

/// Builds each test target the manifest names, one cargo call per target
/// (so a file that does not compile costs only its own tests): target name
/// and its executable, or the compiler's first error.
pub fn build_all(root: &Path, manifest: &Manifest) -> Vec<(String, Result<PathBuf, String>)> {
    let mut targets: Vec<&str> = manifest.test.iter().map(|e| e.target.as_str()).collect();
    targets.sort_unstable();
    targets.dedup();
    targets
        .into_iter()
        .map(|t| (t.to_string(), build(root, t)))
        .collect()
}

/// Builds the test target `target` of the `grading` package.
///
/// # Errors
/// The first compiler error (or cargo's own error) as text.
pub fn build(root: &Path, target: &str) -> Result<PathBuf, String> {
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "test",
            "-p",
            "grading",
            "--test",
            target,
            "--no-run",
            "--locked",
            "--offline",
        ])
        .arg("--message-format=json-render-diagnostics")
        .current_dir(root)
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        return Err(first_error(&String::from_utf8_lossy(&out.stderr)));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|msg| {
            msg["reason"] == "compiler-artifact"
                && msg["profile"]["test"] == true
                && msg["target"]["name"] == target
        })
        .and_then(|msg| msg["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| format!("no test target `{target}` (tests/tests/{target}.rs)"))
}

/// `does not compile: <first error line> (<its location>)`, then the whole
/// first error as rustc rendered it.
pub fn first_error(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    let Some(start) = lines.iter().position(|l| l.starts_with("error")) else {
        return format!(
            "does not compile: {}",
            stderr.trim().lines().last().unwrap_or("cargo failed")
        );
    };
    let block: Vec<&str> = lines[start..]
        .iter()
        .take_while(|l| !l.trim().is_empty())
        .copied()
        .collect();
    let location = block
        .iter()
        .find_map(|l| l.trim_start().strip_prefix("--> "))
        .map(|l| format!(" ({l})"))
        .unwrap_or_default();
    format!(
        "does not compile: {}{location}\n{}",
        lines[start],
        block.join("\n")
    )
}

/// One row of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Graded {
    /// Exercise id.
    pub exercise: String,
    /// Test name.
    pub test: String,
    /// How it ended.
    pub status: Status,
    /// Why, in one line.
    pub message: String,
    /// Points earned.
    pub points: f64,
    /// Points possible.
    pub max_points: f64,
    /// Seconds.
    pub duration_s: f64,
}

/// Grades every entry of `manifest` with the executables `built` ([`build_all`]);
/// a test whose target did not build fails with the compiler's first error.
pub fn grade(manifest: &Manifest, built: &[(String, Result<PathBuf, String>)]) -> Vec<Graded> {
    manifest
        .test
        .iter()
        .map(|e| {
            let failed = |message: String| Outcome {
                status: Status::Fail,
                message,
                duration: Duration::ZERO,
            };
            let outcome = match built.iter().find(|(t, _)| *t == e.target) {
                None => failed(format!("no test target `{}`", e.target)),
                Some((_, Err(error))) => failed(error.lines().next().unwrap_or("").to_string()),
                Some((_, Ok(exe))) => {
                    let timeout = Duration::from_secs_f64(e.timeout_s);
                    run_test(exe, &e.name, &[], &[], timeout).unwrap_or_else(|m| Outcome {
                        status: Status::Crash,
                        message: m,
                        duration: Duration::ZERO,
                    })
                }
            };
            Graded {
                exercise: e.exercise.clone(),
                test: e.name.clone(),
                status: outcome.status,
                message: outcome.message,
                points: if outcome.status == Status::Pass {
                    e.points
                } else {
                    0.0
                },
                max_points: e.points,
                duration_s: outcome.duration.as_secs_f64(),
            }
        })
        .collect()
}

/// The table, the `N passed, N failed` line and the score.
pub fn render(rows: &[Graded]) -> String {
    let mut s = format!(
        "{:<8} {:<66} {:<8} {:>9} {:>8}  message\n",
        "exercise", "test", "status", "points", "time"
    );
    for r in rows {
        let status = format!("{:?}", r.status).to_lowercase();
        s.push_str(&format!(
            "{:<8} {:<66} {:<8} {:>4}/{:<4} {:>7.2}s  {}\n",
            r.exercise, r.test, status, r.points, r.max_points, r.duration_s, r.message
        ));
    }
    let passed = rows.iter().filter(|r| r.status == Status::Pass).count();
    let (score, max) = totals(rows);
    s.push_str(&format!(
        "{passed} passed, {} failed\nScore: {score}/{max}\n",
        rows.len() - passed
    ));
    s
}

/// Points earned and possible.
pub fn totals(rows: &[Graded]) -> (f64, f64) {
    (
        rows.iter().map(|r| r.points).sum(),
        rows.iter().map(|r| r.max_points).sum(),
    )
}

/// Gradescope's autograder `results.json`.
pub fn gradescope(rows: &[Graded], build_error: Option<&str>) -> serde_json::Value {
    let tests: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "name": r.test,
                "number": r.exercise,
                "score": r.points,
                "max_score": r.max_points,
                "status": if r.status == Status::Pass { "passed" } else { "failed" },
                "output": if r.message.is_empty() { format!("{:?}", r.status).to_lowercase() } else { format!("{}: {}", format!("{:?}", r.status).to_lowercase(), r.message) },
            })
        })
        .collect();
    let mut out = serde_json::json!({ "score": totals(rows).0, "tests": tests });
    if let Some(e) = build_error {
        out["output"] = serde_json::Value::String(e.to_string());
    }
    out
}
