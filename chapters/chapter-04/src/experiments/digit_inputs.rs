//! The digits as the digit experiments see them: the shared PCA projection,
//! the encoders' sizes and the `--quick` subset.

use ndarray::{Array2, ArrayView2, Axis};

use shared::digits::Digits;
use shared::{Error, Result};

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

/// The balanced subset `--quick` runs the digit experiments on:
/// [`QUICK_TRAIN_PER_CLASS`] training and a quarter as many test images per class.
pub fn quick_subset(digits: &Digits) -> Digits {
    Digits {
        train: digits.train.balanced_subset(QUICK_TRAIN_PER_CLASS),
        test: digits.test.balanced_subset(QUICK_TRAIN_PER_CLASS / 4),
    }
}
