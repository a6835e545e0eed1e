//! Every error case of the public API, and the binary's handling of bad flags.

use chapter_03::baselines::{PcaProjection, SoftThresholding};
use chapter_03::lowrank::QUERY_BLOCK;
use chapter_03::{
    Config, Denoiser, Error, GaussianMixture, LowRankMixture, Process, ddim_sample, mmse_denoise,
    run, uniform_grid,
};
use ndarray::{Array2, array};
use shared::testing::{assert_one_line_error, run_binary};

fn unit() -> GaussianMixture {
    GaussianMixture::new(array![1.0], array![[0.0]], vec![array![[1.0]]]).unwrap()
}

#[test]
fn mixture_rejects_bad_weights() {
    assert!(
        GaussianMixture::new(
            array![0.5, 0.6],
            array![[0.0, 1.0]],
            vec![array![[1.0]], array![[1.0]]]
        )
        .is_err()
    );
    assert!(
        GaussianMixture::new(
            array![1.5, -0.5],
            array![[0.0, 1.0]],
            vec![array![[1.0]], array![[1.0]]]
        )
        .is_err()
    );
    assert!(GaussianMixture::new(array![f64::NAN], array![[0.0]], vec![array![[1.0]]]).is_err());
}

#[test]
fn mixture_rejects_mismatched_shapes() {
    let err =
        GaussianMixture::new(array![1.0], array![[0.0], [0.0]], vec![array![[1.0]]]).unwrap_err();
    assert!(matches!(err, Error::Shape { .. }), "{err}");
    assert!(GaussianMixture::new(array![0.5, 0.5], array![[0.0]], vec![array![[1.0]]]).is_err());
}

#[test]
fn mixture_rejects_asymmetric_or_indefinite_covariance() {
    let asym = GaussianMixture::new(
        array![1.0],
        array![[0.0], [0.0]],
        vec![array![[1.0, 0.5], [0.0, 1.0]]],
    );
    assert!(matches!(asym, Err(Error::NotSymmetric { .. })));
    let indefinite = GaussianMixture::new(
        array![1.0],
        array![[0.0], [0.0]],
        vec![array![[1.0, 2.0], [2.0, 1.0]]],
    );
    assert!(matches!(indefinite, Err(Error::OutOfRange { .. })));
}

#[test]
fn denoiser_rejects_nonpositive_sigma_and_nan() {
    for sigma in [0.0, -1.0, f64::NAN] {
        assert!(matches!(
            mmse_denoise(&unit(), array![[1.0]].view(), 1.0, sigma),
            Err(Error::OutOfRange { .. })
        ));
    }
    assert!(matches!(
        mmse_denoise(&unit(), array![[f64::NAN]].view(), 1.0, 1.0),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        mmse_denoise(&unit(), array![[1.0]].view(), -1.0, 1.0),
        Err(Error::OutOfRange { .. })
    ));
    assert!(matches!(
        mmse_denoise(&unit(), Array2::zeros((2, 1)).view(), 1.0, 1.0),
        Err(Error::Shape { .. })
    ));
}

#[test]
fn sampler_rejects_bad_grids() {
    let mix = unit().prepare();
    let x = array![[1.0]];
    for grid in [vec![0.5], vec![0.1, 0.5], vec![1.5, 0.5], vec![0.5, 0.5]] {
        let r = ddim_sample(
            &mix,
            Process::VariancePreserving,
            &grid,
            x.view(),
            |_, _| {},
        );
        assert!(r.is_err(), "{grid:?}");
    }
    // σ_t = t, grids decrease strictly and start at t >= 0, so σ = 0 can only
    // be the last time, where no denoiser is called: the grid below is valid.
    // (σ = 0 at a denoised time is rejected by every denoiser; see
    // `denoiser_rejects_nonpositive_sigma_and_nan`.)
    assert!(
        ddim_sample(
            &mix,
            Process::VarianceExploding,
            &uniform_grid(2.0, 0.0, 4),
            x.view(),
            |_, _| {}
        )
        .is_ok()
    );
}

#[test]
fn run_rejects_out_of_range_config() {
    for bad in [
        Config {
            steps: 0,
            ..Config::default()
        },
        Config {
            samples: 0,
            ..Config::default()
        },
        Config {
            train: 0,
            ..Config::default()
        },
        Config {
            samples: 100_000,
            ..Config::default()
        },
        // Each allowed alone; together a 5000 × 20000 matrix every step: refused up front.
        Config {
            train: 5000,
            samples: 20_000,
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
        &run_binary(env!("CARGO_BIN_EXE_chapter-03"), &["--nope"]),
        "--nope",
    );
}

#[test]
fn binary_rejects_zero_steps_with_one_line() {
    assert_one_line_error(
        &run_binary(env!("CARGO_BIN_EXE_chapter-03"), &["--steps", "0"]),
        "--steps",
    );
}

#[test]
fn tiny_sigma_whose_square_underflows_is_rejected_not_nan() {
    // A singular covariance: with σ² = 0 the posterior gain would be 0/0.
    let mix = GaussianMixture::new(
        array![1.0],
        array![[0.0], [0.0]],
        vec![array![[1.0, 0.0], [0.0, 0.0]]],
    )
    .unwrap();
    let r = mmse_denoise(&mix, array![[1.0], [1.0]].view(), 1.0, 1e-162);
    assert!(matches!(r, Err(Error::OutOfRange { .. })), "{r:?}");
    assert!(mmse_denoise(&mix, array![[1.0], [1.0]].view(), 1.0, 1e-150).is_ok());
}

#[test]
fn empty_dimension_and_mutated_fields_are_errors_not_panics() {
    let r = GaussianMixture::new(
        array![1.0],
        Array2::zeros((0, 1)),
        vec![Array2::zeros((0, 0))],
    );
    assert!(matches!(r, Err(Error::Shape { .. })));
    let mut mix = unit();
    mix.covariances[0] = Array2::zeros((3, 3));
    assert!(mmse_denoise(&mix, array![[1.0]].view(), 1.0, 1.0).is_err());
    assert!(
        mix.prepare()
            .denoise(array![[1.0]].view(), 1.0, 1.0)
            .is_err()
    );
}

#[test]
fn baselines_at_alpha_zero_are_errors_not_infinities() {
    // A VP grid that starts at t = 1 has α = 0 there: pure noise, nothing to rescale.
    let x = array![[1.0, -1.0], [0.5, 0.2]];
    let soft = SoftThresholding { dim: 2 };
    let grid = uniform_grid(1.0, 0.1, 5);
    let r = ddim_sample(
        &soft,
        Process::VariancePreserving,
        &grid,
        x.view(),
        |_, _| {},
    );
    assert!(matches!(r, Err(Error::OutOfRange { .. })), "{r:?}");
    let model = chapter_01::pca(x.view(), 1, 0).unwrap();
    let pca = PcaProjection { pca: model };
    assert!(pca.denoise(x.view(), 0.0, 1.0).is_err());
    // The exact denoiser is fine at α = 0: it returns the prior mean.
    let mix =
        GaussianMixture::new(array![1.0], array![[0.0], [0.0]], vec![Array2::eye(2)]).unwrap();
    assert!(
        ddim_sample(
            &mix.prepare(),
            Process::VariancePreserving,
            &grid,
            x.view(),
            |_, _| {}
        )
        .is_ok()
    );
}

/// A denoiser that returns the wrong shape, or NaN.
struct Broken {
    nan: bool,
}

impl Denoiser for Broken {
    fn dim(&self) -> usize {
        1
    }
    fn denoise(&self, x_t: ndarray::ArrayView2<f64>, _: f64, _: f64) -> Result<Array2<f64>, Error> {
        Ok(if self.nan {
            x_t.mapv(|_| f64::NAN)
        } else {
            Array2::zeros((2, x_t.ncols()))
        })
    }
}

#[test]
fn sampler_rejects_bad_denoiser_output() {
    let grid = uniform_grid(1.0, 0.1, 3);
    for nan in [false, true] {
        let r = ddim_sample(
            &Broken { nan },
            Process::VarianceExploding,
            &grid,
            array![[1.0]].view(),
            |_, _| {},
        );
        assert!(r.is_err(), "nan = {nan}");
    }
}

/// `LowRankMixture::denoise` scans its output and reads `x_t` only when the
/// output is bad, to name the cause: every non-finite entry of a query, at
/// any position, with or without the isotropic floor, at α = 0 (where the
/// gains vanish) and with a basis whose zero entries meet the bad value,
/// must still be reported as a non-finite `x_t`.
#[test]
fn lowrank_denoiser_names_a_non_finite_query_wherever_it_sits() {
    let axis = Array2::from_shape_fn((4, 2), |(i, j)| f64::from(u8::from(i == j)));
    let tilted = Array2::from_shape_fn((4, 1), |_| 0.5);
    for floor in [0.0, 1e-4] {
        let mix = LowRankMixture::new(
            array![0.3, 0.7],
            vec![axis.clone(), tilted.clone()],
            vec![2.0, 0.5],
            floor,
        )
        .unwrap();
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            for at in 0..12 {
                for alpha in [0.0, 0.6, 1.0] {
                    let mut x = Array2::from_shape_fn((4, 3), |(i, j)| 0.1 * (i + 2 * j) as f64);
                    x[[at % 4, at / 4]] = bad;
                    let r = mix.denoise(x.view(), alpha, 0.3);
                    assert!(
                        matches!(r, Err(Error::NonFinite { name: "x_t" })),
                        "floor {floor}, {bad} at {at}, alpha {alpha}: {r:?}"
                    );
                }
            }
            // In the last of several parallel blocks of queries.
            let mut x = Array2::from_elem((4, 2 * QUERY_BLOCK + 3), 0.2);
            x[[3, 2 * QUERY_BLOCK + 2]] = bad;
            let r = mix.denoise(x.view(), 0.6, 0.3);
            assert!(matches!(r, Err(Error::NonFinite { name: "x_t" })), "{r:?}");
        }
    }
}

/// A denoiser that returns finite values however large its input, with or
/// without rejecting a non-finite query as the chapter's denoisers do.
struct Huge {
    checks: bool,
}

impl Denoiser for Huge {
    fn dim(&self) -> usize {
        1
    }
    fn denoise(&self, x_t: ndarray::ArrayView2<f64>, a: f64, s: f64) -> Result<Array2<f64>, Error> {
        if self.checks {
            chapter_03::sampler::validate_query(1, x_t, a, s)?;
        }
        Ok(x_t.mapv(|_| f64::MAX))
    }
}

/// Here an update of the sampler overflows. The sampler must not return the
/// infinities it made as samples, and must say that an update overflowed,
/// whether the denoiser rejects the next query (which it would otherwise
/// report as a bad input) or the sampler's final check finds them.
#[test]
fn sampler_reports_an_update_that_overflowed() {
    // Variance preserving: α grows as t falls, so the update's two
    // coefficients sum to more than 1 and f64::MAX overflows.
    let grid = uniform_grid(0.9, 0.1, 4);
    for checks in [false, true] {
        let mut seen_infinite = false;
        let r = ddim_sample(
            &Huge { checks },
            Process::VariancePreserving,
            &grid,
            array![[f64::MAX, 1.0]].view(),
            |_, x| seen_infinite |= x.iter().any(|v| !v.is_finite()),
        );
        assert!(seen_infinite, "the test must make an update overflow");
        match &r {
            Err(Error::NumericalFailure {
                algorithm: "ddim_sample",
                detail,
            }) => assert!(detail.contains("an update"), "{detail}"),
            _ => panic!("checks {checks}: {r:?}"),
        }
    }
}

/// A finite query whose squares overflow spoils the output without being
/// non-finite itself: the error must blame the computation, not `x_t`.
#[test]
fn lowrank_denoiser_blames_overflow_not_a_finite_query() {
    let mix = LowRankMixture::new(array![1.0], vec![array![[1.0], [0.0]]], vec![1.0], 0.0).unwrap();
    let r = mix.denoise(array![[1e200], [1.0]].view(), 1.0, 0.5);
    assert!(
        matches!(
            r,
            Err(Error::NumericalFailure {
                algorithm: "LowRankMixture::denoise",
                ..
            })
        ),
        "{r:?}"
    );
}
