//! The rate terms in Burn against chapter 4's f64 reference, the closed
//! forms, the players' opposite moves, and the linear toy.

use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;
use chapter_05::device::Cpu;
use chapter_06::game::{binary, terms};
use chapter_06::rate::{coding_rate, coding_rates};
use chapter_06::toy::{SETUP, Toy, orthogonal_isotropic, rows_to_tensor, tensor_to_rows};
use ndarray::{Array2, Axis, s};
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
    let zt = rows_to_tensor::<B>(&z, &device).require_grad();
    let r = coding_rate(zt.clone(), eps_sq).unwrap();
    let got = scalar(r.clone());
    assert!((got - want).abs() < 1e-5 * want.max(1.0), "{got} vs {want}");
    let grad = tensor_to_rows(zt.grad(&r.backward()).unwrap()).unwrap();
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

/// ΔR(Z) from the game's terms equals chapter 4's rate reduction; the terms
/// of (Z, Z) have no consistency gap; the binary ΔR(Z, Z) is 0.
#[test]
fn terms_match_chapter_four_and_vanish_on_identical_sets() {
    let device = Default::default();
    let (n, d, eps_sq) = (60, 8, 0.5);
    let z = unit_rows(n, d, 2);
    let labels: Vec<usize> = (0..n).map(|i| i % 3).collect();
    let zt = rows_to_tensor::<B>(&z, &device);
    let zh = rows_to_tensor::<B>(&unit_rows(n, d, 3), &device);
    let t = terms(zt.clone(), zh.clone(), &labels, eps_sq)
        .unwrap()
        .values()
        .unwrap();
    let want = chapter_04::rate_reduction(z.t(), &labels, eps_sq).unwrap();
    assert!((t.expand - want).abs() < 1e-4, "{} vs {want}", t.expand);
    assert!(t.consistency > 0.1, "{t:?}");
    let same = terms(zt.clone(), zt.clone(), &labels, eps_sq)
        .unwrap()
        .values()
        .unwrap();
    assert!(same.consistency.abs() < 1e-5, "{same:?}");
    assert!((same.expand - same.expand_hat).abs() < 1e-6);
    let b = scalar(binary(zt.clone(), zt, eps_sq).unwrap());
    assert!(b.abs() < 1e-5, "{b}");
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
                rows_to_tensor::<B>(&a, &device),
                rows_to_tensor::<B>(&b, &device),
                0.5,
            )
            .unwrap(),
        );
        let formula = (1.0 + d as f64 / 1.0).ln() - 0.5 * (1.0 + d as f64 / 0.5).ln();
        assert!((formula - want).abs() < 1e-6);
        assert!((got - want).abs() < 1e-4, "d = {d}: {got} vs {want}");
    }
    // The orthogonal-isotropic value: 3 planes in R^8 at eps² = 0.5.
    let v = orthogonal_isotropic(8, 3, 2, 0.5).unwrap();
    assert!((v - (3.0 * (11.0f64 / 3.0).ln() - 9.0f64.ln())).abs() < 1e-12);
    assert!(orthogonal_isotropic(4, 3, 2, 0.5).is_err());
}

/// Non-finite features and bad shapes are errors, not NaN terms.
#[test]
fn bad_inputs_are_errors() {
    let device = Default::default();
    let mut z = unit_rows(10, 4, 4);
    let good = rows_to_tensor::<B>(&z, &device);
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
    let bad = rows_to_tensor::<B>(&z, &device);
    let err = coding_rate(bad, 0.5).unwrap_err().to_string();
    assert!(err.contains("NaN") || err.contains("finite"), "{err}");
    let _ = s![..];
}

fn _assert_autodiff<T: AutodiffBackend>() {}

/// The linear toy reaches the theory's targets within the stated
/// tolerances: ΔR(Z) within 10% of the orthogonal-isotropic value, the
/// consistency term below 1e-2, classes nearly orthogonal, and every
/// reconstruction nearest its own class's subspace.
#[test]
fn linear_toy_reaches_its_targets() {
    let r = chapter_05::device::on_device(
        chapter_05::device::Device::Cpu,
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
    let x = rows_to_tensor::<B>(&data.x.t().to_owned(), &device);
    let players = Players {
        encoder: Mlp::<B>::new(&[10, 6], false, Head::Sphere, &device, &mut rng),
        decoder: Mlp::<B>::new(&[6, 10], false, Head::Identity, &device, &mut rng),
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
