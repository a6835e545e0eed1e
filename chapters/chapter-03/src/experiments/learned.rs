//! Experiment 4: learned denoisers. Small networks trained on few or many
//! samples, against the closed form and the memorizer, and sampled with.

use ndarray::ArrayView2;

use super::generation::{SamplerStats, lines_and_plane, sampler_stats};
use super::{Config, Stream, vp_grid};
use crate::empirical::Empirical;
use crate::learned::{MlpDenoiser, TrainOptions, draw_batch, mean_loss, train};
use crate::process::Process;
use crate::sampler::{Denoiser, ddim_sample};
use shared::Result;
use shared::rng::{Rng, gaussian_matrix};

/// Training-set sizes of the learned denoisers.
pub const LEARN_SIZES: [usize; 2] = [10, 2000];
/// Hidden units of the learned denoisers.
pub const LEARN_HIDDEN: usize = 64;
/// Adam settings of the learned denoisers.
pub const LEARN_OPTIONS: TrainOptions = TrainOptions {
    steps: 3000,
    batch: 256,
    learning_rate: 3e-3,
};
/// VP times at which the learned denoisers' errors are compared.
pub const LEARN_TIMES: [f64; 5] = [0.01, 0.03, 0.1, 0.3, 0.6];
/// Test points of the comparison.
pub const LEARN_TEST: usize = 2000;

/// A denoiser learned from `size` samples of the two-lines-and-a-plane mixture.
#[derive(Debug, Clone)]
pub struct LearnedRow {
    /// Number of training samples.
    pub size: usize,
    /// The denoising objective on the training set at the end of training.
    pub train_objective: f64,
    /// The same objective on fresh samples.
    pub test_objective: f64,
    /// Mean squared error on fresh test points at each of [`LEARN_TIMES`]: the
    /// learned denoiser, the closed-form MMSE one, and the memorizing denoiser of
    /// the same training set.
    pub errors: Vec<TimeErrors>,
    /// How the samples drawn with the learned denoiser relate to the subspaces
    /// and to its training set.
    pub sampling: SamplerStats,
}

/// Denoising errors at one time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeErrors {
    /// The VP time $t$ ($\sigma_t = t$).
    pub time: f64,
    /// The learned network's mean squared error.
    pub learned: f64,
    /// The closed-form MMSE denoiser's (the floor).
    pub mmse: f64,
    /// The memorizing denoiser's of the same training set.
    pub memorizing: f64,
}

// ANCHOR: learned_experiment
/// Trains a denoiser on samples of the two-lines-and-a-plane mixture for each of
/// [`LEARN_SIZES`], compares its error with the closed form and the memorizer,
/// and samples with it from the generation experiment's noise.
///
/// # Errors
/// An invalid `c`, or a training or sampling error.
pub fn learned_denoisers(c: &Config) -> Result<Vec<LearnedRow>> {
    c.validate()?;
    let mix = lines_and_plane(&mut Stream::Mixture.rng(c.seed));
    let mut rng = Stream::Learned.rng(c.seed);
    let process = Process::VariancePreserving;
    let grid = vp_grid(c.steps);
    let times = &grid[..grid.len() - 1]; // the denoiser is queried at every time but the last
    let (test, _) = mix.sample(&mut rng, LEARN_TEST)?;
    let noise = gaussian_matrix(&mut Stream::SamplerNoise.rng(c.seed), 3, c.samples);
    let mut rows = Vec::new();
    for size in LEARN_SIZES {
        let (training, _) = mix.sample(&mut rng, size)?;
        let mut net = MlpDenoiser::new(3, LEARN_HIDDEN, &mut rng)?;
        train(
            &mut net,
            training.view(),
            process,
            times,
            &LEARN_OPTIONS,
            &mut rng,
        )?;
        let batches = |x: ArrayView2<f64>, rng: &mut Rng| -> Result<Vec<_>> {
            (0..8)
                .map(|_| draw_batch(x, process, times, 1000, rng))
                .collect()
        };
        let train_objective = mean_loss(&net, &batches(training.view(), &mut rng)?)?;
        let test_objective = mean_loss(&net, &batches(test.view(), &mut rng)?)?;
        let memorizer = Empirical {
            points: training.clone(),
        };
        let g = gaussian_matrix(&mut rng, 3, LEARN_TEST);
        let mut errors = Vec::new();
        for time in LEARN_TIMES {
            let (alpha, sigma) = (process.alpha(time), process.sigma(time));
            let x_t = process.noisy(test.view(), g.view(), time)?;
            let mse = |d: &dyn Denoiser| -> Result<f64> {
                let out = d.denoise(x_t.view(), alpha, sigma)?;
                Ok((&out - &test).mapv(|v| v * v).sum() / LEARN_TEST as f64)
            };
            errors.push(TimeErrors {
                time,
                learned: mse(&net)?,
                mmse: mse(&mix)?,
                memorizing: mse(&memorizer)?,
            });
        }
        let samples = ddim_sample(&net, process, &grid, noise.view(), |_, _| {})?;
        let sampling = sampler_stats("learned", &mix, samples.view(), training.view())?;
        rows.push(LearnedRow {
            size,
            train_objective,
            test_objective,
            errors,
            sampling,
        });
    }
    Ok(rows)
}
// ANCHOR_END: learned_experiment
