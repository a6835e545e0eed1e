//! The reliability check of `robustness.rs`, for chapters 4–6: every public
//! numerical entry point, called on adversarial input (random shapes, NaN,
//! ±inf, subnormal and huge magnitudes, empty classes, a single class,
//! labels of the wrong length), returns `Ok` with finite output that passes
//! the function's own postcondition, checked against an independent
//! computation where one exists, or a typed `Error`: never a panic, never
//! `Ok` with NaN.

mod adversarial;

use adversarial::{dim, finite, matrix, no_panic, pick};
use burn::prelude::*;
use chapter_04::cluster::{clustering_accuracy, nmi, spherical_kmeans};
use chapter_04::evaluate::nearest_subspace;
use chapter_04::rate::{coding_rate, rate_reduction_grad, rates};
use chapter_04::redunet::ReduNet;
use ndarray::Array2;
use shared::burn::Cpu;
use shared::burn::tensor::{from_rows, to_host};
use shared::rng::{Rng, seeded_rng};

const CASES: usize = 300;

/// Labels for `m` columns: random classes below `k`, a single class, or one
/// of the wrong length (with a few classes left empty by chance).
fn labels(rng: &mut Rng, m: usize) -> Vec<usize> {
    match pick(rng, 6) {
        0 => vec![0; m],
        1 => (0..m + 1).map(|i| i % 3).collect(),
        2 => (0..m.saturating_sub(1)).map(|i| i % 2).collect(),
        3 => (0..m).map(|i| 7 * (i % 2)).collect(),
        _ => (0..m).map(|_| pick(rng, 4)).collect(),
    }
}

/// $\frac12\log\det(I + \frac{d}{m\varepsilon^2} ZZ^\top)$ from the eigenvalues
/// of $ZZ^\top$ (nalgebra, through `shared::symmetric`): an independent
/// computation of the coding rate.
fn coding_rate_by_eigenvalues(z: &Array2<f64>, eps_sq: f64) -> f64 {
    let (d, m) = z.dim();
    let e = shared::symmetric::eigh_descending("ZZ^T", z.dot(&z.t()).view()).unwrap();
    let c = d as f64 / (m as f64 * eps_sq);
    e.values
        .iter()
        .map(|&l| 0.5 * (1.0 + c * l.max(0.0)).ln())
        .sum()
}

/// The largest absolute entry (0 for an empty or non-finite matrix).
fn scale(z: &Array2<f64>) -> f64 {
    z.iter().fold(
        0.0f64,
        |a, v| if v.is_finite() { a.max(v.abs()) } else { a },
    )
}

#[test]
fn chapter_04_rates_and_gradients() {
    let mut rng = seeded_rng(4004);
    let (mut ok, mut against_eigenvalues, mut against_differences) = (0, 0, 0);
    for case in 0..CASES {
        let (d, m) = (dim(&mut rng), dim(&mut rng));
        let z = matrix(&mut rng, d, m);
        let y = labels(&mut rng, m);
        // Mostly the usual 0.5; sometimes tiny, huge, negative or NaN.
        let eps_sq = match pick(&mut rng, 10) {
            0 => 1e-300,
            1 => f64::NAN,
            2 => -1.0,
            3 => 1e300,
            _ => 0.5,
        };
        let r = no_panic(case, "coding_rate", || coding_rate(z.view(), eps_sq));
        if let Ok(r) = r {
            assert!(r.is_finite() && r >= 0.0, "case {case}: R = {r}");
            let s = scale(&z);
            if (1e-3..1e3).contains(&s) && eps_sq == 0.5 {
                let want = coding_rate_by_eigenvalues(&z, eps_sq);
                assert!(
                    (r - want).abs() <= 1e-9 * want.max(1.0),
                    "case {case}: {r} vs {want}"
                );
                against_eigenvalues += 1;
            }
        }
        let rs = no_panic(case, "rates", || rates(z.view(), &y, eps_sq));
        if let Ok(rs) = &rs {
            ok += 1;
            assert!(
                rs.r.is_finite() && rs.rc.is_finite() && rs.r >= 0.0 && rs.rc >= 0.0,
                "case {case}: {rs:?}"
            );
            assert_eq!(
                y.len(),
                m,
                "case {case}: labels of the wrong length accepted"
            );
            if y.iter().all(|&l| l == y[0]) {
                // One class: coding the classes apart costs what coding them together does.
                assert!(
                    rs.delta().abs() <= 1e-9 * rs.r.max(1.0),
                    "case {case}: one class, ΔR = {}",
                    rs.delta()
                );
            }
        }
        let g = no_panic(case, "rate_reduction_grad", || {
            rate_reduction_grad(z.view(), &y, eps_sq)
        });
        if let Ok(g) = g {
            assert_eq!(g.dim(), z.dim(), "case {case}");
            assert!(
                finite(g.iter().copied()),
                "case {case}: non-finite gradient"
            );
            let s = scale(&z);
            if (0.1..10.0).contains(&s) && eps_sq == 0.5 && d > 0 && m > 0 {
                // Central differences on one entry.
                let (i, j) = (pick(&mut rng, d), pick(&mut rng, m));
                let h = 1e-6;
                let at = |t: f64| {
                    let mut zz = z.clone();
                    zz[[i, j]] += t;
                    rates(zz.view(), &y, eps_sq).unwrap().delta()
                };
                let fd = (at(h) - at(-h)) / (2.0 * h);
                assert!(
                    (fd - g[[i, j]]).abs() <= 1e-5 * fd.abs().max(1.0),
                    "case {case}: {fd} vs {}",
                    g[[i, j]]
                );
                against_differences += 1;
            }
        }
    }
    assert!(ok > CASES / 10, "only {ok} cases were valid input");
    assert!(
        against_eigenvalues > 10 && against_differences > 10,
        "{against_eigenvalues} {against_differences}"
    );
}

#[test]
fn chapter_04_classifiers_clustering_and_redunet() {
    let mut rng = seeded_rng(4005);
    for case in 0..CASES {
        let (d, m, t) = (dim(&mut rng), dim(&mut rng), dim(&mut rng));
        let train = matrix(&mut rng, d, m);
        let test = matrix(&mut rng, d, t);
        let y = labels(&mut rng, m);
        let components = pick(&mut rng, 4);
        let p = no_panic(case, "nearest_subspace", || {
            nearest_subspace(train.view(), &y, test.view(), components)
        });
        if let Ok(p) = p {
            assert_eq!(p.len(), t, "case {case}");
            assert!(
                p.iter().all(|l| y.contains(l)),
                "case {case}: a label not in training"
            );
        }
        let k = pick(&mut rng, 4);
        let restarts = pick(&mut rng, 3);
        let c = no_panic(case, "spherical_kmeans", || {
            spherical_kmeans(train.view(), k, restarts, &mut seeded_rng(case as u64))
        });
        if let Ok(c) = &c {
            assert_eq!(c.len(), m, "case {case}");
            assert!(c.iter().all(|&j| j < k), "case {case}");
            if y.len() == m {
                for (name, v) in [
                    ("accuracy", clustering_accuracy(c, &y)),
                    ("nmi", nmi(c, &y)),
                ] {
                    if let Ok(v) = v {
                        assert!(
                            (0.0..=1.0 + 1e-12).contains(&v),
                            "case {case}: {name} = {v}"
                        );
                    }
                }
            }
        }
        if case % 3 == 0 {
            let fit = no_panic(case, "ReduNet::fit", || {
                ReduNet::fit(train.view(), &y, 0.5, 0.5, 1.0, 2)
            });
            if let Ok((net, fit)) = fit {
                assert!(
                    finite(fit.history.iter().copied()),
                    "case {case}: {:?}",
                    fit.history
                );
                let out = no_panic(case, "ReduNet::transform", || net.transform(test.view()));
                if let Ok(out) = out {
                    assert_eq!(out.dim(), test.dim(), "case {case}");
                    assert!(
                        finite(out.iter().copied()),
                        "case {case}: non-finite features"
                    );
                }
            }
        }
    }
}

#[test]
fn chapter_06_rates_and_terms_on_tensors() {
    let device = Default::default();
    let mut rng = seeded_rng(4006);
    let (mut compared, mut terms_ok) = (0, 0);
    for case in 0..CASES {
        let (m, d) = (dim(&mut rng), dim(&mut rng));
        let z = matrix(&mut rng, m, d);
        let d_hat = if pick(&mut rng, 6) == 0 { d + 1 } else { d };
        let z_hat = matrix(&mut rng, m, d_hat);
        let y = labels(&mut rng, m);
        let eps_sq = if pick(&mut rng, 8) == 0 {
            f64::NAN
        } else {
            0.5
        };
        let zt = from_rows::<Cpu>(&z, &device);
        let r = no_panic(case, "coding_rate", || {
            chapter_06::rate::coding_rate(zt.clone(), eps_sq)
        });
        if let Ok(r) = r {
            let v = to_host(r, "R").unwrap();
            assert!(
                v.iter().all(|x| x.is_finite() && *x >= -1e-4),
                "case {case}: {v:?}"
            );
            let s = scale(&z);
            if (1e-2..1e2).contains(&s) && m > 0 && d > 0 {
                // Chapter 4's rate of the same features (columns there), in f32.
                let want = coding_rate_by_eigenvalues(&z.t().to_owned(), eps_sq);
                let got = f64::from(v[0]);
                assert!(
                    (got - want).abs() <= 1e-3 * want.max(1.0),
                    "case {case}: {got} vs {want}"
                );
                compared += 1;
            }
        }
        let zh = from_rows::<Cpu>(&z_hat, &device);
        let t = no_panic(case, "terms", || {
            chapter_06::game::terms(zt, zh, &y, eps_sq)
        });
        if let Ok(t) = t {
            assert_eq!(
                y.len(),
                m,
                "case {case}: labels of the wrong length accepted"
            );
            if let Ok(values) = t.values() {
                let all = [values.expand, values.expand_hat, values.consistency];
                assert!(finite(all), "case {case}: {values:?}");
                terms_ok += 1;
            }
        }
    }
    assert!(compared > 10 && terms_ok > 10, "{compared} {terms_ok}");
}

#[test]
fn chapter_05_models_refuse_bad_shapes_and_non_finite_images() {
    let device = Default::default();
    let mut rng = seeded_rng(4007);
    let (mut built, mut refused_nan, mut probed_ok) = (0, 0, 0);
    for case in 0..200 {
        let mut m = chapter_05::Preset::Digits.config();
        m.image_size = [0, 4, 7, 8, 28][pick(&mut rng, 5)];
        m.patch_size = [0, 2, 4, 7][pick(&mut rng, 4)];
        m.dim = [0, 8, 16][pick(&mut rng, 3)];
        m.heads = [0, 1, 2][pick(&mut rng, 3)];
        m.dim_head = [0, 4, 8][pick(&mut rng, 3)];
        m.depth = [0, 1, 2][pick(&mut rng, 3)];
        let model = no_panic(case, "CrateConfig::init", || {
            m.init::<burn::backend::Flex>(&device, &mut seeded_rng(1))
        });
        let Ok(model) = model else { continue };
        built += 1;
        let side = m.image_size;
        let mut pixels = matrix(&mut rng, m.channels, side * side);
        let poisoned = pick(&mut rng, 2) == 0 && !pixels.is_empty();
        if poisoned {
            pixels[[0, 0]] = f64::NAN;
        }
        let values: Vec<f32> = pixels.iter().map(|&v| v as f32).collect();
        let x = Tensor::<burn::backend::Flex, 4>::from_data(
            TensorData::new(values, [1, m.channels, side, side]),
            &device,
        );
        let probed = no_panic(case, "probe", || {
            chapter_05::probe::probe(&model, x.clone())
        });
        if poisoned {
            refused_nan += usize::from(probed.is_err());
        }
        if let Ok(layers) = probed {
            probed_ok += 1;
            assert_eq!(layers.len(), m.depth, "case {case}");
            let all: Vec<f64> = layers
                .iter()
                .flat_map(|l| [l.compression, l.sparsity])
                .collect();
            assert!(finite(all), "case {case}: Ok with a non-finite probe");
        }
        let attention = no_panic(case, "class_attention", || {
            chapter_05::attention::class_attention(&model, x)
        });
        if let Ok(layers) = attention {
            for a in layers {
                assert!(
                    finite(a.maps.iter().map(|&v| f64::from(v))),
                    "case {case}: Ok with non-finite attention"
                );
            }
        }
    }
    assert!(
        built > 5 && probed_ok > 2 && refused_nan > 2,
        "{built} {probed_ok} {refused_nan}"
    );
}
