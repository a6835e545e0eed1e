//! Unrolled ISTA (LISTA): a few ISTA steps turned into trainable layers.
//!
//! ISTA's step can be written $x_{k+1} = S_\theta(W y + S x_k)$ with
//! $W = A^\top/L$, $S = I - A^\top A/L$ and $\theta = \lambda/L$. Gregor and
//! LeCun (2010) keep this form, stop after $T$ steps and learn the weights so
//! that the output matches the LASSO solution. Here each layer $t$ has its own
//! $(W_t, S_t, \theta_t)$ (a threshold per coordinate), initialized to ISTA's,
//! so an untrained network is exactly $T$ steps of ISTA.
//!
//! The loss over a batch of $B$ signals is $\ell = \frac{1}{2B}\|X_T - X^\star\|_F^2$.
//! The backward pass, written out by hand, runs the layers in reverse with
//! $U_t = W_t Y + S_t X_{t-1}$ and $X_t = S_{\theta_t}(U_t)$:
//! $$\bar U_t = \bar X_t \odot \mathbb 1[|U_t| > \theta_t],\quad
//! \bar W_t = \bar U_t Y^\top,\quad \bar S_t = \bar U_t X_{t-1}^\top,\quad
//! \bar\theta_t = -\textstyle\sum_b \bar U_t \odot \operatorname{sign}(U_t),\quad
//! \bar X_{t-1} = S_t^\top \bar U_t .$$

use ndarray::{Array1, Array2, ArrayView2, Zip};

use crate::lasso::soft_threshold;
use shared::error::{
    ensure_finite, ensure_finite_output, ensure_nonnegative, ensure_rows, ensure_same_shape,
};
use shared::{Error, Result};

/// One layer's weights.
#[derive(Debug, Clone)]
pub struct Layer {
    /// `n × m`, multiplies the signal.
    pub w: Array2<f64>,
    /// `n × n`, multiplies the previous code.
    pub s: Array2<f64>,
    /// Thresholds, one per code coordinate (`n`).
    pub theta: Array1<f64>,
}

/// A LISTA network of `layers.len()` layers.
#[derive(Debug, Clone)]
pub struct Lista {
    /// The layers' weights, applied in order.
    pub layers: Vec<Layer>,
}

/// Gradients of the loss, one per layer, shaped like the weights.
pub type Gradients = Vec<Layer>;

impl Lista {
    // ANCHOR: lista_init
    /// `depth` layers initialized to ISTA on dictionary `a` with weight `lambda`
    /// and Lipschitz constant `lipschitz`.
    ///
    /// # Errors
    /// Empty or non-finite `a`; `lambda` negative or not finite; `lipschitz`
    /// not finite and positive; `depth = 0`.
    pub fn from_ista(
        a: ArrayView2<f64>,
        lambda: f64,
        lipschitz: f64,
        depth: usize,
    ) -> Result<Self> {
        validate_init(a, lambda, lipschitz, depth)?;
        let n = a.ncols();
        let layer = Layer {
            w: a.t().to_owned() / lipschitz,
            s: Array2::eye(n) - a.t().dot(&a) / lipschitz,
            theta: Array1::from_elem(n, lambda / lipschitz),
        };
        Ok(Lista {
            layers: vec![layer; depth],
        })
    }
    // ANCHOR_END: lista_init

    /// The codes $X_T$ (`n × B`) of signals `y` (`m × B`).
    ///
    /// # Errors
    /// Layers of inconsistent shapes, `y` with a row count other than the
    /// layers' `m`, non-finite `y`, or a non-finite output.
    pub fn forward(&self, y: ArrayView2<f64>) -> Result<Array2<f64>> {
        self.check_input(y)?;
        let mut codes = self.forward_all(y).0;
        let out = codes.pop().unwrap_or_default();
        ensure_finite_output("lista", "the codes", out.iter())?;
        Ok(out)
    }

    /// Checks that the layers chain (`w: n × m`, `s: n × n`, `theta: n`) and
    /// that `y` has `m` rows and finite entries.
    fn check_input(&self, y: ArrayView2<f64>) -> Result<()> {
        let Some(first) = self.layers.first() else {
            return Err(Error::out_of_range("depth", ">= 1", 0));
        };
        let (n, m) = first.w.dim();
        for layer in &self.layers {
            if layer.w.dim() != (n, m) || layer.s.dim() != (n, n) || layer.theta.len() != n {
                return Err(Error::shape(
                    "layer",
                    format!("w: {n} × {m}, s: {n} × {n}, theta: {n}"),
                    format!(
                        "w: {:?}, s: {:?}, theta: {}",
                        layer.w.dim(),
                        layer.s.dim(),
                        layer.theta.len()
                    ),
                ));
            }
        }
        ensure_rows("y", y.nrows(), m)?;
        ensure_finite("y", y.iter())
    }

    /// Checks `target` against the output shape `n × B` of signals `y` (`m × B`).
    fn check_target(&self, y: ArrayView2<f64>, target: ArrayView2<f64>) -> Result<()> {
        self.check_input(y)?;
        let n = self.layers[0].w.nrows();
        if target.dim() != (n, y.ncols()) || y.ncols() == 0 {
            return Err(Error::shape(
                "target",
                format!("{n} × {} (one code per signal, at least one)", y.ncols()),
                format!("{:?}", target.dim()),
            ));
        }
        ensure_finite("target", target.iter())
    }

    /// Codes $X_0 = 0, X_1, \dots, X_T$ and pre-activations $U_1, \dots, U_T$.
    fn forward_all(&self, y: ArrayView2<f64>) -> (Vec<Array2<f64>>, Vec<Array2<f64>>) {
        let n = self.layers.first().map_or(0, |l| l.s.nrows());
        let mut codes = vec![Array2::zeros((n, y.ncols()))];
        let mut pre = Vec::with_capacity(self.layers.len());
        for layer in &self.layers {
            let previous = &codes[codes.len() - 1];
            let u = layer.w.dot(&y) + layer.s.dot(previous);
            let mut x = u.clone();
            Zip::from(x.rows_mut())
                .and(&layer.theta)
                .for_each(|mut row, &t| {
                    row.mapv_inplace(|v| soft_threshold(v, t));
                });
            pre.push(u);
            codes.push(x);
        }
        (codes, pre)
    }

    /// The loss $\frac{1}{2B}\|X_T - X^\star\|_F^2$.
    ///
    /// # Errors
    /// As [`Lista::forward`]; `target` not `n × B`.
    pub fn loss(&self, y: ArrayView2<f64>, target: ArrayView2<f64>) -> Result<f64> {
        self.check_target(y, target)?;
        let diff = self.forward(y)? - target;
        Ok(0.5 * diff.iter().map(|d| d * d).sum::<f64>() / y.ncols() as f64)
    }

    // ANCHOR: lista_backward
    /// The loss and its gradient with respect to every weight.
    ///
    /// # Errors
    /// As [`Lista::loss`]; a non-finite loss.
    pub fn loss_and_gradients(
        &self,
        y: ArrayView2<f64>,
        target: ArrayView2<f64>,
    ) -> Result<(f64, Gradients)> {
        self.check_target(y, target)?;
        let batch = y.ncols() as f64;
        let (codes, pre) = self.forward_all(y);
        let diff = &codes[codes.len() - 1] - &target;
        let loss = 0.5 * diff.iter().map(|d| d * d).sum::<f64>() / batch;
        let mut x_bar = diff / batch;
        let mut grads = Vec::with_capacity(self.layers.len());
        for (t, layer) in self.layers.iter().enumerate().rev() {
            let u = &pre[t];
            let mut u_bar = x_bar;
            let mut theta_bar = Array1::zeros(layer.theta.len());
            Zip::from(u_bar.rows_mut())
                .and(u.rows())
                .and(&layer.theta)
                .and(&mut theta_bar)
                .for_each(|mut ub, ur, &th, tb| {
                    Zip::from(&mut ub).and(&ur).for_each(|g, &v| {
                        if v.abs() > th {
                            *tb -= *g * v.signum();
                        } else {
                            *g = 0.0;
                        }
                    });
                });
            grads.push(Layer {
                w: u_bar.dot(&y.t()),
                s: u_bar.dot(&codes[t].t()),
                theta: theta_bar,
            });
            x_bar = layer.s.t().dot(&u_bar);
        }
        grads.reverse();
        ensure_finite_output("lista", "the loss", [&loss])?;
        Ok((loss, grads))
    }
    // ANCHOR_END: lista_backward

    /// One step of plain gradient descent with learning rate `lr`.
    ///
    /// # Errors
    /// `grads` not shaped like the layers; `lr` negative or not finite.
    pub fn descend(&mut self, grads: &Gradients, lr: f64) -> Result<()> {
        ensure_nonnegative("lr", lr)?;
        let fits = |l: &Layer, g: &Layer| {
            l.w.dim() == g.w.dim() && l.s.dim() == g.s.dim() && l.theta.len() == g.theta.len()
        };
        if grads.len() != self.layers.len()
            || !self.layers.iter().zip(grads).all(|(l, g)| fits(l, g))
        {
            return Err(Error::shape(
                "grads",
                "one gradient per layer, shaped like it",
                "other shapes",
            ));
        }
        for (layer, g) in self.layers.iter_mut().zip(grads) {
            layer.w.scaled_add(-lr, &g.w);
            layer.s.scaled_add(-lr, &g.s);
            layer.theta.scaled_add(-lr, &g.theta);
        }
        let weights = self
            .layers
            .iter()
            .flat_map(|l| l.w.iter().chain(&l.s).chain(&l.theta));
        ensure_finite_output(
            "lista",
            "the weights (is the learning rate too large?)",
            weights,
        )?;
        Ok(())
    }
}

fn validate_init(a: ArrayView2<f64>, lambda: f64, lipschitz: f64, depth: usize) -> Result<()> {
    if a.is_empty() {
        return Err(Error::shape(
            "a",
            "a non-empty m × n matrix",
            format!("{:?}", a.dim()),
        ));
    }
    ensure_finite("a", a.iter())?;
    ensure_nonnegative("lambda", lambda)?;
    if !(lipschitz.is_finite() && lipschitz > 0.0) {
        return Err(Error::out_of_range(
            "lipschitz",
            "finite and > 0",
            lipschitz,
        ));
    }
    if depth == 0 {
        return Err(Error::out_of_range("depth", ">= 1", depth));
    }
    Ok(())
}

/// Trains `net` by full-batch gradient descent for `steps` steps; returns the loss before each step.
///
/// # Errors
/// As [`Lista::loss_and_gradients`] and [`Lista::descend`]; a loss that
/// becomes non-finite (the learning rate is too large).
pub fn train(
    net: &mut Lista,
    y: ArrayView2<f64>,
    target: ArrayView2<f64>,
    lr: f64,
    steps: usize,
) -> Result<Vec<f64>> {
    let mut losses = Vec::with_capacity(steps);
    for _ in 0..steps {
        let (loss, grads) = net.loss_and_gradients(y, target)?;
        losses.push(loss);
        net.descend(&grads, lr)?;
    }
    Ok(losses)
}

/// Normalized error $\|X - X^\star\|_F^2 / \|X^\star\|_F^2$.
///
/// # Errors
/// Different shapes, non-finite entries, or an all-zero `target`.
pub fn relative_error(x: ArrayView2<f64>, target: ArrayView2<f64>) -> Result<f64> {
    ensure_same_shape("x", x.dim(), target.dim())?;
    ensure_finite("x", x.iter())?;
    ensure_finite("target", target.iter())?;
    let num: f64 = Zip::from(x)
        .and(target)
        .fold(0.0, |acc, a, b| acc + (a - b) * (a - b));
    let den = target.iter().map(|v| v * v).sum::<f64>();
    if den == 0.0 {
        return Err(Error::out_of_range("target", "not all zero", "all zeros"));
    }
    ensure_finite_output("relative_error", "‖target‖²", [&den])?;
    let error = num / den;
    ensure_finite_output("relative_error", "the squared norms", [&error])?;
    Ok(error)
}

/// Sum of squares of a layer list (to test gradient directions).
pub fn squared_norm(grads: &Gradients) -> f64 {
    grads
        .iter()
        .map(|g| {
            g.w.iter()
                .chain(g.s.iter())
                .chain(g.theta.iter())
                .map(|v| v * v)
                .sum::<f64>()
        })
        .sum()
}
