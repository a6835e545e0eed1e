//! Graded tests of chapter 2's exercises (see "Exercises" on the chapter's
//! page), against closed forms and against independent dense implementations
//! written here from the formulas.

use approx::assert_relative_eq;
use chapter_02::batched::momentum;
use chapter_02::solvers::lipschitz_constant;
use chapter_02::{SolverOptions, fista, ista, ista_book_convention, soft_threshold};
use ndarray::{Array2, ArrayView2};

/// Exercise 2.1: $S_\tau(x) = \operatorname{sign}(x)\max(|x| - \tau, 0)$, the
/// minimizer of $\frac12(u - x)^2 + \tau|u|$ (checked against a fine grid),
/// and NaN for a NaN input or a negative or NaN threshold.
#[test]
fn exercise_2_1_soft_threshold_is_the_prox_of_the_l1_norm() {
    for (x, tau, want) in [
        (3.0, 1.0, 2.0),
        (-3.0, 1.0, -2.0),
        (0.5, 1.0, 0.0),
        (-1.0, 1.0, 0.0),
        (2.0, 0.0, 2.0),
    ] {
        assert_eq!(soft_threshold(x, tau), want, "S_{tau}({x})");
    }
    for (x, tau) in [(1.7, 0.4), (-0.3, 0.5), (-2.2, 0.9), (0.05, 0.01)] {
        let cost = |u: f64| 0.5 * (u - x) * (u - x) + tau * u.abs();
        let best = (-40_000..=40_000)
            .map(|i| f64::from(i) * 1e-4)
            .fold(f64::INFINITY, |m, u| m.min(cost(u)));
        let s = soft_threshold(x, tau);
        assert!(
            cost(s) <= best + 1e-12,
            "S_{tau}({x}) = {s} is not the minimizer"
        );
    }
    assert!(soft_threshold(f64::NAN, 1.0).is_nan());
    assert!(soft_threshold(1.0, -1.0).is_nan());
    assert!(soft_threshold(1.0, f64::NAN).is_nan());
}

/// Exercise 2.2: $t_1 = 1$ gives $\beta = 0$ and $t_2 = (1 + \sqrt 5)/2$; the
/// schedule satisfies $t_{k+1}^2 - t_{k+1} = t_k^2$ and $t_k \ge (k + 1)/2$
/// (the inequality behind FISTA's $O(1/k^2)$ rate).
#[test]
fn exercise_2_2_fista_momentum_schedule() {
    let (beta, t2) = momentum(1.0);
    assert_eq!(beta, 0.0);
    assert_relative_eq!(t2, 0.5 * (1.0 + 5f64.sqrt()), max_relative = 1e-15);
    let mut t = 1.0;
    for k in 1..200 {
        let (beta, next) = momentum(t);
        assert_relative_eq!(next * next - next, t * t, max_relative = 1e-12);
        assert_relative_eq!(
            beta,
            (t - 1.0) / next,
            max_relative = 1e-12,
            epsilon = 1e-15
        );
        assert!(t >= (f64::from(k) + 1.0) / 2.0 - 1e-12, "t_{k} = {t}");
        t = next;
    }
}

/// A deterministic, well-spread 8 × 12 dictionary and 8 × 3 signals.
fn instance() -> (Array2<f64>, Array2<f64>) {
    let a = Array2::from_shape_fn((8, 12), |(i, j)| {
        f64::sin(1.0 + 1.7 * i as f64 + 0.9 * j as f64 + 0.3 * (i * j) as f64)
    });
    let y = Array2::from_shape_fn((8, 3), |(i, j)| {
        f64::cos(0.5 + 1.1 * i as f64 - 2.3 * j as f64)
    });
    (a, y)
}

/// Soft thresholding written here, so the oracle does not use exercise 2.1.
fn shrink(v: f64, tau: f64) -> f64 {
    v.signum() * (v.abs() - tau).max(0.0)
}

/// FISTA written densely from Beck and Teboulle's definition:
/// $x_k = S_{\lambda/L}(y_k - A^\top(Ay_k - y)/L)$ with $y_1 = x_0 = 0$ and
/// $y_{k+1} = x_k + \frac{t_k - 1}{t_{k+1}}(x_k - x_{k-1})$.
fn dense_fista(
    a: ArrayView2<f64>,
    y: ArrayView2<f64>,
    lambda: f64,
    l: f64,
    iters: usize,
) -> Array2<f64> {
    let mut x = Array2::<f64>::zeros((a.ncols(), y.ncols()));
    let mut prev = x.clone();
    // y_1 = x_0, and y_{k+1} = x_k + (t_k - 1)/t_{k+1} (x_k - x_{k-1}).
    let (mut t, mut beta): (f64, f64) = (1.0, 0.0);
    for _ in 0..iters {
        let w = &x + &((&x - &prev) * beta);
        let grad = a.t().dot(&(a.dot(&w) - y));
        prev = x;
        x = (&w - &(grad / l)).mapv(|v| shrink(v, lambda / l));
        let t_next = 0.5 * (1.0 + (1.0 + 4.0 * t * t).sqrt());
        beta = (t - 1.0) / t_next;
        t = t_next;
    }
    x
}

fn assert_close(a: &Array2<f64>, b: &Array2<f64>) {
    assert_eq!(a.dim(), b.dim());
    for (u, v) in a.iter().zip(b) {
        assert_relative_eq!(*u, *v, max_relative = 1e-9, epsilon = 1e-12);
    }
}

/// Dense ISTA from its definition: $x_{k+1} = S_{\lambda/L}(x_k - A^\top(Ax_k - y)/L)$, $x_0 = 0$.
fn dense_ista(
    a: ArrayView2<f64>,
    y: ArrayView2<f64>,
    lambda: f64,
    l: f64,
    iters: usize,
) -> Array2<f64> {
    let mut x = Array2::<f64>::zeros((a.ncols(), y.ncols()));
    for _ in 0..iters {
        let grad = a.t().dot(&(a.dot(&x) - y));
        x = (&x - &(grad / l)).mapv(|v| shrink(v, lambda / l));
    }
    x
}

/// Exercise 2.3: `ista` and `fista` after k steps equal ISTA and FISTA
/// written densely here from their definitions, and `ista` equals the
/// textbook-convention ISTA (λ doubled, η = 1/(2L)) of the crate.
/// (The solvers use exercises 1.1, 1.2, 2.1 and 2.2 too: L comes from
/// chapter 1's power iteration.)
#[test]
fn exercise_2_3_proximal_gradient_steps_match_dense_implementations() {
    let (a, y) = instance();
    let lambda = 0.1;
    let l = lipschitz_constant(a.t().dot(&a).view()).unwrap();
    let book = ista_book_convention(a.view(), y.view(), 2.0 * lambda, 1.0 / (2.0 * l), 25).unwrap();
    for k in [1, 2, 5, 25] {
        let opts = SolverOptions {
            max_iters: k,
            tol: 0.0,
        };
        let ours = ista(a.view(), y.view(), lambda, &opts).unwrap();
        assert_eq!(ours.iterations, k);
        assert_close(&ours.x, &dense_ista(a.view(), y.view(), lambda, l, k));
        assert_close(&ours.x, &book[k - 1]);
        let accelerated = fista(a.view(), y.view(), lambda, &opts).unwrap();
        assert_close(
            &accelerated.x,
            &dense_fista(a.view(), y.view(), lambda, l, k),
        );
    }
    // Not the zero map: the codes move.
    assert!(
        dense_ista(a.view(), y.view(), lambda, l, 1)
            .iter()
            .any(|v| v.abs() > 1e-3)
    );
}
