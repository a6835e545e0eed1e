//! The architecture against independent references: parameter counts,
//! patch order, the ISTA block against chapter 2, MSSA against a direct
//! ndarray computation, the compression probe against chapter 4.

use burn::module::{Module, Param};
use burn::prelude::*;
use ndarray::{Array2, s};

use chapter_05::model::{Crate, patchify};
use chapter_05::{CrateConfig, Preset};
use shared::rng::gaussian_matrix;
use shared::seeded_rng;

type B = burn::backend::Flex;

fn to_tensor(a: &Array2<f64>) -> Tensor<B, 2> {
    let values: Vec<f32> = a.iter().map(|&v| v as f32).collect();
    Tensor::from_data(
        TensorData::new(values, [a.nrows(), a.ncols()]),
        &Default::default(),
    )
}

fn to_array(t: Tensor<B, 2>) -> Array2<f64> {
    let [r, c] = t.dims();
    let v: Vec<f32> = t.into_data().to_vec().unwrap();
    Array2::from_shape_fn((r, c), |(i, j)| f64::from(v[i * c + j]))
}

fn max_abs_diff(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    assert_eq!(a.dim(), b.dim());
    shared::error::nan_max(a.iter().zip(b).map(|(x, y)| (x - y).abs()))
}

/// The published parameter counts (the CRATE paper's 6.09M / 13.12M /
/// 22.80M / 77.64M, exact values from the official module definitions) and
/// the digits model, from the closed form and from the built model.
#[test]
fn preset_parameter_counts_are_the_official_ones() {
    let want = [
        (Preset::CrateTiny, 6_090_856),
        (Preset::CrateSmall, 13_116_328),
        (Preset::CrateBase, 22_796_008),
        (Preset::CrateLarge, 77_641_192),
        // PyTorch's count of the segmentation work's CRATE_small_21k and
        // CRATE_base_21k (patch 8, 21,842 classes), like the demo's below.
        (Preset::CrateSmall21k, 14_118_482),
        (Preset::CrateBase21k, 38_831_570),
        (Preset::Digits, 209_772),
    ];
    for (preset, count) in want {
        let config = preset.config();
        assert_eq!(config.parameter_count(), count, "{preset:?} closed form");
        let model: Crate<B> = config
            .init(&Default::default(), &mut seeded_rng(0))
            .unwrap();
        assert_eq!(model.num_params(), count, "{preset:?} built");
    }
    // One head spanning the token: no output projection, in both counts.
    let single = CrateConfig::new(8, 4, 1, 3, 16, 2, 1, 16);
    assert!(!single.projects_out());
    let model: Crate<B> = single
        .init(&Default::default(), &mut seeded_rng(0))
        .unwrap();
    assert_eq!(model.num_params(), single.parameter_count());
}

/// Patches in row-major order, each flattened as (row, column, channel).
#[test]
fn patches_follow_the_official_layout() {
    let values: Vec<f32> = (0..32).map(|v| v as f32).collect();
    // [1 image, 2 channels, 4 × 4], patch 2.
    let images =
        Tensor::<B, 4>::from_data(TensorData::new(values, [1, 2, 4, 4]), &Default::default());
    let p: Vec<f32> = patchify(images, 2).into_data().to_vec().unwrap();
    // Patch 1 (top right): rows 0–1, columns 2–3; channel 1 is offset by 16.
    let pixel = |c: usize, r: usize, col: usize| (c * 16 + r * 4 + col) as f32;
    let want: Vec<f32> = [(0, 2), (0, 3), (1, 2), (1, 3)]
        .iter()
        .flat_map(|&(r, col)| [pixel(0, r, col), pixel(1, r, col)])
        .collect();
    assert_eq!(&p[8..16], want.as_slice());
    assert_eq!(p.len(), 4 * 8);
}

/// A digits-shaped model with `d` as every layer's dictionary.
fn model_with_dictionary(d: &Array2<f64>) -> Crate<B> {
    let config = CrateConfig::new(8, 4, 1, 3, d.nrows(), 1, 2, d.nrows() / 2);
    let mut model: Crate<B> = config
        .init(&Default::default(), &mut seeded_rng(1))
        .unwrap();
    model.layers[0].ista.weight = Param::from_tensor(to_tensor(d));
    model
}

/// With D = I the ISTA step is a shift and a clip, ReLU(z − ηλ).
#[test]
fn ista_with_identity_dictionary_is_a_shifted_relu() {
    let z = gaussian_matrix(&mut seeded_rng(2), 6, 8);
    let model = model_with_dictionary(&Array2::eye(8));
    let got = to_array(model.layers[0].ista.step(to_tensor(&z)));
    let want = z.mapv(|v| (v - 0.01).max(0.0));
    assert!(max_abs_diff(&got, &want) < 1e-6);
}

/// The ISTA block is chapter 2's nonnegative-ISTA ReLU layer with the signal
/// equal to the warm start: `relu_layer(D, z, z, η, λ)` on tokens as columns.
#[test]
fn ista_block_is_one_step_of_chapter_two_nonnegative_ista() {
    let d = gaussian_matrix(&mut seeded_rng(3), 8, 8) * 0.3;
    let z = gaussian_matrix(&mut seeded_rng(4), 5, 8);
    let model = model_with_dictionary(&d);
    let got = to_array(model.layers[0].ista.step(to_tensor(&z)));
    let want = chapter_02::relu_layer(d.view(), z.t(), z.t(), 0.1, 0.1)
        .unwrap()
        .reversed_axes();
    let err = max_abs_diff(&got, &want);
    assert!(err < 1e-5, "max difference {err}");
    assert!(
        got.iter().filter(|&&v| v == 0.0).count() > 0,
        "the ReLU clips something"
    );
}

/// For a step η ≤ 1/‖D‖², one nonnegative-ISTA step from a nonnegative warm
/// start never raises λ‖z‖₁ + ½‖x − Dz‖² (x = the block's input).
#[test]
fn ista_step_does_not_increase_the_nonnegative_lasso_objective() {
    let mut d = gaussian_matrix(&mut seeded_rng(5), 8, 8);
    // ‖D‖² ≤ ‖D‖_F² = 1/η = 10: a valid step for η = 0.1.
    let frob = d.iter().map(|v| v * v).sum::<f64>().sqrt();
    d *= 10f64.sqrt() / frob;
    let x = gaussian_matrix(&mut seeded_rng(6), 7, 8).mapv(f64::abs);
    let model = model_with_dictionary(&d);
    let next = to_array(model.layers[0].ista.step(to_tensor(&x)));
    let objective = |z: &Array2<f64>| {
        let residual = &x - &z.dot(&d.t());
        0.1 * z.sum() + 0.5 * residual.iter().map(|v| v * v).sum::<f64>()
    };
    let (before, after) = (objective(&x), objective(&next));
    assert!(after <= before + 1e-5 * before.abs(), "{after} > {before}");
    assert!(after < before, "the step makes progress");
}

/// MSSA(LN(Z)) with U = I and an identity output projection, against a
/// direct computation: head k attends with softmax(W_k W_kᵀ/√p) over its own
/// coordinates W_k = LN(Z)[:, block k] only.
#[test]
fn mssa_matches_a_direct_computation_head_by_head() {
    let (n, dim, heads) = (5, 8, 2);
    let p = dim / heads;
    let mut model = model_with_dictionary(&Array2::eye(dim));
    let attn = &mut model.layers[0].attn;
    attn.qkv.weight = Param::from_tensor(to_tensor(&Array2::eye(dim)));
    let out = attn.to_out.as_mut().unwrap();
    out.weight = Param::from_tensor(to_tensor(&Array2::eye(dim)));
    out.bias = Some(Param::from_tensor(Tensor::zeros(
        [dim],
        &Default::default(),
    )));
    let z = gaussian_matrix(&mut seeded_rng(7), n, dim);
    let got = model.layers[0]
        .attn
        .forward(to_tensor(&z).reshape([1, n, dim]))
        .reshape([n, dim]);
    let got = to_array(got);
    // Reference: LayerNorm of each token (eps 1e-5), then each head.
    let mut ln = z.clone();
    for mut row in ln.rows_mut() {
        let mean = row.mean().unwrap();
        let var = row.mapv(|v| (v - mean).powi(2)).mean().unwrap();
        row.mapv_inplace(|v| (v - mean) / (var + 1e-5).sqrt());
    }
    let mut want = Array2::zeros((n, dim));
    for k in 0..heads {
        let w = ln.slice(s![.., k * p..(k + 1) * p]).to_owned();
        let mut a = w.dot(&w.t()) / (p as f64).sqrt();
        for mut row in a.rows_mut() {
            let max = row.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
            row.mapv_inplace(|v| (v - max).exp());
            let sum = row.sum();
            row /= sum;
        }
        want.slice_mut(s![.., k * p..(k + 1) * p])
            .assign(&a.dot(&w));
    }
    let err = max_abs_diff(&got, &want);
    assert!(err < 1e-5, "max difference {err}");
}

/// The compression probe equals Σ_k chapter 4's `coding_rate` of each head's
/// unit-normalized coordinates (p × N), on both sides of the Sylvester identity.
#[test]
fn compression_probe_matches_chapter_four() {
    for (n, p) in [(5, 4), (3, 6)] {
        let (b, h) = (2, 3);
        let raw = gaussian_matrix(&mut seeded_rng(8), b * h * n, p);
        let values: Vec<f32> = raw.iter().map(|&v| v as f32).collect();
        let t =
            Tensor::<B, 4>::from_data(TensorData::new(values, [b, h, n, p]), &Default::default());
        let got = chapter_05::probe::compression(t, 0.01).unwrap();
        assert_eq!(got.len(), b);
        for (image, &got_image) in got.iter().enumerate() {
            let mut want = 0.0;
            for head in 0..h {
                let start = (image * h + head) * n;
                let mut w = raw
                    .slice(s![start..start + n, ..])
                    .mapv(|v| f64::from(v as f32));
                for mut row in w.rows_mut() {
                    let norm = row.dot(&row).sqrt();
                    row /= norm;
                }
                want += chapter_04::coding_rate(w.t(), 0.01).unwrap();
            }
            let rel = (got_image - want).abs() / want;
            assert!(rel < 1e-5, "n = {n}, p = {p}: {got_image} vs {want}");
        }
    }
    assert!(
        chapter_05::probe::compression(
            Tensor::<B, 4>::zeros([1, 1, 2, 2], &Default::default()),
            0.0
        )
        .is_err()
    );
}

/// Bad shapes are refused with the flag's name.
#[test]
fn bad_model_shapes_are_errors() {
    let ok = Preset::Digits.config();
    assert!(ok.validate().is_ok());
    let mut bad = ok.clone();
    bad.patch_size = 5;
    assert!(
        bad.validate()
            .unwrap_err()
            .to_string()
            .contains("patch-size")
    );
    let mut bad = ok.clone();
    bad.heads = 0;
    assert!(bad.validate().is_err());
    let mut bad = ok.clone();
    bad.eta = f64::NAN;
    assert!(bad.validate().is_err());
    // The forward cost from the definition, counted by hand for the digits
    // model: 17 tokens of width 128, 4 heads of 32, 4 layers.
    let layer =
        17.0 * 128.0 * 128.0 * 2.0 + 2.0 * 4.0 * 17.0 * 17.0 * 32.0 + 2.0 * 17.0 * 128.0 * 128.0;
    let want = 16.0 * 49.0 * 128.0 + 4.0 * layer + 128.0 * 10.0;
    assert_eq!(ok.forward_macs(), want);
}

/// Runs that would take hours on a CPU, or more memory than the machine
/// has, are refused up front naming the flags; the default run is not.
#[test]
fn oversized_runs_are_refused() {
    use chapter_05::experiments::Config;
    let ok = Config::default();
    assert!(ok.validate().is_ok());
    let long = Config {
        epochs: 200,
        ..Config::default()
    };
    let err = long.validate().unwrap_err().to_string();
    assert!(err.contains("--epochs") && err.contains("cuda"), "{err}");
    let wide = Config {
        dim: 1024,
        depth: 32,
        epochs: 1,
        ..Config::default()
    };
    assert!(wide.validate().is_err());
    let big_batch = Config {
        batch: 8000,
        dim: 1024,
        epochs: 1,
        depth: 1,
        ..Config::default()
    };
    assert!(
        big_batch
            .validate()
            .unwrap_err()
            .to_string()
            .contains("--batch")
    );
    assert!(
        Config {
            epochs: 20,
            ..Config::default()
        }
        .validate()
        .is_ok()
    );
}

/// The untrained demo: the compression gradient matches central finite
/// differences of chapter 4's rates, exact gradient steps and MSSA steps
/// both lower R^c at every layer, and ISTA with D = I only adds zeros.
#[test]
fn untrained_layers_compress_a_union_of_subspaces() {
    use chapter_05::theory::{SETUP, compression, compression_gradient, run, subspaces, tokens};
    let setup = chapter_05::theory::Setup {
        per_subspace: 6,
        dim: 8,
        subspaces: 2,
        ..SETUP
    };
    let mut rng = seeded_rng(9);
    let bases = subspaces(&setup, &mut rng).unwrap();
    let z = tokens(&setup, &bases, &mut rng).unwrap();
    let grad = compression_gradient(z.view(), &bases, setup.eps_sq).unwrap();
    let h = 1e-6;
    let mut err: f64 = 0.0;
    for i in 0..z.nrows() {
        for j in 0..z.ncols() {
            let (mut plus, mut minus) = (z.clone(), z.clone());
            plus[[i, j]] += h;
            minus[[i, j]] -= h;
            let fd = (compression(plus.view(), &bases, setup.eps_sq).unwrap()
                - compression(minus.view(), &bases, setup.eps_sq).unwrap())
                / (2.0 * h);
            err = shared::error::nan_max2(err, (fd - grad[[i, j]]).abs());
        }
    }
    let scale = shared::error::nan_max(grad.iter().map(|v| v.abs()));
    assert!(
        scale > 1e-3 && err < 1e-6 * scale.max(1.0),
        "error {err}, scale {scale}"
    );
    let demo = run(&SETUP, &mut seeded_rng(0)).unwrap();
    assert_eq!(demo.gradient.len(), SETUP.layers + 1);
    for v in [&demo.gradient, &demo.attention] {
        assert!(v.windows(2).all(|w| w[1] < w[0]), "{v:?}");
    }
    assert!(demo.zeros.windows(2).all(|w| w[1] >= w[0]) && demo.zeros.last() > demo.zeros.first());
}

/// The ImageNet-21k demo model of the segmentation notebooks: 39,422,162
/// parameters, counted with PyTorch from the official module definitions
/// (`CRATE_base_demo()`: CRATE(224, patch 8, 21842 classes, dim 768, depth 12,
/// 6 heads of 128) with `mlp_head` = LayerNorm(768) + Linear(768, 768) and
/// `head` = Linear(768, 21842); `sum(p.numel() for p in model.parameters())`),
/// and a small model of the same head layout built and counted by Burn.
#[test]
fn demo_preset_parameter_count_is_the_official_one() {
    let demo = Preset::CrateDemo.config();
    assert!(demo.pre_logits);
    assert_eq!(
        (
            demo.image_size,
            demo.patch_size,
            demo.num_classes,
            demo.dim,
            demo.depth,
            demo.heads,
            demo.dim_head
        ),
        (224, 8, 21_842, 768, 12, 6, 128)
    );
    assert_eq!(demo.parameter_count(), 39_422_162);
    assert_eq!(demo.output_width(), 768);
    let small = CrateConfig::new(8, 4, 3, 5, 16, 2, 2, 8).with_pre_logits(true);
    let model: Crate<B> = small.init(&Default::default(), &mut seeded_rng(0)).unwrap();
    assert_eq!(model.num_params(), small.parameter_count());
    assert_eq!(
        small.parameter_count(),
        CrateConfig::new(8, 4, 3, 5, 16, 2, 2, 8).parameter_count() + 16 * 16 + 16,
        "the extra dim x dim layer of mlp_head"
    );
}

#[test]
fn in_pool_runs_on_a_worker_and_computes_the_same() {
    use burn::module::AutodiffModule;
    use shared::burn::{Cpu, in_pool};
    let device = Default::default();
    let model = chapter_05::Preset::Digits
        .config()
        .init::<Cpu>(&device, &mut seeded_rng(3))
        .unwrap()
        .valid();
    let pixels = gaussian_matrix(&mut seeded_rng(4), 8, 28 * 28);
    let pixels: Vec<f32> = pixels.iter().map(|&v| v as f32).collect();
    let images = Tensor::<B, 4>::from_data(TensorData::new(pixels, [8, 1, 28, 28]), &device);
    let outside = model.forward(images.clone()).into_data();
    let (worker, inside) = in_pool(|| {
        (
            rayon::current_thread_index(),
            model.forward(images.clone()).into_data(),
        )
    });
    assert!(worker.is_some(), "the work ran outside rayon's pool");
    assert_eq!(outside, inside);
}
