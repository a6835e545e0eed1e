//! Parameters initialized as PyTorch initializes them, drawn from the
//! project's own seeded stream (never Burn's global RNG), so a seed gives the
//! same model on every backend and in parallel tests.

use burn::module::Param;
use burn::nn::Linear;
use burn::prelude::*;
use rand::RngExt;

use crate::rng::Rng;

/// A `shape` parameter of values drawn by `draw` (row-major).
pub fn drawn<B: Backend, const D: usize>(
    shape: [usize; D],
    device: &B::Device,
    mut draw: impl FnMut() -> f32,
) -> Param<Tensor<B, D>> {
    let values: Vec<f32> = (0..shape.iter().product()).map(|_| draw()).collect();
    Param::from_tensor(Tensor::from_data(TensorData::new(values, shape), device))
}

/// PyTorch's `nn.Linear` initialization: weight and bias uniform in
/// $\pm 1/\sqrt{\text{fan-in}}$ (Kaiming uniform with $a = \sqrt5$); weight stored `[in, out]`.
pub fn linear<B: Backend>(
    d_in: usize,
    d_out: usize,
    bias: bool,
    device: &B::Device,
    rng: &mut Rng,
) -> Linear<B> {
    let bound = 1.0 / (d_in as f32).sqrt();
    let weight = drawn([d_in, d_out], device, || rng.random_range(-bound..bound));
    let bias = bias.then(|| drawn([d_out], device, || rng.random_range(-bound..bound)));
    Linear { weight, bias }
}
