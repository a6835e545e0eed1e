//! The machine's matrix-multiply rate through the products the chapters use:
//! f64 through ndarray (`matrixmultiply`, chapters 1–4) and f32 through Burn's
//! Flex backend (the `gemm` crate, chapters 5–6), both 1024 × 1024 × 1024
//! (2.15 GFLOP). `cargo xtask bench-compare` sets each workload's speed
//! against these ceilings and against NumPy's BLAS on the same matrices.
//!
//! The f32 products of the Burn chapters' own shapes ([`SHAPES`]: a CRATE
//! linear layer and its weight gradient, CTRL's first layer and its weight
//! gradient) are timed too: they set chapters 5 and 6 against PyTorch's
//! matrix kernel without anything else around them.
//!
//! Run with `cargo bench -p chapter-05 --bench matmul`. With
//! `DRL_BENCH_DUMP=DIR` the bench first writes `A.npy`, `B.npy` and our
//! products `C64.npy` and `C32.npy` to `DIR`, and for each shape `ID`
//! `ID.a.npy`, `ID.b.npy`, our product `ID.c.npy` and `ID.json` (whether the
//! left factor is used transposed), so `bench/matmul.py --check DIR` can check
//! NumPy's and PyTorch's products against ours before timing them.

use std::hint::black_box;

use burn::tensor::{Tensor, TensorData};
use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::Array2;
use shared::burn::in_pool;
use shared::rng::gaussian_matrix;
use shared::seeded_rng;

type Flex = burn::backend::Flex;

/// The allocator of the chapter's binary (see `src/main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const N: usize = 1024;

/// A product of the Burn chapters: `id`, then `m × k` times `k × n`; when the
/// last field is true the left factor is stored `k × m` and used transposed
/// (a weight gradient $X^\top G$ of a linear layer, as autodiff computes it).
const SHAPES: &[(&str, usize, usize, usize, bool)] = &[
    // CRATE digits preset: 128 images × 17 tokens through a 128 × 128 weight.
    ("crate_linear", 2176, 128, 128, false),
    ("crate_weight_gradient", 128, 2176, 128, true),
    // CTRL: 500 digits through the encoder's first layer, 784 → 512.
    ("ctrl_first_layer", 500, 784, 512, false),
    ("ctrl_first_layer_weight_gradient", 784, 500, 512, true),
];

fn flex(a: &Array2<f64>) -> Tensor<Flex, 2> {
    let values: Vec<f32> = a.iter().map(|&v| v as f32).collect();
    Tensor::from_data(
        TensorData::new(values, [a.nrows(), a.ncols()]),
        &Default::default(),
    )
}

/// Our f32 product for shape `(m, k, n, transposed)` of the stored factors.
fn shape_product(a: &Tensor<Flex, 2>, b: &Tensor<Flex, 2>, transposed: bool) -> Tensor<Flex, 2> {
    let a = if transposed {
        a.clone().transpose()
    } else {
        a.clone()
    };
    a.matmul(b.clone())
}

fn shape_bench(c: &mut Criterion) {
    let dump = std::env::var_os("DRL_BENCH_DUMP");
    if let Some(dir) = &dump {
        std::fs::create_dir_all(dir).expect("creating the dump directory");
    }
    let mut group = c.benchmark_group("matmul f32 at the Burn chapters' shapes");
    group.sample_size(20);
    for (i, &(id, m, k, n, transposed)) in SHAPES.iter().enumerate() {
        let stored = if transposed { (k, m) } else { (m, k) };
        let a = gaussian_matrix(&mut seeded_rng(10 + i as u64), stored.0, stored.1);
        let b = gaussian_matrix(&mut seeded_rng(20 + i as u64), k, n);
        let (a32, b32) = (flex(&a), flex(&b));
        if let Some(dir) = &dump {
            let dir = std::path::Path::new(dir);
            let f32s = |x: &Array2<f64>| x.mapv(|v| v as f32);
            let c32: Vec<f32> = shape_product(&a32, &b32, transposed)
                .into_data()
                .to_vec()
                .expect("f32 data");
            let c32 = Array2::from_shape_vec((m, n), c32).expect("m x n");
            ndarray_npy::write_npy(dir.join(format!("{id}.a.npy")), &f32s(&a)).expect("writing a");
            ndarray_npy::write_npy(dir.join(format!("{id}.b.npy")), &f32s(&b)).expect("writing b");
            ndarray_npy::write_npy(dir.join(format!("{id}.c.npy")), &c32).expect("writing c");
            let meta = format!("{{\"transpose_lhs\": {transposed}}}");
            std::fs::write(dir.join(format!("{id}.json")), meta).expect("writing json");
        }
        group.bench_function(id, |bench| {
            bench.iter(|| {
                black_box(in_pool(|| {
                    shape_product(black_box(&a32), black_box(&b32), transposed).into_data()
                }))
            })
        });
    }
    group.finish();
}

fn bench(c: &mut Criterion) {
    let a = gaussian_matrix(&mut seeded_rng(0), N, N);
    let b = gaussian_matrix(&mut seeded_rng(1), N, N);
    let (a32, b32) = (flex(&a), flex(&b));
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
            // Flex is synchronous, but read a value so nothing is left lazy.
            // In the pool, as the chapters' binaries run (`device::in_pool`).
            black_box(in_pool(|| {
                black_box(a32.clone())
                    .matmul(black_box(b32.clone()))
                    .into_data()
            }))
        })
    });
    group.finish();
}

criterion_group!(benches, bench, shape_bench);
criterion_main!(benches);
