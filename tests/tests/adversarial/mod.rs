//! Adversarial inputs shared by the robustness tests: random shapes
//! (including empty ones), NaN, ±inf, subnormal and huge magnitudes,
//! rank-deficient and indefinite matrices, from a seeded generator.

#![allow(dead_code)]

use std::panic::{AssertUnwindSafe, catch_unwind};

use ndarray::Array2;
use shared::rng::{Rng, gaussian_matrix};

/// Draws an index below `n` from the generator.
pub fn pick(rng: &mut Rng, n: usize) -> usize {
    (gaussian_matrix(rng, 1, 1)[[0, 0]].abs() * 1e6) as usize % n
}

/// A random matrix of the given shape, of one of several adversarial kinds.
pub fn matrix(rng: &mut Rng, rows: usize, cols: usize) -> Array2<f64> {
    let g = gaussian_matrix(rng, rows, cols);
    let mut m = match pick(rng, 8) {
        0 => g,
        1 => g * 1e200,
        2 => g * 1e-310,
        3 => Array2::zeros((rows, cols)),
        4 => {
            // Rank one (rank-deficient for any shape bigger than 1 × 1).
            let u = gaussian_matrix(rng, rows, 1);
            let v = gaussian_matrix(rng, 1, cols);
            u.dot(&v)
        }
        5 => g * 1e-3,
        6 => g * 1e150,
        _ => g.mapv(|v| v.round()),
    };
    if !m.is_empty() && pick(rng, 5) == 0 {
        let special = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY][pick(rng, 3)];
        let (i, j) = (pick(rng, rows), pick(rng, cols));
        m[[i, j]] = special;
    }
    m
}

/// A random symmetric matrix (indefinite, rank-deficient or with special values).
pub fn symmetric(rng: &mut Rng, d: usize) -> Array2<f64> {
    let m = matrix(rng, d, d);
    (&m + &m.t()) * 0.5
}

pub fn dim(rng: &mut Rng) -> usize {
    [0, 1, 2, 3, 5, 8][pick(rng, 6)]
}

pub fn finite(values: impl IntoIterator<Item = f64>) -> bool {
    values.into_iter().all(f64::is_finite)
}

/// Runs `f`; a panic fails the test with the case number.
pub fn no_panic<T>(case: usize, what: &str, f: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(_) => panic!("case {case}: {what} panicked"),
    }
}
