//! Synthetic data used across the book, returned together with its ground truth.
//!
//! All generators produce `D × N` matrices with one sample per column.

use ndarray::{Array1, Array2, Axis};

use crate::error::{Error, Result};
use crate::linalg::random_orthonormal;
use crate::rng::{Rng, gaussian_matrix};

/// Samples from the planted low-rank Gaussian model
/// $x_i = U z_i + \sigma g_i$ with $U \in \mathsf{O}(D, d)$,
/// $z_i \sim \mathcal{N}(0, \operatorname{diag}(\lambda_1, \dots, \lambda_d))$ and $g_i \sim \mathcal{N}(0, I_D)$.
#[derive(Debug, Clone)]
pub struct PlantedSubspace {
    /// Observations `x_i` (`D × N`).
    pub x: Array2<f64>,
    /// Noise-free signals `U z_i` (`D × N`).
    pub clean: Array2<f64>,
    /// The true basis `U` (`D × d`, orthonormal columns).
    pub basis: Array2<f64>,
    /// Latent codes `z_i` (`d × N`).
    pub codes: Array2<f64>,
    /// Variances of the latent coordinates, `λ_1 ≥ … ≥ λ_d`.
    pub variances: Array1<f64>,
    /// Noise standard deviation `σ`.
    pub noise: f64,
}

impl PlantedSubspace {
    /// Draws `samples` points in dimension `dim` around a random subspace whose
    /// latent variances are `variances` (its length is the rank `d`).
    ///
    /// # Errors
    /// `d = 0`, `d > dim`, no samples, a negative or non-finite variance or noise level.
    pub fn sample(
        rng: &mut Rng,
        dim: usize,
        variances: &[f64],
        samples: usize,
        noise: f64,
    ) -> Result<Self> {
        let rank = variances.len();
        if rank == 0 || rank > dim {
            return Err(Error::out_of_range(
                "rank",
                format!("between 1 and the dimension {dim}"),
                rank,
            ));
        }
        if samples == 0 {
            return Err(Error::out_of_range("samples", "at least 1", samples));
        }
        if !(noise.is_finite() && noise >= 0.0) {
            return Err(Error::out_of_range("noise", "finite and >= 0", noise));
        }
        if let Some(v) = variances.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
            return Err(Error::out_of_range("variance", "finite and >= 0", v));
        }
        let basis = random_orthonormal(rng, dim, rank);
        let mut codes = gaussian_matrix(rng, rank, samples);
        for (mut row, v) in codes.axis_iter_mut(Axis(0)).zip(variances) {
            row *= v.sqrt();
        }
        let clean = basis.dot(&codes);
        let x = &clean + &(gaussian_matrix(rng, dim, samples) * noise);
        Ok(PlantedSubspace {
            x,
            clean,
            basis,
            codes,
            variances: Array1::from(variances.to_vec()),
            noise,
        })
    }
}

/// Samples from a union of random subspaces: class `k` has basis
/// $U_k \in \mathsf{O}(D, d_k)$ and points $x = U_k z + \sigma g$, $z \sim \mathcal{N}(0, I_{d_k})$.
#[derive(Debug, Clone)]
pub struct UnionOfSubspaces {
    /// Observations (`D × N`), grouped by class in order.
    pub x: Array2<f64>,
    /// The class of each column.
    pub labels: Vec<usize>,
    /// One orthonormal basis per class (`D × d_k`).
    pub bases: Vec<Array2<f64>>,
}

impl UnionOfSubspaces {
    /// Draws `per_class` points from each of the subspaces whose dimensions are `ranks`.
    ///
    /// # Errors
    /// No class, a rank of 0 or above `dim`, `per_class = 0`, a negative or non-finite noise.
    pub fn sample(
        rng: &mut Rng,
        dim: usize,
        ranks: &[usize],
        per_class: usize,
        noise: f64,
    ) -> Result<Self> {
        if ranks.is_empty() {
            return Err(Error::out_of_range("number of subspaces", "at least 1", 0));
        }
        if let Some(r) = ranks.iter().find(|r| **r == 0 || **r > dim) {
            return Err(Error::out_of_range(
                "subspace rank",
                format!("between 1 and {dim}"),
                r,
            ));
        }
        if per_class == 0 {
            return Err(Error::out_of_range("samples per class", "at least 1", 0));
        }
        if !(noise.is_finite() && noise >= 0.0) {
            return Err(Error::out_of_range("noise", "finite and >= 0", noise));
        }
        let mut x = Array2::zeros((dim, ranks.len() * per_class));
        let mut labels = Vec::with_capacity(x.ncols());
        let mut bases = Vec::with_capacity(ranks.len());
        for (k, &rank) in ranks.iter().enumerate() {
            let basis = random_orthonormal(rng, dim, rank);
            let block = basis.dot(&gaussian_matrix(rng, rank, per_class))
                + gaussian_matrix(rng, dim, per_class) * noise;
            x.slice_mut(ndarray::s![.., k * per_class..(k + 1) * per_class])
                .assign(&block);
            labels.extend(std::iter::repeat_n(k, per_class));
            bases.push(basis);
        }
        Ok(UnionOfSubspaces { x, labels, bases })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::orthogonality_error;
    use crate::rng::seeded_rng;

    #[test]
    fn planted_subspace_has_requested_variances_and_noise() {
        let data =
            PlantedSubspace::sample(&mut seeded_rng(3), 20, &[9.0, 1.0], 20_000, 0.5).unwrap();
        assert!(orthogonality_error(data.basis.view()) < 1e-12);
        let var = data.codes.map_axis(Axis(1), |r| r.dot(&r) / r.len() as f64);
        assert!((var[0] - 9.0).abs() < 0.3 && (var[1] - 1.0).abs() < 0.05);
        let noise = &data.x - &data.clean;
        let per_entry = noise.iter().map(|v| v * v).sum::<f64>() / noise.len() as f64;
        assert!((per_entry - 0.25).abs() < 0.01);
    }

    #[test]
    fn union_of_subspaces_points_lie_on_their_subspace_without_noise() {
        let data = UnionOfSubspaces::sample(&mut seeded_rng(4), 5, &[1, 2], 10, 0.0).unwrap();
        for (x, &k) in data.x.columns().into_iter().zip(&data.labels) {
            let u = &data.bases[k];
            let residual = &x - &u.dot(&u.t().dot(&x));
            assert!(residual.iter().all(|r| r.abs() < 1e-12));
        }
    }

    #[test]
    fn rejects_rank_above_dimension() {
        assert!(PlantedSubspace::sample(&mut seeded_rng(0), 2, &[1.0; 3], 5, 0.1).is_err());
        assert!(UnionOfSubspaces::sample(&mut seeded_rng(0), 2, &[3], 5, 0.1).is_err());
    }
}
