//! Experiment 5: unrolled ISTA. Trained LISTA networks of a few layers
//! against ISTA run for many iterations.

use ndarray::{Array2, ArrayView2};

use super::data::{sparse_codes, unit_column_matrix};
use crate::lasso::certified_solution;
use crate::lista::{Lista, relative_error, train};
use shared::Result;
use shared::rng::Rng;

/// Signal dimension of the LISTA experiment.
pub const LISTA_M: usize = 20;
/// Atoms.
pub const LISTA_N: usize = 40;
/// Nonzeros per code.
pub const LISTA_SPARSITY: usize = 3;
/// Training signals.
pub const LISTA_TRAIN: usize = 500;
/// Test signals.
pub const LISTA_TEST: usize = 500;
/// LASSO weight of the targets.
pub const LISTA_LAMBDA: f64 = 0.1;
/// Depths of the trained networks.
pub const LISTA_DEPTHS: [usize; 3] = [1, 2, 4];
/// Gradient steps of training.
pub const LISTA_STEPS: usize = 400;
/// Learning rate.
pub const LISTA_LR: f64 = 0.05;
/// ISTA is followed for this many iterations.
pub const ISTA_ITERS: usize = 300;

/// Code error of ISTA per iteration and of trained LISTA networks per depth.
#[derive(Debug, Clone)]
pub struct Unrolled {
    /// Test error $\|X_k - X^\star\|^2/\|X^\star\|^2$ of ISTA after $k = 1..$ [`ISTA_ITERS`].
    pub ista_error: Vec<f64>,
    /// One row per trained network.
    pub lista: Vec<ListaRow>,
}

/// A trained LISTA network's numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ListaRow {
    /// Number of layers $T$.
    pub depth: usize,
    /// Training loss at initialization ($T$ steps of ISTA).
    pub loss_before: f64,
    /// Training loss after training.
    pub loss_after: f64,
    /// Relative error on the test signals.
    pub test_error: f64,
}

impl Unrolled {
    /// The first ISTA iteration count whose error is at most `error`.
    pub fn ista_iterations_to_reach(&self, error: f64) -> Option<usize> {
        self.ista_error
            .iter()
            .position(|e| *e <= error)
            .map(|k| k + 1)
    }
}

// ANCHOR: unrolled_experiment
/// Trains LISTA networks of several depths to output LASSO solutions and
/// compares them with ISTA run for as many iterations.
///
/// # Errors
/// A solver or training error.
pub fn unrolled(rng: &mut Rng) -> Result<Unrolled> {
    let a = unit_column_matrix(rng, LISTA_M, LISTA_N);
    let mut signals = |count| {
        let y = a.dot(&sparse_codes(rng, LISTA_N, LISTA_SPARSITY, count)?);
        let target = certified_solution(a.view(), y.view(), LISTA_LAMBDA)?;
        Ok::<_, shared::Error>((y, target.x, target.lipschitz))
    };
    let (y_train, train_target, l) = signals(LISTA_TRAIN)?;
    let (y_test, test_target, _) = signals(LISTA_TEST)?;
    let ista_error = ista_errors(a.view(), y_test.view(), test_target.view(), l)?;
    let mut lista = Vec::new();
    for depth in LISTA_DEPTHS {
        let mut net = Lista::from_ista(a.view(), LISTA_LAMBDA, l, depth)?;
        let losses = train(
            &mut net,
            y_train.view(),
            train_target.view(),
            LISTA_LR,
            LISTA_STEPS,
        )?;
        let after = net.loss(y_train.view(), train_target.view())?;
        let test = relative_error(net.forward(y_test.view())?.view(), test_target.view())?;
        lista.push(ListaRow {
            depth,
            loss_before: losses[0],
            loss_after: after,
            test_error: test,
        });
    }
    Ok(Unrolled { ista_error, lista })
}
// ANCHOR_END: unrolled_experiment

/// ISTA's error after each of [`ISTA_ITERS`] iterations (the untrained one-layer network, repeated).
fn ista_errors(
    a: ArrayView2<f64>,
    y: ArrayView2<f64>,
    target: ArrayView2<f64>,
    l: f64,
) -> Result<Vec<f64>> {
    let layer = Lista::from_ista(a, LISTA_LAMBDA, l, 1)?.layers.remove(0);
    let mut x = Array2::zeros(target.raw_dim());
    let wy = layer.w.dot(&y);
    let mut errors = Vec::with_capacity(ISTA_ITERS);
    for _ in 0..ISTA_ITERS {
        x = (&wy + &layer.s.dot(&x)).mapv(|v| crate::lasso::soft_threshold(v, layer.theta[0]));
        errors.push(relative_error(x.view(), target)?);
    }
    Ok(errors)
}
