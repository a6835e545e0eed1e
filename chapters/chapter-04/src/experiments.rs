//! The chapter's experiments. They compute and return plain data (with the
//! parameters they used); [`crate::report`] turns the data into text and figures.

use ndarray::{Array2, ArrayView2, Axis};

use crate::ascent::{Ascent, ascend, class_singular_values, cross_class_coherence, numerical_rank};
use crate::augment::{DEFAULT_AUGMENTATION, augment};
use crate::cluster::{clustering_accuracy, nmi, spherical_kmeans};
use crate::encoder::{Encoder, Rates, TrainOptions, train};
use crate::evaluate::{accuracy, knn, nearest_subspace};
use crate::optima::{Arrangement, closed_form, equal_spread_rate_reduction, features};
use crate::rate::{class_coding_rate, coding_rate, normalize_columns};
use crate::redunet::ReduNet;
use shared::digits::Digits;
use shared::rng::{Rng, gaussian_matrix};
use shared::{Error, Result};

shared::parameters! {
    /// Settings of the chapter's run; `Config::default()` is what the book shows.
    pub struct Config {
        /// Quantization error eps^2 of the coding rates (the official code's `eps`).
        eps: f64 = 0.5, range(0.01, 10.0);
        /// Training epochs of the digit encoders.
        epochs: usize = 20, range(1, 100);
        /// Minibatch size of the digit encoders (images per batch).
        batch: usize = 500, range(20, 8000);
        /// Run a smaller, faster version of every experiment.
        quick: bool = false;
        /// Seed of every random draw (each experiment has its own stream).
        seed: u64 = 0;
    }
}

impl Config {
    /// Checks every field against its declared range.
    ///
    /// # Errors
    /// [`Error::OutOfRange`] naming the flag.
    pub fn validate(&self) -> Result<()> {
        self.check_ranges()
    }
}

shared::streams! {
    /// The chapter's random streams, one per experiment ([`shared::rng::stream_rng`]).
    pub enum Stream {
        /// Starting features of the gradient ascent.
        Ascent = 1,
        /// The synthetic ReduNet data.
        ReduNet = 2,
        /// The supervised digit encoders: initialization and minibatch order.
        Supervised = 4,
        /// Contrastive learning: initialization, source images, augmentations, k-means.
        Contrastive = 5,
    }
}

/// Everything the chapter measured, with the configuration it used.
#[derive(Debug, Clone)]
pub struct Results {
    /// The configuration of the run.
    pub config: Config,
    /// Experiment 1.
    pub optima: Vec<OptimumRow>,
    /// Experiment 2, one run per start.
    pub ascent: Vec<AscentRun>,
    /// Experiment 3, on synthetic data and on digits.
    pub redunet: Vec<ReduNetRun>,
    /// Experiment 4.
    pub supervised: Supervised,
    /// Experiment 5.
    pub contrastive: Contrastive,
}

/// Runs every experiment of the chapter for `config` on `digits`.
///
/// # Errors
/// Invalid `config`, or an experiment's error.
pub fn run_all(config: &Config, digits: &Digits) -> Result<Results> {
    config.validate()?;
    let seed = config.seed;
    let subset = config.quick.then(|| quick_subset(digits));
    let digits = subset.as_ref().unwrap_or(digits);
    let inputs = digit_inputs(digits, INPUT_DIM)?;
    Ok(Results {
        config: config.clone(),
        optima: optima(config.eps)?,
        // The digit sections share one projection; --quick uses a balanced subset.
        ascent: ascent_runs(config, &mut Stream::Ascent.rng(seed))?,
        redunet: vec![
            redunet_synthetic(config, &mut Stream::ReduNet.rng(seed))?,
            redunet_digits(config, digits, &inputs)?,
        ],
        supervised: {
            let bar =
                shared::cli::progress_bar(2 * config.epochs as u64, "supervised MCR^2 epochs");
            let out = supervised(
                config,
                digits,
                &inputs,
                &mut Stream::Supervised.rng(seed),
                |_| bar.inc(1),
            )?;
            bar.finish_and_clear();
            out
        },
        contrastive: {
            let bar =
                shared::cli::progress_bar(CONTRASTIVE_STEPS as u64, "contrastive MCR^2 steps");
            let out = contrastive(
                config,
                digits,
                &inputs,
                &mut Stream::Contrastive.rng(seed),
                |s| bar.set_position(s as u64),
            )?;
            bar.finish_and_clear();
            out
        },
    })
}

/// One arrangement: the formulas next to the rates computed from its features.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OptimumRow {
    /// Feature dimension $d$.
    pub d: usize,
    /// Number of classes $k$.
    pub k: usize,
    /// The arrangement.
    pub arrangement: Arrangement,
    /// $(R, R_c)$ from the formulas.
    pub formula: (f64, f64),
    /// $(R, R_c)$ computed by [`coding_rate`] and [`class_coding_rate`].
    pub computed: (f64, f64),
}

/// $(d, k)$ of the closed-form table.
pub const OPTIMA_CASES: [(usize, usize); 3] = [(16, 4), (32, 4), (120, 10)];

/// The closed-form table at $\varepsilon^2$ = `eps_sq`.
///
/// # Errors
/// A rate error.
pub fn optima(eps_sq: f64) -> Result<Vec<OptimumRow>> {
    let mut rows = Vec::new();
    for (d, k) in OPTIMA_CASES {
        for arrangement in [Arrangement::Collapsed, Arrangement::Isotropic] {
            let (z, labels) = features(arrangement, d, k, 2 * d / k)?;
            rows.push(OptimumRow {
                d,
                k,
                arrangement,
                formula: closed_form(arrangement, d, k, eps_sq)?,
                computed: (
                    coding_rate(z.view(), eps_sq)?,
                    class_coding_rate(z.view(), &labels, eps_sq)?,
                ),
            });
        }
    }
    Ok(rows)
}

/// Sizes of the gradient-ascent experiment: $d$, $k$, samples per class.
pub const ASCENT_SIZES: (usize, usize, usize) = (16, 4, 50);
/// Step size of the ascent.
pub const ASCENT_ETA: f64 = 0.5;

/// One gradient-ascent run.
#[derive(Debug, Clone)]
pub struct AscentRun {
    /// How the features started.
    pub start: &'static str,
    /// The run.
    pub ascent: Ascent,
    /// The isotropic optimum $\Delta R$ for these sizes.
    pub optimum: f64,
    /// Largest $|z_a^\top z_b|$ across classes at the end.
    pub coherence: f64,
    /// Each class's singular values at the end.
    pub singular_values: Vec<Vec<f64>>,
    /// Each class's numerical rank at the end (singular values above 1e-3 of its largest).
    pub ranks: Vec<usize>,
    /// [`equal_spread_rate_reduction`] for those ranks: the value of the critical
    /// point the ascent should have reached. `None` when the ranks cannot come
    /// from orthogonal classes (they sum to more than $d$: the run did not end
    /// on such a point, e.g. for a large $\varepsilon^2$).
    pub ranks_closed_form: Option<f64>,
}

// ANCHOR: ascent_runs
/// Projected gradient ascent on $\Delta R$ from random features and from features
/// bunched around one direction.
///
/// # Errors
/// A rate error.
pub fn ascent_runs(c: &Config, rng: &mut Rng) -> Result<Vec<AscentRun>> {
    let (d, k, per) = ASCENT_SIZES;
    let steps = if c.quick { 200 } else { 1000 };
    let labels: Vec<usize> = (0..k * per).map(|i| i / per).collect();
    let random = gaussian_matrix(rng, d, k * per);
    let mut bunched = gaussian_matrix(rng, d, k * per) * 0.2;
    bunched.row_mut(0).mapv_inplace(|v| v + 1.0);
    let (r, rc) = closed_form(Arrangement::Isotropic, d, k, c.eps)?;
    let mut runs = Vec::new();
    for (start, z0) in [
        ("random on the sphere", random),
        ("bunched around e1", bunched),
    ] {
        let ascent = ascend(z0.view(), &labels, c.eps, ASCENT_ETA, steps)?;
        let singular_values = class_singular_values(ascent.features.view(), &labels);
        let ranks: Vec<usize> = singular_values
            .iter()
            .map(|s| numerical_rank(s, 1e-3))
            .collect();
        runs.push(AscentRun {
            start,
            optimum: r - rc,
            coherence: cross_class_coherence(ascent.features.view(), &labels),
            ranks_closed_form: equal_spread_rate_reduction(d, per, &ranks, c.eps).ok(),
            singular_values,
            ranks,
            ascent,
        });
    }
    Ok(runs)
}
// ANCHOR_END: ascent_runs

/// A ReduNet on one data set.
#[derive(Debug, Clone)]
pub struct ReduNetRun {
    /// The data set.
    pub data: &'static str,
    /// Feature dimension, classes, training and test points.
    pub sizes: (usize, usize, usize, usize),
    /// $\varepsilon^2$, $\eta$, $\lambda$.
    pub settings: (f64, f64, f64),
    /// $\Delta R$ of the training features per layer.
    pub history: Vec<f64>,
    /// $\Delta R$ of collapsed orthogonal classes, when it is the optimum ($d \le k$); else `None`.
    pub optimum: Option<f64>,
    /// Accuracy of the memberships on the training points (after all layers).
    pub train_accuracy: f64,
    /// The same on held-out points.
    pub test_accuracy: f64,
    /// Test accuracy of the memberships before any layer (the first layer's operators on the raw features).
    pub test_accuracy_at_input: f64,
}

/// Builds a ReduNet and scores it on training and test points.
#[allow(clippy::too_many_arguments)]
fn redunet_run(
    data: &'static str,
    train: ArrayView2<f64>,
    train_labels: &[usize],
    test: ArrayView2<f64>,
    test_labels: &[usize],
    settings: (f64, f64, f64),
    layers: usize,
    optimum: Option<f64>,
) -> Result<ReduNetRun> {
    let (eps_sq, eta, lambda) = settings;
    let (net, fit) = ReduNet::fit(train, train_labels, eps_sq, eta, lambda, layers)?;
    let mut test_in = test.to_owned();
    normalize_columns(&mut test_in);
    let first_only = ReduNet {
        layers: net.layers[..1].to_vec(),
        ..net.clone()
    };
    let test_out = net.transform(test)?;
    let k = net.classes.len();
    Ok(ReduNetRun {
        data,
        sizes: (train.nrows(), k, train.ncols(), test.ncols()),
        settings,
        history: fit.history,
        optimum,
        train_accuracy: accuracy(&net.predict(fit.features.view())?, train_labels),
        test_accuracy: accuracy(&net.predict(test_out.view())?, test_labels),
        test_accuracy_at_input: accuracy(&first_only.predict(test_in.view())?, test_labels),
    })
}

/// Three Gaussian clusters around $e_1, e_2, e_3$ in $\mathbb R^3$ (per-coordinate
/// standard deviation `spread`), projected to the sphere.
fn clusters(rng: &mut Rng, per_class: usize, spread: f64) -> (Array2<f64>, Vec<usize>) {
    let mut z = gaussian_matrix(rng, 3, 3 * per_class) * spread;
    let labels: Vec<usize> = (0..3 * per_class).map(|i| i / per_class).collect();
    for (i, mut col) in z.axis_iter_mut(Axis(1)).enumerate() {
        col[labels[i]] += 1.0;
    }
    normalize_columns(&mut z);
    (z, labels)
}

// ANCHOR: redunet_synthetic
/// ReduNet on three clusters in $\mathbb R^3$ (the textbook's ReduNet example,
/// Ch. 4 §4.1, with our own sizes): $\varepsilon^2 = 0.1$, $\eta = 0.5$, $\lambda = 200$.
///
/// # Errors
/// A ReduNet error.
pub fn redunet_synthetic(c: &Config, rng: &mut Rng) -> Result<ReduNetRun> {
    let (train, train_labels) = clusters(rng, 100, 0.3);
    let (test, test_labels) = clusters(rng, 100, 0.3);
    let layers = if c.quick { 50 } else { 200 };
    let (r, rc) = closed_form(Arrangement::Collapsed, 3, 3, 0.1)?;
    let settings = (0.1, 0.5, 200.0);
    redunet_run(
        "3 clusters in R^3",
        train.view(),
        &train_labels,
        test.view(),
        &test_labels,
        settings,
        layers,
        Some(r - rc),
    )
}
// ANCHOR_END: redunet_synthetic

/// Dimension the digits are reduced to (PCA) before the ReduNet.
pub const DIGIT_DIM: usize = 32;

/// ReduNet on digits: the leading [`DIGIT_DIM`] principal coordinates of the
/// shared projection ([`digit_inputs`]) of 100 training digits per class (50
/// test digits per class), then the layers are built on them.
///
/// # Errors
/// A PCA or ReduNet error.
pub fn redunet_digits(c: &Config, digits: &Digits, inputs: &DigitInputs) -> Result<ReduNetRun> {
    let per_class = if c.quick { 30 } else { 100 };
    let (train, test) = (
        digits.train.balanced_indices(per_class),
        digits.test.balanced_indices(per_class / 2),
    );
    // The leading principal coordinates are the first rows of the shared projection.
    let top =
        |x: &Array2<f64>, idx: &[usize]| x.slice(ndarray::s![..DIGIT_DIM, ..]).select(Axis(1), idx);
    let labels = |split: &shared::digits::Split, idx: &[usize]| -> Vec<usize> {
        idx.iter().map(|&i| split.labels[i]).collect()
    };
    let layers = if c.quick { 10 } else { 30 };
    let settings = (c.eps, 0.5, 50.0);
    redunet_run(
        "digits (PCA to 32 dims)",
        top(&inputs.train, &train).view(),
        &labels(&digits.train, &train),
        top(&inputs.test, &test).view(),
        &labels(&digits.test, &test),
        settings,
        layers,
        None,
    )
}

/// Principal components of the pixels the encoders see (chapter 1's PCA).
pub const INPUT_DIM: usize = 100;
/// Feature dimension of the encoders.
pub const FEATURE_DIM: usize = 64;
/// Hidden units of the two-layer encoder.
pub const HIDDEN: usize = 256;
/// Adam's learning rate for the encoders.
pub const LEARNING_RATE: f64 = 3e-3;
/// Principal directions per class in the nearest-subspace rule.
pub const SUBSPACE_DIM: usize = 8;
/// Neighbours in the k-NN rule.
pub const NEIGHBOURS: usize = 5;
/// Training images per class with `--quick` (a quarter as many test images).
pub const QUICK_TRAIN_PER_CLASS: usize = 200;
/// Test images per class in the similarity heatmap.
pub const HEATMAP_PER_CLASS: usize = 6;

/// The digits as the encoders see them: the training images' top
/// [`INPUT_DIM`] principal coordinates, for both splits.
#[derive(Debug, Clone)]
pub struct DigitInputs {
    /// Training inputs (`INPUT_DIM × 8000`).
    pub train: Array2<f64>,
    /// Test inputs (`INPUT_DIM × 2000`).
    pub test: Array2<f64>,
    /// The projection that made them, for new images (augmentations).
    pub projection: Projection,
}

/// $x \mapsto U^\top(x - \mu)$: centering by the training mean, then the top principal directions.
#[derive(Debug, Clone)]
pub struct Projection {
    /// $\mu$ (784).
    pub mean: ndarray::Array1<f64>,
    /// $U$ (`784 × components`).
    pub basis: Array2<f64>,
}

impl Projection {
    /// The coordinates of the columns of `x` (`784 × n` → `components × n`).
    pub fn apply(&self, x: ArrayView2<f64>) -> Array2<f64> {
        self.basis
            .t()
            .dot(&(&x - &self.mean.view().insert_axis(Axis(1))))
    }
}

/// Projects both splits on the top `components` principal directions of the
/// training images. With 100 of 784 directions and small gaps between them,
/// chapter 1's power methods would need thousands of block iterations, so the
/// 784 × 784 covariance goes to the dense symmetric eigensolver instead
/// (`shared::symmetric`, the reference chapter 1 tests against).
///
/// # Errors
/// `components` above the pixel count, or an eigensolver error.
pub fn digit_inputs(digits: &Digits, components: usize) -> Result<DigitInputs> {
    let x = digits.train.images.view();
    shared::cli::ensure_in_range("components", components, 1, x.nrows())?;
    let mean = x
        .mean_axis(Axis(1))
        .ok_or_else(|| Error::shape("digits", "images", "none"))?;
    let centered = &x - &mean.view().insert_axis(Axis(1));
    let cov = centered.dot(&centered.t()) / x.ncols() as f64;
    let eig = shared::symmetric::eigh_descending("pixel covariance", cov.view())?;
    let projection = Projection {
        basis: eig.vectors.slice(ndarray::s![.., ..components]).to_owned(),
        mean,
    };
    Ok(DigitInputs {
        train: projection.apply(digits.train.images.view()),
        test: projection.apply(digits.test.images.view()),
        projection,
    })
}

/// One trained (or raw) representation of the digits and its scores.
#[derive(Debug, Clone)]
pub struct EncoderRun {
    /// The representation.
    pub name: &'static str,
    /// Rates of all training features before training and after each epoch
    /// (empty for fixed representations).
    pub history: Vec<Rates>,
    /// Nearest-subspace accuracy on the training split.
    pub train_subspace: f64,
    /// Nearest-subspace accuracy on the test split.
    pub test_subspace: f64,
    /// k-NN accuracy on the test split.
    pub test_knn: f64,
    /// $\Delta R$ of the test features (normalized to the sphere), with the test labels.
    pub test_delta_r: f64,
}

/// The supervised MCR² experiment on the digits.
#[derive(Debug, Clone)]
pub struct Supervised {
    /// Raw inputs, then the trained linear and two-layer encoders.
    pub runs: Vec<EncoderRun>,
    /// Cosine similarities of [`HEATMAP_PER_CLASS`] test features per class,
    /// ordered by class, for the two-layer encoder.
    pub similarity: Array2<f64>,
    /// Singular values of each class's test features (two-layer encoder), descending.
    pub spectra: Vec<Vec<f64>>,
    /// Training digits used.
    pub train_count: usize,
    /// Test digits used.
    pub test_count: usize,
}

fn score(
    name: &'static str,
    history: Vec<Rates>,
    train: ArrayView2<f64>,
    test: ArrayView2<f64>,
    digits: &Digits,
    eps_sq: f64,
) -> Result<EncoderRun> {
    let (tl, el) = (&digits.train.labels, &digits.test.labels);
    let mut unit_test = test.to_owned();
    normalize_columns(&mut unit_test);
    Ok(EncoderRun {
        name,
        history,
        train_subspace: accuracy(&nearest_subspace(train, tl, train, SUBSPACE_DIM)?, tl),
        test_subspace: accuracy(&nearest_subspace(train, tl, test, SUBSPACE_DIM)?, el),
        test_knn: accuracy(&knn(train, tl, test, NEIGHBOURS)?, el),
        test_delta_r: crate::rate::rate_reduction(unit_test.view(), el, eps_sq)?,
    })
}

// ANCHOR: supervised
/// Trains a linear and a two-layer encoder on the training digits by
/// maximizing $\Delta R$, and scores them (and the raw inputs) by nearest
/// subspace and k-NN on the test digits. `progress(epoch)` sees each epoch.
///
/// # Errors
/// A training or evaluation error.
pub fn supervised(
    c: &Config,
    digits: &Digits,
    inputs: &DigitInputs,
    rng: &mut Rng,
    mut progress: impl FnMut(usize),
) -> Result<Supervised> {
    let options = TrainOptions {
        epochs: if c.quick { c.epochs.min(3) } else { c.epochs },
        batch: c.batch,
        learning_rate: LEARNING_RATE,
        eps_sq: c.eps,
    };
    let labels = &digits.train.labels;
    let mut runs = vec![score(
        "raw inputs (100 PCA coordinates)",
        Vec::new(),
        inputs.train.view(),
        inputs.test.view(),
        digits,
        c.eps,
    )?];
    let mut fit = |name, mut encoder: Encoder, rng: &mut Rng| -> Result<(EncoderRun, Encoder)> {
        let history = train(
            &mut encoder,
            inputs.train.view(),
            labels,
            &options,
            rng,
            &mut progress,
        )?;
        let (ztr, zte) = (
            encoder.encode(inputs.train.view())?,
            encoder.encode(inputs.test.view())?,
        );
        Ok((
            score(name, history, ztr.view(), zte.view(), digits, c.eps)?,
            encoder,
        ))
    };
    let linear = Encoder::linear(INPUT_DIM, FEATURE_DIM, rng)?;
    runs.push(fit("linear encoder", linear, rng)?.0);
    let deep = Encoder::two_layer(INPUT_DIM, HIDDEN, FEATURE_DIM, rng)?;
    let (run, deep) = fit("two-layer encoder", deep, rng)?;
    runs.push(run);
    // --snip--
    // ANCHOR_END: supervised
    let shown = digits.test.balanced_indices(HEATMAP_PER_CLASS);
    let shown_z = deep.encode(inputs.test.select(Axis(1), &shown).view())?;
    let similarity = shown_z.t().dot(&shown_z);
    let zte = deep.encode(inputs.test.view())?;
    let spectra = class_singular_values(zte.view(), &digits.test.labels);
    Ok(Supervised {
        runs,
        similarity,
        spectra,
        train_count: digits.train.labels.len(),
        test_count: digits.test.labels.len(),
    })
}

/// Source images per contrastive minibatch.
pub const SOURCES: usize = 20;
/// Augmentations per source image (the first is the image itself).
pub const AUGMENTATIONS: usize = 25;
/// Adam steps of contrastive training (a tenth with `--quick`).
pub const CONTRASTIVE_STEPS: usize = 100;
/// k-means restarts when clustering features.
pub const KMEANS_RESTARTS: usize = 3;

/// One representation of the test digits, clustered into 10 groups.
#[derive(Debug, Clone)]
pub struct ClusterRow {
    /// The representation.
    pub name: &'static str,
    /// Clustering accuracy under the best matching of clusters to digits.
    pub accuracy: f64,
    /// Normalized mutual information with the digit labels.
    pub nmi: f64,
}

/// The contrastive (label-free) MCR² experiment.
#[derive(Debug, Clone)]
pub struct Contrastive {
    /// Raw inputs, the encoder at initialization, the trained encoder.
    pub rows: Vec<ClusterRow>,
    /// Rates of every 10th minibatch (labels = source images), the last included.
    pub history: Vec<Rates>,
    /// Adam steps taken.
    pub steps: usize,
    /// Test digits clustered.
    pub test_count: usize,
}

/// A minibatch of augmentations: `SOURCES` random training images, each
/// `AUGMENTATIONS` times (the first unaugmented), projected; the label of a
/// column is the index of its source image within the batch.
fn augmented_batch(
    digits: &Digits,
    inputs: &DigitInputs,
    rng: &mut Rng,
) -> Result<(Array2<f64>, Vec<usize>)> {
    let n = digits.train.labels.len();
    let mut pixels = Array2::zeros((shared::digits::PIXELS, SOURCES * AUGMENTATIONS));
    let mut labels = Vec::with_capacity(SOURCES * AUGMENTATIONS);
    for s in 0..SOURCES {
        let image = digits
            .train
            .images
            .column(rand::RngExt::random_range(rng, 0..n));
        for a in 0..AUGMENTATIONS {
            let view = if a == 0 {
                image.to_owned()
            } else {
                augment(image, &DEFAULT_AUGMENTATION, rng)?
            };
            pixels.column_mut(s * AUGMENTATIONS + a).assign(&view);
            labels.push(s);
        }
    }
    Ok((inputs.projection.apply(pixels.view()), labels))
}

fn cluster_row(
    name: &'static str,
    z: ArrayView2<f64>,
    labels: &[usize],
    rng: &mut Rng,
) -> Result<ClusterRow> {
    let clusters = spherical_kmeans(z, 10, KMEANS_RESTARTS, rng)?;
    Ok(ClusterRow {
        name,
        accuracy: clustering_accuracy(&clusters, labels)?,
        nmi: nmi(&clusters, labels)?,
    })
}

// ANCHOR: contrastive
/// Trains a two-layer encoder without labels: each minibatch holds
/// augmentations of a few images, and the "class" of a sample is its source
/// image, so $R_c$ compresses the views of one image while $R$ spreads all
/// features. Scores by clustering the test digits (accuracy under the best
/// matching, NMI), against the same encoder at initialization and the raw inputs.
///
/// # Errors
/// A training or evaluation error.
pub fn contrastive(
    c: &Config,
    digits: &Digits,
    inputs: &DigitInputs,
    rng: &mut Rng,
    mut progress: impl FnMut(usize),
) -> Result<Contrastive> {
    let steps = if c.quick {
        CONTRASTIVE_STEPS / 10
    } else {
        CONTRASTIVE_STEPS
    };
    let mut encoder = Encoder::two_layer(INPUT_DIM, HIDDEN, FEATURE_DIM, rng)?;
    let initial = encoder.clone();
    let mut adam = shared::optim::Adam::new(encoder.weight_count());
    let mut history = Vec::new();
    for step in 0..steps {
        let (x, labels) = augmented_batch(digits, inputs, rng)?;
        let (rates, g) = encoder.rates_and_gradients(x.view(), &labels, c.eps)?;
        if !rates.delta().is_finite() {
            return Err(Error::NumericalFailure {
                algorithm: "contrastive MCR^2 training",
                detail: format!("Delta R became {} at step {step}", rates.delta()),
            });
        }
        let negated: Vec<f64> = g.iter().map(|v| -v).collect();
        adam.step(encoder.weights_mut(), negated.iter(), LEARNING_RATE);
        if step % 10 == 0 || step + 1 == steps {
            history.push(rates);
        }
        progress(step + 1);
    }
    // --snip--
    // ANCHOR_END: contrastive
    let labels = &digits.test.labels;
    let rows = vec![
        cluster_row(
            "raw inputs (100 PCA coordinates)",
            inputs.test.view(),
            labels,
            rng,
        )?,
        cluster_row(
            "encoder at initialization",
            initial.encode(inputs.test.view())?.view(),
            labels,
            rng,
        )?,
        cluster_row(
            "contrastive MCR^2 encoder",
            encoder.encode(inputs.test.view())?.view(),
            labels,
            rng,
        )?,
    ];
    Ok(Contrastive {
        rows,
        history,
        steps,
        test_count: labels.len(),
    })
}

/// The balanced subset `--quick` runs the digit experiments on:
/// [`QUICK_TRAIN_PER_CLASS`] training and a quarter as many test images per class.
pub fn quick_subset(digits: &Digits) -> Digits {
    Digits {
        train: digits.train.balanced_subset(QUICK_TRAIN_PER_CLASS),
        test: digits.test.balanced_subset(QUICK_TRAIN_PER_CLASS / 4),
    }
}
