//! A short deterministic training run, saved and resumed. The quick run (two
//! epochs on 1,000 digits) is pinned by its report, rounded as the report
//! rounds it, so a change in the model, the data order, the schedule or the
//! probes shows up as a diff. A run resumed from its epoch-1 checkpoint ends
//! exactly where the uninterrupted run ends (same losses, accuracies and
//! probes, bit for bit); a checkpoint from another run, or a damaged one, is
//! refused.

use std::path::PathBuf;

use chapter_05::Config;
use chapter_05::experiments::{Checkpoints, run_all_with};

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
        resume: None,
    };
    let full = run_all_with(&config, &save, &digits).unwrap();
    assert_eq!(full.history.len(), 2);
    assert!(
        full.history[1].loss < full.history[0].loss,
        "{:?}",
        full.history
    );
    let report = chapter_05::report::render(&full).unwrap().report;
    insta::assert_snapshot!("quick_report", report);
    assert!(dir.join("epoch-1/model.mpk").is_file() && dir.join("epoch-2/state.json").is_file());
    let resume = Checkpoints {
        save: None,
        resume: Some(dir.join("epoch-1")),
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
    assert!(e.contains("state.json") && e.contains("--seed"), "{e}");

    // Damaged files: one-line errors naming the file.
    let broken = scratch("broken");
    std::fs::create_dir_all(&broken).unwrap();
    for f in ["model.mpk", "optimizer.mpk", "state.json"] {
        std::fs::copy(dir.join("epoch-1").join(f), broken.join(f)).unwrap();
    }
    let model = std::fs::read(broken.join("model.mpk")).unwrap();
    std::fs::write(broken.join("model.mpk"), &model[..model.len() / 3]).unwrap();
    let damaged = Checkpoints {
        save: None,
        resume: Some(broken.clone()),
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
        save: None,
        resume: Some(scratch("nothing-here")),
    };
    let e = run_all_with(&config, &missing, &digits)
        .unwrap_err()
        .to_string();
    assert!(e.contains("state.json") && !e.contains('\n'), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&broken);
}
