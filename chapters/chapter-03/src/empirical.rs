//! The empirical ("memorizing") denoiser of a finite training set.
//!
//! If the data distribution is taken to be the training set itself,
//! $\frac1n\sum_i \delta_{x_i}$, the MMSE denoiser is
//! $$\bar x(x_t) = \sum_i \operatorname{softmax}_i\Big(-\frac{\|x_t - \alpha x_i\|^2}{2\sigma^2}\Big)\, x_i ,$$
//! the exact minimizer of the denoising loss on that set. As $\sigma \to 0$ the
//! softmax picks the nearest training point, so a sampler driven by it can only
//! reproduce training points: it memorizes instead of generalizing.

use ndarray::{Array2, ArrayView2, Axis};

use crate::mixture::softmax_columns;
use crate::query::{Denoiser, validate_query};
use shared::error::{ensure_finite, ensure_finite_output};
use shared::{Error, Result};

/// The memorizing denoiser of the columns of `points` (`d × n`).
#[derive(Debug, Clone)]
pub struct Empirical {
    /// The training points as columns (`d × n`).
    pub points: Array2<f64>,
}

impl Denoiser for Empirical {
    fn dim(&self) -> usize {
        self.points.nrows()
    }

    // ANCHOR: empirical
    fn denoise(&self, x_t: ArrayView2<f64>, alpha: f64, sigma: f64) -> Result<Array2<f64>> {
        validate_query(self.dim(), x_t, alpha, sigma)?;
        if self.points.ncols() == 0 {
            return Err(Error::shape(
                "points",
                "at least one training point",
                "none",
            ));
        }
        ensure_finite("points", self.points.iter())?;
        // ‖x_t − αx_i‖² = ‖x_t‖² − 2α x_tᵀx_i + α²‖x_i‖²; the first term is common to all i.
        let cross = self.points.t().dot(&x_t); // n × N
        let norms = self.points.map_axis(Axis(0), |p| p.dot(&p));
        let mut weights = cross * (alpha / (sigma * sigma));
        for (mut row, norm) in weights.axis_iter_mut(Axis(0)).zip(&norms) {
            row -= alpha * alpha * norm / (2.0 * sigma * sigma);
        }
        let out = self.points.dot(&softmax_columns(weights));
        ensure_finite_output("Empirical::denoise", "the posterior mean", out.iter())?;
        Ok(out)
    }
    // ANCHOR_END: empirical
}
