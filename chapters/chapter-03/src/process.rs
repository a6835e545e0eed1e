//! Noise processes $x_t = \alpha_t x + \sigma_t g$, $g \sim \mathcal N(0, I)$.
//!
//! Two schedules cover the chapter: variance exploding, $\alpha_t = 1$,
//! $\sigma_t = t$ (noise is simply added, and the variance grows without
//! bound), and variance preserving, $\alpha_t = \sqrt{1 - t^2}$, $\sigma_t = t$
//! on $t \in [0, 1]$ (unit-variance data stay unit-variance, and $x_1$ is pure noise).

use ndarray::{Array2, ArrayView2};

use shared::{Error, Result};

/// A noise schedule $(\alpha_t, \sigma_t)$.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Process {
    /// $\alpha_t = 1$, $\sigma_t = t$, $t \ge 0$.
    VarianceExploding,
    /// $\alpha_t = \sqrt{1 - t^2}$, $\sigma_t = t$, $t \in [0, 1]$.
    VariancePreserving,
}

impl Process {
    /// The signal scale $\alpha_t$ (NaN outside the process's domain).
    pub fn alpha(self, t: f64) -> f64 {
        match self {
            Process::VarianceExploding => 1.0,
            Process::VariancePreserving if self.contains(t) => (1.0 - t * t).max(0.0).sqrt(),
            Process::VariancePreserving => f64::NAN,
        }
    }

    /// The noise scale $\sigma_t$.
    pub fn sigma(self, t: f64) -> f64 {
        t
    }

    /// Whether `t` is a valid time for this process.
    pub fn contains(self, t: f64) -> bool {
        match self {
            Process::VarianceExploding => t.is_finite() && t >= 0.0,
            Process::VariancePreserving => (0.0..=1.0).contains(&t),
        }
    }

    /// $x_t = \alpha_t x + \sigma_t g$ for data `x` and standard normal `g` (both `d × N`).
    ///
    /// # Errors
    /// `x` and `g` of different shapes, or `t` outside the process's domain.
    pub fn noisy(self, x: ArrayView2<f64>, g: ArrayView2<f64>, t: f64) -> Result<Array2<f64>> {
        if x.dim() != g.dim() {
            return Err(Error::shape(
                "g",
                format!("{:?} (the data's shape)", x.dim()),
                format!("{:?}", g.dim()),
            ));
        }
        if !self.contains(t) {
            return Err(Error::out_of_range(
                "time",
                format!("inside the domain of {self:?}"),
                t,
            ));
        }
        Ok(&x * self.alpha(t) + &g * self.sigma(t))
    }
}

/// `steps + 1` times from `t_max` down to `t_min`, equally spaced (`steps = 0`
/// gives `[t_max]`, which [`validate_grid`] rejects as too short).
pub fn uniform_grid(t_max: f64, t_min: f64, steps: usize) -> Vec<f64> {
    if steps == 0 {
        return vec![t_max];
    }
    (0..=steps)
        .map(|l| t_max + (t_min - t_max) * l as f64 / steps as f64)
        .collect()
}

/// `steps + 1` times from `t_max` down to `t_min > 0`, equally spaced in
/// $\log t$: the steps shrink geometrically, concentrating work at small noise
/// (`steps = 0` gives `[t_max]`, and `t_min <= 0` repeated zeros or NaN times:
/// grids that [`validate_grid`] rejects).
pub fn exponential_grid(t_max: f64, t_min: f64, steps: usize) -> Vec<f64> {
    if steps == 0 {
        return vec![t_max];
    }
    (0..=steps)
        .map(|l| t_max * (t_min / t_max).powf(l as f64 / steps as f64))
        .collect()
}

/// Checks that `grid` has at least two times, decreases strictly, lies in the
/// process's domain and has $\sigma_t > 0$ wherever a denoiser is evaluated.
pub fn validate_grid(process: Process, grid: &[f64]) -> Result<()> {
    if grid.len() < 2 {
        return Err(Error::out_of_range(
            "time grid length",
            "at least 2",
            grid.len(),
        ));
    }
    if let Some(t) = grid.iter().find(|t| !process.contains(**t)) {
        return Err(Error::out_of_range(
            "time",
            format!("inside the domain of {process:?}"),
            t,
        ));
    }
    if grid.windows(2).any(|w| w[1] >= w[0]) {
        return Err(Error::out_of_range(
            "time grid",
            "strictly decreasing",
            format!("{grid:?}"),
        ));
    }
    Ok(())
}
