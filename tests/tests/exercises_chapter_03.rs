//! Graded tests of chapter 3's exercises (see "Exercises" on the chapter's
//! page): Gaussian closed forms, the exact probability-flow solution, and
//! finite differences of the mixture's log-density.

use approx::assert_relative_eq;
use chapter_03::{
    Denoiser, GaussianMixture, Process, ddim_sample, denoiser_to_score, score_to_denoiser,
    uniform_grid,
};
use ndarray::{Array1, Array2, ArrayView2, array};

/// The exact denoiser of $x \sim \mathcal N(0, s^2 I_d)$:
/// $\mathbb E[x \mid x_t] = \frac{\alpha s^2}{\alpha^2 s^2 + \sigma^2} x_t$.
struct Isotropic {
    dim: usize,
    s2: f64,
}

impl Denoiser for Isotropic {
    fn dim(&self) -> usize {
        self.dim
    }

    fn denoise(&self, x_t: ArrayView2<f64>, alpha: f64, sigma: f64) -> shared::Result<Array2<f64>> {
        Ok(x_t.mapv(|v| alpha * self.s2 / (alpha * alpha * self.s2 + sigma * sigma) * v))
    }
}

fn points() -> Array2<f64> {
    array![
        [0.3, -1.2, 2.0, 0.0],
        [1.5, 0.7, -0.4, 0.1],
        [-2.0, 0.2, 0.9, -0.6]
    ]
}

/// Exercise 3.1: for Gaussian data $p_t = \mathcal N(0, (\alpha^2 s^2 + \sigma^2) I)$,
/// so the score is $-x_t/(\alpha^2 s^2 + \sigma^2)$; Tweedie's formula must turn
/// the exact denoiser into it and back.
#[test]
fn exercise_3_1_tweedie_both_ways_on_a_gaussian() {
    let x_t = points();
    for (alpha, sigma, s2) in [(1.0, 0.5, 2.0), (0.6, 0.8, 1.0), (0.99, 0.1, 0.3)] {
        let g = Isotropic { dim: 3, s2 };
        let denoised = g.denoise(x_t.view(), alpha, sigma).unwrap();
        let score = denoiser_to_score(x_t.view(), denoised.view(), alpha, sigma).unwrap();
        let var = alpha * alpha * s2 + sigma * sigma;
        assert_eq!(score.dim(), x_t.dim());
        for (s, x) in score.iter().zip(&x_t) {
            assert_relative_eq!(*s, -x / var, max_relative = 1e-12, epsilon = 1e-14);
        }
        let back = score_to_denoiser(x_t.view(), score.view(), alpha, sigma).unwrap();
        assert_eq!(back.dim(), denoised.dim());
        for (b, d) in back.iter().zip(&denoised) {
            assert_relative_eq!(*b, *d, max_relative = 1e-12, epsilon = 1e-14);
        }
    }
}

/// Exercise 3.2: with the exact Gaussian denoiser on the variance-exploding
/// process, one DDIM step from $t$ to $s$ scales every point by
/// $(\sigma_s\sigma_t + s^2)/(s^2 + \sigma_t^2)$ (derived by hand from the
/// update), and on both processes many small steps approach the
/// probability-flow solution $\sqrt{v_s/v_t}$, $v_t = \alpha_t^2 s^2 + \sigma_t^2$.
#[test]
fn exercise_3_2_ddim_steps_on_a_gaussian() {
    let s2 = 0.5;
    let g = Isotropic { dim: 3, s2 };
    let x0 = points();
    let grid = [2.0, 1.0, 0.25];
    let mut seen = 0;
    let out = ddim_sample(&g, Process::VarianceExploding, &grid, x0.view(), |_, _| {
        seen += 1
    })
    .unwrap();
    assert_eq!(seen, 2);
    let factor: f64 = grid
        .windows(2)
        .map(|p| (p[1] * p[0] + s2) / (s2 + p[0] * p[0]))
        .product();
    assert_eq!(out.dim(), x0.dim());
    for (o, x) in out.iter().zip(&x0) {
        assert_relative_eq!(*o, factor * x, max_relative = 1e-12, epsilon = 1e-14);
    }
    // The probability flow of N(0, s^2 I) scales x_t by sqrt(v_s / v_t), with
    // the marginal variance v_t = alpha_t^2 s^2 + sigma_t^2; on both processes
    // (the variance-preserving one has alpha_t != 1).
    for (process, from, to) in [
        (Process::VarianceExploding, 2.0, 0.25),
        (Process::VariancePreserving, 0.9, 0.1),
    ] {
        let v = |t: f64| process.alpha(t).powi(2) * s2 + process.sigma(t).powi(2);
        let fine = uniform_grid(from, to, 4000);
        let out = ddim_sample(&g, process, &fine, x0.view(), |_, _| {}).unwrap();
        let flow = (v(to) / v(from)).sqrt();
        assert_eq!(out.dim(), x0.dim());
        for (o, x) in out.iter().zip(&x0) {
            assert_relative_eq!(*o, flow * x, max_relative = 2e-3, epsilon = 1e-12);
        }
    }
}

/// Exercise 3.3: the posterior mean of a two-component mixture in the plane
/// equals Tweedie's $(x_t + \sigma^2\nabla\log p_t(x_t))/\alpha$, with the
/// gradient of the log-density taken by central differences; and far from
/// one component it is that of the other alone (the single-Gaussian closed form).
#[test]
fn exercise_3_3_mixture_posterior_mean_is_tweedie() {
    let mix = GaussianMixture::new(
        array![0.3, 0.7],
        array![[2.0, -1.0], [0.5, -1.5]],
        vec![
            array![[1.0, 0.4], [0.4, 0.5]],
            array![[0.3, 0.0], [0.0, 2.0]],
        ],
    )
    .unwrap();
    let p = mix.prepare();
    let x_t = array![[1.0, -0.5, 0.2], [0.3, -2.0, 1.1]];
    for (alpha, sigma) in [(1.0, 0.7), (0.8, 0.6)] {
        let ours = p.denoise(x_t.view(), alpha, sigma).unwrap();
        let h = 1e-5;
        for j in 0..x_t.ncols() {
            let mut grad = Array1::zeros(2);
            for i in 0..2 {
                let (mut up, mut down) = (x_t.column(j).to_owned(), x_t.column(j).to_owned());
                up[i] += h;
                down[i] -= h;
                let both = ndarray::stack![ndarray::Axis(1), up, down];
                let lp = p.log_density(both.view(), alpha, sigma).unwrap();
                grad[i] = (lp[0] - lp[1]) / (2.0 * h);
            }
            for i in 0..2 {
                let tweedie = (x_t[[i, j]] + sigma * sigma * grad[i]) / alpha;
                assert_relative_eq!(ours[[i, j]], tweedie, max_relative = 1e-6, epsilon = 1e-8);
            }
        }
    }
    // One component alone: mu + alpha Sigma (alpha^2 Sigma + sigma^2 I)^{-1} (x - alpha mu),
    // with Sigma diagonal so the inverse is entrywise.
    let single = GaussianMixture::new(
        array![1.0],
        array![[1.0], [-2.0]],
        vec![array![[0.5, 0.0], [0.0, 2.0]]],
    )
    .unwrap();
    let (alpha, sigma) = (0.9, 0.4);
    let ours = single.prepare().denoise(x_t.view(), alpha, sigma).unwrap();
    for j in 0..x_t.ncols() {
        for (i, (mu, var)) in [(1.0, 0.5), (-2.0, 2.0)].into_iter().enumerate() {
            let want = mu
                + alpha * var / (alpha * alpha * var + sigma * sigma) * (x_t[[i, j]] - alpha * mu);
            assert_relative_eq!(ours[[i, j]], want, max_relative = 1e-12, epsilon = 1e-14);
        }
    }
}
