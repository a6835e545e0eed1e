//! The flags of a training run that are not the experiment's parameters:
//! where checkpoints go, how often, how many are kept, and which to resume.

use std::path::PathBuf;

/// Where a run saves its checkpoints and which one it resumes from.
#[derive(Debug, Clone, PartialEq, clap::Args)]
pub struct Checkpoints {
    /// Save checkpoints into DIR/UNIT-N (epoch-N in chapter 5, round-N in
    /// chapter 6); DIR is created and checked for writing before the run.
    #[arg(long, value_name = "DIR")]
    pub save: Option<PathBuf>,
    /// Units between two checkpoints of --save, and one after the last
    /// [default: every epoch in chapter 5, every 50 rounds in chapter 6].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub save_every: Option<u64>,
    /// Checkpoints --save keeps: the latest N, and the best one where the
    /// chapter measures one (the highest test accuracy in chapter 5).
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..))]
    pub keep: u64,
    /// Resume from a checkpoint written by --save (a DIR/UNIT-N directory);
    /// the other flags must match the run that wrote it.
    #[arg(long, value_name = "DIR")]
    pub resume: Option<PathBuf>,
}

impl Default for Checkpoints {
    fn default() -> Self {
        Checkpoints {
            save: None,
            save_every: None,
            keep: 3,
            resume: None,
        }
    }
}
