//! Common pieces of the drl-companion chapters.
//!
//! Nothing here is specific to one chapter: a seeded, portable random number
//! generator ([`rng`]), synthetic data with its ground truth ([`data`]),
//! fixed-precision report tables ([`report`]), SVG plots rendered into strings
//! ([`plot`]), the command-line flags every chapter accepts ([`cli`]) and the
//! project's single error type ([`error`]).
//!
//! Conventions used across the workspace: data matrices are `D × N` with one
//! sample per column, and `log` is the natural logarithm.

#[cfg(feature = "burn")]
pub mod burn;
pub mod cli;
pub mod data;
#[cfg(feature = "digits")]
pub mod digits;
pub mod error;
#[cfg(feature = "image")]
pub mod image;
pub mod linalg;
pub mod optim;
pub mod params;
pub mod plot;
pub mod prob;
pub mod report;
pub mod rng;
pub mod symmetric;
#[cfg(feature = "testing")]
pub mod testing;

pub use cli::{CommonArgs, emit, run_main};
pub use error::{Error, Result};
pub use report::Output;
pub use rng::{seeded_rng, stream_rng};
