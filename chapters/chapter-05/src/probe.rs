//! The white-box measurements: does each layer compress and sparsify?
//!
//! Compression is measured as the official repository measures it: at each
//! layer, the tokens' coordinates in each head's subspace, $W_k = \operatorname{LN}(Z^\ell)U_k$
//! (`N × p`, what `qkv` outputs), each token scaled to unit length within the
//! head, coded at distortion $\varepsilon^2 = 0.01$:
//! $$R^c(Z^\ell \mid U_{\[K\]}) = \sum_k \tfrac12\log\det\Big(I + \frac{p}{N\varepsilon^2} W_k^\top W_k\Big),$$
//! averaged over images. Each term is chapter 4's coding rate $R(W_k^\top, \varepsilon)$ of the
//! `p × N` matrix $W_k^\top$ (the tests check it against `chapter_04::coding_rate`).
//! Here the Gram matrices are formed on the device, the log-determinants on
//! the host in f64 (Cholesky, the smaller side of the Sylvester identity).
//!
//! Sparsity is the fraction of exact zeros in each layer's ISTA output $Z^{\ell+1}$.

use burn::prelude::*;

use crate::model::Crate;
use shared::symmetric::log_det_spd;
use shared::{Error, Result};

/// The official probe's `eps` (it plays the role of $\varepsilon^2$).
pub const PROBE_EPS_SQ: f64 = 0.01;

/// One layer's measurements on a batch of images.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LayerProbe {
    /// Mean over images of $R^c$ of the layer's input tokens (nats).
    pub compression: f64,
    /// Fraction of zero entries in the layer's ISTA output.
    pub sparsity: f64,
}

/// $R^c$ per image (summed over heads) of head coordinates `projected`
/// (`[batch, heads, tokens, dim_head]`), tokens normalized within each head.
///
/// # Errors
/// `eps_sq` not finite and positive; a non-finite coordinate; a numerical failure.
pub fn compression<B: Backend>(projected: Tensor<B, 4>, eps_sq: f64) -> Result<Vec<f64>> {
    if !(eps_sq.is_finite() && eps_sq > 0.0) {
        return Err(Error::out_of_range("eps_sq", "finite and > 0", eps_sq));
    }
    let [b, h, n, p] = projected.dims();
    let norms = projected
        .clone()
        .powi_scalar(2)
        .sum_dim(3)
        .sqrt()
        .clamp_min(1e-12);
    let w = projected / norms;
    // The smaller Gram matrix of each W_k (N × p): W Wᵀ (N × N) or Wᵀ W (p × p).
    let gram = if n <= p {
        w.clone().matmul(w.swap_dims(2, 3))
    } else {
        w.clone().swap_dims(2, 3).matmul(w)
    };
    let side = n.min(p);
    let alpha = p as f64 / (n as f64 * eps_sq);
    let values: Vec<f32> =
        gram.into_data()
            .convert::<f32>()
            .to_vec()
            .map_err(|e| Error::NumericalFailure {
                algorithm: "compression probe",
                detail: format!("{e:?}"),
            })?;
    let mut per_image = vec![0.0; b];
    for (i, g) in values.chunks(side * side).enumerate() {
        let a = ndarray::Array2::from_shape_fn((side, side), |(r, c)| {
            alpha * f64::from(g[r * side + c]) + f64::from(u8::from(r == c))
        });
        // The f32 Gram matrix is symmetric to rounding; symmetrize before Cholesky.
        let a = (&a + &a.t()) * 0.5;
        per_image[i / h] += 0.5 * log_det_spd("I + alpha W^T W", a.view())?;
    }
    Ok(per_image)
}

/// Fraction of exactly zero entries of `x`.
pub fn sparsity<B: Backend, const D: usize>(x: Tensor<B, D>) -> f64 {
    let total = x.dims().iter().product::<usize>().max(1);
    let zeros = x.equal_elem(0.0).int().sum().into_scalar().elem::<i64>();
    zeros as f64 / total as f64
}

/// [`LayerProbe`] of every layer of `model` on `images` (`[batch, channels, H, W]`).
///
/// # Errors
/// As [`compression`].
pub fn probe<B: Backend>(model: &Crate<B>, images: Tensor<B, 4>) -> Result<Vec<LayerProbe>> {
    let (_, traces) = model.forward_traced(images);
    traces
        .into_iter()
        .map(|t| {
            let rates = compression(t.projected, PROBE_EPS_SQ)?;
            Ok(LayerProbe {
                compression: rates.iter().sum::<f64>() / rates.len().max(1) as f64,
                sparsity: sparsity(t.output),
            })
        })
        .collect()
}
