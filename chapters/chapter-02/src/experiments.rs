//! The chapter's four experiments; each returns plain data for [`crate::report`].

use ndarray::{Array2, ArrayView2, array};
use rand::RngExt;

use crate::dictionary::{DictionaryOptions, DictionaryStep, learn_dictionary, normalize_columns};
use crate::lasso::{checked_lasso_objective, kkt_residual, polish, support};
use crate::lista::{Lista, relative_error, train};
use crate::solvers::{SolverOptions, fista, ista};
use shared::cli::ensure_in_range;
use shared::rng::{Rng, gaussian_matrix};
use shared::{Error, Result, seeded_rng};

/// Settings of the compressed-sensing experiment (the others use fixed sizes).
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Measurements per signal `m` (rows of A).
    pub measurements: usize,
    /// Dictionary size `n` (columns of A).
    pub atoms: usize,
    /// Nonzeros per true code.
    pub sparsity: usize,
    /// Number of signals `N`.
    pub signals: usize,
    /// LASSO weight λ.
    pub lambda: f64,
    /// Measurement noise σ.
    pub noise: f64,
    /// Seed of every random draw.
    pub seed: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            measurements: 64,
            atoms: 256,
            sparsity: 8,
            signals: 20,
            lambda: 0.05,
            noise: 0.01,
            seed: 0,
        }
    }
}

impl Config {
    /// Checks every field before any arithmetic.
    pub fn validate(&self) -> Result<()> {
        ensure_in_range("--measurements", self.measurements, 2, 4096)?;
        ensure_in_range("--atoms", self.atoms, 2, 1024)?;
        ensure_in_range("--sparsity", self.sparsity, 1, self.atoms)?;
        ensure_in_range("--signals", self.signals, 1, 2000)?;
        for (name, v) in [("--lambda", self.lambda), ("--noise", self.noise)] {
            if !v.is_finite() {
                return Err(Error::out_of_range(name, "a finite number", v));
            }
        }
        ensure_in_range("--lambda", self.lambda, 1e-6, 10.0)?;
        ensure_in_range("--noise", self.noise, 0.0, 1.0)?;
        // One FISTA iteration costs about n (n + m) N multiply-adds; the
        // reference solve may take tens of thousands of them.
        let (n, m, count) = (
            self.atoms as f64,
            self.measurements as f64,
            self.signals as f64,
        );
        shared::cli::ensure_budget(
            "multiply-adds per iteration",
            n * (n + m) * count,
            2e8,
            "--atoms, --measurements, --signals",
        )?;
        Ok(())
    }
}

/// A `m × n` Gaussian matrix with unit-norm columns.
pub fn unit_column_matrix(rng: &mut Rng, m: usize, n: usize) -> Array2<f64> {
    let mut a = gaussian_matrix(rng, m, n);
    normalize_columns(&mut a);
    a
}

/// `n × N` codes with `k` nonzeros per column at random positions, values ±(1 + |g|).
///
/// # Errors
/// `k > n`.
pub fn sparse_codes(rng: &mut Rng, n: usize, k: usize, count: usize) -> Result<Array2<f64>> {
    if k > n {
        return Err(Error::out_of_range(
            "sparsity",
            format!("at most n = {n}"),
            k,
        ));
    }
    let mut x = Array2::zeros((n, count));
    for j in 0..count {
        for i in rand::seq::index::sample(rng, n, k) {
            let magnitude = 1.0 + rng.sample::<f64, _>(rand_distr::StandardNormal).abs();
            x[[i, j]] = if rng.random::<bool>() {
                magnitude
            } else {
                -magnitude
            };
        }
    }
    Ok(x)
}

/// ISTA and FISTA on $A = \operatorname{diag}(1, 2)$, $y = (3, 1)$, $\lambda = 1$,
/// where $L = 4$, $x^\star = (2, 1/4)$, $F^\star = 2.875$ and ISTA's iterates are
/// $x_k = (2(1 - 0.75^k), 1/4)$.
#[derive(Debug, Clone)]
pub struct TinyInstance {
    pub rows: Vec<TinyRow>,
    pub lipschitz: f64,
}

/// One iteration count of the tiny instance.
#[derive(Debug, Clone)]
pub struct TinyRow {
    pub k: usize,
    /// ISTA's iterate and the closed form $(2(1 - 0.75^k), 1/4)$.
    pub ista_x: [f64; 2],
    pub closed_form: [f64; 2],
    /// $F(x_k)$ for ISTA and FISTA.
    pub ista_f: f64,
    pub fista_f: f64,
}

/// Iterations shown for the tiny instance.
pub const TINY_STEPS: [usize; 6] = [1, 2, 3, 5, 10, 50];

pub fn tiny_instance() -> Result<TinyInstance> {
    let a = array![[1.0, 0.0], [0.0, 2.0]];
    let y = array![[3.0], [1.0]];
    let mut rows = Vec::new();
    let mut lipschitz = 0.0;
    for k in TINY_STEPS {
        let opts = SolverOptions {
            max_iters: k,
            tol: 0.0,
        };
        let is = ista(a.view(), y.view(), 1.0, &opts)?;
        let fi = fista(a.view(), y.view(), 1.0, &opts)?;
        lipschitz = is.lipschitz;
        let closed = [2.0 * (1.0 - 0.75f64.powi(k as i32)), 0.25];
        rows.push(TinyRow {
            k,
            ista_x: [is.x[[0, 0]], is.x[[1, 0]]],
            closed_form: closed,
            ista_f: is.objective[k],
            fista_f: fi.objective[k],
        });
    }
    Ok(TinyInstance { rows, lipschitz })
}

/// Compressed sensing: gaps of ISTA and FISTA against their bounds.
#[derive(Debug, Clone)]
pub struct Sensing {
    pub lipschitz: f64,
    /// $F^\star$, from FISTA polished on its support ([`crate::lasso::polish`]).
    pub optimum: f64,
    /// $\|x_0 - x^\star\|_F^2$ with $x_0 = 0$.
    pub distance_sq: f64,
    /// $F(x_k) - F^\star$ for $k = 0..$ [`SENSING_ITERS`].
    pub ista_gap: Vec<f64>,
    pub fista_gap: Vec<f64>,
    /// Whether every iterate was within its bound.
    pub ista_bound_holds: bool,
    pub fista_bound_holds: bool,
    /// Fraction of signals whose LASSO support equals the true support.
    pub support_recovered: f64,
    /// Fraction of true nonzeros that are nonzero in the LASSO solution.
    pub support_recall: f64,
    /// KKT residual of the reference solution.
    pub kkt: f64,
    /// Iterations FISTA and ISTA took to reach relative gap 1e-6.
    pub iters_to_1e6: (Option<usize>, Option<usize>),
}

pub const SENSING_ITERS: usize = 2000;

/// ISTA's bound $L\|x_0 - x^\star\|^2/(2k)$ and FISTA's $2L\|x_0 - x^\star\|^2/(k+1)^2$.
pub fn bounds(lipschitz: f64, distance_sq: f64, k: usize) -> (f64, f64) {
    let k = k as f64;
    (
        lipschitz * distance_sq / (2.0 * k),
        2.0 * lipschitz * distance_sq / ((k + 1.0) * (k + 1.0)),
    )
}

// ANCHOR: sensing
pub fn sensing(c: &Config) -> Result<Sensing> {
    c.validate()?;
    let mut rng = seeded_rng(c.seed);
    let a = unit_column_matrix(&mut rng, c.measurements, c.atoms);
    let truth = sparse_codes(&mut rng, c.atoms, c.sparsity, c.signals)?;
    let y = a.dot(&truth) + gaussian_matrix(&mut rng, c.measurements, c.signals) * c.noise;
    let rough = fista(
        a.view(),
        y.view(),
        c.lambda,
        &SolverOptions {
            max_iters: 100_000,
            tol: 1e-10,
        },
    )?;
    let x_star = polish(a.view(), y.view(), rough.x.view(), c.lambda)?;
    let optimum = checked_lasso_objective(a.view(), y.view(), x_star.view(), c.lambda)?;
    let fixed = SolverOptions {
        max_iters: SENSING_ITERS,
        tol: 0.0,
    };
    let gaps = |s: crate::Solution| full_history(&s.objective, SENSING_ITERS, optimum);
    let ista_gap = gaps(ista(a.view(), y.view(), c.lambda, &fixed)?);
    let fista_gap = gaps(fista(a.view(), y.view(), c.lambda, &fixed)?);
    // ANCHOR_END: sensing
    let distance_sq = x_star.iter().map(|v| v * v).sum::<f64>();
    let l = rough.lipschitz;
    // Allow for F* itself being accurate only to rounding.
    let slack = 1e-12 * optimum.abs();
    let holds = |gap: &[f64], which: usize| {
        gap.iter().enumerate().skip(1).all(|(k, g)| {
            let (bi, bf) = bounds(l, distance_sq, k);
            *g <= [bi, bf][which] + slack
        })
    };
    let first_below = |gap: &[f64]| gap.iter().position(|g| *g <= 1e-6 * optimum);
    let found = support(x_star.view(), 0.0);
    let wanted = support(truth.view(), 0.0);
    let matches = (0..c.signals)
        .filter(|&j| found.column(j) == wanted.column(j))
        .count();
    let hits = ndarray::Zip::from(&found)
        .and(&wanted)
        .fold(0, |n, &f, &w| n + usize::from(f && w));
    let true_count = wanted.iter().filter(|w| **w).count();
    Ok(Sensing {
        lipschitz: l,
        optimum,
        distance_sq,
        ista_bound_holds: holds(&ista_gap, 0),
        fista_bound_holds: holds(&fista_gap, 1),
        iters_to_1e6: (first_below(&fista_gap), first_below(&ista_gap)),
        ista_gap,
        fista_gap,
        support_recovered: matches as f64 / c.signals as f64,
        support_recall: hits as f64 / true_count as f64,
        kkt: kkt_residual(a.view(), y.view(), x_star.view(), c.lambda)?,
    })
}

/// $F(x_k) - F^\star$ for $k = 0..=$ `iters`. A run that stopped early reached a
/// fixed point (with `tol = 0` nothing else stops it), where every later
/// iterate equals the last one, so the last gap is repeated: exact, not invented.
fn full_history(objective: &[f64], iters: usize, optimum: f64) -> Vec<f64> {
    let last = objective[objective.len() - 1];
    (0..=iters)
        .map(|k| objective.get(k).copied().unwrap_or(last) - optimum)
        .collect()
}

/// Sizes of the dictionary-learning experiment.
pub const DICT_M: usize = 20;
pub const DICT_N: usize = 30;
pub const DICT_SPARSITY: usize = 3;
pub const DICT_SIGNALS: usize = 1500;
pub const DICT_NOISE: f64 = 0.01;
pub const DICT_OPTIONS: DictionaryOptions = DictionaryOptions {
    atoms: DICT_N,
    lambda: 0.1,
    outer_iters: 100,
    dictionary_steps: 50,
    coding: SolverOptions {
        max_iters: 50,
        tol: 1e-3,
    },
};

// ANCHOR: dictionary_experiment
pub fn dictionary(seed: u64) -> Result<Vec<DictionaryStep>> {
    let mut rng = seeded_rng(seed.wrapping_add(1));
    let truth = unit_column_matrix(&mut rng, DICT_M, DICT_N);
    let codes = sparse_codes(&mut rng, DICT_N, DICT_SPARSITY, DICT_SIGNALS)?;
    let y = truth.dot(&codes) + gaussian_matrix(&mut rng, DICT_M, DICT_SIGNALS) * DICT_NOISE;
    let learned = learn_dictionary(y.view(), &DICT_OPTIONS, &mut rng, Some(truth.view()))?;
    Ok(learned.history)
}
// ANCHOR_END: dictionary_experiment

/// Sizes of the LISTA experiment.
pub const LISTA_M: usize = 20;
pub const LISTA_N: usize = 40;
pub const LISTA_SPARSITY: usize = 3;
pub const LISTA_TRAIN: usize = 500;
pub const LISTA_TEST: usize = 500;
pub const LISTA_LAMBDA: f64 = 0.1;
pub const LISTA_DEPTHS: [usize; 3] = [1, 2, 4];
pub const LISTA_STEPS: usize = 400;
pub const LISTA_LR: f64 = 0.05;
/// ISTA is followed for this many iterations.
pub const ISTA_ITERS: usize = 300;

/// Code error of ISTA per iteration and of trained LISTA networks per depth.
#[derive(Debug, Clone)]
pub struct Unrolled {
    /// Test error $\|X_k - X^\star\|^2/\|X^\star\|^2$ of ISTA after $k = 1..$ [`ISTA_ITERS`].
    pub ista_error: Vec<f64>,
    /// `(depth, training loss before, after, test error)` of each trained network.
    pub lista: Vec<(usize, f64, f64, f64)>,
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
pub fn unrolled(seed: u64) -> Result<Unrolled> {
    let mut rng = seeded_rng(seed.wrapping_add(2));
    let a = unit_column_matrix(&mut rng, LISTA_M, LISTA_N);
    let mut signals = |count| {
        let y = a.dot(&sparse_codes(&mut rng, LISTA_N, LISTA_SPARSITY, count)?);
        let options = SolverOptions {
            max_iters: 100_000,
            tol: 1e-10,
        };
        let rough = fista(a.view(), y.view(), LISTA_LAMBDA, &options)?;
        let target = polish(a.view(), y.view(), rough.x.view(), LISTA_LAMBDA)?;
        Ok::<_, shared::Error>((y, target, rough.lipschitz))
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
        lista.push((depth, losses[0], after, test));
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
