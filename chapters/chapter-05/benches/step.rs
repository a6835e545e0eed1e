//! CRATE training step and inference on the digits preset at the shapes of
//! `../shared/bench` (workload W5): batch 128 of 1 × 28 × 28 images, patch 7,
//! dim 128, depth 4, 4 heads of 32, 10 classes, f32 on Burn's Flex CPU
//! backend. A step is what the PyTorch baseline (`python3 baselines.py crate`)
//! times: forward, mean cross-entropy, backward and one AdamW step (lr 1e-3,
//! weight decay 0.05); inference is the forward pass of the `valid()` copy.
//! Run with `cargo bench -p chapter-05 --bench step`; with
//! `RAYON_NUM_THREADS=2` both sides use two threads.

use std::hint::black_box;

use burn::module::AutodiffModule;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamWConfig, GradientsParams, Optimizer};
use burn::tensor::{Int, Tensor, TensorData};
use chapter_05::config::Preset;
use chapter_05::device::Cpu;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::RngExt;
use rand_distr::StandardNormal;
use shared::seeded_rng;

/// The allocator of the chapter's binary (see `src/main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const BATCH: usize = 128;

fn bench(c: &mut Criterion) {
    let device = Default::default();
    let mut rng = seeded_rng(1);
    let pixels: Vec<f32> = (0..BATCH * 28 * 28)
        .map(|_| rng.sample(StandardNormal))
        .collect();
    let labels: Vec<i64> = (0..BATCH).map(|i| (i % 10) as i64).collect();
    let x = Tensor::<Cpu, 4>::from_data(TensorData::new(pixels, [BATCH, 1, 28, 28]), &device);
    let y = Tensor::<Cpu, 1, Int>::from_data(TensorData::new(labels, [BATCH]), &device);
    let mut model = Some(
        Preset::Digits
            .config()
            .init::<Cpu>(&device, &mut seeded_rng(0))
            .unwrap(),
    );
    let mut optim = AdamWConfig::new().with_weight_decay(0.05).init();
    let loss_fn = CrossEntropyLossConfig::new().init(&device);

    let mut group = c.benchmark_group("crate digits, batch 128");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.sample_size(20);
    group.bench_function("train step (forward, loss, backward, AdamW)", |b| {
        b.iter(|| {
            let m = model.take().unwrap();
            let loss = loss_fn.forward(m.forward(x.clone()), y.clone());
            let grads = GradientsParams::from_grads(loss.backward(), &m);
            model = Some(optim.step(1e-3, m, grads));
        })
    });
    let eval = model.as_ref().unwrap().valid();
    let x_eval = x.clone().inner();
    group.bench_function("inference (valid model, forward)", |b| {
        b.iter(|| black_box(eval.forward(x_eval.clone()).into_data()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
