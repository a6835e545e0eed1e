//! Symmetric matrices: the checks and decompositions chapters 1, 3 and 4 share.
//!
//! nalgebra does the factorizations; this module converts from ndarray, checks
//! the input first (square, finite, symmetric to a relative tolerance) and fixes
//! the conventions: eigenvalues in descending order with eigenvectors as
//! columns, log-determinants by Cholesky.

use nalgebra::{DMatrix, SymmetricEigen};
use ndarray::{Array1, Array2, ArrayView2};

use crate::error::{Error, Result, ensure_finite, nan_max};

/// Relative asymmetry $\max_{ij}|m_{ij} - m_{ji}| / \max_{ij}|m_{ij}|$ above which
/// a matrix is refused as not symmetric.
pub const SYMMETRY_TOL: f64 = 1e-9;

/// An eigendecomposition $M = V \operatorname{diag}(\lambda) V^\top$ sorted descending.
#[derive(Debug, Clone, PartialEq)]
pub struct Eigen {
    /// $\lambda_1 \ge \lambda_2 \ge \dots$ (`n`).
    pub values: Array1<f64>,
    /// Orthonormal eigenvectors as columns, in the order of `values` (`n × n`).
    pub vectors: Array2<f64>,
}

/// Checks that `m` is a non-empty, finite, square matrix equal to its transpose
/// up to [`SYMMETRY_TOL`] relative to its largest entry.
///
/// # Errors
/// [`Error::Shape`], [`Error::NonFinite`] or [`Error::NotSymmetric`], naming `name`.
pub fn ensure_symmetric(name: &'static str, m: ArrayView2<f64>) -> Result<()> {
    if !m.is_square() || m.is_empty() {
        return Err(Error::shape(
            name,
            "a non-empty square matrix",
            format!("{} × {}", m.nrows(), m.ncols()),
        ));
    }
    ensure_finite(name, m.iter())?;
    let scale = nan_max(m.iter().map(|v| v.abs()));
    let transposed = m.t().as_standard_layout().into_owned();
    let asymmetry = nan_max(m.iter().zip(transposed.iter()).map(|(a, b)| (a - b).abs()));
    let relative = if scale > 0.0 { asymmetry / scale } else { 0.0 };
    if relative > SYMMETRY_TOL {
        return Err(Error::NotSymmetric {
            name,
            asymmetry: relative,
            tolerance: SYMMETRY_TOL,
        });
    }
    Ok(())
}

/// The eigendecomposition of a symmetric `m`, eigenvalues descending.
///
/// # Errors
/// As [`ensure_symmetric`].
pub fn eigh_descending(name: &'static str, m: ArrayView2<f64>) -> Result<Eigen> {
    ensure_symmetric(name, m)?;
    Ok(eigh_of_symmetric_part(m))
}

/// The eigendecomposition of the symmetric part $\frac12(M + M^\top)$ of a
/// square `m`, eigenvalues descending, without checks: for inner loops whose
/// matrix is symmetric by construction up to rounding (a Rayleigh–Ritz
/// projection $Q^\top M Q$). NaN input gives NaN output.
///
/// # Shapes
/// `m: n × n` (only the leading square block is read if it is not square).
pub fn eigh_of_symmetric_part(m: ArrayView2<f64>) -> Eigen {
    let n = m.nrows().min(m.ncols());
    let eig = SymmetricEigen::new(DMatrix::from_fn(n, n, |i, j| 0.5 * (m[[i, j]] + m[[j, i]])));
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| eig.eigenvalues[j].total_cmp(&eig.eigenvalues[i]));
    Eigen {
        values: order.iter().map(|&i| eig.eigenvalues[i]).collect(),
        vectors: Array2::from_shape_fn((n, n), |(i, j)| eig.eigenvectors[(i, order[j])]),
    }
}

/// Checks that a symmetric `m` is positive semidefinite: its smallest
/// eigenvalue is at least $-10^{-9}\max_{ij}|m_{ij}|$ (rounding).
/// Returns the decomposition, which callers usually need next.
///
/// # Errors
/// As [`ensure_symmetric`], or [`Error::OutOfRange`] for a negative eigenvalue.
pub fn eigh_psd(name: &'static str, m: ArrayView2<f64>) -> Result<Eigen> {
    let eig = eigh_descending(name, m)?;
    let scale = nan_max(m.iter().map(|v| v.abs()));
    let smallest = eig.values.last().copied().unwrap_or(0.0);
    if smallest < -SYMMETRY_TOL * scale {
        return Err(Error::out_of_range(
            name,
            "positive semidefinite (no negative eigenvalue)",
            format!("smallest eigenvalue {smallest:e}"),
        ));
    }
    Ok(eig)
}

/// The Cholesky factor of a checked symmetric `m` and its $\log\det = 2\sum_i\log L_{ii}$.
fn cholesky(
    name: &'static str,
    m: ArrayView2<f64>,
) -> Result<(nalgebra::Cholesky<f64, nalgebra::Dyn>, f64)> {
    ensure_symmetric(name, m)?;
    let n = m.nrows();
    // Column-major copy: the columns of `m` are the rows of its transpose.
    let chol = DMatrix::from_iterator(n, n, m.t().iter().copied())
        .cholesky()
        .ok_or(Error::NumericalFailure {
            algorithm: "Cholesky log-determinant",
            detail: format!("{name} is not positive definite"),
        })?;
    let log_det = 2.0
        * chol
            .l_dirty()
            .diagonal()
            .iter()
            .map(|v| v.ln())
            .sum::<f64>();
    Ok((chol, log_det))
}

/// $\log\det M$ of a symmetric positive definite `m` by Cholesky,
/// $M = LL^\top$, $\log\det M = 2\sum_i \log L_{ii}$: no determinant is formed,
/// so nothing overflows for large or small $n$.
///
/// # Errors
/// As [`ensure_symmetric`]; [`Error::NumericalFailure`] if `m` is not positive
/// definite (Cholesky breaks down).
pub fn log_det_spd(name: &'static str, m: ArrayView2<f64>) -> Result<f64> {
    Ok(cholesky(name, m)?.1)
}

/// $\log\det M$ and $M^{-1}$ of a symmetric positive definite `m`, from one
/// Cholesky factorization (what a coding rate and its gradient both need).
///
/// # Errors
/// As [`log_det_spd`].
pub fn log_det_and_inverse(name: &'static str, m: ArrayView2<f64>) -> Result<(f64, Array2<f64>)> {
    let (chol, log_det) = cholesky(name, m)?;
    let n = m.nrows();
    // M⁻¹ = L⁻ᵀ L⁻¹: a triangular inverse (n³/6 multiply-adds, row by row on
    // contiguous memory) and one product through ndarray's blocked matmul,
    // about a fifth of the time of nalgebra's solve against the identity.
    let l = chol.l_dirty();
    let l = Array2::from_shape_fn((n, n), |(i, j)| if j <= i { l[(i, j)] } else { 0.0 });
    let l_inv = lower_triangular_inverse(l.view())?;
    let inv = l_inv.t().dot(&l_inv);
    crate::error::ensure_finite_output(
        "Cholesky inverse",
        "the inverse (the matrix is nearly singular)",
        inv.iter(),
    )?;
    Ok((log_det, inv))
}

/// $L^{-1}$ of a lower-triangular `l` with non-zero diagonal, one row at a
/// time: row $i$ of $X = L^{-1}$ is $(e_i - \sum_{k<i} L_{ik} X_k)/L_{ii}$, and
/// row $k$ of $X$ is zero past column $k$ (plain slices: this loop is the
/// whole cost, and slicing ndarray views per step would double it).
fn lower_triangular_inverse(l: ArrayView2<f64>) -> Result<Array2<f64>> {
    let n = l.nrows();
    let mut x = vec![0.0; n * n];
    for i in 0..n {
        let (done, rest) = x.split_at_mut(i * n);
        let row = &mut rest[..=i];
        row[i] = 1.0;
        for (k, done_row) in done.chunks_exact(n).enumerate() {
            let c = l[[i, k]];
            for (r, v) in row[..=k].iter_mut().zip(&done_row[..=k]) {
                *r -= c * v;
            }
        }
        let diagonal = l[[i, i]];
        row.iter_mut().for_each(|r| *r /= diagonal);
    }
    Array2::from_shape_vec((n, n), x).map_err(|e| Error::NumericalFailure {
        algorithm: "triangular inverse",
        detail: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn eigh_is_descending_and_reconstructs() {
        let m = array![[2.0, 1.0, 0.0], [1.0, 2.0, 0.0], [0.0, 0.0, 5.0]];
        let e = eigh_descending("m", m.view()).unwrap();
        assert_eq!(e.values.len(), 3);
        for (got, want) in e.values.iter().zip([5.0, 3.0, 1.0]) {
            assert!((got - want).abs() < 1e-14);
        }
        let back = e
            .vectors
            .dot(&Array2::from_diag(&e.values))
            .dot(&e.vectors.t());
        assert!(back.iter().zip(&m).all(|(a, b)| (a - b).abs() < 1e-14));
    }

    #[test]
    fn bad_matrices_are_refused() {
        assert!(matches!(
            ensure_symmetric("m", array![[1.0, 2.0], [0.0, 1.0]].view()),
            Err(Error::NotSymmetric { .. })
        ));
        assert!(ensure_symmetric("m", array![[1.0, f64::NAN], [f64::NAN, 1.0]].view()).is_err());
        assert!(ensure_symmetric("m", Array2::<f64>::zeros((2, 3)).view()).is_err());
        assert!(ensure_symmetric("m", Array2::<f64>::zeros((0, 0)).view()).is_err());
        assert!(eigh_psd("m", array![[1.0, 0.0], [0.0, -1.0]].view()).is_err());
        assert!(eigh_psd("m", array![[1.0, 0.0], [0.0, 0.0]].view()).is_ok());
    }

    #[test]
    fn log_det_matches_the_eigenvalues_and_survives_overflowing_determinants() {
        let m = array![[4.0, 1.0], [1.0, 3.0]];
        assert!((log_det_spd("m", m.view()).unwrap() - 11f64.ln()).abs() < 1e-14);
        // det = 1e400 overflows f64; its log does not.
        let big = Array2::from_diag(&Array1::from_elem(400, 10.0));
        let want = 400.0 * 10f64.ln();
        assert!((log_det_spd("m", big.view()).unwrap() - want).abs() < 1e-10);
        assert!(matches!(
            log_det_spd("m", array![[1.0, 2.0], [2.0, 1.0]].view()),
            Err(Error::NumericalFailure { .. })
        ));
        let (ld, inv) = log_det_and_inverse("m", m.view()).unwrap();
        assert!((ld - 11f64.ln()).abs() < 1e-14);
        let eye = m.dot(&inv);
        assert!((eye[[0, 0]] - 1.0).abs() < 1e-14 && eye[[0, 1]].abs() < 1e-14);
    }

    #[test]
    fn inverse_matches_nalgebra_on_a_larger_matrix() {
        // An SPD matrix with a spread of eigenvalues: B Bᵀ + I, B 40 × 60 with
        // deterministic entries.
        let n = 40;
        let b = Array2::from_shape_fn((n, 60), |(i, j)| ((i * 7 + j * 13) % 11) as f64 - 5.0);
        let mut m = b.dot(&b.t());
        m.diag_mut().iter_mut().for_each(|v| *v += 1.0);
        let (ld, inv) = log_det_and_inverse("m", m.view()).unwrap();
        let reference = DMatrix::from_fn(n, n, |i, j| m[[i, j]]);
        let want = reference.clone().try_inverse().unwrap();
        let err = nan_max(
            inv.indexed_iter()
                .map(|((i, j), v)| (v - want[(i, j)]).abs()),
        );
        let scale = nan_max(want.iter().map(|v| v.abs()));
        assert!(err <= 1e-10 * scale, "inverse error {err} (scale {scale})");
        let want_ld = reference.determinant().ln();
        assert!(
            (ld - want_ld).abs() < 1e-9 * want_ld.abs(),
            "{ld} vs {want_ld}"
        );
        // The lower-triangular inverse on its own: L L⁻¹ = I.
        let l = Array2::from_shape_fn((n, n), |(i, j)| {
            if j <= i {
                1.0 + (i + 2 * j) as f64 / n as f64
            } else {
                0.0
            }
        });
        let x = lower_triangular_inverse(l.view()).unwrap();
        let eye = l.dot(&x);
        let off = nan_max(
            eye.indexed_iter()
                .map(|((i, j), v)| (v - f64::from(u8::from(i == j))).abs()),
        );
        assert!(off < 1e-12, "L L^-1 - I = {off}");
    }
}
