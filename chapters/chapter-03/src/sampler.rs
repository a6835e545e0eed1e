//! Sampling by iterated denoising (DDIM).
//!
//! Start from noise at the largest time and walk down a grid
//! $t_L > \dots > t_0$. At each step the denoiser guesses the clean point
//! $\bar x = \mathbb E[x \mid x_{t_\ell}]$, and the next iterate keeps the part
//! of the current one that is consistent with the smaller noise level:
//! $$\hat x_{t_{\ell-1}} = \frac{\sigma_{t_{\ell-1}}}{\sigma_{t_\ell}}\,\hat x_{t_\ell} +
//! \Big(\alpha_{t_{\ell-1}} - \frac{\sigma_{t_{\ell-1}}}{\sigma_{t_\ell}}\alpha_{t_\ell}\Big)\bar x .$$
//! This is the deterministic sampler of Song et al. (2020); the textbook's
//! algorithm "sampling using a denoiser" (Ch. 3 §3.2) is the same update.

use ndarray::{Array2, ArrayView2};

use crate::process::{Process, validate_grid};
pub use crate::query::{Denoiser, validate_query, validate_query_shape};
use shared::error::ensure_finite_output;
use shared::{Error, Result};

// ANCHOR: ddim
/// Runs the DDIM sampler from `x_init` (`d × N`, the noisy points at time
/// `grid[0]`) down the strictly decreasing `grid`, returning the points at the
/// last time. `observe(ℓ, x)` sees the iterate after each of the `grid.len() - 1` steps.
///
/// # Errors
/// A grid that is too short, not strictly decreasing or outside the process's
/// domain; a zero noise level anywhere but the last time; `x_init` with the wrong
/// number of rows or non-finite entries; a denoiser error, or a denoiser output
/// that is not `d × N` or not finite; an update that overflowed.
pub fn ddim_sample<D: Denoiser + ?Sized>(
    denoiser: &D,
    process: Process,
    grid: &[f64],
    x_init: ArrayView2<f64>,
    mut observe: impl FnMut(usize, ArrayView2<f64>),
) -> Result<Array2<f64>> {
    validate_grid(process, grid)?;
    let (alpha, sigma) = (process.alpha(grid[0]), process.sigma(grid[0]));
    validate_query(denoiser.dim(), x_init, alpha, sigma)?;
    // Later iterates mix checked values. Only an overflowing update could make
    // one non-finite, and the mix keeps a non-finite entry non-finite to the
    // end, so one check of the result replaces a scan per step.
    let mut x = x_init.to_owned();
    for (step, pair) in grid.windows(2).enumerate() {
        let (t, s) = (pair[0], pair[1]);
        let (alpha_t, sigma_t) = (process.alpha(t), process.sigma(t));
        validate_query_shape(denoiser.dim(), x.view(), alpha_t, sigma_t)?;
        let clean = denoiser
            .denoise(x.view(), alpha_t, sigma_t)
            .map_err(|e| blame_update(e, step))?;
        check_output(&clean, x.dim())?;
        // BEGIN SOLUTION 3.2: the DDIM step
        let keep = process.sigma(s) / sigma_t;
        let mix = process.alpha(s) - keep * alpha_t;
        x.zip_mut_with(&clean, |x, c| *x = keep * *x + mix * c);
        // END SOLUTION
        observe(step + 1, x.view());
    }
    ensure_finite_output("ddim_sample", "an update", x.iter())?;
    Ok(x)
}
// ANCHOR_END: ddim

/// After the first step the denoiser's query is the sampler's own update of
/// checked values, so a query it finds non-finite means that update overflowed.
fn blame_update(e: Error, step: usize) -> Error {
    match e {
        Error::NonFinite { name: "x_t" } if step > 0 => Error::NumericalFailure {
            algorithm: "ddim_sample",
            detail: "an update overflowed or is NaN; rescale the input".into(),
        },
        e => e,
    }
}

/// A denoiser's output must have the query's shape and finite entries.
fn check_output(clean: &Array2<f64>, dim: (usize, usize)) -> Result<()> {
    if clean.dim() != dim {
        return Err(Error::shape(
            "denoiser output",
            format!("{dim:?} (the query's shape)"),
            format!("{:?}", clean.dim()),
        ));
    }
    ensure_finite_output("ddim_sample", "the denoiser output", clean.iter())
}
