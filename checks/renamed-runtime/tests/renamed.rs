//! Everything generated works through the renamed runtime: training, the traits, serde and
//! `explain`.

use backprop_renamed_runtime_check::Renamed;
use bp::{ClassTarget, Network, Parameters};

#[test]
fn trains_through_the_renamed_runtime() {
    let mut net = Renamed::default();
    for (index, value) in net.as_mut_slice().iter_mut().enumerate() {
        *value = (index as f64 * 1.3).sin() * 0.5;
    }
    let target = ClassTarget::Index(1);
    let first = net.train_step(&[0.5, -1.0], &target, 0.1).unwrap();
    assert!(net.loss(&[0.5, -1.0], &target) < first);
    assert_eq!(<Renamed as Network>::NAME, "Renamed");
    assert_eq!(<Renamed as Parameters>::LEN, 3 * 2 + 3 + 2 * 3 + 2);

    let json = serde_json::to_string(&net).unwrap();
    let back: Renamed = serde_json::from_str(&json).unwrap();
    assert_eq!(back, net);

    let mut text = String::new();
    net.explain(&[0.5, -1.0], &target, 0.1, &mut text).unwrap();
    assert!(text.contains("dJ/dz of the outputs"), "{text}");
}
