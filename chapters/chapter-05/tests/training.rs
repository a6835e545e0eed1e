//! A short deterministic training run: the quick report (two epochs on 1,000
//! digits) is pinned, rounded as the report rounds it, so a change in the
//! model, the data order, the schedule or the probes shows up as a diff.
//! Also: the loss falls, and the same seed gives the same run.

use chapter_05::Config;

#[test]
fn quick_run_is_deterministic_and_pinned() {
    let config = Config {
        quick: true,
        ..Config::default()
    };
    let digits = shared::digits::load_default().unwrap();
    let a = chapter_05::run_all(&config, &digits).unwrap();
    let b = chapter_05::run_all(&config, &digits).unwrap();
    assert_eq!(a.history, b.history, "same seed, same losses");
    assert_eq!(a.before, b.before);
    assert_eq!(a.after, b.after);
    assert_eq!(a.history.len(), 2);
    assert!(a.history[1].loss < a.history[0].loss, "{:?}", a.history);
    let report = chapter_05::report::render(&a).unwrap().report;
    insta::assert_snapshot!("quick_report", report);
}
