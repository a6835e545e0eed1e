//! Experiment 5: contrastive MCR². An encoder trained without labels on
//! augmentations of the digits, scored by clustering.

use ndarray::{Array2, ArrayView2};

use super::Config;
use super::digit_inputs::{DigitInputs, FEATURE_DIM, HIDDEN, INPUT_DIM, LEARNING_RATE};
use crate::augment::{DEFAULT_AUGMENTATION, augment};
use crate::cluster::{clustering_accuracy, nmi, spherical_kmeans};
use crate::encoder::{Encoder, Rates};
use shared::digits::Digits;
use shared::rng::Rng;
use shared::{Error, Result};

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
