//! The digit encoders and the evaluation rules against independent references.

use chapter_04::encoder::Encoder;
use chapter_04::evaluate::{accuracy, knn, nearest_subspace};
use chapter_04::rate_reduction;
use ndarray::{Array2, Axis};
use shared::rng::gaussian_matrix;
use shared::seeded_rng;

/// Every weight's gradient of ΔR(f(X)) against a central finite difference,
/// for the linear and the two-layer encoder (through ReLU and normalization).
#[test]
fn encoder_gradients_match_finite_differences() {
    let x = gaussian_matrix(&mut seeded_rng(1), 6, 12);
    let labels: Vec<usize> = (0..12).map(|i| i % 3).collect();
    for mut enc in [
        Encoder::linear(6, 4, &mut seeded_rng(2)).unwrap(),
        Encoder::two_layer(6, 5, 4, &mut seeded_rng(3)).unwrap(),
    ] {
        let (_, g) = enc.rates_and_gradients(x.view(), &labels, 0.5).unwrap();
        let analytic: Vec<f64> = g.iter().copied().collect();
        let n = enc.weight_count();
        assert_eq!(analytic.len(), n);
        let h = 1e-6;
        for (i, want) in analytic.iter().enumerate() {
            let value = |enc: &Encoder| {
                rate_reduction(enc.encode(x.view()).unwrap().view(), &labels, 0.5).unwrap()
            };
            let original = *enc.weights_mut().nth(i).unwrap();
            *enc.weights_mut().nth(i).unwrap() = original + h;
            let plus = value(&enc);
            *enc.weights_mut().nth(i).unwrap() = original - h;
            let minus = value(&enc);
            *enc.weights_mut().nth(i).unwrap() = original;
            let fd = (plus - minus) / (2.0 * h);
            assert!(
                (fd - want).abs() <= 1e-6 * (1.0 + fd.abs()),
                "weight {i}: {fd} vs {want}"
            );
        }
    }
}

/// Features lying exactly in three orthogonal coordinate subspaces are
/// classified perfectly by the nearest-subspace rule, and k-NN agrees with a
/// brute-force reference on random data.
#[test]
fn nearest_subspace_and_knn_match_references() {
    let mut rng = seeded_rng(4);
    let mut train = Array2::zeros((9, 90));
    let labels: Vec<usize> = (0..90).map(|i| i / 30).collect();
    let coords = gaussian_matrix(&mut rng, 3, 90);
    for (i, l) in labels.iter().enumerate() {
        for r in 0..3 {
            train[[3 * l + r, i]] = coords[[r, i]];
        }
    }
    let predicted = nearest_subspace(train.view(), &labels, train.view(), 3).unwrap();
    assert_eq!(accuracy(&predicted, &labels), 1.0);
    // With one direction per class it still separates these (orthogonal) classes.
    assert_eq!(
        accuracy(
            &nearest_subspace(train.view(), &labels, train.view(), 1).unwrap(),
            &labels
        ),
        1.0
    );

    let a = gaussian_matrix(&mut rng, 5, 40);
    let la: Vec<usize> = (0..40).map(|i| i % 4).collect();
    let b = gaussian_matrix(&mut rng, 5, 15);
    let got = knn(a.view(), &la, b.view(), 3).unwrap();
    for (j, col) in b.axis_iter(Axis(1)).enumerate() {
        let mut sims: Vec<(f64, usize)> = a
            .axis_iter(Axis(1))
            .enumerate()
            .map(|(i, c)| {
                (
                    c.dot(&col) / (c.dot(&c).sqrt() * col.dot(&col).sqrt()),
                    la[i],
                )
            })
            .collect();
        sims.sort_by(|p, q| q.0.total_cmp(&p.0));
        let mut votes = [0; 4];
        for s in &sims[..3] {
            votes[s.1] += 1;
        }
        let best = *votes.iter().max().unwrap();
        let want = sims[..3]
            .iter()
            .map(|s| s.1)
            .find(|c| votes[*c] == best)
            .unwrap();
        assert_eq!(got[j], want, "test column {j}");
    }
    assert!(knn(a.view(), &la, b.view(), 0).is_err());
    assert!(nearest_subspace(a.view(), &la, Array2::zeros((4, 2)).view(), 2).is_err());
}

/// A short training run raises ΔR of the training features epoch by epoch, and the
/// published digit numbers meet the chapter's target (quick mode keeps this fast).
#[test]
fn training_raises_rate_reduction_on_digits() {
    let digits = chapter_04::experiments::quick_subset(&shared::digits::load_default().unwrap());
    let inputs =
        chapter_04::experiments::digit_inputs(&digits, chapter_04::experiments::INPUT_DIM).unwrap();
    let c = chapter_04::Config {
        quick: true,
        epochs: 3,
        ..chapter_04::Config::default()
    };
    let s = chapter_04::experiments::supervised(&c, &digits, &inputs, &mut seeded_rng(5), |_| {})
        .unwrap();
    let deep = s.runs.last().unwrap();
    assert_eq!(deep.history.len(), 4, "initialization and 3 epochs");
    assert!(
        deep.history.windows(2).all(|w| w[1].delta() > w[0].delta()),
        "{:?}",
        deep.history
    );
    assert!(deep.test_subspace > 0.85, "{deep:?}");
    assert!(deep.test_knn > 0.85);
}
