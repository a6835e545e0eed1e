//! A short deterministic training run, saved and resumed. The quick run (two
//! epochs on 1,000 digits) is pinned by its report, rounded as the report
//! rounds it, so a change in the model, the data order, the schedule or the
//! probes shows up as a diff. A run resumed from its epoch-1 checkpoint ends
//! exactly where the uninterrupted run ends (same losses, accuracies and
//! probes, bit for bit); a checkpoint from another run, or a damaged one, is
//! refused; a file of another checkpoint is caught by its SHA-256; --keep
//! prunes; a bad --save fails before training.

use std::path::PathBuf;

use chapter_05::Config;
use chapter_05::experiments::run_all_with;
use shared::burn::flags::Checkpoints;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("chapter-05-ckpt-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn quick_run_is_pinned_and_resuming_reproduces_it() {
    let digits = shared::digits::load_default().unwrap();
    let config = Config {
        quick: true,
        ..Config::default()
    };
    let dir = scratch("resume");
    let save = Checkpoints {
        save: Some(dir.clone()),
        ..Checkpoints::default()
    };
    let full = run_all_with(&config, &save, &digits).unwrap();
    assert_eq!(full.history.len(), 2);
    assert!(
        full.history[1].loss < full.history[0].loss,
        "{:?}",
        full.history
    );
    // Bands that hold on every CPU (the snapshot's digits depend on the SIMD
    // level): a balanced probe sample, the controls beside the trained maps.
    assert_eq!(full.probe_composition, [50; 10]);
    let c = &full.attention_after.controls;
    assert_eq!(c.layers.len(), config.depth);
    assert!(c.centre > full.attention_after.mass.coverage, "{c:?}");
    assert!(c.best_patch >= c.centre - 1e-12, "{c:?}");
    for l in &c.layers {
        let i = l.own_minus_shuffled;
        assert!(i.lo <= i.mean && i.mean <= i.hi, "{l:?}");
        assert!((l.own - l.shuffled - i.mean).abs() < 1e-9, "{l:?}");
    }
    let report = chapter_05::report::render(&full).unwrap().report;
    // Its digits depend on the SIMD level of Burn's CPU code (see
    // `shared::testing::PLATFORM_FILE`).
    let snapshots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    match shared::testing::recorded_on_other_level(&snapshots) {
        Some(_) => shared::testing::assert_same_text(
            &report,
            &snapshots.join("checkpoint__quick_report.snap"),
        ),
        None => insta::assert_snapshot!("quick_report", report),
    }
    assert!(dir.join("epoch-1/model.mpk").is_file() && dir.join("epoch-2/state.json").is_file());
    assert!(dir.join("epoch-1/config.json").is_file());
    let resume = Checkpoints {
        resume: Some(dir.join("epoch-1")),
        ..Checkpoints::default()
    };
    let resumed = run_all_with(&config, &resume, &digits).unwrap();
    assert_eq!(resumed.history, full.history);
    assert_eq!(resumed.before, full.before);
    assert_eq!(resumed.after, full.after);
    // The attention at initialization comes from the seed, also when resuming.
    assert_eq!(resumed.attention_before, full.attention_before);
    assert_eq!(resumed.attention_after, full.attention_after);

    // Another seed: refused, naming the mismatch.
    let other = Config {
        seed: 1,
        ..config.clone()
    };
    let e = run_all_with(&other, &resume, &digits)
        .unwrap_err()
        .to_string();
    assert!(e.contains("state.json") && e.contains("seed"), "{e}");

    // A model file from the other seed's checkpoint, dropped into this one:
    // its SHA-256 differs from the one recorded.
    let other_dir = scratch("other-seed");
    let other_save = Checkpoints {
        save: Some(other_dir.clone()),
        ..Checkpoints::default()
    };
    run_all_with(&other, &other_save, &digits).unwrap();
    let swapped = scratch("swapped");
    copy_dir(&dir.join("epoch-1"), &swapped);
    std::fs::copy(
        other_dir.join("epoch-1/model.mpk"),
        swapped.join("model.mpk"),
    )
    .unwrap();
    let e = run_all_with(
        &config,
        &Checkpoints {
            resume: Some(swapped.clone()),
            ..Checkpoints::default()
        },
        &digits,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("model.mpk") && e.contains("SHA-256"), "{e}");

    // Damaged files: one-line errors naming the file.
    let broken = scratch("broken");
    copy_dir(&dir.join("epoch-1"), &broken);
    let model = std::fs::read(broken.join("model.mpk")).unwrap();
    std::fs::write(broken.join("model.mpk"), &model[..model.len() / 3]).unwrap();
    let damaged = Checkpoints {
        resume: Some(broken.clone()),
        ..Checkpoints::default()
    };
    let e = run_all_with(&config, &damaged, &digits)
        .unwrap_err()
        .to_string();
    assert!(e.contains("model.mpk"), "{e}");
    std::fs::write(broken.join("state.json"), "{ not json").unwrap();
    let e = run_all_with(&config, &damaged, &digits)
        .unwrap_err()
        .to_string();
    assert!(e.contains("state.json"), "{e}");
    let missing = Checkpoints {
        resume: Some(scratch("nothing-here")),
        ..Checkpoints::default()
    };
    let e = run_all_with(&config, &missing, &digits)
        .unwrap_err()
        .to_string();
    assert!(e.contains("nothing-here") && !e.contains('\n'), "{e}");
    for d in [&dir, &broken, &other_dir, &swapped] {
        let _ = std::fs::remove_dir_all(d);
    }
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[test]
fn keep_prunes_to_the_latest_and_the_best_and_a_bad_save_fails_first() {
    let digits = shared::digits::load_default().unwrap();
    let config = Config {
        quick: true,
        epochs: 2,
        ..Config::default()
    };
    // A --save path under a file: refused before any training (the error
    // names the directory; no epoch ran, so no progress was reported).
    let file = scratch("a-file");
    std::fs::write(&file, b"x").unwrap();
    let started = std::time::Instant::now();
    let bad = Checkpoints {
        save: Some(file.join("sub")),
        ..Checkpoints::default()
    };
    let e = run_all_with(&config, &bad, &digits).unwrap_err();
    assert!(matches!(e, shared::Error::Io { .. }), "{e}");
    assert!(
        started.elapsed().as_secs() < 30,
        "the error came after training"
    );
    let _ = std::fs::remove_file(&file);
    // --keep 1: the last and the best epoch stay, nothing else.
    let dir = scratch("keep");
    let keep = Checkpoints {
        save: Some(dir.clone()),
        keep: 1,
        ..Checkpoints::default()
    };
    let r = run_all_with(&config, &keep, &digits).unwrap();
    let best = chapter_05::training::best_epoch(&r.history, |_| true).unwrap();
    let mut kept: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    kept.sort();
    let mut want = vec![format!("epoch-{best}"), "epoch-2".to_string()];
    want.dedup();
    assert_eq!(kept, want);
    let _ = std::fs::remove_dir_all(&dir);
}
