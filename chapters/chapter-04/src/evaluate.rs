//! Judging features: nearest subspace, nearest neighbours, clustering scores.
//!
//! The nearest-subspace rule is [chapter 1](chapter_01)'s PCA per class:
//! fit the top principal directions $U_j$ of each class's training features
//! (uncentered, as the official MCR² evaluation does) and assign a test feature
//! to the class with the smallest residual $\|(I - U_jU_j^\top)z\|$. If MCR² did its
//! job, each class lives near a low-dimensional subspace and the rule is exact.

use ndarray::{Array2, ArrayView2, Axis};
use rayon::prelude::*;

use shared::{Error, Result};

/// Checks a training set and its labels, and a test set of the same dimension.
fn validate(train: ArrayView2<f64>, labels: &[usize], test: ArrayView2<f64>) -> Result<()> {
    if train.ncols() == 0 || labels.len() != train.ncols() {
        return Err(Error::shape(
            "train, labels",
            "at least one training column and one label per column",
            format!("{} columns, {} labels", train.ncols(), labels.len()),
        ));
    }
    shared::error::ensure_rows("test", test.nrows(), train.nrows())?;
    shared::error::ensure_finite("train", train.iter())?;
    shared::error::ensure_finite("test", test.iter())
}

// ANCHOR: nearest_subspace
/// Classifies the columns of `test` by the nearest of the class subspaces
/// spanned by the top `components` principal directions of each class of `train`.
///
/// # Errors
/// No training column, labels not one per column, shapes that disagree,
/// non-finite input, or an eigensolver error.
pub fn nearest_subspace(
    train: ArrayView2<f64>,
    labels: &[usize],
    test: ArrayView2<f64>,
    components: usize,
) -> Result<Vec<usize>> {
    validate(train, labels, test)?;
    let classes = crate::rate::class_indices(labels);
    let mut residuals = Array2::<f64>::zeros((classes.len(), test.ncols()));
    for (j, (_, idx)) in classes.iter().enumerate() {
        // BEGIN SOLUTION 4.3: the nearest-subspace classifier
        let zj = train.select(Axis(1), idx);
        let k = components.min(zj.nrows()).min(zj.ncols());
        let (_, u) = chapter_01::top_eigenpairs(zj.dot(&zj.t()).view(), k, j as u64)?;
        let residual = &test - &u.dot(&u.t().dot(&test));
        residuals
            .row_mut(j)
            .assign(&residual.map_axis(Axis(0), |c| c.dot(&c)));
        // END SOLUTION
    }
    Ok(argmin_columns(residuals.view())
        .into_iter()
        .map(|j| classes[j].0)
        .collect())
}
// ANCHOR_END: nearest_subspace

/// Classifies the columns of `test` by majority vote of their `k` most
/// cosine-similar columns of `train` (ties go to the class of the nearest).
///
/// # Errors
/// Shapes that disagree or `k = 0`.
pub fn knn(
    train: ArrayView2<f64>,
    labels: &[usize],
    test: ArrayView2<f64>,
    k: usize,
) -> Result<Vec<usize>> {
    shared::error::ensure_rows("test", test.nrows(), train.nrows())?;
    shared::cli::ensure_in_range("k", k, 1, train.ncols().max(1))?;
    let norm = |x: ArrayView2<f64>| {
        let mut x = x.to_owned();
        crate::rate::normalize_columns(&mut x);
        x
    };
    let similarity = norm(test).t().dot(&norm(train)); // n_test × n_train
    let rows: Vec<_> = similarity.axis_iter(Axis(0)).collect();
    Ok(rows
        .into_par_iter()
        .map(|col| {
            // The k most similar, most similar first (a partial selection, then a small sort).
            let mut order: Vec<usize> = (0..col.len()).collect();
            let by_similarity = |a: &usize, b: &usize| col[*b].total_cmp(&col[*a]);
            if k < order.len() {
                order.select_nth_unstable_by(k - 1, by_similarity);
                order.truncate(k);
            }
            order.sort_by(by_similarity);
            let votes = |c: usize| order.iter().filter(|&&i| labels[i] == c).count();
            let best = order.iter().map(|&i| votes(labels[i])).max().unwrap_or(0);
            // The most voted class; among ties, the one of the most similar neighbour.
            order
                .iter()
                .map(|&i| labels[i])
                .find(|&c| votes(c) == best)
                .unwrap_or(labels[0])
        })
        .collect())
}

/// The row index of the smallest entry of every column.
fn argmin_columns(values: ArrayView2<f64>) -> Vec<usize> {
    values
        .axis_iter(Axis(1))
        .map(|col| shared::error::argmin(col.iter().copied()).0)
        .collect()
}

/// Fraction of `predicted` equal to `labels`.
pub fn accuracy(predicted: &[usize], labels: &[usize]) -> f64 {
    let hits = predicted.iter().zip(labels).filter(|(p, l)| p == l).count();
    hits as f64 / labels.len().max(1) as f64
}
