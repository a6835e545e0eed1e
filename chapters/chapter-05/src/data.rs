//! The shipped digits as image tensors, with the random shifts used in training.

use burn::prelude::*;
use rand::RngExt;

use shared::digits::Split;
use shared::rng::Rng;
use shared::{Error, Result};

/// Side of a digit image, pixels.
pub const SIDE: usize = 28;
/// Mean and standard deviation of MNIST pixels (in $[0, 1]$), used to standardize the input.
pub const PIXEL_MEAN: f32 = 0.1307;
/// See [`PIXEL_MEAN`].
pub const PIXEL_STD: f32 = 0.3081;

/// Standardized grey images, one row of `SIDE²` pixels each, with labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Images {
    /// `len × SIDE²` pixels, row-major images.
    pub pixels: Vec<f32>,
    /// The class of each image.
    pub labels: Vec<usize>,
}

impl Images {
    /// The images of a split (pixels standardized by [`PIXEL_MEAN`], [`PIXEL_STD`]).
    ///
    /// # Errors
    /// A split whose images are not `784 × n` or whose labels do not match.
    pub fn from_split(split: &Split) -> Result<Self> {
        let (rows, n) = split.images.dim();
        if rows != SIDE * SIDE || split.labels.len() != n {
            return Err(Error::shape(
                "digit split",
                format!("{} × n images with n labels", SIDE * SIDE),
                format!("{rows} × {n} images, {} labels", split.labels.len()),
            ));
        }
        let pixels = split
            .images
            .t()
            .iter()
            .map(|&v| (v as f32 - PIXEL_MEAN) / PIXEL_STD)
            .collect();
        Ok(Images {
            pixels,
            labels: split.labels.clone(),
        })
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The images `idx` as a `[batch, 1, 28, 28]` tensor and their labels;
    /// with `shift = Some((rng, s))` each image is moved by a random offset in
    /// $[-s, s]^2$ pixels (uncovered pixels get the background value).
    pub fn batch<B: Backend>(
        &self,
        idx: &[usize],
        shift: Option<(&mut Rng, usize)>,
        device: &B::Device,
    ) -> (Tensor<B, 4>, Tensor<B, 1, Int>) {
        let background = -PIXEL_MEAN / PIXEL_STD;
        let mut out = Vec::with_capacity(idx.len() * SIDE * SIDE);
        let mut offsets = Vec::with_capacity(idx.len());
        match shift {
            Some((rng, s)) => {
                let s = s as i64;
                for _ in idx {
                    offsets.push((rng.random_range(-s..=s), rng.random_range(-s..=s)));
                }
            }
            None => offsets.resize(idx.len(), (0, 0)),
        }
        for (&i, &(dy, dx)) in idx.iter().zip(&offsets) {
            let image = &self.pixels[i * SIDE * SIDE..(i + 1) * SIDE * SIDE];
            for r in 0..SIDE as i64 {
                for c in 0..SIDE as i64 {
                    let (sr, sc) = (r - dy, c - dx);
                    let inside = (0..SIDE as i64).contains(&sr) && (0..SIDE as i64).contains(&sc);
                    out.push(if inside {
                        image[(sr as usize) * SIDE + sc as usize]
                    } else {
                        background
                    });
                }
            }
        }
        let images = Tensor::from_data(TensorData::new(out, [idx.len(), 1, SIDE, SIDE]), device);
        let labels: Vec<i64> = idx.iter().map(|&i| self.labels[i] as i64).collect();
        let labels = Tensor::from_data(TensorData::new(labels, [idx.len()]), device);
        (images, labels)
    }
}
