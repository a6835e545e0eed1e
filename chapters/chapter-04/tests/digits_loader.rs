//! The shipped digits and their loader (`shared::digits`): the real file loads
//! with the documented counts, and every kind of damage is a one-line error
//! that names the file and the fix.

use std::io::Write;

use shared::Error;
use shared::digits::{COUNT, PIXELS, encode, load, load_default, parse, sha256_hex, test_flags};

fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("drl-digits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
    path
}

fn assert_data_error(result: shared::Result<shared::digits::Digits>, mentions: &str) {
    match result {
        Err(e @ Error::Data { .. }) => {
            let line = e.to_string();
            assert!(!line.contains('\n'), "one line: {line}");
            assert!(line.contains(mentions), "{line} should mention {mentions}");
            assert!(
                line.contains("cargo xtask digits"),
                "{line} should say how to fix it"
            );
        }
        other => panic!("expected a data error mentioning {mentions}, got {other:?}"),
    }
}

#[test]
fn the_shipped_file_has_the_documented_split_and_counts() {
    let digits = load_default().unwrap();
    assert_eq!(digits.train.labels.len(), 8000);
    assert_eq!(digits.test.labels.len(), 2000);
    assert_eq!(digits.train.images.dim(), (PIXELS, 8000));
    let per_class = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
    let (train, test) = (digits.train.class_counts(), digits.test.class_counts());
    for c in 0..10 {
        assert_eq!(train[c] + test[c], per_class[c], "class {c}");
        // round(n_c / 5) test images per class.
        assert_eq!(test[c], (per_class[c] + 2) / 5, "class {c}");
    }
    let pixels = digits.train.images.iter().chain(digits.test.images.iter());
    assert!(pixels.clone().all(|p| (0.0..=1.0).contains(p)));
    // Real images: mostly background, a few percent at full ink.
    let mean = pixels.sum::<f64>() / (COUNT * PIXELS) as f64;
    assert!((0.08..0.2).contains(&mean), "mean pixel {mean}");
}

#[test]
fn the_readme_records_the_loaders_checksum() {
    let readme =
        std::fs::read_to_string(shared::digits::default_path().with_file_name("README.md"))
            .unwrap();
    assert!(readme.contains(shared::digits::SHA256));
    let bytes = std::fs::read(shared::digits::default_path()).unwrap();
    assert_eq!(sha256_hex(&bytes), shared::digits::SHA256);
}

#[test]
fn a_missing_truncated_or_corrupt_file_is_a_one_line_error() {
    let missing = std::env::temp_dir().join("drl-no-such-digits.bin.gz");
    assert_data_error(load(&missing), "drl-no-such-digits.bin.gz");
    let bytes = std::fs::read(shared::digits::default_path()).unwrap();
    let truncated = temp_file("truncated.bin.gz", &bytes[..bytes.len() / 2]);
    assert_data_error(load(&truncated), "SHA-256");
    let mut flipped = bytes.clone();
    flipped[1000] ^= 0xff;
    assert_data_error(load(&temp_file("flipped.bin.gz", &flipped)), "SHA-256");
    assert_data_error(load(&temp_file("empty.bin.gz", &[])), "SHA-256");
}

/// Past the checksum, the parser checks the header and every length itself.
#[test]
fn the_parser_rejects_bad_headers_lengths_labels_and_splits() {
    let labels: Vec<u8> = (0..COUNT).map(|i| (i * 10 / COUNT) as u8).collect();
    let images = vec![7u8; COUNT * PIXELS];
    let good = encode(&labels, &images).unwrap();
    let parsed = parse(&good).unwrap();
    assert_eq!(parsed.train.labels.len() + parsed.test.labels.len(), COUNT);
    assert!((parsed.train.images[[0, 0]] - 7.0 / 255.0).abs() < 1e-15);

    let mut bad_magic = good.clone();
    bad_magic[0] = b'X';
    assert!(parse(&bad_magic).unwrap_err().contains("header"));
    let mut bad_count = good.clone();
    bad_count[8] = 1;
    assert!(parse(&bad_count).unwrap_err().contains("header says"));
    assert!(
        parse(&good[..good.len() - 1])
            .unwrap_err()
            .contains("bytes")
    );
    assert!(parse(&good[..10]).unwrap_err().contains("header"));
    let mut bad_label = good.clone();
    bad_label[24] = 12;
    assert!(parse(&bad_label).unwrap_err().contains("label 12"));
    let mut bad_split = good.clone();
    bad_split[24 + COUNT] = 5;
    assert!(parse(&bad_split).unwrap_err().contains("split"));
    assert!(encode(&labels[..10], &images).is_err());
}

#[test]
fn the_split_takes_a_fifth_of_each_class_evenly() {
    let labels: Vec<u8> = [vec![0u8; 863], vec![1u8; 1127]].concat();
    let flags = test_flags(&labels);
    assert_eq!(flags[..863].iter().filter(|f| **f == 1).count(), 173);
    assert_eq!(flags[863..].iter().filter(|f| **f == 1).count(), 225);
    // Evenly spaced: no two test images of a class closer than 4 apart.
    let positions: Vec<usize> = (0..863).filter(|&i| flags[i] == 1).collect();
    assert!(positions.windows(2).all(|w| w[1] - w[0] >= 4));
}
