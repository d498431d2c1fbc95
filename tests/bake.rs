//! Baked parameters compile back to the very network they were written from.

use backprop_runtime::{bake, Error};
use backprop_tests::nets::{Saved, Xor};

// The file `no-std-check` runs without `std`, as `examples/bake.rs` wrote it.
include!("../no-std-check/src/trained_xor.rs");
// A matrix, vectors and a single value, in the format the module documents.
include!("baked/saved_sample.rs");

#[test]
fn the_baked_xor_solves_xor_and_bakes_to_the_same_file() {
    for (input, expected) in [
        ([0.0, 0.0], false),
        ([0.0, 1.0], true),
        ([1.0, 0.0], true),
        ([1.0, 1.0], false),
    ] {
        assert_eq!(TRAINED_XOR.predict(&input)[0] > 0.5, expected, "{input:?}");
    }
    // Every literal reads back as exactly the float it was written from.
    let file = include_str!("../no-std-check/src/trained_xor.rs");
    assert_eq!(
        bake::to_rust_source(&TRAINED_XOR, "TRAINED_XOR").unwrap(),
        file
    );
}

#[test]
fn tensors_are_written_row_by_row() {
    assert_eq!(SAVED_SAMPLE, Saved::SAMPLE);
    assert_eq!(
        bake::to_rust_source(&Saved::SAMPLE, "SAVED_SAMPLE").unwrap(),
        include_str!("baked/saved_sample.rs")
    );
}

#[test]
fn awkward_floats_round_trip_and_non_finite_ones_are_refused() {
    let mut net = Saved::SAMPLE;
    net.W[0] = [f32::MIN_POSITIVE, f32::MAX, 1e-45];
    net.b = [-0.0, 0.1];
    let source = bake::to_rust_source(&net, "AWKWARD").unwrap();
    assert!(source.contains("W: [[1.1754944e-38, 3.4028235e38, 1e-45], [0.25, 0.0, -0.125]]"));
    assert!(source.contains("b: [-0.0, 0.1]"));

    net.c = f32::NAN;
    assert!(matches!(
        bake::to_rust_source(&net, "BROKEN"),
        Err(Error::NonFiniteParameter { parameter: "c", .. })
    ));
}
