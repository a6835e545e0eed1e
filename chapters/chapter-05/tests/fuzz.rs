//! The file readers fed damaged files: for each reader at least 1,000
//! seeded cases of truncated, bit-flipped and header-forged files. Every
//! outcome must be a typed error or a load whose values equal the
//! original's: no panic, no abort, no `Ok` with altered values.
//!
//! What a format cannot know is left out and said here: `.npy` and
//! safetensors carry no checksum, so a flipped bit inside their tensor data
//! is a different, valid file; their cases flip bits in the headers, forge
//! the headers and truncate. A `.pth` (zip entries with CRC-32), a
//! checkpoint (SHA-256 of every file and of the state) and the shipped
//! digits (SHA-256) are fuzzed everywhere.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use chapter_05::config::CrateConfig;
use chapter_05::infer::{load_weights, read_images};
use chapter_05::model::Crate;
use ndarray::Array4;
use rand::RngExt;
use shared::burn::Cpu;
use shared::burn::checkpoint;
use shared::rng::Rng;

/// Cases per reader.
const CASES: usize = 1000;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("chapter-05-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// The tiny fixture's shape.
fn tiny() -> CrateConfig {
    let mut m = chapter_05::Preset::Digits.config();
    (m.image_size, m.patch_size, m.channels, m.num_classes) = (8, 4, 3, 5);
    (m.dim, m.depth, m.heads, m.dim_head) = (16, 2, 2, 8);
    m
}

/// How the outcomes of one reader's cases came out.
#[derive(Debug, Default)]
struct Tally {
    errors: usize,
    same: usize,
}

impl Tally {
    /// Records one case: an error, or an `Ok` whose values must equal the original's.
    fn record<T: PartialEq + std::fmt::Debug>(
        &mut self,
        case: &str,
        got: Result<T, String>,
        want: &T,
    ) {
        match got {
            Err(e) => {
                assert!(!e.contains('\n'), "{case}: a multi-line error: {e}");
                self.errors += 1;
            }
            Ok(v) => {
                assert!(&v == want, "{case}: Ok with altered values");
                self.same += 1;
            }
        }
    }
}

/// `bytes` damaged one way, chosen by `rng`: truncated, a bit flipped in
/// `bytes[flip_range]`, or `forge` applied (a forged header).
fn damage(
    rng: &mut Rng,
    bytes: &[u8],
    flip_range: std::ops::Range<usize>,
    forge: &dyn Fn(&mut Rng, &mut Vec<u8>),
) -> (String, Vec<u8>) {
    let mut out = bytes.to_vec();
    match rng.random_range(0..3) {
        0 => {
            let at = rng.random_range(0..bytes.len());
            out.truncate(at);
            (format!("truncated at {at}"), out)
        }
        1 => {
            let at = rng.random_range(flip_range);
            let bit = rng.random_range(0..8);
            out[at] ^= 1 << bit;
            (format!("bit {bit} of byte {at} flipped"), out)
        }
        _ => {
            forge(rng, &mut out);
            ("header forged".to_string(), out)
        }
    }
}

/// Runs `f`, turning a panic into a failure of the test that names the case.
fn no_panic<T>(case: &str, f: impl FnOnce() -> T) -> T {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|_| panic!("{case}: the reader panicked"))
}

/// The header length of a `.npy` file (magic, version, length, dict).
fn npy_header_len(bytes: &[u8]) -> usize {
    10 + u16::from_le_bytes([bytes[8], bytes[9]]) as usize
}

#[test]
fn npy_reader() {
    let original = fixture("tiny_input.npy");
    let bytes = std::fs::read(&original).unwrap();
    let want: Array4<f32> = read_images(&original, &tiny()).unwrap();
    let header = npy_header_len(&bytes);
    let forge = |rng: &mut Rng, b: &mut Vec<u8>| {
        let dims: Vec<String> = (0..4)
            .map(|_| match rng.random_range(0..3) {
                0 => rng.random_range(0..10u64).to_string(),
                1 => rng.random_range(0..u64::MAX).to_string(),
                _ => rng.random_range(0..1u64 << 40).to_string(),
            })
            .collect();
        let dict = format!(
            "{{'descr': '<f4', 'fortran_order': False, 'shape': ({}), }}",
            dims.join(", ")
        );
        let mut h = b"\x93NUMPY\x01\x00".to_vec();
        let pad = (64 - (10 + dict.len() + 1) % 64) % 64;
        h.extend(((dict.len() + pad + 1) as u16).to_le_bytes());
        h.extend(dict.as_bytes());
        h.extend(std::iter::repeat_n(b' ', pad));
        h.push(b'\n');
        let data = b[npy_header_len(b)..].to_vec();
        *b = h;
        b.extend(data);
    };
    let mut rng = shared::seeded_rng(51);
    let mut tally = Tally::default();
    let path = scratch("fuzz.npy");
    for i in 0..CASES {
        let (how, damaged) = damage(&mut rng, &bytes, 0..header, &forge);
        let case = format!("npy case {i} ({how})");
        std::fs::write(&path, &damaged).unwrap();
        let got = no_panic(&case, || {
            read_images(&path, &tiny()).map_err(|e| e.to_string())
        });
        tally.record(&case, got, &want);
    }
    eprintln!(
        "npy: {CASES} cases, {} errors, {} loads equal to the original",
        tally.errors, tally.same
    );
    assert_eq!(tally.errors + tally.same, CASES);
}

/// The logits of the tiny model loaded from `weights` on the fixture's input.
fn logits_of(weights: &Path) -> Result<Vec<f32>, String> {
    let device = Default::default();
    let mut model: Crate<burn::backend::Flex> = tiny()
        .init(&device, &mut shared::seeded_rng(0))
        .map_err(|e| e.to_string())?;
    load_weights(&mut model, weights).map_err(|e| e.to_string())?;
    let x: Array4<f32> = read_images(&fixture("tiny_input.npy"), &tiny()).unwrap();
    let (n, c, h, w) = x.dim();
    let x = Tensor::from_data(
        TensorData::new(x.into_raw_vec_and_offset().0, [n, c, h, w]),
        &device,
    );
    model
        .forward(x)
        .into_data()
        .to_vec::<f32>()
        .map_err(|e| format!("{e:?}"))
}

#[test]
fn pth_reader() {
    let original = fixture("tiny.pth");
    let bytes = std::fs::read(&original).unwrap();
    let want = logits_of(&original).unwrap();
    // A forged zip: the end-of-central-directory record's counts and offset.
    let forge = |rng: &mut Rng, b: &mut Vec<u8>| {
        let eocd = b.windows(4).rposition(|w| w == b"PK\x05\x06").unwrap();
        let at = eocd + rng.random_range(8..20);
        b[at] = rng.random();
    };
    let mut rng = shared::seeded_rng(52);
    let mut tally = Tally::default();
    let path = scratch("fuzz.pth");
    for i in 0..CASES {
        let (how, damaged) = damage(&mut rng, &bytes, 0..bytes.len(), &forge);
        let case = format!("pth case {i} ({how})");
        std::fs::write(&path, &damaged).unwrap();
        let got = no_panic(&case, || logits_of(&path));
        tally.record(&case, got, &want);
    }
    eprintln!(
        "pth: {CASES} cases, {} errors, {} loads equal to the original",
        tally.errors, tally.same
    );
    assert!(tally.errors > CASES / 2, "{tally:?}");
}

#[test]
fn safetensors_reader() {
    let original = fixture("tiny.safetensors");
    let bytes = std::fs::read(&original).unwrap();
    let want = logits_of(&original).unwrap();
    let header = 8 + u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let forge = |rng: &mut Rng, b: &mut Vec<u8>| {
        let len: u64 = match rng.random_range(0..3) {
            0 => rng.random(),
            1 => rng.random_range(0..b.len() as u64 * 2),
            _ => (b.len() as u64).wrapping_sub(rng.random_range(0..16)),
        };
        b[..8].copy_from_slice(&len.to_le_bytes());
    };
    let mut rng = shared::seeded_rng(53);
    let mut tally = Tally::default();
    let path = scratch("fuzz.safetensors");
    for i in 0..CASES {
        let (how, damaged) = damage(&mut rng, &bytes, 0..header, &forge);
        let case = format!("safetensors case {i} ({how})");
        std::fs::write(&path, &damaged).unwrap();
        let got = no_panic(&case, || logits_of(&path));
        tally.record(&case, got, &want);
    }
    eprintln!(
        "safetensors: {CASES} cases, {} errors, {} loads equal to the original",
        tally.errors, tally.same
    );
    assert!(tally.errors > CASES / 2, "{tally:?}");
}

/// A checkpoint's progress, as a chapter would save it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Progress {
    epochs_done: usize,
    losses: Vec<f64>,
    rng_word_pos: String,
}

/// The checkpoint in `dir` read back: its state and the model's parameters.
fn read_checkpoint(dir: &Path) -> Result<(Progress, Vec<f32>), String> {
    let device = Default::default();
    let state: Progress =
        checkpoint::read(dir, &["model.mpk", "optimizer.mpk"]).map_err(|e| e.to_string())?;
    let model: Crate<Cpu> = tiny()
        .init(&device, &mut shared::seeded_rng(1))
        .map_err(|e| e.to_string())?;
    let model = checkpoint::load_module(dir, "model", model, &device).map_err(|e| e.to_string())?;
    let optim = burn::optim::AdamWConfig::new().init::<Cpu, Crate<Cpu>>();
    checkpoint::load_optimizer::<Cpu, _, _>(dir, "optimizer", optim, &device)
        .map_err(|e| e.to_string())?;
    let x = Tensor::<burn::backend::Flex, 4>::ones([1, 3, 8, 8], &device);
    let logits = burn::module::AutodiffModule::valid(&model).forward(x);
    Ok((
        state,
        logits
            .into_data()
            .to_vec::<f32>()
            .map_err(|e| format!("{e:?}"))?,
    ))
}

#[test]
fn checkpoint_reader() {
    let device = Default::default();
    let dir = scratch("ckpt-original");
    let _ = std::fs::remove_dir_all(&dir);
    let model: Crate<Cpu> = tiny().init(&device, &mut shared::seeded_rng(7)).unwrap();
    let optim = burn::optim::AdamWConfig::new().init::<Cpu, Crate<Cpu>>();
    let state = Progress {
        epochs_done: 3,
        losses: vec![2.3, 1.1, 0.7],
        rng_word_pos: "123456".into(),
    };
    checkpoint::write(&dir, &state, |d| {
        checkpoint::save_module(d, "model", &model)?;
        checkpoint::save_optimizer::<Cpu, _, _>(d, "optimizer", &optim)
    })
    .unwrap();
    let want = read_checkpoint(&dir).unwrap();
    let files = ["model.mpk", "optimizer.mpk", "state.json"];
    let contents: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(dir.join(f)).unwrap())
        .collect();
    let mut rng = shared::seeded_rng(54);
    let mut tally = Tally::default();
    let case_dir = scratch("ckpt-case");
    for i in 0..CASES {
        let which = rng.random_range(0..files.len());
        let bytes = &contents[which];
        // A forged header: the state's digest list or a model file replaced
        // by the other file (a file from elsewhere, of another length).
        let forge = |rng: &mut Rng, b: &mut Vec<u8>| {
            let other = &contents[(which + 1 + rng.random_range(0..2)) % files.len()];
            *b = other.clone();
        };
        let (how, damaged) = damage(&mut rng, bytes, 0..bytes.len(), &forge);
        let case = format!("checkpoint case {i} ({} {how})", files[which]);
        let _ = std::fs::remove_dir_all(&case_dir);
        std::fs::create_dir_all(&case_dir).unwrap();
        for (f, c) in files.iter().zip(&contents) {
            std::fs::write(case_dir.join(f), c).unwrap();
        }
        std::fs::write(case_dir.join(files[which]), &damaged).unwrap();
        let got = no_panic(&case, || read_checkpoint(&case_dir));
        tally.record(&case, got, &want);
    }
    eprintln!(
        "checkpoint: {CASES} cases, {} errors, {} loads equal to the original",
        tally.errors, tally.same
    );
    assert!(tally.errors > CASES * 9 / 10, "{tally:?}");
}

#[test]
fn digits_reader() {
    let original = shared::digits::default_path();
    let bytes = std::fs::read(&original).unwrap();
    let want = shared::digits::load(&original).unwrap();
    let want = (
        want.train.labels.clone(),
        want.test.labels.clone(),
        want.train.images.clone(),
    );
    let forge = |rng: &mut Rng, b: &mut Vec<u8>| {
        // The gzip header's flags and length fields.
        let at = rng.random_range(0..10);
        b[at] = rng.random();
    };
    let mut rng = shared::seeded_rng(55);
    let mut tally = Tally::default();
    let path = scratch("fuzz-digits.bin.gz");
    for i in 0..CASES {
        let (how, damaged) = damage(&mut rng, &bytes, 0..bytes.len(), &forge);
        let case = format!("digits case {i} ({how})");
        std::fs::write(&path, &damaged).unwrap();
        let got = no_panic(&case, || {
            shared::digits::load(&path)
                .map(|d| (d.train.labels, d.test.labels, d.train.images))
                .map_err(|e| e.to_string())
        });
        tally.record(&case, got, &want);
    }
    eprintln!(
        "digits: {CASES} cases, {} errors, {} loads equal to the original",
        tally.errors, tally.same
    );
    assert!(tally.errors > CASES * 9 / 10, "{tally:?}");
}

#[test]
fn digits_parser_with_forged_counts() {
    // The decompressed bytes behind the checksum: forged headers and
    // truncations never panic or allocate from the header.
    let mut raw = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(
            std::fs::File::open(shared::digits::default_path()).unwrap(),
        ),
        &mut raw,
    )
    .unwrap();
    let want = shared::digits::parse(&raw).unwrap();
    let want = (want.train.labels, want.test.labels);
    let forge = |rng: &mut Rng, b: &mut Vec<u8>| {
        let at = rng.random_range(0..24);
        b[at] = rng.random();
    };
    let mut rng = shared::seeded_rng(56);
    let mut tally = Tally::default();
    for i in 0..CASES {
        let (how, damaged) = damage(&mut rng, &raw, 0..24, &forge);
        let case = format!("digits parser case {i} ({how})");
        let got = no_panic(&case, || {
            shared::digits::parse(&damaged).map(|d| (d.train.labels, d.test.labels))
        });
        tally.record(&case, got, &want);
    }
    eprintln!(
        "digits parser: {CASES} cases, {} errors, {} parses equal to the original",
        tally.errors, tally.same
    );
}
