//! `rate_reduction` + `rate_reduction_grad` at the shapes of `../shared/bench`
//! (workload W4): m = 2000 unit features in d = 128, k = 10 equal classes,
//! ε² = 0.5, f64. Run with `cargo bench -p chapter-04 --bench rate`; the
//! Python baselines (`python3 baselines.py mcr2` in `../shared/bench`) time the
//! same computation with NumPy and PyTorch autograd. The second benchmark is
//! the fused [`rates_with_grad`], which is what the Python baselines compute
//! (value and gradient from one set of factorizations).

use std::hint::black_box;

use chapter_04::rate::normalize_columns;
use chapter_04::{rate_reduction, rate_reduction_grad, rates_with_grad};
use criterion::{Criterion, criterion_group, criterion_main};
use shared::rng::gaussian_matrix;
use shared::seeded_rng;

fn bench(c: &mut Criterion) {
    let (d, m, k) = (128, 2000, 10);
    let mut z = gaussian_matrix(&mut seeded_rng(0), d, m);
    normalize_columns(&mut z);
    let labels: Vec<usize> = (0..m).map(|i| i % k).collect();
    c.bench_function("rate_reduction + grad (d 128, m 2000, k 10)", |b| {
        b.iter(|| {
            let value = rate_reduction(black_box(z.view()), &labels, 0.5).unwrap();
            let grad = rate_reduction_grad(black_box(z.view()), &labels, 0.5).unwrap();
            black_box((value, grad))
        })
    });
    c.bench_function("rates_with_grad (d 128, m 2000, k 10)", |b| {
        b.iter(|| black_box(rates_with_grad(black_box(z.view()), &labels, 0.5).unwrap()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
