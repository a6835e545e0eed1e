//! What could explain the attention probe away.
//!
//! A head that puts more of its mass on the strokes than uniform attention
//! would need not look at *the digit*: digits are centred, so a fixed map
//! on the middle of the image scores well on every one of them. Three
//! controls, scored exactly as [`crate::attention::stroke_mass`] scores a map
//! (each patch's weight spread over its pixels):
//!
//! - the **centre prior**: uniform over the central `2 × 2` patches (`1 × 1`
//!   for an odd grid), the same map for every image;
//! - the **best fixed patch**: all weight on the one patch with the most
//!   stroke on average, chosen with hindsight on the same images (an upper
//!   bound for any input-independent one-patch map);
//! - the **shuffled pairing**: each image's own maps scored on another
//!   image's strokes (a random cyclic permutation, so no image is paired
//!   with itself). A map that follows its own digit scores higher on its own
//!   strokes than on another digit's; a centre bias scores the same on both.
//!
//! Differences are per image (own minus control) with 95% percentile
//! bootstrap intervals over the images.

use ndarray::{Array2, Array3, s};
use rand::RngExt;

use crate::attention::ClassAttention;
use shared::rng::Rng;
use shared::{Error, Result};

/// Bootstrap resamples of the images.
pub const RESAMPLES: usize = 1000;

/// A mean over images and its 95% bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// The mean over the images.
    pub mean: f64,
    /// 2.5th percentile of the resampled means.
    pub lo: f64,
    /// 97.5th percentile of the resampled means.
    pub hi: f64,
}

/// One layer's trained maps against the controls (means over heads).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayerControl {
    /// Mass on the image's own strokes.
    pub own: f64,
    /// The same maps scored on another image's strokes.
    pub shuffled: f64,
    /// Own minus shuffled, per image.
    pub own_minus_shuffled: Interval,
    /// Own minus the centre prior, per image.
    pub own_minus_centre: Interval,
}

/// The controls on a set of images, and each layer against them.
#[derive(Debug, Clone, PartialEq)]
pub struct Controls {
    /// Mass of the centre prior, mean over images.
    pub centre: f64,
    /// Side of the central block of patches the centre prior spreads over.
    pub centre_side: usize,
    /// Mass of the best fixed patch, mean over images.
    pub best_patch: f64,
    /// Its (row, column) in the grid.
    pub best_patch_at: (usize, usize),
    /// Each layer against the controls.
    pub layers: Vec<LayerControl>,
}

/// `[images, grid, grid]`: the fraction of each patch's pixels that are stroke.
fn stroke_shares(masks: &[Array2<bool>], grid: usize) -> Result<Array3<f64>> {
    let mut shares = Array3::zeros((masks.len(), grid, grid));
    for (i, mask) in masks.iter().enumerate() {
        let (h, w) = mask.dim();
        if grid == 0 || h != w || h == 0 || !h.is_multiple_of(grid) {
            return Err(Error::shape(
                "stroke mask",
                format!("a square multiple of the {grid} x {grid} grid"),
                format!("{h} x {w}"),
            ));
        }
        let p = h / grid;
        for r in 0..grid {
            for c in 0..grid {
                let patch = mask.slice(s![r * p..(r + 1) * p, c * p..(c + 1) * p]);
                shares[[i, r, c]] = patch.iter().filter(|v| **v).count() as f64 / (p * p) as f64;
            }
        }
    }
    Ok(shares)
}

/// A random cyclic permutation of `0..n` (Sattolo's algorithm): no fixed point for `n ≥ 2`.
fn derangement(n: usize, rng: &mut Rng) -> Vec<usize> {
    let mut p: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = rng.random_range(0..i);
        p.swap(i, j);
    }
    p
}

/// The mean of `values` and its 95% percentile bootstrap interval.
fn bootstrap(values: &[f64], rng: &mut Rng) -> Interval {
    let n = values.len();
    let mean = values.iter().sum::<f64>() / n.max(1) as f64;
    let mut means: Vec<f64> = (0..RESAMPLES)
        .map(|_| (0..n).map(|_| values[rng.random_range(0..n)]).sum::<f64>() / n as f64)
        .collect();
    means.sort_by(f64::total_cmp);
    let at = |q: f64| means[((q * (RESAMPLES - 1) as f64).round() as usize).min(RESAMPLES - 1)];
    Interval {
        mean,
        lo: at(0.025),
        hi: at(0.975),
    }
}

/// The mass of the `grid × grid` map `a` on the stroke shares `share`.
fn mass(a: ndarray::ArrayView2<f32>, share: ndarray::ArrayView2<f64>) -> f64 {
    a.iter()
        .zip(share.iter())
        .map(|(&w, &s)| f64::from(w) * s)
        .sum()
}

/// The controls for the per-layer attention `layers` on the stroke `masks`
/// (one per image, in the same order), resampled with `rng`.
///
/// # Errors
/// [`Error::Shape`] for fewer than two images, a mask count that is not the
/// image count, or masks that are not the grid scaled by a whole factor;
/// [`Error::NonFinite`] for a non-finite attention weight.
pub fn controls(
    layers: &[ClassAttention],
    masks: &[Array2<bool>],
    rng: &mut Rng,
) -> Result<Controls> {
    let n = masks.len();
    let grid = layers.first().map_or(0, |a| a.maps.dim().2);
    if n < 2 || layers.is_empty() {
        return Err(Error::shape(
            "stroke masks",
            "one per image, at least two images and a layer",
            n.to_string(),
        ));
    }
    if let Some(a) = layers.iter().find(|a| {
        let (images, heads, rows, cols) = a.maps.dim();
        images != n || heads == 0 || rows != grid || cols != grid || grid == 0
    }) {
        return Err(Error::shape(
            "attention maps",
            format!("[{n} images, at least one head, {grid} x {grid}] in every layer"),
            format!("{:?}", a.maps.dim()),
        ));
    }
    if layers.iter().any(|a| a.maps.iter().any(|v| !v.is_finite())) {
        return Err(Error::NonFinite {
            name: "attention maps",
        });
    }
    let shares = stroke_shares(masks, grid)?;
    let side = if grid.is_multiple_of(2) { 2 } else { 1 }.min(grid);
    let lo = (grid - side) / 2;
    let centre_of =
        |i: usize| shares.slice(s![i, lo..lo + side, lo..lo + side]).sum() / (side * side) as f64;
    let centre_i: Vec<f64> = (0..n).map(centre_of).collect();
    let mean_share = shares
        .mean_axis(ndarray::Axis(0))
        .unwrap_or_else(|| Array2::zeros((grid, grid)));
    let (best_at, best) =
        mean_share
            .indexed_iter()
            .fold(((0, 0), f64::NEG_INFINITY), |acc, (at, &v)| {
                if v > acc.1 { (at, v) } else { acc }
            });
    let pairing = derangement(n, rng);
    let mut out = Vec::with_capacity(layers.len());
    for attention in layers {
        let heads = attention.maps.dim().1;
        let score = |i: usize, j: usize| {
            (0..heads)
                .map(|k| {
                    mass(
                        attention.maps.slice(s![i, k, .., ..]),
                        shares.slice(s![j, .., ..]),
                    )
                })
                .sum::<f64>()
                / heads as f64
        };
        let own: Vec<f64> = (0..n).map(|i| score(i, i)).collect();
        let shuffled: Vec<f64> = (0..n).map(|i| score(i, pairing[i])).collect();
        let diff =
            |other: &[f64]| -> Vec<f64> { own.iter().zip(other).map(|(a, b)| a - b).collect() };
        out.push(LayerControl {
            own: own.iter().sum::<f64>() / n as f64,
            shuffled: shuffled.iter().sum::<f64>() / n as f64,
            own_minus_shuffled: bootstrap(&diff(&shuffled), rng),
            own_minus_centre: bootstrap(&diff(&centre_i), rng),
        });
    }
    Ok(Controls {
        centre: centre_i.iter().sum::<f64>() / n as f64,
        centre_side: side,
        best_patch: best,
        best_patch_at: best_at,
        layers: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array4;

    /// Masks of 4 × 4 pixels on a 2 × 2 grid with stroke in one quadrant each.
    fn quadrant_masks(n: usize) -> Vec<Array2<bool>> {
        (0..n)
            .map(|i| {
                let q = i % 4;
                Array2::from_shape_fn((4, 4), |(r, c)| (r / 2) * 2 + c / 2 == q)
            })
            .collect()
    }

    fn maps(n: usize, f: impl Fn(usize, usize) -> f32) -> ClassAttention {
        ClassAttention {
            maps: Array4::from_shape_fn((n, 1, 2, 2), |(i, _, r, c)| f(i, r * 2 + c)),
            to_self: Array2::zeros((n, 1)),
        }
    }

    #[test]
    fn a_map_on_its_own_strokes_beats_the_shuffled_pairing_and_a_fixed_map_does_not() {
        let n = 40;
        let masks = quadrant_masks(n);
        // Follows the image: all weight on the image's stroke quadrant.
        let follows = maps(n, |i, p| if p == i % 4 { 1.0 } else { 0.0 });
        // Ignores the image: uniform.
        let fixed = maps(n, |_, _| 0.25);
        let c = controls(&[follows, fixed], &masks, &mut shared::seeded_rng(3)).unwrap();
        let (f, u) = (c.layers[0], c.layers[1]);
        assert!((f.own - 1.0).abs() < 1e-12, "{f:?}");
        assert!(f.own_minus_shuffled.lo > 0.5, "{f:?}");
        assert!(
            (u.own - 0.25).abs() < 1e-12 && u.own_minus_shuffled.mean.abs() < 1e-12,
            "{u:?}"
        );
        assert!(u.own_minus_shuffled.lo <= 0.0 && u.own_minus_shuffled.hi >= 0.0);
        // A 2 × 2 grid's centre block is the whole grid: the centre prior is uniform.
        assert_eq!(c.centre_side, 2);
        assert!((c.centre - 0.25).abs() < 1e-12);
        assert!((c.best_patch - 0.25).abs() < 1e-12);
    }

    #[test]
    fn the_centre_prior_and_the_best_patch_on_a_4_by_4_grid() {
        // 8 x 8 images on a 4 x 4 grid (patches of 2 x 2): strokes fill the
        // central 2 x 2 patches, and image i also patch (0, i % 4).
        let n = 8;
        let masks: Vec<Array2<bool>> = (0..n)
            .map(|i| {
                Array2::from_shape_fn((8, 8), |(r, c)| {
                    let (pr, pc) = (r / 2, c / 2);
                    (1..3).contains(&pr) && (1..3).contains(&pc) || (pr == 0 && pc == i % 4)
                })
            })
            .collect();
        let uniform = ClassAttention {
            maps: Array4::from_elem((n, 2, 4, 4), 1.0 / 16.0),
            to_self: Array2::zeros((n, 2)),
        };
        let c = controls(&[uniform], &masks, &mut shared::seeded_rng(5)).unwrap();
        assert_eq!(c.centre_side, 2);
        assert!((c.centre - 1.0).abs() < 1e-12, "{c:?}");
        assert!(
            (c.best_patch - 1.0).abs() < 1e-12 && (1..3).contains(&c.best_patch_at.0),
            "{c:?}"
        );
        // Uniform maps: 5 stroke patches of 16; own - centre = 5/16 - 1.
        let l = c.layers[0];
        assert!((l.own - 5.0 / 16.0).abs() < 1e-12, "{l:?}");
        assert!(
            (l.own_minus_centre.mean - (5.0 / 16.0 - 1.0)).abs() < 1e-12,
            "{l:?}"
        );
        // A map of another grid is refused.
        let other = ClassAttention {
            maps: Array4::from_elem((n, 1, 2, 2), 0.25),
            to_self: Array2::zeros((n, 1)),
        };
        let uniform = ClassAttention {
            maps: Array4::from_elem((n, 1, 4, 4), 1.0 / 16.0),
            to_self: Array2::zeros((n, 1)),
        };
        assert!(controls(&[uniform, other], &masks, &mut shared::seeded_rng(5)).is_err());
    }

    #[test]
    fn the_pairing_has_no_fixed_point_and_the_interval_brackets_the_mean() {
        let mut rng = shared::seeded_rng(1);
        for n in 2..30 {
            let p = derangement(n, &mut rng);
            assert!(p.iter().enumerate().all(|(i, &j)| i != j), "{p:?}");
            let mut sorted = p.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..n).collect::<Vec<_>>());
        }
        let values: Vec<f64> = (0..100).map(|i| f64::from(i % 7)).collect();
        let b = bootstrap(&values, &mut rng);
        assert!(b.lo < b.mean && b.mean < b.hi, "{b:?}");
    }

    #[test]
    fn bad_input_is_an_error() {
        let masks = quadrant_masks(1);
        let one = maps(1, |_, _| 0.25);
        assert!(controls(&[one], &masks, &mut shared::seeded_rng(0)).is_err());
        let masks = quadrant_masks(4);
        let nan = maps(4, |_, _| f32::NAN);
        assert!(controls(&[nan], &masks, &mut shared::seeded_rng(0)).is_err());
    }
}
