//! Matrices between ndarray (the host, `f64`) and Burn tensors (`f32`).
//!
//! The one place the Burn chapters cross between the two: everything the
//! chapters compute on the host (PCA, nearest subspace, reports) is an
//! [`ndarray::Array2<f64>`]; everything trained is a Burn tensor.

use burn::prelude::*;
use ndarray::Array2;

use crate::{Error, Result};

/// An `[n, d]` host matrix as a tensor (rounded to `f32`).
pub fn from_rows<B: Backend>(rows: &Array2<f64>, device: &B::Device) -> Tensor<B, 2> {
    let values: Vec<f32> = rows.iter().map(|&v| v as f32).collect();
    Tensor::from_data(
        TensorData::new(values, [rows.nrows(), rows.ncols()]),
        device,
    )
}

/// The values of `t` on the host as `f32`, row-major, or an error naming
/// `what` if one is not finite.
///
/// # Errors
/// [`Error::NumericalFailure`] if the data cannot be read as `f32` or an
/// entry is NaN or infinite.
pub fn to_host<B: Backend, const D: usize>(
    t: Tensor<B, D>,
    what: &'static str,
) -> Result<Vec<f32>> {
    let values: Vec<f32> =
        t.into_data()
            .convert::<f32>()
            .to_vec()
            .map_err(|e| Error::NumericalFailure {
                algorithm: what,
                detail: format!("{e:?}"),
            })?;
    if let Some(bad) = values.iter().find(|v| !v.is_finite()) {
        return Err(Error::NumericalFailure {
            algorithm: what,
            detail: format!(
                "an entry is {bad} (NaN in the data, or a diverged run: lower the learning rate)"
            ),
        });
    }
    Ok(values)
}

/// A rank-2 tensor as an `[n, d]` host matrix in `f64`.
///
/// # Errors
/// As [`to_host`].
pub fn to_rows<B: Backend>(t: Tensor<B, 2>, what: &'static str) -> Result<Array2<f64>> {
    let [n, d] = t.dims();
    let values = to_host(t, what)?;
    Array2::from_shape_vec((n, d), values.into_iter().map(f64::from).collect())
        .map_err(|e| Error::shape(what, format!("{n} x {d}"), e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::burn::Cpu;

    #[test]
    fn rows_round_trip_and_non_finite_is_an_error() {
        let a = Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f64 - 5.5);
        let t = from_rows::<Cpu>(&a, &Default::default());
        assert_eq!(t.dims(), [3, 4]);
        assert_eq!(to_rows(t, "a").unwrap(), a);
        let mut b = a.clone();
        b[[2, 1]] = f64::NAN;
        let t = from_rows::<Cpu>(&b, &Default::default());
        assert!(matches!(
            to_rows(t, "b"),
            Err(Error::NumericalFailure { .. })
        ));
    }
}
