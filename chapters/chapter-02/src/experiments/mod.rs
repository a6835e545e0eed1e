//! The chapter's six experiments; each returns plain data for [`crate::report`].
//!
//! This module holds the run's [`Config`], its [`Results`] and [`run_all`];
//! each experiment lives in a file of its own and is re-exported here.

mod complete_dictionary;
mod data;
mod dictionary_learning;
mod relu;
mod sensing;
mod tiny;
mod unrolled;

use crate::dictionary::DictionaryStep;
use shared::Result;
use shared::cli::ensure_in_range;

pub use complete_dictionary::{
    CompleteDictionary, MSP_N, MSP_OPTIONS, MSP_SIGNALS, MSP_THETA, complete_dictionary,
    random_rotation_objective,
};
pub use data::{sparse_codes, unit_column_matrix};
pub use dictionary_learning::{
    DICT_M, DICT_N, DICT_NOISE, DICT_OPTIONS, DICT_SIGNALS, DICT_SPARSITY, dictionary,
};
pub use relu::{
    RELU_DEPTHS, RELU_LAMBDA, RELU_M, RELU_N, RELU_NOISE, RELU_SIGNALS, RELU_SPARSITY, ReluRow,
    relu_layers,
};
pub use sensing::{SENSING_ITERS, Sensing, bounds, sensing};
pub use tiny::{TINY_STEPS, TinyInstance, TinyRow, tiny_instance};
pub use unrolled::{
    ISTA_ITERS, LISTA_DEPTHS, LISTA_LAMBDA, LISTA_LR, LISTA_M, LISTA_N, LISTA_SPARSITY,
    LISTA_STEPS, LISTA_TEST, LISTA_TRAIN, ListaRow, Unrolled, unrolled,
};

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
    /// [`Error::OutOfRange`](shared::Error::OutOfRange) naming the flag.
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
