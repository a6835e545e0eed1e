//! `infer`: run a PyTorch-trained CRATE checkpoint on a batch of images.
//!
//! The weights are a state dict with the official parameter names, saved as
//! safetensors or by `torch.save` (`.pth`; told apart by content, with the
//! usual `{"model": ...}` wrapper and `module.` prefix handled). The names
//! are `to_patch_embedding.{1,2,3}`, `cls_token`, `pos_embedding`,
//! `transformer.layers.L.0.norm`, `transformer.layers.L.0.fn.qkv`,
//! `transformer.layers.L.0.fn.to_out.0`, `transformer.layers.L.1.norm`,
//! `transformer.layers.L.1.fn.weight`, `mlp_head.0` and `mlp_head.1`. PyTorch stores a `Linear` weight as
//! `[out, in]`, Burn as `[in, out]`: burn-store's PyTorch adapter transposes
//! them (and renames LayerNorm's `weight`/`bias` to `gamma`/`beta`); the ISTA
//! dictionary is a bare parameter and stays in PyTorch layout, as our block
//! expects. The ImageNet-21k demo checkpoints add a `head` after a
//! `dim → dim` `mlp_head` (see [`CrateConfig::pre_logits`]). The input is a
//! float32 `.npy` batch `N × C × H × W`, the output float32 logits
//! `N × classes` (`N × dim` for the demo model), and on request the class
//! token's attention maps of one layer ([`crate::attention`]).

use std::path::{Path, PathBuf};

use burn::prelude::*;
use burn::store::{BurnToPyTorchAdapter, ModuleSnapshot, PyTorchToBurnAdapter, SafetensorsStore};
use burn::tensor::backend::AutodiffBackend;
use ndarray::{Array2, Array4};

use crate::attention::ClassAttention;
use crate::config::{CrateConfig, Preset};
use crate::device::{Device, Job, on_device};
use crate::model::Crate;
use shared::{Error, Result};

/// Official parameter names (regex) and ours (replacement), in the order applied.
pub const KEY_MAP: [(&str, &str); 12] = [
    // Multi-GPU (DistributedDataParallel) checkpoints prefix every key.
    (r"^module\.", ""),
    // The demo checkpoints' separate classifier, before `mlp_head.1` takes our name `head`.
    (r"^head\.", "classifier."),
    (r"^to_patch_embedding\.1\.", "patch_norm."),
    (r"^to_patch_embedding\.2\.", "patch_linear."),
    (r"^to_patch_embedding\.3\.", "embed_norm."),
    (
        r"^transformer\.layers\.(\d+)\.0\.norm\.",
        "layers.$1.attn.norm.",
    ),
    (
        r"^transformer\.layers\.(\d+)\.0\.fn\.qkv\.",
        "layers.$1.attn.qkv.",
    ),
    (
        r"^transformer\.layers\.(\d+)\.0\.fn\.to_out\.0\.",
        "layers.$1.attn.to_out.",
    ),
    (
        r"^transformer\.layers\.(\d+)\.1\.norm\.",
        "layers.$1.ista.norm.",
    ),
    (
        r"^transformer\.layers\.(\d+)\.1\.fn\.weight$",
        "layers.$1.ista.weight",
    ),
    (r"^mlp_head\.0\.", "head_norm."),
    (r"^mlp_head\.1\.", "head."),
];

/// Our parameter names (regex) and the official ones (replacement), for
/// [`save_weights`]: [`KEY_MAP`] read backwards. `head.` is renamed before
/// `classifier.` takes the name `head.`.
pub const OFFICIAL_KEY_MAP: [(&str, &str); 11] = [
    (r"^head\.", "mlp_head.1."),
    (r"^classifier\.", "head."),
    (r"^head_norm\.", "mlp_head.0."),
    (r"^patch_norm\.", "to_patch_embedding.1."),
    (r"^patch_linear\.", "to_patch_embedding.2."),
    (r"^embed_norm\.", "to_patch_embedding.3."),
    (
        r"^layers\.(\d+)\.attn\.norm\.",
        "transformer.layers.$1.0.norm.",
    ),
    (
        r"^layers\.(\d+)\.attn\.qkv\.",
        "transformer.layers.$1.0.fn.qkv.",
    ),
    (
        r"^layers\.(\d+)\.attn\.to_out\.",
        "transformer.layers.$1.0.fn.to_out.0.",
    ),
    (
        r"^layers\.(\d+)\.ista\.norm\.",
        "transformer.layers.$1.1.norm.",
    ),
    (
        r"^layers\.(\d+)\.ista\.weight$",
        "transformer.layers.$1.1.fn.weight",
    ),
];

/// Our parameter path back to the official name (for error messages).
pub fn official_name(path: &str) -> String {
    let layer = |rest: &str| -> Option<(String, String)> {
        let (n, tail) = rest.split_once('.')?;
        Some((n.to_string(), tail.to_string()))
    };
    let ln = |t: &str| t.replace("gamma", "weight").replace("beta", "bias");
    if let Some((n, tail)) = path.strip_prefix("layers.").and_then(layer) {
        let mapped = [
            ("attn.norm.", "0.norm."),
            ("attn.qkv.", "0.fn.qkv."),
            ("attn.to_out.", "0.fn.to_out.0."),
            ("ista.norm.", "1.norm."),
            ("ista.weight", "1.fn.weight"),
        ]
        .iter()
        .find_map(|(ours, theirs)| {
            tail.strip_prefix(ours)
                .map(|t| format!("{theirs}{}", ln(t)))
        });
        if let Some(m) = mapped {
            return format!("transformer.layers.{n}.{m}");
        }
    }
    for (ours, theirs) in [
        ("patch_norm.", "to_patch_embedding.1."),
        ("patch_linear.", "to_patch_embedding.2."),
        ("embed_norm.", "to_patch_embedding.3."),
        ("head_norm.", "mlp_head.0."),
        ("head.", "mlp_head.1."),
        ("classifier.", "head."),
    ] {
        if let Some(t) = path.strip_prefix(ours) {
            return format!("{theirs}{}", ln(t));
        }
    }
    path.to_string()
}

/// A burn-store message with the tensor it quotes (`'layers.0.attn.qkv.weight'`)
/// named as in the checkpoint.
fn with_official_name(message: &str) -> String {
    let mut parts = message.splitn(3, '\'');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(before), Some(path), Some(after)) => {
            format!("{before}'{}'{after}", official_name(path))
        }
        _ => message.to_string(),
    }
}

/// The command line of `infer`.
#[derive(Debug, Clone, PartialEq, clap::Args)]
pub struct InferArgs {
    /// The state dict with the official CRATE names: safetensors or a PyTorch .pth (told apart by content).
    #[arg(long, value_name = "FILE")]
    pub weights: PathBuf,
    /// The images: a float32 .npy array N x C x H x W.
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// Where to write the float32 logits N x classes (.npy; N x dim for crate-demo, whose forward stops at mlp_head).
    #[arg(long, value_name = "FILE")]
    pub output: PathBuf,
    /// The model's shape; the flags below override single sizes.
    #[arg(long, value_enum, default_value_t = Preset::Digits)]
    pub preset: Preset,
    /// Image height = width, pixels.
    #[arg(long)]
    pub image_size: Option<usize>,
    /// Patch height = width, pixels.
    #[arg(long)]
    pub patch_size: Option<usize>,
    /// Colour channels.
    #[arg(long)]
    pub channels: Option<usize>,
    /// Output classes.
    #[arg(long)]
    pub num_classes: Option<usize>,
    /// Token width.
    #[arg(long)]
    pub dim: Option<usize>,
    /// Layers.
    #[arg(long)]
    pub depth: Option<usize>,
    /// Heads per layer.
    #[arg(long)]
    pub heads: Option<usize>,
    /// Dimension of each head.
    #[arg(long)]
    pub dim_head: Option<usize>,
    /// Also write the class token's attention maps here: attention.npy (N x heads x grid x grid) and one PNG per image.
    #[arg(long, value_name = "DIR")]
    pub attention_maps: Option<PathBuf>,
    /// The layer whose attention is drawn, 0-based as in transformer.layers.L (default: the last).
    #[arg(long, value_name = "L", requires = "attention_maps")]
    pub attention_layer: Option<usize>,
    /// Images per forward pass.
    #[arg(long, default_value_t = 64)]
    pub batch: usize,
    /// Where the tensors live: cpu or cuda (needs --features cuda).
    #[arg(long, value_enum, default_value_t = Device::Cpu)]
    pub device: Device,
}

impl InferArgs {
    /// The preset with the overriding flags applied, checked.
    ///
    /// # Errors
    /// As [`CrateConfig::validate`].
    pub fn model(&self) -> Result<CrateConfig> {
        let mut m = self.preset.config();
        let set = |field: &mut usize, value: Option<usize>| {
            if let Some(v) = value {
                *field = v;
            }
        };
        set(&mut m.image_size, self.image_size);
        set(&mut m.patch_size, self.patch_size);
        set(&mut m.channels, self.channels);
        set(&mut m.num_classes, self.num_classes);
        set(&mut m.dim, self.dim);
        set(&mut m.depth, self.depth);
        set(&mut m.heads, self.heads);
        set(&mut m.dim_head, self.dim_head);
        m.validate()?;
        shared::cli::ensure_in_range("--batch", self.batch, 1, 1 << 20)?;
        if let Some(layer) = self.attention_layer {
            shared::cli::ensure_in_range("--attention-layer", layer, 0, m.depth - 1)?;
        }
        Ok(m)
    }
}

fn data_error(path: &Path, problem: impl Into<String>, fix: &'static str) -> Error {
    Error::Data {
        path: path.to_path_buf(),
        problem: problem.into(),
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
const WEIGHTS_FIX: &str = "pass the state dict of an official CRATE model (safetensors or .pth) with matching --preset or size flags";

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

/// Logits of `images` from the model in `weights`, and on request one
/// layer's class-token attention.
struct Infer<'a> {
    model: CrateConfig,
    weights: &'a Path,
    images: &'a Array4<f32>,
    batch: usize,
    attention_layer: Option<usize>,
}

/// What `infer` computed.
#[derive(Debug, Clone, PartialEq)]
pub struct Inferred {
    /// `N × classes` (`N × dim` for a [`CrateConfig::pre_logits`] model).
    pub logits: Array2<f32>,
    /// The requested layer's class-token attention, if asked for.
    pub attention: Option<ClassAttention>,
}

fn inference_error(detail: String) -> Error {
    Error::NumericalFailure {
        algorithm: "CRATE inference",
        detail,
    }
}

impl Job for Infer<'_> {
    type Output = Inferred;

    fn run<B: AutodiffBackend>(self, device: B::Device) -> Result<Inferred> {
        let mut model: Crate<B::InnerBackend> =
            self.model.init(&device, &mut shared::seeded_rng(0))?;
        load_weights(&mut model, self.weights)?;
        let (n, c, h, w) = self.images.dim();
        let width = self.model.output_width();
        let mut logits = Vec::with_capacity(n * width);
        let mut parts = Vec::new();
        for start in (0..n).step_by(self.batch) {
            let end = (start + self.batch).min(n);
            let chunk: Vec<f32> = self
                .images
                .slice(ndarray::s![start..end, .., .., ..])
                .iter()
                .copied()
                .collect();
            let x = Tensor::<B::InnerBackend, 4>::from_data(
                TensorData::new(chunk, [end - start, c, h, w]),
                &device,
            );
            let out = match self.attention_layer {
                Some(layer) => {
                    let (out, attention) =
                        model.forward_with_attention(x, layer).ok_or_else(|| {
                            Error::out_of_range(
                                "--attention-layer",
                                format!("below the depth {}", self.model.depth),
                                layer,
                            )
                        })?;
                    parts.push(crate::attention::class_rows(attention)?);
                    out
                }
                None => model.forward(x),
            };
            let out: Vec<f32> = out
                .into_data()
                .to_vec()
                .map_err(|e| inference_error(format!("{e:?}")))?;
            logits.extend(out);
        }
        let logits = Array2::from_shape_vec((n, width), logits)
            .map_err(|e| inference_error(e.to_string()))?;
        if logits.iter().any(|v| !v.is_finite()) {
            return Err(inference_error(
                "the logits overflowed or are NaN; check the weights".into(),
            ));
        }
        let attention = match parts.is_empty() {
            true => None,
            false => Some(concat(parts)?),
        };
        Ok(Inferred { logits, attention })
    }
}

/// The batches' attention, in order.
fn concat(parts: Vec<ClassAttention>) -> Result<ClassAttention> {
    let maps: Vec<_> = parts.iter().map(|p| p.maps.view()).collect();
    let to_self: Vec<_> = parts.iter().map(|p| p.to_self.view()).collect();
    Ok(ClassAttention {
        maps: ndarray::concatenate(ndarray::Axis(0), &maps)
            .map_err(|e| inference_error(e.to_string()))?,
        to_self: ndarray::concatenate(ndarray::Axis(0), &to_self)
            .map_err(|e| inference_error(e.to_string()))?,
    })
}

fn write_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    }
}

/// Writes `attention` into `dir`: `attention.npy` (`N × heads × grid × grid`,
/// float32) and `image_NNNN.png` per image, the image (grey) then each head's
/// map over it, at the input's size.
///
/// # Errors
/// [`Error::Shape`] if there is not one set of maps per image or the image
/// is not the grid scaled by a whole factor; [`Error::NonFinite`] for NaN;
/// [`Error::Io`] if the directory or a file cannot be written.
pub fn write_attention_maps(
    dir: &Path,
    images: &Array4<f32>,
    attention: &ClassAttention,
) -> Result<()> {
    if attention.maps.dim().0 != images.dim().0 {
        return Err(Error::shape(
            "attention maps",
            format!("one set per image ({})", images.dim().0),
            attention.maps.dim().0.to_string(),
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| write_error(dir, e))?;
    let npy = dir.join("attention.npy");
    ndarray_npy::write_npy(&npy, &attention.maps).map_err(|e| write_error(&npy, e))?;
    for (i, image) in images.outer_iter().enumerate() {
        let grey = crate::attention::to_grey(image)?;
        let row = crate::attention::overlay_row(
            grey.view(),
            attention.maps.index_axis(ndarray::Axis(0), i),
        )?;
        let png = shared::image::rgb_png(row.view())?;
        let path = dir.join(format!("image_{i:04}.png"));
        std::fs::write(&path, png).map_err(|e| write_error(&path, e))?;
    }
    Ok(())
}

/// Runs `infer`: reads the weights and the images, writes the logits (and
/// the attention maps with `--attention-maps`); returns the logits.
///
/// # Errors
/// A bad flag, an unreadable or mismatched file, an unavailable device.
pub fn infer(args: &InferArgs) -> Result<Array2<f32>> {
    infer_all(args).map(|inferred| inferred.logits)
}

/// [`infer`], returning the attention maps too.
///
/// # Errors
/// As [`infer`].
pub fn infer_all(args: &InferArgs) -> Result<Inferred> {
    let model = args.model()?;
    let images = read_images(&args.input, &model)?;
    let attention_layer = args
        .attention_maps
        .as_ref()
        .map(|_| args.attention_layer.unwrap_or(model.depth - 1));
    let inferred = on_device(
        args.device,
        Infer {
            model,
            weights: &args.weights,
            images: &images,
            batch: args.batch,
            attention_layer,
        },
    )?;
    ndarray_npy::write_npy(&args.output, &inferred.logits)
        .map_err(|e| write_error(&args.output, e))?;
    if let (Some(dir), Some(attention)) = (&args.attention_maps, &inferred.attention) {
        write_attention_maps(dir, &images, attention)?;
    }
    Ok(inferred)
}
