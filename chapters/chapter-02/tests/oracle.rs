//! Chapter 2 checked against closed forms, an independent dense implementation,
//! nalgebra's SVD, the Beck–Teboulle bounds and finite differences.

use approx::{assert_abs_diff_eq, assert_relative_eq};
use chapter_02::experiments::{bounds, sparse_codes, unit_column_matrix};
use chapter_02::lasso::{kkt_residual, polish};
use chapter_02::lista::{Lista, squared_norm};
use chapter_02::{
    SolverOptions, fista, fista_nonnegative, ista, ista_book_convention, lasso_objective,
    soft_threshold,
};
use ndarray::{Array2, ArrayView2, array};
use shared::error::nan_max;
use shared::rng::gaussian_matrix;
use shared::seeded_rng;

/// Largest entrywise difference; NaN if either side has NaN (so `< tol` fails).
fn max_diff(a: ArrayView2<f64>, b: ArrayView2<f64>) -> f64 {
    assert_eq!(a.dim(), b.dim());
    nan_max(a.iter().zip(b.iter()).map(|(x, y)| (x - y).abs()))
}

#[test]
fn max_diff_fails_on_nan() {
    let a = array![[1.0, 2.0]];
    assert!(max_diff(a.view(), array![[f64::NAN, f64::NAN]].view()).is_nan());
}

/// The reference solution, [`chapter_02::certified_solution`] (FISTA, then
/// polished to a KKT certificate), held here to an absolute residual of 1e-12.
/// Returns x* and F*.
fn reference(a: ArrayView2<f64>, y: ArrayView2<f64>, lambda: f64) -> (Array2<f64>, f64) {
    let solved = chapter_02::certified_solution(a, y, lambda).unwrap();
    assert!(solved.kkt < 1e-12);
    assert!(kkt_residual(a, y, solved.x.view(), lambda).unwrap() < 1e-12);
    assert_eq!(
        solved.objective,
        lasso_objective(a, y, solved.x.view(), lambda)
    );
    (solved.x, solved.objective)
}

fn exactly(k: usize) -> SolverOptions {
    SolverOptions {
        max_iters: k,
        tol: 0.0,
    }
}

/// A = diag(1, 2), y = (3, 1), λ = 1: ISTA's iterates are (2(1 − 0.75^k), 1/4)
/// and the objectives match the reference values F_1 = 4, F_2 = 3.5078125, F_10 = 2.8813424.
#[test]
fn tiny_instance_iterates_match_closed_form() {
    let a = array![[1.0, 0.0], [0.0, 2.0]];
    let y = array![[3.0], [1.0]];
    for k in 1..=60 {
        let s = ista(a.view(), y.view(), 1.0, &exactly(k)).unwrap();
        assert_relative_eq!(
            s.x[[0, 0]],
            2.0 * (1.0 - 0.75f64.powi(k as i32)),
            max_relative = 1e-14
        );
        assert_relative_eq!(s.x[[1, 0]], 0.25, max_relative = 1e-14);
        assert_eq!(s.objective.len(), k + 1);
        assert_relative_eq!(
            s.objective[k],
            lasso_objective(a.view(), y.view(), s.x.view(), 1.0),
            max_relative = 1e-14
        );
    }
    let s = ista(a.view(), y.view(), 1.0, &exactly(10)).unwrap();
    assert_relative_eq!(s.lipschitz, 4.0, max_relative = 1e-12);
    assert_relative_eq!(s.objective[1], 4.0, max_relative = 1e-14);
    assert_relative_eq!(s.objective[2], 3.5078125, max_relative = 1e-14);
    assert_relative_eq!(s.objective[10], 2.8813424, max_relative = 1e-7);
    let f = fista(a.view(), y.view(), 1.0, &exactly(10)).unwrap();
    assert_relative_eq!(f.objective[5], 2.8990144, max_relative = 1e-7);
    assert_relative_eq!(f.objective[10], 2.8767397, max_relative = 1e-7);
    let done = fista(a.view(), y.view(), 1.0, &SolverOptions::default()).unwrap();
    assert_abs_diff_eq!(done.x[[0, 0]], 2.0, epsilon = 1e-9);
    assert_relative_eq!(*done.objective.last().unwrap(), 2.875, max_relative = 1e-12);
}

/// With A = I and L = 1 one ISTA step is the exact solution S_λ(y).
#[test]
fn identity_dictionary_solves_in_one_step() {
    let y = array![[3.0, -0.2], [-1.5, 0.7]];
    let s = ista(Array2::eye(2).view(), y.view(), 0.5, &exactly(1)).unwrap();
    // L = 1 up to the last bit of the power iteration's Rayleigh quotient.
    assert_relative_eq!(s.lipschitz, 1.0, max_relative = 1e-15);
    let exact = y.mapv(|v| soft_threshold(v, 0.5));
    assert!(
        s.x.iter()
            .zip(exact.iter())
            .all(|(a, b)| (a - b).abs() < 1e-14)
    );
    assert!(s.kkt < 1e-14);
}

fn instance(seed: u64, m: usize, n: usize, signals: usize) -> (Array2<f64>, Array2<f64>) {
    let mut rng = seeded_rng(seed);
    let a = unit_column_matrix(&mut rng, m, n);
    let y = a.dot(&sparse_codes(&mut rng, n, 4, signals).unwrap())
        + gaussian_matrix(&mut rng, m, signals) * 0.01;
    (a, y)
}

/// The textbook's convention (no ½, step 2η, threshold ηλ) with η = 1/(2L) gives
/// exactly the iterates of the ½-convention with λ/2. The book-convention code is
/// a plain dense implementation, so this also checks the batched sparse solver.
#[test]
fn book_convention_gives_identical_iterates() {
    let (a, y) = instance(3, 30, 60, 5);
    let lambda_book = 0.2;
    let l = ista(a.view(), y.view(), lambda_book / 2.0, &exactly(1))
        .unwrap()
        .lipschitz;
    let book = ista_book_convention(a.view(), y.view(), lambda_book, 1.0 / (2.0 * l), 25).unwrap();
    for (k, z) in book.iter().enumerate() {
        let ours = ista(a.view(), y.view(), lambda_book / 2.0, &exactly(k + 1)).unwrap();
        let diff = max_diff(ours.x.view(), z.view());
        assert!(diff < 1e-12, "iterate {}: max difference {diff}", k + 1);
    }
}

/// L = ‖A‖₂² from chapter 1's power iteration equals nalgebra's largest singular value squared.
#[test]
fn lipschitz_constant_matches_nalgebra_svd() {
    let (a, y) = instance(4, 40, 90, 1);
    let s = ista(a.view(), y.view(), 0.1, &exactly(1)).unwrap();
    let svd = nalgebra::DMatrix::from_fn(40, 90, |i, j| a[[i, j]]).singular_values();
    let sigma_max = svd.iter().fold(0.0f64, |m, v| m.max(*v));
    assert_relative_eq!(s.lipschitz, sigma_max * sigma_max, max_relative = 1e-10);
}

/// Every iterate satisfies F(x_k) − F* ≤ L‖x*‖²/(2k) (ISTA) and ≤ 2L‖x*‖²/(k+1)² (FISTA).
#[test]
fn ista_and_fista_bounds_hold_on_random_instances() {
    for seed in 0..6 {
        let (a, y) = instance(seed, 32, 80, 6);
        let lambda = 0.05;
        let (x_star, f_star) = reference(a.view(), y.view(), lambda);
        let d2 = x_star.iter().map(|v| v * v).sum::<f64>();
        let i = ista(a.view(), y.view(), lambda, &exactly(500)).unwrap();
        let f = fista(a.view(), y.view(), lambda, &exactly(500)).unwrap();
        for k in 1..=500 {
            let b = bounds(i.lipschitz, d2, k);
            let (bi, bf) = (b.ista, b.fista);
            let slack = 1e-12 * f_star;
            assert!(
                i.objective[k] - f_star <= bi + slack,
                "seed {seed}, ISTA k = {k}"
            );
            assert!(
                f.objective[k] - f_star <= bf + slack,
                "seed {seed}, FISTA k = {k}"
            );
            assert!(
                i.objective[k] - f_star >= -slack,
                "F* must be a lower bound"
            );
        }
        // ISTA is a descent method; FISTA need not be.
        assert!(i.objective.windows(2).all(|w| w[1] <= w[0] + 1e-12));
    }
}

/// At the solution the KKT conditions hold: |a_jᵀ(y − Ax*)| ≤ λ, with equality and sign on the support.
#[test]
fn kkt_holds_at_the_solution() {
    let (a, y) = instance(7, 40, 100, 8);
    let tol = 1e-10;
    let s = fista(
        a.view(),
        y.view(),
        0.05,
        &SolverOptions {
            max_iters: 20_000,
            tol,
        },
    )
    .unwrap();
    // The stopping rule is relative to max |Aᵀy|: check exactly what was asked.
    let scale = nan_max(a.t().dot(&y).iter().map(|v| v.abs()));
    assert!(
        s.converged && s.kkt < tol * scale,
        "KKT {} vs {}",
        s.kkt,
        tol * scale
    );
    assert_abs_diff_eq!(
        s.kkt,
        kkt_residual(a.view(), y.view(), s.x.view(), 0.05).unwrap(),
        epsilon = 1e-12
    );
    let polished = polish(a.view(), y.view(), s.x.view(), 0.05).unwrap();
    assert!(kkt_residual(a.view(), y.view(), polished.view(), 0.05).unwrap() < 1e-12);
}

/// The nonnegative variant returns x ≥ 0 satisfying its own optimality conditions.
#[test]
fn nonnegative_lasso_solution_is_nonnegative_and_optimal() {
    let (a, y) = instance(8, 30, 50, 4);
    let s = fista_nonnegative(
        a.view(),
        y.view(),
        0.05,
        &SolverOptions {
            max_iters: 20_000,
            tol: 1e-10,
        },
    )
    .unwrap();
    assert!(s.converged);
    assert!(s.x.iter().all(|v| *v >= 0.0));
    assert!(
        s.x.iter().any(|v| *v > 0.0),
        "a trivial x = 0 would pass the checks below"
    );
    let c = a.t().dot(&(&y - &a.dot(&s.x)));
    for (x, c) in s.x.iter().zip(c.iter()) {
        if *x > 0.0 {
            assert_abs_diff_eq!(*c, 0.05, epsilon = 1e-6);
        } else {
            assert!(*c <= 0.05 + 1e-6);
        }
    }
}

/// The hand-written LISTA backward pass agrees with central finite differences,
/// on coordinates where the gradient is clearly nonzero (an inactive unit gives
/// 0 = 0, which checks nothing).
#[test]
fn lista_backward_matches_finite_differences() {
    let (a, y) = instance(9, 6, 10, 7);
    let target = fista(a.view(), y.view(), 0.05, &SolverOptions::default())
        .unwrap()
        .x;
    let mut net = Lista::from_ista(a.view(), 0.05, 3.0, 3).unwrap();
    // Move away from the initialization so every weight matters.
    let mut rng = seeded_rng(1);
    for layer in &mut net.layers {
        layer.w = &layer.w + &(gaussian_matrix(&mut rng, 10, 6) * 0.05);
        layer.s = &layer.s + &(gaussian_matrix(&mut rng, 10, 10) * 0.05);
    }
    let (_, grads) = net.loss_and_gradients(y.view(), target.view()).unwrap();
    assert!(squared_norm(&grads) > 0.0);
    let h = 1e-6;
    let numeric = |net: &mut Lista, bump: &dyn Fn(&mut Lista, f64)| {
        bump(net, h);
        let up = net.loss(y.view(), target.view()).unwrap();
        bump(net, -2.0 * h);
        let down = net.loss(y.view(), target.view()).unwrap();
        bump(net, h);
        (up - down) / (2.0 * h)
    };
    let active = |g: f64| g.abs() > 1e-4;
    let mut checked = 0;
    for (t, g) in grads.iter().enumerate() {
        for ((i, j), &gw) in g.w.indexed_iter().filter(|(_, v)| active(**v)).take(8) {
            let dw = numeric(&mut net, &|n, d| n.layers[t].w[[i, j]] += d);
            assert_abs_diff_eq!(dw, gw, epsilon = 1e-7);
            checked += 1;
        }
        for ((i, j), &gs) in g.s.indexed_iter().filter(|(_, v)| active(**v)).take(8) {
            let ds = numeric(&mut net, &|n, d| n.layers[t].s[[i, j]] += d);
            assert_abs_diff_eq!(ds, gs, epsilon = 1e-7);
            checked += 1;
        }
        for (i, &gt) in g.theta.indexed_iter().filter(|(_, v)| active(**v)).take(4) {
            let dth = numeric(&mut net, &|n, d| n.layers[t].theta[i] += d);
            assert_abs_diff_eq!(dth, gt, epsilon = 1e-7);
            checked += 1;
        }
    }
    assert!(checked >= 50, "only {checked} active coordinates checked");
}

/// An untrained LISTA network of depth T is exactly T ISTA steps.
#[test]
fn untrained_lista_equals_ista() {
    let (a, y) = instance(10, 12, 20, 5);
    let s = ista(a.view(), y.view(), 0.05, &exactly(4)).unwrap();
    assert!(s.x.iter().any(|v| *v != 0.0));
    let net = Lista::from_ista(a.view(), 0.05, s.lipschitz, 4).unwrap();
    let diff = max_diff(net.forward(y.view()).unwrap().view(), s.x.view());
    assert!(diff < 1e-12);
}
