//! Experiment 1: the variance check. DDIM with the exact denoiser of
//! $\mathcal N(0, 1)$ against the closed form of its output variance.

use ndarray::array;

use super::vp_grid;
use crate::mixture::GaussianMixture;
use crate::process::{Process, uniform_grid};
use crate::sampler::ddim_sample;
use shared::Result;
use shared::rng::{Rng, gaussian_matrix};

/// The VE grid of the variance check: from $T = 10$ to 0 (the last step returns the denoiser's output).
pub const VE_HORIZON: f64 = 10.0;

/// One row of the variance check.
#[derive(Debug, Clone)]
pub struct VarianceRow {
    /// The noise process.
    pub process: Process,
    /// Number of sampler steps $L$.
    pub steps: usize,
    /// The closed form $\prod_\ell \cos^2(\varphi_{t_\ell} - \varphi_{t_{\ell-1}})$ ([`variance_closed_form`]).
    pub closed_form: f64,
    /// The sampler's exact output variance: its gain on a unit input, squared,
    /// times the initial variance (the sampler is linear for Gaussian data).
    pub sampler: f64,
    /// Mean square of [`VARIANCE_SAMPLES`] outputs from fresh random starts.
    pub monte_carlo: f64,
    /// Standard error of `monte_carlo`: $\text{sampler} \cdot \sqrt{2/n}$.
    pub standard_error: f64,
    /// The limit of $L(1 - \text{closed form})$ as $L \to \infty$ on this kind of grid
    /// ([`variance_gap_limit`]).
    pub gap_limit: f64,
}

/// Step counts of the variance check.
pub const VARIANCE_STEPS: [usize; 3] = [10, 50, 500];
/// Samples per Monte Carlo estimate.
pub const VARIANCE_SAMPLES: usize = 20_000;

/// The grid of the variance check for `process` and `steps`.
pub fn variance_grid(process: Process, steps: usize) -> Vec<f64> {
    match process {
        Process::VariancePreserving => vp_grid(steps),
        Process::VarianceExploding => uniform_grid(VE_HORIZON, 0.0, steps),
    }
}

/// The output variance of the DDIM sampler with the exact denoiser of
/// $\mathcal N(0, 1)$, from the geometry of the process rather than the code.
///
/// For unit-variance data, $x_t = \alpha_t x + \sigma_t g$ has
/// $\operatorname{Var} x_t = \alpha_t^2 + \sigma_t^2 =: r_t^2$; write
/// $(\alpha_t, \sigma_t) = r_t(\cos\varphi_t, \sin\varphi_t)$. The exact denoiser is
/// $\mathbb E[x \mid x_t] = \alpha_t x_t / r_t^2$, and one DDIM step from $t$ to $s$
/// multiplies $x_t$ by
/// $\frac{\sigma_s}{\sigma_t} + \big(\alpha_s - \frac{\sigma_s}{\sigma_t}\alpha_t\big)\frac{\alpha_t}{r_t^2}
/// = \frac{r_s}{r_t}\cos(\varphi_t - \varphi_s)$
/// (expand $\sin\varphi_s(1 - \cos^2\varphi_t)/\sin\varphi_t + \cos\varphi_s\cos\varphi_t$).
/// The factors $r_s/r_t$ telescope to $r_{t_0}/r_{t_L}$, and the start has variance
/// $r_{t_L}^2$, so the output variance is
/// $$r_{t_0}^2 \prod_\ell \cos^2(\varphi_{t_\ell} - \varphi_{t_{\ell-1}}),$$
/// with $r_{t_0} = 1$ at the last time of both grids used here (VP: $r \equiv 1$;
/// VE: $t_0 = 0$). The product tends to 1 as the steps shrink (the probability-flow
/// ODE is exact), and $1 - \text{Var} \approx \sum_\ell (\Delta\varphi_\ell)^2 = O(1/L)$.
/// NaN for a grid of fewer than two times.
pub fn variance_closed_form(process: Process, grid: &[f64]) -> f64 {
    if grid.len() < 2 {
        return f64::NAN;
    }
    let angle = |t: f64| process.sigma(t).atan2(process.alpha(t));
    let radius_sq = |t: f64| process.alpha(t).powi(2) + process.sigma(t).powi(2);
    let last = grid[grid.len() - 1];
    let product: f64 = grid
        .windows(2)
        .map(|w| (angle(w[0]) - angle(w[1])).cos().powi(2))
        .product();
    radius_sq(last) * product
}

/// $\lim_{L\to\infty} L(1 - \text{Var})$ for grids uniform in $t$ from `t_hi` to `t_lo`:
/// $1 - \text{Var} \approx \sum_\ell \Delta\varphi_\ell^2 \approx h\int \varphi'(t)^2\,dt$ with
/// $h = (t_{hi} - t_{lo})/L$, so the limit is $(t_{hi} - t_{lo})\int_{t_{lo}}^{t_{hi}} \varphi'(t)^2\,dt$,
/// computed on a fine subdivision from $\varphi_t = \operatorname{atan2}(\sigma_t, \alpha_t)$ itself.
pub fn variance_gap_limit(process: Process, t_hi: f64, t_lo: f64) -> f64 {
    const PIECES: usize = 200_000;
    let angle = |t: f64| process.sigma(t).atan2(process.alpha(t));
    let h = (t_hi - t_lo) / PIECES as f64;
    let integral: f64 = (0..PIECES)
        .map(|i| {
            let (a, b) = (t_lo + i as f64 * h, t_lo + (i + 1) as f64 * h);
            (angle(b) - angle(a)).powi(2) / h
        })
        .sum();
    (t_hi - t_lo) * integral
}

// ANCHOR: variance
/// Samples $\mathcal N(0, 1)$ with its exact denoiser for each process and step
/// count: the sampler's exact variance, a Monte Carlo estimate from fresh
/// starts drawn from `rng`, and the closed form.
///
/// # Errors
/// A sampler error.
pub fn variance_check(rng: &mut Rng) -> Result<Vec<VarianceRow>> {
    let unit = GaussianMixture::new(array![1.0], array![[0.0]], vec![array![[1.0]]])?.prepare();
    let mut rows = Vec::new();
    for process in [Process::VariancePreserving, Process::VarianceExploding] {
        for steps in VARIANCE_STEPS {
            let grid = variance_grid(process, steps);
            let start = grid[0];
            let start_var = process.alpha(start).powi(2) + process.sigma(start).powi(2);
            let gain = ddim_sample(&unit, process, &grid, array![[1.0]].view(), |_, _| {})?[[0, 0]];
            let init = gaussian_matrix(rng, 1, VARIANCE_SAMPLES) * start_var.sqrt();
            let out = ddim_sample(&unit, process, &grid, init.view(), |_, _| {})?;
            let monte_carlo = out.iter().map(|v| v * v).sum::<f64>() / VARIANCE_SAMPLES as f64;
            let sampler = gain * gain * start_var;
            rows.push(VarianceRow {
                process,
                steps,
                closed_form: variance_closed_form(process, &grid),
                sampler,
                monte_carlo,
                standard_error: sampler * (2.0 / VARIANCE_SAMPLES as f64).sqrt(),
                gap_limit: variance_gap_limit(process, grid[0], grid[grid.len() - 1]),
            });
        }
    }
    Ok(rows)
}
// ANCHOR_END: variance
