//! The chapter's experiments: they compute and return plain data; `report` renders it.

use crate::checkpoint::Settings;
use crate::digits::{DigitsResults, DigitsRun};
use crate::game::OFFICIAL;
use crate::toy::{SETUP, Toy, ToyResults};
use crate::train::Moves;
use shared::Result;
use shared::burn::flags::Checkpoints;
use shared::burn::{Device, on_device};
use shared::digits::Digits;

shared::parameters! {
    /// Settings of a run of the chapter (`cargo run --release -p chapter-06 -- --help`).
    pub struct Config {
        /// Rounds of the game on the digits (one encoder and one decoder step each).
        rounds: usize = 300, range(1, 5000);
        /// Training digits per round (drawn without replacement, reshuffled each pass).
        batch: usize = 500, range(20, 4000);
        /// Distortion eps^2 of every coding rate.
        eps_sq: f64 = 0.5, range(1e-3, 100.0);
        /// Learning rate of both players (Adam, betas 0.5 and 0.999).
        lr: f64 = 1e-3, range(1e-6, 0.1);
        /// Seed of the data, the initial weights and the batches.
        seed: u64 = 0;
        /// Where the tensors live: cpu (Burn's Flex) or cuda (needs --features cuda).
        device: Device = Device::Cpu;
        /// A fast smoke run: 1,000 training and 500 test digits, at most 20 rounds.
        quick: bool = false;
    }
}

shared::streams! {
    /// The chapter's random streams.
    pub enum Stream {
        /// The linear toy's subspaces, points and maps.
        Toy = 1,
        /// The digits players' initial weights.
        Init = 2,
        /// The order of the batches.
        Batches = 3,
        /// The points decoded from the class subspaces.
        Decode = 4,
    }
}

/// Most digits a CPU run may push through the game (rounds × batch): ten
/// times the default run, about ten minutes on two cores.
pub const CPU_DIGIT_ROUNDS: f64 = 1.5e6;
/// The same limit on a GPU.
pub const CUDA_DIGIT_ROUNDS: f64 = 1.5e8;

/// Rounds in `--quick` mode, at most.
pub const QUICK_ROUNDS: usize = 20;
/// Rounds of the linear toy in `--quick` mode.
pub const QUICK_TOY_ROUNDS: usize = 300;

impl Config {
    /// Rounds actually played.
    pub fn rounds(&self) -> usize {
        if self.quick {
            self.rounds.min(QUICK_ROUNDS)
        } else {
            self.rounds
        }
    }

    /// How the digits players move: the official weights, one step each.
    pub fn moves(&self) -> Moves {
        Moves {
            eps_sq: self.eps_sq,
            lr: self.lr,
            encoder_steps: 1,
            decoder_steps: 1,
            gammas: OFFICIAL,
        }
    }

    /// Checks every flag.
    ///
    /// # Errors
    /// [`shared::Error::OutOfRange`] naming the flag.
    pub fn validate(&self) -> Result<()> {
        self.check_ranges()?;
        let (limit, flags) = match self.device {
            Device::Cpu => (CPU_DIGIT_ROUNDS, "--rounds, --batch (or use --device cuda)"),
            Device::Cuda => (CUDA_DIGIT_ROUNDS, "--rounds, --batch"),
        };
        let need = self.rounds() as f64 * self.batch as f64;
        shared::cli::ensure_budget("digit-rounds (rounds x batch)", need, limit, flags)
    }
}

/// Everything the report shows.
#[derive(Debug, Clone)]
pub struct Results {
    /// The settings of the run.
    pub config: Config,
    /// The linear toy, the game the theorem covers ($\gamma_2 = 0$).
    pub toy: ToyResults,
    /// The same toy with the official weights (1, 1, 1).
    pub toy_official: ToyResults,
    /// Training and test digits used.
    pub sizes: (usize, usize),
    /// Digits per round (`--batch`, at most the training digits).
    pub batch: usize,
    /// The digits game.
    pub digits: DigitsResults,
}

/// Runs the toy and the digits game.
///
/// # Errors
/// Bad flags, a diverged game, or no usable device.
pub fn run_all(config: &Config, digits: &Digits) -> Result<Results> {
    run_all_with(config, &Checkpoints::default(), digits)
}

/// [`run_all`], saving or resuming the digits game as `checkpoints` says.
///
/// # Errors
/// As [`run_all`]; a checkpoint that cannot be written or read, or that
/// another run wrote.
pub fn run_all_with(
    config: &Config,
    checkpoints: &Checkpoints,
    digits: &Digits,
) -> Result<Results> {
    config.validate()?;
    let (train, test) = digits.splits(config.quick);
    let rounds = config.rounds();
    let batch = config.batch.min(train.labels.len());
    let settings = Settings {
        rounds,
        batch,
        eps_sq: config.eps_sq,
        lr: config.lr,
        seed: config.seed,
        train_len: train.labels.len(),
        device: config.device.to_string(),
    };
    if let Some(dir) = &checkpoints.save {
        // A bad --save fails before the toy games, not after them.
        shared::burn::checkpoint::prepare(dir)?;
    }
    if let Some(dir) = &checkpoints.resume {
        // Refuse another run's checkpoint before playing anything.
        crate::checkpoint::resume(dir, &settings)?;
    }
    let mut setup = SETUP;
    if config.quick {
        setup.rounds = QUICK_TOY_ROUNDS;
    }
    let toy = on_device(
        config.device,
        Toy {
            setup,
            rng: &mut Stream::Toy.rng(config.seed),
        },
    )?;
    let mut official = setup;
    official.moves.gammas = OFFICIAL;
    let toy_official = on_device(
        config.device,
        Toy {
            setup: official,
            rng: &mut Stream::Toy.rng(config.seed),
        },
    )?;
    let bar = shared::cli::progress_bar(rounds as u64, "the CTRL game");
    let results = on_device(
        config.device,
        DigitsRun {
            train: &train,
            test: &test,
            rounds,
            batch,
            moves: config.moves(),
            init_rng: &mut Stream::Init.rng(config.seed),
            rng: &mut Stream::Batches.rng(config.seed),
            decode_rng: &mut Stream::Decode.rng(config.seed),
            checkpoints,
            settings,
            progress: |r, t| {
                bar.set_message(format!(
                    "round {}/{rounds}: dR(Z) {:.3}, dR(Zhat) {:.3}, consistency {:.3}",
                    r + 1,
                    t.expand,
                    t.expand_hat,
                    t.consistency
                ));
                bar.inc(1);
            },
        },
    )?;
    bar.finish_and_clear();
    Ok(Results {
        config: config.clone(),
        toy,
        toy_official,
        sizes: (train.labels.len(), test.labels.len()),
        batch,
        digits: results,
    })
}
