//! Where the class token looks: CRATE's attention maps.
//!
//! In head $k$ of a layer, the class token (token 0) attends to token $j$ with
//! weight $A_k[0, j] = \operatorname{softmax}_j\big(\langle w_0, w_j\rangle/\sqrt p\big)$,
//! $w_j = U_k^\top \operatorname{LN}(z_j)$ (the `attention` of [`crate::model::LayerTrace`]).
//! Dropping its weight on itself and renormalizing leaves a distribution over
//! the $N$ patches, $a_k \in \Delta^{N-1}$, drawn as a `grid × grid` image. Yu et
//! al., "Emergence of Segmentation with Minimalistic White-Box Transformers"
//! (2023), found that in a trained CRATE these maps outline the object without
//! any segmentation labels (textbook Ch. 7).
//!
//! What can be measured on digits is where the mass goes. Spread each patch's
//! weight evenly over its $P^2$ pixels (nearest-neighbour upsampling, as the
//! maps are drawn); the mass on a stroke mask $S$ is
//! $$m_k = \sum_{\text{pixels } x \in S} a_k[\operatorname{patch}(x)]/P^2,$$
//! and attention spread evenly over the image would give the coverage
//! $|S|/(HW)$. A head with $m_k$ above the coverage looks at the digit more than
//! at the background.

use burn::prelude::*;
use ndarray::{Array2, Array3, Array4, ArrayView2, ArrayView3, s};

use crate::model::Crate;
use shared::{Error, Result};

/// The class token's attention over the patches at one layer.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassAttention {
    /// `[images, heads, grid, grid]`: each map sums to 1 over the patches.
    pub maps: Array4<f32>,
    /// The class token's weight on itself before renormalizing, `[images, heads]`.
    pub to_self: Array2<f32>,
}

/// The attention mass on a mask, and what uniform attention would put there.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StrokeMass {
    /// $m_k$: the map's mass on the masked pixels.
    pub mass: f64,
    /// $|S|/(HW)$: the fraction of the image the mask covers.
    pub coverage: f64,
}

/// [`ClassAttention`] of every layer of `model` on `images` (`[batch, channels, H, W]`).
///
/// # Errors
/// [`Error::NumericalFailure`] if an attention weight is not finite or a
/// class token puts all its weight on itself.
pub fn class_attention<B: Backend>(
    model: &Crate<B>,
    images: Tensor<B, 4>,
) -> Result<Vec<ClassAttention>> {
    let (_, traces) = model.forward_traced(images);
    traces
        .into_iter()
        .map(|t| class_rows(t.attention))
        .collect()
}

// ANCHOR: class_rows
/// [`ClassAttention`] from one layer's attention `[batch, heads, tokens, tokens]`
/// (tokens = 1 + grid²).
///
/// # Errors
/// [`Error::Shape`] if the patches do not form a square grid; as [`class_attention`].
pub fn class_rows<B: Backend>(attention: Tensor<B, 4>) -> Result<ClassAttention> {
    let [b, h, n, _] = attention.dims();
    let patches = n.saturating_sub(1);
    let grid = patches.isqrt();
    if patches == 0 || grid * grid != patches {
        return Err(Error::shape(
            "attention",
            "1 + grid² tokens",
            format!("{n} tokens"),
        ));
    }
    let fail = |detail: String| Error::NumericalFailure {
        algorithm: "class-token attention",
        detail,
    };
    let rows: Vec<f32> = attention
        .slice([0..b, 0..h, 0..1, 0..n])
        .into_data()
        .convert::<f32>()
        .to_vec()
        .map_err(|e| fail(format!("{e:?}")))?;
    // BEGIN SOLUTION 5.2: the class token's attention map
    let mut maps = Array4::zeros((b, h, grid, grid));
    let mut to_self = Array2::zeros((b, h));
    for (r, row) in rows.chunks(n).enumerate() {
        let (i, k) = (r / h, r % h);
        if row.iter().any(|v| !v.is_finite()) {
            return Err(fail("an attention weight is NaN or infinite".into()));
        }
        let total: f64 = row[1..].iter().map(|&v| f64::from(v)).sum();
        if total <= 0.0 {
            return Err(fail(format!(
                "image {i}, head {k}: the class token attends only to itself"
            )));
        }
        to_self[[i, k]] = row[0];
        for (p, &v) in row[1..].iter().enumerate() {
            maps[[i, k, p / grid, p % grid]] = (f64::from(v) / total) as f32;
        }
    }
    Ok(ClassAttention { maps, to_self })
    // END SOLUTION
}
// ANCHOR_END: class_rows

/// A `grid × grid` map spread over `grid·factor` pixels a side, each patch's
/// weight divided evenly among its pixels (so the total is kept).
pub fn upsample(map: ArrayView2<f32>, factor: usize) -> Array2<f64> {
    let (rows, cols) = map.dim();
    let share = 1.0 / (factor * factor).max(1) as f64;
    Array2::from_shape_fn((rows * factor, cols * factor), |(r, c)| {
        f64::from(map[[r / factor, c / factor]]) * share
    })
}

/// The mass of `map` (`grid × grid`, summing to 1) on the pixels where
/// `mask` (`H × W`, a multiple of the grid) is true.
///
/// # Errors
/// [`Error::Shape`] if the mask is not the grid scaled by a whole factor.
pub fn stroke_mass(map: ArrayView2<f32>, mask: ArrayView2<bool>) -> Result<StrokeMass> {
    let (g, gw) = map.dim();
    let (h, w) = mask.dim();
    if g == 0 || h == 0 || g != gw || h != w || !h.is_multiple_of(g) {
        return Err(Error::shape(
            "stroke mask",
            format!("a square multiple of the {g} x {gw} grid"),
            format!("{h} x {w}"),
        ));
    }
    let pixels = upsample(map, h / g);
    let mass = pixels
        .iter()
        .zip(mask.iter())
        .filter(|(_, m)| **m)
        .map(|(v, _)| *v)
        .sum();
    let covered = mask.iter().filter(|m| **m).count();
    Ok(StrokeMass {
        mass,
        coverage: covered as f64 / (h * w) as f64,
    })
}

/// Pixels between panels in [`overlay_row`].
pub const PANEL_GAP: usize = 2;

/// One image and its heads' maps side by side (RGB, `H × (heads + 1)·(W + gap)`):
/// the image in grey, then each head's map (scaled to its own maximum, as the
/// notebooks draw them) laid over it with [`shared::image::heat_overlay`].
/// `grey` is `H × W` in $[0, 1]$; `maps` is `[heads, grid, grid]`.
///
/// # Errors
/// [`Error::Shape`] if the image is not the grid scaled by a whole factor;
/// [`Error::NonFinite`] for NaN or an infinity in either input.
pub fn overlay_row(grey: ArrayView2<f64>, maps: ArrayView3<f32>) -> Result<Array3<u8>> {
    if maps.iter().any(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            name: "attention maps",
        });
    }
    let (heads, g, _) = maps.dim();
    let (h, w) = grey.dim();
    if g == 0 || h != w || !h.is_multiple_of(g) {
        return Err(Error::shape(
            "image under the attention maps",
            format!("a square multiple of the {g} x {g} grid"),
            format!("{h} x {w}"),
        ));
    }
    let step = w + PANEL_GAP;
    let mut out = Array3::from_elem((h, (heads + 1) * step - PANEL_GAP, 3), 255u8);
    let grey_rgb = grey.mapv(|v| (255.0 * v.clamp(0.0, 1.0)).round() as u8);
    for k in 0..3 {
        out.slice_mut(s![.., 0..w, k]).assign(&grey_rgb);
    }
    for head in 0..heads {
        let map = maps.slice(s![head, .., ..]);
        let peak = map.iter().fold(0.0f32, |m, &v| m.max(v));
        let heat = upsample(map, h / g).mapv(|v| {
            if peak > 0.0 {
                v * (h / g).pow(2) as f64 / f64::from(peak)
            } else {
                0.0
            }
        });
        let panel = shared::image::heat_overlay(grey, heat.view())?;
        let c0 = (head + 1) * step;
        out.slice_mut(s![.., c0..c0 + w, ..]).assign(&panel);
    }
    Ok(out)
}

/// An image `[channels, H, W]` as grey levels in $[0, 1]$: the mean over
/// channels, stretched from its minimum to its maximum (a constant image is
/// mid-grey).
///
/// # Errors
/// [`Error::NonFinite`] for NaN or an infinity; [`Error::Shape`] for no channels.
pub fn to_grey(image: ArrayView3<f32>) -> Result<Array2<f64>> {
    if image.iter().any(|v| !v.is_finite()) {
        return Err(Error::NonFinite { name: "image" });
    }
    let Some(mean) = image.mapv(f64::from).mean_axis(ndarray::Axis(0)) else {
        return Err(Error::shape("image", "at least one channel", "none"));
    };
    let lo = mean.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = mean.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Ok(if hi > lo {
        mean.mapv(|v| (v - lo) / (hi - lo))
    } else {
        mean.mapv(|_| 0.5)
    })
}

/// A digit pixel (in $[0, 1]$) brighter than this is stroke.
pub const STROKE_THRESHOLD: f64 = 0.5;

/// Mean attention mass on the strokes, per layer and head, over a set of images.
#[derive(Debug, Clone, PartialEq)]
pub struct MassByHead {
    /// `[layer][head]`: the mean over images of $m_k$.
    pub mass: Vec<Vec<f64>>,
    /// The mean over images of the coverage $|S|/(HW)$.
    pub coverage: f64,
    /// The mean over images of the most a map could put on the strokes at
    /// this patch size: all its weight on the patch with the most stroke.
    pub ceiling: f64,
}

/// The largest share of stroke pixels in one patch of a `grid × grid` tiling of `mask`.
fn densest_patch(mask: ArrayView2<bool>, grid: usize) -> f64 {
    let side = mask.nrows() / grid.max(1);
    let mut best = 0usize;
    for pr in 0..grid {
        for pc in 0..grid {
            let patch = mask.slice(s![pr * side..(pr + 1) * side, pc * side..(pc + 1) * side]);
            best = best.max(patch.iter().filter(|v| **v).count());
        }
    }
    best as f64 / (side * side).max(1) as f64
}

/// [`MassByHead`] of the per-layer attention `layers` (each over the same
/// images) on the stroke `masks` (one per image).
///
/// # Errors
/// [`Error::Shape`] if the number of masks is not the number of images, or
/// as [`stroke_mass`].
pub fn mean_stroke_mass(layers: &[ClassAttention], masks: &[Array2<bool>]) -> Result<MassByHead> {
    let grid = layers.first().map_or(1, |a| a.maps.dim().2);
    if let Some(bad) = masks
        .iter()
        .find(|m| m.is_empty() || m.nrows() != m.ncols() || !m.nrows().is_multiple_of(grid))
    {
        return Err(Error::shape(
            "stroke mask",
            format!("a square multiple of the {grid} x {grid} grid"),
            format!("{:?}", bad.dim()),
        ));
    }
    let mut mass = Vec::with_capacity(layers.len());
    for attention in layers {
        let (images, heads, _, _) = attention.maps.dim();
        if images != masks.len() || images == 0 {
            return Err(Error::shape(
                "stroke masks",
                format!("one per image ({images})"),
                masks.len().to_string(),
            ));
        }
        let mut sums = vec![0.0; heads];
        for (i, mask) in masks.iter().enumerate() {
            for (k, sum) in sums.iter_mut().enumerate() {
                let map = attention.maps.slice(s![i, k, .., ..]);
                *sum += stroke_mass(map, mask.view())?.mass;
            }
        }
        mass.push(sums.iter().map(|s| s / images as f64).collect());
    }
    let images = masks.len().max(1) as f64;
    let coverage = masks
        .iter()
        .map(|m| m.iter().filter(|v| **v).count() as f64 / m.len().max(1) as f64)
        .sum::<f64>()
        / images;
    let ceiling = masks
        .iter()
        .map(|m| densest_patch(m.view(), grid))
        .sum::<f64>()
        / images;
    Ok(MassByHead {
        mass,
        coverage,
        ceiling,
    })
}
