//! GRU and LSTM cells: PyTorch's equations on fixed weights (the values computed here from
//! the formulas of `torch.nn.GRU` and `torch.nn.LSTM`, element by element), backpropagation
//! through time against finite differences, cells stacked and mixed with `.prev` edges, and
//! the streaming step against the sequence pass.

use backprop_runtime::gradcheck::gradcheck_sequence;
use backprop_runtime::recurrent::{forward_sequence, Targets};
use backprop_runtime::{network, Network, Parameters};

mod common;

use common::{assert_sequence_gradients_match, network_within, sequence as inputs};

network! {
    /// A GRU of 3 units over 2 inputs, read out to 2 values.
    pub struct Gru<f64> {
        input x[2];
        layer h[3] = gru(weight_ih * x + weight_hh * h.prev + bias_ih + bias_hh);
        output y[2] = identity(V * h + c);
        loss half_squared_error;
    }
}

network! {
    /// An LSTM of 3 units over 2 inputs, read out to 2 values.
    pub struct Lstm<f64> {
        input x[2];
        layer h[3] = lstm(weight_ih * x + weight_hh * h.prev + bias_ih + bias_hh);
        output y[2] = identity(V * h + c);
        loss half_squared_error;
    }
}

network! {
    /// Two cells stacked, a tanh layer between reading the first cell one step late, and a
    /// single input (so `weight_ih` of the first is a vector).
    pub struct Stack<f64> {
        input x;
        layer a[2] = lstm(Wa * x + Ua * a.prev + ba + ca);
        layer m[2] = tanh(P * a + Q * a.prev + r * x.prev);
        layer b[3] = gru(Wb * m + Ub * b.prev + bb + cb);
        output y = identity(v * b + u * m + s * y.prev);
        loss half_squared_error;
    }
}

network! {
    /// A GRU classifier of sequences (softmax at the last step).
    pub struct Classify<f64> {
        input x[3];
        layer h[4] = gru(Wi * x + Wh * h.prev + bi + bh);
        output logits[3] = identity(V * h + c);
        loss softmax_cross_entropy;
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// `weight [rows][cols] * v`.
fn matvec<const C: usize>(weight: &[[f64; C]], v: &[f64; C]) -> Vec<f64> {
    weight
        .iter()
        .map(|row| row.iter().zip(v).map(|(w, x)| w * x).sum())
        .collect()
}

/// Parameters uniform in [-0.7, 0.7).
fn randomized<N: Network>(seed: u64) -> N {
    network_within(seed, 0.7)
}

#[test]
fn a_gru_step_follows_pytorchs_equations() {
    let net: Gru = randomized(1);
    let xs = inputs::<2>(4, 2);
    let mut h = [0.0; 3];
    let mut state = GruState::default();
    for x in &xs {
        // torch.nn.GRU: rows r, z, n of weight_ih / weight_hh / bias_ih / bias_hh.
        let gi = matvec(&net.weight_ih, x);
        let gh = matvec(&net.weight_hh, &h);
        let mut next = [0.0; 3];
        for j in 0..3 {
            let r = sigmoid(gi[j] + net.bias_ih[j] + gh[j] + net.bias_hh[j]);
            let z = sigmoid(gi[3 + j] + net.bias_ih[3 + j] + gh[3 + j] + net.bias_hh[3 + j]);
            let n = (gi[6 + j] + net.bias_ih[6 + j] + r * (gh[6 + j] + net.bias_hh[6 + j])).tanh();
            next[j] = (1.0 - z) * n + z * h[j];
        }
        h = next;
        let y = net.step(&mut state, x);
        for (j, &h_j) in h.iter().enumerate() {
            assert!((state.h[j] - h_j).abs() < 1e-15, "{:?} vs {h:?}", state.h);
        }
        let expected: Vec<f64> = (0..2)
            .map(|k| (0..3).map(|j| net.V[k][j] * h[j]).sum::<f64>() + net.c[k])
            .collect();
        assert!((y[0] - expected[0]).abs() < 1e-14 && (y[1] - expected[1]).abs() < 1e-14);
    }
}

#[test]
fn an_lstm_step_follows_pytorchs_equations() {
    let net: Lstm = randomized(3);
    let xs = inputs::<2>(4, 4);
    let (mut h, mut c) = ([0.0; 3], [0.0; 3]);
    let mut state = LstmState::default();
    for x in &xs {
        // torch.nn.LSTM: rows i, f, g, o.
        let gi = matvec(&net.weight_ih, x);
        let gh = matvec(&net.weight_hh, &h);
        let pre = |gate: usize, j: usize| {
            let row = 3 * gate + j;
            gi[row] + net.bias_ih[row] + gh[row] + net.bias_hh[row]
        };
        for j in 0..3 {
            let (i, f, g, o) = (
                sigmoid(pre(0, j)),
                sigmoid(pre(1, j)),
                pre(2, j).tanh(),
                sigmoid(pre(3, j)),
            );
            c[j] = f * c[j] + i * g;
            h[j] = o * c[j].tanh();
        }
        net.step(&mut state, x);
        for j in 0..3 {
            assert!((state.h[j] - h[j]).abs() < 1e-15);
            assert!((state.c_h[j] - c[j]).abs() < 1e-15);
        }
    }
}

#[test]
fn a_gru_matches_finite_differences_through_time() {
    assert_sequence_gradients_match::<Gru, 2, 2>(100, 0.7);
}

#[test]
fn an_lstm_matches_finite_differences_through_time() {
    assert_sequence_gradients_match::<Lstm, 2, 2>(200, 0.7);
}

#[test]
fn stacked_cells_mixed_with_prev_edges_match_finite_differences() {
    assert_sequence_gradients_match::<Stack, 1, 1>(300, 0.7);
}

#[test]
fn a_gru_classifier_of_sequences_matches_finite_differences() {
    for case in 0..3 {
        let net: Classify = randomized(400 + case);
        let xs = inputs::<3>(7, 410 + case);
        let class = backprop_runtime::ClassTarget::Index(case as usize);
        let mut traces = vec![net.forward(&xs[0]); 7];
        let check = gradcheck_sequence(&net, &xs, Targets::LastStep(&class), &mut traces).unwrap();
        assert!(check.passes(), "{check}");
    }
}

#[test]
fn the_stream_gives_the_numbers_of_the_sequence_pass() {
    let net: Stack = randomized(500);
    let xs = inputs::<1>(20, 501);
    let mut traces = vec![net.forward(&xs[0]); 20];
    let last = forward_sequence(&net, &StackState::default(), &xs, &mut traces).unwrap();
    let mut state = StackState::default();
    for (x, trace) in xs.iter().zip(&traces) {
        assert_eq!(net.step(&mut state, x), trace.output());
    }
    assert_eq!(state, last);
    // The state holds every remembered value: a, b, m's inputs and y, and a's cell state.
    let StackState { x, a, y, b, c_a } = last;
    assert_eq!(
        (x, a.len(), y, b.len(), c_a.len()),
        (xs[19][0], 2, traces[19].y, 3, 2)
    );
}

#[test]
fn the_parameters_are_in_pytorchs_order_and_shapes() {
    let names: Vec<(&str, &[usize])> = <Gru as Parameters>::LAYOUT
        .iter()
        .map(|info| (info.name, info.shape))
        .collect();
    assert_eq!(
        names,
        [
            ("weight_ih", &[9, 2][..]),
            ("weight_hh", &[9, 3][..]),
            ("bias_ih", &[9][..]),
            ("bias_hh", &[9][..]),
            ("V", &[2, 3][..]),
            ("c", &[2][..]),
        ]
    );
    assert_eq!(<Lstm as Parameters>::LAYOUT[1].shape, &[12, 3]);
}

#[test]
fn a_stream_switches_precision_without_starting_over() {
    use backprop_tests::nets::{Gru16, Gru16Fast, Gru16FastState, Gru16State};
    let net: Gru16 = randomized(600);
    let fast = Gru16Fast::from(&net);
    let mut state = Gru16State::default();
    let x = [0.25; 16];
    for _ in 0..5 {
        net.step(&mut state, &x);
    }
    // The state carries over to the variant: its next output is the exact one's, to the
    // fast kernels' error.
    let mut fast_state = Gru16FastState::from(&state);
    assert_eq!(fast_state.as_slice(), state.as_slice());
    let (exact, approximate) = (
        net.step(&mut state, &x)[0],
        fast.step(&mut fast_state, &x)[0],
    );
    assert!(
        (exact - approximate).abs() < 1e-5,
        "{exact} vs {approximate}"
    );
    assert_ne!(
        approximate,
        fast.step(&mut Gru16FastState::default(), &x)[0]
    );
}
