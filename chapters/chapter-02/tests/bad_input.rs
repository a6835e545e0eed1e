//! Every error case of the public API, and the binary's handling of bad flags.

use chapter_02::{Config, Error, SolverOptions, fista, ista, lasso_objective, run};
use ndarray::{Array2, array};
use shared::testing::{assert_one_line_error, run_binary};

fn ok_a() -> Array2<f64> {
    array![[1.0, 0.0, 0.5], [0.0, 1.0, 0.5]]
}

#[test]
fn solvers_reject_shape_mismatch() {
    let y = Array2::<f64>::zeros((3, 2));
    for solver in [ista, fista] {
        let err = solver(ok_a().view(), y.view(), 0.1, &SolverOptions::default()).unwrap_err();
        assert!(matches!(err, Error::Shape { .. }), "{err}");
    }
}

#[test]
fn solvers_reject_empty_input() {
    let y = Array2::<f64>::zeros((2, 0));
    assert!(matches!(
        ista(ok_a().view(), y.view(), 0.1, &SolverOptions::default()),
        Err(Error::Shape { .. })
    ));
}

#[test]
fn solvers_reject_nan_and_infinity() {
    let y = array![[1.0], [f64::NAN]];
    assert!(matches!(
        fista(ok_a().view(), y.view(), 0.1, &SolverOptions::default()),
        Err(Error::NonFinite { .. })
    ));
    let mut a = ok_a();
    a[[0, 0]] = f64::INFINITY;
    let y = array![[1.0], [1.0]];
    assert!(matches!(
        ista(a.view(), y.view(), 0.1, &SolverOptions::default()),
        Err(Error::NonFinite { .. })
    ));
}

#[test]
fn solvers_reject_negative_or_nan_lambda_and_tol() {
    let y = array![[1.0], [1.0]];
    for lambda in [-0.1, f64::NAN] {
        let err = fista(ok_a().view(), y.view(), lambda, &SolverOptions::default()).unwrap_err();
        assert!(matches!(err, Error::OutOfRange { .. }), "{err}");
    }
    let opts = SolverOptions {
        max_iters: 10,
        tol: -1.0,
    };
    assert!(matches!(
        ista(ok_a().view(), y.view(), 0.1, &opts),
        Err(Error::OutOfRange { .. })
    ));
}

#[test]
fn objective_of_mismatched_shapes_is_nan() {
    let y = array![[1.0], [1.0]];
    let x = Array2::<f64>::zeros((2, 1));
    assert!(lasso_objective(ok_a().view(), y.view(), x.view(), 0.1).is_nan());
}

#[test]
fn run_rejects_out_of_range_config() {
    for bad in [
        Config {
            lambda: -1.0,
            ..Config::default()
        },
        Config {
            lambda: f64::NAN,
            ..Config::default()
        },
        Config {
            sparsity: 0,
            ..Config::default()
        },
        Config {
            sparsity: 300,
            ..Config::default()
        },
        Config {
            measurements: 1,
            ..Config::default()
        },
        Config {
            noise: f64::INFINITY,
            ..Config::default()
        },
        // Beyond what runs in about a minute on 2 cores (issue 7's measurements).
        Config {
            noise: 2.0,
            ..Config::default()
        },
        Config {
            atoms: 2048,
            ..Config::default()
        },
        Config {
            signals: 5000,
            ..Config::default()
        },
        // Each allowed alone, too much work together: refused up front.
        Config {
            atoms: 1024,
            signals: 2000,
            ..Config::default()
        },
    ] {
        assert!(
            matches!(run(&bad), Err(Error::OutOfRange { .. })),
            "{bad:?}"
        );
    }
}

#[test]
fn binary_rejects_unknown_flag_with_one_line() {
    assert_one_line_error(
        &run_binary(env!("CARGO_BIN_EXE_chapter-02"), &["--bogus"]),
        "--bogus",
    );
}

#[test]
fn binary_rejects_negative_lambda_with_one_line() {
    assert_one_line_error(
        &run_binary(env!("CARGO_BIN_EXE_chapter-02"), &["--lambda=-1"]),
        "--lambda",
    );
}
