//! CRATE training step and inference on the digits preset: batch 128 of
//! 1 × 28 × 28 images, patch 7, dim 128, depth 4, 4 heads of 32, 10 classes,
//! f32 on Burn's Flex CPU backend. A step is the library's own training step
//! ([`chapter_05::train::train_step`]) with the chapter's recipe
//! ([`chapter_05::Config::training`]): forward, cross-entropy with label
//! smoothing 0.1, backward, AdamW (weight decay 0.05, each parameter's
//! gradient clipped at norm 1), at lr 1e-3; inference is the forward pass of
//! the `valid()` copy.
//! Run with `cargo bench -p chapter-05 --bench step`; `cargo xtask
//! bench-compare` runs it with `RAYON_NUM_THREADS=2` next to the PyTorch
//! mirror `bench/crate.py` on the same thread count. With
//! `DRL_BENCH_DUMP=DIR` the bench first writes the batch, the initial weights
//! (official names, [`save_weights`]), the settings, the initial logits, and
//! the losses of its first steps and the weights after them to `DIR`, so the
//! mirror can check that it computes the same model and the same steps
//! before it is timed.

use std::hint::black_box;

use burn::module::AutodiffModule;
use burn::nn::loss::CrossEntropyLoss;
use burn::optim::Optimizer;
use burn::tensor::{Int, Tensor, TensorData};
use chapter_05::training::TrainingConfig;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::RngExt;
use rand_distr::StandardNormal;
use shared::burn::{Cpu, in_pool};
use shared::seeded_rng;
use std::path::Path;

use chapter_05::infer::save_weights;
use chapter_05::model::Crate;

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
    let x =
        Tensor::<Cpu, 4>::from_data(TensorData::new(pixels.clone(), [BATCH, 1, 28, 28]), &device);
    let y = Tensor::<Cpu, 1, Int>::from_data(TensorData::new(labels.clone(), [BATCH]), &device);
    let recipe = recipe();
    let start = recipe
        .model
        .init::<Cpu>(&device, &mut seeded_rng(0))
        .unwrap();
    if let Some(dir) = std::env::var_os("DRL_BENCH_DUMP") {
        dump(Path::new(&dir), &recipe, &start, &x, &y, &pixels, &labels);
    }
    let mut model = Some(start);
    let mut optim = recipe.optimizer.init();
    let loss_fn = chapter_05::train::loss(recipe.label_smoothing, &device);

    let mut group = c.benchmark_group("crate digits, batch 128");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.sample_size(20);
    group.bench_function("train step (forward, loss, backward, AdamW)", |b| {
        b.iter(|| {
            let (m, loss) =
                in_pool(|| train_step(model.take().unwrap(), &mut optim, &loss_fn, &x, &y));
            model = Some(m);
            black_box(loss)
        })
    });
    let eval = model.as_ref().unwrap().valid();
    let x_eval = x.clone().inner();
    group.bench_function("inference (valid model, forward)", |b| {
        b.iter(|| black_box(in_pool(|| eval.forward(x_eval.clone()).into_data())))
    });
    group.finish();
}

/// The chapter's training configuration at its default flags, batch 128.
fn recipe() -> TrainingConfig {
    let config = chapter_05::Config {
        batch: BATCH,
        ..chapter_05::Config::default()
    };
    config.training(shared::digits::TRAIN_COUNT)
}

/// Its learning rate.
const LR: f64 = 1e-3;

/// One timed step, the library's own. Returns the moved model and the loss
/// before the step.
fn train_step<O: Optimizer<Crate<Cpu>, Cpu>>(
    model: Crate<Cpu>,
    optim: &mut O,
    loss_fn: &CrossEntropyLoss<Cpu>,
    x: &Tensor<Cpu, 4>,
    y: &Tensor<Cpu, 1, Int>,
) -> (Crate<Cpu>, f64) {
    let (model, loss, _) =
        chapter_05::train::train_step(model, optim, loss_fn, x.clone(), y.clone(), LR)
            .expect("a finite loss");
    (model, loss)
}

/// Steps whose losses the dump records.
const CHECKED_STEPS: usize = 3;

/// Writes `dir/crate.safetensors` (the initial weights, official names),
/// `dir/crate_batch.safetensors` (`x` and `labels`), `dir/crate_after.safetensors`
/// (the weights after the first [`CHECKED_STEPS`] steps) and `dir/crate.json`
/// (the model and optimizer settings, the initial model's logits on the
/// batch and the losses of those steps).
fn dump(
    dir: &Path,
    recipe: &TrainingConfig,
    start: &Crate<Cpu>,
    x: &Tensor<Cpu, 4>,
    y: &Tensor<Cpu, 1, Int>,
    pixels: &[f32],
    labels: &[i64],
) {
    std::fs::create_dir_all(dir).unwrap();
    save_weights(start, &dir.join("crate.safetensors")).unwrap();
    let x_bytes: Vec<u8> = pixels.iter().flat_map(|v| v.to_le_bytes()).collect();
    let y_bytes: Vec<u8> = labels.iter().flat_map(|v| v.to_le_bytes()).collect();
    let views = vec![
        (
            "x",
            safetensors::tensor::TensorView::new(
                safetensors::Dtype::F32,
                x.dims().to_vec(),
                &x_bytes,
            )
            .unwrap(),
        ),
        (
            "labels",
            safetensors::tensor::TensorView::new(safetensors::Dtype::I64, vec![BATCH], &y_bytes)
                .unwrap(),
        ),
    ];
    safetensors::serialize_to_file(views, None, &dir.join("crate_batch.safetensors")).unwrap();

    let logits = start.valid().forward(x.clone().inner());
    let logits = logits.into_data().to_vec::<f32>().unwrap();
    let loss_fn = chapter_05::train::loss(recipe.label_smoothing, &Default::default());
    let mut optim = recipe.optimizer.init();
    let mut model = start.clone();
    let mut losses = Vec::new();
    for _ in 0..CHECKED_STEPS {
        let (next, loss) = train_step(model, &mut optim, &loss_fn, x, y);
        losses.push(loss);
        model = next;
    }
    save_weights(&model, &dir.join("crate_after.safetensors")).unwrap();
    let settings = serde_json::json!({
        "model": recipe.model,
        "lr": LR,
        "adamw": recipe.optimizer,
        "label_smoothing": recipe.label_smoothing,
        "logits": logits,
        "losses": losses,
    });
    std::fs::write(dir.join("crate.json"), settings.to_string()).unwrap();
}

criterion_group!(benches, bench);
criterion_main!(benches);
