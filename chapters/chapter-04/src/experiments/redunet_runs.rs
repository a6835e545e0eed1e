//! Experiment 3: ReduNet, the unrolled ascent, on synthetic clusters and on
//! digits.

use ndarray::{Array2, ArrayView2, Axis};

use super::Config;
use super::digit_inputs::DigitInputs;
use crate::evaluate::accuracy;
use crate::optima::{Arrangement, closed_form};
use crate::rate::normalize_columns;
use crate::redunet::ReduNet;
use shared::Result;
use shared::digits::Digits;
use shared::rng::{Rng, gaussian_matrix};

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
/// shared projection ([`digit_inputs`](crate::experiments::digit_inputs)) of
/// 100 training digits per class (50 test digits per class), then the layers
/// are built on them.
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
