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

pub mod keys;
pub mod load;
pub mod output;

use std::path::{Path, PathBuf};

use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;
use ndarray::{Array2, Array4};

use crate::attention::ClassAttention;
use crate::config::{CrateConfig, Preset};
use crate::model::Crate;
use shared::burn::{Device, Job, on_device};
use shared::{Error, Result};

pub use keys::{KEY_MAP, OFFICIAL_KEY_MAP, official_name};
pub use load::{Format, format_of, load_weights, read_images, save_weights};
pub use output::write_attention_maps;
use output::write_error;

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

/// Bytes per parameter of the smallest weights file `infer` reads (half precision).
const MIN_BYTES_PER_PARAMETER: u64 = 2;

/// Checks, before anything is read, that both files exist.
///
/// # Errors
/// [`Error::Data`] naming the missing file.
fn check_paths(args: &InferArgs) -> Result<()> {
    for path in [&args.weights, &args.input] {
        if !path.is_file() {
            return Err(load::data_error(
                path,
                "no such file",
                "pass the path of an existing file (--weights, --input)",
            ));
        }
    }
    Ok(())
}

/// Checks, before the model is built, that the weights file is one of the
/// formats `infer` reads and large enough
/// to hold the model the flags describe: a model too large for it is
/// refused at once, with the memory it would need.
///
/// # Errors
/// [`Error::Data`] naming the file.
fn check_weights_size(weights: &Path, model: &CrateConfig) -> Result<()> {
    if format_of(weights)? == Format::Pytorch {
        load::verify_pth(weights)?;
    }
    let size = std::fs::metadata(weights)
        .map_err(|e| load::data_error(weights, format!("cannot be read ({e})"), load::WEIGHTS_FIX))?
        .len();
    let parameters = model.parameter_count() as u64;
    if parameters.saturating_mul(MIN_BYTES_PER_PARAMETER) > size {
        return Err(load::data_error(
            weights,
            format!(
                "is {size} bytes, too small for the model shape the flags describe ({parameters} parameters, {:.1} GB in float32)",
                parameters as f64 * 4.0 / 1e9
            ),
            load::WEIGHTS_FIX,
        ));
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
    check_paths(args)?;
    let images = read_images(&args.input, &model)?;
    check_weights_size(&args.weights, &model)?;
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
