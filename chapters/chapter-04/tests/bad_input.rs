//! Bad input to every public function and to the binary: a typed error, never a panic.

use chapter_04::{
    Config, Error, class_coding_rate, coding_rate, rate_reduction, rate_reduction_grad, run,
};
use ndarray::{Array2, array};
use shared::testing::{assert_one_line_error, run_binary};

#[test]
fn rates_reject_bad_shapes_values_and_labels() {
    let z = array![[1.0, 0.0], [0.0, 1.0]];
    let empty = Array2::<f64>::zeros((2, 0));
    let nan = array![[1.0, f64::NAN], [0.0, 1.0]];
    for eps in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            coding_rate(z.view(), eps),
            Err(Error::OutOfRange { .. })
        ));
    }
    assert!(coding_rate(empty.view(), 0.5).is_err());
    assert!(matches!(
        coding_rate(nan.view(), 0.5),
        Err(Error::NonFinite { .. })
    ));
    for f in [class_coding_rate, rate_reduction] {
        assert!(matches!(f(z.view(), &[0], 0.5), Err(Error::Shape { .. })));
        assert!(f(nan.view(), &[0, 1], 0.5).is_err());
        assert!(f(z.view(), &[0, 1], 0.0).is_err());
    }
    assert!(matches!(
        rate_reduction_grad(z.view(), &[0, 1, 1], 0.5),
        Err(Error::Shape { .. })
    ));
    assert!(rate_reduction_grad(nan.view(), &[0, 1], 0.5).is_err());
}

#[test]
fn run_rejects_out_of_range_config() {
    for c in [
        Config {
            eps: 0.0,
            ..Config::default()
        },
        Config {
            eps: f64::NAN,
            ..Config::default()
        },
        Config {
            epochs: 0,
            ..Config::default()
        },
        Config {
            batch: 5,
            ..Config::default()
        },
    ] {
        assert!(matches!(run(&c), Err(Error::OutOfRange { .. })), "{c:?}");
    }
}

#[test]
fn binary_rejects_bad_flags_with_one_line() {
    let exe = env!("CARGO_BIN_EXE_chapter-04");
    assert_one_line_error(&run_binary(exe, &["--eps", "0"]), "--eps");
    assert_one_line_error(&run_binary(exe, &["--frobnicate"]), "--frobnicate");
    assert_one_line_error(&run_binary(exe, &["--epochs", "many"]), "--epochs");
}

/// The ends of `--eps` are valid settings: the ascent does not end on an
/// orthogonal arrangement there, and the report says "-" instead of failing.
#[test]
fn ascent_runs_at_both_ends_of_the_eps_range() {
    for eps in [0.01, 10.0] {
        let c = Config {
            eps,
            quick: true,
            ..Config::default()
        };
        let runs = chapter_04::experiments::ascent_runs(&c, &mut shared::seeded_rng(0)).unwrap();
        for r in runs {
            assert!(r.ascent.history.iter().all(|v| v.is_finite()));
            if r.ranks.iter().sum::<usize>() > 16 {
                assert!(r.ranks_closed_form.is_none());
            }
        }
    }
}
