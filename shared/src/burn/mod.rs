//! The Burn plumbing of the Burn chapters (5 and 6), behind the `burn` feature.
//!
//! Nothing here is a chapter's idea: where the tensors live ([`device`]),
//! moving matrices between ndarray and Burn ([`tensor`]), PyTorch's layer
//! initializations ([`init`]), the flags every training run takes ([`flags`]),
//! and checkpoints that are written whole or not at all and verified before
//! they are read ([`checkpoint`]).

pub mod checkpoint;
pub mod device;
pub mod flags;
pub mod init;
pub mod tensor;

pub use device::{Cpu, Device, Job, in_pool, on_device};
