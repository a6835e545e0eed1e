//! Chapter 4 against closed forms, the reference notes' values, an
//! independent (dense, both-sides) computation and finite differences.

use approx::assert_relative_eq;
use chapter_04::ascent::ascend;
use chapter_04::optima::{Arrangement, closed_form, features};
use chapter_04::{
    ReduNet, class_coding_rate, coding_rate, rate_reduction, rate_reduction_grad, rates_with_grad,
};
use ndarray::{Array2, ArrayView2, array};
use shared::rng::gaussian_matrix;
use shared::seeded_rng;

/// ½ log det(I + c ZZᵀ) on the d side by eigenvalues: an independent path.
fn half_log_det_dense(z: ArrayView2<f64>, c: f64) -> f64 {
    let g = z.dot(&z.t());
    let e = shared::symmetric::eigh_descending("g", g.view()).unwrap();
    0.5 * e
        .values
        .iter()
        .map(|l| (1.0 + c * l.max(0.0)).ln())
        .sum::<f64>()
}

fn unit_columns(d: usize, m: usize, seed: u64) -> Array2<f64> {
    let mut z = gaussian_matrix(&mut seeded_rng(seed), d, m);
    chapter_04::rate::normalize_columns(&mut z);
    z
}

/// The reference notes' toy (matching the official loss): Z = [e1, e1, e2, e2],
/// labels [0, 0, 1, 1], ε² = 0.5: R = ln 3, R_c = ½ ln 5.
#[test]
fn official_toy_values() {
    let z = array![[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]];
    let labels = [0, 0, 1, 1];
    assert_relative_eq!(
        coding_rate(z.view(), 0.5).unwrap(),
        3f64.ln(),
        max_relative = 1e-14
    );
    assert_relative_eq!(
        class_coding_rate(z.view(), &labels, 0.5).unwrap(),
        0.5 * 5f64.ln(),
        max_relative = 1e-14
    );
}

/// Closed forms of the collapsed and isotropic arrangements, and the reference
/// values: d = k = 3, ε² = 0.1 collapsed ΔR = 1.879849; d = 32, k = 4, ε² = 0.5:
/// collapsed 3.579233, isotropic 8.788898; d = 16, k = 4 isotropic 4 ln 3.
#[test]
fn closed_forms_match_the_computed_rates_and_reference_values() {
    for (d, k, eps) in [(3, 3, 0.1), (16, 4, 0.5), (32, 4, 0.5), (120, 10, 0.5)] {
        for arrangement in [Arrangement::Collapsed, Arrangement::Isotropic] {
            let (z, labels) = features(arrangement, d, k, 2 * d / k).unwrap();
            let (r, rc) = closed_form(arrangement, d, k, eps).unwrap();
            assert_relative_eq!(coding_rate(z.view(), eps).unwrap(), r, max_relative = 1e-12);
            assert_relative_eq!(
                class_coding_rate(z.view(), &labels, eps).unwrap(),
                rc,
                max_relative = 1e-12
            );
        }
    }
    let delta = |a, d, k, e| {
        let (r, rc) = closed_form(a, d, k, e).unwrap();
        r - rc
    };
    assert_relative_eq!(
        delta(Arrangement::Collapsed, 3, 3, 0.1),
        1.879849,
        epsilon = 1e-6
    );
    assert_relative_eq!(
        delta(Arrangement::Collapsed, 32, 4, 0.5),
        3.579233,
        epsilon = 1e-6
    );
    assert_relative_eq!(
        delta(Arrangement::Isotropic, 32, 4, 0.5),
        8.788898,
        epsilon = 1e-6
    );
    assert_relative_eq!(
        delta(Arrangement::Isotropic, 16, 4, 0.5),
        4.0 * 3f64.ln(),
        epsilon = 1e-12
    );
    assert!(
        delta(Arrangement::Isotropic, 120, 10, 0.5) > delta(Arrangement::Collapsed, 120, 10, 0.5)
    );
}

/// Both sides of the Sylvester identity: wide (d < m) and tall (d > m) inputs
/// agree with the dense d-side eigenvalue computation.
#[test]
fn sylvester_sides_agree_with_a_dense_computation() {
    for (d, m) in [(5, 40), (40, 5), (7, 7)] {
        let z = gaussian_matrix(&mut seeded_rng(d as u64), d, m);
        let c = d as f64 / (m as f64 * 0.3);
        assert_relative_eq!(
            coding_rate(z.view(), 0.3).unwrap(),
            half_log_det_dense(z.view(), c),
            max_relative = 1e-12
        );
    }
}

/// ΔR ≥ 0 on random inputs (concavity of log det), = 0 when every class has
/// the same second moment, and an empty class contributes nothing.
#[test]
fn rate_reduction_is_nonnegative_and_zero_for_identical_classes() {
    for seed in 0..20 {
        let z = gaussian_matrix(&mut seeded_rng(seed), 6, 30);
        let labels: Vec<usize> = (0..30).map(|i| (i * 7 + seed as usize) % 4).collect();
        assert!(rate_reduction(z.view(), &labels, 0.5).unwrap() >= -1e-12);
    }
    let block = gaussian_matrix(&mut seeded_rng(3), 4, 10);
    let z = ndarray::concatenate![ndarray::Axis(1), block, block];
    let labels: Vec<usize> = (0..20).map(|i| i / 10).collect();
    assert!(rate_reduction(z.view(), &labels, 0.5).unwrap().abs() < 1e-12);
    let with_gap: Vec<usize> = labels.iter().map(|l| l * 2).collect(); // labels 0 and 2: class 1 empty
    assert_relative_eq!(
        class_coding_rate(z.view(), &with_gap, 0.5).unwrap(),
        class_coding_rate(z.view(), &labels, 0.5).unwrap(),
        max_relative = 1e-14
    );
}

/// The analytic gradient against central finite differences: relative error
/// ‖g − fd‖/‖fd‖ below 1e-6, on a wide and a tall input (both Sylvester sides),
/// classes of unequal size, and labels with gaps and large values (classes are names).
/// Three shapes reach the three ways the gradient is assembled: every class
/// wider than tall (the whole Gram matrix summed from the classes'), a mix of
/// sides, and every block taller than wide. `rates_with_grad` must agree with
/// the separate functions.
#[test]
fn gradient_matches_finite_differences() {
    for (d, m) in [(3, 30), (4, 15), (12, 9)] {
        let z = gaussian_matrix(&mut seeded_rng(11), d, m);
        let labels: Vec<usize> = (0..m)
            .map(|i| match (d, i) {
                (3, _) => [2, 9, 1000][i % 3],
                (_, 0 | 1) => 0,
                _ => [2, 9, 1000][i % 3],
            })
            .collect();
        let grad = rate_reduction_grad(z.view(), &labels, 0.4).unwrap();
        let (rates, fused) = rates_with_grad(z.view(), &labels, 0.4).unwrap();
        assert_eq!(fused, grad);
        assert_relative_eq!(
            rates.r,
            coding_rate(z.view(), 0.4).unwrap(),
            max_relative = 1e-13
        );
        assert_relative_eq!(
            rates.rc,
            class_coding_rate(z.view(), &labels, 0.4).unwrap(),
            max_relative = 1e-13
        );
        let h = 1e-6;
        let mut fd = Array2::<f64>::zeros((d, m));
        for i in 0..d {
            for j in 0..m {
                let mut plus = z.clone();
                plus[[i, j]] += h;
                let mut minus = z.clone();
                minus[[i, j]] -= h;
                fd[[i, j]] = (rate_reduction(plus.view(), &labels, 0.4).unwrap()
                    - rate_reduction(minus.view(), &labels, 0.4).unwrap())
                    / (2.0 * h);
            }
        }
        let norm = |a: &Array2<f64>| a.iter().map(|v| v * v).sum::<f64>().sqrt();
        let rel = norm(&(&grad - &fd)) / norm(&fd);
        assert!(rel < 1e-6, "relative error {rel}");
    }
}

/// Projected gradient ascent (d = 16, k = 4, 50 per class, ε² = 0.5) never
/// exceeds the isotropic optimum 4 ln 3 and ends at a critical point with
/// mutually orthogonal classes whose ranks p_j fill the 16 dimensions, each
/// class spread evenly (equal singular values √(50/p_j)); its ΔR equals the
/// closed form for those ranks. The isotropic optimum is the case p_j = 4.
#[test]
fn ascent_ends_at_an_orthogonal_equal_spread_critical_point() {
    let labels: Vec<usize> = (0..200).map(|i| i / 50).collect();
    let optimum = 4.0 * 3f64.ln();
    assert_relative_eq!(
        chapter_04::optima::equal_spread_rate_reduction(16, 50, &[4, 4, 4, 4], 0.5).unwrap(),
        optimum,
        max_relative = 1e-14
    );
    let mut bunched = gaussian_matrix(&mut seeded_rng(6), 16, 200) * 0.2;
    bunched.row_mut(0).mapv_inplace(|v| v + 1.0);
    for start in [unit_columns(16, 200, 5), unit_columns(16, 200, 7), bunched] {
        let run = ascend(start.view(), &labels, 0.5, 0.5, 1000).unwrap();
        assert!(run.history.iter().all(|v| *v <= optimum + 1e-9));
        let last = *run.history.last().unwrap();
        assert_relative_eq!(last, optimum, max_relative = 0.01);
        assert!(chapter_04::ascent::cross_class_coherence(run.features.view(), &labels) < 1e-6);
        let svs = chapter_04::ascent::class_singular_values(run.features.view(), &labels);
        let ranks: Vec<usize> = svs
            .iter()
            .map(|s| chapter_04::ascent::numerical_rank(s, 1e-3))
            .collect();
        assert_eq!(ranks.iter().sum::<usize>(), 16, "{ranks:?}");
        for (s, p) in svs.iter().zip(&ranks) {
            for v in &s[..*p] {
                assert_relative_eq!(*v, (50.0 / *p as f64).sqrt(), max_relative = 1e-3);
            }
        }
        let predicted =
            chapter_04::optima::equal_spread_rate_reduction(16, 50, &ranks, 0.5).unwrap();
        assert_relative_eq!(last, predicted, max_relative = 1e-6);
    }
}

/// A ReduNet layer increases ΔR, and its test-time memberships classify clusters.
#[test]
fn redunet_layers_increase_rate_reduction() {
    let mut z = gaussian_matrix(&mut seeded_rng(4), 3, 60) * 0.3;
    let labels: Vec<usize> = (0..60).map(|i| i / 20).collect();
    for (i, l) in labels.iter().enumerate() {
        z[[*l, i]] += 1.0;
    }
    let (net, fit) = ReduNet::fit(z.view(), &labels, 0.1, 0.5, 200.0, 20).unwrap();
    assert!(fit.history[1] > fit.history[0]);
    assert!(fit.history.last().unwrap() > &(fit.history[0] + 0.1));
    let predicted = net.predict(fit.features.view()).unwrap();
    let hits = predicted
        .iter()
        .zip(&labels)
        .filter(|(p, l)| p == l)
        .count();
    assert!(hits >= 57, "{hits}/60");
    assert!(ReduNet::fit(z.view(), &labels, 0.1, f64::NAN, 200.0, 2).is_err());
    assert!(
        net.transform(ndarray::Array2::zeros((4, 2)).view())
            .is_err()
    );
}
