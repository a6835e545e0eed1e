//! Coding rates of Burn tensors, with gradients: the currency of the game.
//!
//! Features are rows here (`[samples, d]`, Burn's layout); the book's
//! $Z \in \mathbb R^{d \times m}$ has them as columns, so its $ZZ^\top$ is our
//! $Z^\top Z$ (`d × d`). For a set of $m$ features
//! $$R(Z) = \tfrac12 \log\det\big(I + \tfrac{d}{m\varepsilon^2} Z^\top Z\big),$$
//! chapter 4's definition (textbook Ch. 3 §3.4), which [`chapter_04::coding_rate`]
//! computes in f64 and the tests hold these values and gradients to.
//!
//! Burn 0.21 has no Cholesky, and `det` overflows f32 for these matrices,
//! so [`log_det`] factors on the host in f64 and feeds the gradient back
//! through a surrogate: $\partial \log\det M / \partial M = M^{-\top}$, so
//! $s(M) = \langle M, \operatorname{sg}(M^{-\top})\rangle$ has the right gradient,
//! and $\log\det M + s(M) - \operatorname{sg}(s(M))$ has the right value too.

use burn::prelude::*;
use ndarray::Array2;

use shared::burn::tensor::to_host;
use shared::symmetric::log_det_and_inverse;
use shared::{Error, Result};

// ANCHOR: log_det
/// $\log\det M_i$ of a batch of symmetric positive definite matrices
/// `m: [k, d, d]` → `[k]`, differentiable in `m` (gradient $M_i^{-\top}$).
/// One host round trip for the whole batch; the factorization is f64.
///
/// # Errors
/// [`Error::Shape`] if the matrices are not square or empty;
/// [`Error::NumericalFailure`] if an entry is not finite or a matrix is not
/// positive definite.
pub fn log_det<B: Backend>(m: Tensor<B, 3>) -> Result<Tensor<B, 1>> {
    let [k, d, e] = m.dims();
    if k == 0 || d == 0 || d != e {
        return Err(Error::shape(
            "log_det input",
            "a non-empty batch of square matrices [k, d, d]",
            format!("{:?}", m.dims()),
        ));
    }
    let device = m.device();
    let host = to_host(m.clone(), "log det")?;
    let (mut values, mut inverses_t) = (Vec::with_capacity(k), Vec::with_capacity(k * d * d));
    for block in host.chunks(d * d) {
        // Symmetrize: f32 Gram matrices are symmetric only to rounding.
        let a = Array2::from_shape_fn((d, d), |(r, c)| {
            0.5 * (f64::from(block[r * d + c]) + f64::from(block[c * d + r]))
        });
        let (value, inverse) = log_det_and_inverse("a log_det matrix", a.view())?;
        values.push(value as f32);
        inverses_t.extend(inverse.t().iter().map(|&v| v as f32));
    }
    let inverse_t = Tensor::<B, 3>::from_data(TensorData::new(inverses_t, [k, d, d]), &device);
    let value = Tensor::<B, 1>::from_data(TensorData::new(values, [k]), &device);
    let surrogate = (m * inverse_t).sum_dim(2).sum_dim(1).reshape([k]);
    Ok(surrogate.clone() - surrogate.detach() + value)
}
// ANCHOR_END: log_det

// ANCHOR: coding_rates
/// $R(Z_i)$ of several feature sets (each `[m_i, d]`, the same $d$), from one
/// batched [`log_det`] of the `d × d` matrices $I + \frac{d}{m_i\varepsilon^2}Z_i^\top Z_i$.
///
/// # Errors
/// No set, an empty set, sets of different widths, `eps_sq` not finite and
/// positive, or as [`log_det`].
pub fn coding_rates<B: Backend>(sets: &[Tensor<B, 2>], eps_sq: f64) -> Result<Tensor<B, 1>> {
    if !(eps_sq.is_finite() && eps_sq > 0.0) {
        return Err(Error::out_of_range("eps_sq", "finite and > 0", eps_sq));
    }
    let d = sets.first().map_or(0, |z| z.dims()[1]);
    if d == 0 || sets.iter().any(|z| z.dims()[0] == 0 || z.dims()[1] != d) {
        return Err(Error::shape(
            "feature sets",
            "at least one non-empty set, all of the same width",
            format!("{:?}", sets.iter().map(|z| z.dims()).collect::<Vec<_>>()),
        ));
    }
    // BEGIN SOLUTION 6.1: the coding rate on the device
    let device = sets[0].device();
    let grams: Vec<Tensor<B, 3>> = sets
        .iter()
        .map(|z| {
            let alpha = d as f64 / (z.dims()[0] as f64 * eps_sq);
            let gram = z.clone().transpose().matmul(z.clone()).mul_scalar(alpha);
            (Tensor::eye(d, &device) + gram).unsqueeze::<3>()
        })
        .collect();
    Ok(log_det(Tensor::cat(grams, 0))?.mul_scalar(0.5))
    // END SOLUTION
}
// ANCHOR_END: coding_rates

/// $R(Z)$ of one set of features `z: [m, d]`, a one-element tensor.
///
/// # Errors
/// As [`coding_rates`].
pub fn coding_rate<B: Backend>(z: Tensor<B, 2>, eps_sq: f64) -> Result<Tensor<B, 1>> {
    coding_rates(&[z], eps_sq)
}
