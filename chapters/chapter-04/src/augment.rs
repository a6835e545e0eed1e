//! Random augmentations of 28 × 28 digits for contrastive learning.
//!
//! Each augmentation rotates the image about its centre by a small angle,
//! shifts it by a few pixels (bilinear resampling, zero outside the frame),
//! and adds a little Gaussian noise, clipped back to $[0, 1]$. The digit stays
//! recognizable; its pixels change a lot.

use ndarray::{Array1, ArrayView1};
use rand::RngExt;
use rand_distr::StandardNormal;

use shared::Result;
use shared::digits::SIDE;
use shared::rng::Rng;

/// The ranges of the random augmentation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Augmentation {
    /// Largest rotation, degrees (uniform in $\pm$ this).
    pub max_degrees: f64,
    /// Largest shift, pixels, in each direction (uniform).
    pub max_shift: f64,
    /// Standard deviation of the added pixel noise.
    pub noise: f64,
}

/// The augmentation the chapter uses.
pub const DEFAULT_AUGMENTATION: Augmentation = Augmentation {
    max_degrees: 12.0,
    max_shift: 2.5,
    noise: 0.05,
};

/// `image` (784 pixels, row by row) rotated by `degrees` about the centre and
/// shifted by `(dx, dy)` pixels, resampled bilinearly.
///
/// # Errors
/// An image of other than 784 pixels, or a non-finite pixel or parameter.
pub fn transform(image: ArrayView1<f64>, degrees: f64, dx: f64, dy: f64) -> Result<Array1<f64>> {
    shared::error::ensure_rows("image", image.len(), SIDE * SIDE)?;
    shared::error::ensure_finite(
        "image and transform",
        image.iter().chain(&[degrees, dx, dy]),
    )?;
    let c = (SIDE as f64 - 1.0) / 2.0;
    let (sin, cos) = degrees.to_radians().sin_cos();
    let pixel = |r: isize, q: isize| -> f64 {
        if (0..SIDE as isize).contains(&r) && (0..SIDE as isize).contains(&q) {
            image[r as usize * SIDE + q as usize]
        } else {
            0.0
        }
    };
    Ok(Array1::from_shape_fn(SIDE * SIDE, |i| {
        let (row, col) = ((i / SIDE) as f64, (i % SIDE) as f64);
        // Inverse map: where in the source does this output pixel come from?
        let (y, x) = (row - c - dy, col - c - dx);
        let (sy, sx) = (cos * y + sin * x + c, -sin * y + cos * x + c);
        let (r0, q0) = (sy.floor(), sx.floor());
        let (fy, fx) = (sy - r0, sx - q0);
        let (r0, q0) = (r0 as isize, q0 as isize);
        (1.0 - fy) * ((1.0 - fx) * pixel(r0, q0) + fx * pixel(r0, q0 + 1))
            + fy * ((1.0 - fx) * pixel(r0 + 1, q0) + fx * pixel(r0 + 1, q0 + 1))
    }))
}

/// A random augmentation of `image` drawn from `rng`.
///
/// # Errors
/// As [`transform`].
pub fn augment(image: ArrayView1<f64>, a: &Augmentation, rng: &mut Rng) -> Result<Array1<f64>> {
    let mut uniform = |half: f64| half * (2.0 * rng.random::<f64>() - 1.0);
    let (degrees, dx, dy) = (
        uniform(a.max_degrees),
        uniform(a.max_shift),
        uniform(a.max_shift),
    );
    let mut out = transform(image, degrees, dx, dy)?;
    for v in out.iter_mut() {
        let g: f64 = rng.sample(StandardNormal);
        *v = (*v + a.noise * g).clamp(0.0, 1.0);
    }
    Ok(out)
}
