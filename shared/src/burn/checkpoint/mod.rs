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

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{Error, Result};

mod records;
mod saver;

pub use records::{
    ensure_finite, load_module, load_optimizer, read_json, restore_word_pos, save_module,
    save_optimizer, write_json,
};
pub use saver::{Saver, ensure_free_space, free_bytes, prune};

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

pub(crate) fn data_error(path: &Path, problem: impl Into<String>) -> Error {
    Error::Data {
        path: path.to_path_buf(),
        problem: problem.into(),
        fix: FIX,
    }
}

pub(crate) fn io_error(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
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
    // Every file and the directory on the disk before the rename makes
    // them the checkpoint (a power cut must not leave a renamed directory
    // whose files were still in the page cache).
    for path in &names {
        sync(path)?;
    }
    sync(&partial)?;
    if dir.exists() {
        let old = parent.join(format!(".{name}.old"));
        if old.exists() {
            std::fs::remove_dir_all(&old).map_err(&io)?;
        }
        std::fs::rename(dir, &old).map_err(&io)?;
        std::fs::rename(&partial, dir).map_err(&io)?;
        // The new checkpoint is in place; a leftover `.old` is removed by
        // the next prune, so failing to remove it now is no error.
        let _ = std::fs::remove_dir_all(&old);
    } else {
        std::fs::rename(&partial, dir).map_err(&io)?;
    }
    sync(parent)
}

/// Flushes the file or directory `path` to the disk (directories only where
/// the platform can open them: Unix).
fn sync(path: &Path) -> Result<()> {
    if path.is_dir() && !cfg!(unix) {
        return Ok(());
    }
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })
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
/// file it records is there with its length and SHA-256, that the state's
/// own digest matches, and that the files named in `required` are among
/// them (files it does not record are not read, so they are ignored).
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
pub(crate) fn read_bounded(path: &Path, limit: u64) -> Result<String> {
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

/// Refuses a checkpoint whose settings differ from this run's, naming the
/// first field (as a JSON path) that differs.
///
/// # Errors
/// [`Error::Data`] naming `dir/state.json` and the field.
pub fn ensure_same_run<T: Serialize>(dir: &Path, saved: &T, now: &T) -> Result<()> {
    let value = |v: &T| {
        serde_json::to_value(v).map_err(|e| {
            data_error(
                &dir.join(STATE_FILE),
                format!("its settings cannot be compared ({e})"),
            )
        })
    };
    let (saved, now) = (value(saved)?, value(now)?);
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
mod tests;
