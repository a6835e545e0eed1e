//! The chapter's four experiments; each returns plain data for [`crate::report`].

use ndarray::{Array2, ArrayView2, array};
use rand::RngExt;

use crate::dictionary::{DictionaryOptions, DictionaryStep, learn_dictionary, normalize_columns};
use crate::lasso::{certified_solution, support};
use crate::layer::relu_network;
use crate::lista::{Lista, relative_error, train};
use crate::msp::{MspOptions, l4_objective, msp, signed_permutation_error};
use crate::solvers::{SolverOptions, fista, fista_nonnegative, ista};
use shared::cli::ensure_in_range;
use shared::linalg::random_orthonormal;
use shared::rng::{Rng, gaussian_matrix};
use shared::{Error, Result};

shared::parameters! {
    /// Settings of the compressed-sensing experiment (the others use fixed sizes).
    pub struct Config {
        /// Measurements per signal m (rows of A).
        measurements: usize = 64, range(2, 4096);
        /// Dictionary size n (columns of A).
        atoms: usize = 256, range(2, 1024);
        /// Nonzeros per true code (at most n).
        sparsity: usize = 8, range(1, 1024);
        /// Number of signals N.
        signals: usize = 20, range(1, 2000);
        /// LASSO weight lambda.
        lambda: f64 = 0.05, range(1e-6, 10.0);
        /// Measurement noise sigma.
        noise: f64 = 0.01, range(0.0, 1.0);
        /// Seed of every random draw (each experiment has its own stream).
        seed: u64 = 0;
    }
}

impl Config {
    /// Checks every field (its declared range, then sparsity <= atoms and the work budget).
    ///
    /// # Errors
    /// [`Error::OutOfRange`] naming the flag.
    pub fn validate(&self) -> Result<()> {
        self.check_ranges()?;
        ensure_in_range("--sparsity", self.sparsity, 1, self.atoms)?;
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
        )
    }
}

shared::streams! {
    /// The chapter's random streams, one per experiment ([`shared::rng::stream_rng`]).
    pub enum Stream {
        /// Compressed sensing.
        Sensing = 1,
        /// Dictionary learning by alternating minimization.
        Dictionary = 2,
        /// LISTA.
        Unrolled = 3,
        /// Complete dictionary learning by MSP.
        Msp = 4,
        /// Nonnegative ISTA as ReLU layers.
        Relu = 5,
    }
}

/// One number per solver, always in the order ISTA, FISTA.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PerSolver<T> {
    /// ISTA's.
    pub ista: T,
    /// FISTA's.
    pub fista: T,
}

/// Everything the chapter measured, with the configuration it used.
#[derive(Debug, Clone)]
pub struct Results {
    /// The configuration of the run.
    pub config: Config,
    /// Experiment 1.
    pub tiny: TinyInstance,
    /// Experiment 2.
    pub sensing: Sensing,
    /// Experiment 3: one entry per outer iteration.
    pub dictionary: Vec<DictionaryStep>,
    /// Experiment 4.
    pub complete: CompleteDictionary,
    /// Experiment 5.
    pub unrolled: Unrolled,
    /// Experiment 6.
    pub relu: Vec<ReluRow>,
}

/// Runs every experiment of the chapter for `config`.
///
/// # Errors
/// Invalid `config` (see [`Config::validate`]), or an experiment's error.
pub fn run_all(config: &Config) -> Result<Results> {
    config.validate()?;
    let seed = config.seed;
    Ok(Results {
        config: config.clone(),
        tiny: tiny_instance()?,
        sensing: sensing(config)?,
        dictionary: dictionary(&mut Stream::Dictionary.rng(seed))?,
        complete: complete_dictionary(&mut Stream::Msp.rng(seed))?,
        unrolled: unrolled(&mut Stream::Unrolled.rng(seed))?,
        relu: relu_layers(&mut Stream::Relu.rng(seed))?,
    })
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
    /// One row per step of [`TINY_STEPS`].
    pub rows: Vec<TinyRow>,
    /// $L$ as computed by the solver (4 exactly).
    pub lipschitz: f64,
}

/// One iteration count of the tiny instance.
#[derive(Debug, Clone)]
pub struct TinyRow {
    /// Iteration $k$.
    pub k: usize,
    /// ISTA's iterate.
    pub ista_x: [f64; 2],
    /// The closed form $(2(1 - 0.75^k), 1/4)$.
    pub closed_form: [f64; 2],
    /// $F(x_k)$ for ISTA and FISTA.
    pub objective: PerSolver<f64>,
}

/// Iterations shown for the tiny instance.
pub const TINY_STEPS: [usize; 6] = [1, 2, 3, 5, 10, 50];

/// Runs ISTA and FISTA on the tiny instance for each of [`TINY_STEPS`].
///
/// # Errors
/// None in practice (the input is fixed); kept fallible like every experiment.
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
            objective: PerSolver {
                ista: is.objective[k],
                fista: fi.objective[k],
            },
        });
    }
    Ok(TinyInstance { rows, lipschitz })
}

/// Compressed sensing: gaps of ISTA and FISTA against their bounds.
#[derive(Debug, Clone)]
pub struct Sensing {
    /// $L = \|A\|_2^2$.
    pub lipschitz: f64,
    /// $F^\star$, from [`certified_solution`].
    pub optimum: f64,
    /// $\|x_0 - x^\star\|_F^2$ with $x_0 = 0$.
    pub distance_sq: f64,
    /// $F(x_k) - F^\star$ for $k = 0..=$ [`SENSING_ITERS`].
    pub gaps: PerSolver<Vec<f64>>,
    /// Whether every iterate was within its bound.
    pub bound_holds: PerSolver<bool>,
    /// Fraction of signals whose LASSO support equals the true support.
    pub support_recovered: f64,
    /// Fraction of true nonzeros that are nonzero in the LASSO solution.
    pub support_recall: f64,
    /// KKT residual of the reference solution.
    pub kkt: f64,
    /// Iterations to reach relative gap 1e-6 (`None`: not within [`SENSING_ITERS`]).
    pub iters_to_1e6: PerSolver<Option<usize>>,
}

impl Sensing {
    /// The constants of the two rates, $C_{\rm ISTA} = L\|x_0 - x^\star\|^2/2$ and
    /// $C_{\rm FISTA} = 2L\|x_0 - x^\star\|^2$: the bounds are $C/k$ and $C/(k+1)^2$.
    pub fn constants(&self) -> PerSolver<f64> {
        PerSolver {
            ista: self.lipschitz * self.distance_sq / 2.0,
            fista: 2.0 * self.lipschitz * self.distance_sq,
        }
    }

    /// The gaps scaled by their rates, $k\,(F(x_k) - F^\star)$ for ISTA and
    /// $(k+1)^2 (F(x_k) - F^\star)$ for FISTA: the theorems say these stay below
    /// [`Sensing::constants`] for every $k \ge 1$.
    pub fn scaled_gaps(&self, k: usize) -> PerSolver<f64> {
        let kf = k as f64;
        PerSolver {
            ista: kf * self.gaps.ista[k],
            fista: (kf + 1.0).powi(2) * self.gaps.fista[k],
        }
    }
}

/// Iterations of the fixed-length ISTA and FISTA runs.
pub const SENSING_ITERS: usize = 2000;

/// ISTA's bound $L\|x_0 - x^\star\|^2/(2k)$ and FISTA's $2L\|x_0 - x^\star\|^2/(k+1)^2$.
pub fn bounds(lipschitz: f64, distance_sq: f64, k: usize) -> PerSolver<f64> {
    let k = k as f64;
    PerSolver {
        ista: lipschitz * distance_sq / (2.0 * k),
        fista: 2.0 * lipschitz * distance_sq / ((k + 1.0) * (k + 1.0)),
    }
}

// ANCHOR: sensing
/// Compressed sensing: a Gaussian $A$, sparse codes, noisy measurements; ISTA
/// and FISTA for [`SENSING_ITERS`] steps against the certified optimum.
///
/// # Errors
/// An invalid `c`, or a solver error.
pub fn sensing(c: &Config) -> Result<Sensing> {
    c.validate()?;
    let mut rng = Stream::Sensing.rng(c.seed);
    let a = unit_column_matrix(&mut rng, c.measurements, c.atoms);
    let truth = sparse_codes(&mut rng, c.atoms, c.sparsity, c.signals)?;
    let y = a.dot(&truth) + gaussian_matrix(&mut rng, c.measurements, c.signals) * c.noise;
    let reference = certified_solution(a.view(), y.view(), c.lambda)?;
    let fixed = SolverOptions {
        max_iters: SENSING_ITERS,
        tol: 0.0,
    };
    let history =
        |s: crate::Solution| full_history(&s.objective, SENSING_ITERS, reference.objective);
    let gaps = PerSolver {
        ista: history(ista(a.view(), y.view(), c.lambda, &fixed)?),
        fista: history(fista(a.view(), y.view(), c.lambda, &fixed)?),
    };
    // --snip--
    // ANCHOR_END: sensing
    let optimum = reference.objective;
    let distance_sq = reference.x.iter().map(|v| v * v).sum::<f64>();
    let l = reference.lipschitz;
    // Allow for F* itself being accurate only to rounding.
    let slack = 1e-12 * optimum.abs();
    let holds = |gap: &[f64], bound: fn(&PerSolver<f64>) -> f64| {
        gap.iter()
            .enumerate()
            .skip(1)
            .all(|(k, g)| *g <= bound(&bounds(l, distance_sq, k)) + slack)
    };
    let first_below = |gap: &[f64]| gap.iter().position(|g| *g <= 1e-6 * optimum);
    let found = support(reference.x.view(), 0.0);
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
        bound_holds: PerSolver {
            ista: holds(&gaps.ista, |b| b.ista),
            fista: holds(&gaps.fista, |b| b.fista),
        },
        iters_to_1e6: PerSolver {
            ista: first_below(&gaps.ista),
            fista: first_below(&gaps.fista),
        },
        gaps,
        support_recovered: matches as f64 / c.signals as f64,
        support_recall: hits as f64 / true_count as f64,
        kkt: reference.kkt,
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

/// Signal dimension of the dictionary-learning experiment.
pub const DICT_M: usize = 20;
/// Atoms of the planted dictionary.
pub const DICT_N: usize = 30;
/// Nonzeros per planted code.
pub const DICT_SPARSITY: usize = 3;
/// Number of signals.
pub const DICT_SIGNALS: usize = 1500;
/// Noise standard deviation.
pub const DICT_NOISE: f64 = 0.01;
/// The learner's settings.
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
/// Learns a dictionary from signals of a planted one and tracks the recovery.
///
/// # Errors
/// A learner error.
pub fn dictionary(rng: &mut Rng) -> Result<Vec<DictionaryStep>> {
    let truth = unit_column_matrix(rng, DICT_M, DICT_N);
    let codes = sparse_codes(rng, DICT_N, DICT_SPARSITY, DICT_SIGNALS)?;
    let y = truth.dot(&codes) + gaussian_matrix(rng, DICT_M, DICT_SIGNALS) * DICT_NOISE;
    let learned = learn_dictionary(y.view(), &DICT_OPTIONS, rng, Some(truth.view()))?;
    Ok(learned.history)
}
// ANCHOR_END: dictionary_experiment

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

/// Dimension $n$ of the complete (orthogonal) dictionary.
pub const MSP_N: usize = 30;
/// Number of signals.
pub const MSP_SIGNALS: usize = 10_000;
/// Probability $\theta$ that a code entry is nonzero (Bernoulli–Gaussian codes).
pub const MSP_THETA: f64 = 0.3;
/// MSP's settings.
pub const MSP_OPTIONS: MspOptions = MspOptions {
    max_iters: 200,
    tol: 1e-10,
};

/// Complete dictionary learning by MSP on a planted orthogonal dictionary.
#[derive(Debug, Clone)]
pub struct CompleteDictionary {
    /// $\|A_k X\|_4^4 / (3\theta n N)$ for $k = 0, 1, \dots$: 1 in expectation at the
    /// truth, [`random_rotation_objective`] for a random rotation.
    pub normalized_objective: Vec<f64>,
    /// [`random_rotation_objective`] for these sizes.
    pub random_objective: f64,
    /// [`crate::msp::signed_permutation_error`] of $A_k U_o$ for each $k$.
    pub error: Vec<f64>,
    /// The normalized objective at the truth, $A = U_o^\top$ ($\|Z\|_4^4 / (3\theta n N)$).
    pub truth_objective: f64,
    /// Whether MSP met its tolerance.
    pub converged: bool,
    /// Atoms recovered: rows of $A U_o$ with an entry above 0.99 in magnitude.
    pub recovered: usize,
}

/// The expected normalized objective $\mathbb E\|AX\|_4^4/(3\theta nN)$ for a Haar-random
/// rotation $A$: an entry of $AX$ is $\sum_k r_k z_k$ with $\|r\| = 1$, whose fourth
/// moment is $3\theta S + 3\theta^2(1 - S)$ for $S = \sum_k r_k^4$, and
/// $\mathbb E S = 3/(n+2)$ for a uniform unit vector; so the value is
/// $\theta + (1 - \theta)\,3/(n+2)$, tending to $\theta$ for large $n$.
pub fn random_rotation_objective(n: usize, theta: f64) -> f64 {
    theta + (1.0 - theta) * 3.0 / (n as f64 + 2.0)
}

// ANCHOR: complete_dictionary
/// Signals $X = U_o Z$ with a Haar-random orthogonal $U_o$ and Bernoulli($\theta$)–Gaussian
/// $Z$; MSP from a random rotation, tracking objective and recovery at every step.
///
/// # Errors
/// An MSP error.
pub fn complete_dictionary(rng: &mut Rng) -> Result<CompleteDictionary> {
    let truth = random_orthonormal(rng, MSP_N, MSP_N);
    let mut codes = gaussian_matrix(rng, MSP_N, MSP_SIGNALS);
    codes.mapv_inplace(|v| {
        if rand::RngExt::random::<f64>(rng) < MSP_THETA {
            v
        } else {
            0.0
        }
    });
    let y = truth.dot(&codes);
    let scale = 3.0 * MSP_THETA * (MSP_N * MSP_SIGNALS) as f64;
    let learned = msp(y.view(), &MSP_OPTIONS, rng)?;
    let error = learned
        .iterates
        .iter()
        .map(|a| signed_permutation_error(a.dot(&truth).view()))
        .collect();
    // --snip--
    // ANCHOR_END: complete_dictionary
    let recovered = a_recovered(learned.rotation.dot(&truth).view());
    Ok(CompleteDictionary {
        normalized_objective: learned.objective.iter().map(|f| f / scale).collect(),
        random_objective: random_rotation_objective(MSP_N, MSP_THETA),
        error,
        truth_objective: l4_objective(truth.t(), y.view()) / scale,
        converged: learned.converged,
        recovered,
    })
}

/// Rows of `m` with an entry above 0.99 in magnitude.
fn a_recovered(m: ArrayView2<f64>) -> usize {
    m.rows()
        .into_iter()
        .filter(|r| r.iter().any(|v| v.abs() > 0.99))
        .count()
}

/// Sizes of the ReLU-layer experiment: an `m × n` dictionary, `N` signals.
pub const RELU_M: usize = 40;
/// Atoms.
pub const RELU_N: usize = 20;
/// Signals.
pub const RELU_SIGNALS: usize = 50;
/// LASSO weight.
pub const RELU_LAMBDA: f64 = 0.05;
/// Nonzeros per code.
pub const RELU_SPARSITY: usize = 3;
/// Noise standard deviation of the signals.
pub const RELU_NOISE: f64 = 0.01;
/// Depths shown.
pub const RELU_DEPTHS: [usize; 5] = [1, 10, 100, 1000, 3000];

/// How close `T` ReLU layers get to the nonnegative LASSO solution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReluRow {
    /// Number of layers $T$.
    pub layers: usize,
    /// $\|Z_T - Z^\star\|_F / \|Z^\star\|_F$ with $Z^\star$ from [`crate::fista_nonnegative`].
    pub relative_distance: f64,
}

// ANCHOR: relu_experiment
/// Nonnegative codes $Z \ge 0$ of signals from a random dictionary, computed by
/// stacking ReLU layers with $\eta = 1/L$, against FISTA's nonnegative solution.
///
/// # Errors
/// A solver error.
pub fn relu_layers(rng: &mut Rng) -> Result<Vec<ReluRow>> {
    let a = unit_column_matrix(rng, RELU_M, RELU_N);
    let codes = sparse_codes(rng, RELU_N, RELU_SPARSITY, RELU_SIGNALS)?.mapv(f64::abs);
    let y = a.dot(&codes) + gaussian_matrix(rng, RELU_M, RELU_SIGNALS) * RELU_NOISE;
    let options = SolverOptions {
        max_iters: 100_000,
        tol: 1e-12,
    };
    let reference = fista_nonnegative(a.view(), y.view(), RELU_LAMBDA, &options)?;
    if !reference.converged {
        return Err(Error::NotConverged {
            algorithm: "fista_nonnegative (ReLU reference)",
            iterations: reference.iterations,
            residual: reference.kkt,
            tolerance: options.tol,
        });
    }
    let norm = reference.x.iter().map(|v| v * v).sum::<f64>().sqrt();
    RELU_DEPTHS
        .iter()
        .map(|&layers| {
            let z = relu_network(
                a.view(),
                y.view(),
                1.0 / reference.lipschitz,
                RELU_LAMBDA,
                layers,
            )?;
            let distance = (&z - &reference.x)
                .iter()
                .map(|v| v * v)
                .sum::<f64>()
                .sqrt();
            Ok(ReluRow {
                layers,
                relative_distance: distance / norm,
            })
        })
        .collect()
}
// ANCHOR_END: relu_experiment
