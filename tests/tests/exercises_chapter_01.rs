//! Graded tests of chapter 1's exercises (see "Exercises" on the chapter's
//! page). Each checks behaviour against a closed form, never against a number
//! our own code printed.

use approx::assert_relative_eq;
use chapter_01::Pca;
use chapter_01::power::{PowerSteps, sine_between};
use ndarray::{Array1, Array2, array};

/// Exercise 1.1: for unit `u = e1` and `v = (cos θ, sin θ)`, the sine is
/// `|sin θ|`, to full relative accuracy even for tiny angles (where
/// `sqrt(1 - cos²θ)` loses every digit), and blind to the sign of `v`.
#[test]
fn exercise_1_1_sine_between_lines() {
    let u = array![1.0, 0.0, 0.0];
    for theta in [0.3, 1.2, std::f64::consts::FRAC_PI_2, 2.5, 1e-9, 1e-12] {
        let v: Array1<f64> = array![f64::cos(theta), f64::sin(theta), 0.0];
        let want = f64::sin(theta).abs();
        assert_relative_eq!(sine_between(u.view(), v.view()), want, max_relative = 1e-6);
        assert_relative_eq!(
            sine_between(u.view(), (-&v).view()),
            want,
            max_relative = 1e-6
        );
    }
    assert_eq!(sine_between(u.view(), u.view()), 0.0);
}

/// Exercise 1.2: on `M = diag(3, 2, 1)` from `v0 ∝ (1, 1, 1)`, the iterate
/// after `t` steps is `(3^t, 2^t, 1)` normalized, each step reports the
/// Rayleigh quotient of the iterate before it and the sine between the two.
#[test]
fn exercise_1_2_power_steps_follow_the_closed_form() {
    let m = Array2::from_diag(&array![3.0, 2.0, 1.0]);
    let unit = |t: i32| {
        let v = array![3f64.powi(t), 2f64.powi(t), 1.0];
        let n = v.dot(&v).sqrt();
        v / n
    };
    let steps = PowerSteps::new(&m, array![5.0, 5.0, 5.0].view()).unwrap();
    let mut count = 0;
    for (t, step) in (1..).zip(steps.take(12)) {
        let (before, after) = (unit(t - 1), unit(t));
        for i in 0..3 {
            assert_relative_eq!(
                step.vector[i],
                after[i],
                max_relative = 1e-12,
                epsilon = 1e-15
            );
        }
        assert_relative_eq!(
            step.rayleigh,
            before.dot(&m.dot(&before)),
            max_relative = 1e-12
        );
        let cos = before.dot(&after);
        assert_relative_eq!(
            step.change,
            (1.0 - cos * cos).max(0.0).sqrt(),
            max_relative = 1e-6
        );
        count += 1;
    }
    assert_eq!(
        count, 12,
        "power iteration on an invertible matrix never ends by itself"
    );
    // M v = 0: the iterate cannot be normalized, and the iterator ends.
    let singular = Array2::from_diag(&array![1.0, 0.0]);
    let mut steps = PowerSteps::new(&singular, array![0.0, 1.0].view()).unwrap();
    assert!(steps.next().is_none());
}

/// Exercise 1.3: with orthonormal `U` (`D × k`) and mean `μ`, the codes are
/// `Uᵀ(x − μ)` and the points `μ + U z`: decoding the codes of a point of the
/// affine subspace gives it back, and the code of `μ + U z` is `z`.
#[test]
fn exercise_1_3_pca_codes_and_points() {
    let s = std::f64::consts::FRAC_1_SQRT_2;
    let model = Pca {
        mean: array![1.0, -2.0, 0.5],
        components: array![[s, 0.0], [s, 0.0], [0.0, 1.0]],
        variances: array![2.0, 1.0],
    };
    let z = array![[1.0, -3.0, 0.0], [2.0, 0.5, -1.0]];
    let x = model.decode(z.view()).unwrap();
    let want = array![
        [1.0 + s, 1.0 - 3.0 * s, 1.0],
        [-2.0 + s, -2.0 - 3.0 * s, -2.0],
        [2.5, 1.0, -0.5]
    ];
    assert_eq!(x.dim(), want.dim());
    for (a, b) in x.iter().zip(&want) {
        assert_relative_eq!(*a, *b, max_relative = 1e-12, epsilon = 1e-12);
    }
    let back = model.encode(x.view()).unwrap();
    assert_eq!(back.dim(), z.dim());
    for (a, b) in back.iter().zip(&z) {
        assert_relative_eq!(*a, *b, max_relative = 1e-12, epsilon = 1e-12);
    }
    // A direction orthogonal to U has code 0.
    let off = array![[1.0 + 1.0], [-2.0 - 1.0], [0.5]];
    let code = model.encode(off.view()).unwrap();
    assert_relative_eq!(code[[0, 0]], 0.0, epsilon = 1e-12);
    assert_relative_eq!(code[[1, 0]], 0.0, epsilon = 1e-12);
}
