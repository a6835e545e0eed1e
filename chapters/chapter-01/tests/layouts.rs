//! `pca` reads its input in whatever layout it comes (a transposed view, a
//! row-major array, a strided or reversed view) and centers it block by
//! block; every path must give the answer of a plain f64 covariance and
//! nalgebra's symmetric eigendecomposition.

use approx::assert_abs_diff_eq;
use chapter_01::centering::GRAM_CHUNK;
use chapter_01::{Error, pca};
use ndarray::{Array1, Array2, ArrayView2, Axis, array, s};
use shared::rng::gaussian_matrix;
use shared::seeded_rng;

/// `D × N` data with unequal variances and a mean far from 0.
fn data(dim: usize, samples: usize) -> Array2<f64> {
    let mut x = gaussian_matrix(&mut seeded_rng(3), dim, samples);
    for (i, mut row) in x.axis_iter_mut(Axis(0)).enumerate() {
        row *= 1.0 + i as f64;
        row += 3.0 - i as f64;
    }
    x
}

/// The mean, and the top `k` eigenpairs of the `1/N` covariance, by plain
/// loops and nalgebra.
fn reference(x: &Array2<f64>, k: usize) -> (Array1<f64>, Vec<f64>, Array2<f64>) {
    let (d, n) = x.dim();
    let mean = x.mean_axis(Axis(1)).unwrap();
    let mut cov = nalgebra::DMatrix::<f64>::zeros(d, d);
    for j in 0..n {
        for a in 0..d {
            for b in 0..d {
                cov[(a, b)] += (x[[a, j]] - mean[a]) * (x[[b, j]] - mean[b]) / n as f64;
            }
        }
    }
    let eig = nalgebra::SymmetricEigen::new(cov);
    let mut order: Vec<usize> = (0..d).collect();
    order.sort_by(|&a, &b| eig.eigenvalues[b].total_cmp(&eig.eigenvalues[a]));
    let values = order[..k].iter().map(|&i| eig.eigenvalues[i]).collect();
    let vectors = Array2::from_shape_fn((d, k), |(r, c)| eig.eigenvectors[(r, order[c])]);
    (mean, values, vectors)
}

fn assert_matches(x: ArrayView2<f64>, want: &(Array1<f64>, Vec<f64>, Array2<f64>), what: &str) {
    let k = want.1.len();
    let got = pca(x, k, 0).unwrap_or_else(|e| panic!("{what}: {e}"));
    for (g, w) in got.mean.iter().zip(&want.0) {
        assert_abs_diff_eq!(*g, *w, epsilon = 1e-12);
    }
    for (g, w) in got.variances.iter().zip(&want.1) {
        assert!(
            (g - w).abs() <= 1e-10 * w.abs(),
            "{what}: variance {g} vs {w}"
        );
    }
    // Same subspace: the projections agree.
    let p = |u: &Array2<f64>| u.dot(&u.t());
    let diff = &p(&got.components) - &p(&want.2);
    let worst = diff.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(worst < 1e-9, "{what}: projections differ by {worst}");
}

#[test]
fn every_layout_gives_nalgebras_answer() {
    // Several blocks of the scatter, the last one short.
    let samples = 2 * GRAM_CHUNK + 13;
    let x = data(7, samples);
    let want = reference(&x, 3);
    assert_matches(x.view(), &want, "row-major D x N");
    let rows = x.t().as_standard_layout().into_owned();
    assert_matches(rows.t(), &want, "transposed view of N x D");
    let mut wide = Array2::zeros((7, 2 * samples));
    wide.slice_mut(s![.., ..;2]).assign(&x);
    assert_matches(wide.slice(s![.., ..;2]), &want, "every other column");
    let reversed = x.slice(s![.., ..;-1]);
    assert_matches(reversed, &want, "columns in reverse order");
}

#[test]
fn one_coordinate_and_one_sample() {
    let x = array![[1.0, 4.0, -2.0, 5.0]];
    let model = pca(x.view(), 1, 0).unwrap();
    assert_abs_diff_eq!(model.mean[0], 2.0, epsilon = 1e-15);
    assert_abs_diff_eq!(model.variances[0], 7.5, epsilon = 1e-12);
    let single = array![[1.0], [2.0], [3.0]];
    let model = pca(single.view(), 1, 0).unwrap();
    assert_eq!(model.mean, array![1.0, 2.0, 3.0]);
    assert_eq!(model.variances[0], 0.0);
}

#[test]
fn nan_or_infinity_anywhere_in_any_layout_is_an_error() {
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut rows = data(5, 700).t().as_standard_layout().into_owned();
        rows[[699, 4]] = bad;
        assert!(
            matches!(pca(rows.t(), 2, 0), Err(Error::NonFinite { .. })),
            "{bad} in a transposed view"
        );
        let columns = rows.t().as_standard_layout().into_owned();
        assert!(
            matches!(pca(columns.view(), 2, 0), Err(Error::NonFinite { .. })),
            "{bad} row-major"
        );
    }
}

/// The mean is summed after scaling when a plain sum could overflow (four
/// entries of 1.7e308 sum past `f64::MAX`), each coordinate with its own
/// scale, so a tiny coordinate next to a huge one keeps its mean.
#[test]
fn means_near_overflow_are_summed_per_coordinate_scaled() {
    let x = array![
        [1.7e308, 1.7e308, 1.7e308, 1.7e308],
        [1.0, 2.0, 3.0, 4.0],
        [1e-300, 3e-300, 1e-300, 3e-300]
    ];
    // The same D x N matrix stored column by column (a transposed N x D array).
    let by_columns = x.t().as_standard_layout().into_owned().reversed_axes();
    for (what, view) in [("row-major", x.view()), ("transposed", by_columns.view())] {
        let model = pca(view, 1, 0).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(model.mean[0], 1.7e308, "{what}");
        assert_abs_diff_eq!(model.mean[1], 2.5, epsilon = 1e-15);
        assert!(
            (model.mean[2] / 2e-300 - 1.0).abs() < 1e-12,
            "{what}: {}",
            model.mean[2]
        );
        assert_abs_diff_eq!(model.variances[0], 1.25, epsilon = 1e-12);
        assert_abs_diff_eq!(model.components[[1, 0]].abs(), 1.0, epsilon = 1e-12);
    }
}
