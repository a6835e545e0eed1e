//! The quick run, pinned by its report, saved and resumed: a run resumed from its round-10
//! checkpoint ends exactly where the uninterrupted run ends (same terms
//! every round, same decoded digits, same report, bit for bit); a
//! checkpoint of another run, or a damaged or edited one, is refused; a
//! diverged game names the last good checkpoint; --keep prunes.

use std::path::PathBuf;

use chapter_06::Checkpoints;
use chapter_06::checkpoint::{round_dir, with_last_good};
use chapter_06::{Config, run_all_with};
use shared::Error;

#[test]
fn resuming_midway_matches_bit_for_bit() {
    let digits = shared::digits::load_default().unwrap();
    let config = Config {
        quick: true,
        ..Config::default()
    };
    let dir = std::env::temp_dir().join(format!("chapter-06-ckpt-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let save = Checkpoints {
        save: Some(dir.clone()),
        save_every: Some(5),
        keep: 2,
        resume: None,
    };
    let full = run_all_with(&config, &save, &digits).unwrap();
    assert!(round_dir(&dir, 20).join("state.json").exists());
    // --keep 2 of the checkpoints at rounds 5, 10, 15 and 20.
    assert!(!round_dir(&dir, 5).exists() && !round_dir(&dir, 10).exists());
    assert!(round_dir(&dir, 15).exists());
    // The quick run is pinned by its report (rounded as the report rounds
    // it); its terms move the way the game says: the encoder spreads the
    // classes apart.
    let t = &full.digits.trajectory;
    assert_eq!(t.len(), 20);
    assert!(t[19].expand > 2.0 * t[0].expand, "{:?} {:?}", t[0], t[19]);
    assert!(full.digits.accuracy > 0.3, "{}", full.digits.accuracy);
    assert_eq!(full.digits.decoded.len(), 80);
    let out = chapter_06::report::render(&full).unwrap();
    assert_eq!(out.figures.len(), 5);
    // Its digits depend on the SIMD level of Burn's CPU code (see
    // `shared::testing::PLATFORM_FILE`).
    let snapshots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    match shared::testing::recorded_on_other_level(&snapshots) {
        Some(_) => shared::testing::assert_same_text(
            &out.report,
            &snapshots.join("checkpoint__quick_report.snap"),
        ),
        None => insta::assert_snapshot!("quick_report", out.report),
    }
    let midway = round_dir(&dir, 15);
    let resume = Checkpoints {
        resume: Some(midway.clone()),
        ..Checkpoints::default()
    };
    let resumed = run_all_with(&config, &resume, &digits).unwrap();
    assert_eq!(resumed.digits.trajectory.len(), 20);
    assert_eq!(resumed.digits.trajectory, full.digits.trajectory);
    assert_eq!(resumed.digits.decoded, full.digits.decoded);
    assert_eq!(
        chapter_06::report::render(&resumed).unwrap().report,
        chapter_06::report::render(&full).unwrap().report
    );
    // A run with other settings cannot resume it.
    let other = Config {
        lr: 2e-3,
        ..config.clone()
    };
    let err = run_all_with(&other, &resume, &digits)
        .unwrap_err()
        .to_string();
    assert!(err.contains("different") && err.contains("lr"), "{err}");
    // An edited state (an index past the training digits): its digest
    // no longer matches (the checks behind it: checkpoint::check_progress).
    let state_path = midway.join("state.json");
    let original = std::fs::read_to_string(&state_path).unwrap();
    let mut edited: serde_json::Value = serde_json::from_str(&original).unwrap();
    edited["order"][0] = serde_json::json!(1_000_000);
    std::fs::write(&state_path, edited.to_string()).unwrap();
    let err = run_all_with(&config, &resume, &digits)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("state.json") && err.contains("SHA-256") && !err.contains('\n'),
        "{err}"
    );
    std::fs::write(&state_path, &original).unwrap();
    // A damaged checkpoint is a data error naming the file.
    let encoder = midway.join("encoder.mpk");
    let bytes = std::fs::read(&encoder).unwrap();
    std::fs::write(&encoder, &bytes[..bytes.len() / 2]).unwrap();
    let err = run_all_with(&config, &resume, &digits)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("encoder.mpk") && err.contains("bytes"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_diverged_game_names_the_last_good_checkpoint() {
    let failure = Error::NumericalFailure {
        algorithm: "the CTRL objective",
        detail: "an entry is NaN".into(),
    };
    let dir = PathBuf::from("runs/round-150");
    let msg = with_last_good(failure, Some(&dir)).to_string();
    assert!(
        msg.contains("runs/round-150") && msg.contains("NaN"),
        "{msg}"
    );
}
