//! Chapter 1 checked against closed forms, nalgebra's dense eigensolver and theory.

use approx::{assert_abs_diff_eq, assert_relative_eq};
use chapter_01::experiments::{Spectrum, rate_check};
use chapter_01::power::{PowerSteps, tangent_to};
use chapter_01::{pca, power_iteration, top_eigenpairs};
use ndarray::{Array1, Array2, array};
use shared::data::PlantedSubspace;
use shared::linalg::{orthogonality_error, random_orthonormal, subspace_distance};
use shared::rng::gaussian_matrix;
use shared::seeded_rng;

/// All eigenvalues (descending) and the top-`k` eigenvectors by nalgebra (via `shared::symmetric`).
fn nalgebra_top(m: ndarray::ArrayView2<f64>, k: usize) -> shared::Result<(Vec<f64>, Array2<f64>)> {
    let e = shared::symmetric::eigh_descending("m", m)?;
    Ok((
        e.values.to_vec(),
        e.vectors.slice(ndarray::s![.., ..k]).to_owned(),
    ))
}

/// On diag(3,2,1) from (1,1,1)/√3: tan θ_t = √(4^t+1)/3^t and the Rayleigh
/// quotient of v_1 is 36/14 (values from the reference's cross-check list).
#[test]
fn diag_321_iterates_match_closed_form() {
    let m = Array2::from_diag(&array![3.0, 2.0, 1.0]);
    let e1 = array![1.0, 0.0, 0.0];
    let steps: Vec<_> = PowerSteps::new(&m, array![1.0, 1.0, 1.0].view())
        .unwrap()
        .take(21)
        .collect();
    for (t, want) in [
        (1, 0.745356),
        (5, 0.131752),
        (10, 0.0173415),
        (20, 3.00729e-4),
    ] {
        let got = tangent_to(steps[t - 1].vector.view(), e1.view());
        assert_relative_eq!(
            got,
            (4f64.powi(t as i32) + 1.0).sqrt() / 3f64.powi(t as i32),
            max_relative = 1e-12
        );
        assert_relative_eq!(got, want, max_relative = 1e-5);
    }
    assert_relative_eq!(steps[1].rayleigh, 36.0 / 14.0, max_relative = 1e-14);
    assert_relative_eq!(steps[10].rayleigh, 2.9996994, max_relative = 1e-7);
}

#[test]
fn power_iteration_finds_dominant_pair_of_diag_321() {
    let m = Array2::from_diag(&array![3.0, 2.0, 1.0]);
    let r = power_iteration(m.view(), array![1.0, 1.0, 1.0].view(), 1e-12, 1000);
    assert!(r.converged);
    assert_abs_diff_eq!(r.value, 3.0, epsilon = 1e-15 * 3.0 * 100.0);
    assert_abs_diff_eq!(r.vector[0].abs(), 1.0, epsilon = 1e-12);
    assert_abs_diff_eq!(r.vector.dot(&r.vector), 1.0, epsilon = 1e-14);
    // Successive sines shrink by 2/3 per step: about log(1e-12)/log(2/3) ≈ 68 steps.
    assert!(
        (60..=75).contains(&r.iterations),
        "iterations = {}",
        r.iterations
    );
}

#[test]
fn power_iteration_reports_non_convergence_when_capped() {
    let m = Array2::from_diag(&array![1.0, 0.99]);
    let r = power_iteration(m.view(), array![1.0, 1.0].view(), 1e-12, 5);
    assert!(!r.converged);
    assert_eq!(r.iterations, 5);
}

fn random_spd(d: usize, seed: u64, spectrum: impl Fn(usize) -> f64) -> (Array2<f64>, Array1<f64>) {
    let q = random_orthonormal(&mut seeded_rng(seed), d, d);
    let values = Array1::from_shape_fn(d, spectrum);
    (q.dot(&Array2::from_diag(&values)).dot(&q.t()), values)
}

/// Top-k eigenpairs agree with nalgebra's SymmetricEigen to 1e-10 in subspace distance.
#[test]
fn top_eigenpairs_match_nalgebra() {
    for seed in 0..5 {
        let (m, _) = random_spd(40, seed, |i| 10.0 * 0.8f64.powi(i as i32));
        let (values, vectors) = top_eigenpairs(m.view(), 5, seed).unwrap();
        let (all, reference) = nalgebra_top(m.view(), 5).unwrap();
        assert!(subspace_distance(reference.view(), vectors.view()) < 1e-10);
        assert!(orthogonality_error(vectors.view()) < 1e-13);
        for (got, want) in values.iter().zip(&all) {
            assert_relative_eq!(*got, *want, max_relative = 1e-11);
        }
        for j in 0..5 {
            let col = vectors.column(j);
            let residual = &m.dot(&col) - &(&col * values[j]);
            assert!(residual.dot(&residual).sqrt() < 1e-11 * values[0]);
        }
    }
}

/// An indefinite matrix whose negative eigenvalues are the largest in magnitude:
/// "top" means algebraically largest, which needs the shift.
#[test]
fn top_eigenpairs_are_algebraically_largest_for_indefinite_matrices() {
    let spectrum = [3.0, 2.0, 1.0, -4.0, -5.0, -6.0, -7.0, -8.0, -9.0, -10.0];
    let (m, _) = random_spd(10, 9, |i| spectrum[i]);
    let (values, vectors) = top_eigenpairs(m.view(), 2, 1).unwrap();
    assert_relative_eq!(values[0], 3.0, max_relative = 1e-11);
    assert_relative_eq!(values[1], 2.0, max_relative = 1e-11);
    let (_, reference) = nalgebra_top(m.view(), 2).unwrap();
    assert!(subspace_distance(reference.view(), vectors.view()) < 1e-10);
}

/// PCA equals the top eigenvectors of the 1/N covariance, in both code paths:
/// D ≤ N (explicit covariance) and D > N (implicit X(Xᵀv)/N).
#[test]
fn pca_matches_nalgebra_on_both_paths() {
    for (dim, samples) in [(20, 500), (300, 40)] {
        let data =
            PlantedSubspace::sample(&mut seeded_rng(11), dim, &[9.0, 4.0, 1.0], samples, 0.2)
                .unwrap();
        let model = pca(data.x.view(), 3, 5).unwrap();
        let mean = data.x.mean_axis(ndarray::Axis(1)).unwrap();
        for (got, want) in model.mean.iter().zip(mean.iter()) {
            assert_abs_diff_eq!(*got, *want, epsilon = 1e-15);
        }
        let centered = &data.x - &mean.insert_axis(ndarray::Axis(1));
        let cov = centered.dot(&centered.t()) / samples as f64;
        let (all, reference) = nalgebra_top(cov.view(), 3).unwrap();
        assert!(
            subspace_distance(reference.view(), model.components.view()) < 1e-10,
            "D = {dim}"
        );
        for (got, want) in model.variances.iter().zip(&all) {
            assert_relative_eq!(*got, *want, max_relative = 1e-11);
        }
    }
}

/// Denoising is the orthogonal projection onto the top-3 principal subspace
/// found independently by nalgebra: it equals μ + U Uᵀ(x − μ) for nalgebra's U
/// (idempotence alone would hold for any orthonormal U, or the identity).
#[test]
fn pca_denoising_is_the_projection_onto_nalgebras_principal_subspace() {
    let x = gaussian_matrix(&mut seeded_rng(2), 8, 100)
        * &Array1::from_shape_fn(8, |i| 3.0 * 0.7f64.powi(i as i32)).insert_axis(ndarray::Axis(1));
    let model = pca(x.view(), 3, 0).unwrap();
    let once = model.denoise(x.view()).unwrap();
    let mean = x
        .mean_axis(ndarray::Axis(1))
        .unwrap()
        .insert_axis(ndarray::Axis(1));
    let centered = &x - &mean;
    let (_, u) = nalgebra_top((centered.dot(&centered.t()) / 100.0).view(), 3).unwrap();
    let want = u.dot(&u.t().dot(&centered)) + &mean;
    assert!((&once - &want).iter().all(|d| d.abs() < 1e-10));
    // Not the identity: the discarded directions carried real energy.
    assert!((&once - &x).iter().map(|d| d * d).sum::<f64>() > 1.0);
    let twice = model.denoise(once.view()).unwrap();
    assert!((&once - &twice).iter().all(|d| d.abs() < 1e-12));
}

/// Property over seeds and spectra: the measured contraction of tan θ_t equals
/// λ2/λ1 within 1%.
#[test]
fn measured_rate_matches_eigengap_ratio_within_one_percent() {
    for seed in 0..20u64 {
        let ratio = 0.3 + 0.65 * (seed as f64 / 19.0);
        let dim = 5 + (seed as usize * 7) % 60;
        let check = rate_check(
            dim,
            Spectrum::Geometric(ratio),
            &mut seeded_rng(seed),
            &mut seeded_rng(seed + 100),
        )
        .unwrap();
        let rel = (check.measured_rate - ratio).abs() / ratio;
        assert!(
            rel < 0.01,
            "seed {seed}: ratio {ratio}, measured {}",
            check.measured_rate
        );
        assert!(
            check.tangents.len() - 1 <= check.predicted_steps,
            "the bound on steps must hold"
        );
    }
}

/// The report's denoising numbers against theory, not only the snapshot:
/// noise energy D σ² before, about d σ² after projecting onto the learned subspace.
#[test]
fn pca_denoising_removes_all_but_d_of_the_d_noise_dimensions() {
    let config = chapter_01::Config::default();
    for factor in chapter_01::experiments::NOISE_FACTORS {
        let sigma = config.noise * factor;
        let r = chapter_01::experiments::denoising(&config, sigma).unwrap();
        assert_relative_eq!(
            r.before,
            config.dim as f64 * sigma * sigma,
            max_relative = 0.05
        );
        // Within 25%: the learned subspace also absorbs some noise (it is estimated).
        assert_relative_eq!(
            r.after,
            config.rank as f64 * sigma * sigma,
            max_relative = 0.25
        );
    }
}

/// Deflation on a dense non-diagonal matrix agrees with nalgebra.
#[test]
fn deflation_matches_nalgebra_on_a_non_diagonal_matrix() {
    let (m, values) = random_spd(12, 21, |i| 5.0 * 0.6f64.powi(i as i32));
    let defl = chapter_01::deflation(&m, 3, &mut seeded_rng(4), 1e-12, 10_000).unwrap();
    assert!(defl.converged);
    let (_, reference) = nalgebra_top(m.view(), 3).unwrap();
    for i in 0..3 {
        assert_relative_eq!(defl.values[i], values[i], max_relative = 1e-10);
    }
    assert!(subspace_distance(reference.view(), defl.vectors.view()) < 1e-8);
}

/// Oja's rule converges toward nalgebra's subspace on the chapter's data.
#[test]
fn oja_rule_approaches_the_principal_subspace() {
    let config = chapter_01::Config::default();
    let data = config.planted_data(config.noise).unwrap();
    let mean = data.x.mean_axis(ndarray::Axis(1)).unwrap();
    let centered = &data.x - &mean.insert_axis(ndarray::Axis(1));
    let cov = centered.dot(&centered.t()) / config.samples as f64;
    let (_, reference) = nalgebra_top(cov.view(), config.rank).unwrap();
    let start = shared::linalg::random_orthonormal(&mut seeded_rng(9), config.dim, config.rank);
    let u = chapter_01::oja_subspace(centered.view(), config.rank, 2e-3, 3, &mut seeded_rng(9))
        .unwrap();
    let before = subspace_distance(reference.view(), start.view());
    let after = subspace_distance(reference.view(), u.view());
    assert!(
        after < 0.2 && after < before / 5.0,
        "before {before}, after {after}"
    );
}

/// Power iteration's tangents equal the eigen-coordinate closed form
/// $\tan\theta_t = \|(c_j (\lambda_j/\lambda_1)^t)_{j \ge 2}\| / |c_1|$ at every step,
/// for both spectra; on the clustered spectrum the second-half rate stays
/// measurably below $r$ (the transient), on the geometric one it equals $r$.
#[test]
fn tangents_follow_the_eigen_coordinate_closed_form() {
    for spectrum in [Spectrum::Geometric(0.9), Spectrum::Clustered(0.9)] {
        let check = rate_check(50, spectrum, &mut seeded_rng(3), &mut seeded_rng(4)).unwrap();
        assert_eq!(check.tangents.len(), check.exact_tangents.len());
        for (t, (got, want)) in check.tangents.iter().zip(&check.exact_tangents).enumerate() {
            assert_relative_eq!(*got, *want, max_relative = 1e-6, epsilon = 1e-13);
            assert!(got.is_finite(), "step {t}");
        }
        assert!(check.tangents.len() - 1 <= check.predicted_steps);
        let gap = (0.9 - check.measured_rate) / 0.9;
        match spectrum {
            Spectrum::Geometric(_) => assert!(gap.abs() < 1e-3, "geometric: {gap}"),
            Spectrum::Clustered(_) => assert!(gap > 2e-3, "clustered: {gap}"),
        }
    }
}

/// The published recovery numbers, checked against independent predictions:
/// the iterative methods agree with nalgebra, the distance to the planted basis
/// matches first-order perturbation theory, and subspace iteration's measured
/// rate matches the transient-aware prediction from the sample spectrum (and
/// the asymptotic sample ratio bounds it from above).
#[test]
fn published_recovery_numbers_match_their_predictions() {
    let results = chapter_01::run_all(&chapter_01::Config::default()).unwrap();
    let rec = &results.recovery;
    for m in &rec.methods[..2] {
        assert!(m.to_reference.unwrap() < 1e-8, "{}", m.name);
    }
    let reference = rec.methods.last().unwrap();
    assert_relative_eq!(
        reference.to_truth,
        rec.predicted_to_truth,
        max_relative = 0.1
    );
    let rate = rec.subspace_rate;
    assert_relative_eq!(rate.measured, rate.window, max_relative = 0.05);
    assert!(rate.measured < rate.asymptotic);
    assert_relative_eq!(rate.asymptotic, rate.model, max_relative = 0.15);
}
