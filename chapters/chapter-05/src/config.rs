//! The shape of a CRATE model and the published presets.
//!
//! A model is fixed by the image (size, channels, patch size), the token
//! width `dim`, the number of layers `depth`, and the subspace codebook of
//! each layer: `heads` subspaces $U_k$ of dimension `dim_head` (the official
//! code's `heads` and `dim_head`). The ISTA block's step $\eta$ and sparsity
//! weight $\lambda$ are constants of the architecture (0.1 each in the
//! official code), not parameters.

use burn::config::Config;
use shared::{Error, Result};

/// Largest accepted value of any size (larger ones are typing mistakes, and
/// their products could overflow).
pub const MAX_SIZE: usize = 1 << 16;
/// Largest accepted model, parameters (about 8 GB of f32).
pub const MAX_PARAMETERS: usize = 1 << 31;

/// The shape of a CRATE model (official names).
#[derive(Config, Debug, PartialEq)]
pub struct CrateConfig {
    /// Height = width of the input images, pixels.
    pub image_size: usize,
    /// Height = width of a patch, pixels (must divide `image_size`).
    pub patch_size: usize,
    /// Colour channels.
    pub channels: usize,
    /// Output classes.
    pub num_classes: usize,
    /// Token width $d$.
    pub dim: usize,
    /// Number of layers $L$.
    pub depth: usize,
    /// Subspaces (attention heads) per layer $K$.
    pub heads: usize,
    /// Dimension $p$ of each subspace.
    pub dim_head: usize,
    /// ISTA step size $\eta$.
    #[config(default = 0.1)]
    pub eta: f64,
    /// ISTA sparsity weight $\lambda$.
    #[config(default = 0.1)]
    pub lambda: f64,
    /// The head of the ImageNet-21k demo checkpoints: `mlp_head` is
    /// LN + Linear(`dim` → `dim`) and a separate `head`, Linear(`dim` →
    /// classes), follows it. The official forward stops at `mlp_head`
    /// (the notebooks use the model for its attention and features), and so
    /// does ours: the output is `dim` wide.
    #[config(default = false)]
    pub pre_logits: bool,
}

/// The official models (image 224, patch 16, 1000 classes), the ImageNet-21k
/// demo model of the segmentation notebooks, and the digits model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Preset {
    /// CRATE-T: dim 384, depth 12, 6 heads of 64.
    CrateTiny,
    /// CRATE-S: dim 576, depth 12, 12 heads of 48.
    CrateSmall,
    /// CRATE-B: dim 768, depth 12, 12 heads of 64.
    CrateBase,
    /// CRATE-L: dim 1024, depth 24, 16 heads of 64.
    CrateLarge,
    /// CRATE-S/8 on ImageNet-21k (the segmentation work's `CRATE_small_21k`):
    /// image 224, patch 8, 21,842 classes, dim 384, depth 12, 6 heads of 64.
    #[value(name = "crate-small-21k")]
    CrateSmall21k,
    /// CRATE-B/8 on ImageNet-21k (`CRATE_base_21k`): image 224, patch 8,
    /// 21,842 classes, dim 768, depth 12, 12 heads of 64.
    #[value(name = "crate-base-21k")]
    CrateBase21k,
    /// The demo model of Yu et al., "Emergence of Segmentation with Minimalistic
    /// White-Box Transformers" (2023): image 224, patch 8, 21,842 classes
    /// (ImageNet-21k), dim 768, depth 12, 6 heads of 128, with the
    /// `mlp_head` → `head` pair of [`CrateConfig::pre_logits`].
    CrateDemo,
    /// The digits model: 28 × 28 grey images, patch 7, dim 128, depth 4, 4 heads of 32.
    Digits,
}

impl Preset {
    /// The model shape of this preset.
    pub fn config(self) -> CrateConfig {
        let imagenet =
            |dim, depth, heads| CrateConfig::new(224, 16, 3, 1000, dim, depth, heads, dim / heads);
        match self {
            Preset::CrateTiny => imagenet(384, 12, 6),
            Preset::CrateSmall => imagenet(576, 12, 12),
            Preset::CrateBase => imagenet(768, 12, 12),
            Preset::CrateLarge => imagenet(1024, 24, 16),
            Preset::CrateSmall21k => CrateConfig::new(224, 8, 3, 21_842, 384, 12, 6, 64),
            Preset::CrateBase21k => CrateConfig::new(224, 8, 3, 21_842, 768, 12, 12, 64),
            Preset::CrateDemo => {
                CrateConfig::new(224, 8, 3, 21_842, 768, 12, 6, 128).with_pre_logits(true)
            }
            Preset::Digits => CrateConfig::new(28, 7, 1, 10, 128, 4, 4, 32),
        }
    }
}

impl CrateConfig {
    /// Patches per image, $N = (\text{image}/\text{patch})^2$ (tokens without the class token).
    pub fn num_patches(&self) -> usize {
        (self.image_size / self.patch_size).pow(2)
    }

    /// Length of a flattened patch, channels × patch².
    pub fn patch_dim(&self) -> usize {
        self.channels * self.patch_size * self.patch_size
    }

    /// Width of the heads together, $Kp$ (the official `inner_dim`).
    pub fn inner_dim(&self) -> usize {
        self.heads * self.dim_head
    }

    /// Width of the model's output: the classes, or `dim` for a
    /// [`pre_logits`](CrateConfig::pre_logits) model (whose forward stops at `mlp_head`).
    pub fn output_width(&self) -> usize {
        if self.pre_logits {
            self.dim
        } else {
            self.num_classes
        }
    }

    /// Whether MSSA has an output projection: the official code drops it
    /// when one head spans the whole token ($K = 1$, $p = d$).
    pub fn projects_out(&self) -> bool {
        !(self.heads == 1 && self.dim_head == self.dim)
    }

    /// The number of learned parameters, counted from the definition:
    /// patch embedding LN(patch) + Linear + LN(dim), class token, positions,
    /// per layer 2 LN + $U$ ($d \times Kp$) + output ($Kp \times d + d$) + $D$ ($d^2$),
    /// head LN + Linear (with [`pre_logits`](CrateConfig::pre_logits): LN +
    /// Linear to `dim`, then Linear to the classes).
    pub fn parameter_count(&self) -> usize {
        let (d, inner, c) = (self.dim, self.inner_dim(), self.num_classes);
        let layer_norm = |n: usize| 2 * n;
        let embedding = layer_norm(self.patch_dim()) + self.patch_dim() * d + d + layer_norm(d);
        let tokens = d + (self.num_patches() + 1) * d;
        let out = if self.projects_out() {
            inner * d + d
        } else {
            0
        };
        let layer = 2 * layer_norm(d) + d * inner + out + d * d;
        let head = if self.pre_logits {
            layer_norm(d) + d * d + d + d * c + c
        } else {
            layer_norm(d) + d * c + c
        };
        embedding + tokens + self.depth * layer + head
    }

    /// Multiply-adds of one forward pass over one image, from the definition:
    /// patch embedding $N \cdot$ patch_dim $\cdot d$; per layer, with $n = N + 1$
    /// tokens, the projection $n d K p$, the attention scores and their product
    /// with the values $2 K n^2 p$, the output projection $n K p d$ and the ISTA
    /// block's two products $2 n d^2$; the head $d \cdot$ (output width).
    pub fn forward_macs(&self) -> f64 {
        let (d, inner, p) = (
            self.dim as f64,
            self.inner_dim() as f64,
            self.dim_head as f64,
        );
        let patches = self.num_patches() as f64;
        let n = patches + 1.0;
        let out = if self.projects_out() {
            n * inner * d
        } else {
            0.0
        };
        let layer = n * d * inner + 2.0 * self.heads as f64 * n * n * p + out + 2.0 * n * d * d;
        patches * self.patch_dim() as f64 * d
            + self.depth as f64 * layer
            + d * self.output_width() as f64
    }

    /// Every size with its flag.
    fn sizes(&self) -> [(&'static str, usize); 8] {
        [
            ("--image-size", self.image_size),
            ("--patch-size", self.patch_size),
            ("--channels", self.channels),
            ("--num-classes", self.num_classes),
            ("--dim", self.dim),
            ("--depth", self.depth),
            ("--heads", self.heads),
            ("--dim-head", self.dim_head),
        ]
    }

    /// Checks the shape: every size positive and at most [`MAX_SIZE`], the
    /// patch dividing the image, at most [`MAX_PARAMETERS`] parameters,
    /// $\eta, \lambda$ finite and $\ge 0$.
    ///
    /// # Errors
    /// [`Error::OutOfRange`] naming the offending flag.
    pub fn validate(&self) -> Result<()> {
        for (name, value) in self.sizes() {
            shared::cli::ensure_in_range(name, value, 1, MAX_SIZE)?;
        }
        if !self.image_size.is_multiple_of(self.patch_size) {
            return Err(Error::out_of_range(
                "--patch-size",
                format!("a divisor of the image size {}", self.image_size),
                self.patch_size,
            ));
        }
        if self.parameter_count() > MAX_PARAMETERS {
            return Err(Error::out_of_range(
                "the model",
                format!("at most {MAX_PARAMETERS} parameters"),
                self.parameter_count(),
            ));
        }
        for (name, value) in [("eta", self.eta), ("lambda", self.lambda)] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(Error::out_of_range(name, "finite and >= 0", value));
            }
        }
        Ok(())
    }
}
