//! Chapter 1's public API as course tests call it: names, argument order and
//! semantics exactly as the issue that introduced them specifies.

use approx::assert_relative_eq;
use chapter_01::{Error, Pca, PowerIteration, pca, power_iteration, top_eigenpairs};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, array};

#[test]
fn power_iteration_signature_and_fields() {
    let f: fn(ArrayView2<f64>, ArrayView1<f64>, f64, usize) -> PowerIteration = power_iteration;
    let m = array![[2.0, 1.0], [1.0, 2.0]];
    let r = f(m.view(), array![1.0, 0.0].view(), 1e-12, 1000);
    let (value, vector, iterations, converged): (f64, Array1<f64>, usize, bool) =
        (r.value, r.vector, r.iterations, r.converged);
    assert!(converged && iterations > 0);
    assert_relative_eq!(value, 3.0, max_relative = 1e-12);
    assert_relative_eq!(vector.dot(&vector).sqrt(), 1.0, max_relative = 1e-14);
}

/// The contract's return type: eigenvalues and eigenvectors as columns.
type Eigenpairs = Result<(Array1<f64>, Array2<f64>), Error>;

#[test]
fn top_eigenpairs_returns_descending_values_and_column_vectors() {
    let f: fn(ArrayView2<f64>, usize, u64) -> Eigenpairs = top_eigenpairs;
    let m = Array2::from_diag(&array![1.0, 4.0, 2.0, 3.0]);
    let (values, vectors) = f(m.view(), 2, 7).unwrap();
    assert_eq!(vectors.dim(), (4, 2));
    assert_relative_eq!(values[0], 4.0, max_relative = 1e-12);
    assert_relative_eq!(values[1], 3.0, max_relative = 1e-12);
    assert_relative_eq!(vectors[[1, 0]].abs(), 1.0, max_relative = 1e-12);
    assert_relative_eq!(vectors[[3, 1]].abs(), 1.0, max_relative = 1e-12);
}

#[test]
fn pca_fields_have_the_documented_shapes_and_meaning() {
    let f: fn(ArrayView2<f64>, usize, u64) -> Result<Pca, Error> = pca;
    // Four samples (columns) in 3-D along the x axis around (1, 2, 3): variance 4 along x (1/N).
    let x = array![
        [-1.0, 3.0, -1.0, 3.0],
        [2.0, 2.0, 2.0, 2.0],
        [3.0, 3.0, 3.0, 3.0]
    ];
    let model = f(x.view(), 1, 0).unwrap();
    assert_eq!(model.mean, array![1.0, 2.0, 3.0]);
    assert_eq!(model.components.dim(), (3, 1));
    assert_relative_eq!(model.components[[0, 0]].abs(), 1.0, max_relative = 1e-12);
    assert_relative_eq!(model.variances[0], 4.0, max_relative = 1e-12);
}
