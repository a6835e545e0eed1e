//! The claims the report makes, asserted with tolerances.

use chapter_02::Config;
use chapter_02::experiments::{dictionary, sensing, unrolled};

#[test]
fn fista_reaches_the_gap_far_sooner_than_ista_and_both_bounds_hold() {
    let s = sensing(&Config::default()).unwrap();
    assert!(s.ista_bound_holds && s.fista_bound_holds);
    let (fista, ista) = s.iters_to_1e6;
    assert!(fista.unwrap() * 3 < ista.unwrap());
    assert!(s.kkt < 1e-12);
    assert_eq!(s.support_recall, 1.0);
}

#[test]
fn dictionary_learning_recovers_every_planted_atom() {
    let history = dictionary(0).unwrap();
    let last = history.last().unwrap();
    assert!(
        last.mean_recovery > 0.99,
        "mean recovery {}",
        last.mean_recovery
    );
    assert!(last.recovered >= 0.9);
    assert!(last.objective < history[0].objective);
}

#[test]
fn trained_lista_beats_ista_at_equal_depth_and_matches_many_more_iterations() {
    let u = unrolled(0).unwrap();
    for &(depth, before, after, test) in &u.lista {
        assert!(after < before, "training must reduce the loss");
        assert!(test < u.ista_error[depth - 1] / 2.0, "depth {depth}");
        assert!(u.ista_iterations_to_reach(test).unwrap() >= 5 * depth);
    }
}

/// `--lambda 10`: the optimum is x = 0, the solvers stop at once at that fixed
/// point, and the history still covers every k the report prints (it used to
/// index past the end).
#[test]
fn a_lambda_with_zero_optimum_gives_a_full_history() {
    let c = Config {
        lambda: 10.0,
        ..Config::default()
    };
    let s = sensing(&c).unwrap();
    assert_eq!(s.ista_gap.len(), chapter_02::experiments::SENSING_ITERS + 1);
    assert_eq!(
        s.fista_gap.len(),
        chapter_02::experiments::SENSING_ITERS + 1
    );
    assert_eq!(s.distance_sq, 0.0);
    assert!(s.ista_gap.iter().all(|g| g.abs() <= 1e-12 * s.optimum));
}
