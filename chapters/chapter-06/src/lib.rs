//! Chapter 6: closed-loop transcription, an autoencoder trained by a
//! rate-reduction game played in feature space alone.

pub mod game;
pub mod nets;
pub mod rate;
pub mod toy;
pub mod train;

pub use shared::Error;
