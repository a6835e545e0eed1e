//! When checkpoints are written and how many are kept: the disk's free
//! space checked before each, the latest `--keep` and the best kept after.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{io_error, prepare, unit_dir, write};
use crate::burn::flags::Checkpoints;
use crate::{Error, Result};

/// Bytes free for an unprivileged user on the file system of `dir`, where
/// the platform tells (`None` elsewhere).
pub fn free_bytes(dir: &Path) -> Option<u64> {
    #[cfg(unix)]
    {
        let s = rustix::fs::statvfs(dir).ok()?;
        Some(s.f_bavail.saturating_mul(s.f_frsize))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        None
    }
}

/// Refuses to write `need` bytes into `dir` when the disk has less free
/// (with a margin of 64 MiB for everything else on it).
///
/// # Errors
/// [`Error::Unavailable`] with both numbers.
pub fn ensure_free_space(dir: &Path, need: u64) -> Result<()> {
    const MARGIN: u64 = 64 << 20;
    match free_bytes(dir) {
        Some(free) if free < need.saturating_add(MARGIN) => Err(Error::Unavailable {
            what: format!(
                "a checkpoint in {} needs about {:.1} MB and the disk has {:.1} MB free (keeping {:.0} MB spare)",
                dir.display(),
                need as f64 / 1e6,
                free as f64 / 1e6,
                MARGIN as f64 / 1e6
            ),
            fix: "free some disk space, save elsewhere (--save), keep fewer checkpoints (--keep) or save less often (--save-every)".into(),
        }),
        _ => Ok(()),
    }
}

/// Deletes the checkpoints `dir/UNIT-N` except the `keep` latest and
/// `best`, and any partial checkpoint left by an interrupted save; returns
/// the checkpoints removed.
///
/// # Errors
/// [`Error::Io`] if the directory cannot be listed or one cannot be removed.
pub fn prune(dir: &Path, unit: &str, keep: usize, best: Option<usize>) -> Result<Vec<PathBuf>> {
    let io = io_error(dir);
    let numbered = numbered(dir, unit)?;
    let cut = numbered.len().saturating_sub(keep);
    let mut removed = Vec::new();
    for (n, path) in numbered.into_iter().take(cut) {
        if Some(n) != best {
            std::fs::remove_dir_all(&path).map_err(&io)?;
            removed.push(path);
        }
    }
    Ok(removed)
}

/// Whether `a` and `b` name the same directory.
fn same_dir(a: &Path, b: &Path) -> bool {
    let a = if a.as_os_str().is_empty() {
        Path::new(".")
    } else {
        a
    };
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The checkpoints `dir/UNIT-N`, by `N`; removes what an interrupted save left.
fn numbered(dir: &Path, unit: &str) -> Result<Vec<(usize, PathBuf)>> {
    let io = io_error(dir);
    let mut numbered = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(&io)? {
        let path = entry.map_err(&io)?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        // What an interrupted save left: `.UNIT-N.partial`, `.UNIT-N.old`.
        let hidden = name.strip_prefix('.').and_then(|n| n.strip_prefix(unit));
        if hidden.is_some_and(|h| h.ends_with(".partial") || h.ends_with(".old")) && path.is_dir() {
            std::fs::remove_dir_all(&path).map_err(&io)?;
            continue;
        }
        let n = name
            .strip_prefix(unit)
            .and_then(|s| s.strip_prefix('-'))
            .and_then(|s| s.parse::<usize>().ok());
        if let Some(n) = n.filter(|_| path.is_dir()) {
            numbered.push((n, path));
        }
    }
    numbered.sort();
    Ok(numbered)
}

/// When a run saves: its flags resolved for one chapter, and the size of
/// the last checkpoint it wrote (for the free-space check of the next).
#[derive(Debug, Clone)]
pub struct Saver {
    /// Directory the checkpoints go into.
    pub dir: PathBuf,
    /// Name of the unit of progress (`epoch`, `round`).
    pub unit: &'static str,
    /// Units between two checkpoints.
    pub every: u64,
    /// Latest checkpoints kept (the best is kept as well).
    pub keep: usize,
    last_bytes: Option<u64>,
}

impl Saver {
    /// The saver of `flags` (none without `--save`), its directory created
    /// and checked for writing now. A directory that already holds
    /// checkpoints is refused unless the run resumes from one of them (its
    /// checkpoints would be overwritten and pruned by another run's).
    ///
    /// # Errors
    /// As [`prepare`]; [`Error::Data`] for a directory holding another run's checkpoints.
    pub fn new(
        flags: &Checkpoints,
        unit: &'static str,
        default_every: u64,
    ) -> Result<Option<Saver>> {
        let Some(dir) = &flags.save else {
            return Ok(None);
        };
        prepare(dir)?;
        let resuming_here = flags
            .resume
            .as_deref()
            .and_then(Path::parent)
            .is_some_and(|p| same_dir(p, dir));
        if let Some((_, found)) = numbered(dir, unit)?.first().filter(|_| !resuming_here) {
            return Err(Error::Data {
                path: dir.clone(),
                problem: format!(
                    "already holds checkpoints of another run ({})",
                    found
                        .file_name()
                        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
                ),
                fix: "save into a new directory, or resume from one of its checkpoints (--resume DIR/UNIT-N) to continue that run",
            });
        }
        Ok(Some(Saver {
            dir: dir.clone(),
            unit,
            every: flags.save_every.unwrap_or(default_every).max(1),
            keep: usize::try_from(flags.keep.max(1)).unwrap_or(usize::MAX),
            last_bytes: None,
        }))
    }

    /// Whether a checkpoint is due after unit `n` (1-based) of `total`.
    pub fn due(&self, n: usize, total: usize) -> bool {
        (n as u64).is_multiple_of(self.every) || n == total
    }

    /// Writes the checkpoint after unit `n` (see [`write()`]) once the disk has
    /// room for it (the last one's size, or `estimate` bytes for the first),
    /// then prunes to the latest [`Saver::keep`] and `best`. Returns its directory.
    ///
    /// # Errors
    /// As [`ensure_free_space`], [`write()`] and [`prune`].
    pub fn save<S: Serialize>(
        &mut self,
        n: usize,
        estimate: u64,
        best: Option<usize>,
        state: &S,
        files: impl FnOnce(&Path) -> Result<()>,
    ) -> Result<PathBuf> {
        ensure_free_space(&self.dir, self.last_bytes.unwrap_or(estimate))?;
        let dir = unit_dir(&self.dir, self.unit, n);
        write(&dir, state, files)?;
        self.last_bytes = Some(dir_bytes(&dir)?);
        prune(&self.dir, self.unit, self.keep, best)?;
        Ok(dir)
    }
}

/// Total length of the files in `dir`.
fn dir_bytes(dir: &Path) -> Result<u64> {
    let io = io_error(dir);
    let mut total = 0;
    for entry in std::fs::read_dir(dir).map_err(&io)? {
        total += entry.map_err(&io)?.metadata().map_err(&io)?.len();
    }
    Ok(total)
}
