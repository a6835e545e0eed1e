//! Feature maps trained by maximizing the rate reduction.
//!
//! Two encoders, both ending on the unit sphere (the rate grows with scale):
//! linear, $f(x) = \mathcal N(W_1x)$, and two-layer,
//! $f(x) = \mathcal N(W_2\operatorname{ReLU}(W_1x))$, where $\mathcal N(u) = u/\|u\|$.
//! Training ascends $\Delta R(f(X_B))$ over minibatches $X_B$ with Adam. The
//! backward pass is written out: $\partial\Delta R/\partial Z$ from
//! [`crate::rate_reduction_grad`], then through the normalization,
//! $\partial/\partial u = (I - zz^\top)(\partial/\partial z)/\|u\|$, then through the layers.
//! A test checks it against finite differences.

use ndarray::{Array1, Array2, ArrayView2, Axis};

pub use crate::rate::Rates;
use crate::rate::rates_with_grad;
use shared::error::{ensure_finite, ensure_finite_output, ensure_rows};
use shared::rng::{Rng, gaussian_matrix};
use shared::{Error, Result};

/// A linear or two-layer encoder.
#[derive(Debug, Clone, PartialEq)]
pub struct Encoder {
    /// $W_1$ (`h × n`, or `d × n` for the linear encoder).
    pub w1: Array2<f64>,
    /// $W_2$ (`d × h`), absent for the linear encoder.
    pub w2: Option<Array2<f64>>,
}

/// Gradients of $\Delta R$ with respect to the weights (same shapes).
#[derive(Debug, Clone, PartialEq)]
pub struct EncoderGradients {
    /// $\partial\Delta R/\partial W_1$.
    pub w1: Array2<f64>,
    /// $\partial\Delta R/\partial W_2$.
    pub w2: Option<Array2<f64>>,
}

struct Forward {
    pre: Array2<f64>,
    hidden: Option<Array2<f64>>,
    norms: Array1<f64>,
    z: Array2<f64>,
}

impl Encoder {
    /// A linear encoder from `input` to `features` dimensions, Gaussian weights of variance 1/`input`.
    ///
    /// # Errors
    /// A zero size.
    pub fn linear(input: usize, features: usize, rng: &mut Rng) -> Result<Self> {
        check_sizes(&[input, features])?;
        Ok(Encoder {
            w1: gaussian_matrix(rng, features, input) / (input as f64).sqrt(),
            w2: None,
        })
    }

    /// A two-layer encoder `input → hidden → features`, He-initialized.
    ///
    /// # Errors
    /// A zero size.
    pub fn two_layer(input: usize, hidden: usize, features: usize, rng: &mut Rng) -> Result<Self> {
        check_sizes(&[input, hidden, features])?;
        Ok(Encoder {
            w1: gaussian_matrix(rng, hidden, input) * (2.0 / input as f64).sqrt(),
            w2: Some(gaussian_matrix(rng, features, hidden) / (hidden as f64).sqrt()),
        })
    }

    fn forward(&self, x: ArrayView2<f64>) -> Forward {
        let pre = self.w1.dot(&x);
        let (hidden, u) = match &self.w2 {
            Some(w2) => {
                let h = pre.mapv(|v| if v > 0.0 || v.is_nan() { v } else { 0.0 });
                let u = w2.dot(&h);
                (Some(h), u)
            }
            None => (None, pre.clone()),
        };
        let norms = u.map_axis(Axis(0), |c| c.dot(&c).sqrt().max(1e-12));
        let z = &u / &norms.view().insert_axis(Axis(0));
        Forward {
            pre,
            hidden,
            norms,
            z,
        }
    }

    fn check_input(&self, x: ArrayView2<f64>) -> Result<()> {
        ensure_rows("x", x.nrows(), self.w1.ncols())?;
        ensure_finite("x", x.iter())
    }

    /// The features $f(x)$ of the columns of `x` (`n × m`), unit columns (`d × m`).
    ///
    /// # Errors
    /// `x` with the wrong number of rows or non-finite entries; non-finite weights.
    pub fn encode(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        self.check_input(x)?;
        let z = self.forward(x).z;
        ensure_finite_output(
            "Encoder::encode",
            "the features (diverged weights?)",
            z.iter(),
        )?;
        Ok(z)
    }

    // ANCHOR: backward
    /// $R$, $R_c$ of the batch's features and the gradient of $\Delta R$ with
    /// respect to the weights.
    ///
    /// # Errors
    /// As [`Encoder::encode`] and [`crate::rate_reduction_grad`].
    pub fn rates_and_gradients(
        &self,
        x: ArrayView2<f64>,
        labels: &[usize],
        eps_sq: f64,
    ) -> Result<(Rates, EncoderGradients)> {
        self.check_input(x)?;
        let f = self.forward(x);
        let (rates, g_z) = rates_with_grad(f.z.view(), labels, eps_sq)?;
        // Through z = u/‖u‖: remove the radial part, divide by the norm.
        let radial = (&f.z * &g_z).sum_axis(Axis(0));
        let g_u = (&g_z - &(&f.z * &radial.insert_axis(Axis(0)))) / &f.norms.insert_axis(Axis(0));
        let gradients = match (&self.w2, &f.hidden) {
            (Some(w2), Some(h)) => {
                let g_pre = w2.t().dot(&g_u) * &f.pre.mapv(|v| f64::from(u8::from(v > 0.0)));
                EncoderGradients {
                    w1: g_pre.dot(&x.t()),
                    w2: Some(g_u.dot(&h.t())),
                }
            }
            _ => EncoderGradients {
                w1: g_u.dot(&x.t()),
                w2: None,
            },
        };
        Ok((rates, gradients))
    }
    // ANCHOR_END: backward

    /// All weights, in a fixed order (for the optimizer).
    pub fn weights_mut(&mut self) -> impl Iterator<Item = &mut f64> {
        self.w1
            .iter_mut()
            .chain(self.w2.iter_mut().flat_map(|w| w.iter_mut()))
    }

    /// Number of weights.
    pub fn weight_count(&self) -> usize {
        self.w1.len() + self.w2.as_ref().map_or(0, |w| w.len())
    }
}

impl EncoderGradients {
    /// All gradient entries, in the order of [`Encoder::weights_mut`].
    pub fn iter(&self) -> impl Iterator<Item = &f64> {
        self.w1.iter().chain(self.w2.iter().flat_map(|w| w.iter()))
    }
}

fn check_sizes(sizes: &[usize]) -> Result<()> {
    if sizes.contains(&0) {
        return Err(Error::out_of_range(
            "layer sizes",
            "all >= 1",
            format!("{sizes:?}"),
        ));
    }
    Ok(())
}

/// Settings of [`train`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainOptions {
    /// Passes over the training set.
    pub epochs: usize,
    /// Samples per minibatch.
    pub batch: usize,
    /// Adam's learning rate.
    pub learning_rate: f64,
    /// $\varepsilon^2$.
    pub eps_sq: f64,
}

// ANCHOR: train
/// Trains `encoder` on the columns of `x` with `labels` by Adam ascent on
/// $\Delta R$ of each shuffled minibatch, calling `progress(epoch)` after each
/// epoch. Returns the rates of the features of all of `x` before training and
/// after every epoch (`epochs + 1` entries): a fixed set, so the curve shows
/// the encoder's progress, not which minibatch came last.
///
/// # Errors
/// As [`Encoder::rates_and_gradients`]; [`Error::NumericalFailure`] if
/// $\Delta R$ becomes non-finite.
pub fn train(
    encoder: &mut Encoder,
    x: ArrayView2<f64>,
    labels: &[usize],
    options: &TrainOptions,
    rng: &mut Rng,
    mut progress: impl FnMut(usize),
) -> Result<Vec<Rates>> {
    if labels.len() != x.ncols() || x.ncols() == 0 {
        return Err(Error::shape(
            "labels",
            format!("{} labels (one per column of x, at least one)", x.ncols()),
            labels.len().to_string(),
        ));
    }
    shared::cli::ensure_in_range("batch", options.batch, 1, usize::MAX)?;
    let mut adam = shared::optim::Adam::new(encoder.weight_count());
    let mut order: Vec<usize> = (0..x.ncols()).collect();
    let all_rates = |encoder: &Encoder| -> Result<Rates> {
        crate::rate::rates(encoder.encode(x)?.view(), labels, options.eps_sq)
    };
    let mut history = Vec::with_capacity(options.epochs + 1);
    history.push(all_rates(encoder)?);
    for epoch in 0..options.epochs {
        rand::seq::SliceRandom::shuffle(order.as_mut_slice(), rng);
        for chunk in order.chunks(options.batch) {
            let xb = x.select(Axis(1), chunk);
            let lb: Vec<usize> = chunk.iter().map(|&i| labels[i]).collect();
            let (rates, g) = encoder.rates_and_gradients(xb.view(), &lb, options.eps_sq)?;
            if !rates.delta().is_finite() {
                return Err(Error::NumericalFailure {
                    algorithm: "MCR^2 encoder training",
                    detail: format!("Delta R became {} in epoch {epoch}", rates.delta()),
                });
            }
            // Ascent: Adam steps down the gradient of -ΔR.
            let negated: Vec<f64> = g.iter().map(|v| -v).collect();
            adam.step(encoder.weights_mut(), negated.iter(), options.learning_rate);
        }
        history.push(all_rates(encoder)?);
        progress(epoch + 1);
    }
    Ok(history)
}
// ANCHOR_END: train
