//! Checkpoints that are written whole or not at all, and verified before
//! anything in them is read.
//!
//! A checkpoint is a directory `DIR/<unit>-N` (`epoch-3`, `round-150`)
//! holding the run's binary files (Burn's named MessagePack records of the
//! model and the optimizer, the training configuration as `config.json`)
//! and `state.json`: the run's progress, and the length and SHA-256 of every
//! other file. It is written into a hidden sibling directory and renamed
//! into place, so a crash leaves the previous checkpoint and a partial one
//! that is never read. Resuming checks every recorded file against its
//! length and digest first: a file from another checkpoint, a truncated or
//! flipped byte is a one-line error, not a run that continues from wrong
//! weights. Weights with a NaN or an infinity are never saved, so the last
//! checkpoint written is always a good one.

use std::io::Read;
use std::path::{Path, PathBuf};

use burn::module::{AutodiffModule, Module, ModuleVisitor, Param};
use burn::optim::Optimizer;
use burn::prelude::*;
use burn::record::{FullPrecisionSettings, NamedMpkFileRecorder, Recorder};
use burn::tensor::backend::AutodiffBackend;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::flags::Checkpoints;
use crate::rng::Rng;
use crate::{Error, Result};

/// How to fix a checkpoint that cannot be read.
pub const FIX: &str = "point --resume at a checkpoint directory written by --save (DIR/epoch-N, DIR/round-N), unedited, or start without --resume";

/// The file that holds a checkpoint's progress and the digests of the others.
pub const STATE_FILE: &str = "state.json";

/// One file of a checkpoint as it was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDigest {
    /// File name inside the checkpoint directory.
    pub name: String,
    /// Length in bytes.
    pub bytes: u64,
    /// SHA-256 of the contents, lowercase hex.
    pub sha256: String,
}

/// `state.json`: the chapter's state `S`, the digests of the other files,
/// and the SHA-256 of the state itself (of its compact JSON), so that an
/// edited value is caught as surely as an edited file.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stamped<S> {
    files: Vec<FileDigest>,
    state_sha256: String,
    #[serde(flatten)]
    state: S,
}

/// SHA-256 (hex) of the compact JSON of `state`.
fn state_digest<S: Serialize>(state: &S) -> Result<String> {
    let bytes = serde_json::to_vec(state).map_err(|e| Error::Io {
        path: STATE_FILE.into(),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok(Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

fn data_error(path: &Path, problem: impl Into<String>) -> Error {
    Error::Data {
        path: path.to_path_buf(),
        problem: problem.into(),
        fix: FIX,
    }
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The length and SHA-256 of the file `path`, read in blocks.
///
/// # Errors
/// [`Error::Io`] if it cannot be read.
pub fn digest(path: &Path) -> Result<FileDigest> {
    let io = io_error(path);
    let mut file = std::fs::File::open(path).map_err(&io)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(&io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        bytes += n as u64;
    }
    let sha256 = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(FileDigest {
        name,
        bytes,
        sha256,
    })
}

/// The directory of the checkpoint after unit `n` (1-based) under `dir`:
/// `dir/<unit>-n`.
pub fn unit_dir(dir: &Path, unit: &str, n: usize) -> PathBuf {
    dir.join(format!("{unit}-{n}"))
}

/// Creates `dir` if missing and checks that a file can be written in it,
/// so that a bad `--save` fails before any training, not after it.
///
/// # Errors
/// [`Error::Io`] naming `dir` if it cannot be created or written.
pub fn prepare(dir: &Path) -> Result<()> {
    let io = io_error(dir);
    std::fs::create_dir_all(dir).map_err(&io)?;
    let probe = dir.join(".write-test");
    std::fs::write(&probe, b"ok").map_err(&io)?;
    std::fs::remove_file(&probe).map_err(io)
}

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

/// Writes a checkpoint into `dir` whole or not at all: `files` writes the
/// binary files into a fresh hidden directory beside `dir`, `state.json`
/// records `state` and every file's length and SHA-256, and the directory is
/// then renamed to `dir` (replacing an older one of that name).
///
/// # Errors
/// [`Error::Io`] if a file cannot be written or the rename fails; errors of `files`.
pub fn write<S: Serialize>(
    dir: &Path,
    state: &S,
    files: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
    let name = dir
        .file_name()
        .ok_or_else(|| data_error(dir, "is not a directory name a checkpoint can have"))?
        .to_string_lossy()
        .into_owned();
    let parent = dir.parent().unwrap_or(Path::new("."));
    let io = io_error(dir);
    std::fs::create_dir_all(parent).map_err(&io)?;
    let partial = parent.join(format!(".{name}.partial"));
    if partial.exists() {
        std::fs::remove_dir_all(&partial).map_err(&io)?;
    }
    std::fs::create_dir(&partial).map_err(&io)?;
    files(&partial)?;
    let mut names: Vec<PathBuf> = std::fs::read_dir(&partial)
        .map_err(&io)?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .map_err(&io)?;
    names.sort();
    let files = names
        .iter()
        .map(|p| digest(p))
        .collect::<Result<Vec<_>>>()?;
    let state_sha256 = state_digest(state)?;
    let json = serde_json::to_string_pretty(&Stamped {
        files,
        state_sha256,
        state,
    })
    .map_err(|e| io(std::io::Error::other(e.to_string())))?;
    write_synced(&partial.join(STATE_FILE), json.as_bytes())?;
    if dir.exists() {
        let old = parent.join(format!(".{name}.old"));
        if old.exists() {
            std::fs::remove_dir_all(&old).map_err(&io)?;
        }
        std::fs::rename(dir, &old).map_err(&io)?;
        std::fs::rename(&partial, dir).map_err(&io)?;
        std::fs::remove_dir_all(&old).map_err(io)
    } else {
        std::fs::rename(&partial, dir).map_err(io)
    }
}

/// Writes `bytes` to `path` and flushes them to the disk.
fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let io = io_error(path);
    let mut file = std::fs::File::create(path).map_err(&io)?;
    file.write_all(bytes).map_err(&io)?;
    file.sync_all().map_err(io)
}

/// Reads the state of the checkpoint in `dir` after checking that every
/// file it records is there with its length and SHA-256, and that the
/// files named in `required` are among them.
///
/// # Errors
/// [`Error::Data`] naming the first missing, altered or unrecorded file, or
/// a `state.json` that is not this chapter's.
pub fn read<S: Serialize + DeserializeOwned>(dir: &Path, required: &[&str]) -> Result<S> {
    let path = dir.join(STATE_FILE);
    if !dir.is_dir() {
        return Err(data_error(dir, "is not a directory"));
    }
    let text = read_bounded(&path, 256 << 20)?;
    let stamped: Stamped<S> = serde_json::from_str(&text).map_err(|e| {
        data_error(
            &path,
            format!("not a checkpoint state of this chapter ({e})"),
        )
    })?;
    if state_digest(&stamped.state)? != stamped.state_sha256 {
        return Err(data_error(
            &path,
            "its values differ from the ones it recorded (SHA-256 mismatch: edited or damaged)",
        ));
    }
    for name in required {
        if !stamped.files.iter().any(|f| f.name == *name) {
            return Err(data_error(&path, format!("records no {name}")));
        }
    }
    for recorded in &stamped.files {
        if recorded.name.contains(['/', '\\']) || recorded.name == ".." {
            return Err(data_error(
                &path,
                format!("records a file outside it ({})", recorded.name),
            ));
        }
        let file = dir.join(&recorded.name);
        let found = digest(&file).map_err(|_| data_error(&file, "is missing or unreadable"))?;
        if found.bytes != recorded.bytes {
            return Err(data_error(
                &file,
                format!(
                    "has {} bytes, the checkpoint recorded {}",
                    found.bytes, recorded.bytes
                ),
            ));
        }
        if found.sha256 != recorded.sha256 {
            return Err(data_error(
                &file,
                "differs from the file this checkpoint recorded (SHA-256 mismatch: damaged, or copied from another checkpoint)",
            ));
        }
    }
    Ok(stamped.state)
}

/// A text file of at most `limit` bytes.
fn read_bounded(path: &Path, limit: u64) -> Result<String> {
    let len = std::fs::metadata(path)
        .map_err(|e| data_error(path, format!("cannot be read ({e})")))?
        .len();
    if len > limit {
        return Err(data_error(
            path,
            format!("is {len} bytes, more than a checkpoint state can be"),
        ));
    }
    std::fs::read_to_string(path).map_err(|e| data_error(path, format!("cannot be read ({e})")))
}

/// Deletes the checkpoints `dir/<unit>-N` except the `keep` latest and
/// `best`, and any partial checkpoint left by an interrupted save; returns
/// the directories removed.
///
/// # Errors
/// [`Error::Io`] if the directory cannot be listed or one cannot be removed.
pub fn prune(dir: &Path, unit: &str, keep: usize, best: Option<usize>) -> Result<Vec<PathBuf>> {
    let io = io_error(dir);
    let mut numbered = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(&io)? {
        let path = entry.map_err(&io)?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let n = name
            .strip_prefix(unit)
            .and_then(|s| s.strip_prefix('-'))
            .and_then(|s| s.parse::<usize>().ok());
        if let Some(n) = n.filter(|_| path.is_dir()) {
            numbered.push((n, path));
        }
    }
    numbered.sort();
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
    /// and checked for writing now.
    ///
    /// # Errors
    /// As [`prepare`].
    pub fn new(
        flags: &Checkpoints,
        unit: &'static str,
        default_every: u64,
    ) -> Result<Option<Saver>> {
        let Some(dir) = &flags.save else {
            return Ok(None);
        };
        prepare(dir)?;
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

fn recorder() -> NamedMpkFileRecorder<FullPrecisionSettings> {
    NamedMpkFileRecorder::new()
}

/// Checks that every float parameter of `module` is finite.
///
/// # Errors
/// [`Error::NumericalFailure`] naming `what` if one is NaN or infinite.
pub fn ensure_finite<B: Backend, M: Module<B>>(module: &M, what: &'static str) -> Result<()> {
    struct Finite(bool);
    impl<B: Backend> ModuleVisitor<B> for Finite {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
            if self.0 {
                let values = param.val().into_data().convert::<f32>();
                self.0 = values.iter::<f32>().all(f32::is_finite);
            }
        }
    }
    let mut v = Finite(true);
    module.visit(&mut v);
    if v.0 {
        Ok(())
    } else {
        Err(Error::NumericalFailure {
            algorithm: what,
            detail: "a weight is NaN or infinite; no checkpoint is written from it".into(),
        })
    }
}

/// Writes every parameter of `module` to `dir/name.mpk` (full precision,
/// Burn's named MessagePack record).
///
/// # Errors
/// [`Error::NumericalFailure`] if a weight is not finite; [`Error::Io`] if
/// the file cannot be written.
pub fn save_module<B: Backend, M: Module<B>>(dir: &Path, name: &str, module: &M) -> Result<()> {
    ensure_finite(module, "checkpoint")?;
    let io = io_error(dir);
    module
        .clone()
        .save_file(dir.join(name), &recorder())
        .map_err(|e| io(std::io::Error::other(e.to_string())))
}

/// Writes the state of `optim` (moments and step counts, keyed by parameter)
/// to `dir/name.mpk`.
///
/// # Errors
/// [`Error::Io`] if the file cannot be written.
pub fn save_optimizer<B: AutodiffBackend, M: AutodiffModule<B>, O: Optimizer<M, B>>(
    dir: &Path,
    name: &str,
    optim: &O,
) -> Result<()> {
    let io = io_error(dir);
    recorder()
        .record(optim.to_record(), dir.join(name))
        .map_err(|e| io(std::io::Error::other(e.to_string())))
}

/// Writes `value` as pretty JSON to `dir/name.json`.
///
/// # Errors
/// [`Error::Io`] if it cannot be serialized or written.
pub fn write_json<T: Serialize>(dir: &Path, name: &str, value: &T) -> Result<()> {
    let io = io_error(dir);
    let json = serde_json::to_string_pretty(value)
        .map_err(|e| io(std::io::Error::other(e.to_string())))?;
    std::fs::write(dir.join(format!("{name}.json")), json).map_err(io)
}

/// Reads `dir/name.json` (of a checkpoint already checked by [`read`]).
///
/// # Errors
/// [`Error::Data`] if it is missing or not what `T` expects.
pub fn read_json<T: DeserializeOwned>(dir: &Path, name: &str) -> Result<T> {
    let path = dir.join(format!("{name}.json"));
    let text = read_bounded(&path, 256 << 20)?;
    serde_json::from_str(&text)
        .map_err(|e| data_error(&path, format!("not what this chapter wrote ({e})")))
}

/// Loads `dir/name.mpk` into `module` (built with the same shape).
///
/// # Errors
/// [`Error::Data`] if the file is missing, corrupt, of another shape, or
/// holds a weight that is not finite.
pub fn load_module<B: Backend, M: Module<B>>(
    dir: &Path,
    name: &str,
    module: M,
    device: &B::Device,
) -> Result<M> {
    let path = dir.join(format!("{name}.mpk"));
    let module = module
        .load_file(dir.join(name), &recorder(), device)
        .map_err(|e| data_error(&path, format!("cannot load the weights ({e})")))?;
    ensure_finite(&module, "checkpoint")
        .map_err(|_| data_error(&path, "holds a weight that is NaN or infinite"))?;
    Ok(module)
}

/// Loads the optimizer state `dir/name.mpk` into `optim`.
///
/// # Errors
/// [`Error::Data`] if the file is missing or corrupt.
pub fn load_optimizer<B: AutodiffBackend, M: AutodiffModule<B>, O: Optimizer<M, B>>(
    dir: &Path,
    name: &str,
    optim: O,
    device: &B::Device,
) -> Result<O> {
    let path = dir.join(format!("{name}.mpk"));
    let record = recorder()
        .load(dir.join(name), device)
        .map_err(|e| data_error(&path, format!("cannot load the optimizer state ({e})")))?;
    Ok(optim.load_record(record))
}

/// `rng` moved to the word position `pos` (a decimal `u128`, as saved).
///
/// # Errors
/// [`Error::Data`] (naming `dir/state.json`) if `pos` is not a number.
pub fn restore_word_pos(dir: &Path, pos: &str, mut rng: Rng) -> Result<Rng> {
    let pos: u128 = pos
        .parse()
        .map_err(|e| data_error(&dir.join(STATE_FILE), format!("bad rng_word_pos ({e})")))?;
    rng.set_word_pos(pos);
    Ok(rng)
}

/// Refuses a checkpoint whose settings differ from this run's, naming the
/// first field (as a JSON path) that differs.
///
/// # Errors
/// [`Error::Data`] naming `dir/state.json` and the field.
pub fn ensure_same_run<T: Serialize>(dir: &Path, saved: &T, now: &T) -> Result<()> {
    let (saved, now) = (
        serde_json::to_value(saved).unwrap_or_default(),
        serde_json::to_value(now).unwrap_or_default(),
    );
    match first_difference(&saved, &now, String::new()) {
        None => Ok(()),
        Some((field, was, is)) => Err(Error::Data {
            path: dir.join(STATE_FILE),
            problem: format!(
                "it was written by a run with a different {field} ({was}; this run has {is})"
            ),
            fix: "resume with the flags of the run that saved it, or start without --resume",
        }),
    }
}

/// The first path at which two JSON values differ, with both values.
fn first_difference(
    a: &serde_json::Value,
    b: &serde_json::Value,
    at: String,
) -> Option<(String, String, String)> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|k| {
                let path = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                let null = Value::Null;
                first_difference(x.get(k).unwrap_or(&null), y.get(k).unwrap_or(&null), path)
            })
        }
        _ if a == b => None,
        _ => Some((at, a.to_string(), b.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("shared-ckpt-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Progress {
        done: usize,
    }

    fn save_one(dir: &Path, done: usize, payload: &[u8]) {
        write(dir, &Progress { done }, |tmp| {
            std::fs::write(tmp.join("model.mpk"), payload).map_err(io_error(tmp))
        })
        .unwrap();
    }

    #[test]
    fn a_checkpoint_reads_back_and_refuses_any_altered_file() {
        let root = scratch("alter");
        let a = root.join("epoch-1");
        save_one(&a, 1, b"weights of run a");
        assert_eq!(
            read::<Progress>(&a, &["model.mpk"]).unwrap(),
            Progress { done: 1 }
        );
        // A model file from another run (same length, other bytes).
        std::fs::write(a.join("model.mpk"), b"weights of run b").unwrap();
        let e = read::<Progress>(&a, &["model.mpk"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("SHA-256"), "{e}");
        // Truncated.
        std::fs::write(a.join("model.mpk"), b"weights").unwrap();
        let e = read::<Progress>(&a, &["model.mpk"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("bytes"), "{e}");
        // Missing.
        std::fs::remove_file(a.join("model.mpk")).unwrap();
        assert!(read::<Progress>(&a, &["model.mpk"]).is_err());
        // An edited value in state.json.
        save_one(&a, 1, b"x");
        let text = std::fs::read_to_string(a.join(STATE_FILE)).unwrap();
        std::fs::write(
            a.join(STATE_FILE),
            text.replace("\"done\": 1", "\"done\": 7"),
        )
        .unwrap();
        let e = read::<Progress>(&a, &["model.mpk"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("edited"), "{e}");
        // A required file the state does not record.
        save_one(&a, 1, b"x");
        assert!(read::<Progress>(&a, &["optimizer.mpk"]).is_err());
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_failed_save_leaves_the_previous_checkpoint_whole() {
        let root = scratch("atomic");
        let a = root.join("round-2");
        save_one(&a, 2, b"good");
        let failed = write(&a, &Progress { done: 3 }, |_| {
            Err(Error::NumericalFailure {
                algorithm: "test",
                detail: "boom".into(),
            })
        });
        assert!(failed.is_err());
        assert_eq!(
            read::<Progress>(&a, &["model.mpk"]).unwrap(),
            Progress { done: 2 }
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn prune_keeps_the_latest_and_the_best() {
        let root = scratch("prune");
        for n in 1..=6 {
            save_one(&unit_dir(&root, "epoch", n), n, b"w");
        }
        let removed = prune(&root, "epoch", 2, Some(1)).unwrap();
        assert_eq!(removed.len(), 3);
        for (n, kept) in [
            (1, true),
            (2, false),
            (3, false),
            (4, false),
            (5, true),
            (6, true),
        ] {
            assert_eq!(unit_dir(&root, "epoch", n).exists(), kept, "epoch-{n}");
        }
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn same_run_names_the_field_that_differs() {
        #[derive(Serialize)]
        struct S {
            seed: u64,
            model: (usize, usize),
        }
        let dir = Path::new("ckpt");
        assert!(
            ensure_same_run(
                dir,
                &S {
                    seed: 1,
                    model: (2, 3)
                },
                &S {
                    seed: 1,
                    model: (2, 3)
                }
            )
            .is_ok()
        );
        let e = ensure_same_run(
            dir,
            &S {
                seed: 1,
                model: (2, 3),
            },
            &S {
                seed: 2,
                model: (2, 3),
            },
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("different seed (1; this run has 2)"), "{e}");
    }

    #[test]
    fn no_space_is_refused_with_the_numbers() {
        let root = scratch("space");
        prepare(&root).unwrap();
        if free_bytes(&root).is_some() {
            let e = ensure_free_space(&root, u64::MAX / 4)
                .unwrap_err()
                .to_string();
            assert!(e.contains("MB free"), "{e}");
            assert!(ensure_free_space(&root, 1).is_ok());
        }
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_bad_save_path_fails_at_once() {
        let file = scratch("file");
        std::fs::write(&file, b"not a directory").unwrap();
        assert!(matches!(prepare(&file.join("sub")), Err(Error::Io { .. })));
        std::fs::remove_file(&file).unwrap();
    }
}
