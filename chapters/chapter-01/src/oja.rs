//! Oja's rule: PCA from a stream of samples.
//!
//! Each sample nudges the current basis toward itself, in proportion to how
//! much of it the basis already explains: $U \leftarrow \operatorname{orth}(U + \gamma\, x (x^\top U))$.
//! For one component this is Oja's neuron $u \leftarrow (u + \gamma \eta x)/\|\cdot\|$
//! with output $\eta = u^\top x$. In expectation the step is a power-iteration
//! step on $I + \gamma \Sigma$, so it finds the same subspace from one sample at a time,
//! with noise that the gain $\gamma$ trades against speed.

use ndarray::{Array2, ArrayView2, Axis};

use shared::error::{ensure_finite, ensure_finite_output, ensure_nonnegative};
use shared::linalg::{orthonormalize_columns, random_orthonormal};
use shared::rng::Rng;
use shared::{Error, Result};

// ANCHOR: oja
/// A `D × k` orthonormal basis learned by Oja's subspace rule with gain `gain`
/// over `passes` sweeps through the columns of `x` (centered, `D × N`),
/// starting from a random basis drawn from `rng`.
///
/// # Errors
/// Non-finite `x`; `k` outside `1..=D`; `gain` negative or not finite;
/// [`Error::NumericalFailure`] if the basis overflows (a gain far too large).
pub fn oja_subspace(
    x: ArrayView2<f64>,
    k: usize,
    gain: f64,
    passes: usize,
    rng: &mut Rng,
) -> Result<Array2<f64>> {
    ensure_finite("x", x.iter())?;
    if k == 0 || k > x.nrows() {
        return Err(Error::out_of_range(
            "k",
            format!("between 1 and D = {}", x.nrows()),
            k,
        ));
    }
    ensure_nonnegative("gain", gain)?;
    let mut u = random_orthonormal(rng, x.nrows(), k);
    for _ in 0..passes {
        for sample in x.axis_iter(Axis(1)) {
            let outputs = sample.dot(&u); // η = Uᵀx, length k
            for (mut column, eta) in u.axis_iter_mut(Axis(1)).zip(outputs.iter()) {
                column.scaled_add(gain * eta, &sample);
            }
            orthonormalize_columns(&mut u);
        }
    }
    ensure_finite_output("oja_subspace", "the basis", u.iter())?;
    Ok(u)
}
// ANCHOR_END: oja
