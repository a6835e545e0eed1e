//! Checkpoints written, read back, altered, pruned.

use super::*;
use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("shared-ckpt-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Progress {
    done: usize,
}

fn save_one(dir: &Path, done: usize, payload: &[u8]) {
    write(dir, &Progress { done }, |tmp| {
        std::fs::write(tmp.join("model.mpk"), payload).map_err(io_error(tmp))
    })
    .unwrap();
}

#[test]
fn a_checkpoint_reads_back_and_refuses_any_altered_file() {
    let root = scratch("alter");
    let a = root.join("epoch-1");
    save_one(&a, 1, b"weights of run a");
    assert_eq!(
        read::<Progress>(&a, &["model.mpk"]).unwrap(),
        Progress { done: 1 }
    );
    // A model file from another run (same length, other bytes).
    std::fs::write(a.join("model.mpk"), b"weights of run b").unwrap();
    let e = read::<Progress>(&a, &["model.mpk"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("SHA-256"), "{e}");
    // Truncated.
    std::fs::write(a.join("model.mpk"), b"weights").unwrap();
    let e = read::<Progress>(&a, &["model.mpk"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("bytes"), "{e}");
    // Missing.
    std::fs::remove_file(a.join("model.mpk")).unwrap();
    assert!(read::<Progress>(&a, &["model.mpk"]).is_err());
    // An edited value in state.json.
    save_one(&a, 1, b"x");
    let text = std::fs::read_to_string(a.join(STATE_FILE)).unwrap();
    std::fs::write(
        a.join(STATE_FILE),
        text.replace("\"done\": 1", "\"done\": 7"),
    )
    .unwrap();
    let e = read::<Progress>(&a, &["model.mpk"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("edited"), "{e}");
    // A required file the state does not record.
    save_one(&a, 1, b"x");
    assert!(read::<Progress>(&a, &["optimizer.mpk"]).is_err());
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_failed_save_leaves_the_previous_checkpoint_whole() {
    let root = scratch("atomic");
    let a = root.join("round-2");
    save_one(&a, 2, b"good");
    let failed = write(&a, &Progress { done: 3 }, |_| {
        Err(Error::NumericalFailure {
            algorithm: "test",
            detail: "boom".into(),
        })
    });
    assert!(failed.is_err());
    assert_eq!(
        read::<Progress>(&a, &["model.mpk"]).unwrap(),
        Progress { done: 2 }
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn prune_keeps_the_latest_and_the_best() {
    let root = scratch("prune");
    for n in 1..=6 {
        save_one(&unit_dir(&root, "epoch", n), n, b"w");
    }
    let removed = prune(&root, "epoch", 2, Some(1)).unwrap();
    assert_eq!(removed.len(), 3);
    for (n, kept) in [
        (1, true),
        (2, false),
        (3, false),
        (4, false),
        (5, true),
        (6, true),
    ] {
        assert_eq!(unit_dir(&root, "epoch", n).exists(), kept, "epoch-{n}");
    }
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn same_run_names_the_field_that_differs() {
    #[derive(Serialize)]
    struct S {
        seed: u64,
        model: (usize, usize),
    }
    let dir = Path::new("ckpt");
    assert!(
        ensure_same_run(
            dir,
            &S {
                seed: 1,
                model: (2, 3)
            },
            &S {
                seed: 1,
                model: (2, 3)
            }
        )
        .is_ok()
    );
    let e = ensure_same_run(
        dir,
        &S {
            seed: 1,
            model: (2, 3),
        },
        &S {
            seed: 2,
            model: (2, 3),
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("different seed (1; this run has 2)"), "{e}");
}

#[test]
fn no_space_is_refused_with_the_numbers() {
    let root = scratch("space");
    prepare(&root).unwrap();
    if free_bytes(&root).is_some() {
        let e = ensure_free_space(&root, u64::MAX / 4)
            .unwrap_err()
            .to_string();
        assert!(e.contains("MB free"), "{e}");
        assert!(ensure_free_space(&root, 1).is_ok());
    }
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_bad_save_path_fails_at_once() {
    let file = scratch("file");
    std::fs::write(&file, b"not a directory").unwrap();
    assert!(matches!(prepare(&file.join("sub")), Err(Error::Io { .. })));
    std::fs::remove_file(&file).unwrap();
}
