//! Graded tests of chapter 4's exercises (see "Exercises" on the chapter's
//! page): closed forms, nalgebra's Cholesky, finite differences, and a
//! classification whose answer is known by construction.

use approx::assert_relative_eq;
use chapter_04::evaluate::nearest_subspace;
use chapter_04::{coding_rate, rate_reduction, rate_reduction_grad};
use ndarray::{Array2, array};

/// A deterministic, well-spread `d × m` matrix.
fn spread(d: usize, m: usize, phase: f64) -> Array2<f64> {
    Array2::from_shape_fn((d, m), |(i, j)| {
        f64::sin(phase + 1.3 * i as f64 + 0.7 * j as f64 + 0.11 * (i * j) as f64)
    })
}

/// $\frac12\log\det(I + \alpha ZZ^\top)$ by nalgebra's Cholesky.
fn nalgebra_rate(z: &Array2<f64>, eps_sq: f64) -> f64 {
    let (d, m) = z.dim();
    let alpha = d as f64 / (m as f64 * eps_sq);
    let zz = z.dot(&z.t());
    let a = nalgebra::DMatrix::from_fn(d, d, |i, j| {
        f64::from(u8::from(i == j)) + alpha * zz[[i, j]]
    });
    let l = nalgebra::Cholesky::new(a).expect("positive definite").l();
    (0..d).map(|i| l[(i, i)].ln()).sum()
}

/// Exercise 4.1: for $Z$ with orthogonal rows of lengths $a_i$ the rate is
/// $\frac12\sum_i\log(1 + \frac{d}{m\varepsilon^2}a_i^2)$; for dense $Z$ (more
/// features than samples, and fewer) it equals nalgebra's log-determinant.
#[test]
fn exercise_4_1_coding_rate_matches_closed_forms_and_nalgebra() {
    let z = array![
        [2.0, 0.0, 0.0, 0.0],
        [0.0, 0.5, 0.0, 0.0],
        [0.0, 0.0, 1.0, 0.0]
    ];
    let (d, m, eps_sq) = (3.0, 4.0, 0.3);
    let want: f64 = [2.0f64, 0.5, 1.0]
        .iter()
        .map(|a| 0.5 * (1.0 + d / (m * eps_sq) * a * a).ln())
        .sum();
    assert_relative_eq!(
        coding_rate(z.view(), eps_sq).unwrap(),
        want,
        max_relative = 1e-12
    );
    for (d, m) in [(4, 9), (7, 3), (5, 5)] {
        let z = spread(d, m, 0.4);
        assert_relative_eq!(
            coding_rate(z.view(), 0.5).unwrap(),
            nalgebra_rate(&z, 0.5),
            max_relative = 1e-10
        );
    }
}

/// Exercise 4.2: the gradient of $\Delta R$ equals central differences of
/// `rate_reduction` (which does not use the exercise's code), with classes
/// smaller and larger than the dimension.
#[test]
fn exercise_4_2_rate_reduction_gradient_matches_finite_differences() {
    for (d, m, labels) in [
        (4, 9, vec![0, 1, 2, 0, 1, 2, 0, 1, 2]),
        (6, 5, vec![5, 5, 9, 9, 9]),
        (3, 12, vec![1, 1, 1, 1, 1, 1, 1, 4, 4, 4, 4, 4]),
    ] {
        let z = spread(d, m, 1.1);
        let eps_sq = 0.4;
        let grad = rate_reduction_grad(z.view(), &labels, eps_sq).unwrap();
        assert_eq!(grad.dim(), (d, m));
        let h = 1e-6;
        for i in 0..d {
            for j in 0..m {
                let (mut up, mut down) = (z.clone(), z.clone());
                up[[i, j]] += h;
                down[[i, j]] -= h;
                let fd = (rate_reduction(up.view(), &labels, eps_sq).unwrap()
                    - rate_reduction(down.view(), &labels, eps_sq).unwrap())
                    / (2.0 * h);
                assert_relative_eq!(grad[[i, j]], fd, max_relative = 1e-5, epsilon = 1e-8);
            }
        }
        assert!(grad.iter().any(|g| g.abs() > 1e-3), "a zero gradient");
    }
}

/// Exercise 4.3: two classes on orthogonal planes of $\mathbb R^4$ (labels 7
/// and 3): test points near either plane go to its class, whatever their
/// length, and the labels come back as given.
#[test]
fn exercise_4_3_nearest_subspace_on_orthogonal_planes() {
    let basis = spread(2, 6, 0.2);
    let mut train = Array2::zeros((4, 12));
    let mut labels = Vec::new();
    for j in 0..6 {
        train[[0, j]] = basis[[0, j]];
        train[[1, j]] = basis[[1, j]];
        train[[2, 6 + j]] = basis[[1, j]];
        train[[3, 6 + j]] = basis[[0, j]];
    }
    labels.extend([7; 6]);
    labels.extend([3; 6]);
    let test = array![
        [3.0, 0.01, -0.5, 0.02, 0.0, 0.1],
        [-1.0, 0.02, 0.4, -0.01, 0.0, 2.0],
        [0.05, 2.0, 0.01, -0.3, 1.0, 0.0],
        [0.0, -1.0, -0.02, 0.9, 1.0, 0.0]
    ];
    let predicted = nearest_subspace(train.view(), &labels, test.view(), 2).unwrap();
    assert_eq!(predicted, vec![7, 3, 7, 3, 3, 7]);

    // `components` matters: class 7 is long along e1 and short along e2,
    // class 3 long along e4 and short along e3. The point (0, 1, 0, 0.8) is
    // 0.64 from class 7's plane and 1 from class 3's (components = 2), but
    // 1.64 from class 7's line and 1 from class 3's (components = 1).
    let train = array![
        [3.0, -3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.5, -0.5, 0.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, -0.5],
        [0.0, 0.0, 0.0, 0.0, 3.0, -3.0, 0.0, 0.0]
    ];
    let labels = [7, 7, 7, 7, 3, 3, 3, 3];
    let point = array![[0.0], [1.0], [0.0], [0.8]];
    assert_eq!(
        nearest_subspace(train.view(), &labels, point.view(), 2).unwrap(),
        vec![7]
    );
    assert_eq!(
        nearest_subspace(train.view(), &labels, point.view(), 1).unwrap(),
        vec![3]
    );
}
