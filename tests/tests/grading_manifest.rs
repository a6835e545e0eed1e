//! The grader's own tests: `grading.toml` and the graded tests agree, and a
//! test's end is classified as pass, fail, timeout or crash (panic, abort,
//! stack overflow) by running real test processes: the `#[ignore]`d helpers
//! below, run through this very binary.

use std::path::Path;
use std::time::Duration;

use grading::grader::{Status, first_error, read_manifest, run_test};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `(target, test)` for every `#[test] fn` in `tests/tests/exercises_*.rs` and `hidden_*.rs`.
fn graded_tests() -> Vec<(String, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(root().join("tests")).unwrap() {
        let path = entry.unwrap().path();
        let target = path.file_stem().unwrap().to_string_lossy().to_string();
        if !(target.starts_with("exercises_") || target.starts_with("hidden_")) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        for (i, line) in lines.iter().enumerate() {
            if *line != "#[test]" {
                continue;
            }
            // The function after any further attributes (#[ignore], #[allow(...)]).
            let f = lines[i + 1..]
                .iter()
                .find(|l| !l.starts_with("#["))
                .unwrap();
            let f = f.strip_prefix("pub ").unwrap_or(f);
            let name = f.strip_prefix("fn ").unwrap().split('(').next().unwrap();
            found.push((target.clone(), name.to_string()));
        }
    }
    found.sort();
    found
}

#[test]
fn every_graded_test_has_an_entry_and_every_entry_a_test() {
    let manifest = read_manifest(&root().join("grading.toml")).unwrap();
    let mut listed: Vec<(String, String)> = manifest
        .test
        .iter()
        .map(|e| (e.target.clone(), e.name.clone()))
        .collect();
    listed.sort();
    let graded = graded_tests();
    assert!(graded.len() >= 12, "found only {graded:?}");
    for t in &graded {
        assert!(
            listed.contains(t),
            "graded test {t:?} has no entry in tests/grading.toml"
        );
    }
    for t in &listed {
        assert!(
            graded.contains(t),
            "tests/grading.toml names {t:?}, which is no #[test] in tests/tests/"
        );
    }
    for e in &manifest.test {
        assert_eq!(
            e.hidden,
            e.target.starts_with("hidden_"),
            "{}: hidden tests, and only they, live in tests/tests/hidden_*.rs (the release drops those files)",
            e.name
        );
        let prefix = format!("exercise_{}_", e.exercise.replace('.', "_"));
        assert!(
            e.name.starts_with(&prefix),
            "{} is listed for exercise {}",
            e.name,
            e.exercise
        );
    }
}

/// The helpers misbehave only when this is set, so that `cargo test --
/// --include-ignored` neither hangs nor aborts on them.
const ARMED: &str = "GRADING_HELPERS_ARMED";

fn armed() -> bool {
    std::env::var_os(ARMED).is_some()
}

fn helper(name: &str, timeout_s: f64) -> grading::grader::Outcome {
    let exe = std::env::current_exe().unwrap();
    let timeout = Duration::from_secs_f64(timeout_s);
    run_test(&exe, name, &["--ignored"], &[(ARMED, "1")], timeout).unwrap()
}

#[test]
fn the_grader_tells_pass_fail_timeout_and_crash_apart() {
    let pass = helper("helper_passes", 30.0);
    assert_eq!((pass.status, pass.message.as_str()), (Status::Pass, ""));
    let todo = helper("helper_is_a_todo", 30.0);
    assert_eq!(todo.status, Status::Fail);
    assert!(
        todo.message
            .starts_with("not yet implemented: exercise 9.9: a hole"),
        "{}",
        todo.message
    );
    let wrong = helper("helper_asserts_wrongly", 30.0);
    assert_eq!(wrong.status, Status::Fail);
    assert!(
        wrong.message.contains("left: 1") || wrong.message.contains("assertion"),
        "{}",
        wrong.message
    );
    let forged = helper("helper_prints_a_pass_and_exits", 30.0);
    assert_ne!(forged.status, Status::Pass, "{}", forged.message);
    let looping = helper("helper_loops_forever", 1.0);
    assert_eq!(looping.status, Status::Timeout);
    assert!(looping.duration < Duration::from_secs(20));
    let abort = helper("helper_aborts", 30.0);
    assert_eq!(abort.status, Status::Crash, "{}", abort.message);
    let overflow = helper("helper_overflows_its_stack", 30.0);
    assert_eq!(
        (overflow.status, overflow.message.as_str()),
        (Status::Crash, "stack overflow")
    );
    let missing = helper("helper_that_does_not_exist", 30.0);
    assert_eq!(missing.status, Status::Fail);
    assert!(missing.message.contains("no test named"));
}

#[test]
fn a_compiler_error_is_summarized_on_one_line() {
    let stderr = "   Compiling chapter-02 v0.1.0\nwarning: unused variable: `t`\n  --> a.rs:1:1\n\nerror: expected `;`, found `changed`\n   --> chapters/chapter-02/src/batched.rs:295:58\n    |\n295 |         todo!()\n\nerror: could not compile `chapter-02`\n";
    let e = first_error(stderr);
    assert_eq!(
        e.lines().next().unwrap(),
        "does not compile: error: expected `;`, found `changed` (chapters/chapter-02/src/batched.rs:295:58)"
    );
    assert!(e.contains("295 |"));
}

#[test]
#[ignore = "run by the grader's own test"]
fn helper_passes() {}

#[test]
#[ignore = "run by the grader's own test"]
fn helper_is_a_todo() {
    if armed() {
        todo!("exercise 9.9: a hole")
    }
}

#[test]
#[ignore = "run by the grader's own test"]
fn helper_asserts_wrongly() {
    if armed() {
        assert_eq!(std::hint::black_box(1), 2);
    }
}

/// A naive forgery: write libtest's summary to the raw stdout and leave with
/// code 0 before the harness reports (the grader also wants the test's own
/// `test NAME ... ok` line). (Code that writes the exact lines to the raw stdout can
/// still fool a grader that reads libtest's output; see the book's
/// "For instructors" page.)
#[test]
#[ignore = "run by the grader's own test"]
fn helper_prints_a_pass_and_exits() {
    if armed() {
        use std::io::Write;
        // Past libtest's capture, straight to the process's stdout.
        let mut out = std::io::stdout().lock();
        out.write_all(b"test result: ok. 1 passed; 0 failed; 0 ignored\n")
            .unwrap();
        out.flush().unwrap();
        std::process::exit(0);
    }
}

#[test]
#[ignore = "run by the grader's own test"]
fn helper_loops_forever() {
    while armed() {
        std::hint::spin_loop();
    }
}

#[test]
#[ignore = "run by the grader's own test"]
fn helper_aborts() {
    if armed() {
        std::process::abort();
    }
}

#[test]
#[ignore = "run by the grader's own test"]
fn helper_overflows_its_stack() {
    #[allow(unconditional_recursion)]
    fn deeper(pad: [u8; 4096]) -> u64 {
        deeper(std::hint::black_box(pad)) + u64::from(pad[0])
    }
    if armed() {
        std::hint::black_box(deeper([0; 4096]));
    }
}

/// `grade` with a flag it does not know, or a known flag without its value:
/// a one-line error naming the flag, exit code 2, nothing graded.
#[test]
fn grade_refuses_bad_flags_by_name() {
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_grade"))
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (code, err) = run(&["--bogus"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("unknown argument `--bogus`") && err.lines().count() == 1,
        "{err}"
    );
    let (code, err) = run(&["--json"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--json needs a value"), "{err}");
}
