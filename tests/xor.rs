//! Training works: a 2-3-1 sigmoid network learns XOR from a fixed initialisation.

use backprop_tests::nets::{Xor231, XOR_INPUTS, XOR_TARGETS};

#[test]
fn learns_xor() {
    let mut net = Xor231::start();
    let total = |net: &Xor231| -> f64 {
        XOR_INPUTS
            .iter()
            .zip(&XOR_TARGETS)
            .map(|(x, t)| net.loss(x, t))
            .sum()
    };
    let initial = total(&net);
    let mut last_epoch = f64::INFINITY;
    for _ in 0..10_000 {
        last_epoch = 0.0;
        for (input, target) in XOR_INPUTS.iter().zip(&XOR_TARGETS) {
            last_epoch += net.train_step(input, target, 0.5).unwrap();
        }
    }
    let after = total(&net);
    assert!(after < last_epoch, "the last epoch still lowered the loss");
    assert!(after < 0.01, "loss {after} (started at {initial})");
    assert!(net.solves_xor());
}
