//! Closed-form rate reductions of two arrangements of $k$ equal classes.
//!
//! Take $m$ unit-norm features in $\mathbb R^d$, $k$ classes of $m/k$ each.
//!
//! - **Collapsed**: every feature of class $j$ equals the basis vector $e_j$.
//!   Then $ZZ^\top = \frac mk \sum_j e_je_j^\top$ and each $Z_jZ_j^\top = \frac mk e_je_j^\top$, so
//!   $R = \frac k2\ln(1 + \frac{d}{k\varepsilon^2})$ and $R_c = \frac12\ln(1 + \frac{d}{\varepsilon^2})$.
//! - **Isotropic**: class $j$ owns $p = d/k$ coordinates and its features cycle
//!   through those basis vectors, so $Z_jZ_j^\top = \frac{m_j}{p}I_p$ on its block and
//!   $ZZ^\top = \frac md I_d$. Then $R = \frac d2\ln(1 + \frac1{\varepsilon^2})$ and
//!   $R_c = \frac{d}{2k}\ln(1 + \frac{k}{\varepsilon^2})$.
//!
//! Both are orthogonal across classes; the isotropic one also spreads each class
//! over all the dimensions it owns, and its $\Delta R$ is larger: the rate
//! reduction rewards diversity within classes, not only separation between them.

use ndarray::Array2;

use shared::{Error, Result};

/// The two arrangements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrangement {
    /// Each class collapsed onto its own axis.
    Collapsed,
    /// Each class spread evenly over its own $d/k$ axes.
    Isotropic,
}

/// Checks $1 \le k \le d$ and a finite $\varepsilon^2 > 0$.
fn check(d: usize, k: usize, eps_sq: f64) -> Result<()> {
    shared::cli::ensure_in_range("k", k, 1, d.max(1))?;
    if !(eps_sq.is_finite() && eps_sq > 0.0) {
        return Err(Error::out_of_range("eps_sq", "finite and > 0", eps_sq));
    }
    Ok(())
}

/// $(R, R_c)$ of an arrangement from the formulas (nats).
///
/// # Errors
/// `k` outside `1..=d`, or `eps_sq` not finite and positive.
pub fn closed_form(
    arrangement: Arrangement,
    d: usize,
    k: usize,
    eps_sq: f64,
) -> Result<(f64, f64)> {
    check(d, k, eps_sq)?;
    let (d, k) = (d as f64, k as f64);
    Ok(match arrangement {
        Arrangement::Collapsed => (
            0.5 * k * (1.0 + d / (k * eps_sq)).ln(),
            0.5 * (1.0 + d / eps_sq).ln(),
        ),
        Arrangement::Isotropic => (
            0.5 * d * (1.0 + 1.0 / eps_sq).ln(),
            0.5 * d / k * (1.0 + k / eps_sq).ln(),
        ),
    })
}

/// $\Delta R$ of $k$ classes of `per_class` unit vectors each, mutually
/// orthogonal, class $j$ spread evenly (isotropically) over its own `ranks[j]`
/// dimensions: $Z_jZ_j^\top$ has `ranks[j]` eigenvalues $m_j/p_j$, and so does
/// $ZZ^\top$ on class $j$'s block. The collapsed and isotropic arrangements are
/// the cases $p_j = 1$ and $p_j = d/k$; other rank splits are further critical
/// points of the ascent.
///
/// # Errors
/// No class, a rank of 0 or above `per_class`, ranks summing to more than
/// `d`, or `eps_sq` not finite and positive.
pub fn equal_spread_rate_reduction(
    d: usize,
    per_class: usize,
    ranks: &[usize],
    eps_sq: f64,
) -> Result<f64> {
    check(d, ranks.len(), eps_sq)?;
    if ranks.iter().any(|p| *p == 0 || *p > per_class) || ranks.iter().sum::<usize>() > d {
        return Err(Error::out_of_range(
            "ranks",
            format!("each in 1..={per_class}, summing to at most d = {d}"),
            format!("{ranks:?}"),
        ));
    }
    let m = (per_class * ranks.len()) as f64;
    let (d, mj) = (d as f64, per_class as f64);
    let alpha = d / (m * eps_sq);
    let alpha_j = d / (mj * eps_sq);
    Ok(ranks
        .iter()
        .map(|&p| {
            let p = p as f64;
            let r = 0.5 * p * (1.0 + alpha * mj / p).ln();
            let rc = mj / m * 0.5 * p * (1.0 + alpha_j * mj / p).ln();
            r - rc
        })
        .sum())
}

/// The features of an arrangement (`d × m`) and their labels, `per_class`
/// columns per class.
///
/// # Errors
/// `k > d`, `k = 0`, for the isotropic one `d` not a multiple of `k` or
/// `per_class` not a multiple of $d/k$.
pub fn features(
    arrangement: Arrangement,
    d: usize,
    k: usize,
    per_class: usize,
) -> Result<(Array2<f64>, Vec<usize>)> {
    if k == 0 || k > d || per_class == 0 {
        return Err(Error::out_of_range(
            "k",
            format!("between 1 and d = {d}, with per_class >= 1"),
            k,
        ));
    }
    let p = d / k;
    if arrangement == Arrangement::Isotropic
        && (!d.is_multiple_of(k) || !per_class.is_multiple_of(p))
    {
        return Err(Error::out_of_range(
            "d, per_class",
            format!("d a multiple of k and per_class a multiple of d/k = {p}"),
            format!("d = {d}, per_class = {per_class}"),
        ));
    }
    let m = k * per_class;
    let labels: Vec<usize> = (0..m).map(|i| i / per_class).collect();
    let z = Array2::from_shape_fn((d, m), |(row, i)| {
        let (j, within) = (i / per_class, i % per_class);
        let axis = match arrangement {
            Arrangement::Collapsed => j,
            Arrangement::Isotropic => j * p + within % p,
        };
        f64::from(u8::from(row == axis))
    });
    Ok((z, labels))
}
