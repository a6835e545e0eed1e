//! Coding rates and the rate reduction.
//!
//! Features $Z = [z_1, \dots, z_m] \in \mathbb R^{d \times m}$ (samples as columns)
//! coded up to mean squared distortion $\varepsilon^2$ need about
//! $$R(Z, \varepsilon) = \tfrac12 \log\det\big(I_d + \alpha Z Z^\top\big), \qquad \alpha = \frac{d}{m\varepsilon^2},$$
//! nats per sample: the mutual information between a Gaussian sample with
//! covariance $ZZ^\top/m$ and its copy in chapter 3's noise model (Gaussian
//! noise of variance $\varepsilon^2/d$ per coordinate), the rate of that
//! test channel: within $\frac d2\ln 2$ above the Gaussian rate–distortion
//! function at distortion $\varepsilon^2$. Coding each class $j$ (its $m_j$ columns $Z_j$)
//! separately costs
//! $$R_c(Z, \varepsilon \mid \Pi) = \sum_j \frac{m_j}{2m} \log\det\big(I_d + \alpha_j Z_j Z_j^\top\big), \qquad \alpha_j = \frac{d}{m_j\varepsilon^2},$$
//! and the rate reduction $\Delta R = R - R_c \ge 0$ is what knowing the classes saves.
//!
//! Conventions: natural log (nats; divide by $\ln 2$ for bits); `eps_sq` is
//! $\varepsilon^2$, as the official code's `eps` is. Each log-determinant uses
//! the smaller side of the Sylvester identity
//! $\log\det(I_d + cZZ^\top) = \log\det(I_m + cZ^\top Z)$ and a Cholesky factor.
//!
//! Gradients (textbook Ch. 4 §4.1, ReduNet): with
//! $E = \alpha(I + \alpha ZZ^\top)^{-1}$ and $C_j = \alpha_j(I + \alpha_j Z_j Z_j^\top)^{-1}$,
//! $\partial R/\partial Z = EZ$ and $\partial R_c/\partial Z_j = \gamma_j C_j Z_j$, $\gamma_j = m_j/m$.
//!
//! Labels are class names: any `usize` values, grouped as they occur. A class
//! no column carries (an empty class, $m_j = 0$) contributes nothing to $R_c$
//! or its gradient.
//!
//! The noise model is chapter 3's variance-exploding process
//! ([`chapter_03::Process::VarianceExploding`]) at $\sigma^2 = \varepsilon^2/d$.

use ndarray::{Array2, ArrayView2, Axis};

use shared::error::{ensure_finite, ensure_finite_output};
use shared::symmetric::log_det_and_inverse;
use shared::{Error, Result};

/// Checks `z` (non-empty, finite) and `eps_sq` (finite, $> 0$).
fn validate(z: ArrayView2<f64>, eps_sq: f64) -> Result<()> {
    if z.is_empty() {
        return Err(Error::shape(
            "z",
            "a non-empty d × m matrix",
            format!("{:?}", z.dim()),
        ));
    }
    ensure_finite("z", z.iter())?;
    if !(eps_sq.is_finite() && eps_sq > 0.0) {
        return Err(Error::out_of_range("eps_sq", "finite and > 0", eps_sq));
    }
    Ok(())
}

/// Checks `labels` against `z`: one label per column.
fn validate_labels(z: ArrayView2<f64>, labels: &[usize]) -> Result<()> {
    if labels.len() != z.ncols() {
        return Err(Error::shape(
            "labels",
            format!("{} labels (one per column of z)", z.ncols()),
            format!("{}", labels.len()),
        ));
    }
    Ok(())
}

/// $\frac12\log\det(I + cZZ^\top)$ and, when `want_grad`, $c(I + cZZ^\top)^{-1}Z$
/// (its gradient), each through the smaller side of the Sylvester identity.
pub(crate) fn half_log_det(
    z: ArrayView2<f64>,
    c: f64,
    want_grad: bool,
) -> Result<(f64, Option<Array2<f64>>)> {
    let (d, m) = z.dim();
    let identity_plus = |gram: Array2<f64>| {
        let mut a = gram * c;
        for i in 0..a.nrows() {
            a[[i, i]] += 1.0;
        }
        a
    };
    if d <= m {
        let (log_det, inv) =
            log_det_and_inverse("I + c Z Z^T", identity_plus(z.dot(&z.t())).view())?;
        Ok((0.5 * log_det, want_grad.then(|| inv.dot(&z) * c)))
    } else {
        // Z (I + c ZᵀZ)⁻¹ = (I + c ZZᵀ)⁻¹ Z.
        let (log_det, inv) =
            log_det_and_inverse("I + c Z^T Z", identity_plus(z.t().dot(&z)).view())?;
        Ok((0.5 * log_det, want_grad.then(|| z.dot(&inv) * c)))
    }
}

/// The classes present in `labels`, in increasing label order: each label
/// value with the indices of its columns. Label values are names, not
/// positions, so a large or sparse value costs nothing and an absent class
/// simply does not appear.
pub fn class_indices(labels: &[usize]) -> Vec<(usize, Vec<usize>)> {
    let mut groups: std::collections::BTreeMap<usize, Vec<usize>> =
        std::collections::BTreeMap::new();
    for (i, &l) in labels.iter().enumerate() {
        groups.entry(l).or_default().push(i);
    }
    groups.into_iter().collect()
}

/// The columns of `z` of each class present, with their indices.
fn split_classes(z: ArrayView2<f64>, labels: &[usize]) -> Vec<(Vec<usize>, Array2<f64>)> {
    class_indices(labels)
        .into_iter()
        .map(|(_, idx)| {
            let zj = z.select(Axis(1), &idx);
            (idx, zj)
        })
        .collect()
}

// ANCHOR: coding_rate
/// $R(Z, \varepsilon) = \frac12\log\det(I + \frac{d}{m\varepsilon^2}ZZ^\top)$ in nats.
///
/// # Errors
/// `z` empty or not finite; `eps_sq` not finite or $\le 0$.
pub fn coding_rate(z: ArrayView2<f64>, eps_sq: f64) -> Result<f64> {
    validate(z, eps_sq)?;
    let (d, m) = z.dim();
    let (rate, _) = half_log_det(z, d as f64 / (m as f64 * eps_sq), false)?;
    Ok(rate)
}
// ANCHOR_END: coding_rate

/// $R_c = \sum_j \frac{m_j}{2m}\log\det(I + \frac{d}{m_j\varepsilon^2}Z_jZ_j^\top)$ in nats
/// (an empty class contributes 0).
///
/// # Errors
/// As [`coding_rate`]; `labels` not of length $m$.
pub fn class_coding_rate(z: ArrayView2<f64>, labels: &[usize], eps_sq: f64) -> Result<f64> {
    validate(z, eps_sq)?;
    validate_labels(z, labels)?;
    let (d, m) = z.dim();
    let mut total = 0.0;
    for (idx, zj) in split_classes(z, labels) {
        if idx.is_empty() {
            continue;
        }
        let mj = idx.len() as f64;
        let (half, _) = half_log_det(zj.view(), d as f64 / (mj * eps_sq), false)?;
        total += mj / m as f64 * half;
    }
    Ok(total)
}

/// $\Delta R = R - R_c$ in nats ($\ge 0$).
///
/// # Errors
/// As [`class_coding_rate`].
pub fn rate_reduction(z: ArrayView2<f64>, labels: &[usize], eps_sq: f64) -> Result<f64> {
    Ok(coding_rate(z, eps_sq)? - class_coding_rate(z, labels, eps_sq)?)
}

// ANCHOR: rate_reduction_grad
/// $\partial \Delta R/\partial Z = EZ - [\gamma_j C_j Z_j]_j$ (same shape as `z`):
/// the expansion term pushes all features apart, the compression term pulls
/// each class together.
///
/// # Errors
/// As [`class_coding_rate`]; a result that overflows.
pub fn rate_reduction_grad(
    z: ArrayView2<f64>,
    labels: &[usize],
    eps_sq: f64,
) -> Result<Array2<f64>> {
    validate(z, eps_sq)?;
    validate_labels(z, labels)?;
    let (d, m) = z.dim();
    let alpha = d as f64 / (m as f64 * eps_sq);
    let (_, expand) = half_log_det(z, alpha, true)?;
    let mut grad = expand.unwrap_or_else(|| Array2::zeros(z.raw_dim()));
    for (idx, zj) in split_classes(z, labels) {
        if idx.is_empty() {
            continue;
        }
        let mj = idx.len() as f64;
        let (_, compress) = half_log_det(zj.view(), d as f64 / (mj * eps_sq), true)?;
        let compress = compress.unwrap_or_else(|| Array2::zeros(zj.raw_dim())) * (mj / m as f64);
        for (c, &i) in idx.iter().enumerate() {
            let mut col = grad.column_mut(i);
            col -= &compress.column(c);
        }
    }
    ensure_finite_output("rate_reduction_grad", "the gradient", grad.iter())?;
    Ok(grad)
}
// ANCHOR_END: rate_reduction_grad

/// Nats to bits.
pub fn bits(nats: f64) -> f64 {
    nats / std::f64::consts::LN_2
}

/// Scales every column of `z` to unit length (a zero column stays zero).
pub fn normalize_columns(z: &mut Array2<f64>) {
    for mut col in z.columns_mut() {
        let norm = col.dot(&col).sqrt();
        if norm > 0.0 {
            col /= norm;
        }
    }
}
