//! The chapter's experiments. They compute and return plain data (with the
//! parameters they used); [`crate::report`] turns the data into text and figures.
//!
//! This module holds the run's [`Config`], its [`Results`] and [`run_all`];
//! each experiment lives in a file of its own and is re-exported here.

mod ascent_runs;
mod contrastive;
mod digit_inputs;
mod optimum_table;
mod redunet_runs;
mod supervised;

use shared::Result;
use shared::digits::Digits;

pub use ascent_runs::{ASCENT_ETA, ASCENT_SIZES, AscentRun, ascent_runs};
pub use contrastive::{
    AUGMENTATIONS, CONTRASTIVE_STEPS, ClusterRow, Contrastive, KMEANS_RESTARTS, SOURCES,
    contrastive,
};
pub use digit_inputs::{
    DigitInputs, FEATURE_DIM, HEATMAP_PER_CLASS, HIDDEN, INPUT_DIM, LEARNING_RATE, NEIGHBOURS,
    Projection, QUICK_TRAIN_PER_CLASS, SUBSPACE_DIM, digit_inputs, quick_subset,
};
pub use optimum_table::{OPTIMA_CASES, OptimumRow, optima};
pub use redunet_runs::{DIGIT_DIM, ReduNetRun, redunet_digits, redunet_synthetic};
pub use supervised::{EncoderRun, Supervised, supervised};

shared::parameters! {
    /// Settings of the chapter's run; `Config::default()` is what the book shows.
    pub struct Config {
        /// Quantization error eps^2 of the coding rates (the official code's `eps`).
        eps: f64 = 0.5, range(0.01, 10.0);
        /// Training epochs of the digit encoders.
        epochs: usize = 20, range(1, 100);
        /// Minibatch size of the digit encoders (images per batch).
        batch: usize = 500, range(20, 8000);
        /// Run a smaller, faster version of every experiment.
        quick: bool = false;
        /// Seed of every random draw (each experiment has its own stream).
        seed: u64 = 0;
    }
}

impl Config {
    /// Checks every field against its declared range.
    ///
    /// # Errors
    /// [`Error::OutOfRange`](shared::Error::OutOfRange) naming the flag.
    pub fn validate(&self) -> Result<()> {
        self.check_ranges()
    }
}

shared::streams! {
    /// The chapter's random streams, one per experiment ([`shared::rng::stream_rng`]).
    pub enum Stream {
        /// Starting features of the gradient ascent.
        Ascent = 1,
        /// The synthetic ReduNet data.
        ReduNet = 2,
        /// The supervised digit encoders: initialization and minibatch order.
        Supervised = 4,
        /// Contrastive learning: initialization, source images, augmentations, k-means.
        Contrastive = 5,
    }
}

/// Everything the chapter measured, with the configuration it used.
#[derive(Debug, Clone)]
pub struct Results {
    /// The configuration of the run.
    pub config: Config,
    /// Experiment 1.
    pub optima: Vec<OptimumRow>,
    /// Experiment 2, one run per start.
    pub ascent: Vec<AscentRun>,
    /// Experiment 3, on synthetic data and on digits.
    pub redunet: Vec<ReduNetRun>,
    /// Experiment 4.
    pub supervised: Supervised,
    /// Experiment 5.
    pub contrastive: Contrastive,
}

/// Runs every experiment of the chapter for `config` on `digits`.
///
/// # Errors
/// Invalid `config`, or an experiment's error.
pub fn run_all(config: &Config, digits: &Digits) -> Result<Results> {
    config.validate()?;
    let seed = config.seed;
    let subset = config.quick.then(|| quick_subset(digits));
    let digits = subset.as_ref().unwrap_or(digits);
    let inputs = digit_inputs(digits, INPUT_DIM)?;
    Ok(Results {
        config: config.clone(),
        optima: optima(config.eps)?,
        // The digit sections share one projection; --quick uses a balanced subset.
        ascent: ascent_runs(config, &mut Stream::Ascent.rng(seed))?,
        redunet: vec![
            redunet_synthetic(config, &mut Stream::ReduNet.rng(seed))?,
            redunet_digits(config, digits, &inputs)?,
        ],
        supervised: {
            let bar =
                shared::cli::progress_bar(2 * config.epochs as u64, "supervised MCR^2 epochs");
            let out = supervised(
                config,
                digits,
                &inputs,
                &mut Stream::Supervised.rng(seed),
                |_| bar.inc(1),
            )?;
            bar.finish_and_clear();
            out
        },
        contrastive: {
            let bar =
                shared::cli::progress_bar(CONTRASTIVE_STEPS as u64, "contrastive MCR^2 steps");
            let out = contrastive(
                config,
                digits,
                &inputs,
                &mut Stream::Contrastive.rng(seed),
                |s| bar.set_position(s as u64),
            )?;
            bar.finish_and_clear();
            out
        },
    })
}
