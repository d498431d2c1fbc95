//! Shared fixtures of the workspace's integration tests, examples and benchmarks: a small
//! deterministic random generator and the digits data set shipped in `data/`.
//!
//! This package is not published; users depend on `backprop-runtime`.

pub mod bptt_twin;
pub mod cell_twins;
pub mod digits;
pub mod nets;
mod random;
pub mod twins;

pub use random::SplitMix;
