//! Cross-chapter and course tests of drl-companion live in `tests/tests/`:
//!
//! - `book_integrity.rs`: every include, anchor, image and generated file of
//!   the book resolves, with no mdBook dependency (mdBook itself does not
//!   fail on a broken include or a misspelled anchor).
//! - `chapter_01_contract.rs`: the public API of chapter 1 as the course uses
//!   it (names, argument order, semantics).
//!
//! The grader (`cargo run -p grading --bin grade`) is [`grader`]; the tests it
//! runs are listed in `tests/grading.toml`.

pub mod grader;
