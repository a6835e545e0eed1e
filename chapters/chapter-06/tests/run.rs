//! A diverging game stopped with an error, and one-line errors for bad flags.

use chapter_06::nets::{Head, Mlp};
use chapter_06::train::{Moves, Players, adam, round};
use shared::burn::Cpu;
use shared::burn::tensor::from_rows;
use shared::seeded_rng;
use shared::testing::{assert_one_line_error, run_binary};

/// NaN in the data (what a diverged player produces) makes the round fail
/// with a numerical error naming the cause, instead of training on NaN.
#[test]
fn non_finite_features_stop_the_game() {
    let device = Default::default();
    let mut rng = seeded_rng(1);
    let mut x = shared::rng::gaussian_matrix(&mut rng, 20, 6);
    x[[4, 2]] = f64::NAN;
    let players = Players {
        encoder: Mlp::<Cpu>::new(&[6, 4], true, Head::Sphere, &device, &mut rng).unwrap(),
        decoder: Mlp::<Cpu>::new(&[4, 6], true, Head::Identity, &device, &mut rng).unwrap(),
    };
    let moves = Moves {
        eps_sq: 0.5,
        lr: 1e-3,
        encoder_steps: 1,
        decoder_steps: 1,
        gammas: chapter_06::game::OFFICIAL,
    };
    let labels: Vec<usize> = (0..20).map(|i| i % 2).collect();
    let err = round(
        players,
        &mut adam().init(),
        &mut adam().init(),
        from_rows::<Cpu>(&x, &device),
        &labels,
        &moves,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("NaN") && err.contains("learning rate"),
        "{err}"
    );
    // Zero steps are refused, not silently turned into one.
    let players = Players {
        encoder: Mlp::<Cpu>::new(&[6, 4], true, Head::Sphere, &device, &mut rng).unwrap(),
        decoder: Mlp::<Cpu>::new(&[4, 6], true, Head::Identity, &device, &mut rng).unwrap(),
    };
    let x = shared::rng::gaussian_matrix(&mut rng, 20, 6);
    let none = Moves {
        decoder_steps: 0,
        ..moves
    };
    let r = round(
        players,
        &mut adam().init(),
        &mut adam().init(),
        from_rows::<Cpu>(&x, &device),
        &labels,
        &none,
    );
    assert!(r.is_err());
    assert!(Mlp::<Cpu>::new(&[6], true, Head::Sphere, &device, &mut rng).is_err());
}

/// Bad flags: one line on stderr, exit code 2.
#[test]
fn bad_flags_are_one_line_errors() {
    let exe = env!("CARGO_BIN_EXE_chapter-06");
    for (args, mentions) in [
        (vec!["--rounds", "0"], "--rounds"),
        (vec!["--eps-sq", "nan"], "--eps-sq"),
        (vec!["--batch", "5"], "--batch"),
        (vec!["--bogus"], "--bogus"),
        (vec!["--rounds", "5000"], "--rounds"),
        (vec!["--batch", "4000", "--rounds", "1000"], "--batch"),
    ] {
        assert_one_line_error(&run_binary(exe, &args), mentions);
    }
    if !cfg!(feature = "cuda") {
        let out = run_binary(exe, &["--quick", "--device", "cuda"]);
        assert_one_line_error(&out, "--features cuda");
    }
}
