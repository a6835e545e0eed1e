//! Every error case of the public API, and the binary's handling of bad flags.

use chapter_01::{Config, Error, pca, power_iteration, run, top_eigenpairs};
use ndarray::{Array2, array};
use shared::testing::{assert_one_line_error, run_binary};

#[test]
fn top_eigenpairs_rejects_non_square() {
    let m = Array2::<f64>::zeros((3, 2));
    assert!(matches!(
        top_eigenpairs(m.view(), 1, 0),
        Err(Error::Shape { .. })
    ));
}

#[test]
fn top_eigenpairs_rejects_non_symmetric() {
    let m = array![[1.0, 2.0], [2.0 + 1e-6, 1.0]];
    assert!(matches!(
        top_eigenpairs(m.view(), 1, 0),
        Err(Error::NotSymmetric { .. })
    ));
}

#[test]
fn top_eigenpairs_accepts_rounding_level_asymmetry() {
    let m = array![[1.0, 2.0], [2.0 + 1e-13, 1.0]];
    assert!(top_eigenpairs(m.view(), 1, 0).is_ok());
}

#[test]
fn top_eigenpairs_rejects_nan_and_infinity() {
    for bad in [f64::NAN, f64::INFINITY] {
        let m = array![[1.0, bad], [bad, 1.0]];
        assert!(matches!(
            top_eigenpairs(m.view(), 1, 0),
            Err(Error::NonFinite { .. })
        ));
    }
}

#[test]
fn top_eigenpairs_rejects_k_zero_and_k_above_dimension() {
    let m = Array2::<f64>::eye(3);
    assert!(matches!(
        top_eigenpairs(m.view(), 0, 0),
        Err(Error::OutOfRange { .. })
    ));
    assert!(matches!(
        top_eigenpairs(m.view(), 4, 0),
        Err(Error::OutOfRange { .. })
    ));
}

#[test]
fn pca_rejects_bad_data_and_rank() {
    let x = array![[1.0, f64::NAN], [0.0, 1.0]];
    assert!(matches!(pca(x.view(), 1, 0), Err(Error::NonFinite { .. })));
    let x = Array2::<f64>::zeros((3, 0));
    assert!(matches!(pca(x.view(), 1, 0), Err(Error::Shape { .. })));
    let x = Array2::<f64>::ones((3, 5));
    assert!(matches!(pca(x.view(), 0, 0), Err(Error::OutOfRange { .. })));
    assert!(matches!(pca(x.view(), 4, 0), Err(Error::OutOfRange { .. })));
}

#[test]
fn power_iteration_flags_mismatched_start_vector() {
    let r = power_iteration(
        Array2::<f64>::eye(3).view(),
        array![1.0, 0.0].view(),
        1e-8,
        10,
    );
    assert!(!r.converged && r.value.is_nan());
}

#[test]
fn run_rejects_out_of_range_config() {
    for bad in [
        Config {
            rank: 0,
            ..Config::default()
        },
        Config {
            rank: 50,
            ..Config::default()
        },
        Config {
            dim: 2,
            ..Config::default()
        },
        Config {
            samples: 3,
            ..Config::default()
        },
        // Each allowed alone; together about 1.6 GB per copy of the data: refused up front.
        Config {
            dim: 1000,
            samples: 200_000,
            ..Config::default()
        },
        Config {
            noise: f64::NAN,
            ..Config::default()
        },
        Config {
            noise: -1.0,
            ..Config::default()
        },
    ] {
        let err = run(&bad).unwrap_err();
        assert!(
            matches!(err, Error::OutOfRange { .. }),
            "{bad:?} gave {err}"
        );
    }
}

#[test]
fn binary_rejects_unknown_flag_with_one_line() {
    assert_one_line_error(
        &run_binary(env!("CARGO_BIN_EXE_chapter-01"), &["--frobnicate"]),
        "--frobnicate",
    );
}

#[test]
fn binary_rejects_rank_zero_with_one_line() {
    assert_one_line_error(
        &run_binary(env!("CARGO_BIN_EXE_chapter-01"), &["--rank", "0"]),
        "--rank",
    );
}

#[test]
fn binary_rejects_non_numeric_noise_with_one_line() {
    assert_one_line_error(
        &run_binary(env!("CARGO_BIN_EXE_chapter-01"), &["--noise", "abc"]),
        "--noise",
    );
}

/// `--out-dir` naming a file fails before any computation, with one line and
/// nothing on stdout (the report is not printed first).
#[test]
fn binary_rejects_an_out_dir_that_is_a_file_before_computing() {
    let file = std::env::temp_dir().join("drl-companion-not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_chapter-01"))
        .args(["--quiet", "--out-dir"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: cannot write"), "{stderr}");
}

/// A full stdout is a clean error, not a panic (exit 101).
#[test]
fn binary_reports_a_full_stdout_as_an_error() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return; // not a Linux machine
    };
    let scratch = std::env::temp_dir().join("drl-companion-test-figures");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_chapter-01"))
        .args(["--quiet", "--out-dir"])
        .arg(scratch)
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: cannot write <stdout>"),
        "{stderr}"
    );
}
