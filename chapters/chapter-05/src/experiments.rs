//! The chapter's experiments: they compute and return plain data; `report` renders it.

use burn::module::AutodiffModule;
use burn::tensor::backend::AutodiffBackend;

use crate::Stream;
use crate::attention::{
    ClassAttention, MassByHead, STROKE_THRESHOLD, class_attention, mean_stroke_mass,
};
use crate::config::{CrateConfig, Preset};
use crate::controls::{Controls, controls};
use crate::data::{Images, PIXEL_MEAN, PIXEL_STD, SIDE};
use crate::probe::{LayerProbe, probe};
use crate::train::{EpochStats, Schedule};
use crate::training::{TrainingConfig, adamw, train};
use shared::burn::flags::Checkpoints;
use shared::burn::{Device, Job, on_device};
use shared::digits::Digits;
use shared::{Error, Result};

shared::parameters! {
    /// Settings of a run of the chapter (`cargo run --release -p chapter-05 -- --help`).
    pub struct Config {
        /// Passes over the 8,000 training digits.
        epochs: usize = 5, range(1, 200);
        /// Token width d (a multiple of --heads).
        dim: usize = 128, range(4, 1024);
        /// Number of CRATE layers.
        depth: usize = 4, range(1, 32);
        /// Subspaces (attention heads) per layer; each has dimension dim/heads.
        heads: usize = 4, range(1, 64);
        /// Training images per AdamW step.
        batch: usize = 64, range(1, 8000);
        /// Peak learning rate of AdamW (linear warmup, then cosine decay to 0).
        lr: f64 = 2e-3, range(1e-6, 1.0);
        /// Seed of the initialization, the data order and the shifts.
        seed: u64 = 0;
        /// Where the tensors live: cpu (Burn's Flex) or cuda (needs --features cuda).
        device: Device = Device::Cpu;
        /// A fast smoke run: 1,000 training and 500 test digits, at most 2 epochs.
        quick: bool = false;
    }
}

/// Largest random shift of a training digit, pixels.
pub const MAX_SHIFT: usize = 2;
/// Test digits of each class the white-box probes look at (the first of
/// each class in the split: a balanced sample, as the split is stored class
/// by class).
pub const PROBE_PER_CLASS: usize = 50;
/// Test digits whose attention maps the report draws (the first of distinct classes).
pub const ATTENTION_EXAMPLES: usize = 4;
/// Most multiply-adds a CPU run may take for training (forward and backward
/// of every image of every epoch): about ten times the default run, so ten
/// minutes or so on two cores. Larger runs belong on `--device cuda`.
pub const CPU_TRAINING_MACS: f64 = 6e12;
/// The same limit on a GPU (a thousand times the default run).
pub const CUDA_TRAINING_MACS: f64 = 6e14;
/// Most f32 values a training step may keep for the backward pass (8 GB).
pub const MAX_ACTIVATIONS: f64 = 2e9;
/// Values kept per token and layer, in units of the token width (layer norms,
/// projections, attention output, ISTA products and their inputs).
pub const ACTIVATIONS_PER_TOKEN: f64 = 16.0;
/// A training step costs about three forward passes (forward, and the two
/// products of the backward pass).
pub const TRAIN_OVER_FORWARD: f64 = 3.0;

impl Config {
    /// The model this run trains: the digits preset with `--dim`, `--depth`, `--heads`.
    pub fn model(&self) -> CrateConfig {
        let mut m = Preset::Digits.config();
        m.dim = self.dim;
        m.depth = self.depth;
        m.heads = self.heads;
        m.dim_head = self.dim / self.heads.max(1);
        m
    }

    /// The training schedule: 1 epoch of warmup (at most a tenth of all steps).
    pub fn schedule(&self, train_len: usize) -> Schedule {
        let mut s = Schedule {
            epochs: self.epochs(),
            batch: self.batch,
            lr: self.lr,
            warmup: 0,
            max_shift: MAX_SHIFT,
        };
        let steps = s.steps_per_epoch(train_len);
        s.warmup = steps.min(steps * s.epochs / 10).max(1);
        s
    }

    /// Everything that decides the training: the model, the official
    /// recipe's AdamW and label smoothing, the schedule, the seed.
    pub fn training(&self, train_len: usize) -> TrainingConfig {
        TrainingConfig::new(self.model(), adamw(), self.schedule(train_len), self.seed)
    }

    /// Epochs actually run (`--quick` caps them at 2).
    pub fn epochs(&self) -> usize {
        if self.quick {
            self.epochs.min(2)
        } else {
            self.epochs
        }
    }

    /// Checks every flag, and that `--dim` is a multiple of `--heads`.
    ///
    /// # Errors
    /// [`Error::OutOfRange`] naming the flag.
    pub fn validate(&self) -> Result<()> {
        self.check_ranges()?;
        if !self.dim.is_multiple_of(self.heads) {
            return Err(Error::out_of_range(
                "--dim",
                format!("a multiple of --heads ({})", self.heads),
                self.dim,
            ));
        }
        self.model().validate()?;
        let (limit, flags) = match self.device {
            Device::Cpu => (
                CPU_TRAINING_MACS,
                "--epochs, --dim, --depth (or use --device cuda)",
            ),
            Device::Cuda => (CUDA_TRAINING_MACS, "--epochs, --dim, --depth"),
        };
        shared::cli::ensure_budget("multiply-adds", self.training_macs(), limit, flags)?;
        shared::cli::ensure_budget(
            "f32 activations per step",
            self.step_activations(),
            MAX_ACTIVATIONS,
            "--batch, --dim, --depth",
        )
    }

    /// Values one training step keeps for the backward pass: per image, token
    /// and layer, [`ACTIVATIONS_PER_TOKEN`] token-sized vectors and the
    /// attention matrices.
    pub fn step_activations(&self) -> f64 {
        let m = self.model();
        let n = (m.num_patches() + 1) as f64;
        let per_layer = n * (ACTIVATIONS_PER_TOKEN * m.dim as f64 + m.heads as f64 * n);
        self.batch as f64 * m.depth as f64 * per_layer
    }

    /// Multiply-adds of the whole training run on the full training split
    /// (an upper bound for `--quick`).
    pub fn training_macs(&self) -> f64 {
        let images = shared::digits::TRAIN_COUNT as f64;
        self.epochs() as f64 * images * TRAIN_OVER_FORWARD * self.model().forward_macs()
    }
}

/// Parameter count of each preset.
#[derive(Debug, Clone, PartialEq)]
pub struct PresetRow {
    /// The preset.
    pub preset: Preset,
    /// Its shape.
    pub config: CrateConfig,
    /// Its parameter count from the closed form (a test builds each preset and checks `num_params`).
    pub parameters: usize,
}

/// Everything the report shows.
#[derive(Debug, Clone)]
pub struct Results {
    /// The settings of the run.
    pub config: Config,
    /// The trained model's shape.
    pub model: CrateConfig,
    /// Its parameter count.
    pub parameters: usize,
    /// The published presets.
    pub presets: Vec<PresetRow>,
    /// The untrained demo: compression by layers built from the true subspaces.
    pub theory: crate::theory::Demo,
    /// Training and test images used.
    pub sizes: (usize, usize),
    /// How many test digits of each class the probes look at.
    pub probe_composition: [usize; 10],
    /// The schedule followed.
    pub schedule: Schedule,
    /// Everything that decided the training (as saved in `config.json`).
    pub training: TrainingConfig,
    /// Loss and accuracies after each epoch.
    pub history: Vec<EpochStats>,
    /// Compression and sparsity per layer at initialization.
    pub before: Vec<LayerProbe>,
    /// The same after training.
    pub after: Vec<LayerProbe>,
    /// Where the class token looks, at initialization.
    pub attention_before: AttentionProbe,
    /// The same after training.
    pub attention_after: AttentionProbe,
    /// The example digits of the attention figure: pixels in $[0, 1]$ and labels.
    pub attention_examples: Vec<(ndarray::Array2<f64>, usize)>,
}

/// The class token's attention on the probe digits.
#[derive(Debug, Clone, PartialEq)]
pub struct AttentionProbe {
    /// Mean mass on the strokes per layer and head.
    pub mass: MassByHead,
    /// The maps against the controls that could explain them away.
    pub controls: Controls,
    /// The last layer's maps of the [`ATTENTION_EXAMPLES`] example digits.
    pub examples: ClassAttention,
}

/// The training split and test split the run uses (`--quick`: balanced subsets).
pub fn splits(config: &Config, digits: &Digits) -> Result<(Images, Images)> {
    let (train, test) = digits.splits(config.quick);
    Ok((Images::from_split(&train)?, Images::from_split(&test)?))
}

/// The supervised run: train, probe before and after.
struct Supervised<'a> {
    config: &'a Config,
    checkpoints: &'a Checkpoints,
    train: &'a Images,
    test: &'a Images,
}

/// What [`Supervised`] returns.
struct Trained {
    training: TrainingConfig,
    parameters: usize,
    history: Vec<EpochStats>,
    before: Vec<LayerProbe>,
    after: Vec<LayerProbe>,
    attention_before: AttentionProbe,
    attention_after: AttentionProbe,
}

/// A test digit's pixels back in $[0, 1]$.
fn raw_digit(images: &Images, i: usize) -> ndarray::Array2<f64> {
    let px = &images.pixels[i * SIDE * SIDE..(i + 1) * SIDE * SIDE];
    ndarray::Array2::from_shape_fn((SIDE, SIDE), |(r, c)| {
        f64::from(px[r * SIDE + c] * PIXEL_STD + PIXEL_MEAN)
    })
}

/// The first test digit of each of the first [`ATTENTION_EXAMPLES`] classes met.
fn example_indices(test: &Images) -> Vec<usize> {
    let mut seen = Vec::new();
    let mut idx = Vec::new();
    for (i, &label) in test.labels.iter().enumerate() {
        if idx.len() == ATTENTION_EXAMPLES {
            break;
        }
        if !seen.contains(&label) {
            seen.push(label);
            idx.push(i);
        }
    }
    idx
}

/// [`AttentionProbe`] of `model` on the test digits `probe_idx`.
fn attention_probe<B: burn::tensor::backend::Backend>(
    model: &crate::Crate<B>,
    test: &Images,
    probe_idx: &[usize],
    rng: &mut shared::rng::Rng,
    device: &B::Device,
) -> Result<AttentionProbe> {
    let (x, _) = test.batch(probe_idx, None, device);
    let layers = class_attention(model, x)?;
    let masks: Vec<_> = probe_idx
        .iter()
        .map(|&i| raw_digit(test, i).mapv(|v| v > STROKE_THRESHOLD))
        .collect();
    let mass = mean_stroke_mass(&layers, &masks)?;
    let controls = controls(&layers, &masks, rng)?;
    let (x, _) = test.batch(&example_indices(test), None, device);
    let mut last = class_attention(model, x)?;
    let examples = last.pop().ok_or_else(|| Error::NumericalFailure {
        algorithm: "attention probe",
        detail: "the model has no layers".into(),
    })?;
    Ok(AttentionProbe {
        mass,
        controls,
        examples,
    })
}

impl Job for Supervised<'_> {
    type Output = Trained;

    fn run<B: AutodiffBackend>(self, device: B::Device) -> Result<Trained> {
        let c = self.config;
        let training = c.training(self.train.len());
        let model = c
            .model()
            .init::<B>(&device, &mut Stream::Init.rng(c.seed))?;
        let parameters = burn::module::Module::num_params(&model);
        let probe_idx = probe_idx_of(self.test);
        let probe_on = |model: &crate::Crate<B>| {
            let (x, _) = self.test.batch(&probe_idx, None, &device);
            probe(&model.valid(), x)
        };
        // At initialization (also when resuming: the seed gives the same model).
        let before = probe_on(&model)?;
        let mut rng = Stream::Controls.rng(c.seed);
        let attention_before =
            attention_probe(&model.valid(), self.test, &probe_idx, &mut rng, &device)?;
        let epochs = training.schedule.epochs;
        let steps = training.schedule.steps_per_epoch(self.train.len());
        let bar = shared::cli::progress_bar((steps * epochs) as u64, "training CRATE");
        let trained = train(
            &training,
            model,
            self.train,
            self.test,
            self.checkpoints,
            &c.device.to_string(),
            &device,
            |epoch, loss, acc| {
                bar.set_message(format!(
                    "epoch {}/{epochs} loss {loss:.3} acc {:.1}%",
                    epoch + 1,
                    100.0 * acc
                ));
                bar.inc(1);
            },
        )?;
        bar.finish_and_clear();
        let after = probe_on(&trained.model)?;
        let attention_after = attention_probe(
            &trained.model.valid(),
            self.test,
            &probe_idx,
            &mut rng,
            &device,
        )?;
        Ok(Trained {
            training,
            parameters,
            history: trained.history,
            before,
            after,
            attention_before,
            attention_after,
        })
    }
}

/// The test digits the probes look at: the first [`PROBE_PER_CLASS`] of each class.
pub fn probe_idx_of(test: &Images) -> Vec<usize> {
    (0..10)
        .flat_map(|class| {
            (0..test.len())
                .filter(move |&i| test.labels[i] == class)
                .take(PROBE_PER_CLASS)
        })
        .collect()
}

/// How many digits of each class 0–9 the probes look at.
pub fn probe_composition(test: &Images) -> [usize; 10] {
    let mut counts = [0; 10];
    for i in probe_idx_of(test) {
        counts[test.labels[i].min(9)] += 1;
    }
    counts
}

/// Runs the chapter on `digits` (no checkpoints).
///
/// # Errors
/// A bad configuration, an unavailable device, or a numerical failure in training.
pub fn run_all(config: &Config, digits: &Digits) -> Result<Results> {
    run_all_with(config, &Checkpoints::default(), digits)
}

/// Runs the chapter on `digits`, saving or resuming checkpoints.
///
/// # Errors
/// As [`run_all`]; a checkpoint that cannot be written, read, or does not
/// match the configuration.
pub fn run_all_with(
    config: &Config,
    checkpoints: &Checkpoints,
    digits: &Digits,
) -> Result<Results> {
    config.validate()?;
    let (train, test) = splits(config, digits)?;
    let trained = on_device(
        config.device,
        Supervised {
            config,
            checkpoints,
            train: &train,
            test: &test,
        },
    )?;
    let presets = [
        Preset::CrateTiny,
        Preset::CrateSmall,
        Preset::CrateBase,
        Preset::CrateLarge,
        Preset::CrateSmall21k,
        Preset::CrateBase21k,
        Preset::CrateDemo,
        Preset::Digits,
    ]
    .into_iter()
    .map(|preset| {
        let config = preset.config();
        PresetRow {
            preset,
            parameters: config.parameter_count(),
            config,
        }
    })
    .collect();
    let theory = crate::theory::run(&crate::theory::SETUP, &mut Stream::Theory.rng(config.seed))?;
    Ok(Results {
        config: config.clone(),
        theory,
        model: config.model(),
        parameters: trained.parameters,
        presets,
        sizes: (train.len(), test.len()),
        probe_composition: probe_composition(&test),
        schedule: trained.training.schedule,
        training: trained.training,
        history: trained.history,
        before: trained.before,
        after: trained.after,
        attention_before: trained.attention_before,
        attention_after: trained.attention_after,
        attention_examples: example_indices(&test)
            .into_iter()
            .map(|i| (raw_digit(&test, i), test.labels[i]))
            .collect(),
    })
}
