//! One round of the CTRL game at the chapter's default settings: 500
//! training digits (50 per class), the MLP players of `digits.rs`
//! (784 → 512 → 256 → 32 and back, LayerNorm, LeakyReLU 0.2), ε² = 0.5,
//! one Adam step (lr 1e-3, betas 0.5 and 0.999) of the encoder on $\mathcal T$
//! and one of the decoder, official weights (1, 1, 1). f32 on Burn's Flex CPU
//! backend, with the chapter binary's allocator.
//!
//! Run with `cargo bench -p chapter-06 --bench round`; `cargo xtask
//! bench-compare` runs it with `RAYON_NUM_THREADS=2` next to the PyTorch
//! mirror `bench/ctrl.py` on the same thread count. With `DRL_BENCH_DUMP=DIR`
//! the bench first writes the batch, the initial weights and the terms of
//! its first two rounds to `DIR`, so the mirror can check that it plays the
//! same game before it is timed (`bench/ctrl.py --check DIR`).

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::Path;

use burn::module::Param;
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;
use chapter_06::Config;
use chapter_06::data::pixel_rows;
use chapter_06::digits::ENCODER;
use chapter_06::game::TermValues;
use chapter_06::nets::{Head, Mlp};
use chapter_06::train::{Moves, Players, adam, round};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ndarray::{Array2, Axis};
use shared::burn::tensor::from_rows;
use shared::burn::{Cpu, in_pool};
use shared::seeded_rng;

/// The allocator of the chapter's binary (see `src/main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Rounds whose terms the dump records.
const CHECKED_ROUNDS: usize = 2;

fn players<B: AutodiffBackend>(device: &B::Device) -> Players<B> {
    let mut rng = seeded_rng(0);
    let decoder: Vec<usize> = ENCODER.iter().rev().copied().collect();
    Players {
        encoder: Mlp::new(&ENCODER, true, Head::Sphere, device, &mut rng).unwrap(),
        decoder: Mlp::new(&decoder, true, Head::Tanh, device, &mut rng).unwrap(),
    }
}

fn bench(c: &mut Criterion) {
    let config = Config::default();
    let moves = config.moves();
    let digits = shared::digits::load_default().expect("the shipped digits");
    let idx = digits.train.balanced_indices(config.batch / 10);
    let rows = pixel_rows(&digits.train).select(Axis(0), &idx);
    let labels: Vec<usize> = idx.iter().map(|&i| digits.train.labels[i]).collect();
    let device = Default::default();
    let x = from_rows::<Cpu>(&rows, &device);
    if let Some(dir) = std::env::var_os("DRL_BENCH_DUMP") {
        dump(
            Path::new(&dir),
            &players::<Cpu>(&device),
            &rows,
            &labels,
            &moves,
        );
    }

    let mut state = Some(players::<Cpu>(&device));
    let (mut opt_e, mut opt_d) = (adam().init(), adam().init());
    let mut group = c.benchmark_group("ctrl digits, batch 500");
    group.throughput(Throughput::Elements(labels.len() as u64));
    group.sample_size(20);
    group.bench_function("round (encoder step, decoder step)", |b| {
        b.iter(|| {
            let p = state.take().unwrap();
            let (p, values) =
                in_pool(|| round(p, &mut opt_e, &mut opt_d, x.clone(), &labels, &moves)).unwrap();
            state = Some(p);
            black_box(values)
        })
    });
    group.finish();
}

/// Writes `dir/ctrl.safetensors` (the batch, its labels and both players'
/// initial parameters, PyTorch's `[out, in]` layout) and `dir/ctrl.json`
/// (the settings and the terms of the first [`CHECKED_ROUNDS`] rounds).
fn dump(dir: &Path, start: &Players<Cpu>, rows: &Array2<f64>, labels: &[usize], moves: &Moves) {
    std::fs::create_dir_all(dir).unwrap();
    let mut tensors: BTreeMap<String, (Vec<usize>, Vec<u8>)> = BTreeMap::new();
    let mut put = |name: String, shape: Vec<usize>, bytes: Vec<u8>| {
        tensors.insert(name, (shape, bytes));
    };
    let f32_bytes = |v: Vec<f32>| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    put(
        "x".into(),
        rows.shape().to_vec(),
        f32_bytes(rows.iter().map(|&v| v as f32).collect()),
    );
    put(
        "labels".into(),
        vec![labels.len()],
        labels
            .iter()
            .flat_map(|&l| (l as i64).to_le_bytes())
            .collect(),
    );
    for (player, net) in [("encoder", &start.encoder), ("decoder", &start.decoder)] {
        for (i, layer) in net.layers.iter().enumerate() {
            let w = layer.weight.val().transpose();
            put(
                format!("{player}.{i}.weight"),
                w.dims().to_vec(),
                f32_bytes(values(w)),
            );
            if let Some(b) = &layer.bias {
                put(
                    format!("{player}.{i}.bias"),
                    b.dims().to_vec(),
                    f32_bytes(values(b.val())),
                );
            }
        }
        for (i, norm) in net.norms.iter().enumerate() {
            put(
                format!("{player}.norm{i}.weight"),
                norm.gamma.dims().to_vec(),
                f32_bytes(param(&norm.gamma)),
            );
            if let Some(beta) = &norm.beta {
                put(
                    format!("{player}.norm{i}.bias"),
                    beta.dims().to_vec(),
                    f32_bytes(param(beta)),
                );
            }
        }
    }
    let views: Vec<(String, safetensors::tensor::TensorView)> = tensors
        .iter()
        .map(|(name, (shape, bytes))| {
            let dtype = if name == "labels" {
                safetensors::Dtype::I64
            } else {
                safetensors::Dtype::F32
            };
            (
                name.clone(),
                safetensors::tensor::TensorView::new(dtype, shape.clone(), bytes).unwrap(),
            )
        })
        .collect();
    safetensors::serialize_to_file(views, None, &dir.join("ctrl.safetensors")).unwrap();

    let device = Default::default();
    let x = from_rows::<Cpu>(rows, &device);
    let (mut opt_e, mut opt_d) = (adam().init(), adam().init());
    let mut p = start.clone();
    let mut seen: Vec<TermValues> = Vec::new();
    for _ in 0..CHECKED_ROUNDS {
        let (next, values) = round(p, &mut opt_e, &mut opt_d, x.clone(), labels, moves).unwrap();
        p = next;
        seen.push(values);
    }
    let settings = serde_json::json!({
        "eps_sq": moves.eps_sq,
        "lr": moves.lr,
        "gammas": moves.gammas,
        "adam_betas": [0.5, 0.999],
        "adam_eps": 1e-5,
        "leaky_slope": chapter_06::nets::LEAKY_SLOPE,
        "layer_norm_eps": 1e-5,
        "rounds": seen,
    });
    std::fs::write(dir.join("ctrl.json"), settings.to_string()).unwrap();
}

fn values<B: Backend, const D: usize>(t: Tensor<B, D>) -> Vec<f32> {
    t.into_data().to_vec::<f32>().unwrap()
}

fn param(p: &Param<Tensor<Cpu, 1>>) -> Vec<f32> {
    values(p.val())
}

criterion_group!(benches, bench);
criterion_main!(benches);
