//! PCA on the workload of the table: top 10 of a 256 × 20000 data
//! matrix, ten planted spikes (variances 10, 9, …, 1 along orthonormal
//! directions) plus isotropic noise of standard deviation 0.5.
//!
//! `pca` takes samples as columns (`D × N`). Data usually arrive as an
//! `N × D` array with samples as rows, so the bench times `pca` on the
//! transposed view of such an array, and on a row-major `D × N` copy.
//!
//! Run with `cargo bench -p chapter-01 --bench pca`. With `DRL_BENCH_DUMP=DIR`
//! the bench first writes `X.npy` (`N × D`, samples as rows), and what our
//! `pca` computed on it in each layout, `mean_*.npy`, `variances_*.npy` and
//! `components_*.npy` (`D × 10`), to `DIR`, so `bench/pca.py --check DIR` can check NumPy's and scikit-learn's
//! answers against ours before timing them (`cargo xtask bench-compare`).

use std::hint::black_box;

use chapter_01::centering::Centered;
use chapter_01::{pca, top_eigenpairs};
use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::{Array2, Axis};
use shared::rng::gaussian_matrix;
use shared::seeded_rng;

const DIM: usize = 256;
const SAMPLES: usize = 20_000;
const K: usize = 10;
const NOISE: f64 = 0.5;

/// Orthonormal columns from a Gaussian matrix (modified Gram–Schmidt).
fn orthonormal(mut q: Array2<f64>) -> Array2<f64> {
    for j in 0..q.ncols() {
        for i in 0..j {
            let dot = q.column(i).dot(&q.column(j));
            let qi = q.column(i).to_owned();
            q.column_mut(j).scaled_add(-dot, &qi);
        }
        let norm = q.column(j).dot(&q.column(j)).sqrt();
        q.column_mut(j).mapv_inplace(|v| v / norm);
    }
    q
}

/// `N × D` data, samples as rows.
fn workload() -> Array2<f64> {
    let mut rng = seeded_rng(0);
    let u = orthonormal(gaussian_matrix(&mut rng, DIM, K));
    let mut codes = gaussian_matrix(&mut rng, SAMPLES, K);
    for (j, mut col) in codes.axis_iter_mut(Axis(1)).enumerate() {
        col *= ((K - j) as f64).sqrt();
    }
    codes.dot(&u.t()) + gaussian_matrix(&mut rng, SAMPLES, DIM) * NOISE
}

fn bench(c: &mut Criterion) {
    let rows = workload();
    let columns = rows.t().as_standard_layout().into_owned();
    if let Some(dir) = std::env::var_os("DRL_BENCH_DUMP") {
        let dir = std::path::Path::new(&dir);
        std::fs::create_dir_all(dir).expect("creating the dump directory");
        ndarray_npy::write_npy(dir.join("X.npy"), &rows).expect("writing X.npy");
        for (layout, x) in [("transposed", rows.t()), ("row_major", columns.view())] {
            let ours = pca(x, K, 0).expect("PCA of the workload");
            let write = |what: &str, a: ndarray::ArrayView<f64, _>| {
                ndarray_npy::write_npy(dir.join(format!("{what}_{layout}.npy")), &a)
                    .unwrap_or_else(|e| panic!("writing {what}_{layout}.npy: {e}"))
            };
            write("mean", ours.mean.view().into_dyn());
            write("variances", ours.variances.view().into_dyn());
            write("components", ours.components.view().into_dyn());
        }
    }
    let mut group = c.benchmark_group("pca_256x20000_top10");
    group.sample_size(20);
    group.bench_function("transposed_view", |b| {
        b.iter(|| pca(black_box(rows.t()), K, 0).unwrap())
    });
    group.bench_function("row_major", |b| {
        b.iter(|| pca(black_box(columns.view()), K, 0).unwrap())
    });
    // The parts of each run: the two read passes (finiteness, magnitudes,
    // sums; the centered magnitude), and the scatter (centering in blocks
    // and the products); the rest is the 256 x 256 eigenproblem (timed last).
    for (layout, x) in [("transposed_view", rows.t()), ("row_major", columns.view())] {
        group.bench_function(format!("{layout}_passes"), |b| {
            b.iter(|| Centered::new("x", black_box(x)).unwrap())
        });
        let centered = Centered::new("x", x).unwrap();
        group.bench_function(format!("{layout}_scatter"), |b| {
            b.iter(|| black_box(&centered).scatter())
        });
    }
    // The eigenproblem on its own: the top 10 of the 256 x 256 covariance.
    let covariance = Centered::new("x", rows.t()).unwrap().scatter() / SAMPLES as f64;
    group.bench_function("eigenpairs", |b| {
        b.iter(|| top_eigenpairs(black_box(covariance.view()), K, 0).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
