//! The random instances several experiments draw: dictionaries with unit-norm
//! columns and sparse codes.

use ndarray::Array2;
use rand::RngExt;

use crate::dictionary::normalize_columns;
use shared::rng::{Rng, gaussian_matrix};
use shared::{Error, Result};

/// A `m × n` Gaussian matrix with unit-norm columns.
pub fn unit_column_matrix(rng: &mut Rng, m: usize, n: usize) -> Array2<f64> {
    let mut a = gaussian_matrix(rng, m, n);
    normalize_columns(&mut a);
    a
}

/// `n × N` codes with `k` nonzeros per column at random positions, values ±(1 + |g|).
///
/// # Errors
/// `k > n`.
pub fn sparse_codes(rng: &mut Rng, n: usize, k: usize, count: usize) -> Result<Array2<f64>> {
    if k > n {
        return Err(Error::out_of_range(
            "sparsity",
            format!("at most n = {n}"),
            k,
        ));
    }
    let mut x = Array2::zeros((n, count));
    for j in 0..count {
        for i in rand::seq::index::sample(rng, n, k) {
            let magnitude = 1.0 + rng.sample::<f64, _>(rand_distr::StandardNormal).abs();
            x[[i, j]] = if rng.random::<bool>() {
                magnitude
            } else {
                -magnitude
            };
        }
    }
    Ok(x)
}
