//! Experiment 2: generation. The two-lines-and-a-plane mixture sampled with
//! its closed-form denoiser and with the memorizing one, and the statistics
//! that tell the two apart.

use ndarray::{Array1, Array2, ArrayView2, Axis, array};

use super::{Config, Stream, vp_grid};
use crate::empirical::Empirical;
use crate::lowrank::LowRankMixture;
use crate::process::Process;
use crate::sampler::ddim_sample;
use shared::Result;
use shared::linalg::random_orthonormal;
use shared::rng::{Rng, gaussian_matrix};

/// The 3-D mixture of two lines and a plane (variance 4 along each
/// direction), the setup of the textbook's Ch. 3 §3.2 figure, with random
/// subspaces drawn from `rng`.
pub fn lines_and_plane(rng: &mut Rng) -> LowRankMixture {
    let bases = vec![
        random_orthonormal(rng, 3, 1),
        random_orthonormal(rng, 3, 1),
        random_orthonormal(rng, 3, 2),
    ];
    LowRankMixture::new(Array1::from_elem(3, 1.0 / 3.0), bases, vec![4.0; 3], 0.0)
        .expect("two lines and a plane form a valid mixture")
}

/// How one sampler's outputs relate to the subspaces and the training set.
#[derive(Debug, Clone)]
pub struct SamplerStats {
    /// The sampler's name.
    pub name: &'static str,
    /// Fraction within [`NEAR`] of the union of subspaces.
    pub near_union: f64,
    /// Median distance to the union of subspaces.
    pub median_union_distance: f64,
    /// Fraction within [`NEAR`] of some training point.
    pub near_training: f64,
    /// Median distance to the nearest training point.
    pub median_training_distance: f64,
    /// Fraction assigned to each subspace (nearest one).
    pub proportions: Vec<f64>,
}

/// Distance counted as "on" a subspace or "at" a training point.
pub const NEAR: f64 = 1e-2;

/// Samples of both samplers, statistics, and snapshots for the progression figure.
#[derive(Debug, Clone)]
pub struct Generation {
    /// One entry per sampler.
    pub stats: Vec<SamplerStats>,
    /// The closed-form sampler's points at the start and at [`SNAPSHOT_FRACTIONS`] of the run.
    pub snapshots: Vec<Snapshot>,
    /// The training set of the memorizing denoiser (`3 × train`).
    pub training: Array2<f64>,
    /// A `3 × 2` orthonormal view for plots: the first line's direction and the
    /// plane's normal (completed to orthonormal), so the plane shows as a horizontal line.
    pub view: Array2<f64>,
}

/// The sampler's points after some step.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The step (0 is the starting noise).
    pub step: usize,
    /// The points (`3 × samples`).
    pub points: Array2<f64>,
}

/// Snapshot positions as fractions of the run.
pub const SNAPSHOT_FRACTIONS: [f64; 3] = [0.0, 0.9, 1.0];

// ANCHOR: generation
/// Samples the two-lines-and-a-plane mixture with its closed-form denoiser and
/// with the memorizing denoiser of a training set, from the same noise.
///
/// # Errors
/// An invalid `c`, or a sampler error.
pub fn generation(c: &Config) -> Result<Generation> {
    c.validate()?;
    let mix = lines_and_plane(&mut Stream::Mixture.rng(c.seed));
    let (training, _) = mix.sample(&mut Stream::Training.rng(c.seed), c.train)?;
    let memorizer = Empirical {
        points: training.clone(),
    };
    let grid = vp_grid(c.steps);
    let noise = gaussian_matrix(&mut Stream::SamplerNoise.rng(c.seed), 3, c.samples);
    let keep: Vec<usize> = SNAPSHOT_FRACTIONS
        .iter()
        .map(|f| (f * c.steps as f64).round() as usize)
        .collect();
    let mut snapshots = vec![Snapshot {
        step: 0,
        points: noise.clone(),
    }];
    let closed = ddim_sample(
        &mix,
        Process::VariancePreserving,
        &grid,
        noise.view(),
        |step, x| {
            if keep.contains(&step) {
                snapshots.push(Snapshot {
                    step,
                    points: x.to_owned(),
                });
            }
        },
    )?;
    let memorized = ddim_sample(
        &memorizer,
        Process::VariancePreserving,
        &grid,
        noise.view(),
        |_, _| {},
    )?;
    // --snip--
    // ANCHOR_END: generation
    let stats = vec![
        sampler_stats("closed-form mixture", &mix, closed.view(), training.view())?,
        sampler_stats(
            "memorizing (training set)",
            &mix,
            memorized.view(),
            training.view(),
        )?,
    ];
    Ok(Generation {
        stats,
        snapshots,
        training,
        view: plot_view(&mix),
    })
}

fn plot_view(mix: &LowRankMixture) -> Array2<f64> {
    let (line, plane) = (mix.bases[0].column(0), &mix.bases[2]);
    let (a, b) = (plane.column(0), plane.column(1));
    let normal = array![
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0]
    ];
    let mut view = Array2::zeros((3, 2));
    view.column_mut(0).assign(&line);
    view.column_mut(1).assign(&normal);
    shared::linalg::orthonormalize_columns(&mut view);
    view
}

pub(super) fn sampler_stats(
    name: &'static str,
    mix: &LowRankMixture,
    x: ArrayView2<f64>,
    training: ArrayView2<f64>,
) -> Result<SamplerStats> {
    let n = x.ncols() as f64;
    let dist = mix.distances(x)?;
    let nearest: Vec<(usize, f64)> = dist
        .axis_iter(Axis(1))
        .map(|col| shared::error::argmin(col.iter().copied()))
        .collect();
    let near_union = nearest.iter().filter(|(_, d)| *d < NEAR).count() as f64 / n;
    let median_union_distance = median(nearest.iter().map(|(_, d)| *d).collect());
    let mut proportions = vec![0.0; mix.bases.len()];
    for (k, _) in &nearest {
        proportions[*k] += 1.0 / n;
    }
    let to_training: Vec<f64> = x
        .axis_iter(Axis(1))
        .map(|p| {
            training
                .axis_iter(Axis(1))
                .map(|q| (&p - &q).mapv(|v| v * v).sum().sqrt())
                .fold(f64::INFINITY, f64::min)
        })
        .collect();
    let near_training = to_training.iter().filter(|d| **d < NEAR).count() as f64 / n;
    let median_training_distance = median(to_training);
    Ok(SamplerStats {
        name,
        near_union,
        median_union_distance,
        near_training,
        median_training_distance,
        proportions,
    })
}

/// The median of `values` (the upper one for an even count; NaN if empty).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}
