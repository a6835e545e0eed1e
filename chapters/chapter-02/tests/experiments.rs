//! The claims the report makes, asserted with tolerances, and the new building
//! blocks (MSP, the ReLU layer) checked against independent references.

use chapter_02::experiments::{
    Stream, complete_dictionary, dictionary, relu_layers, sensing, unrolled,
};
use chapter_02::layer::relu_network;
use chapter_02::msp::{MspOptions, l4_objective, msp, polar, signed_permutation_error};
use chapter_02::{Config, SolverOptions, fista_nonnegative, relu_layer};
use ndarray::{Array2, array};
use shared::linalg::{orthogonality_error, random_orthonormal};
use shared::rng::gaussian_matrix;
use shared::seeded_rng;

/// The default sensing experiment, computed once for the tests that read it.
fn default_sensing() -> &'static chapter_02::experiments::Sensing {
    static SENSING: std::sync::OnceLock<chapter_02::experiments::Sensing> =
        std::sync::OnceLock::new();
    SENSING.get_or_init(|| sensing(&Config::default()).unwrap())
}

#[test]
fn fista_reaches_the_gap_far_sooner_than_ista_and_both_bounds_hold() {
    let s = default_sensing();
    assert!(s.bound_holds.ista && s.bound_holds.fista);
    let it = s.iters_to_1e6;
    assert!(it.fista.unwrap() * 3 < it.ista.unwrap());
    assert!(s.kkt < 1e-12);
    assert_eq!(s.support_recall, 1.0);
}

/// The scaled gaps k·gap and (k+1)²·gap stay below their constants (what the
/// theorems say), and are computed from the gaps: at k = 10 they equal
/// 10·gap and 121·gap.
#[test]
fn scaled_gaps_stay_below_their_constants() {
    let s = default_sensing();
    let c = s.constants();
    for k in 1..=chapter_02::experiments::SENSING_ITERS {
        let g = s.scaled_gaps(k);
        assert!(g.ista <= c.ista * (1.0 + 1e-12), "ISTA at k = {k}");
        assert!(g.fista <= c.fista * (1.0 + 1e-12), "FISTA at k = {k}");
    }
    let g = s.scaled_gaps(10);
    assert!(
        g.ista > 0.0 && g.fista > 0.0,
        "the run has not converged at k = 10"
    );
}

#[test]
fn dictionary_learning_recovers_every_planted_atom() {
    let history = dictionary(&mut Stream::Dictionary.rng(0)).unwrap();
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
    let u = unrolled(&mut Stream::Unrolled.rng(0)).unwrap();
    for row in &u.lista {
        assert!(
            row.loss_after < row.loss_before,
            "training reduced the loss here"
        );
        assert!(
            row.test_error < u.ista_error[row.depth - 1] / 2.0,
            "depth {}",
            row.depth
        );
        assert!(u.ista_iterations_to_reach(row.test_error).unwrap() >= 5 * row.depth);
    }
}

/// `--lambda 10`: the optimum is x = 0, the solvers stop at once at that fixed
/// point, and the history still covers every k the report prints.
#[test]
fn a_lambda_with_zero_optimum_gives_a_full_history() {
    let c = Config {
        lambda: 10.0,
        ..Config::default()
    };
    let s = sensing(&c).unwrap();
    let n = chapter_02::experiments::SENSING_ITERS + 1;
    assert_eq!(s.gaps.ista.len(), n);
    assert_eq!(s.gaps.fista.len(), n);
    assert_eq!(s.distance_sq, 0.0);
    assert!(s.gaps.ista.iter().all(|g| g.abs() <= 1e-12 * s.optimum));
}

/// The polar factor by SVD equals an independent formula, $G (G^\top G)^{-1/2}$
/// with the inverse square root from a symmetric eigendecomposition, and is
/// the orthogonal matrix nearest to G (closer than 200 random rotations).
#[test]
fn polar_factor_matches_the_inverse_square_root_formula() {
    let g = gaussian_matrix(&mut seeded_rng(1), 6, 6);
    let q = polar(g.view()).unwrap();
    let e = shared::symmetric::eigh_descending("gtg", g.t().dot(&g).view()).unwrap();
    let inv_sqrt = Array2::from_diag(&e.values.mapv(|l| 1.0 / l.sqrt()));
    let want = g.dot(&e.vectors.dot(&inv_sqrt).dot(&e.vectors.t()));
    assert!((&q - &want).iter().all(|d| d.abs() < 1e-10));
    assert!(orthogonality_error(q.view()) < 1e-13);
    let dist = |a: &Array2<f64>| (&g - a).iter().map(|v| v * v).sum::<f64>();
    let mut rng = seeded_rng(2);
    for _ in 0..200 {
        assert!(dist(&q) <= dist(&random_orthonormal(&mut rng, 6, 6)));
    }
}

/// MSP never lowers the objective (f is convex and each step maximizes its
/// linearization over O(n)), ends on a signed permutation of the truth, and
/// scores at least as high as the truth itself (it is the maximizer).
#[test]
fn msp_ascends_and_recovers_the_planted_rotation() {
    let c = complete_dictionary(&mut Stream::Msp.rng(0)).unwrap();
    assert!(c.converged);
    for w in c.normalized_objective.windows(2) {
        assert!(w[1] >= w[0] * (1.0 - 1e-12), "objective fell: {w:?}");
    }
    assert!(c.error.last().unwrap() < &0.01);
    assert!(c.error[0] > 0.5, "a random start is far from the truth");
    assert_eq!(c.recovered, chapter_02::experiments::MSP_N);
    // MSP reached at least the truth's objective (it found the global maximum or better).
    assert!(*c.normalized_objective.last().unwrap() >= c.truth_objective);
    // The normalization's closed forms: 1 at the truth, θ + (1 − θ)·3/(n + 2) at
    // a random rotation (0.3656 for n = 30, θ = 0.3; not θ itself).
    assert!((c.truth_objective - 1.0).abs() < 0.03);
    assert!((c.random_objective - 0.365625).abs() < 1e-6);
    assert!((c.normalized_objective[0] / c.random_objective - 1.0).abs() < 0.03);
}

/// On a tiny orthogonal problem MSP recovers the rotation, never lowers the
/// objective, ends at least at the truth's objective, and refuses bad input.
#[test]
fn msp_recovers_a_noiseless_coordinate_basis() {
    let truth = random_orthonormal(&mut seeded_rng(5), 4, 4);
    let mask = gaussian_matrix(&mut seeded_rng(8), 4, 4000); // P(g > 0.84) ≈ 0.2
    let codes =
        gaussian_matrix(&mut seeded_rng(6), 4, 4000) * mask.mapv(|m| f64::from(u8::from(m > 0.84)));
    let y = truth.dot(&codes);
    let opts = MspOptions {
        max_iters: 500,
        tol: 1e-12,
    };
    let learned = msp(y.view(), &opts, &mut seeded_rng(7)).unwrap();
    assert!(signed_permutation_error(learned.rotation.dot(&truth).view()) < 0.01);
    for w in learned.objective.windows(2) {
        assert!(w[1] >= w[0] * (1.0 - 1e-12));
    }
    let at_truth = l4_objective(truth.t(), y.view());
    assert!(*learned.objective.last().unwrap() >= at_truth * (1.0 - 1e-12));
    assert!(
        msp(
            Array2::<f64>::zeros((0, 3)).view(),
            &opts,
            &mut seeded_rng(1)
        )
        .is_err()
    );
    let bad = MspOptions {
        max_iters: 0,
        tol: 0.0,
    };
    assert!(msp(y.view(), &bad, &mut seeded_rng(1)).is_err());
}

/// One ReLU layer equals the formula written out by hand on a 2 × 2 example,
/// and a deep stack converges to `fista_nonnegative`'s solution.
#[test]
fn relu_layers_are_nonnegative_ista() {
    let a = array![[1.0, 0.0], [0.0, 2.0]];
    let y = array![[3.0], [-1.0]];
    let z = array![[0.5], [0.5]];
    // z + η Aᵀ(y − Az) − ηλ with η = 0.25, λ = 1: (0.5 + 0.25·2.5 − 0.25, 0.5 + 0.25·2·(−2) − 0.25) → ReLU.
    let out = relu_layer(a.view(), y.view(), z.view(), 0.25, 1.0).unwrap();
    assert!((out[[0, 0]] - 0.875).abs() < 1e-15);
    assert_eq!(out[[1, 0]], 0.0);

    let a = gaussian_matrix(&mut seeded_rng(3), 30, 10);
    let y = gaussian_matrix(&mut seeded_rng(4), 30, 5);
    let opts = SolverOptions {
        max_iters: 100_000,
        tol: 1e-12,
    };
    let reference = fista_nonnegative(a.view(), y.view(), 0.1, &opts).unwrap();
    assert!(reference.converged);
    let z = relu_network(a.view(), y.view(), 1.0 / reference.lipschitz, 0.1, 5000).unwrap();
    assert!((&z - &reference.x).iter().all(|d| d.abs() < 1e-9));
    assert!(z.iter().all(|v| *v >= 0.0) && z.iter().any(|v| *v > 0.0));
    assert!(relu_layer(a.view(), y.view(), z.view(), f64::NAN, 0.1).is_err());
    // A step far above 1/L diverges: an error, never a NaN turned into zeros by the ReLU.
    assert!(relu_network(a.view(), y.view(), 1e3 / reference.lipschitz, 0.1, 2000).is_err());
    assert!(relu_layer(a.view(), y.t(), z.view(), 0.1, 0.1).is_err());
}

#[test]
fn the_relu_experiment_converges_geometrically() {
    let rows = relu_layers(&mut Stream::Relu.rng(0)).unwrap();
    for w in rows.windows(2) {
        assert!(w[1].relative_distance <= w[0].relative_distance);
    }
    assert!(rows.last().unwrap().relative_distance < 1e-10);
    assert!(rows[0].relative_distance > 0.1);
}
