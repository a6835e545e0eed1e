//! CRATE, layer by layer, as the official `model/crate.py` defines it.
//!
//! Tokens are rows here (Burn, like PyTorch, stores a batch of tokens as
//! `[batch, tokens, dim]`); the book's $Z \in \mathbb R^{d \times N}$ has them as
//! columns, so $ZU$ in code is $U^\top Z$ in the book.
//!
//! One layer (textbook Ch. 4 §4.2, Ch. 7):
//! $$Z^{\ell+1/2} = Z^\ell + \operatorname{MSSA}(\operatorname{LN}(Z^\ell)), \qquad
//!   Z^{\ell+1} = \operatorname{ISTA}(\operatorname{LN}(Z^{\ell+1/2})),$$
//! with no residual around ISTA (its own step is the residual).

use burn::module::{Module, Param};
use burn::nn::{LayerNorm, LayerNormConfig, Linear};
use burn::prelude::*;
use burn::tensor::activation::{relu, softmax};
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};

use crate::config::CrateConfig;
use shared::Result;
use shared::rng::Rng;

// ANCHOR: attention
/// Multi-head subspace self-attention with its pre-norm. One bias-free
/// projection $U_{\[K\]}$ (`qkv`, `dim → heads·dim_head`) is query, key and value
/// of every head: head $k$ compares the tokens' coordinates $w_i = U_k^\top z_i$
/// in its subspace, $\operatorname{softmax}(W_kW_k^\top/\sqrt p)\,W_k$, and the heads are
/// mapped back by the biased output projection `to_out` (the learned
/// $[U_1, \dots, U_K]$ of the textbook's MSSA).
#[derive(Module, Debug)]
pub struct Attention<B: Backend> {
    /// Pre-norm LN₁.
    pub norm: LayerNorm<B>,
    /// $U_{\[K\]}$, `dim → heads·dim_head`, no bias.
    pub qkv: Linear<B>,
    /// Output projection `heads·dim_head → dim` with bias (absent when one head spans the token).
    pub to_out: Option<Linear<B>>,
    heads: usize,
}

impl<B: Backend> Attention<B> {
    /// The tokens' coordinates in each head's subspace, $W_k = \operatorname{LN}(Z)U_k$:
    /// `[batch, tokens, dim]` → `[batch, heads, tokens, dim_head]`.
    pub fn project(&self, x: Tensor<B, 3>) -> Tensor<B, 4> {
        let [b, n, d] = x.dims();
        let w = self.qkv.forward(self.norm.forward(x.reshape([b * n, d])));
        let p = w.dims()[1] / self.heads;
        // Stacked head by head (a copy of whole rows; see `forward`), so the
        // gradient flowing back is not a permuted tensor either.
        let heads = (0..self.heads)
            .map(|k| {
                w.clone()
                    .slice([0..b * n, k * p..(k + 1) * p])
                    .reshape([b, n, p])
            })
            .collect();
        Tensor::stack(heads, 1)
    }

    /// Each head's attention $\operatorname{softmax}(W_kW_k^\top/\sqrt p)$ over the last axis:
    /// `[batch, heads, tokens, tokens]`.
    pub fn attention(w: Tensor<B, 4>) -> Tensor<B, 4> {
        // BEGIN SOLUTION 5.3: the MSSA block
        let p = w.dims()[3] as f64;
        softmax(
            w.clone().matmul(w.swap_dims(2, 3)).mul_scalar(p.powf(-0.5)),
            3,
        )
        // END SOLUTION
    }

    /// $\operatorname{MSSA}(\operatorname{LN}(Z))$: `[batch, tokens, dim]` → same shape.
    pub fn forward(&self, x: Tensor<B, 3>) -> Tensor<B, 3> {
        // BEGIN SOLUTION 5.3: the MSSA block
        let [b, n, d] = x.dims();
        let w = self.project(x);
        let out = Self::attention(w.clone()).matmul(w);
        let [_, h, _, p] = out.dims();
        // The heads side by side, [b·n, h·p], as a concatenation of the
        // heads' slices (Burn's CPU backend copies a permuted tensor one
        // element at a time; a concatenation copies whole rows).
        let heads = (0..h)
            .map(|k| {
                out.clone()
                    .slice([0..b, k..k + 1, 0..n, 0..p])
                    .reshape([b, n, p])
            })
            .collect();
        let out = Tensor::cat(heads, 2).reshape([b * n, h * p]);
        let out = match &self.to_out {
            Some(linear) => linear.forward(out),
            None => out,
        };
        out.reshape([b, n, d])
        // END SOLUTION
    }
}
// ANCHOR_END: attention

// ANCHOR: ista
/// The sparsification block with its pre-norm: one step of nonnegative ISTA
/// on $\min_{Z \ge 0} \lambda\|Z\|_1 + \frac12\|Z^{\ell+1/2} - DZ\|_F^2$ from $Z = Z^{\ell+1/2}$,
/// $$\operatorname{ISTA}(z) = \operatorname{ReLU}\big(z + \eta D^\top(z - Dz) - \eta\lambda\mathbf 1\big),$$
/// chapter 2's ReLU layer with the signal equal to the warm start.
#[derive(Module, Debug)]
pub struct Ista<B: Backend> {
    /// Pre-norm LN₂.
    pub norm: LayerNorm<B>,
    /// The dictionary $D$ (`dim × dim`, PyTorch layout: $Dz$ is `z · weightᵀ` for a row `z`).
    pub weight: Param<Tensor<B, 2>>,
    eta: f64,
    lambda: f64,
}

impl<B: Backend> Ista<B> {
    /// The step on rows $x$ (`[rows, dim]`), without the norm: with tokens as
    /// rows, $D^\top(z - Dz)$ is $(x - xD^\top)D$.
    pub fn step(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        // BEGIN SOLUTION 5.1: the ISTA block
        let d = self.weight.val();
        let residual = x.clone() - x.clone().matmul(d.clone().transpose());
        relu(x + residual.matmul(d).mul_scalar(self.eta) - self.eta * self.lambda)
        // END SOLUTION
    }

    /// $\operatorname{ISTA}(\operatorname{LN}(Z))$: `[batch, tokens, dim]` → same shape.
    pub fn forward(&self, x: Tensor<B, 3>) -> Tensor<B, 3> {
        let [b, n, d] = x.dims();
        self.step(self.norm.forward(x.reshape([b * n, d])))
            .reshape([b, n, d])
    }
}
// ANCHOR_END: ista

/// One CRATE layer: compression by MSSA (with a residual), sparsification by ISTA.
#[derive(Module, Debug)]
pub struct Layer<B: Backend> {
    /// MSSA and LN₁.
    pub attn: Attention<B>,
    /// ISTA and LN₂.
    pub ista: Ista<B>,
}

/// What one layer computed, for the white-box probes.
#[derive(Debug, Clone)]
pub struct LayerTrace<B: Backend> {
    /// $W_k = \operatorname{LN}(Z^\ell)U_k$ per head, `[batch, heads, tokens, dim_head]`
    /// (what the official compression probe hooks).
    pub projected: Tensor<B, 4>,
    /// Each head's attention, `[batch, heads, tokens, tokens]`.
    pub attention: Tensor<B, 4>,
    /// $Z^{\ell+1}$, the ISTA output, `[batch, tokens, dim]`.
    pub output: Tensor<B, 3>,
}

impl<B: Backend> Layer<B> {
    /// $Z^{\ell+1}$ from $Z^\ell$ (`[batch, tokens, dim]`).
    pub fn forward(&self, x: Tensor<B, 3>) -> Tensor<B, 3> {
        let half = x.clone() + self.attn.forward(x);
        self.ista.forward(half)
    }
}

/// The whole model: patch embedding, class token, positions, layers, head.
#[derive(Module, Debug)]
pub struct Crate<B: Backend> {
    /// LayerNorm over each flattened patch (`to_patch_embedding.1`).
    pub patch_norm: LayerNorm<B>,
    /// Patch → token (`to_patch_embedding.2`).
    pub patch_linear: Linear<B>,
    /// LayerNorm over each token (`to_patch_embedding.3`).
    pub embed_norm: LayerNorm<B>,
    /// The class token, `[1, 1, dim]`.
    pub cls_token: Param<Tensor<B, 3>>,
    /// Learned absolute positions, `[1, patches + 1, dim]`, added after the class token is prepended.
    pub pos_embedding: Param<Tensor<B, 3>>,
    /// The layers.
    pub layers: Vec<Layer<B>>,
    /// The head's LayerNorm (`mlp_head.0`).
    pub head_norm: LayerNorm<B>,
    /// The classifier (`mlp_head.1`; `dim → dim` in a [`pre_logits`](CrateConfig::pre_logits) model).
    pub head: Linear<B>,
    /// The demo checkpoints' separate `head` (`dim → classes`): loaded and
    /// counted, not applied (the official forward stops at `mlp_head`).
    pub classifier: Option<Linear<B>>,
    patch_size: usize,
}

/// Images `[batch, channels, H, W]` to flattened patches `[batch, patches, patch²·channels]`,
/// patches in row-major order, each flattened as (row, column, channel) like the
/// official `b c (h p1) (w p2) -> b (h w) (p1 p2 c)`.
pub fn patchify<B: Backend>(images: Tensor<B, 4>, patch: usize) -> Tensor<B, 3> {
    let [b, c, h, w] = images.dims();
    let (gh, gw) = (h / patch, w / patch);
    images
        .reshape([b, c, gh, patch, gw, patch])
        .permute([0, 2, 4, 3, 5, 1])
        .reshape([b, gh * gw, patch * patch * c])
}

impl<B: Backend> Crate<B> {
    /// Tokens $Z^0$ (`[batch, patches + 1, dim]`) of images `[batch, channels, H, W]`.
    pub fn embed(&self, images: Tensor<B, 4>) -> Tensor<B, 3> {
        let patches = patchify(images, self.patch_size);
        let [b, n, pd] = patches.dims();
        let x = self.patch_norm.forward(patches.reshape([b * n, pd]));
        let x = self.embed_norm.forward(self.patch_linear.forward(x));
        let d = x.dims()[1];
        let cls = self.cls_token.val().expand([b, 1, d]);
        let tokens = Tensor::cat(vec![cls, x.reshape([b, n, d])], 1);
        // Added as rows of length (n + 1)·d: the same sum, and Burn's CPU
        // backend broadcasts a row much faster than a [1, n + 1, d] block.
        let width = (n + 1) * d;
        (tokens.reshape([b, width]) + self.pos_embedding.val().reshape([1, width])).reshape([
            b,
            n + 1,
            d,
        ])
    }

    /// Logits `[batch, classes]` (`[batch, dim]` for a `pre_logits` model)
    /// from the class token after the last layer.
    pub fn classify(&self, tokens: Tensor<B, 3>) -> Tensor<B, 2> {
        let [b, _, d] = tokens.dims();
        let cls = tokens.slice([0..b, 0..1, 0..d]).reshape([b, d]);
        self.head.forward(self.head_norm.forward(cls))
    }

    /// Logits `[batch, classes]` of images `[batch, channels, H, W]`.
    pub fn forward(&self, images: Tensor<B, 4>) -> Tensor<B, 2> {
        let tokens = self
            .layers
            .iter()
            .fold(self.embed(images), |x, layer| layer.forward(x));
        self.classify(tokens)
    }

    /// Logits and what every layer computed (for the probes and attention maps).
    pub fn forward_traced(&self, images: Tensor<B, 4>) -> (Tensor<B, 2>, Vec<LayerTrace<B>>) {
        let mut x = self.embed(images);
        let mut traces = Vec::with_capacity(self.layers.len());
        for layer in &self.layers {
            let projected = layer.attn.project(x.clone());
            let attention = Attention::attention(projected.clone());
            x = layer.forward(x);
            traces.push(LayerTrace {
                projected,
                attention,
                output: x.clone(),
            });
        }
        (self.classify(x), traces)
    }

    /// Logits (as [`Crate::forward`]) and the attention of layer `layer` only,
    /// `[batch, heads, tokens, tokens]`; the other layers' intermediates are
    /// dropped as the forward goes (a 12-layer model at 224/8 would otherwise
    /// hold gigabytes per batch). `None` if there is no such layer.
    pub fn forward_with_attention(
        &self,
        images: Tensor<B, 4>,
        layer: usize,
    ) -> Option<(Tensor<B, 2>, Tensor<B, 4>)> {
        let mut x = self.embed(images);
        let mut attention = None;
        for (l, block) in self.layers.iter().enumerate() {
            if l == layer {
                attention = Some(Attention::attention(block.attn.project(x.clone())));
            }
            x = block.forward(x);
        }
        attention.map(|a| (self.classify(x), a))
    }

    /// Side length of a patch, pixels.
    pub fn patch_size(&self) -> usize {
        self.patch_size
    }
}

pub use shared::burn::init::{drawn, linear};

impl CrateConfig {
    /// A freshly initialized model, drawn from `rng` as the official code
    /// draws it in PyTorch: `nn.Linear` defaults, the ISTA dictionary Kaiming
    /// uniform ($\pm\sqrt{6/d}$), class token and positions standard normal,
    /// LayerNorms $\gamma = 1$, $\beta = 0$. Burn's own global RNG is not used, so a
    /// seed gives the same model on every backend and in parallel tests.
    ///
    /// # Errors
    /// As [`CrateConfig::validate`].
    pub fn init<B: Backend>(&self, device: &B::Device, rng: &mut Rng) -> Result<Crate<B>> {
        self.validate()?;
        let (d, inner) = (self.dim, self.inner_dim());
        let norm = |n| LayerNormConfig::new(n).with_epsilon(1e-5).init(device);
        let patch_norm = norm(self.patch_dim());
        let patch_linear = linear(self.patch_dim(), d, true, device, rng);
        let embed_norm = norm(d);
        let pos_embedding = drawn([1, self.num_patches() + 1, d], device, || {
            StandardNormal.sample(rng)
        });
        let cls_token = drawn([1, 1, d], device, || StandardNormal.sample(rng));
        let mut layers = Vec::with_capacity(self.depth);
        for _ in 0..self.depth {
            let attn = Attention {
                norm: norm(d),
                qkv: linear(d, inner, false, device, rng),
                to_out: self
                    .projects_out()
                    .then(|| linear(inner, d, true, device, rng)),
                heads: self.heads,
            };
            let bound = (6.0 / d as f32).sqrt();
            let ista = Ista {
                norm: norm(d),
                weight: drawn([d, d], device, || rng.random_range(-bound..bound)),
                eta: self.eta,
                lambda: self.lambda,
            };
            layers.push(Layer { attn, ista });
        }
        Ok(Crate {
            patch_norm,
            patch_linear,
            embed_norm,
            cls_token,
            pos_embedding,
            layers,
            head_norm: norm(d),
            head: linear(d, self.output_width(), true, device, rng),
            classifier: self
                .pre_logits
                .then(|| linear(d, self.num_classes, true, device, rng)),
            patch_size: self.patch_size,
        })
    }
}
