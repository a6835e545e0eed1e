//! The closed-loop transcription game (textbook Ch. 5 §5.2; Dai et al., CTRL, 2022).
//!
//! An encoder $f$ maps data to unit features $Z = f(X)$, a decoder $g$ maps
//! them back, $\hat X = g(Z)$, and the encoder looks again: $\hat Z = f(\hat X)$.
//! Both players score the same quantity, computed in feature space only:
//! $$\mathcal T = \Delta R(Z) + \Delta R(\hat Z) + \sum_j \Delta R(Z_j, \hat Z_j),\qquad
//!   \Delta R(Z_j, \hat Z_j) = R(Z_j \cup \hat Z_j) - \tfrac12\big(R(Z_j) + R(\hat Z_j)\big).$$
//! The encoder maximizes it (spread the classes apart, and tell each class
//! from its reconstruction); the decoder minimizes it through $\hat Z$: it
//! lowers the last term by making its reconstructions of class $j$, as far
//! as the encoder can tell, the same distribution as class $j$, and (unless
//! $\gamma_2 = 0$) the middle one by making the reconstructed classes less
//! separable.

use burn::prelude::*;

use crate::rate::coding_rates;
use shared::burn::tensor::to_host;
use shared::{Error, Result};

/// The three terms of $\mathcal T$ as one-element tensors (differentiable).
#[derive(Debug, Clone)]
pub struct Terms<B: Backend> {
    /// $\Delta R(Z) = R(Z) - R_c(Z)$: how spread out the data's features are, class by class.
    pub expand: Tensor<B, 1>,
    /// $\Delta R(\hat Z)$, the same for the reconstructions' features.
    pub expand_hat: Tensor<B, 1>,
    /// $\sum_j \Delta R(Z_j, \hat Z_j)$: how far each class is from its reconstruction.
    pub consistency: Tensor<B, 1>,
}

/// [`Terms`] on the host.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct TermValues {
    /// $\Delta R(Z)$.
    pub expand: f64,
    /// $\Delta R(\hat Z)$.
    pub expand_hat: f64,
    /// $\sum_j \Delta R(Z_j, \hat Z_j)$.
    pub consistency: f64,
}

impl TermValues {
    /// The weighted total, as [`Terms::total`].
    pub fn total(&self, gammas: &Gammas) -> f64 {
        gammas[0] * self.expand + gammas[1] * self.expand_hat + gammas[2] * self.consistency
    }
}

/// Weights $(\gamma_1, \gamma_2, \gamma_3)$ of the three terms (the official
/// `gam1`, `gam2`, `gam3`).
pub type Gammas = [f64; 3];

/// The official weights: every term counts once.
pub const OFFICIAL: Gammas = [1.0, 1.0, 1.0];

impl<B: Backend> Terms<B> {
    /// $\gamma_1\Delta R(Z) + \gamma_2\Delta R(\hat Z) + \gamma_3\sum_j \Delta R(Z_j, \hat Z_j)$,
    /// the encoder's gain and the decoder's loss.
    pub fn total(&self, gammas: &Gammas) -> Tensor<B, 1> {
        self.expand.clone().mul_scalar(gammas[0])
            + self.expand_hat.clone().mul_scalar(gammas[1])
            + self.consistency.clone().mul_scalar(gammas[2])
    }

    /// The values on the host.
    ///
    /// # Errors
    /// [`Error::NumericalFailure`] if a term is not finite.
    pub fn values(&self) -> Result<TermValues> {
        let all = Tensor::cat(
            vec![
                self.expand.clone(),
                self.expand_hat.clone(),
                self.consistency.clone(),
            ],
            0,
        );
        let v = to_host(all, "the CTRL objective")?;
        Ok(TermValues {
            expand: f64::from(v[0]),
            expand_hat: f64::from(v[1]),
            consistency: f64::from(v[2]),
        })
    }
}

/// The rows of each class present in `labels` (chapter 4's grouping: label
/// values are names, so a large or sparse one costs nothing), as index tensors.
fn class_rows<B: Backend>(labels: &[usize], device: &B::Device) -> Vec<Tensor<B, 1, Int>> {
    chapter_04::rate::class_indices(labels)
        .into_iter()
        .map(|(_, rows)| {
            let n = rows.len();
            let rows: Vec<i64> = rows.into_iter().map(|i| i as i64).collect();
            Tensor::from_data(TensorData::new(rows, [n]), device)
        })
        .collect()
}

// ANCHOR: terms
/// The terms of $\mathcal T$ for features `z` and `z_hat` (`[m, d]` each, row
/// $i$ of both belonging to class `labels[i]`), from one batched log-det of
/// $2 + 3k$ matrices: $Z$, $\hat Z$, and per class $Z_j$, $\hat Z_j$, $Z_j \cup \hat Z_j$.
/// $R_c(Z) = \sum_j \frac{m_j}{m} R(Z_j)$ as in chapter 4.
///
/// # Errors
/// Shapes that disagree, `labels` not one per row, or as [`coding_rates`].
pub fn terms<B: Backend>(
    z: Tensor<B, 2>,
    z_hat: Tensor<B, 2>,
    labels: &[usize],
    eps_sq: f64,
) -> Result<Terms<B>> {
    let [m, d] = z.dims();
    if z_hat.dims() != [m, d] || labels.len() != m {
        return Err(Error::shape(
            "z, z_hat, labels",
            "two [m, d] feature sets and m labels",
            format!(
                "{:?}, {:?}, {} labels",
                z.dims(),
                z_hat.dims(),
                labels.len()
            ),
        ));
    }
    // BEGIN SOLUTION 6.2: the game's three terms
    let rows = class_rows::<B>(labels, &z.device());
    let k = rows.len();
    let z_j: Vec<_> = rows
        .iter()
        .map(|r| z.clone().select(0, r.clone()))
        .collect();
    let z_hat_j: Vec<_> = rows
        .iter()
        .map(|r| z_hat.clone().select(0, r.clone()))
        .collect();
    let union_j: Vec<_> = z_j
        .iter()
        .zip(&z_hat_j)
        .map(|(a, b)| Tensor::cat(vec![a.clone(), b.clone()], 0))
        .collect();
    let mut sets = vec![z, z_hat];
    sets.extend(z_j.iter().cloned());
    sets.extend(z_hat_j.iter().cloned());
    sets.extend(union_j);
    let rates = coding_rates(&sets, eps_sq)?;
    let rate = |i: usize| rates.clone().narrow(0, i, 1);
    let share = |j: usize| rows[j].dims()[0] as f64 / m as f64;
    let mut expand = rate(0);
    let mut expand_hat = rate(1);
    let mut consistency = Tensor::zeros([1], &rates.device());
    for j in 0..k {
        let (r, r_hat, r_union) = (rate(2 + j), rate(2 + k + j), rate(2 + 2 * k + j));
        expand = expand - r.clone().mul_scalar(share(j));
        expand_hat = expand_hat - r_hat.clone().mul_scalar(share(j));
        consistency = consistency + r_union - (r + r_hat).mul_scalar(0.5);
    }
    Ok(Terms {
        expand,
        expand_hat,
        consistency,
    })
    // END SOLUTION
}
// ANCHOR_END: terms

/// The label-free (binary) game's objective $\Delta R(Z, \hat Z) =
/// R(Z \cup \hat Z) - \frac12(R(Z) + R(\hat Z))$: data and reconstructions
/// as the two classes. The two sets must be the same size: the weights
/// $\frac12$ are the union's mixture weights, which is what makes the value
/// $\ge 0$ (concavity of $\log\det$).
///
/// # Errors
/// Sets of different shapes, or as [`terms`].
pub fn binary<B: Backend>(
    z: Tensor<B, 2>,
    z_hat: Tensor<B, 2>,
    eps_sq: f64,
) -> Result<Tensor<B, 1>> {
    if z.dims() != z_hat.dims() {
        return Err(Error::shape(
            "z, z_hat",
            "feature sets of the same shape",
            format!("{:?}, {:?}", z.dims(), z_hat.dims()),
        ));
    }
    let union = Tensor::cat(vec![z.clone(), z_hat.clone()], 0);
    let r = coding_rates(&[union, z, z_hat], eps_sq)?;
    Ok(r.clone().narrow(0, 0, 1) - (r.clone().narrow(0, 1, 1) + r.narrow(0, 2, 1)).mul_scalar(0.5))
}
