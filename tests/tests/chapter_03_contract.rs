//! Chapter 3's public API as course tests call it: names, argument order and
//! semantics exactly as the issue that introduced them specifies.

use approx::assert_abs_diff_eq;
use chapter_03::{Error, GaussianMixture, Process, ddim_sample, mmse_denoise, uniform_grid};
use ndarray::{Array1, Array2, ArrayView2, array};

/// The contract's signatures.
type Constructor = fn(Array1<f64>, Array2<f64>, Vec<Array2<f64>>) -> Result<GaussianMixture, Error>;
type Denoise = fn(&GaussianMixture, ArrayView2<f64>, f64, f64) -> Result<Array2<f64>, Error>;

#[test]
fn gaussian_mixture_has_public_fields_and_a_validating_constructor() {
    let f: Constructor = GaussianMixture::new;
    let mix = f(
        array![0.25, 0.75],
        array![[0.0, 2.0], [1.0, -1.0]],
        vec![Array2::eye(2), Array2::zeros((2, 2))],
    )
    .unwrap();
    let (weights, means, covariances): (&Array1<f64>, &Array2<f64>, &Vec<Array2<f64>>) =
        (&mix.weights, &mix.means, &mix.covariances);
    assert_eq!(
        (weights.len(), means.dim(), covariances.len()),
        (2, (2, 2), 2)
    );
    assert!(
        f(
            array![0.5, 0.6],
            array![[0.0, 2.0], [1.0, -1.0]],
            vec![Array2::eye(2), Array2::eye(2)]
        )
        .is_err()
    );
}

#[test]
fn mmse_denoise_is_the_posterior_mean_column_by_column() {
    let f: Denoise = mmse_denoise;
    // One Gaussian N(0, 4): E[x | αx + σg] = α·4 / (α²·4 + σ²) · x_t.
    let mix = GaussianMixture::new(array![1.0], array![[0.0]], vec![array![[4.0]]]).unwrap();
    let x_t = array![[1.0, -2.0, 0.5]];
    let (alpha, sigma) = (0.8, 0.6);
    let out = f(&mix, x_t.view(), alpha, sigma).unwrap();
    for j in 0..3 {
        assert_abs_diff_eq!(
            out[[0, j]],
            alpha * 4.0 / (alpha * alpha * 4.0 + sigma * sigma) * x_t[[0, j]],
            epsilon = 1e-14
        );
    }
    assert!(f(&mix, x_t.view(), alpha, 0.0).is_err());
}

#[test]
fn ddim_sample_runs_any_denoiser_down_a_grid() {
    let mix = GaussianMixture::new(array![1.0], array![[0.0]], vec![array![[1.0]]])
        .unwrap()
        .prepare();
    let grid = uniform_grid(0.999, 0.001, 10);
    let mut steps = 0;
    let out = ddim_sample(
        &mix,
        Process::VariancePreserving,
        &grid,
        array![[1.0, 2.0]].view(),
        |_, _| steps += 1,
    )
    .unwrap();
    assert_eq!(steps, 10);
    assert_eq!(out.dim(), (1, 2));
    assert_abs_diff_eq!(out[[0, 1]], 2.0 * out[[0, 0]], epsilon = 1e-12);
    // For N(0, 1) data under VP (α = cos θ, σ = sin θ) the exact denoiser is α x_t,
    // and one DDIM step from t to s multiplies by σ_s σ_t + α_s α_t = cos(θ_t − θ_s):
    // a closed form that neither the identity nor an all-zero sampler satisfies.
    let gain: f64 = grid
        .windows(2)
        .map(|w| (w[0].asin() - w[1].asin()).cos())
        .product();
    assert!(
        (0.1..0.95).contains(&gain),
        "the check must separate the sampler from identity and zero"
    );
    assert_abs_diff_eq!(out[[0, 0]], gain, epsilon = 1e-12);
}
