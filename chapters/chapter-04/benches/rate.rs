//! `rate_reduction` + `rate_reduction_grad` at the shapes of `../shared/bench`
//! (workload W4): m = 2000 unit features in d = 128, k = 10 equal classes,
//! ε² = 0.5, f64. Run with `cargo bench -p chapter-04 --bench rate`; the
//! Python baselines (`python3 baselines.py mcr2` in `../shared/bench`) time the
//! same computation with NumPy and PyTorch autograd. The second benchmark is
//! the fused [`rates_with_grad`], which is what the Python baselines compute
//! (value and gradient from one set of factorizations).
//!
//! With `DRL_BENCH_DUMP=DIR` the bench first writes `Z.npy` (`d × m`),
//! `labels.npy`, our gradient `grad.npy` and our $R$, $R_c$ (`mcr2.json`) to
//! `DIR`, so `bench/mcr2.py --check DIR` can check NumPy's and PyTorch's
//! answers against ours before timing them (`cargo xtask bench-compare`).

use std::hint::black_box;

use chapter_04::rate::normalize_columns;
use chapter_04::{rate_reduction, rate_reduction_grad, rates_with_grad};
use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::{Array1, Array2};
use shared::rng::gaussian_matrix;
use shared::seeded_rng;

/// Writes the features, the labels and what we computed from them (R, R_c,
/// the gradient of ΔR) for `bench/mcr2.py --check DIR`.
fn dump(dir: &std::path::Path, z: &Array2<f64>, labels: &[usize]) {
    let (rates, grad) = rates_with_grad(z.view(), labels, EPS_SQ).expect("valid input");
    std::fs::create_dir_all(dir).expect("creating the dump directory");
    ndarray_npy::write_npy(dir.join("Z.npy"), z).expect("writing Z.npy");
    let labels: Array1<i64> = labels.iter().map(|&l| l as i64).collect();
    ndarray_npy::write_npy(dir.join("labels.npy"), &labels).expect("writing labels.npy");
    ndarray_npy::write_npy(dir.join("grad.npy"), &grad).expect("writing grad.npy");
    let meta = format!(
        "{{\"eps_sq\": {EPS_SQ:e}, \"r\": {:e}, \"rc\": {:e}}}\n",
        rates.r, rates.rc
    );
    std::fs::write(dir.join("mcr2.json"), meta).expect("writing mcr2.json");
}

const EPS_SQ: f64 = 0.5;

fn bench(c: &mut Criterion) {
    let (d, m, k) = (128, 2000, 10);
    let mut z = gaussian_matrix(&mut seeded_rng(0), d, m);
    normalize_columns(&mut z);
    let labels: Vec<usize> = (0..m).map(|i| i % k).collect();
    if let Some(dir) = std::env::var_os("DRL_BENCH_DUMP") {
        dump(std::path::Path::new(&dir), &z, &labels);
    }
    c.bench_function("rate_reduction + grad (d 128, m 2000, k 10)", |b| {
        b.iter(|| {
            let value = rate_reduction(black_box(z.view()), &labels, EPS_SQ).unwrap();
            let grad = rate_reduction_grad(black_box(z.view()), &labels, EPS_SQ).unwrap();
            black_box((value, grad))
        })
    });
    c.bench_function("rates_with_grad (d 128, m 2000, k 10)", |b| {
        b.iter(|| black_box(rates_with_grad(black_box(z.view()), &labels, EPS_SQ).unwrap()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
