//! Every bad network is a compile error whose message is pinned in `tests/ui/**/*.stderr`.
//!
//! After an intended change of a message, regenerate with
//! `TRYBUILD=overwrite cargo test --test compile_fail` and review the diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*/*.rs");
}
