//! The quick run gives the same report and figures, byte for byte, on a
//! pool of 1, 2 and 3 threads (RAYON_NUM_THREADS). It runs the binary three
//! times, so it is left out of a plain `cargo test`; `.ci/run` runs it with
//! `--ignored`, beside the book runs.

#[test]
#[ignore = "runs the quick run three times; CI runs it with --ignored"]
fn quick_run_is_the_same_on_1_2_and_3_threads() {
    shared::testing::assert_same_on_1_2_3_threads(env!("CARGO_BIN_EXE_chapter-04"), &["--quick"]);
}
