/// `Saved` with trained parameters, written by `backprop_runtime::bake`.
pub const SAVED_SAMPLE: Saved = Saved {
    W: [[0.5, -1.0, 2.0], [0.25, 0.0, -0.125]],
    b: [1.0, -1.0],
    u: [3.0, 4.0],
    c: -0.5,
};
