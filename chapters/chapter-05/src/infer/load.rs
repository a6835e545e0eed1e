//! Reading the inputs of `infer`, every byte checked before it is used:
//! the images (`.npy`), and the weights (safetensors or `.pth`, told apart
//! by content), loaded into the model under the official names.

use std::path::Path;

use burn::prelude::*;
use burn::store::{BurnToPyTorchAdapter, ModuleSnapshot, PyTorchToBurnAdapter, SafetensorsStore};
use ndarray::Array4;

use super::keys::{KEY_MAP, OFFICIAL_KEY_MAP, official_name, with_official_name};
use crate::config::CrateConfig;
use crate::model::Crate;
use shared::{Error, Result};

/// An [`Error::Data`] about `path`, its `problem` on one line (parsers'
/// messages can span several).
pub(crate) fn data_error(path: &Path, problem: impl Into<String>, fix: &'static str) -> Error {
    let problem: String = problem.into();
    Error::Data {
        path: path.to_path_buf(),
        problem: problem.split_whitespace().collect::<Vec<_>>().join(" "),
        fix,
    }
}

/// Reads the input batch and checks it against the model.
///
/// # Errors
/// [`Error::Data`] for a missing or unreadable file, a wrong dtype or shape,
/// or NaN/infinite pixels.
pub fn read_images(path: &Path, model: &CrateConfig) -> Result<Array4<f32>> {
    const FIX: &str = "save a float32 array N x C x H x W with numpy.save";
    ensure_npy_length(path, FIX)?;
    let x: Array4<f32> = ndarray_npy::read_npy(path).map_err(|e| {
        data_error(
            path,
            format!("not a readable float32 4-D .npy array ({e})"),
            FIX,
        )
    })?;
    let (n, c, h, w) = x.dim();
    if n == 0 {
        return Err(data_error(path, "holds no images", FIX));
    }
    if (c, h, w) != (model.channels, model.image_size, model.image_size) {
        return Err(data_error(
            path,
            format!(
                "images are {c} x {h} x {w}, the model takes {} x {} x {}",
                model.channels, model.image_size, model.image_size
            ),
            "pass --preset or --channels/--image-size matching the images",
        ));
    }
    if x.iter().any(|v| !v.is_finite()) {
        return Err(data_error(path, "contains NaN or infinite values", FIX));
    }
    Ok(x)
}

/// Checks that the `.npy` file `path` is as long as its header says (header,
/// then element count times element size) before anything is allocated
/// from the header: a forged header cannot ask for more memory than the file
/// holds.
///
/// # Errors
/// [`Error::Data`] if the file cannot be read, its header is not a `.npy`
/// header, or its length disagrees with the header.
pub fn ensure_npy_length(path: &Path, fix: &'static str) -> Result<()> {
    use std::io::Seek;
    let mut file = std::fs::File::open(path)
        .map_err(|e| data_error(path, format!("cannot be opened ({e})"), fix))?;
    let len = file
        .metadata()
        .map_err(|e| data_error(path, format!("cannot be read ({e})"), fix))?
        .len();
    let header = ndarray_npy::npy::header::Header::from_reader(&mut file)
        .map_err(|e| data_error(path, format!("not a .npy file ({e})"), fix))?;
    let header_len = file
        .stream_position()
        .map_err(|e| data_error(path, format!("cannot be read ({e})"), fix))?;
    let size = npy_element_size(&header.type_descriptor).ok_or_else(|| {
        data_error(
            path,
            format!("holds {}, not numbers", header.type_descriptor),
            fix,
        )
    })?;
    let elements = header
        .shape
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d as u64));
    let need = elements
        .and_then(|n| n.checked_mul(size))
        .and_then(|b| b.checked_add(header_len));
    match need {
        Some(need) if need == len => Ok(()),
        Some(need) => Err(data_error(
            path,
            format!(
                "is {len} bytes, its header (shape {:?}) says {need}: truncated, or a forged header",
                header.shape
            ),
            fix,
        )),
        None => Err(data_error(
            path,
            format!(
                "its header declares shape {:?} of {}, which no file can hold",
                header.shape, header.type_descriptor
            ),
            fix,
        )),
    }
}

/// Bytes per element of a `.npy` type descriptor such as `'<f4'` (`None` if not a fixed-size number).
fn npy_element_size(descr: &impl std::fmt::Display) -> Option<u64> {
    let d = descr.to_string();
    let d = d.trim_matches(|c| c == '\'' || c == '"');
    let d = d.trim_start_matches(['<', '>', '|', '=']);
    let (kind, bytes) = d.split_at_checked(1)?;
    matches!(kind, "f" | "i" | "u" | "b" | "c")
        .then(|| bytes.parse().ok())
        .flatten()
        .filter(|&n| n > 0)
}

/// Checks a PyTorch zip checkpoint byte for byte before burn-store reads it
/// (burn-store fills a tensor it cannot read with zeros): every entry is read
/// whole and its CRC-32 checked; the storages `…/data/K` are numbered
/// 0, 1, … without a gap; and together they hold at least the bytes of
/// the tensors the pickle describes (exact for a state dict, where each
/// parameter has its own storage).
///
/// # Errors
/// [`Error::Data`] naming the damaged entry or the shortfall.
pub fn verify_pth(path: &Path) -> Result<()> {
    let file = std::fs::File::open(path)
        .map_err(|e| data_error(path, format!("cannot be opened ({e})"), WEIGHTS_FIX))?;
    let mut archive = match zip::ZipArchive::new(std::io::BufReader::new(file)) {
        Ok(a) => a,
        // A bare pickle (PyTorch before 1.6) has no entries to check.
        Err(_) if !is_zip(path) => return Ok(()),
        Err(e) => {
            return Err(data_error(
                path,
                format!("is a damaged zip archive ({e})"),
                WEIGHTS_FIX,
            ));
        }
    };
    let mut storages: Vec<(u64, u64)> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| {
            data_error(
                path,
                format!("zip entry {i} cannot be read ({e})"),
                WEIGHTS_FIX,
            )
        })?;
        let name = entry.name().to_string();
        let declared = entry.size();
        let read = std::io::copy(&mut entry, &mut std::io::sink())
            .map_err(|e| data_error(path, format!("entry {name} is damaged ({e})"), WEIGHTS_FIX))?;
        if read != declared {
            return Err(data_error(
                path,
                format!("entry {name} holds {read} bytes, its header says {declared}"),
                WEIGHTS_FIX,
            ));
        }
        let key = name
            .rsplit_once("/data/")
            .and_then(|(_, k)| k.parse::<u64>().ok());
        if let Some(key) = key {
            storages.push((key, read));
            names.push(name);
        }
    }
    // burn-store finds a storage by its name; one it cannot find (a name
    // that is not valid UTF-8 reads back altered) would be zero-filled.
    for name in &names {
        if archive.by_name(name).is_err() {
            return Err(data_error(
                path,
                format!("entry {name} cannot be found by its own name (a damaged name)"),
                WEIGHTS_FIX,
            ));
        }
    }
    storages.sort_unstable();
    if let Some(k) = storages
        .iter()
        .enumerate()
        .find(|&(i, &(k, _))| k != i as u64)
    {
        return Err(data_error(
            path,
            format!("tensor storage data/{} is missing", k.0),
            WEIGHTS_FIX,
        ));
    }
    let reader = burn_store::pytorch::PytorchReader::new(path).map_err(|e| {
        data_error(
            path,
            format!("not a readable PyTorch checkpoint ({e})"),
            WEIGHTS_FIX,
        )
    })?;
    let mut keys = reader.keys();
    keys.sort();
    let described: u64 = keys
        .iter()
        .filter_map(|k| reader.get(k))
        .map(|t| t.data_len() as u64)
        .sum();
    let stored: u64 = storages.iter().map(|&(_, b)| b).sum();
    if stored < described {
        let first_missing = keys.first().map_or_else(String::new, |k| {
            format!(" (the file lists {} tensors, {k} first)", keys.len())
        });
        return Err(data_error(
            path,
            format!(
                "its tensors need {described} bytes and its storages hold {stored}: a storage is missing or cut short{first_missing}"
            ),
            WEIGHTS_FIX,
        ));
    }
    Ok(())
}

/// Whether `path` starts as a zip archive does.
fn is_zip(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| head == *b"PK\x03\x04")
}

/// The checkpoint formats `infer` reads, told apart by their first bytes
/// (not by the file name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// safetensors: an 8-byte little-endian header length, then a JSON header.
    Safetensors,
    /// PyTorch's `torch.save`: a zip archive of pickles (since PyTorch 1.6),
    /// or a bare pickle (older files).
    Pytorch,
}

/// The [`Format`] of the file `path`.
///
/// # Errors
/// [`Error::Data`] if it cannot be read or is neither format.
pub fn format_of(path: &Path) -> Result<Format> {
    use std::io::Read;
    let size = std::fs::metadata(path)
        .map_err(|e| data_error(path, format!("cannot be read ({e})"), WEIGHTS_FIX))?
        .len();
    let mut head = [0u8; 9];
    let mut file = std::fs::File::open(path)
        .map_err(|e| data_error(path, format!("cannot be opened ({e})"), WEIGHTS_FIX))?;
    let n = file
        .read(&mut head)
        .map_err(|e| data_error(path, format!("cannot be read ({e})"), WEIGHTS_FIX))?;
    // safetensors first: its little-endian header length may start with 0x80.
    let header_len = u64::from_le_bytes(head[..8].try_into().expect("8 bytes"));
    if n == 9 && head[8] == b'{' && header_len.checked_add(8).is_some_and(|end| end <= size) {
        return Ok(Format::Safetensors);
    }
    match &head[..n] {
        [b'P', b'K', 3, 4, ..] => Ok(Format::Pytorch),
        // A pickle: the PROTO opcode and protocol 2-5.
        [0x80, 2..=5, ..] => Ok(Format::Pytorch),
        _ => Err(data_error(
            path,
            "is neither a safetensors file nor a PyTorch checkpoint (.pth)",
            WEIGHTS_FIX,
        )),
    }
}

/// What to do about a checkpoint that does not fit.
pub(crate) const WEIGHTS_FIX: &str = "pass the state dict of an official CRATE model (safetensors or .pth) with matching --preset or size flags";

/// The dictionary a PyTorch checkpoint keeps the state dict under, if any:
/// published checkpoints are a bare state dict or `{"model": state_dict, ...}`
/// (or `"state_dict"`), found here by where `cls_token` sits. A
/// DataParallel `module.` prefix is left to [`KEY_MAP`].
fn wrapper_key(path: &Path) -> Result<Option<String>> {
    let reader = burn_store::pytorch::PytorchReader::new(path).map_err(|e| {
        data_error(
            path,
            format!("not a readable PyTorch checkpoint ({e})"),
            WEIGHTS_FIX,
        )
    })?;
    let mut prefixes: Vec<String> = reader
        .keys()
        .into_iter()
        .filter_map(|k| {
            let p = if k == "cls_token" {
                ""
            } else {
                k.strip_suffix(".cls_token")?
            };
            Some(
                p.strip_suffix(".module")
                    .or(p.strip_prefix("module"))
                    .unwrap_or(p)
                    .to_string(),
            )
        })
        .collect();
    prefixes.sort();
    prefixes.dedup();
    match prefixes.as_slice() {
        [] => Ok(None),
        [p] if p.is_empty() => Ok(None),
        [p] => Ok(Some(p.clone())),
        _ => Err(data_error(
            path,
            format!(
                "holds several models (cls_token under {}); save the one to run on its own",
                prefixes.join(", ")
            ),
            WEIGHTS_FIX,
        )),
    }
}

/// Loads `weights` (safetensors or a PyTorch `.pth`, by content, with the
/// usual wrappers) into `model`; every parameter must be present with its
/// shape, and every tensor in the file must be used.
///
/// # Errors
/// [`Error::Data`] naming the file and the first missing, unknown or misshapen tensor.
pub fn load_weights<B: Backend>(model: &mut Crate<B>, weights: &Path) -> Result<()> {
    const FIX: &str = WEIGHTS_FIX;
    if !weights.is_file() {
        return Err(data_error(weights, "no such file", FIX));
    }
    let result = match format_of(weights)? {
        Format::Safetensors => {
            let mut store = SafetensorsStore::from_file(weights)
                .with_from_adapter(PyTorchToBurnAdapter)
                .allow_partial(true)
                .validate(false);
            for (from, to) in KEY_MAP {
                store = store.with_key_remapping(from, to);
            }
            model.load_from(&mut store).map_err(|e| {
                data_error(
                    weights,
                    format!("not a readable safetensors file ({e})"),
                    FIX,
                )
            })?
        }
        Format::Pytorch => {
            verify_pth(weights)?;
            // No renumbering of layer indices: a checkpoint with a layer
            // missing must be reported, not shifted into place.
            let mut store = burn_store::PytorchStore::from_file(weights)
                .allow_partial(true)
                .validate(false)
                .map_indices_contiguous(false);
            if let Some(key) = wrapper_key(weights)? {
                store = store.with_top_level_key(key);
            }
            for (from, to) in KEY_MAP {
                store = store.with_key_remapping(from, to);
            }
            model.load_from(&mut store).map_err(|e| {
                data_error(
                    weights,
                    format!("not a readable PyTorch checkpoint ({e})"),
                    FIX,
                )
            })?
        }
    };
    if let Some(e) = result.errors.first() {
        return Err(data_error(weights, with_official_name(&e.to_string()), FIX));
    }
    if let Some((path, _)) = result.missing.first() {
        return Err(data_error(
            weights,
            format!("tensor {} is missing", official_name(path)),
            FIX,
        ));
    }
    // A LayerNorm key can be reported unused under its PyTorch name although
    // it was applied under Burn's (gamma/beta); only truly unknown keys count.
    let applied: std::collections::HashSet<String> =
        result.applied.iter().map(|p| official_name(p)).collect();
    if let Some(extra) = result
        .unused
        .iter()
        .find(|k| !applied.contains(&official_name(k)))
    {
        return Err(data_error(
            weights,
            format!("unknown tensor {}", official_name(extra)),
            FIX,
        ));
    }
    Ok(())
}

/// Writes `model` as a safetensors state dict with the official CRATE names
/// and PyTorch's layouts (`Linear` weights `[out, in]`, LayerNorm
/// `weight`/`bias`), so `load_state_dict` of the official model (or
/// [`load_weights`]) reads it back. The ISTA dictionary (a bare parameter,
/// `transformer.layers.L.1.fn.weight`) is written as stored, already in
/// PyTorch's layout.
///
/// # Errors
/// [`Error::Io`] if the file cannot be written.
pub fn save_weights<B: Backend>(model: &Crate<B>, path: &Path) -> Result<()> {
    let mut store = SafetensorsStore::from_file(path)
        .with_to_adapter(BurnToPyTorchAdapter)
        .overwrite(true);
    for (from, to) in OFFICIAL_KEY_MAP {
        store = store.with_key_remapping(from, to);
    }
    model.save_into(&mut store).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    })
}
