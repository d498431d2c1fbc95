//! Shared fixtures of the workspace's integration tests, examples and benchmarks.
//!
//! This package is not published; users depend on `backprop-runtime`.
