//! Clustering features and scoring clusterings against labels.
//!
//! Spherical k-means (k-means++ seeding, several restarts) groups unit
//! features; a clustering is scored by its *accuracy* under the best
//! one-to-one matching of clusters to classes (the assignment problem, solved
//! exactly) and by *normalized mutual information*
//! $\mathrm{NMI} = 2I(U; V)/(H(U) + H(V))$ (the arithmetic normalization, as
//! scikit-learn's default).

use ndarray::{Array2, ArrayView2, Axis};
use rand::RngExt;

use shared::rng::Rng;
use shared::{Error, Result};

/// Spherical k-means: `k` clusters of the (normalized) columns of `z`, the
/// best of `restarts` runs by within-cluster cosine similarity. Returns the
/// cluster of each column.
///
/// # Errors
/// No column, `k` outside `1..=` columns, `restarts = 0`, or non-finite features.
pub fn spherical_kmeans(
    z: ArrayView2<f64>,
    k: usize,
    restarts: usize,
    rng: &mut Rng,
) -> Result<Vec<usize>> {
    if z.ncols() == 0 {
        return Err(Error::shape("z", "at least one column", "none"));
    }
    shared::cli::ensure_in_range("k", k, 1, z.ncols())?;
    shared::cli::ensure_in_range("restarts", restarts, 1, usize::MAX)?;
    shared::error::ensure_finite("features", z.iter())?;
    let mut x = z.to_owned();
    crate::rate::normalize_columns(&mut x);
    let mut best: Option<(f64, Vec<usize>)> = None;
    for _ in 0..restarts.max(1) {
        let (score, assignment) = one_run(x.view(), k, rng);
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((score, assignment));
        }
    }
    best.map(|(_, a)| a)
        .ok_or_else(|| Error::shape("z", "columns", "none"))
}

fn one_run(x: ArrayView2<f64>, k: usize, rng: &mut Rng) -> (f64, Vec<usize>) {
    let n = x.ncols();
    // k-means++ seeding with distance 1 - cos.
    let mut centers = vec![rng.random_range(0..n)];
    while centers.len() < k {
        let dist: Vec<f64> = (0..n)
            .map(|i| {
                centers
                    .iter()
                    .map(|&c| (1.0 - x.column(i).dot(&x.column(c))).max(0.0))
                    .fold(f64::INFINITY, f64::min)
            })
            .collect();
        let total: f64 = dist.iter().sum();
        let mut target = rng.random::<f64>() * total;
        let pick = dist.iter().position(|d| {
            target -= d;
            target <= 0.0
        });
        centers.push(pick.unwrap_or(n - 1));
    }
    let mut c = x.select(Axis(1), &centers);
    let mut assignment = vec![0; n];
    let mut score = f64::NEG_INFINITY;
    for _ in 0..100 {
        let sims = c.t().dot(&x); // k × n
        let mut changed = false;
        let mut total = 0.0;
        for (i, col) in sims.axis_iter(Axis(1)).enumerate() {
            let (j, s) = shared::error::argmax(col.iter().copied());
            changed |= assignment[i] != j;
            assignment[i] = j;
            total += s;
        }
        score = total;
        let mut next = Array2::<f64>::zeros(c.raw_dim());
        for (i, &j) in assignment.iter().enumerate() {
            let mut col = next.column_mut(j);
            col += &x.column(i);
        }
        for (j, mut col) in next.axis_iter_mut(Axis(1)).enumerate() {
            let norm = col.dot(&col).sqrt();
            if norm > 0.0 {
                col /= norm;
            } else {
                col.assign(&c.column(j)); // an empty cluster keeps its centre
            }
        }
        c = next;
        if !changed {
            break;
        }
    }
    (score, assignment)
}

/// Counts of (cluster, class) pairs (`clusters present × classes present`).
fn contingency(clusters: &[usize], labels: &[usize]) -> Array2<f64> {
    let rows = crate::rate::class_indices(clusters);
    let cols = crate::rate::class_indices(labels);
    let mut t = Array2::zeros((rows.len(), cols.len()));
    for (a, (_, ia)) in rows.iter().enumerate() {
        for (b, (_, ib)) in cols.iter().enumerate() {
            t[[a, b]] = ia.iter().filter(|i| ib.binary_search(i).is_ok()).count() as f64;
        }
    }
    t
}

// ANCHOR: matching
/// The largest total weight of a one-to-one matching of rows to columns of
/// `weights` (at most 20 columns), by dynamic programming over the set of
/// columns already used: exact, $O(r\,2^c c)$.
///
/// # Errors
/// More than 20 columns, or a non-finite weight.
pub fn best_matching_weight(weights: ArrayView2<f64>) -> Result<f64> {
    let (rows, cols) = weights.dim();
    if cols > 20 {
        return Err(Error::out_of_range("columns", "at most 20", cols));
    }
    shared::error::ensure_finite("weights", weights.iter())?;
    // best[mask] = best weight matching the first rows to the columns in `mask`.
    let mut best = vec![f64::NEG_INFINITY; 1 << cols];
    best[0] = 0.0;
    for r in 0..rows {
        let mut next = best.clone(); // row r may stay unmatched
        for (mask, &value) in best.iter().enumerate() {
            if value == f64::NEG_INFINITY {
                continue;
            }
            for c in (0..cols).filter(|c| mask & (1 << c) == 0) {
                let m = mask | (1 << c);
                next[m] = next[m].max(value + weights[[r, c]]);
            }
        }
        best = next;
    }
    Ok(best.into_iter().fold(0.0, f64::max))
}
// ANCHOR_END: matching

/// Clustering accuracy: the fraction of points whose cluster, under the best
/// one-to-one matching of clusters to classes, is their class.
///
/// # Errors
/// Lengths that differ, or more than 20 classes.
pub fn clustering_accuracy(clusters: &[usize], labels: &[usize]) -> Result<f64> {
    check_lengths(clusters, labels)?;
    let matched = best_matching_weight(contingency(clusters, labels).view())?;
    Ok(matched / labels.len().max(1) as f64)
}

/// Normalized mutual information $2I(U;V)/(H(U) + H(V))$ in $[0, 1]$ (1 when
/// both are constant).
///
/// # Errors
/// Lengths that differ.
pub fn nmi(clusters: &[usize], labels: &[usize]) -> Result<f64> {
    check_lengths(clusters, labels)?;
    let t = contingency(clusters, labels);
    let n = labels.len() as f64;
    let entropy = |counts: ndarray::Array1<f64>| -> f64 {
        counts
            .iter()
            .filter(|c| **c > 0.0)
            .map(|c| -(c / n) * (c / n).ln())
            .sum()
    };
    let (hu, hv) = (entropy(t.sum_axis(Axis(1))), entropy(t.sum_axis(Axis(0))));
    let (rows, cols) = (t.sum_axis(Axis(1)), t.sum_axis(Axis(0)));
    let mut mi = 0.0;
    for ((a, b), &c) in t.indexed_iter() {
        if c > 0.0 {
            mi += c / n * (c * n / (rows[a] * cols[b])).ln();
        }
    }
    Ok(if hu + hv > 0.0 {
        2.0 * mi / (hu + hv)
    } else {
        1.0
    })
}

fn check_lengths(a: &[usize], b: &[usize]) -> Result<()> {
    if a.len() != b.len() || a.is_empty() {
        return Err(Error::shape(
            "clusters",
            format!("{} entries (one per label)", b.len()),
            a.len().to_string(),
        ));
    }
    Ok(())
}
