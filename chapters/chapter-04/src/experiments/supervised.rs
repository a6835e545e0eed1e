//! Experiment 4: supervised MCR². Encoders trained on labelled digits by
//! maximizing $\Delta R$, scored by nearest subspace and k-NN.

use ndarray::{Array2, ArrayView2, Axis};

use super::Config;
use super::digit_inputs::{
    DigitInputs, FEATURE_DIM, HEATMAP_PER_CLASS, HIDDEN, INPUT_DIM, LEARNING_RATE, NEIGHBOURS,
    SUBSPACE_DIM,
};
use crate::ascent::class_singular_values;
use crate::encoder::{Encoder, Rates, TrainOptions, train};
use crate::evaluate::{accuracy, knn, nearest_subspace};
use crate::rate::normalize_columns;
use shared::Result;
use shared::digits::Digits;
use shared::rng::Rng;

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
