//! The chapter's experiments. They compute and return plain data (with the
//! parameters they used); [`crate::report`] turns the data into text and figures.
//!
//! This module holds the run's [`Config`], its [`Results`] and [`run_all`];
//! each experiment lives in a file of its own and is re-exported here.

mod closed_form;
mod denoising;
mod rate_check;
mod recovery;

use shared::Result;
use shared::data::PlantedSubspace;

pub use closed_form::{CLOSED_FORM_STEPS, ClosedForm, ClosedFormRow, closed_form};
pub use denoising::{Denoising, NOISE_FACTORS, denoising};
pub use rate_check::{
    CLUSTER_SIZE, KnownSpectrum, RATE_MAX_STEPS, RATE_SPECTRA, RATE_TARGET, RateCheck, Spectrum,
    matrix_with_spectrum, rate_check, second_half_rate,
};
pub use recovery::{
    MethodResult, OJA_GAIN, OJA_PASSES, Recovery, SubspaceRate, TOL, Work, recovery,
};

shared::parameters! {
    /// Settings of the chapter's run; `Config::default()` is what the book shows.
    pub struct Config {
        /// Ambient dimension D.
        dim: usize = 50, range(3, 1000);
        /// Rank d of the planted subspace (at most D - 1); latent variances are (d - i)^2, i = 0..d-1.
        rank: usize = 3, range(1, 20);
        /// Number of samples N (more than d).
        samples: usize = 2000, range(2, 200_000);
        /// Noise standard deviation sigma.
        noise: f64 = 0.3, range(1e-3, 10.0);
        /// Seed of every random draw (each experiment has its own stream).
        seed: u64 = 0;
    }
}

shared::streams! {
    /// The chapter's random streams, one per experiment ([`shared::rng::stream_rng`]).
    pub enum Stream {
        /// Eigenbases of the rate check's matrices.
        RateMatrix = 1,
        /// Start vectors of the rate check.
        RateStart = 2,
        /// The planted data (shared on purpose by recovery and denoising: same data).
        Planted = 3,
        /// Start blocks of the recovery methods.
        Recovery = 4,
    }
}

impl Config {
    /// Checks every field (its declared range, then rank < D and N > d) before any arithmetic.
    ///
    /// # Errors
    /// [`Error::OutOfRange`](shared::Error::OutOfRange) naming the flag.
    pub fn validate(&self) -> Result<()> {
        self.check_ranges()?;
        shared::cli::ensure_in_range("--rank", self.rank, 1, self.dim - 1)?;
        shared::cli::ensure_in_range("--samples", self.samples, self.rank + 1, usize::MAX)?;
        // The data and a few copies of it (centered, clean, denoised) are held at once.
        let entries = self.dim as f64 * self.samples as f64;
        shared::cli::ensure_budget(
            "matrix entries (8 bytes each)",
            entries,
            2.5e7,
            "--dim, --samples",
        )
    }

    /// The planted latent variances $\lambda_i = (d - i)^2$.
    pub fn variances(&self) -> Vec<f64> {
        (0..self.rank)
            .map(|i| ((self.rank - i) as f64).powi(2))
            .collect()
    }

    /// The planted data of the run at noise level `noise`, drawn from the
    /// [`Stream::Planted`] stream (the same latent codes and noise directions at every level).
    ///
    /// # Errors
    /// As [`PlantedSubspace::sample`].
    pub fn planted_data(&self, noise: f64) -> Result<PlantedSubspace> {
        PlantedSubspace::sample(
            &mut Stream::Planted.rng(self.seed),
            self.dim,
            &self.variances(),
            self.samples,
            noise,
        )
    }
}

/// Everything the chapter measured, with the configuration it used.
#[derive(Debug, Clone)]
pub struct Results {
    /// The configuration of the run.
    pub config: Config,
    /// Experiment 1a.
    pub closed_form: ClosedForm,
    /// Experiment 1b, one entry per spectrum of [`RATE_SPECTRA`].
    pub rates: Vec<RateCheck>,
    /// Experiment 2.
    pub recovery: Recovery,
    /// Experiment 3, one row per noise level of [`NOISE_FACTORS`].
    pub denoising: Vec<Denoising>,
}

/// Runs every experiment of the chapter for `config`.
///
/// # Errors
/// Invalid `config` (see [`Config::validate`]), or an experiment's error.
pub fn run_all(config: &Config) -> Result<Results> {
    config.validate()?;
    let closed_form = closed_form()?;
    let mut matrices = Stream::RateMatrix.rng(config.seed);
    let mut starts = Stream::RateStart.rng(config.seed);
    let rates = RATE_SPECTRA
        .iter()
        .map(|&s| rate_check(config.dim, s, &mut matrices, &mut starts))
        .collect::<Result<_>>()?;
    let data = config.planted_data(config.noise)?;
    let recovery = recovery(config, &data)?;
    let denoising = NOISE_FACTORS
        .iter()
        .map(|f| denoising(config, f * config.noise))
        .collect::<Result<_>>()?;
    Ok(Results {
        config: config.clone(),
        closed_form,
        rates,
        recovery,
        denoising,
    })
}
