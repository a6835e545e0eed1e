//! Centering the data and forming its covariance, fast in either layout.
//!
//! PCA needs the mean $\mu = \frac1N\sum_j x_j$ and the scatter
//! $X_cX_c^\top$ of the centered data $X_c = X - \mu 1^\top$ (`D × D`). The
//! arithmetic is a few passes over `D × N` numbers and one matrix product;
//! what decides the speed is reading memory in the order it lies. Data
//! usually arrive as an `N × D` array (a sample per row), whose transpose,
//! our `D × N`, has contiguous *columns*; a `D × N` array has contiguous
//! *rows*. Every pass here runs along whichever is contiguous, on slices the
//! compiler vectorizes, and the centered data are never stored whole: they
//! are formed [`GRAM_CHUNK`] samples at a time into one reused buffer and
//! multiplied at once, while the buffer is still in cache.
//!
//! Entries are scaled by a power of two, $2^{-e}$, that brings the largest
//! centered entry near 1 (exact: only the exponent changes), so the products
//! neither overflow nor fall into the subnormal range.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, CowArray, Ix2, ShapeBuilder, s};

use shared::Result;
use shared::error::ensure_finite;
use shared::linalg::{ldexp, magnitude_exponent};

/// Samples centered per block of [`Centered::scatter`].
pub const GRAM_CHUNK: usize = 512;

/// `D × N` data in a layout with contiguous lanes.
#[derive(Debug)]
enum Lanes<'a> {
    /// Contiguous columns: each sample's `D` coordinates (a transposed `N × D` array).
    Samples(ArrayView2<'a, f64>),
    /// Contiguous rows: each coordinate's `N` values (row-major, copied into
    /// this layout if the input had neither).
    Coordinates(CowArray<'a, f64, Ix2>),
}

/// Data checked finite, with their mean and the exponent of the centering.
#[derive(Debug)]
pub struct Centered<'a> {
    lanes: Lanes<'a>,
    /// $\mu$ (`D`).
    pub mean: Array1<f64>,
    /// $e$: the centered entries are scaled by $2^{-e}$.
    pub exponent: i32,
}

impl<'a> Centered<'a> {
    /// Checks `x` (`D × N`, `N ≥ 1`) and computes its mean and the scaling
    /// exponent: two read passes.
    ///
    /// # Errors
    /// NaN or infinity in `x` (named `name`); a mean that does not fit in an `f64`.
    pub fn new(name: &'static str, x: ArrayView2<'a, f64>) -> Result<Self> {
        let lanes = if x.stride_of(Axis(0)) == 1 && x.t().is_standard_layout() {
            Lanes::Samples(x)
        } else if x.is_standard_layout() {
            Lanes::Coordinates(CowArray::from(x))
        } else {
            Lanes::Coordinates(CowArray::from(x.as_standard_layout().into_owned()))
        };
        let (largest, sums) = lanes.magnitudes_and_sums();
        // A NaN or an infinity makes its coordinate's sum non-finite (as
        // does a sum that overflows, which the full check then clears).
        if !(largest.is_finite() && sums.iter().all(|s| s.is_finite())) {
            ensure_finite(name, x.iter())?;
        }
        let samples = x.ncols() as f64;
        // The plain sums are exact up to rounding unless a partial sum could
        // overflow or come near the subnormal range; then sum again, scaled.
        let plain = largest * samples <= f64::MAX / 4.0
            && (largest == 0.0 || largest >= f64::MIN_POSITIVE * 2f64.powi(120));
        let mean = if plain {
            sums / samples
        } else {
            lanes.scaled_mean(largest)
        };
        shared::error::ensure_finite_output("pca", "the mean", mean.iter())?;
        let exponent = magnitude_exponent([lanes.largest_centered(mean.view())].iter());
        Ok(Centered {
            lanes,
            mean,
            exponent,
        })
    }

    /// $X_c2^{-e}$ (`D × N`), stored whole (for the matrix-free operator when `D > N`).
    pub fn matrix(&self) -> Array2<f64> {
        let scale = scaler(self.exponent);
        match &self.lanes {
            Lanes::Samples(x) => {
                let mut out = Array2::zeros(x.raw_dim().f());
                for (mut o, column) in out.columns_mut().into_iter().zip(x.columns()) {
                    center_into(
                        o.as_slice_mut().expect("contiguous"),
                        column,
                        &self.mean,
                        &scale,
                    );
                }
                out
            }
            Lanes::Coordinates(x) => {
                let mut out = Array2::zeros(x.raw_dim());
                for ((mut o, row), &mu) in out.rows_mut().into_iter().zip(x.rows()).zip(&self.mean)
                {
                    let o = o.as_slice_mut().expect("contiguous");
                    for (o, &v) in o.iter_mut().zip(row.as_slice().expect("contiguous")) {
                        *o = scale(v - mu);
                    }
                }
                out
            }
        }
    }

    /// The scatter $X_cX_c^\top 2^{-2e}$ (`D × D`) without storing $X_c$:
    /// [`GRAM_CHUNK`] samples at a time are centered into one reused buffer,
    /// laid out like the input, and their products accumulate.
    pub fn scatter(&self) -> Array2<f64> {
        let scale = scaler(self.exponent);
        let (dim, samples) = match &self.lanes {
            Lanes::Samples(x) => x.dim(),
            Lanes::Coordinates(x) => x.dim(),
        };
        let width = GRAM_CHUNK.min(samples);
        let mut buffer = match &self.lanes {
            Lanes::Samples(_) => Array2::zeros((dim, width).f()),
            Lanes::Coordinates(_) => Array2::zeros((dim, width)),
        };
        let mut scatter = Array2::zeros((dim, dim));
        for start in (0..samples).step_by(GRAM_CHUNK) {
            let end = (start + GRAM_CHUNK).min(samples);
            let mut block = buffer.slice_mut(s![.., ..end - start]);
            match &self.lanes {
                Lanes::Samples(x) => {
                    let columns = x.slice(s![.., start..end]);
                    for (mut b, column) in block.columns_mut().into_iter().zip(columns.columns()) {
                        center_into(
                            b.as_slice_mut().expect("contiguous"),
                            column,
                            &self.mean,
                            &scale,
                        );
                    }
                }
                Lanes::Coordinates(x) => {
                    for ((mut b, row), &mu) in
                        block.rows_mut().into_iter().zip(x.rows()).zip(&self.mean)
                    {
                        let row = &row.as_slice().expect("contiguous")[start..end];
                        for (b, &v) in b.iter_mut().zip(row) {
                            *b = scale(v - mu);
                        }
                    }
                }
            }
            general_mat_mul(1.0, &block, &block.t(), 1.0, &mut scatter);
        }
        scatter
    }
}

/// `out = (column − μ) 2^{-e}` on contiguous slices.
fn center_into(
    out: &mut [f64],
    column: ArrayView1<f64>,
    mean: &Array1<f64>,
    scale: &impl Fn(f64) -> f64,
) {
    let column = column.to_slice().expect("contiguous");
    let mean = mean.as_slice().expect("contiguous");
    for ((o, &v), &mu) in out.iter_mut().zip(column).zip(mean) {
        *o = scale(v - mu);
    }
}

impl Lanes<'_> {
    /// The largest $|x_{ij}|$ and each coordinate's sum $\sum_j x_{ij}$, the
    /// maxima kept per coordinate (or per lane of 8) so the loops vectorize.
    /// A NaN escapes the maximum but not the sums, so the caller checks those.
    fn magnitudes_and_sums(&self) -> (f64, Array1<f64>) {
        match self {
            Lanes::Samples(x) => {
                let mut sums = Array1::zeros(x.nrows());
                let mut largest = vec![0.0f64; x.nrows()];
                let acc = sums.as_slice_mut().expect("contiguous");
                for column in x.columns() {
                    let column = column.to_slice().expect("contiguous");
                    for ((s, m), &v) in acc.iter_mut().zip(&mut largest).zip(column) {
                        *m = larger(*m, v.abs());
                        *s += v;
                    }
                }
                (largest.into_iter().fold(0.0, larger), sums)
            }
            Lanes::Coordinates(x) => {
                let mut largest = 0.0f64;
                let sums = x
                    .rows()
                    .into_iter()
                    .map(|row| {
                        let r = row.as_slice().expect("contiguous");
                        largest = larger(largest, lane_max(r, f64::abs));
                        row.sum()
                    })
                    .collect();
                (largest, sums)
            }
        }
    }

    /// $\max_{ij}|x_{ij} - \mu_i|$ (finite data).
    fn largest_centered(&self, mean: ArrayView1<f64>) -> f64 {
        let mu = mean.as_slice().expect("contiguous");
        match self {
            Lanes::Samples(x) => {
                let mut largest = vec![0.0f64; mu.len()];
                for column in x.columns() {
                    let c = column.to_slice().expect("contiguous");
                    for ((m, &v), &mu) in largest.iter_mut().zip(c).zip(mu) {
                        *m = larger(*m, (v - mu).abs());
                    }
                }
                largest.into_iter().fold(0.0, larger)
            }
            Lanes::Coordinates(x) => x.rows().into_iter().zip(mu).fold(0.0, |m, (row, &mu)| {
                let r = row.as_slice().expect("contiguous");
                larger(m, lane_max(r, |v| (v - mu).abs()))
            }),
        }
    }

    /// The mean summed after scaling by $2^{-e}$, $e$ the exponent of
    /// `largest`, and scaled back (for data near overflow or underflow).
    fn scaled_mean(&self, largest: f64) -> Array1<f64> {
        let e = magnitude_exponent([largest].iter());
        let scale = scaler(e);
        let (sums, samples) = match self {
            Lanes::Samples(x) => (
                x.fold_axis(Axis(1), 0.0, |&acc, &v| acc + scale(v)),
                x.ncols(),
            ),
            Lanes::Coordinates(x) => (
                x.map_axis(Axis(1), |row| row.fold(0.0, |acc, &v| acc + scale(v))),
                x.ncols(),
            ),
        };
        sums.mapv(|s| ldexp(s / samples as f64, e))
    }
}

/// The larger of two magnitudes, as a compare and select (which vectorizes;
/// `f64::max`'s NaN rule does not). A NaN in `b` is dropped.
fn larger(a: f64, b: f64) -> f64 {
    if b > a { b } else { a }
}

/// The largest of `f(v)` (non-negative) over `values`, in 8 independent lanes.
fn lane_max(values: &[f64], f: impl Fn(f64) -> f64) -> f64 {
    let mut lanes = [0.0f64; 8];
    let chunks = values.chunks_exact(8);
    let rest = chunks.remainder().iter().fold(0.0, |m, &v| larger(m, f(v)));
    for chunk in chunks {
        for (l, &v) in lanes.iter_mut().zip(chunk) {
            *l = larger(*l, f(v));
        }
    }
    lanes.into_iter().fold(rest, larger)
}

/// $v \mapsto v 2^{-e}$, exactly [`ldexp`]`(v, -e)`: one multiplication by a
/// precomputed factor where `ldexp` would make one, its steps beyond.
fn scaler(e: i32) -> impl Fn(f64) -> f64 {
    let factor = (e.abs() <= 1000).then(|| 2f64.powi(-e));
    move |v| match factor {
        Some(f) => v * f,
        None => ldexp(v, -e),
    }
}
