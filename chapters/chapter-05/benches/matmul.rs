//! The machine's matrix-multiply rate through the products the chapters use:
//! f64 through ndarray (`matrixmultiply`, chapters 1–4) and f32 through Burn's
//! Flex backend (the `gemm` crate, chapters 5–6), both 1024 × 1024 × 1024
//! (2.15 GFLOP). `cargo xtask bench-compare` sets each workload's speed
//! against these ceilings and against NumPy's BLAS on the same matrices.
//!
//! Run with `cargo bench -p chapter-05 --bench matmul`. With
//! `DRL_BENCH_DUMP=DIR` the bench first writes `A.npy`, `B.npy` and our
//! products `C64.npy` and `C32.npy` to `DIR`, so `bench/matmul.py --check DIR`
//! can check NumPy's products against ours before timing them.

use std::hint::black_box;

use burn::tensor::{Tensor, TensorData};
use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::Array2;
use shared::rng::gaussian_matrix;
use shared::seeded_rng;

type Flex = burn::backend::Flex;

/// The allocator of the chapter's binary (see `src/main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const N: usize = 1024;

fn to_flex(a: &Array2<f64>) -> Tensor<Flex, 2> {
    let values: Vec<f32> = a.iter().map(|&v| v as f32).collect();
    Tensor::from_data(TensorData::new(values, [N, N]), &Default::default())
}

fn bench(c: &mut Criterion) {
    let a = gaussian_matrix(&mut seeded_rng(0), N, N);
    let b = gaussian_matrix(&mut seeded_rng(1), N, N);
    let (a32, b32) = (to_flex(&a), to_flex(&b));
    if let Some(dir) = std::env::var_os("DRL_BENCH_DUMP") {
        let dir = std::path::Path::new(&dir);
        std::fs::create_dir_all(dir).expect("creating the dump directory");
        ndarray_npy::write_npy(dir.join("A.npy"), &a).expect("writing A.npy");
        ndarray_npy::write_npy(dir.join("B.npy"), &b).expect("writing B.npy");
        ndarray_npy::write_npy(dir.join("C64.npy"), &a.dot(&b)).expect("writing C64.npy");
        let c32: Vec<f32> = a32
            .clone()
            .matmul(b32.clone())
            .into_data()
            .to_vec()
            .expect("f32 data");
        let c32 = Array2::from_shape_vec((N, N), c32).expect("N x N");
        ndarray_npy::write_npy(dir.join("C32.npy"), &c32).expect("writing C32.npy");
    }
    let mut group = c.benchmark_group("matmul 1024 x 1024 x 1024");
    group.sample_size(20);
    group.bench_function("f64, ndarray (matrixmultiply)", |bench| {
        bench.iter(|| black_box(&a).dot(black_box(&b)))
    });
    group.bench_function("f32, Burn Flex (gemm)", |bench| {
        bench.iter(|| {
            let out = black_box(a32.clone()).matmul(black_box(b32.clone()));
            // Flex is synchronous, but read a value so nothing is left lazy.
            black_box(out.into_data())
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
