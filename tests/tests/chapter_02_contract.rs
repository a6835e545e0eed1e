//! Chapter 2's public API as course tests call it: names, argument order and
//! semantics exactly as the issue that introduced them specifies.

use approx::assert_relative_eq;
use chapter_02::{Error, Solution, SolverOptions, fista, ista, lasso_objective, soft_threshold};
use ndarray::{Array2, ArrayView2, array};

type Solver = fn(ArrayView2<f64>, ArrayView2<f64>, f64, &SolverOptions) -> Result<Solution, Error>;

#[test]
fn soft_threshold_signature_and_values() {
    let f: fn(f64, f64) -> f64 = soft_threshold;
    assert_eq!(f(2.5, 1.0), 1.5);
    assert_eq!(f(-2.5, 1.0), -1.5);
    assert_eq!(f(0.3, 1.0), 0.0);
}

#[test]
fn lasso_objective_sums_over_columns_in_the_half_convention() {
    let f: fn(ArrayView2<f64>, ArrayView2<f64>, ArrayView2<f64>, f64) -> f64 = lasso_objective;
    let a = Array2::<f64>::eye(2);
    let y = array![[1.0, 0.0], [0.0, 2.0]];
    let x = array![[1.0, 0.0], [0.0, 1.0]];
    // ½(0 + 0) + ½(0 + 1) + λ(1 + 1) with λ = 0.5.
    assert_relative_eq!(f(a.view(), y.view(), x.view(), 0.5), 1.5);
}

#[test]
fn ista_and_fista_share_the_contract_signature_and_solution_fields() {
    let solvers: [Solver; 2] = [ista, fista];
    let a = array![[1.0, 0.0], [0.0, 2.0]];
    let y = array![[3.0, 3.0], [1.0, 1.0]];
    let opts = SolverOptions {
        max_iters: 5000,
        tol: 1e-12,
    };
    let default = SolverOptions::default();
    assert!(default.max_iters > 0 && default.tol > 0.0);
    for solve in solvers {
        let s = solve(a.view(), y.view(), 1.0, &opts).unwrap();
        let (x, iterations, objective): (Array2<f64>, usize, Vec<f64>) =
            (s.x, s.iterations, s.objective);
        assert_eq!(x.dim(), (2, 2));
        assert!(iterations > 0 && !objective.is_empty());
        for j in 0..2 {
            assert_relative_eq!(x[[0, j]], 2.0, max_relative = 1e-9);
            assert_relative_eq!(x[[1, j]], 0.25, max_relative = 1e-9);
        }
        assert_relative_eq!(
            *objective.last().unwrap(),
            2.0 * 2.875,
            max_relative = 1e-12
        );
    }
}

#[test]
fn solvers_return_errors_not_panics() {
    let a = Array2::<f64>::eye(2);
    let y = array![[1.0], [1.0]];
    assert!(ista(a.view(), y.view(), -1.0, &SolverOptions::default()).is_err());
    assert!(
        fista(
            a.view(),
            array![[1.0]].view(),
            0.1,
            &SolverOptions::default()
        )
        .is_err()
    );
    assert!(
        fista(
            a.view(),
            array![[f64::NAN], [1.0]].view(),
            0.1,
            &SolverOptions::default()
        )
        .is_err()
    );
}
