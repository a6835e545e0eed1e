//! Playing the game: alternating steps of the two players.

use burn::module::AutodiffModule;
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;

use crate::game::{Gammas, TermValues, terms};
use crate::nets::Mlp;
use shared::Result;

/// The encoder $f$ and the decoder $g$.
#[derive(Debug, Clone)]
pub struct Players<B: AutodiffBackend> {
    /// $f$: data → unit features.
    pub encoder: Mlp<B>,
    /// $g$: features → data.
    pub decoder: Mlp<B>,
}

/// Adam with $\beta_1 = 0.5$, as the official code sets it for both players
/// (the usual 0.9 makes adversarial games oscillate).
pub fn adam() -> AdamConfig {
    AdamConfig::new().with_beta_1(0.5).with_beta_2(0.999)
}

/// How the players move.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moves {
    /// $\varepsilon^2$ of every coding rate.
    pub eps_sq: f64,
    /// Learning rate of both players.
    pub lr: f64,
    /// Encoder steps per round (the official `INNER_LOOP`).
    pub encoder_steps: usize,
    /// Decoder steps per round.
    pub decoder_steps: usize,
    /// Weights of the three terms.
    pub gammas: Gammas,
}

impl<B: AutodiffBackend> Players<B> {
    /// $g(f(x))$ without a graph: while the encoder moves, the
    /// reconstructions $\hat X$ are data to it (their features $f(\hat X)$ still
    /// move with it).
    pub fn reconstruct(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        let (f, g) = (self.encoder.valid(), self.decoder.valid());
        Tensor::from_inner(g.forward(f.forward(x.inner())))
    }

    /// $f(x)$ without a graph.
    pub fn encode(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        Tensor::from_inner(self.encoder.valid().forward(x.inner()))
    }
}

// ANCHOR: round
/// One round of the game on the batch `x` (`[m, pixels]`) with `labels`:
/// `encoder_steps` ascent steps of the encoder on $\mathcal T$ with $\hat X$
/// held fixed, then `decoder_steps` descent steps of the decoder on
/// $\mathcal T$ with $Z$ held fixed (its gradient reaches it through
/// $\hat Z = f(g(Z))$). Returns the players and the terms the decoder's
/// first step saw (after the encoder's moves).
///
/// # Errors
/// [`shared::Error::OutOfRange`] for zero steps;
/// [`shared::Error::NumericalFailure`] if a term is not finite (the game diverged).
pub fn round<B, OE, OD>(
    mut players: Players<B>,
    encoder_optim: &mut OE,
    decoder_optim: &mut OD,
    x: Tensor<B, 2>,
    labels: &[usize],
    moves: &Moves,
) -> Result<(Players<B>, TermValues)>
where
    B: AutodiffBackend,
    OE: Optimizer<Mlp<B>, B>,
    OD: Optimizer<Mlp<B>, B>,
{
    for (name, steps) in [
        ("encoder_steps", moves.encoder_steps),
        ("decoder_steps", moves.decoder_steps),
    ] {
        if steps == 0 {
            return Err(shared::Error::out_of_range(name, "at least 1", 0));
        }
    }
    // BEGIN SOLUTION 6.3: one round of the game
    for _ in 0..moves.encoder_steps {
        let x_hat = players.reconstruct(x.clone());
        let f = &players.encoder;
        let t = terms(f.forward(x.clone()), f.forward(x_hat), labels, moves.eps_sq)?;
        let grads = GradientsParams::from_grads(t.total(&moves.gammas).neg().backward(), f);
        players.encoder = encoder_optim.step(moves.lr, players.encoder, grads);
    }
    let z = players.encode(x);
    let mut first = TermValues::default();
    for step in 0..moves.decoder_steps {
        let z_hat = players.encoder.forward(players.decoder.forward(z.clone()));
        let t = terms(z.clone(), z_hat, labels, moves.eps_sq)?;
        let seen = t.values()?;
        if step == 0 {
            first = seen;
        }
        let grads =
            GradientsParams::from_grads(t.total(&moves.gammas).backward(), &players.decoder);
        players.decoder = decoder_optim.step(moves.lr, players.decoder, grads);
    }
    Ok((players, first))
    // END SOLUTION
}
// ANCHOR_END: round

/// A game in progress: the players and their optimizers.
#[derive(Debug)]
pub struct Game<B: AutodiffBackend, O> {
    /// The encoder and the decoder.
    pub players: Players<B>,
    /// The encoder's Adam.
    pub encoder_optim: O,
    /// The decoder's Adam.
    pub decoder_optim: O,
}

/// The one training loop of the chapter: rounds `rounds` of the game, each
/// on the batch `batch(r)` returns (`[m, pixels]` and its labels), calling
/// `after(r, &game, &terms)` after each round (progress, trajectory,
/// checkpoints). Returns the game after the last round.
///
/// # Errors
/// As [`round`], `batch` and `after`.
pub fn play<B, O>(
    mut game: Game<B, O>,
    rounds: std::ops::Range<usize>,
    moves: &Moves,
    mut batch: impl FnMut(usize) -> Result<(Tensor<B, 2>, Vec<usize>)>,
    mut after: impl FnMut(usize, &Game<B, O>, &TermValues) -> Result<()>,
) -> Result<Game<B, O>>
where
    B: AutodiffBackend,
    O: Optimizer<Mlp<B>, B>,
{
    for r in rounds {
        let (x, labels) = batch(r)?;
        let (players, values) = round(
            game.players,
            &mut game.encoder_optim,
            &mut game.decoder_optim,
            x,
            &labels,
            moves,
        )?;
        game.players = players;
        after(r, &game, &values)?;
    }
    Ok(game)
}
