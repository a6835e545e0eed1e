//! The derivation, run without training: tokens from a union of orthogonal
//! subspaces, and layers whose codebook is the true subspaces.
//!
//! Tokens $Z \in \mathbb R^{d \times N}$: $N/K$ tokens in each of $K$ orthogonal
//! $p$-dimensional subspaces $U_k$ (Gaussian coordinates), plus isotropic noise of
//! standard deviation $\delta$. Each layer applies one compression step with the
//! true $U_{\[K\]}$, either the exact gradient step on $R^c$ or its attention
//! approximation,
//! $$Z \leftarrow Z - \kappa\nabla_Z R^c(Z \mid U_{\[K\]}), \qquad
//!   Z \leftarrow (1 - \kappa\beta)Z + \kappa\beta\sum_k U_k\,W_k\operatorname{softmax}(W_k^\top W_k),$$
//! ($W_k = U_k^\top Z$, $\beta = p/(N\varepsilon^2)$, softmax over each column), and
//! the compression $R^c = \sum_k R(U_k^\top Z, \varepsilon)$ is measured with chapter 4's
//! coding rate after every layer. A separate run applies the ISTA block with
//! $D = I$ to show its effect on sparsity.

use ndarray::{Array2, ArrayView2, Axis, concatenate};
use rand_distr::{Distribution, Normal, StandardNormal};

use shared::rng::Rng;
use shared::symmetric::log_det_and_inverse;
use shared::{Error, Result};

/// Settings of the demo.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Setup {
    /// Ambient dimension $d$.
    pub dim: usize,
    /// Subspaces $K$.
    pub subspaces: usize,
    /// Tokens per subspace.
    pub per_subspace: usize,
    /// Noise standard deviation $\delta$.
    pub noise: f64,
    /// $\varepsilon^2$ of the coding rate.
    pub eps_sq: f64,
    /// Step $\kappa$.
    pub step: f64,
    /// Layers.
    pub layers: usize,
}

/// The demo's default: $d = 32$, $K = 4$ subspaces of dimension 8, 64 tokens
/// each, $\delta = 0.3$, $\varepsilon^2 = 0.5$, 8 layers.
pub const SETUP: Setup = Setup {
    dim: 32,
    subspaces: 4,
    per_subspace: 64,
    noise: 0.3,
    eps_sq: 0.5,
    step: 2.0,
    layers: 8,
};

/// What the demo measures.
#[derive(Debug, Clone, PartialEq)]
pub struct Demo {
    /// $R^c$ before the first layer and after each, exact gradient steps.
    pub gradient: Vec<f64>,
    /// The same with the attention (MSSA) approximation.
    pub attention: Vec<f64>,
    /// Fraction of zero entries after each of `layers` ISTA blocks with $D = I$
    /// applied to the nonnegative part of the tokens (input first).
    pub zeros: Vec<f64>,
}

/// Orthonormal bases $U_1, \dots, U_K$: consecutive blocks of a random orthogonal matrix.
pub fn subspaces(setup: &Setup, rng: &mut Rng) -> Result<Vec<Array2<f64>>> {
    let p = setup.dim / setup.subspaces.max(1);
    if setup.subspaces == 0 || p == 0 || !setup.dim.is_multiple_of(setup.subspaces) {
        return Err(Error::out_of_range(
            "subspaces",
            format!("a divisor of dim = {} below it", setup.dim),
            setup.subspaces,
        ));
    }
    let mut q = shared::rng::gaussian_matrix(rng, setup.dim, setup.dim);
    shared::linalg::orthonormalize_columns(&mut q);
    Ok((0..setup.subspaces)
        .map(|k| q.slice(ndarray::s![.., k * p..(k + 1) * p]).to_owned())
        .collect())
}

/// Tokens (`d × N`) on the subspaces plus noise.
pub fn tokens(setup: &Setup, bases: &[Array2<f64>], rng: &mut Rng) -> Result<Array2<f64>> {
    let noise = Normal::new(0.0, setup.noise)
        .map_err(|_| Error::out_of_range("noise", "finite and >= 0", setup.noise))?;
    let blocks: Vec<Array2<f64>> = bases
        .iter()
        .map(|u| {
            let coords = Array2::from_shape_simple_fn((u.ncols(), setup.per_subspace), || {
                StandardNormal.sample(rng)
            });
            u.dot(&coords)
        })
        .collect();
    let views: Vec<ArrayView2<f64>> = blocks.iter().map(|b| b.view()).collect();
    let z = concatenate(Axis(1), &views)
        .map_err(|e| Error::shape("tokens", "equal heights", e.to_string()))?;
    Ok(&z + &Array2::from_shape_simple_fn(z.raw_dim(), || noise.sample(rng)))
}

/// $R^c(Z \mid U_{\[K\]}) = \sum_k R(U_k^\top Z, \varepsilon)$ by chapter 4's coding rate.
///
/// # Errors
/// As [`chapter_04::coding_rate`].
pub fn compression(z: ArrayView2<f64>, bases: &[Array2<f64>], eps_sq: f64) -> Result<f64> {
    bases
        .iter()
        .map(|u| chapter_04::coding_rate(u.t().dot(&z).view(), eps_sq))
        .sum()
}

/// $\nabla_Z R^c = \sum_k U_k\,\beta(I + \beta W_kW_k^\top)^{-1}W_k$, $W_k = U_k^\top Z$.
///
/// # Errors
/// A numerical failure of the inverse.
pub fn compression_gradient(
    z: ArrayView2<f64>,
    bases: &[Array2<f64>],
    eps_sq: f64,
) -> Result<Array2<f64>> {
    let mut grad = Array2::zeros(z.raw_dim());
    for u in bases {
        let w = u.t().dot(&z);
        let beta = w.nrows() as f64 / (w.ncols() as f64 * eps_sq);
        let mut a = w.dot(&w.t()) * beta;
        a.diag_mut().iter_mut().for_each(|v| *v += 1.0);
        let (_, inv) = log_det_and_inverse("I + beta W W^T", a.view())?;
        grad += &u.dot(&(inv.dot(&w) * beta));
    }
    Ok(grad)
}

/// $\sum_k U_k W_k \operatorname{softmax}(W_k^\top W_k)$, softmax over each column.
fn mssa(z: ArrayView2<f64>, bases: &[Array2<f64>]) -> Array2<f64> {
    let mut out = Array2::zeros(z.raw_dim());
    for u in bases {
        let w = u.t().dot(&z);
        let attention = shared::prob::softmax_columns(w.t().dot(&w));
        out += &u.dot(&w.dot(&attention));
    }
    out
}

/// Runs the demo.
///
/// # Errors
/// Bad settings or a numerical failure.
pub fn run(setup: &Setup, rng: &mut Rng) -> Result<Demo> {
    let bases = subspaces(setup, rng)?;
    let z0 = tokens(setup, &bases, rng)?;
    let beta = (setup.dim / setup.subspaces) as f64 / (z0.ncols() as f64 * setup.eps_sq);
    let (mut zg, mut za) = (z0.clone(), z0.clone());
    let mut gradient = vec![compression(zg.view(), &bases, setup.eps_sq)?];
    let mut attention = gradient.clone();
    for _ in 0..setup.layers {
        zg = &zg - &(compression_gradient(zg.view(), &bases, setup.eps_sq)? * setup.step);
        gradient.push(compression(zg.view(), &bases, setup.eps_sq)?);
        let kb = setup.step * beta;
        za = &za * (1.0 - kb) + &(mssa(za.view(), &bases) * kb);
        attention.push(compression(za.view(), &bases, setup.eps_sq)?);
    }
    // ISTA with D = I: ReLU(z - eta*lambda) per layer, from the nonnegative part.
    let mut y = z0.mapv(|v| v.max(0.0));
    let fraction =
        |y: &Array2<f64>| y.iter().filter(|&&v| v == 0.0).count() as f64 / y.len() as f64;
    let mut zeros = vec![fraction(&y)];
    for _ in 0..setup.layers {
        let shift = crate::config::Preset::Digits.config();
        y.mapv_inplace(|v| (v - shift.eta * shift.lambda).max(0.0));
        zeros.push(fraction(&y));
    }
    for (name, v) in [("gradient", &gradient), ("attention", &attention)] {
        if v.iter().any(|x| !x.is_finite()) {
            return Err(Error::NumericalFailure {
                algorithm: "CRATE theory demo",
                detail: format!("R^c of the {name} steps is not finite"),
            });
        }
    }
    Ok(Demo {
        gradient,
        attention,
        zeros,
    })
}
