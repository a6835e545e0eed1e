//! Augmentations, clustering scores and the contrastive experiment.

use chapter_04::augment::{DEFAULT_AUGMENTATION, augment, transform};
use chapter_04::cluster::{best_matching_weight, clustering_accuracy, nmi, spherical_kmeans};
use ndarray::{Array1, Array2};
use shared::rng::gaussian_matrix;
use shared::seeded_rng;

fn dot_image() -> Array1<f64> {
    let mut img = Array1::zeros(784);
    img[10 * 28 + 12] = 1.0;
    img
}

#[test]
fn transforms_move_pixels_where_they_should() {
    let img = dot_image();
    assert_eq!(transform(img.view(), 0.0, 0.0, 0.0).unwrap(), img);
    let shifted = transform(img.view(), 0.0, 1.0, 2.0).unwrap(); // one right, two down
    assert!((shifted[12 * 28 + 13] - 1.0).abs() < 1e-12);
    assert!((shifted.sum() - 1.0).abs() < 1e-12);
    // 90 degrees about the centre (13.5, 13.5): the output pixel (r, c) reads the
    // source at (13.5 + (c - 13.5), 13.5 - (r - 13.5)) = (c, 27 - r), so the dot at
    // source (10, 12) lands at r = 15, c = 10.
    let turned = transform(img.view(), 90.0, 0.0, 0.0).unwrap();
    assert!(
        (turned[15 * 28 + 10] - 1.0).abs() < 1e-9,
        "{}",
        turned.sum()
    );
    // Rotation then shift: the same dot, one further right.
    let both = transform(img.view(), 90.0, 1.0, 0.0).unwrap();
    assert!((both[15 * 28 + 11] - 1.0).abs() < 1e-9);
    assert!(transform(img.slice(ndarray::s![..10]), 0.0, 0.0, 0.0).is_err());
    assert!(transform(img.view(), f64::NAN, 0.0, 0.0).is_err());
    let a = augment(img.view(), &DEFAULT_AUGMENTATION, &mut seeded_rng(1)).unwrap();
    assert!(a.iter().all(|v| (0.0..=1.0).contains(v)));
    assert_ne!(a, img);
}

/// The subset DP equals brute force over all 720 permutations of a 6 × 6 matrix.
#[test]
fn matching_equals_brute_force() {
    let w = gaussian_matrix(&mut seeded_rng(2), 6, 6);
    let mut best = f64::NEG_INFINITY;
    let mut perm: Vec<usize> = (0..6).collect();
    permutations(&mut perm, 0, &mut |p| {
        best = best.max((0..6).map(|r| w[[r, p[r]]]).sum::<f64>());
    });
    assert!((best_matching_weight(w.view()).unwrap() - best).abs() < 1e-12);
    assert!(best_matching_weight(Array2::zeros((2, 21)).view()).is_err());
}

fn permutations(p: &mut Vec<usize>, k: usize, f: &mut impl FnMut(&[usize])) {
    if k == p.len() {
        f(p);
        return;
    }
    for i in k..p.len() {
        p.swap(k, i);
        permutations(p, k + 1, f);
        p.swap(k, i);
    }
}

#[test]
fn accuracy_and_nmi_match_hand_values() {
    let labels = [0, 0, 1, 1, 2, 2];
    let renamed = [2, 2, 0, 0, 1, 1];
    assert_eq!(clustering_accuracy(&renamed, &labels).unwrap(), 1.0);
    assert!((nmi(&renamed, &labels).unwrap() - 1.0).abs() < 1e-12);
    // Two clusters {0,0,1} {1,2,2}: best matching gets 4 of 6.
    assert!((clustering_accuracy(&[0, 0, 0, 1, 1, 1], &labels).unwrap() - 4.0 / 6.0).abs() < 1e-12);
    // Independent: clusters split every class evenly, so I = 0.
    assert!(nmi(&[0, 1, 0, 1, 0, 1], &labels).unwrap().abs() < 1e-12);
    // Clusters {0,1} {2} coarsen the classes, so I = H(U) with
    // H(U) = (2/3) ln(3/2) + (1/3) ln 3 and H(V) = ln 3: NMI = 2 H(U) / (H(U) + H(V)).
    let hu = 2.0 / 3.0 * 1.5f64.ln() + 1.0 / 3.0 * 3f64.ln();
    let got = nmi(&[0, 0, 0, 0, 1, 1], &labels).unwrap();
    assert!((got - 2.0 * hu / (hu + 3f64.ln())).abs() < 1e-12, "{got}");
    assert!(nmi(&[0, 1], &labels).is_err());
}

#[test]
fn spherical_kmeans_recovers_separated_directions() {
    let mut z = gaussian_matrix(&mut seeded_rng(3), 8, 120) * 0.1;
    let labels: Vec<usize> = (0..120).map(|i| i / 30).collect();
    for (i, l) in labels.iter().enumerate() {
        z[[*l, i]] += 1.0;
    }
    let clusters = spherical_kmeans(z.view(), 4, 3, &mut seeded_rng(4)).unwrap();
    assert_eq!(clustering_accuracy(&clusters, &labels).unwrap(), 1.0);
    assert!(spherical_kmeans(z.view(), 0, 3, &mut seeded_rng(4)).is_err());
}

/// A short contrastive run raises ΔR of the augmentation batches and scores
/// the encoder above chance on the test digits.
#[test]
fn contrastive_training_raises_rate_reduction() {
    let digits = chapter_04::experiments::quick_subset(&shared::digits::load_default().unwrap());
    let inputs =
        chapter_04::experiments::digit_inputs(&digits, chapter_04::experiments::INPUT_DIM).unwrap();
    let c = chapter_04::Config {
        quick: true,
        ..chapter_04::Config::default()
    };
    let r = chapter_04::experiments::contrastive(&c, &digits, &inputs, &mut seeded_rng(5), |_| {})
        .unwrap();
    assert!(r.history.last().unwrap().delta() > r.history[0].delta());
    for row in &r.rows {
        assert!(row.accuracy > 0.2 && row.nmi > 0.1, "{row:?}");
    }
}
