//! The game on the shipped digits: MLP players, no pixel loss anywhere.
//!
//! After training we judge the encoder the way the official CTRL code does,
//! by nearest subspace on its features ([`chapter_04::evaluate::nearest_subspace`],
//! which fits chapter 1's PCA per class), and the decoder by what it draws:
//! reconstructions $g(f(x))$ of test digits, and digits decoded from random
//! points of each class's feature subspace.

use burn::module::AutodiffModule;
use burn::optim::Optimizer;
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;
use ndarray::{Array2, Axis};
use rand_distr::{Distribution, StandardNormal};

use crate::checkpoint::{self as ckpt, SAVE_EVERY, Settings, State};
use crate::data::{draw, index_tensor, pixel_rows};
use crate::game::TermValues;
use crate::nets::{Head, Mlp};
use crate::train::{Game, Moves, Players, adam, play};
use shared::burn::Job;
use shared::burn::checkpoint::{
    Saver, load_module, load_optimizer, restore_word_pos, save_module, save_optimizer,
};
use shared::burn::flags::Checkpoints;
use shared::burn::tensor::{from_rows, to_rows};
use shared::digits::{PIXELS, Split};
use shared::rng::Rng;
use shared::{Error, Result};

/// Widths of the encoder, pixels to features (the decoder mirrors it).
pub const ENCODER: [usize; 4] = [PIXELS, 512, 256, FEATURES];
/// Feature dimension $d$.
pub const FEATURES: usize = 32;
/// Principal directions per class for the nearest-subspace rule.
pub const COMPONENTS: usize = 4;
/// Test digits per class in the $|Z^\top\hat Z|$ heatmap.
pub const HEATMAP_PER_CLASS: usize = 20;
/// Test digits per class in the reconstruction grid.
pub const SHOWN_PER_CLASS: usize = 2;
/// Digits decoded from each class's subspace.
pub const DECODED_PER_CLASS: usize = 8;
/// Images per inference batch.
const EVAL_BATCH: usize = 1000;

/// What the digits run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct DigitsResults {
    /// The terms every round.
    pub trajectory: Vec<TermValues>,
    /// Nearest-subspace accuracy of the encoder's test features.
    pub accuracy: f64,
    /// The same for the features of the reconstructions, $f(g(f(x)))$.
    pub accuracy_hat: f64,
    /// The terms on the whole test split after training.
    pub test_terms: TermValues,
    /// Mean squared pixel error of $g(f(x))$ on the test split (pixels in $[-1, 1]$).
    pub pixel_mse: f64,
    /// $|Z^\top \hat Z|$ for [`HEATMAP_PER_CLASS`] test digits of each class, sorted by class.
    pub heatmap: Array2<f64>,
    /// Test digits (pixels in $[-1, 1]$), [`SHOWN_PER_CLASS`] per class.
    pub originals: Vec<Vec<f64>>,
    /// Their reconstructions.
    pub reconstructions: Vec<Vec<f64>>,
    /// [`DECODED_PER_CLASS`] digits decoded from random points of each class's subspace, class by class.
    pub decoded: Vec<Vec<f64>>,
}

/// The digits run as a [`Job`].
#[derive(Debug)]
pub struct DigitsRun<'a, P: FnMut(usize, &TermValues)> {
    /// Training split.
    pub train: &'a Split,
    /// Test split.
    pub test: &'a Split,
    /// Rounds of the game.
    pub rounds: usize,
    /// Images per round.
    pub batch: usize,
    /// How the players move.
    pub moves: Moves,
    /// Initial weights.
    pub init_rng: &'a mut Rng,
    /// The order of the batches.
    pub rng: &'a mut Rng,
    /// The points decoded from the class subspaces.
    pub decode_rng: &'a mut Rng,
    /// Called after every round.
    pub progress: P,
    /// Where to save checkpoints and which one to resume.
    pub checkpoints: &'a Checkpoints,
    /// The settings a checkpoint records (and a resumed run must match).
    pub settings: Settings,
}

impl<P: FnMut(usize, &TermValues)> Job for DigitsRun<'_, P> {
    type Output = DigitsResults;

    fn run<B: AutodiffBackend>(mut self, device: B::Device) -> Result<DigitsResults> {
        let n = self.train.labels.len();
        if self.batch == 0 || self.batch > n {
            return Err(Error::out_of_range(
                "batch",
                format!("between 1 and the {n} training digits"),
                self.batch,
            ));
        }
        for (name, split) in [("training", self.train), ("test", self.test)] {
            if split.labels.iter().any(|&l| l > 9) || split.class_counts().contains(&0) {
                return Err(Error::shape(
                    "digits",
                    format!("every class 0-9 present in the {name} split, and no other label"),
                    format!("class counts {:?}", split.class_counts()),
                ));
            }
        }
        let train_rows = pixel_rows(self.train);
        let x_train = from_rows::<B>(&train_rows, &device);
        let decoder_widths: Vec<usize> = ENCODER.iter().rev().copied().collect();
        let players = Players {
            encoder: Mlp::new(&ENCODER, true, Head::Sphere, &device, self.init_rng)?,
            decoder: Mlp::new(&decoder_widths, true, Head::Tanh, &device, self.init_rng)?,
        };
        let mut game = Game {
            players,
            encoder_optim: adam().init(),
            decoder_optim: adam().init(),
        };
        let mut order: Vec<usize> = Vec::new();
        let mut trajectory = Vec::with_capacity(self.rounds);
        let mut saver = Saver::new(self.checkpoints, "round", SAVE_EVERY)?;
        if let Some(dir) = &self.checkpoints.resume {
            let state = ckpt::resume(dir, &self.settings)?;
            let p = game.players;
            game.players = Players {
                encoder: load_module(dir, "encoder", p.encoder, &device)?,
                decoder: load_module(dir, "decoder", p.decoder, &device)?,
            };
            game.encoder_optim =
                load_optimizer::<B, _, _>(dir, "encoder_optimizer", game.encoder_optim, &device)?;
            game.decoder_optim =
                load_optimizer::<B, _, _>(dir, "decoder_optimizer", game.decoder_optim, &device)?;
            *self.rng = restore_word_pos(dir, &state.rng_word_pos, self.rng.clone())?;
            (trajectory, order) = (state.trajectory, state.order);
        }
        // A divergence before the next save names the checkpoint resumed from.
        let mut last_good: Option<std::path::PathBuf> = self.checkpoints.resume.clone();
        let (train, batch, rounds) = (self.train, self.batch, self.rounds);
        // Both the batches and the checkpoints read the order and the stream.
        let rng = std::cell::RefCell::new(&mut *self.rng);
        let order = std::cell::RefCell::new(order);
        let next_batch = |_| {
            let mut order = order.borrow_mut();
            let idx = draw(&mut order, train.labels.len(), batch, &mut rng.borrow_mut());
            let labels: Vec<usize> = idx.iter().map(|&i| train.labels[i]).collect();
            Ok((
                x_train.clone().select(0, index_tensor::<B>(&idx, &device)),
                labels,
            ))
        };
        let progress = &mut self.progress;
        let settings = &self.settings;
        let played = play(
            game,
            trajectory.len()..rounds,
            &self.moves,
            next_batch,
            |r, game, values| {
                progress(r, values);
                trajectory.push(*values);
                match saver.as_mut().filter(|s| s.due(r + 1, rounds)) {
                    Some(saver) => {
                        let state = State {
                            settings: settings.clone(),
                            rounds_done: r + 1,
                            trajectory: trajectory.clone(),
                            order: order.borrow().clone(),
                            rng_word_pos: rng.borrow().get_word_pos().to_string(),
                        };
                        last_good = Some(save(saver, r + 1, game, state)?);
                        Ok(())
                    }
                    None => Ok(()),
                }
            },
        );
        let game = played.map_err(|e| ckpt::with_last_good(e, last_good.as_deref()))?;
        let players = game.players;
        evaluate(
            &players,
            self.train,
            self.test,
            self.moves.eps_sq,
            self.decode_rng,
            trajectory,
            &device,
        )
    }
}

/// Writes the checkpoint after `round` of `game` with `state`.
fn save<B: AutodiffBackend, O: Optimizer<Mlp<B>, B>>(
    saver: &mut Saver,
    round: usize,
    game: &Game<B, O>,
    state: State,
) -> Result<std::path::PathBuf> {
    let p = &game.players;
    let estimate = 3 * 4 * (p.encoder.num_params() + p.decoder.num_params()) + (1 << 20);
    saver.save(round, estimate as u64, None, &state, |dir| {
        save_module(dir, "encoder", &p.encoder)?;
        save_module(dir, "decoder", &p.decoder)?;
        save_optimizer::<B, _, _>(dir, "encoder_optimizer", &game.encoder_optim)?;
        save_optimizer::<B, _, _>(dir, "decoder_optimizer", &game.decoder_optim)
    })
}

/// `net` applied to the rows of `x` in batches, on the host.
fn apply<B: Backend>(net: &Mlp<B>, x: &Array2<f64>, device: &B::Device) -> Result<Array2<f64>> {
    let mut parts = Vec::new();
    for chunk in x.axis_chunks_iter(Axis(0), EVAL_BATCH) {
        let out = net.forward(from_rows::<B>(&chunk.to_owned(), device));
        parts.push(to_rows(out, "features")?);
    }
    let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
    ndarray::concatenate(Axis(0), &views)
        .map_err(|e| Error::shape("features", "rows", e.to_string()))
}

/// Everything measured after training.
fn evaluate<B: AutodiffBackend>(
    players: &Players<B>,
    train: &Split,
    test: &Split,
    eps_sq: f64,
    rng: &mut Rng,
    trajectory: Vec<TermValues>,
    device: &B::Device,
) -> Result<DigitsResults> {
    let (f, g) = (players.encoder.valid(), players.decoder.valid());
    let z_train = apply(&f, &pixel_rows(train), device)?;
    let x_test = pixel_rows(test);
    let z_test = apply(&f, &x_test, device)?;
    let x_hat = apply(&g, &z_test, device)?;
    let z_hat = apply(&f, &x_hat, device)?;
    let accuracy_of = |z: &Array2<f64>| -> Result<f64> {
        let predicted =
            chapter_04::evaluate::nearest_subspace(z_train.t(), &train.labels, z.t(), COMPONENTS)?;
        Ok(chapter_04::evaluate::accuracy(&predicted, &test.labels))
    };
    let test_terms = crate::game::terms(
        from_rows::<B::InnerBackend>(&z_test, device),
        from_rows::<B::InnerBackend>(&z_hat, device),
        &test.labels,
        eps_sq,
    )?
    .values()?;
    let pixel_mse = (&x_test - &x_hat)
        .mapv(|v| v * v)
        .mean()
        .ok_or_else(|| Error::shape("test split", "at least one digit", "none"))?;
    let sorted = by_class(&test.labels, HEATMAP_PER_CLASS);
    let heatmap = z_test
        .select(Axis(0), &sorted)
        .dot(&z_hat.select(Axis(0), &sorted).t())
        .mapv(f64::abs);
    let shown = by_class(&test.labels, SHOWN_PER_CLASS);
    let rows =
        |m: &Array2<f64>| -> Vec<Vec<f64>> { shown.iter().map(|&i| m.row(i).to_vec()).collect() };
    let decoded = decode_class_subspaces(&g, &z_train, &train.labels, rng, device)?;
    Ok(DigitsResults {
        trajectory,
        accuracy: accuracy_of(&z_test)?,
        accuracy_hat: accuracy_of(&z_hat)?,
        test_terms,
        pixel_mse,
        heatmap,
        originals: rows(&x_test),
        reconstructions: rows(&x_hat),
        decoded,
    })
}

/// The first `per_class` indices of each class 0–9, class by class.
fn by_class(labels: &[usize], per_class: usize) -> Vec<usize> {
    (0..10)
        .flat_map(|j| {
            labels
                .iter()
                .enumerate()
                .filter(move |&(_, &l)| l == j)
                .map(|(i, _)| i)
                .take(per_class)
        })
        .collect()
}

/// For each class: the top [`COMPONENTS`] principal directions $U_j$ of its
/// training features (chapter 1's PCA) and their variances; random points
/// $z = U_j c / \|U_j c\|$ with $c \sim \mathcal N(0, \operatorname{diag}\lambda_j)$,
/// decoded by $g$.
fn decode_class_subspaces<B: Backend>(
    g: &Mlp<B>,
    z_train: &Array2<f64>,
    labels: &[usize],
    rng: &mut Rng,
    device: &B::Device,
) -> Result<Vec<Vec<f64>>> {
    let mut points = Array2::zeros((10 * DECODED_PER_CLASS, z_train.ncols()));
    for j in 0..10 {
        let idx: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == j).collect();
        let zj = z_train.select(Axis(0), &idx);
        let k = COMPONENTS.min(zj.ncols()).min(zj.nrows());
        let (values, u) = chapter_01::top_eigenpairs(zj.t().dot(&zj).view(), k, j as u64)?;
        for s in 0..DECODED_PER_CLASS {
            let c: Vec<f64> = values
                .iter()
                .map(|&l| {
                    let g: f64 = StandardNormal.sample(rng);
                    (l / idx.len() as f64).max(0.0).sqrt() * g
                })
                .collect();
            let z = u.dot(&ndarray::Array1::from(c));
            let norm = z.dot(&z).sqrt().max(1e-12);
            points
                .row_mut(j * DECODED_PER_CLASS + s)
                .assign(&(z / norm));
        }
    }
    Ok(apply(g, &points, device)?
        .rows()
        .into_iter()
        .map(|r| r.to_vec())
        .collect())
}
