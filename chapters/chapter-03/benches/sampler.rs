//! The closed-form mixture sampler on the workload of `../shared/bench` (W3):
//! a 5-component mixture of rank-4 subspaces in R^64 plus an isotropic 1e-4,
//! 2000 samples, 100 DDIM steps on the VE process with noise levels
//! geometric from 10 to 1e-3, starting from 10 · N(0, I).
//!
//! Run with `cargo bench -p chapter-03 --bench sampler`. With
//! `DRL_BENCH_DUMP=DIR` the bench first writes the mixture (`bases.npy`,
//! `weights.npy`, `scales.npy`, `diffusion.json`), the grid, the starting
//! points and our samples to `DIR`, so `bench/diffusion.py --check DIR` can
//! run the same sampler in NumPy and PyTorch and check the samples first.

use std::hint::black_box;

use chapter_03::{LowRankMixture, Process, ddim_sample, exponential_grid};
use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::{Array1, Array2, Array3, Axis};
use shared::linalg::random_orthonormal;
use shared::rng::gaussian_matrix;
use shared::seeded_rng;

/// Writes the mixture, the grid, the starting points and our samples for
/// `bench/diffusion.py --check DIR`.
fn dump(
    dir: &std::path::Path,
    mix: &LowRankMixture,
    grid: &[f64],
    start: &Array2<f64>,
    samples: &Array2<f64>,
) {
    std::fs::create_dir_all(dir).expect("creating the dump directory");
    let (d, r) = mix.bases[0].dim();
    let mut bases = Array3::zeros((mix.bases.len(), d, r));
    for (mut slot, basis) in bases.outer_iter_mut().zip(&mix.bases) {
        slot.assign(basis);
    }
    let write = |name: &str, a: ndarray::ArrayViewD<f64>| {
        ndarray_npy::write_npy(dir.join(name), &a).unwrap_or_else(|e| panic!("writing {name}: {e}"))
    };
    write("bases.npy", bases.view().into_dyn());
    write("weights.npy", mix.weights.view().into_dyn());
    write(
        "scales.npy",
        Array1::from(mix.scales.clone()).view().into_dyn(),
    );
    write("grid.npy", Array1::from(grid.to_vec()).view().into_dyn());
    write("start.npy", start.view().into_dyn());
    write("samples.npy", samples.view().into_dyn());
    std::fs::write(
        dir.join("diffusion.json"),
        format!("{{\"floor\": {:e}}}\n", mix.floor),
    )
    .expect("writing diffusion.json");
}

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
    if let Some(dir) = std::env::var_os("DRL_BENCH_DUMP") {
        dump(std::path::Path::new(&dir), &mix, &grid, &start, &samples);
    }
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
