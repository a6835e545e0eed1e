//! Every error case of the public API, and the binary's handling of bad flags.

use chapter_03::{
    Config, Error, GaussianMixture, Process, ddim_sample, mmse_denoise, run, uniform_grid,
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
    // σ = 0 before the last time cannot be denoised.
    let r = ddim_sample(
        &mix,
        Process::VarianceExploding,
        &[1.0, 0.0, -0.5],
        x.view(),
        |_, _| {},
    );
    assert!(r.is_err());
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
