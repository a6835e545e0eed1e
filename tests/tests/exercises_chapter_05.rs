//! Graded tests of chapter 5's exercises (see "Exercises" on the chapter's
//! page): each block of CRATE against a direct ndarray computation in f64 of
//! the equation it implements, on randomly initialized weights (so an
//! identity, a transposed dictionary or a forgotten head shows).

use burn::module::Param;
use burn::tensor::{Tensor, TensorData};
use ndarray::{Array2, Array4};

use chapter_05::CrateConfig;
use chapter_05::attention::class_rows;
use chapter_05::model::{Attention, Crate};
use shared::rng::gaussian_matrix;
use shared::seeded_rng;

type B = burn::backend::Flex;

fn to_tensor(a: &Array2<f64>) -> Tensor<B, 2> {
    let values: Vec<f32> = a.iter().map(|&v| v as f32).collect();
    Tensor::from_data(
        TensorData::new(values, [a.nrows(), a.ncols()]),
        &Default::default(),
    )
}

fn to_array(t: Tensor<B, 2>) -> Array2<f64> {
    let [r, c] = t.dims();
    let v: Vec<f32> = t.into_data().convert::<f32>().to_vec().unwrap();
    Array2::from_shape_fn((r, c), |(i, j)| f64::from(v[i * c + j]))
}

/// The largest entrywise difference; NaN anywhere makes it NaN (and the
/// `< tol` checks fail).
fn max_abs_diff(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    assert_eq!(a.dim(), b.dim(), "shapes differ");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, |m, d| {
            if d.is_nan() || m.is_nan() {
                f64::NAN
            } else {
                m.max(d)
            }
        })
}

/// A small model (8 × 8 single-channel images, 4 × 4 patches: 5 tokens)
/// with `dim`, `heads` and `dim_head`, and the step sizes given.
fn model(dim: usize, heads: usize, dim_head: usize, eta: f64, lambda: f64) -> Crate<B> {
    let mut config = CrateConfig::new(8, 4, 1, 3, dim, 1, heads, dim_head);
    config.eta = eta;
    config.lambda = lambda;
    config
        .init(&Default::default(), &mut seeded_rng(21))
        .unwrap()
}

/// Exercise 5.1: one nonnegative ISTA step from the warm start $z$,
/// $\operatorname{ReLU}(z + \eta D^\top(z - Dz) - \eta\lambda)$ per token, with
/// tokens as rows; a non-symmetric dictionary tells $D$ from $D^\top$ and
/// two $(\eta, \lambda)$ pairs catch constants written in.
#[test]
fn exercise_5_1_ista_block_is_one_nonnegative_ista_step() {
    for (eta, lambda, seed) in [(0.1, 0.1, 3), (0.3, 0.05, 4)] {
        let mut model = model(8, 2, 4, eta, lambda);
        let d = gaussian_matrix(&mut seeded_rng(seed), 8, 8) * 0.4;
        model.layers[0].ista.weight = Param::from_tensor(to_tensor(&d));
        let z = gaussian_matrix(&mut seeded_rng(seed + 10), 6, 8);
        let got = to_array(model.layers[0].ista.step(to_tensor(&z)));
        let mut want = Array2::zeros((6, 8));
        for (t, token) in z.rows().into_iter().enumerate() {
            let residual = &token - &d.dot(&token);
            let moved = &token + &(d.t().dot(&residual) * eta);
            want.row_mut(t)
                .assign(&moved.mapv(|v| (v - eta * lambda).max(0.0)));
        }
        let err = max_abs_diff(&got, &want);
        assert!(
            err < 1e-5,
            "(η, λ) = ({eta}, {lambda}): max difference {err}"
        );
        let zeros = want.iter().filter(|&&v| v == 0.0).count();
        assert!(
            zeros > 0 && zeros < want.len(),
            "the case exercises the ReLU"
        );
    }
}

/// A `[batch, heads, 1 + grid², 1 + grid²]` attention whose rows are
/// probability vectors (positive, summing to 1), as a softmax gives.
fn synthetic_attention(batch: usize, heads: usize, grid: usize) -> Array4<f64> {
    let n = 1 + grid * grid;
    let mut a = Array4::from_shape_fn((batch, heads, n, n), |(b, h, i, j)| {
        1.0 + f64::sin(1.7 * b as f64 + 0.9 * h as f64 + 0.37 * i as f64 + 1.3 * j as f64)
            + 0.05 * (j * j) as f64
    });
    for mut row in a.rows_mut() {
        let total = row.sum();
        row /= total;
    }
    a
}

fn to_tensor4(a: &Array4<f64>) -> Tensor<B, 4> {
    let shape: [usize; 4] = a.dim().into();
    let values: Vec<f32> = a.iter().map(|&v| v as f32).collect();
    Tensor::from_data(TensorData::new(values, shape), &Default::default())
}

/// Exercise 5.2: each map is row 0 of a head's attention without its first
/// entry, renormalized to sum to 1 and laid out row-major on the grid; the
/// dropped weight is `to_self`. Rows that cannot give a map are errors.
#[test]
fn exercise_5_2_class_token_maps_are_renormalized_row_zero() {
    let (batch, heads, grid) = (2, 3, 3);
    let a = synthetic_attention(batch, heads, grid);
    let got = class_rows(to_tensor4(&a)).unwrap();
    assert_eq!(got.maps.dim(), (batch, heads, grid, grid));
    assert_eq!(got.to_self.dim(), (batch, heads));
    for b in 0..batch {
        for h in 0..heads {
            let row: Vec<f64> = (0..=grid * grid).map(|j| a[[b, h, 0, j]]).collect();
            let patches: f64 = row[1..].iter().sum();
            for p in 0..grid * grid {
                let want = row[1 + p] / patches;
                let have = f64::from(got.maps[[b, h, p / grid, p % grid]]);
                assert!(
                    (have - want).abs() < 1e-6,
                    "image {b}, head {h}, patch {p}: {have} vs {want}"
                );
            }
            let to_self = f64::from(got.to_self[[b, h]]);
            assert!(
                (to_self - row[0]).abs() < 1e-6,
                "to_self {to_self} vs {}",
                row[0]
            );
        }
    }
    // All weight on itself leaves nothing to renormalize; NaN is not a map.
    let mut selfish = a.clone();
    selfish
        .slice_mut(ndarray::s![1usize, 2usize, 0usize, ..])
        .fill(0.0);
    selfish[[1, 2, 0, 0]] = 1.0;
    assert!(
        class_rows(to_tensor4(&selfish)).is_err(),
        "a class token on itself only"
    );
    let mut broken = a;
    broken[[0, 1, 0, 4]] = f64::NAN;
    assert!(class_rows(to_tensor4(&broken)).is_err(), "a NaN weight");
}

/// LayerNorm of each row (γ = 1, β = 0 as initialized; ε = 1e-5).
fn layer_norm(x: &Array2<f64>) -> Array2<f64> {
    let mut out = x.clone();
    for mut row in out.rows_mut() {
        let mean = row.mean().unwrap();
        let var = row.mapv(|v| (v - mean).powi(2)).mean().unwrap();
        row.mapv_inplace(|v| (v - mean) / (var + 1e-5).sqrt());
    }
    out
}

/// Row-wise softmax.
fn softmax_rows(mut a: Array2<f64>) -> Array2<f64> {
    for mut row in a.rows_mut() {
        let max = row.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        row.mapv_inplace(|v| (v - max).exp());
        let sum = row.sum();
        row /= sum;
    }
    a
}

/// Exercise 5.3: MSSA(LN(Z)) on a batch of two, head by head: $W_k$ the
/// block $k$ of $\operatorname{LN}(Z)U$, each head
/// $\operatorname{softmax}(W_kW_k^\top/\sqrt p)\,W_k$, the heads side by side
/// through the output projection (weight and bias), and without one when a
/// single head spans the token. `Attention::attention` is checked on its own.
#[test]
fn exercise_5_3_mssa_matches_a_head_by_head_computation() {
    for (dim, heads, dim_head) in [(8, 2, 3), (6, 1, 6)] {
        let model = model(dim, heads, dim_head, 0.1, 0.1);
        let attn = &model.layers[0].attn;
        assert_eq!(attn.to_out.is_some(), (heads, dim_head) != (1, dim));
        let u = to_array(attn.qkv.weight.val());
        let n = 5;
        for image in 0..2 {
            let z = gaussian_matrix(&mut seeded_rng(30 + image), n, dim);
            let w = layer_norm(&z).dot(&u);
            let mut heads_out = Array2::zeros((n, heads * dim_head));
            for k in 0..heads {
                let wk = w
                    .slice(ndarray::s![.., k * dim_head..(k + 1) * dim_head])
                    .to_owned();
                let a = softmax_rows(wk.dot(&wk.t()) / (dim_head as f64).sqrt());
                heads_out
                    .slice_mut(ndarray::s![.., k * dim_head..(k + 1) * dim_head])
                    .assign(&a.dot(&wk));
                // The attention weights alone, from the given projection.
                let projected = attn.project(to_tensor(&z).reshape([1, n, dim]));
                let got = Attention::attention(projected)
                    .slice([0..1, k..k + 1, 0..n, 0..n])
                    .reshape([n, n]);
                let err = max_abs_diff(&to_array(got), &a);
                assert!(err < 1e-5, "head {k} attention: max difference {err}");
            }
            let want = match &attn.to_out {
                Some(linear) => {
                    let bias = linear.bias.as_ref().unwrap().val().reshape([1, dim]);
                    heads_out.dot(&to_array(linear.weight.val())) + to_array(bias)
                }
                None => heads_out,
            };
            // In a batch, at position `image`, next to a different image.
            let other = gaussian_matrix(&mut seeded_rng(40 + image), n, dim);
            let mut pair = vec![
                to_tensor(&z).reshape([1, n, dim]),
                to_tensor(&other).reshape([1, n, dim]),
            ];
            pair.rotate_left(image as usize);
            let got = attn
                .forward(Tensor::cat(pair, 0))
                .slice([image as usize..image as usize + 1, 0..n, 0..dim])
                .reshape([n, dim]);
            let err = max_abs_diff(&to_array(got), &want);
            assert!(
                err < 1e-4,
                "dim {dim}, {heads} heads of {dim_head}: max difference {err}"
            );
        }
    }
}
