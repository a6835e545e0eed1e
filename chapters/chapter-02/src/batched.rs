//! The batched proximal-gradient kernel behind [`crate::solvers`].
//!
//! Every signal is solved independently, so the solvers work on one code
//! (a row of an internal `N × n` matrix) at a time, in parallel with rayon.
//! The gradient is $G x - b$ with the Gram matrix $G = A^\top A$ and $b = A^\top y$
//! computed once. Codes are sparse, so $G x = \sum_{i: x_i \ne 0} x_i G_{i,:}$
//! costs $n \cdot \|x\|_0$ instead of $n^2$, and since the extrapolated point is
//! a linear combination of two iterates, $G w$ is the same combination of the
//! two stored products: one product per signal per iteration. While the codes
//! are still dense (the first iterations) the products are done as one
//! matrix multiplication $X G$ instead.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis};
use rayon::prelude::*;

use crate::options::{Solution, SolverOptions, lipschitz_constant};
use crate::threshold::{nonnegative_soft_threshold, soft_threshold};
use shared::error::{ensure_finite, ensure_finite_output, ensure_nonnegative, nan_max2};
use shared::{Error, Result};

/// The proximal operator applied after the gradient step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prox {
    /// $S_\tau$: the LASSO.
    SoftThreshold,
    /// $T_\tau$: the LASSO with $x \ge 0$.
    Nonnegative,
}

impl Prox {
    fn apply(self, x: f64, tau: f64) -> f64 {
        match self {
            Prox::SoftThreshold => soft_threshold(x, tau),
            Prox::Nonnegative => nonnegative_soft_threshold(x, tau),
        }
    }
}

pub(crate) fn validate(
    a: ArrayView2<f64>,
    y: ArrayView2<f64>,
    lambda: f64,
    opts: &SolverOptions,
) -> Result<()> {
    if a.is_empty() || y.is_empty() {
        return Err(Error::shape(
            "a, y",
            "non-empty matrices",
            format!("{:?} and {:?}", a.dim(), y.dim()),
        ));
    }
    if a.nrows() != y.nrows() {
        return Err(Error::shape(
            "y",
            format!("{} rows (one per row of A)", a.nrows()),
            format!("{} rows", y.nrows()),
        ));
    }
    ensure_finite("a", a.iter())?;
    ensure_finite("y", y.iter())?;
    ensure_nonnegative("lambda", lambda)?;
    ensure_nonnegative("tol", opts.tol)
}

/// The data every iteration needs, computed once: $G = A^\top A$, the rows
/// $b_j = A^\top y_j$, $\frac12\|y_j\|^2$, $L$ and the threshold $\tau = \lambda/L$.
struct Problem {
    gram: Array2<f64>,
    atb: Array2<f64>,
    half_y_sq: Array1<f64>,
    lambda: f64,
    lipschitz: f64,
    kkt_scale: f64,
}

impl Problem {
    fn new(a: ArrayView2<f64>, y: ArrayView2<f64>, lambda: f64) -> Result<Self> {
        let gram = a.t().dot(&a);
        let atb = y.t().dot(&a); // N × n: row j is (Aᵀ y_j)ᵀ
        let half_y_sq = y.map_axis(Axis(0), |c| 0.5 * c.dot(&c));
        let overflow = "AᵀA, Aᵀy or ‖y‖²";
        ensure_finite_output(
            "ista/fista",
            overflow,
            gram.iter().chain(&atb).chain(&half_y_sq),
        )?;
        // A zero dictionary has L = 0: any step is exact (x = 0 is optimal), use 1.
        let lipschitz = match lipschitz_constant(gram.view())? {
            0.0 => 1.0,
            l => l,
        };
        let kkt_scale = atb
            .iter()
            .fold(0.0f64, |m, v| m.max(v.abs()))
            .max(f64::MIN_POSITIVE);
        Ok(Problem {
            gram,
            atb,
            half_y_sq,
            lambda,
            lipschitz,
            kkt_scale,
        })
    }

    /// $G x$ for a sparse `x`, into `out`: the rows of $G$ at the nonzeros, scaled and summed.
    fn gram_times(&self, x: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
        let out = out
            .as_slice_mut()
            .expect("rows of standard-layout arrays are contiguous");
        out.fill(0.0);
        for (i, &xi) in x.iter().enumerate() {
            if xi != 0.0 {
                let row = self.gram.row(i);
                let row = row.as_slice().expect("contiguous");
                for (o, g) in out.iter_mut().zip(row) {
                    *o += xi * g;
                }
            }
        }
    }
}

/// One signal's state: the last two iterates and their products with $G$.
struct Rows {
    x: Array2<f64>,
    x_prev: Array2<f64>,
    gx: Array2<f64>,
    gx_prev: Array2<f64>,
}

impl Rows {
    /// Every signal at $x = x^- = 0$ (so $G x = G x^- = 0$).
    fn zeros(signals: usize, atoms: usize) -> Self {
        let zeros = || Array2::zeros((signals, atoms));
        Rows {
            x: zeros(),
            x_prev: zeros(),
            gx: zeros(),
            gx_prev: zeros(),
        }
    }
}

// ANCHOR: solve
pub(crate) fn solve(
    a: ArrayView2<f64>,
    y: ArrayView2<f64>,
    lambda: f64,
    opts: &SolverOptions,
    prox: Prox,
    accelerate: bool,
) -> Result<Solution> {
    validate(a, y, lambda, opts)?;
    let p = Problem::new(a, y, lambda)?;
    let mut rows = Rows::zeros(y.ncols(), a.ncols());
    let mut objective = vec![p.half_y_sq.sum()];
    let (mut t, mut beta) = (1.0f64, 0.0f64);
    // The KKT residual costs a full pass; it is computed only when it can stop the run.
    let check_kkt = opts.tol > 0.0;
    let mut converged = false;
    for _ in 0..opts.max_iters {
        let (f, kkt, changed) = step(&p, &mut rows, prox, beta, check_kkt);
        objective.push(f);
        check_progress(&objective, accelerate)?;
        if kkt < opts.tol * p.kkt_scale || !changed {
            converged = true;
            break;
        }
        if accelerate {
            (beta, t) = momentum(t);
        }
    }
    // --snip--
    // ANCHOR_END: solve
    let kkt = kkt_of_rows(&p, &rows, prox);
    ensure_finite_output("ista/fista", "the KKT residual", [&kkt])?;
    Ok(Solution {
        kkt,
        x: rows.x.t().to_owned(),
        iterations: objective.len() - 1,
        objective,
        lipschitz: p.lipschitz,
        converged,
    })
}

/// Fails if the run is diverging: a non-finite objective, or for ISTA (a
/// descent method when $1/L$ is a valid step) an objective that rose by more
/// than rounding. FISTA is not monotone, but it never exceeds $F(0)$ by more
/// than its bound allows; a non-finite value is what divergence produces there.
fn check_progress(objective: &[f64], accelerate: bool) -> Result<()> {
    let (&last, start) = (objective.last().expect("F(0) is stored"), objective[0]);
    let diverged = || Error::NumericalFailure {
        algorithm: if accelerate { "fista" } else { "ista" },
        detail: format!(
            "the objective went from {start:.3e} to {last:.3e} after {} iterations: the step 1/L is too large for A",
            objective.len() - 1
        ),
    };
    if !last.is_finite() {
        return Err(diverged());
    }
    if !accelerate && objective.len() >= 2 {
        let previous = objective[objective.len() - 2];
        if last > previous + 1e-9 * start.abs().max(f64::MIN_POSITIVE) {
            return Err(diverged());
        }
    }
    Ok(())
}

/// One (F)ISTA iteration for every signal; returns the summed objective, the
/// largest KKT residual at the new iterates (infinite unless `check_kkt`) and
/// whether any entry changed.
fn step(p: &Problem, rows: &mut Rows, prox: Prox, beta: f64, check_kkt: bool) -> (f64, f64, bool) {
    let (changed, nonzeros) = rows
        .x
        .axis_iter_mut(Axis(0))
        .into_par_iter()
        .zip(rows.x_prev.axis_iter_mut(Axis(0)))
        .zip(rows.gx.axis_iter(Axis(0)))
        .zip(rows.gx_prev.axis_iter(Axis(0)))
        .zip(p.atb.axis_iter(Axis(0)))
        .map(|((((x, x_prev), gx), gx_prev), b)| {
            prox_step(p, prox, beta, x, x_prev, [gx, gx_prev], b)
        })
        .reduce(|| (false, 0), |a, b| (a.0 || b.0, a.1 + b.1));
    // G x⁺ overwrites the older product, then the two swap roles.
    gram_product(p, rows.x.view(), nonzeros, rows.gx_prev.view_mut());
    std::mem::swap(&mut rows.gx, &mut rows.gx_prev);
    let per_signal: Vec<f64> = rows
        .x
        .axis_iter(Axis(0))
        .into_par_iter()
        .zip(rows.gx.axis_iter(Axis(0)))
        .zip(p.atb.axis_iter(Axis(0)))
        .zip(p.half_y_sq.as_slice().expect("contiguous"))
        .map(|(((x, gx), b), &half_y_sq)| objective(p, x, gx, b, half_y_sq))
        .collect();
    // Summed in signal order, so the result does not depend on the thread count.
    let objective = per_signal.iter().sum();
    let kkt = if check_kkt {
        kkt_of_rows(p, rows, prox)
    } else {
        f64::INFINITY
    };
    (objective, kkt, changed)
}

// ANCHOR: momentum
/// FISTA's momentum schedule (Beck and Teboulle, 2009): from $t_k$ (with
/// $t_1 = 1$) the next $t_{k+1} = \tfrac12\big(1 + \sqrt{1 + 4t_k^2}\big)$ and the
/// extrapolation weight $\beta_k = (t_k - 1)/t_{k+1}$ of the step
/// $w = x_k + \beta_k (x_k - x_{k-1})$. Returns $(\beta_k, t_{k+1})$.
pub fn momentum(t: f64) -> (f64, f64) {
    // BEGIN SOLUTION 2.2: FISTA's momentum
    let t_next = 0.5 * (1.0 + (1.0 + 4.0 * t * t).sqrt());
    ((t - 1.0) / t_next, t_next)
    // END SOLUTION
}
// ANCHOR_END: momentum

// ANCHOR: prox_step
/// The proximal gradient step for one signal. With $w = x + \beta(x - x^-)$ the
/// gradient at $w$ is $G w - b = (1 + \beta) G x - \beta G x^- - b$, and
/// $x^+ = \operatorname{prox}_{\tau}(w - (G w - b)/L)$. Returns whether any entry
/// changed and the number of nonzeros of $x^+$.
fn prox_step(
    p: &Problem,
    prox: Prox,
    beta: f64,
    mut x: ArrayViewMut1<f64>,
    mut x_prev: ArrayViewMut1<f64>,
    [gx, gx_prev]: [ArrayView1<f64>; 2],
    b: ArrayView1<f64>,
) -> (bool, usize) {
    let (step, tau) = (1.0 / p.lipschitz, p.lambda / p.lipschitz);
    let (mut changed, mut nonzeros) = (false, 0);
    let rows = (
        x.as_slice_mut(),
        x_prev.as_slice_mut(),
        gx.as_slice(),
        gx_prev.as_slice(),
        b.as_slice(),
    );
    let (Some(x), Some(x_prev), Some(gx), Some(gx_prev), Some(b)) = rows else {
        unreachable!("rows of standard-layout arrays are contiguous")
    };
    let entries = x
        .iter_mut()
        .zip(x_prev.iter_mut())
        .zip(gx)
        .zip(gx_prev)
        .zip(b);
    for ((((x, x_prev), &gx), &gx_prev), &b) in entries {
        // BEGIN SOLUTION 2.3: the proximal gradient step
        let w = *x + beta * (*x - *x_prev);
        let grad = (1.0 + beta) * gx - beta * gx_prev - b;
        *x_prev = *x;
        *x = prox.apply(w - step * grad, tau);
        // END SOLUTION
        changed |= *x != *x_prev;
        nonzeros += usize::from(*x != 0.0);
    }
    (changed, nonzeros)
}
// ANCHOR_END: prox_step

/// Codes denser than this fraction of nonzeros are multiplied by $G$ with one
/// dense matrix product; sparser ones row by row over their nonzeros only.
const DENSE_FRACTION: f64 = 0.125;

/// $X G$ (row $j$ is $(G x_j)^\top$; $G$ is symmetric) into `out`, given the
/// number of nonzeros of $X$.
fn gram_product(p: &Problem, x: ArrayView2<f64>, nonzeros: usize, mut out: ArrayViewMut2<f64>) {
    if nonzeros as f64 > DENSE_FRACTION * x.len() as f64 {
        general_mat_mul(1.0, &x, &p.gram, 0.0, &mut out);
    } else {
        out.axis_iter_mut(Axis(0))
            .into_par_iter()
            .zip(x.axis_iter(Axis(0)))
            .for_each(|(row, xj)| p.gram_times(xj, row));
    }
}

/// $F(x) = \frac12\|y\|^2 - x^\top b + \frac12 x^\top G x + \lambda\|x\|_1$ for one
/// signal.
fn objective(
    p: &Problem,
    x: ArrayView1<f64>,
    gx: ArrayView1<f64>,
    b: ArrayView1<f64>,
    half_y_sq: f64,
) -> f64 {
    let (Some(x), Some(gx), Some(b)) = (x.to_slice(), gx.to_slice(), b.to_slice()) else {
        unreachable!("rows of standard-layout arrays are contiguous")
    };
    let mut f = half_y_sq;
    for ((&xi, &gi), &bi) in x.iter().zip(gx).zip(b) {
        f += xi * (0.5 * gi - bi) + p.lambda * xi.abs();
    }
    f
}

/// The largest KKT violation over all signals, from the correlations $c = b - G x$:
/// $|c_i - \lambda \operatorname{sign}(x_i)|$ on the support, $(|c_i| - \lambda)_+$ off it
/// ($(c_i - \lambda)_+$ for the nonnegative problem).
fn kkt_of_rows(p: &Problem, rows: &Rows, prox: Prox) -> f64 {
    let violation = |xi: f64, gi: f64, bi: f64| {
        let c = bi - gi;
        if xi != 0.0 {
            (c - p.lambda * xi.signum()).abs()
        } else if prox == Prox::SoftThreshold {
            nan_max2(c.abs() - p.lambda, 0.0)
        } else {
            nan_max2(c - p.lambda, 0.0)
        }
    };
    rows.x
        .axis_iter(Axis(0))
        .into_par_iter()
        .zip(rows.gx.axis_iter(Axis(0)))
        .zip(p.atb.axis_iter(Axis(0)))
        .map(|((x, gx), b)| {
            let per_entry = x
                .iter()
                .zip(gx)
                .zip(b)
                .map(|((&xi, &gi), &bi)| violation(xi, gi, bi));
            per_entry.fold(0.0f64, nan_max2)
        })
        .reduce(|| 0.0, nan_max2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn a_too_large_step_is_reported_as_divergence() {
        let a = array![[1.8, -0.4], [-0.4, 1.2]];
        let y = array![[1.0], [1.0]];
        let mut p = Problem::new(a.view(), y.view(), 0.1).unwrap();
        p.lipschitz = 1.0; // what the old fixed start gave
        for accelerate in [false, true] {
            let mut rows = Rows::zeros(1, 2);
            let mut objective = vec![p.half_y_sq.sum()];
            let (mut failed, mut t, mut beta) = (false, 1.0f64, 0.0);
            for _ in 0..2000 {
                let (f, _, _) = step(&p, &mut rows, Prox::SoftThreshold, beta, false);
                objective.push(f);
                if check_progress(&objective, accelerate).is_err() {
                    failed = true;
                    break;
                }
                if accelerate {
                    (beta, t) = momentum(t);
                }
            }
            assert!(failed, "accelerate = {accelerate}");
        }
    }
}
