//! ReduNet: a network whose every layer is one gradient step on $\Delta R$.
//!
//! Unrolling the projected gradient ascent of [`crate::ascent`] gives layers of
//! the form (textbook Ch. 4 §4.1)
//! $$z \leftarrow \mathcal P_{\mathbb S}\Big(z + \eta\big(E z - \textstyle\sum_j \gamma_j C_j z\, \pi_j(z)\big)\Big),$$
//! with $E = \alpha(I + \alpha ZZ^\top)^{-1}$ and $C_j = \alpha_j(I + \alpha_jZ_jZ_j^\top)^{-1}$
//! computed from the current training features, not learned by
//! backpropagation. $E$ expands all features; $C_j$ compresses class $j$. On the
//! training set $\pi_j$ is the label; a new point does not have one, so it gets
//! the soft membership
//! $$\hat\pi_j(z) = \operatorname{softmax}_j\big(-\lambda\|C_j z\|\big):$$
//! $C_j$ shrinks the directions class $j$ occupies, so $\|C_j z\|$ is small when $z$
//! lies in class $j$'s span. The same memberships classify test points.

use ndarray::{Array1, Array2, ArrayView2, Axis};

use crate::rate::{normalize_columns, rate_reduction};
use shared::error::{ensure_finite, ensure_finite_output};
use shared::symmetric::log_det_and_inverse;
use shared::{Error, Result};

/// One layer's operators.
#[derive(Debug, Clone)]
pub struct Layer {
    /// $E$ (`d × d`).
    pub expand: Array2<f64>,
    /// $C_j$ for each class (`d × d` each).
    pub compress: Vec<Array2<f64>>,
    /// $\gamma_j = m_j/m$.
    pub gammas: Vec<f64>,
}

/// A ReduNet built on training features.
#[derive(Debug, Clone)]
pub struct ReduNet {
    /// The layers, first to last.
    pub layers: Vec<Layer>,
    /// Step size $\eta$.
    pub eta: f64,
    /// Membership sharpness $\lambda$.
    pub lambda: f64,
    /// The label of each class, in the order of [`Layer::compress`].
    pub classes: Vec<usize>,
}

/// What [`ReduNet::fit`] returns besides the network.
#[derive(Debug, Clone)]
pub struct Fit {
    /// The training features after the last layer (`d × m`).
    pub features: Array2<f64>,
    /// $\Delta R$ of the training features before the first layer and after each.
    pub history: Vec<f64>,
}

/// $c(I + cZZ^\top)^{-1}$ for the columns `z` (`d × n`).
fn operator(z: ArrayView2<f64>, c: f64) -> Result<Array2<f64>> {
    let mut a = z.dot(&z.t()) * c;
    for i in 0..a.nrows() {
        a[[i, i]] += 1.0;
    }
    Ok(log_det_and_inverse("I + c Z Z^T", a.view())?.1 * c)
}

impl ReduNet {
    // ANCHOR: fit
    /// Builds `layers` layers on the training features `z0` (`d × m`) with labels,
    /// returning the network and the training features' $\Delta R$ per layer.
    ///
    /// # Errors
    /// `z0` empty or not finite, labels of the wrong length, `eps_sq`, `eta` or
    /// `lambda` not finite and positive, or a numerical failure.
    pub fn fit(
        z0: ArrayView2<f64>,
        labels: &[usize],
        eps_sq: f64,
        eta: f64,
        lambda: f64,
        layers: usize,
    ) -> Result<(ReduNet, Fit)> {
        for (name, v) in [("eta", eta), ("lambda", lambda)] {
            if !(v.is_finite() && v > 0.0) {
                return Err(Error::out_of_range(name, "finite and > 0", v));
            }
        }
        let mut z = z0.to_owned();
        normalize_columns(&mut z);
        let mut history = vec![rate_reduction(z.view(), labels, eps_sq)?];
        let (d, m) = z.dim();
        let (names, classes): (Vec<usize>, Vec<Vec<usize>>) =
            crate::rate::class_indices(labels).into_iter().unzip();
        let mut net = Vec::with_capacity(layers);
        for _ in 0..layers {
            let expand = operator(z.view(), d as f64 / (m as f64 * eps_sq))?;
            let mut step = expand.dot(&z);
            let (mut compress, mut gammas) = (Vec::new(), Vec::new());
            for idx in &classes {
                let zj = z.select(Axis(1), idx);
                let mj = idx.len() as f64; // every class present has a column
                let cj = operator(zj.view(), d as f64 / (mj * eps_sq))?;
                let gamma = idx.len() as f64 / m as f64;
                let pulled = cj.dot(&zj) * gamma;
                for (c, &i) in idx.iter().enumerate() {
                    let mut col = step.column_mut(i);
                    col -= &pulled.column(c);
                }
                compress.push(cj);
                gammas.push(gamma);
            }
            z.scaled_add(eta, &step);
            normalize_columns(&mut z);
            history.push(rate_reduction(z.view(), labels, eps_sq)?);
            net.push(Layer {
                expand,
                compress,
                gammas,
            });
        }
        ensure_finite_output("ReduNet::fit", "the features", z.iter())?;
        Ok((
            ReduNet {
                layers: net,
                eta,
                lambda,
                classes: names,
            },
            Fit {
                features: z,
                history,
            },
        ))
    }
    // ANCHOR_END: fit

    /// Soft memberships $\hat\pi_j(z) = \operatorname{softmax}_j(-\lambda\|C_jz\|)$ of the
    /// columns of `z` under `layer` (`k × n`).
    ///
    /// # Errors
    /// `z` with a row count other than $d$, or not finite.
    pub fn memberships(&self, layer: &Layer, z: ArrayView2<f64>) -> Result<Array2<f64>> {
        shared::error::ensure_rows("z", z.nrows(), layer.expand.nrows())?;
        ensure_finite("z", z.iter())?;
        let mut logits = Array2::zeros((layer.compress.len(), z.ncols()));
        for (j, cj) in layer.compress.iter().enumerate() {
            let norms = cj.dot(&z).map_axis(Axis(0), |c| c.dot(&c).sqrt());
            logits.row_mut(j).assign(&(norms * -self.lambda));
        }
        Ok(shared::prob::softmax_columns(logits))
    }

    // ANCHOR: transform
    /// Runs new points (`d × n`) through every layer with soft memberships.
    ///
    /// # Errors
    /// `z` with a row count other than $d$, or not finite.
    pub fn transform(&self, z: ArrayView2<f64>) -> Result<Array2<f64>> {
        let d = self.layers.first().map_or(z.nrows(), |l| l.expand.nrows());
        shared::error::ensure_rows("z", z.nrows(), d)?;
        ensure_finite("z", z.iter())?;
        let mut z = z.to_owned();
        normalize_columns(&mut z);
        for layer in &self.layers {
            let pi = self.memberships(layer, z.view())?;
            let mut step = layer.expand.dot(&z);
            for (j, cj) in layer.compress.iter().enumerate() {
                let weight: Array1<f64> = pi.row(j).to_owned() * layer.gammas[j];
                step -= &(cj.dot(&z) * &weight.insert_axis(Axis(0)));
            }
            z.scaled_add(self.eta, &step);
            normalize_columns(&mut z);
        }
        ensure_finite_output("ReduNet::transform", "the features", z.iter())?;
        Ok(z)
    }
    // ANCHOR_END: transform

    /// The class label of each column of `z` (already transformed): the largest
    /// membership under the last layer.
    ///
    /// # Errors
    /// As [`ReduNet::memberships`]; a network without layers.
    pub fn predict(&self, z: ArrayView2<f64>) -> Result<Vec<usize>> {
        let last = self
            .layers
            .last()
            .ok_or_else(|| Error::shape("network", "at least one layer", "none"))?;
        let pi = self.memberships(last, z)?;
        Ok(pi
            .axis_iter(Axis(1))
            .map(|col| self.classes[shared::error::argmax(col.iter().copied()).0])
            .collect())
    }
}
