//! The rate terms in Burn against chapter 4's f64 reference, the closed
//! forms, the players' opposite moves, and the linear toy.

use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;
use chapter_06::game::{binary, terms};
use chapter_06::rate::{coding_rate, coding_rates};
use chapter_06::toy::{SETUP, Toy, orthogonal_isotropic};
use ndarray::{Array2, Axis};
use shared::burn::Cpu;
use shared::burn::tensor::{from_rows, to_rows};
use shared::rng::gaussian_matrix;
use shared::seeded_rng;

type B = Cpu;

fn unit_rows(n: usize, d: usize, seed: u64) -> Array2<f64> {
    let mut z = gaussian_matrix(&mut seeded_rng(seed), n, d);
    for mut row in z.axis_iter_mut(Axis(0)) {
        let norm = row.dot(&row).sqrt();
        row /= norm;
    }
    z
}

fn scalar<B2: Backend>(t: Tensor<B2, 1>) -> f64 {
    t.into_scalar().elem::<f64>()
}

/// R(Z) and its gradient equal chapter 4's f64 coding rate and central
/// differences of it, within f32 tolerance.
#[test]
fn coding_rate_and_gradient_match_chapter_four() {
    let device = Default::default();
    let (n, d, eps_sq) = (40, 6, 0.5);
    let z = unit_rows(n, d, 1);
    let want = chapter_04::coding_rate(z.t(), eps_sq).unwrap();
    let zt = from_rows::<B>(&z, &device).require_grad();
    let r = coding_rate(zt.clone(), eps_sq).unwrap();
    let got = scalar(r.clone());
    assert!((got - want).abs() < 1e-5 * want.max(1.0), "{got} vs {want}");
    let grad = to_rows(zt.grad(&r.backward()).unwrap(), "features").unwrap();
    let h = 1e-6;
    let mut err: f64 = 0.0;
    for i in 0..n {
        for j in 0..d {
            let (mut plus, mut minus) = (z.clone(), z.clone());
            plus[[i, j]] += h;
            minus[[i, j]] -= h;
            let fd = (chapter_04::coding_rate(plus.t(), eps_sq).unwrap()
                - chapter_04::coding_rate(minus.t(), eps_sq).unwrap())
                / (2.0 * h);
            err = shared::error::nan_max2(err, (fd - grad[[i, j]]).abs());
        }
    }
    let scale = shared::error::nan_max(grad.iter().map(|v| v.abs()));
    assert!(
        scale > 1e-2 && err < 1e-4 * scale,
        "error {err}, scale {scale}"
    );
}

/// The three terms in f64 from chapter 4's rates, composed independently:
/// ΔR(Z), ΔR(Ẑ), and Σ_j R(Z_j ∪ Ẑ_j) − ½(R(Z_j) + R(Ẑ_j)).
fn reference_terms(z: &Array2<f64>, zh: &Array2<f64>, labels: &[usize], eps_sq: f64) -> [f64; 3] {
    let rate = |m: &Array2<f64>| chapter_04::coding_rate(m.t(), eps_sq).unwrap();
    let mut consistency = 0.0;
    for j in 0..=*labels.iter().max().unwrap() {
        let idx: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == j).collect();
        let (a, b) = (z.select(Axis(0), &idx), zh.select(Axis(0), &idx));
        let union = ndarray::concatenate(Axis(0), &[a.view(), b.view()]).unwrap();
        consistency += rate(&union) - 0.5 * (rate(&a) + rate(&b));
    }
    [
        chapter_04::rate_reduction(z.t(), labels, eps_sq).unwrap(),
        chapter_04::rate_reduction(zh.t(), labels, eps_sq).unwrap(),
        consistency,
    ]
}

/// Every term equals its f64 reference from chapter 4's rates, and the
/// gradient of the total with respect to both Z and Ẑ matches central
/// differences of the reference; identical sets have no consistency gap.
#[test]
fn terms_and_their_gradients_match_chapter_four() {
    let device = Default::default();
    let (n, d, eps_sq) = (30, 5, 0.5);
    let gammas = chapter_06::game::OFFICIAL;
    let (z, zh) = (unit_rows(n, d, 2), unit_rows(n, d, 3));
    let labels: Vec<usize> = (0..n).map(|i| i % 3).collect();
    let zt = from_rows::<B>(&z, &device).require_grad();
    let zht = from_rows::<B>(&zh, &device).require_grad();
    let t = terms(zt.clone(), zht.clone(), &labels, eps_sq).unwrap();
    let v = t.values().unwrap();
    let want = reference_terms(&z, &zh, &labels, eps_sq);
    for (got, want) in [v.expand, v.expand_hat, v.consistency].iter().zip(want) {
        assert!(
            (got - want).abs() < 1e-4 * want.abs().max(1.0),
            "{v:?} vs {want}"
        );
    }
    assert!(v.consistency > 0.1, "{v:?}");
    let grads = t.total(&gammas).backward();
    let (gz, gzh) = (
        to_rows(zt.grad(&grads).unwrap(), "features").unwrap(),
        to_rows(zht.grad(&grads).unwrap(), "features").unwrap(),
    );
    let total = |a: &Array2<f64>, b: &Array2<f64>| {
        reference_terms(a, b, &labels, eps_sq).iter().sum::<f64>()
    };
    let h = 1e-6;
    let mut err: f64 = 0.0;
    for i in (0..n).step_by(4) {
        for j in 0..d {
            for (which, grad) in [(0, &gz), (1, &gzh)] {
                let (mut plus, mut minus) = ([z.clone(), zh.clone()], [z.clone(), zh.clone()]);
                plus[which][[i, j]] += h;
                minus[which][[i, j]] -= h;
                let fd = (total(&plus[0], &plus[1]) - total(&minus[0], &minus[1])) / (2.0 * h);
                err = shared::error::nan_max2(err, (fd - grad[[i, j]]).abs());
            }
        }
    }
    let scale = shared::error::nan_max(gz.iter().chain(gzh.iter()).map(|v| v.abs()));
    assert!(
        scale > 1e-2 && err < 2e-4 * scale,
        "error {err}, scale {scale}"
    );
    let same = terms(
        from_rows::<B>(&z, &device),
        from_rows::<B>(&z, &device),
        &labels,
        eps_sq,
    )
    .unwrap()
    .values()
    .unwrap();
    assert!(same.consistency.abs() < 1e-5, "{same:?}");
    let zt = from_rows::<B>(&z, &device);
    let b = scalar(binary(zt.clone(), zt, eps_sq).unwrap());
    assert!(b.abs() < 1e-5, "{b}");
}

/// Three orthogonal planes in R^6 with points spread evenly on a circle in
/// each: ΔR(Z) is the orthogonal-isotropic value.
#[test]
fn orthogonal_isotropic_classes_reach_the_closed_form() {
    let device = Default::default();
    let (k, r, d, per) = (3, 2, 6, 12);
    let mut z = Array2::zeros((k * per, d));
    let mut labels = Vec::new();
    for j in 0..k {
        for p in 0..per {
            let angle = std::f64::consts::TAU * p as f64 / per as f64;
            z[[j * per + p, j * r]] = angle.cos();
            z[[j * per + p, j * r + 1]] = angle.sin();
            labels.push(j);
        }
    }
    let want = orthogonal_isotropic(d, k, r, 0.5).unwrap();
    let zt = from_rows::<B>(&z, &device);
    let got = terms(zt.clone(), zt, &labels, 0.5)
        .unwrap()
        .values()
        .unwrap()
        .expand;
    assert!((got - want).abs() < 1e-4, "{got} vs {want}");
    let f64_value = chapter_04::rate_reduction(z.t(), &labels, 0.5).unwrap();
    assert!((f64_value - want).abs() < 1e-10, "{f64_value} vs {want}");
    assert!(orthogonal_isotropic(4, 3, 2, 0.5).is_err());
}

/// A class collapsed on e1 against its reconstruction collapsed on e2:
/// ΔR = ln(1 + d/(2ε²)) − ½ ln(1 + d/ε²) (0.2938933 for d = 2, ε² = 0.5).
#[test]
fn collapsed_against_orthogonal_closed_form() {
    let device = Default::default();
    for (d, want) in [(2usize, 0.2938933), (128, 2.0852744)] {
        let m = 10;
        let mut a = Array2::zeros((m, d));
        a.column_mut(0).fill(1.0);
        let mut b = Array2::zeros((m, d));
        b.column_mut(1).fill(1.0);
        let got = scalar(
            binary(
                from_rows::<B>(&a, &device),
                from_rows::<B>(&b, &device),
                0.5,
            )
            .unwrap(),
        );
        let formula = (1.0 + d as f64 / 1.0).ln() - 0.5 * (1.0 + d as f64 / 0.5).ln();
        assert!((formula - want).abs() < 1e-6);
        assert!((got - want).abs() < 1e-4, "d = {d}: {got} vs {want}");
    }
    // Sets of different sizes have no binary distance (the weights would be wrong).
    let one = from_rows::<B>(&Array2::eye(2), &device);
    let many = from_rows::<B>(&Array2::ones((5, 2)), &device);
    assert!(binary(one, many, 0.5).is_err());
}

/// Non-finite features and bad shapes are errors, not NaN terms.
#[test]
fn bad_inputs_are_errors() {
    let device = Default::default();
    let mut z = unit_rows(10, 4, 4);
    let good = from_rows::<B>(&z, &device);
    assert!(coding_rates::<B>(&[], 0.5).is_err());
    assert!(coding_rate(good.clone(), 0.0).is_err());
    assert!(
        terms(
            good.clone(),
            good.clone().slice([0..5, 0..4]),
            &[0; 10],
            0.5
        )
        .is_err()
    );
    assert!(terms(good.clone(), good, &[0; 9], 0.5).is_err());
    z[[3, 1]] = f64::NAN;
    let bad = from_rows::<B>(&z, &device);
    let err = coding_rate(bad, 0.5).unwrap_err().to_string();
    assert!(err.contains("NaN") || err.contains("finite"), "{err}");
}

/// The linear toy reaches the theory's targets within the stated
/// tolerances: ΔR(Z) within 10% of the orthogonal-isotropic value, the
/// consistency term below 1e-2, classes nearly orthogonal, and every
/// reconstruction nearest its own class's subspace.
#[test]
fn linear_toy_reaches_its_targets() {
    let r = shared::burn::on_device(
        shared::burn::Device::Cpu,
        Toy {
            setup: SETUP,
            rng: &mut seeded_rng(0),
        },
    )
    .unwrap();
    let (first, last) = (r.trajectory[0], *r.trajectory.last().unwrap());
    assert!(
        first.consistency > 1.0 && first.expand < 0.7 * r.target,
        "{first:?}"
    );
    assert!(
        last.expand > 0.9 * r.target,
        "{} vs {}",
        last.expand,
        r.target
    );
    assert!(last.consistency < 1e-2, "{last:?}");
    assert!(r.cross_class < 0.1 && r.same_class > 0.5, "{r:?}");
    assert!(
        r.decoded_in_class > 0.99 && r.residual_own < 0.7 * r.residual_other,
        "{r:?}"
    );
    // Not optimized, and not small: consistency is about distributions.
    assert!(r.reconstruction_error > 0.5, "{r:?}");
}

/// On the same scalar T, the encoder's move goes up its gradient and the
/// decoder's goes down its own (Adam's first step is lr times the sign).
#[test]
fn encoder_ascends_and_decoder_descends_the_same_objective() {
    use chapter_06::nets::{Head, Mlp};
    use chapter_06::train::{Moves, Players, adam, round};
    let device = Default::default();
    let mut rng = seeded_rng(5);
    let data = shared::data::UnionOfSubspaces::sample(&mut rng, 10, &[2, 2], 50, 0.05).unwrap();
    let x = from_rows::<B>(&data.x.t().to_owned(), &device);
    let players = Players {
        encoder: Mlp::<B>::new(&[10, 6], false, Head::Sphere, &device, &mut rng).unwrap(),
        decoder: Mlp::<B>::new(&[6, 10], false, Head::Identity, &device, &mut rng).unwrap(),
    };
    let moves = Moves {
        eps_sq: 0.5,
        lr: 1e-4,
        encoder_steps: 1,
        decoder_steps: 1,
        gammas: chapter_06::game::OFFICIAL,
    };
    // The encoder's gradient with X̂ fixed, the decoder's with Z fixed.
    let x_hat = players.reconstruct(x.clone());
    let f = &players.encoder;
    let t = terms(f.forward(x.clone()), f.forward(x_hat), &data.labels, 0.5).unwrap();
    let g_enc = f.layers[0]
        .weight
        .grad(&t.total(&moves.gammas).backward())
        .unwrap();
    let z = players.encode(x.clone());
    let t = terms(
        z.clone(),
        f.forward(players.decoder.forward(z)),
        &data.labels,
        0.5,
    )
    .unwrap();
    let g_dec = players.decoder.layers[0]
        .weight
        .grad(&t.total(&moves.gammas).backward())
        .unwrap();
    let (w_enc, w_dec) = (
        players.encoder.layers[0].weight.val().inner(),
        players.decoder.layers[0].weight.val().inner(),
    );
    let (mut opt_e, mut opt_d) = (adam().init(), adam().init());
    let (moved, _) = round(
        players.clone(),
        &mut opt_e,
        &mut opt_d,
        x,
        &data.labels,
        &moves,
    )
    .unwrap();
    let step_enc = moved.encoder.layers[0].weight.val().inner() - w_enc;
    let step_dec = moved.decoder.layers[0].weight.val().inner() - w_dec;
    type Inner = <B as AutodiffBackend>::InnerBackend;
    let along = |step: Tensor<Inner, 2>, grad: Tensor<Inner, 2>| -> f64 {
        (step * grad).sum().into_scalar().elem::<f64>()
    };
    let (up, down) = (along(step_enc, g_enc), along(step_dec, g_dec));
    assert!(up > 0.0 && down < 0.0, "encoder {up}, decoder {down}");
}

/// The decoder's head, $2\sigma(2x) - 1$, is tanh: values against f64's
/// `tanh` from 0 to saturation (both signs), and the gradient of their sum
/// against $1 - \tanh^2 x$. Both errors are absolute, one or two `f32`
/// ulps of 1 (measured 1.2e-7 and 2.4e-7; Burn's own `tanh` gives 2.9e-8 and
/// 8.5e-8); a wrong constant anywhere in the formula misses by far more.
#[test]
fn tanh_head_matches_tanh_and_its_derivative() {
    let device = Default::default();
    let xs: Vec<f64> = (-60..=60)
        .map(|i| f64::from(i) * 0.25)
        .chain([1e-6, -1e-6, 30.0, -30.0, 90.0, -90.0])
        .collect();
    let row = Array2::from_shape_vec((1, xs.len()), xs.clone()).unwrap();
    let x = from_rows::<B>(&row, &device).require_grad();
    let y = chapter_06::nets::tanh_via_sigmoid(x.clone());
    let values = to_rows(y.clone().inner(), "features").unwrap();
    let grad = to_rows(x.grad(&y.sum().backward()).unwrap(), "features").unwrap();
    let (mut value_err, mut grad_err) = (0.0f64, 0.0f64);
    for (j, &v) in xs.iter().enumerate() {
        value_err = shared::error::nan_max2(value_err, (values[[0, j]] - v.tanh()).abs());
        let slope = 1.0 - v.tanh().powi(2);
        grad_err = shared::error::nan_max2(grad_err, (grad[[0, j]] - slope).abs());
    }
    assert!(value_err < 2e-7, "largest error of the values: {value_err}");
    assert!(
        grad_err < 5e-7,
        "largest error of the derivative: {grad_err}"
    );
}
