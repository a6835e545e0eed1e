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

use rayon::prelude::*;
use shared::error::{ensure_finite, ensure_finite_output};
use shared::symmetric::{log_det_and_inverse, log_det_spd};
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

/// The rates of a set of features.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rates {
    /// $R$, nats.
    pub r: f64,
    /// $R_c$, nats.
    pub rc: f64,
}

impl Rates {
    /// $\Delta R = R - R_c$.
    pub fn delta(&self) -> f64 {
        self.r - self.rc
    }
}

/// The smaller Gram matrix of a block $W$ (`d × n`): $WW^\top$ (`d × d`) when
/// $d \le n$, else $W^\top W$ (`n × n`). The two sides of the Sylvester
/// identity $\log\det(I_d + cWW^\top) = \log\det(I_n + cW^\top W)$.
enum Gram {
    /// $WW^\top$.
    Features(Array2<f64>),
    /// $W^\top W$.
    Samples(Array2<f64>),
}

impl Gram {
    fn of(w: ArrayView2<f64>) -> Self {
        if w.nrows() <= w.ncols() {
            Gram::Features(w.dot(&w.t()))
        } else {
            Gram::Samples(w.t().dot(&w))
        }
    }
}

/// $c(I + cWW^\top)^{-1}$ (applied on the left of $W$) or, on the samples' side,
/// $c(I + cW^\top W)^{-1}$ (applied on the right: $W(I + cW^\top W)^{-1} = (I + cWW^\top)^{-1}W$):
/// the gradient of $\frac12\log\det(I + cWW^\top)$ is this operator applied to $W$.
enum Gradient {
    Left(Array2<f64>),
    Right(Array2<f64>),
}

impl Gradient {
    fn apply(&self, w: ArrayView2<f64>) -> Array2<f64> {
        match self {
            Gradient::Left(op) => op.dot(&w),
            Gradient::Right(op) => w.dot(op),
        }
    }
}

impl Gram {
    /// $I + c\,\mathrm{gram}$ and its name for error messages.
    fn shifted(&self, c: f64) -> (Array2<f64>, &'static str) {
        let (g, name) = match self {
            Gram::Features(g) => (g, "I + c Z Z^T"),
            Gram::Samples(g) => (g, "I + c Z^T Z"),
        };
        let mut a = g * c;
        a.diag_mut().iter_mut().for_each(|v| *v += 1.0);
        (a, name)
    }

    /// $\frac12\log\det(I + c\,\mathrm{gram})$ by Cholesky.
    fn half_log_det(&self, c: f64) -> Result<f64> {
        let (a, name) = self.shifted(c);
        Ok(0.5 * log_det_spd(name, a.view())?)
    }

    /// $\frac12\log\det(I + c\,\mathrm{gram})$ and the gradient operator, from
    /// one Cholesky factorization.
    fn half_log_det_and_gradient(&self, c: f64) -> Result<(f64, Gradient)> {
        let (a, name) = self.shifted(c);
        let (log_det, inv) = log_det_and_inverse(name, a.view())?;
        let op = inv * c;
        let gradient = match self {
            Gram::Features(_) => Gradient::Left(op),
            Gram::Samples(_) => Gradient::Right(op),
        };
        Ok((0.5 * log_det, gradient))
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

/// The columns `idx` of `z`, copied row by row (each row of `z` is
/// contiguous, so the reads stay in cache; `select` along columns does not).
fn gather_columns(z: ArrayView2<f64>, idx: &[usize]) -> Array2<f64> {
    let mut out = Array2::zeros((z.nrows(), idx.len()));
    for (mut out_row, z_row) in out.rows_mut().into_iter().zip(z.rows()) {
        for (o, &i) in out_row.iter_mut().zip(idx) {
            *o = z_row[i];
        }
    }
    out
}

/// Writes the columns of `piece` into the columns `idx` of `out`, row by row.
fn scatter_columns(piece: ArrayView2<f64>, idx: &[usize], out: &mut Array2<f64>) {
    for (p_row, mut out_row) in piece.rows().into_iter().zip(out.rows_mut()) {
        for (&v, &i) in p_row.iter().zip(idx) {
            out_row[i] = v;
        }
    }
}

/// One class: its column indices, its columns $Z_j$, their Gram matrix,
/// $\gamma_j = m_j/m$ and $\alpha_j = d/(m_j\varepsilon^2)$.
struct Class {
    idx: Vec<usize>,
    z: Array2<f64>,
    gram: Gram,
    gamma: f64,
    alpha: f64,
}

/// Everything the rates and the gradient share: the classes with their Gram
/// matrices (computed in parallel) and the whole Gram matrix, which is
/// $\sum_j Z_jZ_j^\top$ when every side is the features' side (no second pass
/// over $Z$).
struct Prepared {
    classes: Vec<Class>,
    gram: Gram,
    alpha: f64,
}

impl Prepared {
    fn new(z: ArrayView2<f64>, labels: &[usize], eps_sq: f64) -> Result<Self> {
        validate(z, eps_sq)?;
        validate_labels(z, labels)?;
        let (d, m) = z.dim();
        let classes: Vec<Class> = class_indices(labels)
            .into_par_iter()
            .map(|(_, idx)| {
                let zj = gather_columns(z, &idx);
                let mj = idx.len() as f64;
                Class {
                    gram: Gram::of(zj.view()),
                    gamma: mj / m as f64,
                    alpha: d as f64 / (mj * eps_sq),
                    idx,
                    z: zj,
                }
            })
            .collect();
        let class_grams: Option<Vec<&Array2<f64>>> = classes
            .iter()
            .map(|c| match &c.gram {
                Gram::Features(g) => Some(g),
                Gram::Samples(_) => None,
            })
            .collect();
        let gram = match class_grams {
            Some(grams) if d <= m => {
                Gram::Features(grams.into_iter().fold(Array2::zeros((d, d)), |s, g| s + g))
            }
            _ => Gram::of(z),
        };
        Ok(Prepared {
            classes,
            gram,
            alpha: d as f64 / (m as f64 * eps_sq),
        })
    }

    /// `f` on the whole Gram matrix and on each class's, the $k + 1$
    /// factorizations in parallel.
    fn factorize<T: Send>(
        &self,
        f: impl Fn(&Gram, f64) -> Result<T> + Sync,
    ) -> Result<(T, Vec<T>)> {
        let (global, classes) = rayon::join(
            || f(&self.gram, self.alpha),
            || {
                self.classes
                    .par_iter()
                    .map(|c| f(&c.gram, c.alpha))
                    .collect::<Result<Vec<T>>>()
            },
        );
        Ok((global?, classes?))
    }

    fn rates(&self, global: f64, classes: impl Iterator<Item = f64>) -> Rates {
        Rates {
            r: global,
            rc: self
                .classes
                .iter()
                .zip(classes)
                .map(|(c, h)| c.gamma * h)
                .sum(),
        }
    }
}

/// $R$ and $R_c$ together (the whole Gram matrix summed from the classes').
///
/// # Errors
/// As [`class_coding_rate`].
pub fn rates(z: ArrayView2<f64>, labels: &[usize], eps_sq: f64) -> Result<Rates> {
    let prepared = Prepared::new(z, labels, eps_sq)?;
    let (global, classes) = prepared.factorize(Gram::half_log_det)?;
    Ok(prepared.rates(global, classes.into_iter()))
}

/// $R$, $R_c$ and $\partial\Delta R/\partial Z$ from the same factorizations;
/// each class's gradient columns come from one product $(E - \gamma_j C_j)Z_j$
/// when both operators act on the features' side.
fn evaluate_with_grad(
    z: ArrayView2<f64>,
    labels: &[usize],
    eps_sq: f64,
) -> Result<(Rates, Array2<f64>)> {
    let prepared = Prepared::new(z, labels, eps_sq)?;
    let ((r, expand), classes) = prepared.factorize(Gram::half_log_det_and_gradient)?;
    let rates = prepared.rates(r, classes.iter().map(|(h, _)| *h));
    let pieces: Vec<Array2<f64>> = prepared
        .classes
        .par_iter()
        .zip(&classes)
        .map(|(class, (_, compress))| class_gradient(z, class, &expand, compress))
        .collect();
    let mut grad = Array2::zeros(z.raw_dim());
    for (class, piece) in prepared.classes.iter().zip(pieces) {
        scatter_columns(piece.view(), &class.idx, &mut grad);
    }
    ensure_finite_output("rate_reduction_grad", "the gradient", grad.iter())?;
    Ok((rates, grad))
}

// ANCHOR: class_gradient
/// The gradient columns of one class, $EZ_j - \gamma_j C_j Z_j$.
fn class_gradient(
    z: ArrayView2<f64>,
    class: &Class,
    expand: &Gradient,
    compress: &Gradient,
) -> Array2<f64> {
    // BEGIN SOLUTION 4.2: the gradient of the rate reduction
    match (expand, compress) {
        (Gradient::Left(e), Gradient::Left(c)) => (e - &(c * class.gamma)).dot(&class.z),
        _ => {
            let expand = match expand {
                Gradient::Left(e) => e.dot(&class.z),
                // Z (I + αZᵀZ)⁻¹, class j's columns.
                Gradient::Right(e) => z.dot(&e.select(Axis(1), &class.idx)),
            };
            expand - compress.apply(class.z.view()) * class.gamma
        }
    }
    // END SOLUTION
}
// ANCHOR_END: class_gradient

// ANCHOR: coding_rate
/// $R(Z, \varepsilon) = \frac12\log\det(I + \frac{d}{m\varepsilon^2}ZZ^\top)$ in nats.
///
/// # Errors
/// `z` empty or not finite; `eps_sq` not finite or $\le 0$.
pub fn coding_rate(z: ArrayView2<f64>, eps_sq: f64) -> Result<f64> {
    validate(z, eps_sq)?;
    // BEGIN SOLUTION 4.1: the coding rate
    let (d, m) = z.dim();
    Gram::of(z).half_log_det(d as f64 / (m as f64 * eps_sq))
    // END SOLUTION
}
// ANCHOR_END: coding_rate

/// $R_c = \sum_j \frac{m_j}{2m}\log\det(I + \frac{d}{m_j\varepsilon^2}Z_jZ_j^\top)$ in nats
/// (an empty class contributes 0).
///
/// # Errors
/// As [`coding_rate`]; `labels` not of length $m$.
pub fn class_coding_rate(z: ArrayView2<f64>, labels: &[usize], eps_sq: f64) -> Result<f64> {
    Ok(rates(z, labels, eps_sq)?.rc)
}

/// $\Delta R = R - R_c$ in nats ($\ge 0$).
///
/// # Errors
/// As [`class_coding_rate`].
pub fn rate_reduction(z: ArrayView2<f64>, labels: &[usize], eps_sq: f64) -> Result<f64> {
    Ok(rates(z, labels, eps_sq)?.delta())
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
    Ok(evaluate_with_grad(z, labels, eps_sq)?.1)
}
// ANCHOR_END: rate_reduction_grad

/// $R$, $R_c$ and $\partial\Delta R/\partial Z$ from one pass: what
/// [`rate_reduction`] and [`rate_reduction_grad`] give, for the price of the
/// gradient alone (the log-determinants come with its Cholesky factors).
///
/// # Errors
/// As [`rate_reduction_grad`].
pub fn rates_with_grad(
    z: ArrayView2<f64>,
    labels: &[usize],
    eps_sq: f64,
) -> Result<(Rates, Array2<f64>)> {
    evaluate_with_grad(z, labels, eps_sq)
}

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
