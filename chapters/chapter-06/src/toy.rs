//! The linear toy: the game on a union of subspaces, in seconds.
//!
//! Data from $k$ random $r$-dimensional subspaces of $\mathbb R^D$ (plus a
//! little noise), a linear encoder $f(x) = Wx/\|Wx\|$ into $\mathbb R^d$ and a
//! linear decoder $g(z) = Vz$. For a linear version of this game played
//! sequentially (Pai, Psenka, Chiu, Wu, Dobriban and Ma, 2022; textbook Ch. 5
//! §5.2), the equilibria put the classes on orthogonal subspaces; spread
//! evenly within each, they would reach the value of
//! [`orthogonal_isotropic`], and make each class consistent with its
//! reconstruction, $\Delta R(Z_j, \hat Z_j) = 0$, which is only a statement
//! about second moments of features: nothing asks $g(f(x))$ to equal $x$,
//! and $f$'s normalization hides the scale of $g(f(x))$ altogether.

use burn::tensor::backend::AutodiffBackend;
use ndarray::{Array2, Axis};

use crate::game::TermValues;
use crate::nets::{Head, Mlp};
use crate::train::{Game, Moves, Players, adam, play};
use shared::burn::Job;
use shared::burn::tensor::{from_rows, to_rows};
use shared::data::UnionOfSubspaces;
use shared::rng::Rng;
use shared::{Error, Result};

/// The toy's setting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Setup {
    /// Ambient dimension $D$.
    pub ambient: usize,
    /// Classes $k$.
    pub classes: usize,
    /// Dimension $r$ of each class's subspace.
    pub rank: usize,
    /// Samples per class.
    pub per_class: usize,
    /// Standard deviation of the isotropic noise.
    pub noise: f64,
    /// Feature dimension $d$.
    pub features: usize,
    /// Rounds of the game (full batch).
    pub rounds: usize,
    /// $\varepsilon^2$, learning rate and encoder steps per round.
    pub moves: Moves,
}

/// The toy as the reference describes it: three planes in $\mathbb R^{20}$,
/// 300 points each, noise 0.05, features in $\mathbb R^8$, Adam at 0.01.
pub const SETUP: Setup = Setup {
    ambient: 20,
    classes: 3,
    rank: 2,
    per_class: 300,
    noise: 0.05,
    features: 8,
    rounds: 1000,
    moves: Moves {
        eps_sq: 0.5,
        lr: 1e-2,
        encoder_steps: 1,
        decoder_steps: 1,
        gammas: [1.0, 0.0, 1.0],
    },
};

/// $\Delta R$ of $k$ equal classes of unit features, each spread isotropically
/// over its own $r$ of $d$ orthogonal directions:
/// $\frac{kr}2\ln(1 + \frac{d}{kr\varepsilon^2}) - \frac r2\ln(1 + \frac{d}{r\varepsilon^2})$.
///
/// # Errors
/// $kr > d$, a zero size, or `eps_sq` not finite and positive.
pub fn orthogonal_isotropic(d: usize, k: usize, r: usize, eps_sq: f64) -> Result<f64> {
    if d == 0 || k == 0 || r == 0 || k * r > d {
        return Err(Error::out_of_range(
            "k r",
            format!("between 1 and d = {d}"),
            k * r,
        ));
    }
    if !(eps_sq.is_finite() && eps_sq > 0.0) {
        return Err(Error::out_of_range("eps_sq", "finite and > 0", eps_sq));
    }
    let (d, kr, r) = (d as f64, (k * r) as f64, r as f64);
    Ok(kr / 2.0 * (1.0 + d / (kr * eps_sq)).ln() - r / 2.0 * (1.0 + d / (r * eps_sq)).ln())
}

/// What the toy measured.
#[derive(Debug, Clone, PartialEq)]
pub struct ToyResults {
    /// The setting.
    pub setup: Setup,
    /// The terms every round.
    pub trajectory: Vec<TermValues>,
    /// [`orthogonal_isotropic`] for the setting.
    pub target: f64,
    /// Mean $|z_i^\top z_j|$ over pairs of different classes after the game.
    pub cross_class: f64,
    /// Mean $|z_i^\top z_j|$ over pairs of the same class (for scale).
    pub same_class: f64,
    /// Mean relative residual of $g(f(x))$ off its own class's subspace.
    pub residual_own: f64,
    /// Mean relative residual of $g(f(x))$ off the nearest other class's subspace.
    pub residual_other: f64,
    /// Fraction of points whose reconstruction is nearest its own class's subspace.
    pub decoded_in_class: f64,
    /// Mean $\|x - g(f(x))\| / \|x\|$: not optimized, reported to show it.
    pub reconstruction_error: f64,
    /// Mean $\|g(f(x))\| / \|x\|$: the game cannot see scale ($f$ normalizes).
    pub scale: f64,
}

/// The toy as a [`Job`] (it runs on either backend).
#[derive(Debug)]
pub struct Toy<'a> {
    /// The setting.
    pub setup: Setup,
    /// Draws the data and the initial maps.
    pub rng: &'a mut Rng,
}

impl Job for Toy<'_> {
    type Output = ToyResults;

    fn run<B: AutodiffBackend>(self, device: B::Device) -> Result<ToyResults> {
        let s = self.setup;
        let target = orthogonal_isotropic(s.features, s.classes, s.rank, s.moves.eps_sq)?;
        if s.classes < 2 {
            return Err(Error::out_of_range("classes", "at least 2", s.classes));
        }
        let data = UnionOfSubspaces::sample(
            self.rng,
            s.ambient,
            &vec![s.rank; s.classes],
            s.per_class,
            s.noise,
        )?;
        let x_rows = data.x.t().to_owned();
        let x = from_rows::<B>(&x_rows, &device);
        let players = Players {
            encoder: Mlp::new(
                &[s.ambient, s.features],
                false,
                Head::Sphere,
                &device,
                self.rng,
            )?,
            decoder: Mlp::new(
                &[s.features, s.ambient],
                false,
                Head::Identity,
                &device,
                self.rng,
            )?,
        };
        let game = Game {
            players,
            encoder_optim: adam().init(),
            decoder_optim: adam().init(),
        };
        let mut trajectory = Vec::with_capacity(s.rounds);
        let game = play(
            game,
            0..s.rounds,
            &s.moves,
            |_| Ok((x.clone(), data.labels.clone())),
            |_, _, values| {
                trajectory.push(*values);
                Ok(())
            },
        )?;
        let players = game.players;
        let z = to_rows(players.encode(x.clone()), "features")?;
        let x_hat = to_rows(players.reconstruct(x), "features")?;
        let (same_class, cross_class) = class_overlaps(&z, &data.labels);
        let (residual_own, residual_other, decoded_in_class) =
            subspace_residuals(&x_hat, &data.labels, &data.bases);
        let n = x_rows.nrows() as f64;
        let norm = |v: ndarray::ArrayView1<f64>| v.dot(&v).sqrt();
        let reconstruction_error = (&x_rows - &x_hat)
            .rows()
            .into_iter()
            .zip(x_rows.rows())
            .map(|(e, x)| norm(e) / norm(x))
            .sum::<f64>()
            / n;
        let scale = x_hat
            .rows()
            .into_iter()
            .zip(x_rows.rows())
            .map(|(h, x)| norm(h) / norm(x))
            .sum::<f64>()
            / n;
        Ok(ToyResults {
            setup: s,
            trajectory,
            target,
            cross_class,
            same_class,
            residual_own,
            residual_other,
            decoded_in_class,
            reconstruction_error,
            scale,
        })
    }
}

/// Mean $|z_i^\top z_j|$ over distinct pairs of the same class and of different classes.
fn class_overlaps(z: &Array2<f64>, labels: &[usize]) -> (f64, f64) {
    let gram = z.dot(&z.t()).mapv(f64::abs);
    let (mut same, mut cross) = ((0.0, 0usize), (0.0, 0usize));
    for ((i, j), &v) in gram.indexed_iter() {
        if i == j {
            continue;
        }
        let slot = if labels[i] == labels[j] {
            &mut same
        } else {
            &mut cross
        };
        slot.0 += v;
        slot.1 += 1;
    }
    (
        same.0 / same.1.max(1) as f64,
        cross.0 / cross.1.max(1) as f64,
    )
}

/// For each row of `x_hat`: the relative residual off its own class's basis,
/// off the nearest other basis, and whether its own is the nearest.
fn subspace_residuals(
    x_hat: &Array2<f64>,
    labels: &[usize],
    bases: &[Array2<f64>],
) -> (f64, f64, f64) {
    let residual = |x: ndarray::ArrayView1<f64>, u: &Array2<f64>| {
        let r = &x - &u.dot(&u.t().dot(&x));
        r.dot(&r).sqrt() / x.dot(&x).sqrt().max(1e-300)
    };
    let (mut own, mut other, mut hits) = (0.0, 0.0, 0usize);
    for (x, &label) in x_hat.axis_iter(Axis(0)).zip(labels) {
        let r: Vec<f64> = bases.iter().map(|u| residual(x, u)).collect();
        let nearest_other = shared::error::nan_max(
            r.iter()
                .enumerate()
                .filter(|&(j, _)| j != label)
                .map(|(_, v)| -v),
        );
        own += r[label];
        other -= nearest_other;
        hits += usize::from(r[label] < -nearest_other);
    }
    let n = labels.len().max(1) as f64;
    (own / n, other / n, hits as f64 / n)
}
