//! Graded tests of chapter 6's exercises (see "Exercises" on the chapter's
//! page): coding rates against nalgebra's Cholesky in f64, gradients against
//! central differences of those, and a round of the game against the
//! parameter updates worked out step by step.
//!
//! Exercises 6.2 and 6.3 build on 6.1: their tests score with your coding
//! rate (and 6.3 with your terms), so do them in order.

use burn::module::Param;
use burn::optim::SgdConfig;
use burn::optim::decay::WeightDecayConfig;
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;
use ndarray::{Array2, Axis};

use chapter_06::game::{Gammas, terms};
use chapter_06::nets::{Head, Mlp};
use chapter_06::rate::coding_rates;
use chapter_06::train::{Moves, Players, round};
use shared::burn::Cpu;
use shared::rng::gaussian_matrix;
use shared::seeded_rng;

type A = Cpu;

fn to_tensor(a: &Array2<f64>) -> Tensor<A, 2> {
    let values: Vec<f32> = a.iter().map(|&v| v as f32).collect();
    Tensor::from_data(
        TensorData::new(values, [a.nrows(), a.ncols()]),
        &Default::default(),
    )
}

fn values<Bk: Backend, const D: usize>(t: Tensor<Bk, D>) -> Vec<f64> {
    let v: Vec<f32> = t.into_data().convert::<f32>().to_vec().unwrap();
    v.into_iter().map(f64::from).collect()
}

/// $R(Z) = \frac12\log\det(I + \frac{d}{m\varepsilon^2}Z^\top Z)$ of features
/// as rows (`m × d`), by nalgebra's Cholesky in f64.
fn rate(z: &Array2<f64>, eps_sq: f64) -> f64 {
    let (m, d) = z.dim();
    let alpha = d as f64 / (m as f64 * eps_sq);
    let gram = z.t().dot(z);
    let a = nalgebra::DMatrix::from_fn(d, d, |i, j| {
        f64::from(u8::from(i == j)) + alpha * gram[[i, j]]
    });
    let l = nalgebra::Cholesky::new(a).expect("positive definite").l();
    (0..d).map(|i| l[(i, i)].ln()).sum()
}

/// Central differences of `f` at `z`, entry by entry.
fn central_differences(z: &Array2<f64>, f: impl Fn(&Array2<f64>) -> f64) -> Array2<f64> {
    let h = 1e-5;
    Array2::from_shape_fn(z.dim(), |(i, j)| {
        let (mut up, mut down) = (z.clone(), z.clone());
        up[[i, j]] += h;
        down[[i, j]] -= h;
        (f(&up) - f(&down)) / (2.0 * h)
    })
}

/// `|a − b| ≤ tol·max(1, |b|)` entrywise (fails on NaN).
fn assert_close(what: &str, a: &[f64], b: &[f64], tol: f64) {
    assert_eq!(a.len(), b.len(), "{what}: lengths differ");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= tol * y.abs().max(1.0),
            "{what}[{i}]: {x} vs {y}"
        );
    }
}

/// Exercise 6.1: the rates of sets of different sizes (fewer samples than
/// dimensions, and more) equal nalgebra's, and the gradient that reaches
/// each set through Burn's autodiff equals central differences.
#[test]
fn exercise_6_1_device_coding_rates_match_nalgebra_with_gradients() {
    let d = 4;
    let eps_sq = 0.3;
    let sets: Vec<Array2<f64>> = [(3, 1), (9, 2), (20, 3)]
        .iter()
        .map(|&(m, seed)| gaussian_matrix(&mut seeded_rng(seed), m, d) * 0.7)
        .collect();
    let tensors: Vec<Tensor<A, 2>> = sets.iter().map(|z| to_tensor(z).require_grad()).collect();
    let rates = coding_rates(&tensors, eps_sq).unwrap();
    let want: Vec<f64> = sets.iter().map(|z| rate(z, eps_sq)).collect();
    assert_close("rates", &values(rates.clone()), &want, 1e-5);
    // Weight the sets differently so each gradient is checked on its own.
    let weights = Tensor::<A, 1>::from_floats([1.0, -2.0, 0.5], &Default::default());
    let grads = (rates * weights).sum().backward();
    for (i, (t, z)) in tensors.iter().zip(&sets).enumerate() {
        let scale = [1.0, -2.0, 0.5][i];
        let want = central_differences(z, |z| scale * rate(z, eps_sq));
        let got = values(t.grad(&grads).expect("a gradient reaches every set"));
        assert_close(
            &format!("gradient of set {i}"),
            &got,
            &want.into_raw_vec_and_offset().0,
            1e-3,
        );
    }
}

/// The rows of `z` whose label is `class`.
fn rows_of(z: &Array2<f64>, labels: &[usize], class: usize) -> Array2<f64> {
    let idx: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
    z.select(Axis(0), &idx)
}

/// The game's value $\gamma_1\Delta R(Z) + \gamma_2\Delta R(\hat Z) +
/// \gamma_3\sum_j\Delta R(Z_j, \hat Z_j)$, from the definitions, in f64.
fn terms_f64(z: &Array2<f64>, z_hat: &Array2<f64>, labels: &[usize], eps_sq: f64) -> [f64; 3] {
    let mut classes: Vec<usize> = labels.to_vec();
    classes.sort_unstable();
    classes.dedup();
    let m = labels.len() as f64;
    let (mut expand, mut expand_hat, mut consistency) = (rate(z, eps_sq), rate(z_hat, eps_sq), 0.0);
    for &c in &classes {
        let (zj, zj_hat) = (rows_of(z, labels, c), rows_of(z_hat, labels, c));
        let share = zj.nrows() as f64 / m;
        let union = ndarray::concatenate(Axis(0), &[zj.view(), zj_hat.view()]).unwrap();
        expand -= share * rate(&zj, eps_sq);
        expand_hat -= share * rate(&zj_hat, eps_sq);
        consistency += rate(&union, eps_sq) - 0.5 * (rate(&zj, eps_sq) + rate(&zj_hat, eps_sq));
    }
    [expand, expand_hat, consistency]
}

fn weighted(t: [f64; 3], gammas: &Gammas) -> f64 {
    t.iter().zip(gammas).map(|(v, g)| v * g).sum()
}

/// Exercise 6.2: the three terms on unequal classes with sparse label values,
/// against their definitions in f64; and the gradient of the weighted total
/// with respect to both feature sets against central differences.
#[test]
fn exercise_6_2_game_terms_match_their_definitions() {
    let labels = [7, 2, 7, 9, 2, 7, 7, 9, 2, 7, 9];
    let (m, d, eps_sq) = (labels.len(), 3, 0.5);
    let z = gaussian_matrix(&mut seeded_rng(5), m, d);
    let z_hat = gaussian_matrix(&mut seeded_rng(6), m, d) * 0.8;
    let (zt, zt_hat) = (
        to_tensor(&z).require_grad(),
        to_tensor(&z_hat).require_grad(),
    );
    let t = terms(zt.clone(), zt_hat.clone(), &labels, eps_sq).unwrap();
    let got = t.values().unwrap();
    let want = terms_f64(&z, &z_hat, &labels, eps_sq);
    assert_close(
        "expand, expand_hat, consistency",
        &[got.expand, got.expand_hat, got.consistency],
        &want,
        1e-4,
    );
    let gammas = [1.0, 0.5, 2.0];
    let grads = t.total(&gammas).backward();
    let dz = central_differences(&z, |z| {
        weighted(terms_f64(z, &z_hat, &labels, eps_sq), &gammas)
    });
    let dz_hat = central_differences(&z_hat, |zh| {
        weighted(terms_f64(&z, zh, &labels, eps_sq), &gammas)
    });
    assert_close(
        "∂/∂Z",
        &values(zt.grad(&grads).unwrap()),
        &dz.into_raw_vec_and_offset().0,
        1e-3,
    );
    assert_close(
        "∂/∂Ẑ",
        &values(zt_hat.grad(&grads).unwrap()),
        &dz_hat.into_raw_vec_and_offset().0,
        1e-3,
    );
}

/// Every parameter of a network as a flat tensor, in a fixed order: each
/// linear map's weight and bias, then each LayerNorm's scale and shift.
fn parameters<B: Backend>(net: &Mlp<B>) -> Vec<Tensor<B, 1>> {
    let flat = |t: Tensor<B, 2>| {
        let n: usize = t.dims().iter().product();
        t.reshape([n])
    };
    let mut out = Vec::new();
    for l in &net.layers {
        out.push(flat(l.weight.val()));
        out.extend(l.bias.as_ref().map(|b| b.val()));
    }
    for n in &net.norms {
        out.push(n.gamma.val());
        out.extend(n.beta.as_ref().map(|b| b.val()));
    }
    out
}

/// The same parameters' values.
fn parameter_values<B: Backend>(net: &Mlp<B>) -> Vec<Vec<f64>> {
    parameters(net).into_iter().map(values).collect()
}

/// `θ + step·(∂objective/∂θ + decay·θ)` for every parameter: a plain
/// gradient step, what SGD without momentum does with `step = −lr` and its
/// L2 `decay`. The gradient is looked up on the parameter's own tensor,
/// before any reshape.
fn stepped<B: AutodiffBackend>(
    net: &Mlp<B>,
    grads: &B::Gradients,
    step: f64,
    decay: f64,
) -> Vec<Vec<f64>> {
    let mut own: Vec<(Vec<f64>, Vec<f64>)> = Vec::new();
    let mut push = |theta: Vec<f64>, g: Option<Vec<f64>>| {
        own.push((theta, g.expect("every parameter has a gradient")));
    };
    for l in &net.layers {
        let w = l.weight.val();
        push(values(w.clone()), w.grad(grads).map(values));
        if let Some(b) = &l.bias {
            push(values(b.val()), b.val().grad(grads).map(values));
        }
    }
    for n in &net.norms {
        push(values(n.gamma.val()), n.gamma.val().grad(grads).map(values));
        if let Some(b) = &n.beta {
            push(values(b.val()), b.val().grad(grads).map(values));
        }
    }
    own.into_iter()
        .map(|(theta, g)| {
            theta
                .iter()
                .zip(g)
                .map(|(t, g)| t + step * (g + decay * t))
                .collect()
        })
        .collect()
}

/// [`stepped`], checked to move some parameter by far more than the
/// comparison's tolerance (so a player left still cannot pass).
fn step_that_moves<B: AutodiffBackend>(
    who: &str,
    net: &Mlp<B>,
    grads: &B::Gradients,
    step: f64,
    decay: f64,
) -> Vec<Vec<f64>> {
    let want = stepped(net, grads, step, decay);
    let moved = largest_move(&parameter_values(net), &want);
    assert!(moved > 1e-3, "a {who} step moves the parameters ({moved})");
    want
}

/// The largest change from `before` to `after`, over every parameter.
fn largest_move(before: &[Vec<f64>], after: &[Vec<f64>]) -> f64 {
    before
        .iter()
        .flatten()
        .zip(after.iter().flatten())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, |m, d| {
            if d.is_nan() || m.is_nan() {
                f64::NAN
            } else {
                m.max(d)
            }
        })
}

fn assert_parameters(what: &str, got: &[Vec<f64>], want: &[Vec<f64>]) {
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_close(&format!("{what} parameter {i}"), g, w, 1e-5);
    }
}

/// Exercise 6.3: one round with plain SGD (the decoder's with L2 weight
/// decay, so the two optimizers cannot be swapped), two encoder steps and two
/// decoder steps, against the updates worked out here: at each encoder step
/// the total is climbed with $\hat X = g(f(X))$ computed from the current
/// players and held as data; the decoder then descends it with $Z = f(X)$
/// from the moved encoder held fixed, $\hat Z = f(g(Z))$; the returned terms
/// are the ones its first step saw. Every step moves the parameters by far
/// more than the tolerance, so a player left still would fail.
#[test]
fn exercise_6_3_one_round_moves_both_players_by_their_gradients() {
    const DECAY: f64 = 0.5;
    let device = Default::default();
    let mut rng = seeded_rng(8);
    let encoder = Mlp::<A>::new(&[6, 5, 3], true, Head::Sphere, &device, &mut rng).unwrap();
    let decoder = Mlp::<A>::new(&[3, 5, 6], true, Head::Tanh, &device, &mut rng).unwrap();
    let labels = [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2];
    let x = to_tensor(&gaussian_matrix(&mut seeded_rng(9), labels.len(), 6));
    let moves = Moves {
        eps_sq: 0.5,
        lr: 0.05,
        encoder_steps: 2,
        decoder_steps: 2,
        gammas: [1.0, 0.5, 1.0],
    };
    let players = Players {
        encoder: encoder.clone(),
        decoder: decoder.clone(),
    };
    let mut sgd_e = SgdConfig::new().init();
    let mut sgd_d = SgdConfig::new()
        .with_weight_decay(Some(WeightDecayConfig {
            penalty: DECAY as f32,
        }))
        .init();
    let (after, first) =
        round(players, &mut sgd_e, &mut sgd_d, x.clone(), &labels, &moves).unwrap();

    // The encoder's ascent steps, each with X̂ from the current players.
    let mut now = Players { encoder, decoder };
    for _ in 0..moves.encoder_steps {
        let x_hat = now.reconstruct(x.clone());
        let f = &now.encoder;
        let total = terms(
            f.forward(x.clone()),
            f.forward(x_hat),
            &labels,
            moves.eps_sq,
        )
        .unwrap()
        .total(&moves.gammas);
        let want = step_that_moves("encoder", f, &total.backward(), moves.lr, 0.0);
        now.encoder = with_parameters(now.encoder, &want);
    }
    assert_parameters(
        "encoder",
        &parameter_values(&after.encoder),
        &parameter_values(&now.encoder),
    );

    // The decoder's descent steps, through the moved encoder.
    let z = now.encode(x);
    for step in 0..moves.decoder_steps {
        let z_hat = now.encoder.forward(now.decoder.forward(z.clone()));
        let t = terms(z.clone(), z_hat, &labels, moves.eps_sq).unwrap();
        if step == 0 {
            let seen = t.values().unwrap();
            assert_close(
                "the terms the decoder's first step saw",
                &[first.expand, first.expand_hat, first.consistency],
                &[seen.expand, seen.expand_hat, seen.consistency],
                1e-5,
            );
        }
        let grads = t.total(&moves.gammas).backward();
        let want = step_that_moves("decoder", &now.decoder, &grads, -moves.lr, DECAY);
        now.decoder = with_parameters(now.decoder, &want);
    }
    assert_parameters(
        "decoder",
        &parameter_values(&after.decoder),
        &parameter_values(&now.decoder),
    );
}

/// `net` with its parameters replaced by `values` (in [`parameters`]' order).
fn with_parameters(mut net: Mlp<A>, values: &[Vec<f64>]) -> Mlp<A> {
    let mut it = values.iter();
    let mut next = |dims: Vec<usize>| {
        let v: Vec<f32> = it.next().unwrap().iter().map(|&v| v as f32).collect();
        TensorData::new(v, dims)
    };
    let device = Default::default();
    for l in &mut net.layers {
        l.weight = Param::from_tensor(Tensor::from_data(
            next(l.weight.val().dims().to_vec()),
            &device,
        ));
        if let Some(b) = &mut l.bias {
            *b = Param::from_tensor(Tensor::from_data(next(b.val().dims().to_vec()), &device));
        }
    }
    for n in &mut net.norms {
        n.gamma = Param::from_tensor(Tensor::from_data(
            next(n.gamma.val().dims().to_vec()),
            &device,
        ));
        if let Some(b) = &mut n.beta {
            *b = Param::from_tensor(Tensor::from_data(next(b.val().dims().to_vec()), &device));
        }
    }
    net
}
