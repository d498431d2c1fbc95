//! The hand-written twins compute what the generated networks compute, so the benchmarks
//! race the same work.

use backprop_runtime::{init, ClassTarget, Parameters};
use backprop_tests::nets::{Digits, SeedNet, Sine, SineFast, Xor241, XorLayer};
use backprop_tests::{digits, SplitMix};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance * a.abs().max(b.abs()).max(1.0)
}

fn assert_same<P: Parameters>(generated: &P, twin: &[f64], tolerance: f64) {
    assert_eq!(generated.as_slice().len(), twin.len());
    for (index, (g, t)) in generated.as_slice().iter().zip(twin).enumerate() {
        let g = g.to_f64();
        assert!(close(g, *t, tolerance), "parameter {index}: {g} vs {t}");
    }
}

use backprop_runtime::Scalar;

#[test]
fn seed_twin() {
    let mut random = SplitMix::new(1);
    let mut net = SeedNet::default();
    net.copy_from_slice(&random.values(9, -1.0, 1.0)).unwrap();
    let mut twin = net.twin();
    for _ in 0..10 {
        let x = [random.uniform(-1.0, 1.0), random.uniform(-1.0, 1.0)];
        let t = random.uniform(-1.0, 1.0);
        let loss = net.train_step(&x, &[t], 0.1).unwrap();
        let twin_loss = twin.checked_step(x, t, 0.1).unwrap();
        assert!(close(loss, twin_loss, 1e-15));
    }
    assert_same(&net, &twin.w, 1e-14);
}

/// The four samples of XOR.
const XOR_SAMPLES: [([f32; 2], f32); 4] = [
    ([0.0, 0.0], 0.0),
    ([0.0, 1.0], 1.0),
    ([1.0, 0.0], 1.0),
    ([1.0, 1.0], 0.0),
];

#[test]
fn xor_twin() {
    let mut net = Xor241::default();
    init::glorot_uniform(&mut net, &mut ChaCha8Rng::seed_from_u64(2));
    let mut twin = net.twin();
    for _ in 0..100 {
        for (x, t) in XOR_SAMPLES {
            let g = net.backward(&net.forward(&x), &[t]);
            net.sgd_step(&g, 0.5);
            twin.step(x, t, 0.5);
        }
    }
    let twin_flat: Vec<f64> = (0..4)
        .flat_map(|j| [twin.w1[j][0], twin.w1[j][1], twin.b1[j]])
        .chain(twin.w2)
        .chain([twin.b2])
        .map(f64::from)
        .collect();
    assert_same(&net, &twin_flat, 1e-4);
}

/// The layered XOR's fused `train_step` against the twin (which groups some products
/// differently, so the last bits may differ).
#[test]
fn xor_layer_twin() {
    let mut net = XorLayer::default();
    init::glorot_uniform(&mut net, &mut ChaCha8Rng::seed_from_u64(2));
    let mut twin = net.twin();
    let start = twin;
    for _ in 0..100 {
        for (x, t) in XOR_SAMPLES {
            net.train_step(&x, &[t], 0.5).unwrap();
            twin.step(x, t, 0.5);
        }
    }
    let twin_flat: Vec<f64> = twin
        .w1
        .iter()
        .flatten()
        .chain(&twin.b1)
        .chain(&twin.w2)
        .chain([&twin.b2])
        .map(|&w| f64::from(w))
        .collect();
    assert_same(&net, &twin_flat, 1e-5);
    assert_ne!(twin, start, "the steps moved the weights");
}

#[test]
fn sine_twin() {
    let mut net = Sine::default();
    init::glorot_uniform(&mut net, &mut ChaCha8Rng::seed_from_u64(3));
    let mut twin = net.twin();
    let mut random = SplitMix::new(3);
    for _ in 0..50 {
        let x = random.uniform(-3.0, 3.0) as f32;
        let g = net.backward(&net.forward(&[x]), &[x.sin()]);
        net.sgd_step(&g, 0.01);
        twin.step(x, x.sin(), 0.01);
    }
    assert_same(&net, &net_of_sine(&twin), 1e-4);
}

#[test]
fn sine_twin_with_the_fast_tanh() {
    let mut net = Sine::default();
    init::glorot_uniform(&mut net, &mut ChaCha8Rng::seed_from_u64(5));
    let mut twin = net.twin();
    let mut fast = SineFast::from(&net);
    let mut random = SplitMix::new(5);
    for _ in 0..50 {
        let x = random.uniform(-3.0, 3.0) as f32;
        fast.train_step(&[x], &[x.sin()], 0.01).unwrap();
        twin.step_fast(x, x.sin(), 0.01);
    }
    assert_same(&Sine::from(&fast), &net_of_sine(&twin), 1e-4);
}

fn net_of_sine(twin: &backprop_tests::twins::SineTwin) -> Vec<f64> {
    let net = Sine {
        W1: twin.w1,
        b1: twin.b1,
        W2: twin.w2,
        b2: twin.b2,
        w3: twin.w3,
        b3: twin.b3,
    };
    net.as_slice().iter().map(|&v| f64::from(v)).collect()
}

#[test]
fn digits_twin() {
    let data = digits::load().unwrap();
    let mut net = Digits::default();
    init::glorot_uniform(&mut net, &mut ChaCha8Rng::seed_from_u64(4));
    let mut twin = net.twin();
    for batch in 0..5 {
        let range = batch * 32..(batch + 1) * 32;
        let images = &data.images[range.clone()];
        let labels = &data.labels[range];
        let targets: Vec<ClassTarget<f32, 10>> = labels.iter().map(|&l| l.into()).collect();
        let loss = net.train_batch(images, &targets, 0.5).unwrap();
        let twin_loss = twin.batch_step(images, labels, 0.5).unwrap();
        assert!(
            close(f64::from(loss), f64::from(twin_loss), 1e-5),
            "{loss} vs {twin_loss}"
        );
    }
    let twin_net = Digits {
        W1: twin.w1,
        b1: twin.b1,
        W2: twin.w2,
        b2: twin.b2,
    };
    let twin_flat: Vec<f64> = twin_net.as_slice().iter().map(|&v| f64::from(v)).collect();
    assert_same(&net, &twin_flat, 1e-4);
}

#[test]
fn fast_digits_twin() {
    use backprop_runtime::activation::fast;
    use backprop_tests::nets::DigitsFast;

    let data = digits::load().unwrap();
    let mut net = DigitsFast::default();
    init::glorot_uniform(&mut net, &mut ChaCha8Rng::seed_from_u64(5));
    let mut twin = backprop_tests::twins::DigitsTwin {
        w1: net.W1,
        b1: net.b1,
        w2: net.W2,
        b2: net.b2,
    };
    let images = &data.images[..32];
    let targets: Vec<ClassTarget<f32, 10>> = data.labels[..32].iter().map(|&l| l.into()).collect();
    let loss = net.train_batch(images, &targets, 0.5).unwrap();
    let twin_loss = twin
        .batch_step_with(images, &data.labels[..32], 0.5, fast::tanh::<f32>)
        .unwrap();
    assert!(
        close(f64::from(loss), f64::from(twin_loss), 1e-5),
        "{loss} vs {twin_loss}"
    );
    assert!(close(f64::from(net.b1[3]), f64::from(twin.b1[3]), 1e-4));
    // And the fast network stays close to the exact one.
    let exact = Digits {
        W1: net.W1,
        b1: net.b1,
        W2: net.W2,
        b2: net.b2,
    };
    for image in &data.images[..50] {
        for (fast, exact) in net.predict(image).iter().zip(exact.predict(image)) {
            assert!((fast - exact).abs() < 1e-5, "{fast} vs {exact}");
        }
    }
}

#[test]
fn recurrent_twins_stream_what_the_generated_cells_stream() {
    use backprop_tests::cell_twins::{GruTwin, LstmTwin};
    use backprop_tests::nets::{
        Gru16, Gru16Fast, Gru16FastState, Gru16State, Lstm16, Lstm16Fast, Lstm16FastState,
        Lstm16State,
    };
    let mut gru = Gru16::default();
    init::glorot_uniform(&mut gru, &mut ChaCha8Rng::seed_from_u64(5));
    let mut lstm = Lstm16::default();
    init::glorot_uniform(&mut lstm, &mut ChaCha8Rng::seed_from_u64(6));
    let mut random = SplitMix::new(7);
    let inputs: Vec<[f32; 16]> = (0..50)
        .map(|_| std::array::from_fn(|_| random.uniform(-1.0, 1.0) as f32))
        .collect();
    let (gru_fast, lstm_fast) = (Gru16Fast::from(&gru), Lstm16Fast::from(&lstm));
    let (twin, twin_fast) = (GruTwin::<false>::from(&gru), GruTwin::<true>::from(&gru));
    let (mut s, mut sf, mut h, mut hf) = (
        Gru16State::default(),
        Gru16FastState::default(),
        [0.0; 16],
        [0.0; 16],
    );
    for x in &inputs {
        let (y, yf) = (gru.step(&mut s, x)[0], gru_fast.step(&mut sf, x)[0]);
        // The same sums in another order: equal to rounding.
        assert!(close(y.into(), twin.step(&mut h, x).into(), 1e-5));
        assert!(close(yf.into(), twin_fast.step(&mut hf, x).into(), 1e-5));
    }
    let (twin, twin_fast) = (
        LstmTwin::<false>::from(&lstm),
        LstmTwin::<true>::from(&lstm),
    );
    let (mut s, mut sf) = (Lstm16State::default(), Lstm16FastState::default());
    let (mut h, mut c, mut hf, mut cf) = ([0.0; 16], [0.0; 16], [0.0; 16], [0.0; 16]);
    for x in &inputs {
        let (y, yf) = (lstm.step(&mut s, x)[0], lstm_fast.step(&mut sf, x)[0]);
        assert!(close(y.into(), twin.step(&mut h, &mut c, x).into(), 1e-5));
        assert!(close(
            yf.into(),
            twin_fast.step(&mut hf, &mut cf, x).into(),
            1e-5
        ));
    }
}

#[test]
fn expert_digits_twin_computes_the_generated_batch_step() {
    use backprop_runtime::activation::fast;
    use backprop_tests::nets::DigitsFast;
    use backprop_tests::twins::DigitsExpertTwin;

    let data = digits::load().unwrap();
    let mut net = Digits::default();
    init::glorot_uniform(&mut net, &mut ChaCha8Rng::seed_from_u64(8));
    let mut fast_net = DigitsFast::from(&net);
    let mut expert = DigitsExpertTwin::from(&net.twin());
    let mut fast_expert = expert;
    for batch in 0..5 {
        let range = batch * 32..(batch + 1) * 32;
        let images = &data.images[range.clone()];
        let labels = &data.labels[range];
        let targets: Vec<ClassTarget<f32, 10>> = labels.iter().map(|&l| l.into()).collect();
        let loss = net.train_batch(images, &targets, 0.5).unwrap();
        let expert_loss = expert
            .batch_step_with(images, labels, 0.5, backprop_runtime::activation::tanh)
            .unwrap();
        assert!(
            close(f64::from(loss), f64::from(expert_loss), 1e-5),
            "{loss} vs {expert_loss}"
        );
        fast_net.train_batch(images, &targets, 0.5).unwrap();
        fast_expert
            .batch_step_with(images, labels, 0.5, fast::tanh::<f32>)
            .unwrap();
    }
    for (expert, generated) in [(expert, net), (fast_expert, Digits::from(&fast_net))] {
        let twin_net = Digits {
            W1: expert.w1(),
            b1: expert.b1,
            W2: expert.w2,
            b2: expert.b2,
        };
        let flat: Vec<f64> = twin_net.as_slice().iter().map(|&v| f64::from(v)).collect();
        assert_same(&generated, &flat, 1e-4);
    }
    // A bad batch changes nothing.
    let before = expert;
    assert_eq!(
        expert.batch_step_with(&data.images[..2], &[1, 10], 0.5, f32::tanh),
        None
    );
    assert_eq!(expert, before);
}

#[test]
fn the_expert_gru_64_batch_twin_takes_the_generated_training_step() {
    use backprop_runtime::optim::Sgd;
    use backprop_runtime::recurrent::{train_sequences_with, Horizon, Sequence, Targets};
    use backprop_tests::bptt_twin::{Gru64BatchTwin, BATCH};
    use backprop_tests::nets::{Gru64, Gru64Fast};

    let mut random = SplitMix::new(7);
    let mut signal = |steps: usize| -> Vec<[f32; 32]> {
        (0..steps)
            .map(|_| std::array::from_fn(|_| random.uniform(-1.0, 1.0) as f32))
            .collect()
    };
    let steps = 6;
    let inputs: Vec<_> = (0..BATCH).map(|_| signal(steps)).collect();
    let targets: Vec<_> = (0..BATCH).map(|_| signal(steps)).collect();
    let mut net = Gru64::default();
    init::glorot_uniform(&mut net, &mut ChaCha8Rng::seed_from_u64(5));
    let learning_rate = 0.5;

    fn generated<
        N: backprop_runtime::Recurrent<Scalar = f32, Input = [f32; 32], Target = [f32; 32]>,
    >(
        mut net: N,
        inputs: &[Vec<[f32; 32]>],
        targets: &[Vec<[f32; 32]>],
        learning_rate: f32,
    ) -> (N, f32) {
        let batch: Vec<Sequence<'_, N>> = inputs
            .iter()
            .zip(targets)
            .map(|(inputs, targets)| Sequence {
                inputs,
                targets: Targets::EveryStep(targets),
            })
            .collect();
        let mut traces = vec![net.forward(&inputs[0][0]); inputs[0].len()];
        let mut sgd = Sgd::new(learning_rate).unwrap();
        let loss =
            train_sequences_with(&mut net, &mut sgd, &batch, Horizon::Full, &mut traces).unwrap();
        (net, loss)
    }

    // The update, `w0 - w1 = rate * gradient`, of every parameter against its largest.
    let compare = |name: &str, generated: &[f32], twin: &[f32], loss: (f32, f32)| {
        let start = net.as_slice();
        let largest = generated
            .iter()
            .zip(start)
            .map(|(w, w0)| (w0 - w).abs())
            .fold(0.0_f32, f32::max);
        assert!(largest > 1e-3, "{name}: the step moves the parameters");
        for (index, ((g, t), w0)) in generated.iter().zip(twin).zip(start).enumerate() {
            let (dg, dt) = (w0 - g, w0 - t);
            assert!(
                (dg - dt).abs() <= 2e-3 * largest,
                "{name}: {} moved by {dg:e} generated, {dt:e} by the twin",
                Gru64::name_of(index).unwrap()
            );
        }
        assert!(
            (loss.0 - loss.1).abs() <= 1e-5 * loss.0.abs(),
            "{name}: loss {} generated, {} by the twin",
            loss.0,
            loss.1
        );
    };

    let (exact, exact_loss) = generated(net, &inputs, &targets, learning_rate);
    let mut twin = Gru64BatchTwin::<false>::from(&net);
    let twin_loss = twin.train(&inputs, &targets, learning_rate);
    let mut stepped = net;
    twin.write_to(&mut stepped);
    compare(
        "exact",
        exact.as_slice(),
        stepped.as_slice(),
        (exact_loss, twin_loss),
    );

    let (fast, fast_loss) = generated(Gru64Fast::from(&net), &inputs, &targets, learning_rate);
    let mut twin = Gru64BatchTwin::<true>::from(&net);
    let twin_loss = twin.train(&inputs, &targets, learning_rate);
    let mut stepped = net;
    twin.write_to(&mut stepped);
    compare(
        "fast",
        fast.as_slice(),
        stepped.as_slice(),
        (fast_loss, twin_loss),
    );
}
