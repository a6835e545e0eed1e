//! One check for the whole class of reliability faults (issue 7): every public
//! numerical entry point of chapters 1–3, called on adversarial input, either
//! returns `Ok` with finite output that passes the function's own
//! postcondition, or a typed `Error`: never a panic, never `Ok` with NaN.
//! (Functions whose contract returns a plain `f64`, or a result with a
//! `converged` flag, signal bad input with NaN or `converged = false`.)
//!
//! Inputs come from a seeded generator: random shapes (including empty and
//! mismatched ones), NaN, ±inf, subnormal and huge magnitudes, rank-deficient
//! and indefinite matrices.

/// All eigenvalues (descending) and the top-`k` eigenvectors, by `shared::symmetric` (nalgebra).
fn nalgebra_top(
    m: ndarray::ArrayView2<f64>,
    k: usize,
) -> shared::Result<(Vec<f64>, ndarray::Array2<f64>)> {
    let e = shared::symmetric::eigh_descending("m", m)?;
    if k > e.values.len() {
        return Err(shared::Error::out_of_range("k", "at most the size", k));
    }
    Ok((
        e.values.to_vec(),
        e.vectors.slice(ndarray::s![.., ..k]).to_owned(),
    ))
}
use chapter_01::{pca, power_iteration, top_eigenpairs};
use chapter_02::lasso::{checked_lasso_objective, kkt_residual, polish};
use chapter_02::lista::{Lista, relative_error};
use chapter_02::{SolverOptions, fista, fista_nonnegative, ista, soft_threshold};
use chapter_03::tweedie::{denoiser_to_score, score_to_denoiser};
use chapter_03::{GaussianMixture, Process, ddim_sample, mmse_denoise, uniform_grid};
use ndarray::{Array1, Array2};
use shared::linalg::orthogonality_error;
use shared::rng::seeded_rng;

mod adversarial;
use adversarial::{dim, finite, matrix, no_panic, pick, symmetric};

const CASES: usize = 400;

type Solver = fn(
    ndarray::ArrayView2<f64>,
    ndarray::ArrayView2<f64>,
    f64,
    &SolverOptions,
) -> Result<chapter_02::Solution, chapter_02::Error>;

#[test]
fn every_public_entry_point_returns_ok_and_valid_or_a_typed_error() {
    let mut rng = seeded_rng(2024);
    let mut ok = 0;
    for case in 0..CASES {
        let (d, n, k) = (dim(&mut rng), dim(&mut rng), dim(&mut rng));
        // Chapter 1.
        let m = symmetric(&mut rng, d);
        let v0 = matrix(&mut rng, d.max(1), 1).column(0).to_owned();
        let r = no_panic(case, "power_iteration", || {
            power_iteration(m.view(), v0.view(), 1e-10, 500)
        });
        if r.converged {
            assert!(
                r.value.is_finite() && finite(r.vector.iter().copied()),
                "case {case}"
            );
        }
        let top = no_panic(case, "top_eigenpairs", || top_eigenpairs(m.view(), k, 1));
        if let Ok((values, vectors)) = &top {
            ok += 1;
            assert!(
                finite(values.iter().chain(vectors.iter()).copied()),
                "case {case}"
            );
            let scale = m.iter().fold(0.0f64, |a, v| a.max(v.abs()));
            let residual = m.dot(vectors) - vectors * &values.view().insert_axis(ndarray::Axis(0));
            assert!(
                residual
                    .iter()
                    .all(|r| r.abs() <= 1e-9 * scale.max(f64::MIN_POSITIVE) * d as f64),
                "case {case}: eigen-residual"
            );
            // Unit, orthogonal vectors (zero vectors would pass the residual),
            // and the algebraically largest values (nalgebra, scale-normalized).
            assert!(
                orthogonality_error(vectors.view()) < 1e-8,
                "case {case}: basis"
            );
            if scale > 1e-300 && scale < 1e300 {
                let (all, _) = nalgebra_top((&m / scale).view(), k).unwrap();
                for (got, want) in values.iter().zip(&all) {
                    assert!(
                        (got / scale - want).abs() < 1e-8,
                        "case {case}: eigenvalues"
                    );
                }
            }
        }
        let x = matrix(&mut rng, d, n);
        if let Ok(model) = no_panic(case, "pca", || pca(x.view(), k, 2)) {
            ok += 1;
            assert!(finite(
                model
                    .variances
                    .iter()
                    .chain(model.components.iter())
                    .copied()
            ));
            assert!(
                model
                    .variances
                    .iter()
                    .all(|v| *v >= -1e-9 * model.variances[0].abs())
            );
            let rows = pick(&mut rng, 2) + d;
            let probe = matrix(&mut rng, rows, 2);
            if let Ok(out) = no_panic(case, "Pca::denoise", || model.denoise(probe.view())) {
                assert!(finite(out.iter().copied()), "case {case}: denoise");
            }
        }
        // Chapter 2.
        let a = matrix(&mut rng, d, n);
        let rows = if pick(&mut rng, 6) == 0 { d + 1 } else { d };
        let y = matrix(&mut rng, rows, k);
        let lambda = [0.1, 0.0, -1.0, f64::NAN, 1e300][pick(&mut rng, 5)];
        let opts = SolverOptions {
            max_iters: 300,
            tol: 1e-8,
        };
        for (name, solver) in [
            ("ista", ista as Solver),
            ("fista", fista),
            ("fista_nonnegative", fista_nonnegative),
        ] {
            if let Ok(s) = no_panic(case, name, || solver(a.view(), y.view(), lambda, &opts)) {
                ok += 1;
                assert!(
                    finite(s.x.iter().copied()) && s.kkt.is_finite(),
                    "case {case}: {name}"
                );
                assert!(
                    finite(s.objective.iter().copied()),
                    "case {case}: {name} objective"
                );
                if s.converged && name != "fista_nonnegative" {
                    let kkt = kkt_residual(a.view(), y.view(), s.x.view(), lambda);
                    assert!(kkt.is_ok_and(|r| r.is_finite()), "case {case}: {name} kkt");
                }
                if let Ok(p) = no_panic(case, "polish", || {
                    polish(a.view(), y.view(), s.x.view(), lambda)
                }) {
                    assert!(finite(p.iter().copied()));
                }
            }
        }
        let z = matrix(&mut rng, n, k);
        if let Ok(f) = no_panic(case, "checked_lasso_objective", || {
            checked_lasso_objective(a.view(), y.view(), z.view(), lambda)
        }) {
            assert!(f.is_finite() && f >= 0.0);
        }
        let t = soft_threshold(x.iter().next().copied().unwrap_or(1.0), lambda);
        assert!(
            t.is_finite()
                || lambda.is_nan()
                || lambda < 0.0
                || x.iter().next().is_some_and(|v| !v.is_finite())
        );
        let lipschitz = [1.0, 0.0, f64::NAN, 4.0][pick(&mut rng, 4)];
        let net = no_panic(case, "Lista::from_ista", || {
            Lista::from_ista(a.view(), lambda, lipschitz, 1 + k % 3)
        });
        let out = net.map(|net| no_panic(case, "Lista::forward", || net.forward(y.view())));
        if let Ok(Ok(out)) = out {
            assert!(finite(out.iter().copied()));
            let e = no_panic(case, "relative_error", || {
                relative_error(out.view(), z.view())
            });
            assert!(e.is_err() || e.is_ok_and(|e| e.is_finite() && e >= 0.0));
        }
        // Chapter 3.
        let weights = Array1::from_elem(k.max(1), 1.0 / k.max(1) as f64);
        let means = matrix(&mut rng, d, k.max(1));
        let covariances = (0..k.max(1)).map(|_| {
            let c = matrix(&mut rng, d, d);
            c.dot(&c.t())
        });
        let covariances: Vec<Array2<f64>> = covariances.collect();
        let mix = no_panic(case, "GaussianMixture::new", || {
            GaussianMixture::new(weights, means, covariances)
        });
        let sigma = [1.0, 0.0, 1e-162, 1e-3, f64::NAN, 1e200][pick(&mut rng, 6)];
        let alpha = [1.0, 0.0, 0.5, -1.0][pick(&mut rng, 4)];
        let x_t = matrix(&mut rng, d, n);
        if let Ok(mix) = mix {
            if let Ok(out) = no_panic(case, "mmse_denoise", || {
                mmse_denoise(&mix, x_t.view(), alpha, sigma)
            }) {
                ok += 1;
                assert!(
                    finite(out.iter().copied()) && out.dim() == x_t.dim(),
                    "case {case}: mmse"
                );
            }
            let grid = uniform_grid([1.0, 0.999, 0.5][pick(&mut rng, 3)], 0.001, 1 + k);
            let process =
                [Process::VariancePreserving, Process::VarianceExploding][pick(&mut rng, 2)];
            let prepared = mix.prepare();
            if let Ok(out) = no_panic(case, "ddim_sample", || {
                ddim_sample(&prepared, process, &grid, x_t.view(), |_, _| {})
            }) {
                ok += 1;
                assert!(finite(out.iter().copied()), "case {case}: ddim");
            }
        }
        let cols = if pick(&mut rng, 4) == 0 { n + 1 } else { n };
        let other = matrix(&mut rng, d, cols);
        if let Ok(s) = no_panic(case, "denoiser_to_score", || {
            denoiser_to_score(x_t.view(), other.view(), alpha, sigma)
        }) {
            assert!(finite(s.iter().copied()));
        }
        if let Ok(s) = no_panic(case, "score_to_denoiser", || {
            score_to_denoiser(x_t.view(), other.view(), alpha, sigma)
        }) {
            assert!(finite(s.iter().copied()));
        }
    }
    println!("{CASES} cases, {ok} calls returned Ok and passed their postconditions");
    assert!(
        ok > CASES / 2,
        "too few valid cases ({ok}): the generator is too hostile to test the Ok path"
    );
}

/// The same contract for the building blocks under the main entry points.
#[test]
fn building_blocks_return_ok_and_valid_or_a_typed_error() {
    use chapter_01::experiments::{Spectrum, rate_check};
    use chapter_01::power::{PowerSteps, power_iteration_op, sine_between, tangent_to};
    use chapter_01::{Covariance, deflation, oja_subspace, subspace_iteration};
    use chapter_02::dictionary::{DictionaryOptions, learn_dictionary, recovery};
    use chapter_02::experiments::sparse_codes;
    use chapter_02::lista::train;
    use chapter_02::nonnegative_soft_threshold;
    use chapter_02::solvers::{ista_book_convention, lipschitz_constant};
    use chapter_03::{Denoiser, Empirical, LowRankMixture, exponential_grid};
    use shared::linalg::{random_orthonormal, subspace_distance};

    let mut rng = seeded_rng(77);
    let mut ok = 0;
    for case in 0..CASES {
        let (d, n, k) = (dim(&mut rng), dim(&mut rng), dim(&mut rng));
        // Chapter 1's building blocks.
        let m = symmetric(&mut rng, d);
        let p0 = pick(&mut rng, 5);
        let v = matrix(&mut rng, if p0 == 0 { d + 1 } else { d }, 1);
        let v = v.column(0);
        if let Ok(steps) = no_panic(case, "PowerSteps::new", || PowerSteps::new(&m, v)) {
            ok += 1;
            for step in steps.take(5) {
                assert!(
                    finite(step.vector.iter().copied()),
                    "case {case}: power step"
                );
            }
        }
        let w = matrix(&mut rng, d.max(1), 1);
        let _ = no_panic(case, "sine_between", || sine_between(v, w.column(0)));
        let _ = no_panic(case, "tangent_to", || tangent_to(v, w.column(0)));
        let x = matrix(&mut rng, d, n);
        let cov = Covariance { centered: x.view() };
        let r = no_panic(case, "power_iteration_op", || {
            power_iteration_op(&cov, v, 1e-8, 200)
        });
        assert!(!r.converged || (r.value.is_finite() && finite(r.vector.iter().copied())));
        if let Ok(defl) = no_panic(case, "deflation", || {
            deflation(&m, k, &mut seeded_rng(1), 1e-8, 300)
        }) {
            ok += 1;
            assert!(
                finite(defl.values.iter().chain(&defl.vectors).copied()),
                "case {case}: deflation"
            );
        }
        let q0 = matrix(&mut rng, d, k);
        if let Ok(s) = no_panic(case, "subspace_iteration", || {
            subspace_iteration(&m, q0.view(), k.min(2), 0.0, 1e-10, 300)
        }) {
            ok += 1;
            if s.converged {
                assert!(
                    finite(s.values.iter().chain(&s.vectors).copied()),
                    "case {case}: subspace"
                );
                assert!(
                    orthogonality_error(s.vectors.view()) < 1e-8,
                    "case {case}: subspace basis"
                );
                let residual =
                    m.dot(&s.vectors) - &s.vectors * &s.values.view().insert_axis(ndarray::Axis(0));
                let scale = shared::error::nan_max(m.iter().map(|v| v.abs()).chain([0.0]));
                assert!(
                    residual
                        .iter()
                        .all(|r| r.abs() <= 1e-8 * scale.max(f64::MIN_POSITIVE) * d as f64),
                    "case {case}: subspace residual"
                );
            }
        }
        let gain = [2e-3, -1.0, 1e300, f64::NAN][pick(&mut rng, 4)];
        if let Ok(u) = no_panic(case, "oja_subspace", || {
            oja_subspace(x.view(), k, gain, 1, &mut seeded_rng(2))
        }) {
            ok += 1;
            assert!(finite(u.iter().copied()), "case {case}: oja");
        }
        if let Ok((values, vectors)) = no_panic(case, "nalgebra_top", || nalgebra_top(m.view(), k))
        {
            assert!(finite(values.iter().chain(&vectors).copied()));
        }
        let ratio = [0.5, 0.0, 1.0, f64::NAN][pick(&mut rng, 4)];
        let spectrum = [Spectrum::Geometric(ratio), Spectrum::Clustered(ratio)][pick(&mut rng, 2)];
        let rate = || rate_check(d, spectrum, &mut seeded_rng(3), &mut seeded_rng(4));
        if let Ok(r) = no_panic(case, "rate_check", rate) {
            assert!(r.measured_rate.is_finite(), "case {case}: rate");
        }
        let p1 = pick(&mut rng, 2);
        let b = random_orthonormal(&mut rng, d + p1, k.min(d));
        let _ = no_panic(case, "subspace_distance", || {
            subspace_distance(x.view(), b.view())
        });
        // Chapter 2's building blocks.
        let a = matrix(&mut rng, d, n);
        let gram = a.t().dot(&a);
        if let Ok(l) = no_panic(case, "lipschitz_constant", || {
            lipschitz_constant(gram.view())
        }) {
            assert!(l.is_finite() && l >= 0.0);
        }
        let y = matrix(&mut rng, d, k);
        let eta = [0.1, -1.0, f64::INFINITY][pick(&mut rng, 3)];
        if let Ok(zs) = no_panic(case, "ista_book_convention", || {
            ista_book_convention(a.view(), y.view(), 0.1, eta, 5)
        }) {
            assert!(
                zs.iter().flatten().all(|v| v.is_finite()),
                "case {case}: book ISTA"
            );
        }
        let t = nonnegative_soft_threshold(x.iter().next().copied().unwrap_or(1.0), 0.5);
        assert!(t >= 0.0 || t.is_nan());
        if let Ok(codes) = no_panic(case, "sparse_codes", || {
            sparse_codes(&mut seeded_rng(4), n, k, 3)
        }) {
            assert_eq!(codes.dim(), (n, 3));
        }
        let opts = DictionaryOptions {
            atoms: k,
            lambda: [0.1, -0.1][pick(&mut rng, 2)],
            outer_iters: 2,
            dictionary_steps: 2,
            coding: SolverOptions {
                max_iters: 20,
                tol: 1e-3,
            },
        };
        let p2 = pick(&mut rng, 4);
        let truth = matrix(&mut rng, if p2 == 0 { d + 1 } else { d }, 2);
        if let Ok(dict) = no_panic(case, "learn_dictionary", || {
            learn_dictionary(x.view(), &opts, &mut seeded_rng(5), Some(truth.view()))
        }) {
            ok += 1;
            assert!(
                finite(dict.atoms.iter().chain(&dict.codes).copied()),
                "case {case}: dictionary"
            );
        }
        let _ = no_panic(case, "recovery", || recovery(truth.view(), a.view()));
        if let Ok(mut net) = Lista::from_ista(a.view(), 0.1, 2.0, 2) {
            let p3 = pick(&mut rng, 4);
            let target = matrix(&mut rng, n, if p3 == 0 { k + 1 } else { k });
            let lr = [0.01, -1.0, 1e300][pick(&mut rng, 3)];
            if let Ok(losses) = no_panic(case, "train", || {
                train(&mut net, y.view(), target.view(), lr, 3)
            }) {
                ok += 1;
                assert!(finite(losses.iter().copied()), "case {case}: lista losses");
            }
        }
        // Chapter 3's building blocks.
        let bases: Vec<Array2<f64>> = (0..k.max(1))
            .map(|_| {
                let p = 1 + pick(&mut rng, 2);
                random_orthonormal(&mut rng, d, p)
            })
            .collect();
        let weights = Array1::from_elem(k.max(1), 1.0 / k.max(1) as f64);
        let scales = vec![[1.0, 0.0, 1e300][pick(&mut rng, 3)]; k.max(1)];
        let floor = [0.0, 1e-3, -1.0][pick(&mut rng, 3)];
        let x_t = matrix(&mut rng, d, n);
        let sigma = [1.0, 0.0, 1e-162, 0.3][pick(&mut rng, 4)];
        if let Ok(mix) = no_panic(case, "LowRankMixture::new", || {
            LowRankMixture::new(weights, bases, scales, floor)
        }) {
            if let Ok((s, _)) = no_panic(case, "LowRankMixture::sample", || {
                mix.sample(&mut seeded_rng(6), 4)
            }) {
                assert!(finite(s.iter().copied()));
            }
            if let Ok(dist) = no_panic(case, "distances", || mix.distances(x_t.view())) {
                assert!(finite(dist.iter().copied()));
            }
            if let Ok(out) = no_panic(case, "LowRankMixture::denoise", || {
                mix.denoise(x_t.view(), 1.0, sigma)
            }) {
                ok += 1;
                assert!(finite(out.iter().copied()), "case {case}: low-rank denoise");
            }
            let g = no_panic(case, "to_gaussian_mixture", || mix.to_gaussian_mixture());
            let l = g.map(|g| {
                no_panic(case, "log_density", || {
                    g.prepare().log_density(x_t.view(), 1.0, sigma)
                })
            });
            if let Ok(Ok(l)) = l {
                assert!(finite(l.iter().copied()), "case {case}: log density");
            }
        }
        let p4 = pick(&mut rng, 2);
        let memorizer = Empirical {
            points: matrix(&mut rng, d + p4, k),
        };
        let grid = exponential_grid(
            [1.0, 0.0, -1.0][pick(&mut rng, 3)],
            [0.01, 0.0][pick(&mut rng, 2)],
            k,
        );
        if let Ok(out) = no_panic(case, "ddim_sample(Empirical)", || {
            ddim_sample(
                &memorizer,
                Process::VarianceExploding,
                &grid,
                x_t.view(),
                |_, _| {},
            )
        }) {
            ok += 1;
            assert!(finite(out.iter().copied()), "case {case}: memorizer");
        }
        let p5 = pick(&mut rng, 4);
        let g = matrix(&mut rng, d, if p5 == 0 { n + 1 } else { n });
        if let Ok(noisy) = no_panic(case, "Process::noisy", || {
            Process::VariancePreserving.noisy(x_t.view(), g.view(), 0.5)
        }) {
            assert_eq!(noisy.dim(), x_t.dim());
        }
    }
    println!(
        "{CASES} cases, {ok} building-block calls returned Ok and passed their postconditions"
    );
    assert!(ok > CASES / 2, "too few valid cases ({ok})");
}
