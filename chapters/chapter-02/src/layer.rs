//! Nonnegative sparse coding as a ReLU layer.
//!
//! For codes constrained to $z \ge 0$ the $\ell^1$ term is linear,
//! $\lambda\|z\|_1 = \lambda \mathbf 1^\top z$, so its proximal operator is a shift
//! followed by clipping at zero: $T_\tau(v) = \max(v - \tau, 0) = \operatorname{ReLU}(v - \tau)$.
//! One step of nonnegative ISTA with step $\eta$ is therefore
//! $$z^+ = \operatorname{ReLU}\big(z + \eta A^\top(x - Az) - \eta\lambda \mathbf 1\big),$$
//! a linear map, a bias and a ReLU: a layer of a neural network whose weights
//! are the dictionary. With $\eta \le 1/L$, stacking such layers is running
//! nonnegative ISTA, which converges to the same minimizer as
//! [`crate::fista_nonnegative`]. CRATE's sparsification block (chapter 5) is
//! one such layer with a learned square dictionary, warm-started at its input
//! ($z = x$) rather than at $z = 0$ as [`relu_network`] is.
//!
//! Notation: `y` holds the signals (the textbook's $X$) and `x` the codes ($Z$).

use ndarray::{Array2, ArrayView2};

use crate::lasso::nonnegative_soft_threshold;
use shared::Result;
use shared::error::{ensure_finite_output, ensure_nonnegative};

// ANCHOR: relu_layer
/// One nonnegative-ISTA step as a ReLU layer: $\operatorname{ReLU}(x + \eta A^\top(y - Ax) - \eta\lambda)$.
///
/// # Shapes
/// `a: m × n`, `y: m × N` (signals), `x: n × N` (codes); returns `n × N`.
///
/// # Errors
/// Shapes that do not match, NaN or infinity in the input, a negative or
/// non-finite `eta` or `lambda`, or an overflowing result.
pub fn relu_layer(
    a: ArrayView2<f64>,
    y: ArrayView2<f64>,
    x: ArrayView2<f64>,
    eta: f64,
    lambda: f64,
) -> Result<Array2<f64>> {
    crate::lasso::validate_triple(a, y, x, lambda)?;
    ensure_nonnegative("eta", eta)?;
    let residual = &y - &a.dot(&x);
    // T_{ηλ}(v) = max(v − ηλ, 0), NaN-preserving (a bare `max(0.0)` would turn a
    // diverged NaN into a silent 0).
    let out =
        (&x + &(a.t().dot(&residual) * eta)).mapv(|v| nonnegative_soft_threshold(v, eta * lambda));
    ensure_finite_output(
        "relu_layer",
        "the layer output (is eta <= 1/L?)",
        out.iter(),
    )?;
    Ok(out)
}
// ANCHOR_END: relu_layer

/// `layers` ReLU layers applied from $x = 0$ with step $\eta$ (nonnegative ISTA).
///
/// # Errors
/// As [`relu_layer`].
pub fn relu_network(
    a: ArrayView2<f64>,
    y: ArrayView2<f64>,
    eta: f64,
    lambda: f64,
    layers: usize,
) -> Result<Array2<f64>> {
    let mut x = Array2::zeros((a.ncols(), y.ncols()));
    for _ in 0..layers {
        x = relu_layer(a, y, x.view(), eta, lambda)?;
    }
    Ok(x)
}
