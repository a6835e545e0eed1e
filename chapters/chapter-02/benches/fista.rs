//! Batched FISTA on the workload of `../shared/bench` (W2): A 256 × 512 with
//! unit-norm columns, 1000 signals with 16-sparse codes (magnitudes U[1, 2],
//! random signs), noise 0.01, λ = 0.05, solved to a relative objective gap of 1e-6.
//!
//! As in the Python baselines, the number of iterations that reaches the gap
//! is calibrated once, untimed, against a certified reference (FISTA polished
//! on its support, KKT < 1e-12); the timed runs then do exactly that many.
//! A dense GEMM of the same size as one full-matrix gradient is timed too, to
//! express FISTA's speed as a fraction of the machine's matrix-multiply rate.
//!
//! Run with `cargo bench -p chapter-02 --bench fista`. With `DRL_BENCH_DUMP=DIR`
//! the bench first writes `A.npy`, `Y.npy` and `lasso.json` (λ, F*, the
//! calibrated iteration count and the objective our FISTA reaches there) to
//! `DIR`, so `bench/lasso.py --check DIR` can solve the same problem with
//! scikit-learn and numpy and check both answers before timing them
//! (`cargo xtask bench-compare`).

use std::hint::black_box;

use chapter_02::experiments::unit_column_matrix;
use chapter_02::lasso::{kkt_residual, polish};
use chapter_02::{SolverOptions, fista, lasso_objective};
use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::Array2;
use rand::RngExt;
use shared::rng::gaussian_matrix;
use shared::seeded_rng;

const M: usize = 256;
const N_ATOMS: usize = 512;
const SIGNALS: usize = 1000;
const SPARSITY: usize = 16;
const LAMBDA: f64 = 0.05;

fn workload() -> (Array2<f64>, Array2<f64>) {
    let mut rng = seeded_rng(0);
    let a = unit_column_matrix(&mut rng, M, N_ATOMS);
    let mut x = Array2::zeros((N_ATOMS, SIGNALS));
    for j in 0..SIGNALS {
        for i in rand::seq::index::sample(&mut rng, N_ATOMS, SPARSITY) {
            let sign = if rng.random::<bool>() { 1.0 } else { -1.0 };
            x[[i, j]] = sign * rng.random_range(1.0..2.0);
        }
    }
    let y = a.dot(&x) + gaussian_matrix(&mut rng, M, SIGNALS) * 0.01;
    (a, y)
}

/// The fewest FISTA iterations whose total objective is within 1e-6 (relative) of F*.
fn calibrate(a: &Array2<f64>, y: &Array2<f64>) -> (usize, f64) {
    let rough = fista(
        a.view(),
        y.view(),
        LAMBDA,
        &SolverOptions {
            max_iters: 20_000,
            tol: 1e-12,
        },
    )
    .unwrap();
    let x_star = polish(a.view(), y.view(), rough.x.view(), LAMBDA).expect("valid input");
    let kkt = kkt_residual(a.view(), y.view(), x_star.view(), LAMBDA).expect("valid input");
    let f_star = lasso_objective(a.view(), y.view(), x_star.view(), LAMBDA);
    let run = fista(
        a.view(),
        y.view(),
        LAMBDA,
        &SolverOptions {
            max_iters: 2000,
            tol: 0.0,
        },
    )
    .unwrap();
    let iters = run
        .objective
        .iter()
        .position(|f| (f - f_star) / f_star <= 1e-6)
        .expect("reaches 1e-6");
    eprintln!(
        "reference: F* = {f_star:.9}, KKT {kkt:.1e}; FISTA reaches relative gap 1e-6 after {iters} iterations \
         (gap there {:.1e})",
        (run.objective[iters] - f_star) / f_star
    );
    (iters, f_star)
}

/// Writes the problem and what we computed on it for the Python mirror.
fn dump(dir: &std::path::Path, a: &Array2<f64>, y: &Array2<f64>, iters: usize, f_star: f64) {
    let ours = fista(
        a.view(),
        y.view(),
        LAMBDA,
        &SolverOptions {
            max_iters: iters,
            tol: 0.0,
        },
    )
    .expect("valid input");
    let reached = lasso_objective(a.view(), y.view(), ours.x.view(), LAMBDA);
    std::fs::create_dir_all(dir).expect("creating the dump directory");
    ndarray_npy::write_npy(dir.join("A.npy"), a).expect("writing A.npy");
    ndarray_npy::write_npy(dir.join("Y.npy"), y).expect("writing Y.npy");
    let meta = format!(
        "{{\"lambda\": {LAMBDA:e}, \"f_star\": {f_star:e}, \"iters\": {iters}, \"fista_objective\": {reached:e}, \"gap\": 1e-6}}\n"
    );
    std::fs::write(dir.join("lasso.json"), meta).expect("writing lasso.json");
}

fn bench(c: &mut Criterion) {
    let (a, y) = workload();
    let (iters, f_star) = calibrate(&a, &y);
    if let Some(dir) = std::env::var_os("DRL_BENCH_DUMP") {
        dump(std::path::Path::new(&dir), &a, &y, iters, f_star);
    }
    let opts = SolverOptions {
        max_iters: iters,
        tol: 0.0,
    };
    let mut group = c.benchmark_group("lasso_256x512_1000_signals");
    group.sample_size(20);
    // The iteration count (calibrated above) is printed, not in the name, so
    // that `cargo xtask bench-compare` finds the result under a fixed id.
    group.bench_function("fista_to_gap_1e-6", |b| {
        b.iter(|| fista(black_box(a.view()), black_box(y.view()), LAMBDA, &opts).unwrap())
    });
    // One dense gradient of the Gram form, G X with G 512 × 512 and X 512 × 1000:
    // 2 · 512² · 1000 = 0.524 GFLOP, the work a dense FISTA iteration does.
    let gram = a.t().dot(&a);
    let x = gaussian_matrix(&mut seeded_rng(1), N_ATOMS, SIGNALS);
    group.bench_function("dense_gemm_512x512x1000", |b| {
        b.iter(|| black_box(&gram).dot(black_box(&x)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
