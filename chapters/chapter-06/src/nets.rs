//! The two players: an encoder onto the unit sphere and a decoder back.
//!
//! Both are multilayer perceptrons: `Linear → LayerNorm → LeakyReLU(0.2)`
//! per hidden layer, then a last `Linear`. The encoder's output is
//! normalized to unit length (the features live on the sphere, as in
//! MCR²); the decoder's goes through `tanh` (pixels in $[-1, 1]$). With no
//! hidden layer and no bias they are the linear maps of the toy.

use burn::module::Module;
use burn::nn::{LayerNorm, LayerNormConfig, Linear};
use burn::prelude::*;
use burn::tensor::activation::{leaky_relu, sigmoid};

use shared::burn::init::linear;
use shared::rng::Rng;
use shared::{Error, Result};

/// What the last layer's output goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Head {
    /// Rows scaled to unit length (an encoder).
    #[default]
    Sphere,
    /// `tanh`, into $(-1, 1)$ (a decoder of images).
    Tanh,
    /// Nothing (a linear decoder).
    Identity,
}

/// A multilayer perceptron with a [`Head`].
#[derive(Module, Debug)]
pub struct Mlp<B: Backend> {
    /// The linear maps, `[in, out]` each.
    pub layers: Vec<Linear<B>>,
    /// One LayerNorm after each hidden linear map.
    pub norms: Vec<LayerNorm<B>>,
    /// What the output goes through (not a parameter: skipped by the record).
    #[module(skip)]
    pub head: Head,
}

/// Slope of the LeakyReLU for negative inputs (as in DCGAN-style discriminators).
pub const LEAKY_SLOPE: f64 = 0.2;

impl<B: Backend> Mlp<B> {
    /// A network with widths `widths[0] → … → widths[last]`, PyTorch's
    /// `nn.Linear` initialization drawn from `rng`.
    ///
    /// # Errors
    /// Fewer than two widths, or a zero width.
    pub fn new(
        widths: &[usize],
        bias: bool,
        head: Head,
        device: &B::Device,
        rng: &mut Rng,
    ) -> Result<Self> {
        if widths.len() < 2 || widths.contains(&0) {
            return Err(Error::shape(
                "widths",
                "at least an input and an output width, none zero",
                format!("{widths:?}"),
            ));
        }
        let layers: Vec<Linear<B>> = widths
            .windows(2)
            .map(|w| linear(w[0], w[1], bias, device, rng))
            .collect();
        let hidden = widths.len().saturating_sub(2);
        let norms = widths[1..1 + hidden]
            .iter()
            .map(|&n| LayerNormConfig::new(n).with_epsilon(1e-5).init(device))
            .collect();
        Ok(Mlp {
            layers,
            norms,
            head,
        })
    }

    /// `[batch, in]` → `[batch, out]`.
    pub fn forward(&self, mut x: Tensor<B, 2>) -> Tensor<B, 2> {
        let last = self.layers.len().saturating_sub(1);
        for (i, layer) in self.layers.iter().enumerate() {
            x = layer.forward(x);
            if i < last {
                x = leaky_relu(self.norms[i].forward(x), LEAKY_SLOPE);
            }
        }
        match self.head {
            Head::Sphere => normalize_rows(x),
            Head::Tanh => tanh_via_sigmoid(x),
            Head::Identity => x,
        }
    }
}

/// $\tanh x = 2\sigma(2x) - 1$, the same function (and, through autodiff, the
/// same derivative $4\sigma(1 - \sigma) = 1 - \tanh^2$). On Burn's CPU
/// backend the logistic function is one `exp` per entry where `tanh` is
/// libm's slower routine, and this form made a CTRL round of the bench 19%
/// faster. The price is rounding: the error is absolute rather than relative,
/// about one `f32` ulp of 1 for the value (Burn's `tanh`: a quarter) and two
/// for the derivative (tested), which pixels in $[-1, 1]$ do not notice.
pub fn tanh_via_sigmoid<B: Backend>(x: Tensor<B, 2>) -> Tensor<B, 2> {
    sigmoid(x.mul_scalar(2.0)).mul_scalar(2.0).sub_scalar(1.0)
}

/// Each row scaled to unit length (a row of zeros stays zero, with a finite
/// gradient: the squared norm is floored before the square root).
pub fn normalize_rows<B: Backend>(x: Tensor<B, 2>) -> Tensor<B, 2> {
    let norms = x.clone().powi_scalar(2).sum_dim(1).clamp_min(1e-24).sqrt();
    x / norms
}
