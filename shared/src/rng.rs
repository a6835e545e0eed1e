//! Seeded, portable randomness.
//!
//! Experiments never use `thread_rng` or `StdRng` (whose algorithm may change
//! between versions): they build a ChaCha8 generator from an explicit seed, so
//! a report is the same on every run and every platform.
//!
//! Each experiment draws from its own *stream*: the same seed with a different
//! ChaCha stream id ([`stream_rng`]) gives an independent sequence, so adding a
//! draw to one experiment never shifts the numbers of another, and no two
//! experiments share randomness by accident. A chapter lists its streams once,
//! as an enum whose discriminants are the ids.

use ndarray::{Array1, Array2};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

/// The generator every experiment uses.
pub type Rng = ChaCha8Rng;

/// A ChaCha8 generator seeded with `seed`.
pub fn seeded_rng(seed: u64) -> Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// The generator of stream `stream` under `seed`: ChaCha8 seeded with `seed`,
/// positioned on stream `stream` (ChaCha's 64-bit stream id). Distinct streams
/// of one seed are independent sequences.
pub fn stream_rng(seed: u64, stream: u64) -> Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// Declares a chapter's random streams: an enum whose discriminants are the
/// stream ids (the compiler rejects a repeated id, so no two experiments can
/// share a stream by accident) and a `rng(seed)` method giving each stream's
/// generator ([`stream_rng`]).
///
/// ```
/// shared::streams! {
///     /// The streams of an example.
///     pub enum Stream {
///         /// Data.
///         Data = 1,
///         /// Initialization.
///         Init = 2,
///     }
/// }
/// assert_ne!(Stream::Data.rng(0), Stream::Init.rng(0));
/// ```
#[macro_export]
macro_rules! streams {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[doc = $doc:literal])* $variant:ident = $id:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[repr(u64)]
        $vis enum $name {
            $( $(#[doc = $doc])* $variant = $id, )*
        }

        impl $name {
            /// The generator of this stream under `seed`.
            pub fn rng(self, seed: u64) -> $crate::rng::Rng {
                $crate::rng::stream_rng(seed, self as u64)
            }
        }
    };
}

/// A vector with i.i.d. standard normal entries.
pub fn gaussian_vector(rng: &mut Rng, len: usize) -> Array1<f64> {
    Array1::from_shape_simple_fn(len, || rng.sample(StandardNormal))
}

/// A `rows × cols` matrix with i.i.d. standard normal entries (filled row by row).
pub fn gaussian_matrix(rng: &mut Rng, rows: usize, cols: usize) -> Array2<f64> {
    Array2::from_shape_simple_fn((rows, cols), || rng.sample(StandardNormal))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_gives_same_stream() {
        let a = gaussian_matrix(&mut seeded_rng(7), 3, 4);
        let b = gaussian_matrix(&mut seeded_rng(7), 3, 4);
        assert_eq!(a, b);
        let c = gaussian_matrix(&mut seeded_rng(8), 3, 4);
        assert_ne!(a, c);
    }

    #[test]
    fn streams_of_one_seed_differ_and_repeat() {
        let a = gaussian_matrix(&mut stream_rng(7, 1), 3, 4);
        assert_eq!(a, gaussian_matrix(&mut stream_rng(7, 1), 3, 4));
        assert_ne!(a, gaussian_matrix(&mut stream_rng(7, 2), 3, 4));
        assert_ne!(a, gaussian_matrix(&mut stream_rng(8, 1), 3, 4));
    }
}
