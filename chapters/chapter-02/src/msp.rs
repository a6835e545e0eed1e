//! Complete dictionary learning by $\ell^4$-norm maximization over the orthogonal group.
//!
//! Model: signals $X = U_o Z$ (the textbook's $X$ for data, $Z$ for codes) with an
//! orthogonal dictionary $U_o \in O(n)$ and sparse codes $Z$
//! (Bernoulli($\theta$)–Gaussian). For an orthogonal $A$, $AX$ has the same
//! energy whatever $A$ is, but its fourth powers are largest when $AX$ is as
//! spiky (sparse) as possible, as at $A = P U_o^\top$ for a signed permutation
//! $P$ (where $AX = PZ$). So we solve
//! $$\max_{A \in O(n)} \; f(A) = \|AX\|_4^4 = \sum_{ij} (AX)_{ij}^4 .$$
//! In the code the signals are `y`, as in the rest of this crate.
//!
//! The matching-stretching-projection (MSP) algorithm of the textbook (Ch. 2,
//! complete dictionary learning; Zhai et al., 2020) is a *generalized power
//! iteration*: take the gradient $\nabla f(A) = 4 (AX)^{\circ 3} X^\top$ and
//! project it onto the orthogonal group,
//! $$A_{k+1} = \mathcal P_{O(n)}\big[(A_k X)^{\circ 3} X^\top\big], \qquad \mathcal P_{O(n)}(G) = U V^\top \text{ for } G = U\Sigma V^\top ,$$
//! the polar factor of $G$ (the orthogonal matrix nearest to $G$). Chapter 1's
//! power method is the same scheme for $f(v) = v^\top M v$ on the sphere:
//! $v \leftarrow \nabla f / \|\nabla f\|$ projects the gradient $2Mv$ onto the
//! unit sphere. Because $f$ is convex, each step cannot lower it:
//! $f(A_{k+1}) \ge f(A_k) + \langle \nabla f(A_k), A_{k+1} - A_k\rangle \ge f(A_k)$,
//! since $A_{k+1}$ maximizes the linear term over $O(n)$. Ascent guarantees a
//! critical point, not the global maximum; that MSP finds the truth from a
//! random start on this model is a landscape result (Zhai et al., 2020) we
//! check by measurement.

use nalgebra::DMatrix;
use ndarray::{Array2, ArrayView2};

use shared::error::{ensure_finite, ensure_finite_output};
use shared::linalg::random_orthonormal;
use shared::rng::Rng;
use shared::{Error, Result};

/// When MSP stops.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MspOptions {
    /// Iteration cap.
    pub max_iters: usize,
    /// Stop when $\|A_{k+1} - A_k\|_F$ falls below this.
    pub tol: f64,
}

/// The result of [`msp`].
#[derive(Debug, Clone)]
pub struct Msp {
    /// The learned orthogonal matrix $A$ (`n × n`); $A^\top$ is the dictionary estimate.
    pub rotation: Array2<f64>,
    /// $\|A_k X\|_4^4$ for $k = 0, 1, \dots$ (the start included).
    pub objective: Vec<f64>,
    /// The iterates $A_0, A_1, \dots$ (`n × n` each; the last is `rotation`).
    pub iterates: Vec<Array2<f64>>,
    /// Number of MSP steps taken.
    pub iterations: usize,
    /// Whether $\|A_{k+1} - A_k\|_F$ fell below `tol`.
    pub converged: bool,
}

/// $\mathcal P_{O(n)}(G) = UV^\top$: the orthogonal polar factor of a square `g`, by SVD.
///
/// # Errors
/// `g` not square, empty or not finite; [`Error::NumericalFailure`] if the SVD fails.
pub fn polar(g: ArrayView2<f64>) -> Result<Array2<f64>> {
    if !g.is_square() || g.is_empty() {
        return Err(Error::shape(
            "g",
            "a non-empty square matrix",
            format!("{:?}", g.dim()),
        ));
    }
    ensure_finite("g", g.iter())?;
    let n = g.nrows();
    let svd = DMatrix::from_fn(n, n, |i, j| g[[i, j]]).svd(true, true);
    let (Some(u), Some(v_t)) = (svd.u, svd.v_t) else {
        return Err(Error::NumericalFailure {
            algorithm: "polar",
            detail: "the SVD did not return its factors".into(),
        });
    };
    let q = u * v_t;
    let out = Array2::from_shape_fn((n, n), |(i, j)| q[(i, j)]);
    ensure_finite_output("polar", "the polar factor", out.iter())?;
    Ok(out)
}

/// $\|AX\|_4^4 = \sum_{ij} (AX)_{ij}^4$ for signals `y` $= X$ (NaN propagates).
pub fn l4_objective(a: ArrayView2<f64>, y: ArrayView2<f64>) -> f64 {
    a.dot(&y).iter().map(|v| v.powi(4)).sum()
}

/// $1 - \|M\|_4^4 / n$ for an orthogonal `m` (`n × n`): 0 exactly when $M$ is a
/// signed permutation, and at most $1 - 1/n$. Applied to $M = A U_o$ it measures
/// how far the learned $A$ is from recovering $U_o^\top$ up to sign and order.
pub fn signed_permutation_error(m: ArrayView2<f64>) -> f64 {
    1.0 - m.iter().map(|v| v.powi(4)).sum::<f64>() / m.nrows() as f64
}

// ANCHOR: msp
/// Learns an orthogonal $A$ maximizing $\|AX\|_4^4$ by MSP from a random
/// orthogonal start drawn from `rng`.
///
/// # Errors
/// `y` empty or not finite; `max_iters = 0`; a NaN or negative `tol`;
/// [`Error::NumericalFailure`] if the objective overflows (rescale `y`; an
/// overflowing gradient is reported by [`polar`] as non-finite input).
pub fn msp(y: ArrayView2<f64>, opts: &MspOptions, rng: &mut Rng) -> Result<Msp> {
    if y.is_empty() {
        return Err(Error::shape(
            "y",
            "a non-empty matrix",
            format!("{:?}", y.dim()),
        ));
    }
    ensure_finite("y", y.iter())?;
    shared::cli::ensure_in_range("max_iters", opts.max_iters, 1, usize::MAX)?;
    shared::error::ensure_nonnegative("tol", opts.tol)?;
    let mut a = random_orthonormal(rng, y.nrows(), y.nrows());
    let mut objective = vec![l4_objective(a.view(), y)];
    let mut iterates = vec![a.clone()];
    let mut converged = false;
    for _ in 0..opts.max_iters {
        let cubed = a.dot(&y).mapv(|v| v * v * v); // matching and stretching
        let next = polar(cubed.dot(&y.t()).view())?; // projection onto O(n)
        let change = (&next - &a).iter().map(|v| v * v).sum::<f64>().sqrt();
        a = next;
        objective.push(l4_objective(a.view(), y));
        iterates.push(a.clone());
        if change < opts.tol {
            converged = true;
            break;
        }
    }
    // --snip--
    // ANCHOR_END: msp
    ensure_finite_output("msp", "the objective", objective.iter())?;
    Ok(Msp {
        rotation: a,
        iterations: objective.len() - 1,
        objective,
        iterates,
        converged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn polar_factor_of_a_scaled_rotation_is_the_rotation() {
        let (c, s) = (0.6, 0.8);
        let r = array![[c, -s], [s, c]];
        let got = polar((&r * 3.0).view()).unwrap();
        assert!((&got - &r).iter().all(|d| d.abs() < 1e-14));
        assert!(polar(array![[1.0, f64::NAN], [0.0, 1.0]].view()).is_err());
        assert!(polar(Array2::<f64>::zeros((2, 3)).view()).is_err());
    }

    #[test]
    fn signed_permutations_have_zero_error() {
        let p = array![[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, -1.0]];
        assert_eq!(signed_permutation_error(p.view()), 0.0);
        let h = array![[1.0, 1.0], [1.0, -1.0]] / 2f64.sqrt();
        assert!((signed_permutation_error(h.view()) - 0.5).abs() < 1e-15);
    }
}
