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
//! cannot overflow. One scale serves the whole matrix, so a coordinate whose
//! spread is below about $2^{-500}$ times the largest still underflows in the
//! products, as in any computation with one scale.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, CowArray, Ix2, ShapeBuilder, s};

use shared::Result;
use shared::error::ensure_finite;
use shared::linalg::{ldexp, magnitude_exponent};

/// Samples centered per block of [`Centered::scatter`]. Each block's product
/// hands work to matrixmultiply's threads, which costs scheduler time; 1024
/// (a 2 MB buffer at D = 256) made the bench's PCA about 8% faster than 512
/// on an AMD EPYC, and larger blocks gained nothing more.
pub const GRAM_CHUNK: usize = 1024;

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
        // Below this bound no partial sum can overflow; past it, sum again
        // with each coordinate scaled near 1.
        let mean = if largest * x.ncols() as f64 <= f64::MAX / 4.0 {
            sums / x.ncols() as f64
        } else {
            lanes.scaled_mean()
        };
        shared::error::ensure_finite_output("pca", "the mean", mean.iter())?;
        let half = lanes.largest_half_centered(mean.view());
        Ok(Centered {
            lanes,
            mean,
            exponent: magnitude_exponent([half].iter()) + 1,
        })
    }

    /// $\mu 2^{-e}$, and the scaling $v \mapsto v2^{-e}$. Entries are centered
    /// as $x2^{-e} - \mu 2^{-e}$: with exact scaling that is $(x - \mu)2^{-e}$,
    /// and the subtraction cannot overflow.
    fn scaled_mean(&self) -> (Vec<f64>, impl Fn(f64) -> f64) {
        let scale = scaler(self.exponent);
        (self.mean.iter().map(|&m| scale(m)).collect(), scale)
    }

    /// $X_c2^{-e}$ (`D × N`), stored whole (for the matrix-free operator when `D > N`).
    pub fn matrix(&self) -> Array2<f64> {
        let (dim, samples) = self.lanes.dim();
        let mut out = match &self.lanes {
            Lanes::Samples(_) => Array2::zeros((dim, samples).f()),
            Lanes::Coordinates(_) => Array2::zeros((dim, samples)),
        };
        self.center_into(0, samples, &mut out);
        out
    }

    /// The scatter $X_cX_c^\top 2^{-2e}$ (`D × D`) without storing $X_c$:
    /// [`GRAM_CHUNK`] samples at a time are centered into one reused buffer,
    /// laid out like the input, and their products accumulate.
    pub fn scatter(&self) -> Array2<f64> {
        let (dim, samples) = self.lanes.dim();
        let width = GRAM_CHUNK.min(samples);
        let mut buffer = match &self.lanes {
            Lanes::Samples(_) => Array2::zeros((dim, width).f()),
            Lanes::Coordinates(_) => Array2::zeros((dim, width)),
        };
        let mut scatter = Array2::zeros((dim, dim));
        for start in (0..samples).step_by(GRAM_CHUNK) {
            let end = (start + GRAM_CHUNK).min(samples);
            let mut block = buffer.slice_mut(s![.., ..end - start]);
            self.center_into(start, end, &mut block);
            general_mat_mul(1.0, &block, &block.t(), 1.0, &mut scatter);
        }
        scatter
    }

    /// Writes the centered, scaled samples `start..end` into `out` (`D × (end − start)`,
    /// laid out like the input), along the contiguous lanes.
    fn center_into<S>(&self, start: usize, end: usize, out: &mut ndarray::ArrayBase<S, Ix2>)
    where
        S: ndarray::DataMut<Elem = f64>,
    {
        let (mean, scale) = self.scaled_mean();
        match &self.lanes {
            Lanes::Samples(x) => {
                let columns = x.slice(s![.., start..end]);
                for (mut o, column) in out.columns_mut().into_iter().zip(columns.columns()) {
                    let o = o.as_slice_mut().expect("a column of a column-major buffer");
                    let column = column.to_slice().expect("contiguous samples");
                    for ((o, &v), &mu) in o.iter_mut().zip(column).zip(&mean) {
                        *o = scale(v) - mu;
                    }
                }
            }
            Lanes::Coordinates(x) => {
                for ((mut o, row), &mu) in out.rows_mut().into_iter().zip(x.rows()).zip(&mean) {
                    let o = o.as_slice_mut().expect("a row of a row-major buffer");
                    let row = &row.to_slice().expect("contiguous coordinates")[start..end];
                    for (o, &v) in o.iter_mut().zip(row) {
                        *o = scale(v) - mu;
                    }
                }
            }
        }
    }
}

impl Lanes<'_> {
    fn dim(&self) -> (usize, usize) {
        match self {
            Lanes::Samples(x) => x.dim(),
            Lanes::Coordinates(x) => x.dim(),
        }
    }

    /// The largest $|x_{ij}|$ and each coordinate's sum $\sum_j x_{ij}$, the
    /// maxima kept per coordinate (or per lane of 8) so the loops vectorize.
    /// A NaN escapes the maximum but not the sums, so the caller checks those.
    fn magnitudes_and_sums(&self) -> (f64, Array1<f64>) {
        match self {
            Lanes::Samples(x) => {
                let mut sums = vec![0.0f64; x.nrows()];
                let mut largest = vec![0.0f64; x.nrows()];
                for column in x.columns() {
                    let column = column.to_slice().expect("contiguous samples");
                    for ((s, m), &v) in sums.iter_mut().zip(&mut largest).zip(column) {
                        *m = larger(*m, v.abs());
                        *s += v;
                    }
                }
                (largest.into_iter().fold(0.0, larger), Array1::from(sums))
            }
            Lanes::Coordinates(x) => {
                let mut largest = 0.0f64;
                let sums = x
                    .rows()
                    .into_iter()
                    .map(|row| {
                        let r = row.to_slice().expect("contiguous coordinates");
                        largest = larger(largest, lane_max(r, f64::abs));
                        row.sum()
                    })
                    .collect();
                (largest, sums)
            }
        }
    }

    /// $\max_{ij}|x_{ij}/2 - \mu_i/2|$ (finite data): halved, so that the
    /// difference of two entries near `f64::MAX` cannot overflow.
    fn largest_half_centered(&self, mean: ArrayView1<f64>) -> f64 {
        let half_mu: Vec<f64> = mean.iter().map(|&m| 0.5 * m).collect();
        match self {
            Lanes::Samples(x) => {
                let mut largest = vec![0.0f64; half_mu.len()];
                for column in x.columns() {
                    let c = column.to_slice().expect("contiguous samples");
                    for ((m, &v), &mu) in largest.iter_mut().zip(c).zip(&half_mu) {
                        *m = larger(*m, (0.5 * v - mu).abs());
                    }
                }
                largest.into_iter().fold(0.0, larger)
            }
            Lanes::Coordinates(x) => {
                x.rows()
                    .into_iter()
                    .zip(&half_mu)
                    .fold(0.0, |m, (row, &mu)| {
                        let r = row.to_slice().expect("contiguous coordinates");
                        larger(m, lane_max(r, |v| (0.5 * v - mu).abs()))
                    })
            }
        }
    }

    /// The mean with each coordinate summed after scaling by the power of two
    /// that brings its own largest entry near 1, then scaled back: for data
    /// near overflow (one scale for all would flush the small coordinates).
    fn scaled_mean(&self) -> Array1<f64> {
        let exponent = |largest: f64| magnitude_exponent([largest].iter());
        match self {
            Lanes::Samples(x) => {
                let largest = x.fold_axis(Axis(1), 0.0, |&m, &v| larger(m, v.abs()));
                let exponents: Vec<i32> = largest.iter().map(|&l| exponent(l)).collect();
                let scales: Vec<_> = exponents.iter().map(|&e| scaler(e)).collect();
                let mut sums = vec![0.0; x.nrows()];
                for column in x.columns() {
                    for ((s, scale), &v) in sums.iter_mut().zip(&scales).zip(column) {
                        *s += scale(v);
                    }
                }
                sums.iter()
                    .zip(&exponents)
                    .map(|(&s, &e)| ldexp(s / x.ncols() as f64, e))
                    .collect()
            }
            Lanes::Coordinates(x) => x
                .rows()
                .into_iter()
                .map(|row| {
                    let e = exponent(row.fold(0.0, |m, &v| larger(m, v.abs())));
                    let scale = scaler(e);
                    ldexp(
                        row.fold(0.0, |acc, &v| acc + scale(v)) / x.ncols() as f64,
                        e,
                    )
                })
                .collect(),
        }
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
