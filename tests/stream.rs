//! A prepared stream (`Stream`, the matrices by columns) against the network's own `step`
//! over long sequences: every kind of recurrent topology, cells of the sizes each kernel path
//! takes (AVX-512 for gate rows of whole sixteens, AVX2 for eights, plain loops otherwise),
//! both precisions and both scalar types. The two sum the products in different orders, so
//! they agree to rounding, not to the bit.

use backprop_runtime::stream::{Stream, Streaming};
use backprop_runtime::{network, Scalar};

mod common;

use common::network_within;

network! {
    /// An Elman layer with a square recurrent matrix (a missing transpose would still
    /// compile) and an output fed back.
    pub struct Elman<f64> {
        input x[3];
        layer h[4] = tanh(W * x + R * h.prev + b);
        output y[2] = identity(V * h + c + F * y.prev);
        loss half_squared_error;
    }
}

network! {
    /// Cells stacked with a layer between, a delay on the scalar input, single neurons
    /// reading layers, and trainable initial values.
    pub struct Mixed<f64> {
        input x, e[2];
        layer a[2] = lstm(Wa * e + Ua * a.prev + ba + ca);
        layer m[3] = tanh(P * a + Q * a.prev + r * x.prev + g * n.prev);
        layer b[3] = gru(Wb * m + Ub * b.prev + bb + cb);
        neuron n = sin(p * x + q * m[1].prev + k * b);
        output y = identity(v * b + u * m + s * y.prev + t * n);
        loss half_squared_error;
        initial b = b0;
        initial n = n0;
    }
}

network! {
    /// A GRU whose gate rows (48) take the AVX-512 path where the CPU has it.
    #[backprop(variant(Gru16Fast, precision = fast))]
    pub struct Gru16<f32> {
        input x[16];
        layer h[16] = gru(weight_ih * x + weight_hh * h.prev + bias_ih + bias_hh);
        output y[3] = identity(V * h + c);
        loss half_squared_error;
    }
}

network! {
    /// An LSTM whose gate rows (40) take the AVX2 path, and whose input side (5 columns) an
    /// odd number of them.
    #[backprop(variant(Lstm10Fast, precision = fast))]
    pub struct Lstm10<f32> {
        input x[5];
        layer h[10] = lstm(weight_ih * x + weight_hh * h.prev + bias_ih + bias_hh);
        output y = identity(v * h + c);
        loss half_squared_error;
    }
}

network! {
    /// A GRU of 3 units (gate rows of 9: the plain loops) in `f32`.
    pub struct Gru3<f32> {
        input x[2];
        layer h[3] = gru(weight_ih * x + weight_hh * h.prev + bias_ih + bias_hh);
        layer o[4] = identity(W * h + R * o.prev + d);
        output y = identity(v * o);
        loss half_squared_error;
    }
}

/// Runs `net.step` and a `Stream` of it side by side over 200 steps of a seeded signal and
/// returns the largest difference of outputs relative to `1 + |output|`.
fn largest_difference<N>(net: N, seed: u64) -> f64
where
    N: Streaming + Copy,
    N::Input: for<'a> TryFrom<&'a [N::Scalar]>,
{
    let stream = Stream::new(net);
    let (mut expected_state, mut state) = (net.initial_state(), stream.initial_state());
    assert_eq!(
        expected_state, state,
        "a stream starts where its network does"
    );
    let mut random = common::SplitMix::new(seed);
    let mut worst: f64 = 0.0;
    for _ in 0..200 {
        let values: Vec<N::Scalar> = (0..N::INPUTS)
            .map(|_| N::Scalar::from_f64(random.uniform(-1.5, 1.5)))
            .collect();
        let Ok(input) = N::Input::try_from(&values) else {
            panic!("{} inputs make an input", N::INPUTS);
        };
        let expected = net.step(&mut expected_state, &input);
        let got = stream.step(&mut state, &input);
        for (&want, &got) in expected.as_ref().iter().zip(got.as_ref()) {
            let (want, got) = (want.to_f64(), got.to_f64());
            assert!(got.is_finite(), "a stream step gave {got}");
            worst = worst.max((got - want).abs() / (1.0 + want.abs()));
        }
    }
    worst
}

#[test]
fn a_stream_computes_what_step_computes_in_f64() {
    for seed in 1..=3 {
        let elman = largest_difference(network_within::<Elman>(seed, 0.8), seed);
        assert!(elman < 1e-13, "Elman, seed {seed}: {elman:e}");
        let mut mixed = network_within::<Mixed>(seed, 0.8);
        mixed.b0 = [0.3, -0.2, 0.1];
        let mixed = largest_difference(mixed, seed);
        assert!(mixed < 1e-13, "Mixed, seed {seed}: {mixed:e}");
    }
}

#[test]
fn a_stream_computes_what_step_computes_in_f32_on_every_kernel_path() {
    for seed in 1..=3 {
        let gru = network_within::<Gru16>(seed, 0.4);
        let lstm = network_within::<Lstm10>(seed, 0.5);
        let results = [
            ("Gru16", largest_difference(gru, seed)),
            ("Gru16Fast", largest_difference(Gru16Fast::from(&gru), seed)),
            ("Lstm10", largest_difference(lstm, seed)),
            (
                "Lstm10Fast",
                largest_difference(Lstm10Fast::from(&lstm), seed),
            ),
            (
                "Gru3",
                largest_difference(network_within::<Gru3>(seed, 0.8), seed),
            ),
        ];
        for (name, worst) in results {
            assert!(worst < 2e-5, "{name}, seed {seed}: {worst:e}");
        }
    }
}

#[test]
fn a_stream_hands_back_its_network() {
    let net = network_within::<Elman>(4, 0.8);
    let stream = Stream::from(net);
    assert_eq!(stream.network().as_slice(), net.as_slice());
    let columns = net.columns();
    // The columns are the matrices transposed: W is 4 x 3, so its columns are 3 rows of 4.
    let text = format!("{columns:?}");
    assert!(text.contains(&format!(
        "{:?}",
        [net.W[0][2], net.W[1][2], net.W[2][2], net.W[3][2]]
    )));
    assert_eq!(stream.into_network().as_slice(), net.as_slice());
}
