//! Learning a denoiser from samples.
//!
//! The closed-form denoisers of this chapter need the distribution. Without
//! it, the textbook (Ch. 3 §3.2) learns one from samples by minimizing the
//! denoising objective over a family $\bar x_\theta$, across noise levels:
//! $$\min_\theta\; \mathbb E_{x,\, t,\, g}\; w_t\, \big\|x - \bar x_\theta(t, \alpha_t x + \sigma_t g)\big\|^2 ,$$
//! with $t$ drawn from the sampler's grid and the weight $w_t = \alpha_t/\sigma_t$
//! the textbook suggests. The minimizer over *all* functions is the MMSE
//! denoiser $\mathbb E[x \mid x_t]$ at every $t$ (the loss is a weighted sum of
//! mean squared errors), so a flexible enough family trained on enough samples
//! approaches the closed form. With few samples the objective is an average
//! over those samples, whose exact minimizer is the memorizing denoiser; a
//! small network cannot represent that minimizer, but training still drives
//! its training objective far below its error on fresh data.
//!
//! The family here is a one-hidden-layer ReLU network with a skip term, written
//! out with its backward pass like chapter 2's LISTA:
//! $$u = (x_t, \alpha_t, \sigma_t), \quad h = \operatorname{ReLU}(W_1 u + b_1), \quad
//! \bar x_\theta = c_t\, x_t + W_2 h + b_2, \quad c_t = \frac{\alpha_t}{\alpha_t^2 + \sigma_t^2},$$
//! where the skip $c_t x_t$ is the exact denoiser of $\mathcal N(0, I)$ data, so
//! the network only learns the correction. Trained by Adam on minibatches.

use ndarray::{Array1, Array2, ArrayView2, Axis, concatenate};
use rand::RngExt;

use crate::process::Process;
use crate::query::{Denoiser, validate_query};
use shared::error::{ensure_finite, ensure_finite_output};
use shared::rng::{Rng, gaussian_matrix};
use shared::{Error, Result};

/// A one-hidden-layer ReLU denoiser with a skip term (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct MlpDenoiser {
    /// $W_1$ (`H × (D + 2)`).
    pub w1: Array2<f64>,
    /// $b_1$ (`H`).
    pub b1: Array1<f64>,
    /// $W_2$ (`D × H`).
    pub w2: Array2<f64>,
    /// $b_2$ (`D`).
    pub b2: Array1<f64>,
}

/// Gradients of the loss, shaped like the parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Gradients {
    /// $\partial L/\partial W_1$.
    pub w1: Array2<f64>,
    /// $\partial L/\partial b_1$.
    pub b1: Array1<f64>,
    /// $\partial L/\partial W_2$.
    pub w2: Array2<f64>,
    /// $\partial L/\partial b_2$.
    pub b2: Array1<f64>,
}

/// One minibatch of the denoising objective.
#[derive(Debug, Clone)]
pub struct Batch {
    /// Clean points $x$ (`D × B`).
    pub clean: Array2<f64>,
    /// Noisy points $x_t$ (`D × B`).
    pub noisy: Array2<f64>,
    /// $\alpha_t$ of each column (`B`).
    pub alpha: Array1<f64>,
    /// $\sigma_t$ of each column (`B`).
    pub sigma: Array1<f64>,
    /// Loss weight of each column (`B`).
    pub weight: Array1<f64>,
}

/// The forward pass's intermediate values, kept for the backward pass.
struct Forward {
    input: Array2<f64>,
    pre: Array2<f64>,
    hidden: Array2<f64>,
    output: Array2<f64>,
}

impl MlpDenoiser {
    /// A network for dimension `dim` with `hidden` units: $W_1$ He-initialized
    /// from `rng`, $W_2$ and the biases zero (so it starts as the skip term).
    ///
    /// # Errors
    /// `dim` or `hidden` zero.
    pub fn new(dim: usize, hidden: usize, rng: &mut Rng) -> Result<Self> {
        shared::cli::ensure_in_range("dim", dim, 1, usize::MAX)?;
        shared::cli::ensure_in_range("hidden", hidden, 1, usize::MAX)?;
        let fan_in = (dim + 2) as f64;
        Ok(MlpDenoiser {
            w1: gaussian_matrix(rng, hidden, dim + 2) * (2.0 / fan_in).sqrt(),
            b1: Array1::zeros(hidden),
            w2: Array2::zeros((dim, hidden)),
            b2: Array1::zeros(dim),
        })
    }

    fn forward(&self, x_t: ArrayView2<f64>, alpha: &Array1<f64>, sigma: &Array1<f64>) -> Forward {
        let times = ndarray::stack![Axis(0), alpha.view(), sigma.view()];
        let input = concatenate![Axis(0), x_t, times];
        let pre = self.w1.dot(&input) + self.b1.view().insert_axis(Axis(1));
        // NaN-preserving ReLU: `max(0.0)` would hide a diverged pre-activation.
        let hidden = pre.mapv(|v| if v > 0.0 || v.is_nan() { v } else { 0.0 });
        let skip = alpha / &(alpha * alpha + sigma * sigma);
        let output = &x_t * &skip.insert_axis(Axis(0))
            + self.w2.dot(&hidden)
            + self.b2.view().insert_axis(Axis(1));
        Forward {
            input,
            pre,
            hidden,
            output,
        }
    }

    // ANCHOR: loss_and_gradients
    /// The weighted loss $\frac1B\sum_j w_j\|\bar x_\theta(x_{t,j}) - x_j\|^2$ and its gradients.
    ///
    /// # Errors
    /// Shapes that do not match the network.
    pub fn loss_and_gradients(&self, batch: &Batch) -> Result<(f64, Gradients)> {
        self.check_batch(batch)?;
        let f = self.forward(batch.noisy.view(), &batch.alpha, &batch.sigma);
        let b = batch.clean.ncols() as f64;
        let residual = &f.output - &batch.clean; // D × B
        let weighted = &residual * &batch.weight.view().insert_axis(Axis(0));
        let loss = (&weighted * &residual).sum() / b;
        let d_out = weighted * (2.0 / b); // ∂L/∂x̄
        let d_hidden = self.w2.t().dot(&d_out);
        let d_pre = d_hidden * &f.pre.mapv(|v| f64::from(u8::from(v > 0.0)));
        let gradients = Gradients {
            w2: d_out.dot(&f.hidden.t()),
            b2: d_out.sum_axis(Axis(1)),
            w1: d_pre.dot(&f.input.t()),
            b1: d_pre.sum_axis(Axis(1)),
        };
        Ok((loss, gradients))
    }
    // ANCHOR_END: loss_and_gradients

    fn check_batch(&self, batch: &Batch) -> Result<()> {
        let (d, n) = (self.w2.nrows(), batch.clean.ncols());
        let shapes_agree = batch.clean.dim() == (d, n)
            && batch.noisy.dim() == (d, n)
            && [&batch.alpha, &batch.sigma, &batch.weight]
                .iter()
                .all(|v| v.len() == n);
        if !shapes_agree || n == 0 {
            return Err(Error::shape(
                "batch",
                format!("clean and noisy {d} × B, alpha, sigma, weight of length B >= 1"),
                format!(
                    "clean {:?}, noisy {:?}",
                    batch.clean.dim(),
                    batch.noisy.dim()
                ),
            ));
        }
        Ok(())
    }

    /// Every parameter as one flat list (for finite differences and norms).
    pub fn parameters(&self) -> Vec<f64> {
        self.w1
            .iter()
            .chain(&self.b1)
            .chain(&self.w2)
            .chain(&self.b2)
            .copied()
            .collect()
    }
}

impl Denoiser for MlpDenoiser {
    fn dim(&self) -> usize {
        self.w2.nrows()
    }

    fn denoise(&self, x_t: ArrayView2<f64>, alpha: f64, sigma: f64) -> Result<Array2<f64>> {
        validate_query(self.dim(), x_t, alpha, sigma)?;
        ensure_finite("network parameters", self.parameters().iter())?;
        let n = x_t.ncols();
        let out = self
            .forward(
                x_t,
                &Array1::from_elem(n, alpha),
                &Array1::from_elem(n, sigma),
            )
            .output;
        ensure_finite_output("MlpDenoiser", "the network output", out.iter())?;
        Ok(out)
    }
}

/// Settings of [`train`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainOptions {
    /// Adam steps.
    pub steps: usize,
    /// Minibatch size.
    pub batch: usize,
    /// Adam's learning rate (decayed linearly to a tenth over the run).
    pub learning_rate: f64,
}

/// Draws a minibatch: `size` training columns at random, times uniform on
/// `grid`, fresh noise, weights $w_t = \alpha_t/\sigma_t$ normalized to mean 1 over the grid.
///
/// # Errors
/// An empty training set or grid, or a time outside the process's domain.
pub fn draw_batch(
    training: ArrayView2<f64>,
    process: Process,
    grid: &[f64],
    size: usize,
    rng: &mut Rng,
) -> Result<Batch> {
    if training.ncols() == 0 || grid.is_empty() || size == 0 {
        return Err(Error::shape(
            "training, grid, batch size",
            "at least one point, one time and a batch of at least 1",
            format!(
                "{} points, {} times, batch {size}",
                training.ncols(),
                grid.len()
            ),
        ));
    }
    if let Some(t) = grid
        .iter()
        .find(|t| !(process.contains(**t) && process.sigma(**t) > 0.0))
    {
        return Err(Error::out_of_range(
            "grid time",
            "inside the process's domain with sigma_t > 0 (the weight alpha/sigma needs it)",
            t,
        ));
    }
    let weight_of = |t: f64| process.alpha(t) / process.sigma(t);
    let mean_weight = grid.iter().map(|t| weight_of(*t)).sum::<f64>() / grid.len() as f64;
    let columns: Vec<usize> = (0..size)
        .map(|_| rng.random_range(0..training.ncols()))
        .collect();
    let times: Vec<f64> = (0..size)
        .map(|_| grid[rng.random_range(0..grid.len())])
        .collect();
    let clean = training.select(Axis(1), &columns);
    let g = gaussian_matrix(rng, training.nrows(), size);
    let alpha = times
        .iter()
        .map(|t| process.alpha(*t))
        .collect::<Array1<f64>>();
    let sigma = times
        .iter()
        .map(|t| process.sigma(*t))
        .collect::<Array1<f64>>();
    let noisy =
        &clean * &alpha.view().insert_axis(Axis(0)) + &g * &sigma.view().insert_axis(Axis(0));
    let weight: Array1<f64> = times.iter().map(|t| weight_of(*t) / mean_weight).collect();
    ensure_finite_output(
        "draw_batch",
        "a noisy point or loss weight",
        noisy.iter().chain(&weight),
    )?;
    Ok(Batch {
        clean,
        noisy,
        alpha,
        sigma,
        weight,
    })
}

// ANCHOR: train
/// Trains `net` on `training` (`D × n`) by Adam on the weighted denoising
/// objective, times drawn from `grid`. Returns the minibatch loss of every step.
///
/// # Errors
/// As [`draw_batch`]; [`Error::NumericalFailure`] if the loss becomes NaN or infinite.
pub fn train(
    net: &mut MlpDenoiser,
    training: ArrayView2<f64>,
    process: Process,
    grid: &[f64],
    options: &TrainOptions,
    rng: &mut Rng,
) -> Result<Vec<f64>> {
    ensure_finite("training", training.iter())?;
    let mut adam = shared::optim::Adam::new(net.parameters().len());
    let mut losses = Vec::with_capacity(options.steps);
    for step in 0..options.steps {
        let batch = draw_batch(training, process, grid, options.batch, rng)?;
        let (loss, gradients) = net.loss_and_gradients(&batch)?;
        if !loss.is_finite() {
            return Err(Error::NumericalFailure {
                algorithm: "learned denoiser training",
                detail: format!("the loss became {loss} at step {step}; lower the learning rate"),
            });
        }
        losses.push(loss);
        let progress = step as f64 / options.steps as f64;
        let params = (net.w1.iter_mut().chain(net.b1.iter_mut()))
            .chain(net.w2.iter_mut().chain(net.b2.iter_mut()));
        let grads = (gradients.w1.iter().chain(&gradients.b1))
            .chain(gradients.w2.iter().chain(&gradients.b2));
        adam.step(
            params,
            grads,
            options.learning_rate * (1.0 - 0.9 * progress),
        );
    }
    Ok(losses)
}
// ANCHOR_END: train

/// The weighted denoising loss of `net` on fixed batches (an estimate of the objective).
///
/// # Errors
/// As [`MlpDenoiser::loss_and_gradients`].
pub fn mean_loss(net: &MlpDenoiser, batches: &[Batch]) -> Result<f64> {
    let mut total = 0.0;
    for b in batches {
        total += net.loss_and_gradients(b)?.0;
    }
    Ok(total / batches.len().max(1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::seeded_rng;

    /// Every gradient entry against a central finite difference of the loss.
    #[test]
    fn gradients_match_finite_differences() {
        let mut rng = seeded_rng(1);
        let mut net = MlpDenoiser::new(3, 5, &mut rng).unwrap();
        net.w2 = gaussian_matrix(&mut rng, 3, 5) * 0.3;
        net.b1 = Array1::from_elem(5, 0.1);
        let training = gaussian_matrix(&mut rng, 3, 8);
        let batch = draw_batch(
            training.view(),
            Process::VariancePreserving,
            &[0.3, 0.7],
            6,
            &mut rng,
        )
        .unwrap();
        let (_, g) = net.loss_and_gradients(&batch).unwrap();
        let analytic: Vec<f64> =
            g.w1.iter()
                .chain(&g.b1)
                .chain(&g.w2)
                .chain(&g.b2)
                .copied()
                .collect();
        let h = 1e-6;
        for (i, want) in analytic.iter().enumerate() {
            let loss_at = |delta: f64| {
                let mut moved = net.clone();
                let mut params = moved
                    .w1
                    .iter_mut()
                    .chain(moved.b1.iter_mut())
                    .chain(moved.w2.iter_mut())
                    .chain(moved.b2.iter_mut());
                if let Some(p) = params.nth(i) {
                    *p += delta;
                }
                moved.loss_and_gradients(&batch).unwrap().0
            };
            let numeric = (loss_at(h) - loss_at(-h)) / (2.0 * h);
            assert!(
                (numeric - want).abs() < 1e-6 * (1.0 + want.abs()),
                "parameter {i}: {numeric} vs {want}"
            );
        }
    }

    #[test]
    fn an_untrained_network_is_the_gaussian_denoiser_and_bad_input_is_refused() {
        let net = MlpDenoiser::new(2, 4, &mut seeded_rng(2)).unwrap();
        let x = ndarray::array![[1.0, -2.0], [0.5, 0.0]];
        let out = net.denoise(x.view(), 0.6, 0.8).unwrap();
        assert!((&out - &(&x * 0.6)).iter().all(|d| d.abs() < 1e-15));
        assert!(net.denoise(x.view(), 0.6, 0.0).is_err());
        assert!(MlpDenoiser::new(0, 4, &mut seeded_rng(2)).is_err());
        let empty = Array2::<f64>::zeros((2, 0));
        assert!(
            draw_batch(
                empty.view(),
                Process::VariancePreserving,
                &[0.5],
                4,
                &mut seeded_rng(3)
            )
            .is_err()
        );
    }
}
