//! The digits as the game sees them: pixels as rows in $[-1, 1]$ (the
//! decoder's `tanh` range), and batches drawn without replacement,
//! reshuffled each pass.

use burn::prelude::*;
use ndarray::Array2;
use rand::seq::SliceRandom;

use shared::digits::Split;
use shared::rng::Rng;

/// The pixels of a split as rows in $[-1, 1]$.
pub fn pixel_rows(split: &Split) -> Array2<f64> {
    split.images.t().mapv(|v| 2.0 * v - 1.0)
}

/// The next `batch` indices of `order` (the indices of `n` training digits
/// not yet drawn this pass), taken from its end; a new pass shuffled by
/// `rng` begins when fewer than `batch` are left.
pub fn draw(order: &mut Vec<usize>, n: usize, batch: usize, rng: &mut Rng) -> Vec<usize> {
    if order.len() < batch {
        *order = (0..n).collect();
        order.shuffle(rng);
    }
    let at = order.len().saturating_sub(batch);
    order.split_off(at)
}

/// `idx` as an index tensor.
pub fn index_tensor<B: Backend>(idx: &[usize], device: &B::Device) -> Tensor<B, 1, Int> {
    let values: Vec<i64> = idx.iter().map(|&i| i as i64).collect();
    Tensor::from_data(TensorData::new(values, [idx.len()]), device)
}
