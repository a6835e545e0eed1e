//! The closed-form mixture sampler on the workload of `../shared/bench` (W3):
//! a 5-component mixture of rank-4 subspaces in R^64 plus an isotropic 1e-4,
//! 2000 samples, 100 DDIM steps on the VE process with noise levels
//! geometric from 10 to 1e-3, starting from 10 · N(0, I).
//!
//! Run with `cargo bench -p chapter-03 --bench sampler`.

use std::hint::black_box;

use chapter_03::{LowRankMixture, Process, ddim_sample, exponential_grid};
use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::{Array1, Axis};
use shared::linalg::random_orthonormal;
use shared::rng::gaussian_matrix;
use shared::seeded_rng;

fn bench(c: &mut Criterion) {
    let (d, k, r, n) = (64, 5, 4, 2000);
    let mut rng = seeded_rng(0);
    let bases = (0..k).map(|_| random_orthonormal(&mut rng, d, r)).collect();
    let mix = LowRankMixture::new(
        Array1::from_elem(k, 1.0 / k as f64),
        bases,
        vec![1.0; k],
        1e-4,
    )
    .unwrap();
    let grid = exponential_grid(10.0, 1e-3, 100);
    let start = gaussian_matrix(&mut rng, d, n) * 10.0;
    let run = || {
        ddim_sample(
            &mix,
            Process::VarianceExploding,
            &grid,
            start.view(),
            |_, _| {},
        )
        .unwrap()
    };
    let samples = run();
    let nearest = mix
        .distances(samples.view())
        .expect("valid samples")
        .map_axis(Axis(0), |c| c.iter().fold(f64::INFINITY, |m, v| m.min(*v)));
    eprintln!(
        "mean distance of the samples to the nearest subspace: {:.5}",
        nearest.mean().unwrap()
    );
    let mut group = c.benchmark_group("diffusion_d64_k5_rank4");
    group.sample_size(30);
    group.bench_function("ddim_100_steps_2000_samples", |b| {
        b.iter(|| black_box(run()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
