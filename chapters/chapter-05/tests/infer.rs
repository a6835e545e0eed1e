//! `infer` on the committed PyTorch fixture (made by `fixtures/make_fixture.py`
//! from a mirror of the official model): logits agree with PyTorch's, and
//! every kind of bad file or flag is a one-line error naming what is wrong.

use std::path::{Path, PathBuf};
use std::process::Command;

use chapter_05::Preset;
use chapter_05::infer::{InferArgs, infer, infer_all};
use ndarray::{Array2, Array4, Axis};
use safetensors::SafeTensors;
use shared::burn::Device;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("chapter-05-infer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// The tiny fixture's shape as `infer` flags (as [`tiny_args`] sets it).
const TINY_FLAGS: [&str; 16] = [
    "--image-size",
    "8",
    "--patch-size",
    "4",
    "--channels",
    "3",
    "--num-classes",
    "5",
    "--dim",
    "16",
    "--depth",
    "2",
    "--heads",
    "2",
    "--dim-head",
    "8",
];

fn tiny_args(weights: PathBuf, output: PathBuf) -> InferArgs {
    InferArgs {
        weights,
        input: fixture("tiny_input.npy"),
        output,
        preset: Preset::Digits,
        image_size: Some(8),
        patch_size: Some(4),
        channels: Some(3),
        num_classes: Some(5),
        dim: Some(16),
        depth: Some(2),
        heads: Some(2),
        dim_head: Some(8),
        attention_maps: None,
        attention_layer: None,
        batch: 2,
        device: Device::Cpu,
    }
}

#[test]
fn logits_match_pytorch() {
    let out = scratch("logits.npy");
    let got = infer(&tiny_args(fixture("tiny.safetensors"), out.clone())).unwrap();
    let want: Array2<f32> = ndarray_npy::read_npy(fixture("tiny_logits.npy")).unwrap();
    let written: Array2<f32> = ndarray_npy::read_npy(&out).unwrap();
    assert_eq!(got, written);
    assert_eq!(got.dim(), (3, 5));
    let err = got
        .iter()
        .zip(&want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, |m, v| if v > m || v.is_nan() { v } else { m });
    assert!(err < 1e-5, "max |logit difference| {err}");
}

/// The largest |a - b| over two arrays of the same shape (NaN-aware).
fn max_diff(a: &Array2<f32>, b: &Array2<f32>) -> f32 {
    assert_eq!(a.dim(), b.dim());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, |m, v| if v > m || v.is_nan() { v } else { m })
}

/// The same weights saved by `torch.save` (`make_fixture.py`): the
/// state dict itself, `{"model": {"module." + name: tensor}, "epoch": 7}` and
/// `{"state_dict": ..., "optimizer": ...}` give the safetensors path's logits
/// (to 1e-6) and PyTorch's (to 1e-4).
#[test]
fn pth_checkpoints_match_the_safetensors_path_and_pytorch() {
    let reference = infer(&tiny_args(fixture("tiny.safetensors"), scratch("st.npy"))).unwrap();
    let pytorch: Array2<f32> = ndarray_npy::read_npy(fixture("tiny_logits.npy")).unwrap();
    for name in ["tiny.pth", "tiny_wrapped.pth", "tiny_state_dict.pth"] {
        assert_eq!(
            chapter_05::infer::format_of(&fixture(name)).unwrap(),
            chapter_05::infer::Format::Pytorch
        );
        let got = infer(&tiny_args(fixture(name), scratch("pth.npy"))).unwrap();
        assert!(
            max_diff(&got, &reference) <= 1e-6,
            "{name}: {}",
            max_diff(&got, &reference)
        );
        assert!(
            max_diff(&got, &pytorch) <= 1e-4,
            "{name}: {}",
            max_diff(&got, &pytorch)
        );
    }
    // Chosen by content: a .pth under a .safetensors name still loads.
    let renamed = scratch("really-a-pth.safetensors");
    std::fs::copy(fixture("tiny.pth"), &renamed).unwrap();
    let got = infer(&tiny_args(renamed, scratch("renamed.npy"))).unwrap();
    assert!(max_diff(&got, &reference) <= 1e-6);
}

#[test]
fn bad_pth_files_are_one_line_errors() {
    let bytes = std::fs::read(fixture("tiny.pth")).unwrap();
    let truncated = scratch("truncated.pth");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let e = error_of(truncated);
    assert!(e.contains("truncated.pth") && !e.contains('\n'), "{e}");
    let text = scratch("notes.pth");
    std::fs::write(&text, "these are not weights\n").unwrap();
    let e = error_of(text);
    assert!(
        e.contains("notes.pth")
            && e.contains("neither a safetensors file nor a PyTorch checkpoint"),
        "{e}"
    );
    // Two models in one file: refused, not one of them picked at random.
    let e = error_of(fixture("tiny_two_models.pth"));
    assert!(
        e.contains("several models") && e.contains("model_ema"),
        "{e}"
    );
    // burn-store 0.21's pickle reader cannot parse integer dict keys (an
    // optimizer state): a one-line error, not a crash.
    let e = error_of(fixture("tiny_int_keys.pth"));
    assert!(
        e.contains("tiny_int_keys.pth")
            && e.contains("not a readable PyTorch checkpoint")
            && !e.contains('\n'),
        "{e}"
    );
    // Flags that disagree with the file: a one-line shape error on both paths.
    for name in ["tiny.pth", "tiny.safetensors"] {
        let mut args = tiny_args(fixture(name), scratch("unused.npy"));
        args.dim = Some(32);
        args.dim_head = Some(16);
        let e = infer(&args).unwrap_err().to_string();
        assert!(
            e.contains(name) && e.to_lowercase().contains("shape") && !e.contains('\n'),
            "{e}"
        );
    }
}

/// A safetensors file whose header length starts with the byte 0x80 (the
/// pickle PROTO opcode) is still recognized as safetensors.
#[test]
fn a_safetensors_header_starting_with_0x80_is_safetensors() {
    let path = scratch("header-0x80.safetensors");
    let mut bytes = 0x80u64.to_le_bytes().to_vec();
    let header = format!(
        "{{\"__metadata__\":{{\"pad\":\"{}\"}}}}",
        "x".repeat(0x80 - 27)
    );
    assert_eq!(header.len(), 0x80);
    bytes.extend_from_slice(header.as_bytes());
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(
        chapter_05::infer::format_of(&path).unwrap(),
        chapter_05::infer::Format::Safetensors
    );
}

/// The fixture rewritten by `edit` (a tensor dropped, added or reshaped).
fn edited(name: &str, edit: impl FnOnce(&mut Vec<(String, Vec<usize>, Vec<u8>)>)) -> PathBuf {
    let bytes = std::fs::read(fixture("tiny.safetensors")).unwrap();
    let st = SafeTensors::deserialize(&bytes).unwrap();
    let mut tensors: Vec<(String, Vec<usize>, Vec<u8>)> = st
        .tensors()
        .into_iter()
        .map(|(k, v)| (k, v.shape().to_vec(), v.data().to_vec()))
        .collect();
    tensors.sort();
    edit(&mut tensors);
    let views: Vec<(String, safetensors::tensor::TensorView)> = tensors
        .iter()
        .map(|(k, shape, data)| {
            (
                k.clone(),
                safetensors::tensor::TensorView::new(safetensors::Dtype::F32, shape.clone(), data)
                    .unwrap(),
            )
        })
        .collect();
    let path = scratch(name);
    safetensors::serialize_to_file(views, None, &path).unwrap();
    path
}

fn error_of(weights: PathBuf) -> String {
    infer(&tiny_args(weights, scratch("unused.npy")))
        .unwrap_err()
        .to_string()
}

#[test]
fn bad_checkpoints_name_the_tensor_or_file() {
    let missing = edited("missing.safetensors", |t| {
        t.retain(|(k, _, _)| k != "transformer.layers.1.1.fn.weight")
    });
    let e = error_of(missing);
    assert!(
        e.contains("transformer.layers.1.1.fn.weight") && e.contains("missing"),
        "{e}"
    );

    let extra = edited("extra.safetensors", |t| {
        t.push(("decoder.weight".into(), vec![2], vec![0; 8]))
    });
    let e = error_of(extra);
    assert!(e.contains("decoder.weight"), "{e}");

    let reshaped = edited("reshaped.safetensors", |t| {
        for (k, shape, _) in t.iter_mut() {
            if k == "mlp_head.1.weight" {
                *shape = vec![16, 5];
            }
        }
    });
    let e = error_of(reshaped);
    assert!(e.contains("head"), "{e}");

    let truncated = scratch("truncated.safetensors");
    let bytes = std::fs::read(fixture("tiny.safetensors")).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let e = error_of(truncated);
    assert!(e.contains("truncated.safetensors"), "{e}");

    let e = error_of(scratch("does-not-exist.safetensors"));
    assert!(
        e.contains("does-not-exist.safetensors") && e.contains("no such file"),
        "{e}"
    );

    // The flags disagree with the file: dim 32 instead of 16.
    let mut args = tiny_args(fixture("tiny.safetensors"), scratch("unused.npy"));
    args.dim = Some(32);
    args.dim_head = Some(16);
    let e = infer(&args).unwrap_err().to_string();
    assert!(
        e.contains("tiny.safetensors") && e.to_lowercase().contains("shape"),
        "{e}"
    );
}

#[test]
fn bad_images_and_flags_are_one_line_errors() {
    let exe = env!("CARGO_BIN_EXE_chapter-05");
    let run = |args: &[&str]| {
        let out = Command::new(exe).args(args).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let w = fixture("tiny.safetensors");
    let w = w.to_str().unwrap();
    let x = fixture("tiny_input.npy");
    let x = x.to_str().unwrap();
    let o = scratch("cli.npy");
    let o = o.to_str().unwrap();
    let tiny = TINY_FLAGS;
    let mut ok = vec!["infer", "--weights", w, "--input", x, "--output", o];
    ok.extend(tiny);
    let (code, err) = run(&ok);
    assert_eq!(code, Some(0), "{err}");

    // Images of the wrong size for the model (the digits preset takes 1 x 28 x 28).
    let (code, err) = run(&["infer", "--weights", w, "--input", x, "--output", o]);
    assert_ne!(code, Some(0));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("tiny_input.npy") && err.contains("3 x 8 x 8"),
        "{err}"
    );

    // --attention-layer without --attention-maps: clap's one line keeps the
    // name of what is missing.
    let mut bad = vec![
        "infer",
        "--weights",
        w,
        "--input",
        x,
        "--output",
        o,
        "--attention-layer",
        "1",
    ];
    bad.extend(tiny);
    let (code, err) = run(&bad);
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("--attention-maps <DIR>"), "{err}");

    // A file that is not .npy.
    let mut bad = vec!["infer", "--weights", w, "--input", w, "--output", o];
    bad.extend(tiny);
    let (code, err) = run(&bad);
    assert_ne!(code, Some(0));
    assert_eq!(err.lines().count(), 1, "{err}");

    // Unknown preset, bad sizes, CUDA without the feature.
    for args in [
        vec![
            "infer",
            "--weights",
            w,
            "--input",
            x,
            "--output",
            o,
            "--preset",
            "crate-huge",
        ],
        vec![
            "infer",
            "--weights",
            w,
            "--input",
            x,
            "--output",
            o,
            "--patch-size",
            "5",
        ],
        vec!["--epochs", "0"],
        vec!["--epochs", "200"],
        vec!["--dim", "1024", "--depth", "32"],
        vec!["--dim", "130", "--heads", "4"],
        vec!["--lr", "nan"],
        vec!["--bogus"],
    ] {
        let (code, err) = run(&args);
        assert_ne!(code, Some(0), "{args:?}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    }
    if !cfg!(feature = "cuda") {
        let mut cuda = ok.clone();
        cuda.extend(["--device", "cuda"]);
        let (code, err) = run(&cuda);
        assert_eq!(code, Some(2));
        assert!(err.contains("--features cuda"), "{err}");
    }
}

/// The demo checkpoints' head layout (`mlp_head` to `dim`, then a separate
/// `head`), as `{"model": state_dict}` in a `.pth`: loaded by the crate-demo
/// preset (shrunk by the size flags) and run as the official forward runs
/// it, up to `mlp_head`.
#[test]
fn demo_head_layout_loads_and_runs_like_pytorch() {
    let mut args = tiny_args(fixture("tiny_demo.pth"), scratch("demo.npy"));
    args.preset = Preset::CrateDemo;
    assert!(args.model().unwrap().pre_logits);
    let got = infer(&args).unwrap();
    let want: Array2<f32> = ndarray_npy::read_npy(fixture("tiny_demo_output.npy")).unwrap();
    assert_eq!(got.dim(), (3, 16));
    assert!(max_diff(&got, &want) <= 1e-4, "{}", max_diff(&got, &want));
    // The plain layout under the demo preset, and the demo file under the
    // plain one: a missing or unknown tensor by its official name.
    let e = error_of(fixture("tiny_demo.pth"));
    assert!(
        e.contains("'mlp_head.1.weight'") && e.contains("[16, 16]"),
        "{e}"
    );
    let mut args = tiny_args(fixture("tiny.safetensors"), scratch("unused.npy"));
    args.preset = Preset::CrateDemo;
    let e = infer(&args).unwrap_err().to_string();
    assert!(
        e.contains("'mlp_head.1.weight'") && e.contains("[16, 5]"),
        "{e}"
    );
}

/// A demo-layout file without its separate classifier: the missing tensor
/// is named as in the checkpoint (`head.weight`), not by our field name.
#[test]
fn demo_layout_without_its_classifier_names_head_weight() {
    let path = edited("no-classifier.safetensors", |t| {
        for (k, shape, data) in t.iter_mut() {
            if k == "mlp_head.1.weight" {
                *shape = vec![16, 16];
                *data = vec![0; 16 * 16 * 4];
            } else if k == "mlp_head.1.bias" {
                *shape = vec![16];
                *data = vec![0; 16 * 4];
            }
        }
    });
    let mut args = tiny_args(path, scratch("unused.npy"));
    args.preset = Preset::CrateDemo;
    let e = infer(&args).unwrap_err().to_string();
    assert!(
        e.contains("tensor head.") && e.contains("is missing"),
        "{e}"
    );
}

/// `--attention-maps`: the class token's attention of the chosen layer
/// agrees with PyTorch's (`tiny_attention.npy`, rows renormalized over the
/// patches), each map sums to 1, and the files are written: the maps as
/// .npy and one PNG per image (the image and one panel per head).
#[test]
fn attention_maps_match_pytorch_and_are_written() {
    let pytorch: Array4<f32> = ndarray_npy::read_npy(fixture("tiny_attention.npy")).unwrap();
    let (layers, n, heads, tokens) = pytorch.dim();
    assert_eq!((layers, n, heads, tokens), (2, 3, 2, 5));
    for layer in [Some(0), None] {
        let dir = scratch(&format!("maps-{layer:?}"));
        let mut args = tiny_args(fixture("tiny.safetensors"), scratch("maps.npy"));
        args.attention_maps = Some(dir.clone());
        args.attention_layer = layer;
        let got = infer_all(&args).unwrap().attention.unwrap();
        assert_eq!(got.maps.dim(), (3, 2, 2, 2));
        let rows = pytorch.index_axis(Axis(0), layer.unwrap_or(layers - 1));
        for i in 0..n {
            for k in 0..heads {
                let row = rows.slice(ndarray::s![i, k, ..]);
                let patches: f32 = row.iter().skip(1).sum();
                assert!((got.to_self[[i, k]] - row[0]).abs() <= 1e-5);
                let map = got.maps.slice(ndarray::s![i, k, .., ..]);
                assert!((map.sum() - 1.0).abs() <= 1e-5, "sum {}", map.sum());
                for p in 0..4 {
                    let want = row[1 + p] / patches;
                    assert!(
                        (map[[p / 2, p % 2]] - want).abs() <= 1e-5,
                        "{layer:?} {i} {k} {p}"
                    );
                }
            }
        }
        let written: Array4<f32> = ndarray_npy::read_npy(dir.join("attention.npy")).unwrap();
        assert_eq!(written, got.maps);
        for i in 0..n {
            let png = std::fs::read(dir.join(format!("image_{i:04}.png"))).unwrap();
            assert_eq!(&png[1..4], b"PNG");
            let be = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
            // Width: the image and two heads, 8 pixels each, 2 apart; height 8; RGB.
            assert_eq!((be(16), be(20), png[25]), (3 * 8 + 2 * 2, 8, 2));
        }
    }
    // A layer the model does not have is a one-line error naming the flag.
    let mut args = tiny_args(fixture("tiny.safetensors"), scratch("unused.npy"));
    args.attention_maps = Some(scratch("never"));
    args.attention_layer = Some(2);
    let e = infer(&args).unwrap_err().to_string();
    assert!(e.contains("--attention-layer") && !e.contains('\n'), "{e}");
}

/// `save_weights` writes the official names and PyTorch's layouts: the
/// PyTorch fixture loaded and saved again is the same state dict, tensor for
/// tensor and byte for byte (so PyTorch's `load_state_dict` reads our
/// models), and `load_weights` reads the saved file back.
#[test]
fn saved_weights_are_the_pytorch_state_dict() {
    use chapter_05::infer::{load_weights, save_weights};
    use shared::burn::Cpu;

    let config = tiny_args(fixture("tiny.safetensors"), scratch("unused.npy"))
        .model()
        .unwrap();
    let device = Default::default();
    let mut model = config
        .init::<Cpu>(&device, &mut shared::seeded_rng(3))
        .unwrap();
    load_weights(&mut model, &fixture("tiny.safetensors")).unwrap();
    let saved = scratch("saved.safetensors");
    save_weights(&model, &saved).unwrap();
    // A path that cannot be written (under a regular file) is an error naming it.
    let bad = fixture("tiny.safetensors").join("out.safetensors");
    let e = save_weights(&model, &bad).unwrap_err().to_string();
    assert!(e.contains("out.safetensors"), "{e}");

    let original = std::fs::read(fixture("tiny.safetensors")).unwrap();
    let written = std::fs::read(&saved).unwrap();
    let (original, written) = (
        SafeTensors::deserialize(&original).unwrap(),
        SafeTensors::deserialize(&written).unwrap(),
    );
    let mut names = written.names();
    names.sort();
    let mut want = original.names();
    want.sort();
    assert_eq!(names, want);
    for name in want {
        let (a, b) = (
            original.tensor(name).unwrap(),
            written.tensor(name).unwrap(),
        );
        assert_eq!(a.shape(), b.shape(), "{name}");
        assert_eq!(a.dtype(), b.dtype(), "{name}");
        assert!(a.data() == b.data(), "{name}: values differ");
    }

    // `infer` (a fresh model, other random weights) loads it to PyTorch's logits.
    let logits = infer(&tiny_args(saved, scratch("saved_logits.npy"))).unwrap();
    let want: Array2<f32> = ndarray_npy::read_npy(fixture("tiny_logits.npy")).unwrap();
    assert!(max_diff(&logits, &want) < 1e-5);

    // The demo layout (our `classifier` is the official `head`, our `head`
    // its `mlp_head.1`): saved from the `.pth` and read back, the same output.
    let mut args = tiny_args(fixture("tiny_demo.pth"), scratch("unused.npy"));
    args.preset = Preset::CrateDemo;
    let mut demo = args
        .model()
        .unwrap()
        .init::<Cpu>(&device, &mut shared::seeded_rng(5))
        .unwrap();
    load_weights(&mut demo, &fixture("tiny_demo.pth")).unwrap();
    let saved = scratch("saved_demo.safetensors");
    save_weights(&demo, &saved).unwrap();
    let bytes = std::fs::read(&saved).unwrap();
    let file = SafeTensors::deserialize(&bytes).unwrap();
    let names = file.names();
    assert!(names.contains(&"head.weight"), "{names:?}");
    assert!(names.contains(&"mlp_head.1.weight"), "{names:?}");
    args.weights = saved;
    args.output = scratch("saved_demo.npy");
    let got = infer(&args).unwrap();
    let want: Array2<f32> = ndarray_npy::read_npy(fixture("tiny_demo_output.npy")).unwrap();
    assert!(max_diff(&got, &want) <= 1e-4, "{}", max_diff(&got, &want));
}

/// The zip entries of `path`: (name, stored bytes), in order.
fn zip_entries(path: &Path) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut e = archive.by_index(i).unwrap();
            let mut bytes = Vec::new();
            e.read_to_end(&mut bytes).unwrap();
            (e.name().to_string(), bytes)
        })
        .collect()
}

/// A stored (uncompressed) zip of `entries`, as `torch.save` writes one.
fn write_zip(path: &Path, entries: &[(String, Vec<u8>)]) {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in entries {
        w.start_file(name.as_str(), options).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap();
}

/// Measured on main before the fix: both damaged files ran through `infer`
/// with exit 0 and wrong logits (burn-store zero-fills what it cannot read).
#[test]
fn a_pth_with_an_entry_left_out_or_a_flipped_byte_is_refused() {
    let entries = zip_entries(&fixture("tiny.pth"));
    let storages: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].0.contains("/data/"))
        .collect();
    assert!(
        storages.len() > 3,
        "{:?}",
        entries.iter().map(|e| &e.0).collect::<Vec<_>>()
    );
    // The rewritten archive is read as the original is.
    let same = scratch("rewritten.pth");
    write_zip(&same, &entries);
    let a = infer(&tiny_args(same, scratch("same.npy"))).unwrap();
    let b = infer(&tiny_args(fixture("tiny.pth"), scratch("orig.npy"))).unwrap();
    assert_eq!(a, b);
    // Each storage left out in turn (the first, a middle one, the last).
    for &drop in [
        storages[0],
        storages[storages.len() / 2],
        *storages.last().unwrap(),
    ]
    .iter()
    {
        let mut less = entries.clone();
        let (name, _) = less.remove(drop);
        let path = scratch("left-out.pth");
        write_zip(&path, &less);
        let e = error_of(path);
        assert!(
            e.contains("left-out.pth") && e.contains("missing") && !e.contains('\n'),
            "{name}: {e}"
        );
    }
    // One byte flipped inside a stored tensor: its CRC no longer matches.
    let bytes = std::fs::read(fixture("tiny.pth")).unwrap();
    let (name, data) = &entries[storages[1]];
    let at = bytes
        .windows(data.len())
        .position(|w| w == data.as_slice())
        .unwrap_or_else(|| panic!("{name} stored uncompressed"));
    let mut flipped = bytes.clone();
    flipped[at + data.len() / 2] ^= 0x10;
    let path = scratch("flipped.pth");
    std::fs::write(&path, &flipped).unwrap();
    let e = error_of(path);
    assert!(
        e.contains("flipped.pth") && e.contains("damaged") && !e.contains('\n'),
        "{e}"
    );
    // A storage cut short (its entry rewritten with fewer bytes).
    let mut short = entries.clone();
    let cut = short[storages[0]].1.len() / 2;
    short[storages[0]].1.truncate(cut);
    let path = scratch("short.pth");
    write_zip(&path, &short);
    let e = error_of(path);
    assert!(e.contains("short.pth") && e.contains("cut short"), "{e}");
}

/// Measured on main before the fix: a 128-byte .npy declaring a huge shape
/// aborted the process (exit 134) allocating from the header.
#[test]
fn a_npy_whose_header_lies_about_its_size_is_refused_before_allocating() {
    let exe = env!("CARGO_BIN_EXE_chapter-05");
    let header = |shape: &str| {
        let dict = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}");
        let mut h = b"\x93NUMPY\x01\x00".to_vec();
        let pad = 64 - (10 + dict.len() + 1) % 64;
        let len = (dict.len() + pad + 1) as u16;
        h.extend(len.to_le_bytes());
        h.extend(dict.as_bytes());
        h.extend(std::iter::repeat_n(b' ', pad));
        h.push(b'\n');
        h
    };
    for (name, shape, extra) in [
        ("huge.npy", "(100000000000, 3, 8, 8)", 0usize),
        (
            "overflow.npy",
            "(18446744073709551615, 18446744073709551615, 8, 8)",
            0,
        ),
        ("short.npy", "(3, 3, 8, 8)", 4 * 3 * 3 * 8 * 8 - 4),
        ("long.npy", "(3, 3, 8, 8)", 4 * 3 * 3 * 8 * 8 + 4),
    ] {
        let mut bytes = header(shape);
        bytes.extend(std::iter::repeat_n(0u8, extra));
        let path = scratch(name);
        std::fs::write(&path, &bytes).unwrap();
        let out = Command::new(exe)
            .args(["infer", "--weights"])
            .arg(fixture("tiny.safetensors"))
            .arg("--input")
            .arg(&path)
            .args(["--output"])
            .arg(scratch("never.npy"))
            .args(TINY_FLAGS)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(
            err.contains(name) && err.lines().count() == 1,
            "{name}: {err}"
        );
    }
}

/// Measured on main before the fix: `--dim 30000 --dim-head 30000` with a
/// missing weights file allocated for 20 s before its error; a model too
/// large for its weights file is refused before it is built.
#[test]
fn missing_or_too_small_weights_are_refused_at_once() {
    let started = std::time::Instant::now();
    // 400 million parameters (1.6 GB), within the limits of the flags.
    let mut args = tiny_args(scratch("no-such-weights.pth"), scratch("never.npy"));
    args.dim = Some(8192);
    args.dim_head = Some(8192);
    args.heads = Some(1);
    let e = infer(&args).unwrap_err().to_string();
    assert!(
        e.contains("no-such-weights.pth") && e.contains("no such file"),
        "{e}"
    );
    let mut args = tiny_args(fixture("tiny.safetensors"), scratch("never.npy"));
    args.dim = Some(4096);
    args.dim_head = Some(4096);
    args.heads = Some(1);
    let e = infer(&args).unwrap_err().to_string();
    assert!(e.contains("too small") && e.contains("GB"), "{e}");
    assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
}
