//! Chapter 3 checked against closed forms, the generic mixture formula,
//! finite differences of the density, and the reference values of the textbook's setting.

use approx::{assert_abs_diff_eq, assert_relative_eq};
use chapter_03::experiments::{
    VARIANCE_STEPS, error_vs_noise, generation, variance_check, vp_grid,
};
use chapter_03::lowrank::QUERY_BLOCK;
use chapter_03::{
    Config, Denoiser, Empirical, GaussianMixture, LowRankMixture, Process, ddim_sample,
    denoiser_to_score, mmse_denoise, score_to_denoiser,
};
use ndarray::{Array1, Array2, array};
use shared::linalg::random_orthonormal;
use shared::rng::gaussian_matrix;
use shared::seeded_rng;

/// Largest entrywise difference; NaN if either side has NaN (so `< tol` fails).
fn max_diff(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    shared::error::nan_max((a - b).iter().map(|d| d.abs()))
}

#[test]
fn max_diff_fails_on_nan() {
    assert!(max_diff(&array![[1.0]], &array![[f64::NAN]]).is_nan());
}

/// Two lines e1 and e2 in R^2 (unit variance), x_t = (1, 0.5): VE at t = 1 gives
/// x̄ = (0.2733691, 0.1133155); VP at t = 0.6 gives x̄ = (0.5286051, 0.1356975).
#[test]
fn two_lines_match_reference_values_in_both_forms() {
    let mix = LowRankMixture::new(
        array![0.5, 0.5],
        vec![array![[1.0], [0.0]], array![[0.0], [1.0]]],
        vec![1.0, 1.0],
        0.0,
    )
    .unwrap();
    let x = array![[1.0], [0.5]];
    for (process, t, want) in [
        (Process::VarianceExploding, 1.0, [0.2733691, 0.1133155]),
        (Process::VariancePreserving, 0.6, [0.5286051, 0.1356975]),
    ] {
        let (a, s) = (process.alpha(t), process.sigma(t));
        let closed = mix.denoise(x.view(), a, s).unwrap();
        let generic = mmse_denoise(&mix.to_gaussian_mixture().unwrap(), x.view(), a, s).unwrap();
        assert!(max_diff(&closed, &generic) < 1e-14);
        assert_abs_diff_eq!(closed[[0, 0]], want[0], epsilon = 1e-7);
        assert_abs_diff_eq!(closed[[1, 0]], want[1], epsilon = 1e-7);
    }
}

/// The attention-like closed form equals the generic mixture formula on random
/// low-rank mixtures of mixed ranks, with and without an isotropic floor, on
/// enough queries for several parallel blocks (the last one partial).
#[test]
fn low_rank_closed_form_equals_generic_formula() {
    let mut rng = seeded_rng(3);
    let bases = vec![
        random_orthonormal(&mut rng, 8, 1),
        random_orthonormal(&mut rng, 8, 3),
        random_orthonormal(&mut rng, 8, 2),
    ];
    for floor in [0.0, 1e-3] {
        let mix = LowRankMixture::new(
            array![0.2, 0.5, 0.3],
            bases.clone(),
            vec![1.0, 4.0, 2.5],
            floor,
        )
        .unwrap();
        let generic = mix.to_gaussian_mixture().unwrap();
        let x = gaussian_matrix(&mut rng, 8, 2 * QUERY_BLOCK + 88) * 2.0;
        for process in [Process::VarianceExploding, Process::VariancePreserving] {
            for t in [0.05, 0.3, 0.9] {
                let (a, s) = (process.alpha(t), process.sigma(t));
                let closed = mix.denoise(x.view(), a, s).unwrap();
                let general = mmse_denoise(&generic, x.view(), a, s).unwrap();
                let diff = max_diff(&closed, &general);
                assert!(diff < 1e-10, "floor {floor}, {process:?}, t {t}: {diff}");
            }
        }
    }
}

/// Two points ±1 with equal weight (zero covariances): E[x | x_t] = tanh(x_t/t²) (VE).
#[test]
fn two_point_prior_gives_tanh() {
    let mix = GaussianMixture::new(
        array![0.5, 0.5],
        array![[1.0, -1.0]],
        vec![array![[0.0]], array![[0.0]]],
    )
    .unwrap();
    for (x, t, want) in [(0.5, 1.0, 0.4621172), (0.1, 0.5, 0.3799490)] {
        let got = mmse_denoise(&mix, array![[x]].view(), 1.0, t).unwrap()[[0, 0]];
        assert_abs_diff_eq!(got, want, epsilon = 1e-7);
        assert_relative_eq!(got, (x / (t * t)).tanh(), max_relative = 1e-14);
    }
}

/// A single Gaussian N(μ, VΛVᵀ) under VE: each eigendirection shrinks by λ/(λ + t²) toward μ.
#[test]
fn single_gaussian_shrinks_each_eigendirection() {
    let v = random_orthonormal(&mut seeded_rng(4), 3, 3);
    let lambda = array![4.0, 1.0, 0.0];
    let cov = v.dot(&Array2::from_diag(&lambda)).dot(&v.t());
    let mu = array![1.0, -2.0, 0.5];
    let mix = GaussianMixture::new(
        array![1.0],
        mu.clone().insert_axis(ndarray::Axis(1)),
        vec![cov],
    )
    .unwrap();
    let x = array![[3.0], [0.0], [1.0]];
    let t = 0.7;
    let got = mmse_denoise(&mix, x.view(), 1.0, t).unwrap();
    let z = v.t().dot(&(&x.column(0) - &mu));
    let want = &mu + &v.dot(&(&z * &lambda.mapv(|l| l / (l + t * t))));
    for i in 0..3 {
        assert_abs_diff_eq!(got[[i, 0]], want[i], epsilon = 1e-13);
    }
}

/// Tweedie both ways: score → denoiser → score is the identity, and the score from
/// the denoiser equals central finite differences of log p_t.
#[test]
fn tweedie_round_trip_and_finite_difference_score() {
    let mix = LowRankMixture::new(
        array![0.3, 0.7],
        vec![
            random_orthonormal(&mut seeded_rng(5), 3, 1),
            random_orthonormal(&mut seeded_rng(6), 3, 2),
        ],
        vec![2.0, 1.0],
        0.0,
    )
    .unwrap()
    .to_gaussian_mixture()
    .unwrap();
    let prepared = mix.prepare();
    let x = gaussian_matrix(&mut seeded_rng(7), 3, 5);
    for process in [Process::VarianceExploding, Process::VariancePreserving] {
        let (a, s) = (process.alpha(0.5), process.sigma(0.5));
        let denoised = prepared.denoise(x.view(), a, s).unwrap();
        let score = denoiser_to_score(x.view(), denoised.view(), a, s).unwrap();
        let back = score_to_denoiser(x.view(), score.view(), a, s).unwrap();
        assert!(max_diff(&back, &denoised) < 1e-13);
        let h = 1e-5;
        for i in 0..3 {
            let mut up = x.clone();
            let mut down = x.clone();
            up.row_mut(i).mapv_inplace(|v| v + h);
            down.row_mut(i).mapv_inplace(|v| v - h);
            let fd: Array1<f64> = (prepared.log_density(up.view(), a, s).unwrap()
                - prepared.log_density(down.view(), a, s).unwrap())
                / (2.0 * h);
            for j in 0..5 {
                assert_relative_eq!(fd[j], score[[i, j]], max_relative = 1e-6, epsilon = 1e-8);
            }
        }
    }
}

/// The memorizing denoiser returns the nearest training point as σ → 0.
#[test]
fn memorizer_returns_nearest_training_point_at_small_noise() {
    let points = array![[0.0, 1.0, 3.0], [0.0, 1.0, -1.0]];
    let memorizer = Empirical {
        points: points.clone(),
    };
    let x = array![[0.9, 2.6], [1.2, -0.7]];
    let got = memorizer.denoise(x.view(), 1.0, 1e-3).unwrap();
    assert_eq!(got.column(0), points.column(1));
    assert_eq!(got.column(1), points.column(2));
}

/// The variance table: the angle closed form reproduces the reference values
/// (VP 0.727656 / 0.931339 / 0.992476 from the reference notes; VE 0.436454 /
/// 0.854355 / 0.984421, equal to the product of the per-step gains
/// (1 + t s)/(1 + t²) written out below), the sampler's exact gain matches it,
/// and each Monte Carlo estimate is within 4 standard errors. The six
/// estimates come from independent draws: with one shared draw, a linear
/// sampler would give the same ratio MC / sampler on every row.
#[test]
fn variance_table_matches_reference_values() {
    let rows = variance_check(&mut seeded_rng(0)).unwrap();
    let want = [0.727656, 0.931339, 0.992476, 0.436454, 0.854355, 0.984421];
    assert_eq!(rows.len(), 2 * VARIANCE_STEPS.len());
    for (row, w) in rows.iter().zip(want) {
        assert_abs_diff_eq!(row.closed_form, w, epsilon = 5e-7);
        assert_relative_eq!(row.sampler, row.closed_form, max_relative = 1e-10);
        assert!(
            (row.monte_carlo - row.closed_form).abs() < 4.0 * row.standard_error,
            "{row:?}"
        );
    }
    for (row, &steps) in rows[3..].iter().zip(&VARIANCE_STEPS) {
        let grid = chapter_03::uniform_grid(10.0, 0.0, steps);
        let gain: f64 = grid
            .windows(2)
            .map(|w| (1.0 + w[0] * w[1]) / (1.0 + w[0] * w[0]))
            .product();
        assert_relative_eq!(row.closed_form, gain * gain * 101.0, max_relative = 1e-12);
    }
    // The 1/L law: at L = 500, L(1 − Var) is within 2% of its limit
    // (t_hi − t_lo)∫φ'² dt: VP 0.998·atanh(0.999) ≈ 3.79, VE 10·∫₀¹⁰(1+t²)⁻² dt ≈ 7.85.
    assert_relative_eq!(
        rows[0].gap_limit,
        0.998 * 0.999f64.atanh(),
        max_relative = 1e-3
    );
    let ve = 10.0 * 0.5 * (10f64.atan() + 10.0 / 101.0);
    assert_relative_eq!(rows[3].gap_limit, ve, max_relative = 1e-3);
    for r in [&rows[2], &rows[5]] {
        assert_relative_eq!(
            500.0 * (1.0 - r.closed_form),
            r.gap_limit,
            max_relative = 0.02
        );
    }
    let ratios: Vec<f64> = rows.iter().map(|r| r.monte_carlo / r.sampler).collect();
    assert!(
        ratios.windows(2).all(|w| (w[0] - w[1]).abs() > 1e-6),
        "{ratios:?}"
    );
}

/// Generalization vs memorization on two lines and a plane.
#[test]
fn closed_form_generalizes_and_memorizer_memorizes() {
    let g = generation(&Config::default()).unwrap();
    let (closed, memo) = (&g.stats[0], &g.stats[1]);
    assert!(closed.near_union >= 0.99, "{closed:?}");
    assert!(closed.near_training <= 0.2, "{closed:?}");
    assert!(memo.near_training >= 0.95, "{memo:?}");
    for p in &closed.proportions {
        assert!((p - 1.0 / 3.0).abs() < 0.1, "{closed:?}");
    }
}

/// The error-vs-noise table against theory rather than only its snapshot.
/// The data fill exactly K·P = 8 of D = 32 coordinates, each with variance
/// 4/K = 1, so PCA learns that span exactly: projection leaves the noise
/// inside it, 8σ², and Wiener shrinkage by λ/(λ + σ²) with λ = 1 leaves the
/// linear-MMSE error 8σ²/(1 + σ²); no denoising leaves 32σ². The MMSE
/// denoiser is Bayes-optimal, so on the same draws it must beat every other
/// column and the zero denoiser (risk E‖x‖² = P·c = 8), and at small σ it
/// keeps only the noise inside one 2-D subspace: ≈ 2σ². Shrinkage beats
/// projection and soft thresholding at every σ.
#[test]
fn error_vs_noise_columns_match_their_closed_forms_and_mmse_wins() {
    use chapter_03::experiments::{CMP_D, CMP_K, CMP_P};
    let rows = error_vs_noise(&mut seeded_rng(0)).unwrap();
    let k = (CMP_K * CMP_P) as f64;
    for r in &rows {
        let s2 = r.sigma * r.sigma;
        assert_relative_eq!(r.identity, CMP_D as f64 * s2, max_relative = 0.05);
        assert_relative_eq!(r.pca_projection, k * s2, max_relative = 0.05);
        assert_relative_eq!(r.pca_shrinkage, k * s2 / (1.0 + s2), max_relative = 0.08);
        assert!(
            r.mmse < r.pca_shrinkage && r.mmse < r.soft && r.mmse < r.identity,
            "{r:?}"
        );
        assert!(
            r.pca_shrinkage < r.pca_projection && r.pca_shrinkage < r.soft,
            "{r:?}"
        );
        assert!(
            r.mmse < CMP_P as f64 * 4.0,
            "{r:?}: worse than predicting 0"
        );
    }
    let first = &rows[0];
    assert_relative_eq!(
        first.mmse,
        CMP_P as f64 * first.sigma * first.sigma,
        max_relative = 0.15
    );
}

/// The sampler's VE uniform-grid update is x ← (1 − 1/ℓ) x + (1/ℓ) x̄.
#[test]
fn ve_uniform_step_is_a_running_average() {
    let mix = GaussianMixture::new(array![1.0], array![[0.0]], vec![array![[1.0]]])
        .unwrap()
        .prepare();
    let grid = [3.0, 2.0];
    let x = array![[1.5]];
    let out = ddim_sample(&mix, Process::VarianceExploding, &grid, x.view(), |_, _| {}).unwrap();
    let clean = 1.5 / (1.0 + 9.0);
    assert_relative_eq!(
        out[[0, 0]],
        (2.0 / 3.0) * 1.5 + (1.0 / 3.0) * clean,
        max_relative = 1e-14
    );
    assert_eq!(vp_grid(4).len(), 5);
}

/// The learned denoisers against the closed form: no denoiser beats the MMSE
/// one (up to Monte Carlo error, 3% here), the network trained on 2000
/// samples comes within 60% of it at t >= 0.1 and generalizes (test
/// objective within 10% of train), and the one trained on 10 samples shows
/// the memorization risk: its test objective is over 5 times its training
/// objective and its error far above the floor.
#[test]
fn learned_denoisers_approach_the_mmse_floor_only_with_enough_samples() {
    let rows = chapter_03::experiments::learned_denoisers(&Config::default()).unwrap();
    let (few, many) = (&rows[0], &rows[1]);
    for r in &rows {
        for e in &r.errors {
            assert!(
                e.learned > 0.97 * e.mmse && e.memorizing > 0.97 * e.mmse,
                "{e:?}"
            );
        }
    }
    for e in many.errors.iter().filter(|e| e.time >= 0.1) {
        assert!(e.learned < 1.6 * e.mmse, "{e:?}");
    }
    // At tiny noise the network is furthest from the floor in relative terms
    // (what the page says about its samples), yet still below the memorizer.
    let tiny = &many.errors[0];
    assert!(tiny.time < 0.05 && tiny.learned > 3.0 * tiny.mmse && tiny.learned < tiny.memorizing);
    assert!((many.test_objective - many.train_objective).abs() < 0.1 * many.train_objective);
    assert!(few.test_objective > 5.0 * few.train_objective, "{few:?}");
    assert!(few.errors[0].learned > 10.0 * few.errors[0].mmse);
}
