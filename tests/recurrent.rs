//! Recurrent networks: backpropagation through time against central finite differences in
//! `f64` on many topologies (self-loops, loops through several neurons, Elman layers, delay
//! lines on inputs, stacked recurrent layers, recurrence mixed with single neurons, outputs
//! fed back), with a loss at every step or at the last one, full and truncated; the
//! streaming step against the sequence pass; and the errors of malformed sequences.

use backprop_runtime::gradcheck::gradcheck_sequence;
use backprop_runtime::recurrent::{
    self, batch_sequence_gradient, forward_sequence, predict_sequence, sequence_gradient,
    sequence_loss, Horizon, Sequence, Targets,
};
use backprop_runtime::{network, ClassTarget, Error, Network, Parameters, Recurrent, Scalar};

mod common;

use common::{assert_sequence_gradients_match, network_within, sequence as inputs};

network! {
    /// A neuron that reads its own previous value.
    pub struct SelfLoop<f64> {
        input x;
        neuron h = tanh(w * x + r * h.prev + b);
        output y = identity(v * h + c);
        loss half_squared_error;
    }
}

network! {
    /// Two neurons in a loop closed by one delay: a reads b one step earlier.
    pub struct TwoNeuronLoop<f64> {
        input x;
        neuron a = tanh(p * x + q * b.prev);
        neuron b = sigmoid(s * a + bb);
        output y = identity(u * b + v * a);
        loss half_squared_error;
    }
}

network! {
    /// An Elman layer: the hidden layer reads its whole previous value.
    pub struct Elman<f64> {
        input x[3];
        layer h[4] = tanh(W * x + R * h.prev + b);
        output y[2] = identity(V * h + c);
        loss half_squared_error;
    }
}

network! {
    /// A delay line on the inputs: the output reads x now, x one step ago (whole and one
    /// element), and nothing recurrent otherwise.
    pub struct DelayLine<f64> {
        input x[2], e;
        layer h[3] = softsign(A * x + B * x.prev + g * e.prev);
        output y = identity(v * h + u * x[1].prev + c);
        loss half_squared_error;
        activation softsign(z) = z / (1.0 + abs(z));
    }
}

network! {
    /// Two recurrent layers, stacked.
    pub struct Stacked<f64> {
        input x[2];
        layer h1[3] = tanh(W1 * x + R1 * h1.prev + b1);
        layer h2[3] = sigmoid(W2 * h1 + R2 * h2.prev + S * h1.prev + b2);
        output y[2] = identity(V * h2 + c);
        loss mean_squared_error;
    }
}

network! {
    /// Recurrence mixed with single neurons: a layer reads a neuron's previous value, the
    /// neuron reads one element of the layer's previous value, and an output is fed back.
    pub struct Mixed<f64> {
        input x, z[2];
        layer h[3] = tanh(W * z + a * n.prev + R * h.prev + b);
        neuron n = sin(p * x + q * h[2].prev + m * h);
        output o = identity(u * n + f * o.prev + k * h);
        output o2 = exp(s * n.prev + t * x);
        loss half_squared_error;
    }
}

network! {
    /// A recurrent classifier: softmax over the classes, usually at the last step only.
    pub struct Classify<f64> {
        input x[2];
        layer h[4] = tanh(W * x + R * h.prev + b);
        output logits[3] = identity(V * h + c);
        loss softmax_cross_entropy;
    }
}

network! {
    /// Binary cross-entropy on a recurrent neuron's output.
    pub struct Detect<f64> {
        input x;
        neuron h = relu(w * x + r * h.prev + b);
        neuron g = tanh(a * h + d * g.prev);
        output p = sigmoid(v * g + u * h.prev + c);
        loss binary_cross_entropy;
    }
}

/// Parameters uniform in [-0.8, 0.8).
fn randomized<N: Network>(seed: u64) -> N {
    network_within(seed, 0.8)
}

/// A trace buffer for `steps` steps.
fn buffer<N: Recurrent>(net: &N, input: &N::Input, steps: usize) -> Vec<N::Trace> {
    vec![net.forward(input); steps]
}

#[test]
fn a_self_loop_matches_finite_differences() {
    assert_sequence_gradients_match::<SelfLoop, 1, 1>(1, 0.8);
}

#[test]
fn a_loop_through_two_neurons_and_one_delay_matches_finite_differences() {
    assert_sequence_gradients_match::<TwoNeuronLoop, 1, 1>(2, 0.8);
}

#[test]
fn an_elman_layer_matches_finite_differences() {
    assert_sequence_gradients_match::<Elman, 3, 2>(3, 0.8);
}

#[test]
fn a_delay_line_on_the_inputs_matches_finite_differences() {
    assert_sequence_gradients_match::<DelayLine, 3, 1>(4, 0.8);
}

#[test]
fn stacked_recurrent_layers_match_finite_differences() {
    assert_sequence_gradients_match::<Stacked, 2, 2>(5, 0.8);
}

#[test]
fn recurrence_mixed_with_single_neurons_and_a_fed_back_output_matches_finite_differences() {
    assert_sequence_gradients_match::<Mixed, 3, 2>(6, 0.8);
}

#[test]
fn binary_cross_entropy_through_time_matches_finite_differences() {
    // Targets in [0, 1] for a probability.
    for case in 0..3 {
        let net: Detect = randomized(70 + case);
        let xs = inputs::<1>(6, 80 + case);
        let ts: Vec<[f64; 1]> = (0..6).map(|t| [f64::from(t % 2)]).collect();
        let mut traces = buffer(&net, &xs[0], 6);
        for targets in [Targets::EveryStep(&ts[..]), Targets::LastStep(&ts[5])] {
            let check = gradcheck_sequence(&net, &xs, targets, &mut traces).unwrap();
            assert!(check.passes(), "{check}");
        }
    }
}

#[test]
fn a_softmax_classifier_through_time_matches_finite_differences() {
    for case in 0..3 {
        let net: Classify = randomized(90 + case);
        let xs = inputs::<2>(7, 95 + case);
        let classes: Vec<ClassTarget<f64, 3>> = (0..7)
            .map(|t| ClassTarget::Index((t + case as usize) % 3))
            .collect();
        let mut traces = buffer(&net, &xs[0], 7);
        for targets in [
            Targets::EveryStep(&classes[..]),
            Targets::LastStep(&classes[6]),
        ] {
            let check = gradcheck_sequence(&net, &xs, targets, &mut traces).unwrap();
            assert!(check.passes(), "{check}");
        }
    }
}

/// The loss of the last `k` steps, run from `state` (held fixed), at the network's
/// parameters.
fn loss_of_last_steps<N: Recurrent>(
    net: &N,
    state: &N::State,
    inputs: &[N::Input],
    targets: Targets<'_, N::Target>,
    first: usize,
) -> f64 {
    let mut state = *state;
    let mut loss = 0.0;
    for (t, input) in inputs.iter().enumerate().skip(first) {
        let trace = net.forward_step(&state, input);
        if let Some(target) = targets.at(t, inputs.len()) {
            loss += N::trace_loss(&trace, target).to_f64();
        }
        state = N::state_after(&trace);
    }
    loss
}

/// Truncated BPTT is the exact gradient of the loss of the last `k` steps with the state
/// before them held fixed: checked by central differences of that loss.
fn check_truncated<N, const I: usize, const O: usize>(seed: u64)
where
    N: Recurrent<Scalar = f64, Input = [f64; I], Target = [f64; O]>,
{
    let net: N = randomized(seed);
    let steps = 9;
    let xs = inputs::<I>(steps, seed + 1);
    let ts = inputs::<O>(steps, seed + 2);
    let mut traces = buffer(&net, &xs[0], steps);
    for k in [1, 3, 9, 20] {
        let first = steps.saturating_sub(k);
        for targets in [
            Targets::EveryStep(&ts[..]),
            Targets::LastStep(&ts[steps - 1]),
        ] {
            let mut grads = N::Grads::default();
            sequence_gradient(
                &net,
                &xs,
                targets,
                Horizon::LastSteps(k),
                &mut traces,
                &mut grads,
            )
            .unwrap();
            let state = if first == 0 {
                N::State::default()
            } else {
                N::state_after(&traces[first - 1])
            };
            let mut probe = net.clone();
            for index in 0..N::LEN {
                let original = probe.as_slice()[index];
                let step = 1e-5 * original.abs().max(1.0);
                probe.as_mut_slice()[index] = original + step;
                let up = loss_of_last_steps(&probe, &state, &xs, targets, first);
                probe.as_mut_slice()[index] = original - step;
                let down = loss_of_last_steps(&probe, &state, &xs, targets, first);
                probe.as_mut_slice()[index] = original;
                let numeric = (up - down) / (2.0 * step);
                let analytic = grads.as_slice()[index];
                let error =
                    (analytic - numeric).abs() / analytic.abs().max(numeric.abs()).max(1e-4);
                assert!(
                    error < 1e-6,
                    "{} k={k} {targets:?}: {} analytic {analytic} numeric {numeric}",
                    N::NAME,
                    N::name_of(index).unwrap()
                );
            }
        }
    }
}

#[test]
fn truncated_bptt_is_the_gradient_of_the_last_steps_from_a_fixed_state() {
    check_truncated::<SelfLoop, 1, 1>(11);
    check_truncated::<Elman, 3, 2>(12);
    check_truncated::<Mixed, 3, 2>(13);
    check_truncated::<Stacked, 2, 2>(14);
}

#[test]
fn a_horizon_as_long_as_the_sequence_is_the_full_gradient() {
    let net: Stacked = randomized(20);
    let xs = inputs::<2>(6, 21);
    let ts = inputs::<2>(6, 22);
    let mut traces = buffer(&net, &xs[0], 6);
    let (mut full, mut truncated) = (StackedGrads::default(), StackedGrads::default());
    let targets = Targets::EveryStep(&ts[..]);
    sequence_gradient(&net, &xs, targets, Horizon::Full, &mut traces, &mut full).unwrap();
    sequence_gradient(
        &net,
        &xs,
        targets,
        Horizon::LastSteps(6),
        &mut traces,
        &mut truncated,
    )
    .unwrap();
    assert_eq!(full, truncated);
}

#[test]
fn the_hand_derived_gradient_of_a_self_loop_over_two_steps() {
    // h(t) = tanh(w x(t) + r h(t-1)), y = v h; J = 1/2 (y(1) - t)^2 at the last step.
    let net = SelfLoop {
        w: 0.7,
        r: -0.4,
        v: 1.3,
        b: 0.0,
        c: 0.0,
    };
    let (x0, x1, t) = (0.5, -0.2, 0.3);
    let h0 = (0.7f64 * x0).tanh();
    let h1 = (0.7 * x1 - 0.4 * h0).tanh();
    let y1 = 1.3 * h1;
    let dj_dy = y1 - t;
    let dj_dz1 = dj_dy * 1.3 * (1.0 - h1 * h1);
    // h0 reaches J only through the recurrent edge at step 1.
    let dj_dz0 = dj_dz1 * -0.4 * (1.0 - h0 * h0);
    let expected_w = dj_dz1 * x1 + dj_dz0 * x0;
    let expected_r = dj_dz1 * h0;
    let mut traces = buffer(&net, &[x0], 2);
    let mut grads = SelfLoopGrads::default();
    let loss = sequence_gradient(
        &net,
        &[[x0], [x1]],
        Targets::LastStep(&[t]),
        Horizon::Full,
        &mut traces,
        &mut grads,
    )
    .unwrap();
    assert!((loss - 0.5 * dj_dy * dj_dy).abs() < 1e-15);
    assert!(
        (grads.w - expected_w).abs() < 1e-15,
        "{} vs {expected_w}",
        grads.w
    );
    assert!(
        (grads.r - expected_r).abs() < 1e-15,
        "{} vs {expected_r}",
        grads.r
    );
    assert!((grads.v - dj_dy * h1).abs() < 1e-15);
}

#[test]
fn the_stream_gives_the_numbers_of_the_sequence_pass() {
    let net: Mixed = randomized(30);
    let xs = inputs::<3>(12, 31);
    let mut traces = buffer(&net, &xs[0], 12);
    let last = forward_sequence(&net, &MixedState::default(), &xs, &mut traces).unwrap();
    let mut state = MixedState::default();
    for (x, trace) in xs.iter().zip(&traces) {
        assert_eq!(net.step(&mut state, x), trace.output());
        assert_eq!(
            Recurrent::step(&net, &mut MixedState::ZERO.clone(), x).len(),
            2
        );
    }
    assert_eq!(state, last);
    // In two pieces, the state carried across.
    let mut outputs = vec![[0.0; 2]; 12];
    let mut state = MixedState::default();
    predict_sequence(&net, &mut state, &xs[..5], &mut outputs[..5]).unwrap();
    predict_sequence(&net, &mut state, &xs[5..], &mut outputs[5..]).unwrap();
    let expected: Vec<[f64; 2]> = traces.iter().map(MixedTrace::output).collect();
    assert_eq!(outputs, expected);
    assert_eq!(state, last);
}

#[test]
fn the_first_step_is_the_feed_forward_network() {
    // Network::forward and backward are one step from the zero state: a sequence of one.
    let net: Elman = randomized(40);
    let x = [0.3, -0.2, 0.9];
    let target = [0.5, -0.5];
    let mut traces = buffer(&net, &x, 1);
    let mut grads = ElmanGrads::default();
    sequence_gradient(
        &net,
        &[x],
        Targets::EveryStep(&[target]),
        Horizon::Full,
        &mut traces,
        &mut grads,
    )
    .unwrap();
    assert_eq!(net.backward(&net.forward(&x), &target), grads);
    assert_eq!(traces[0], net.forward(&x));
    let check = backprop_runtime::gradcheck(&net, &x, &target);
    assert!(check.passes(), "{check}");
}

#[test]
fn a_batch_gradient_is_the_mean_of_its_sequences() {
    let net: Elman = randomized(50);
    let (a, b) = (inputs::<3>(4, 51), inputs::<3>(7, 52));
    let (ta, tb) = (inputs::<2>(4, 53), inputs::<2>(7, 54));
    let mut traces = buffer(&net, &a[0], 7);
    let mut ga = ElmanGrads::default();
    let mut gb = ElmanGrads::default();
    let la = sequence_gradient(
        &net,
        &a,
        Targets::EveryStep(&ta),
        Horizon::Full,
        &mut traces,
        &mut ga,
    )
    .unwrap();
    let lb = sequence_gradient(
        &net,
        &b,
        Targets::LastStep(&tb[6]),
        Horizon::Full,
        &mut traces,
        &mut gb,
    )
    .unwrap();
    let batch = [
        Sequence {
            inputs: &a,
            targets: Targets::EveryStep(&ta),
        },
        Sequence {
            inputs: &b,
            targets: Targets::LastStep(&tb[6]),
        },
    ];
    let mut mean = ElmanGrads::default();
    let loss =
        batch_sequence_gradient(&net, &batch, Horizon::Full, &mut traces, &mut mean).unwrap();
    assert!((loss - (la + lb) / 2.0).abs() < 1e-12);
    for ((m, x), y) in mean.as_slice().iter().zip(ga.as_slice()).zip(gb.as_slice()) {
        assert!((m - (x + y) / 2.0).abs() < 1e-12);
    }
}

#[test]
fn training_on_sequences_lowers_their_loss() {
    // Learn y(t) = x(t - 1) + 0.5 x(t - 2): a memory of two steps.
    let xs = inputs::<3>(16, 60);
    let ts: Vec<[f64; 2]> = (0..16)
        .map(|t| {
            let back = |k: usize| if t >= k { xs[t - k][0] } else { 0.0 };
            [back(1) + 0.5 * back(2), xs[t][1]]
        })
        .collect();
    let mut net: Elman = randomized(61);
    let mut traces = buffer(&net, &xs[0], 16);
    let targets = Targets::EveryStep(&ts[..]);
    let before = sequence_loss(&net, &xs, targets).unwrap();
    let mut adam = backprop_runtime::optim::Adam::new(0.02).unwrap();
    for _ in 0..400 {
        recurrent::train_sequence_with(
            &mut net,
            &mut adam,
            &xs,
            targets,
            Horizon::Full,
            &mut traces,
        )
        .unwrap();
    }
    let after = sequence_loss(&net, &xs, targets).unwrap();
    assert!(after < before / 20.0, "{before} -> {after}");
    // Plain SGD with truncation also descends.
    let mut net: Elman = randomized(61);
    let mut last = f64::INFINITY;
    for _ in 0..50 {
        last = recurrent::train_sequence(
            &mut net,
            &xs,
            targets,
            Horizon::LastSteps(4),
            0.05,
            &mut traces,
        )
        .unwrap();
    }
    assert!(last < before, "{before} -> {last}");
}

#[test]
fn malformed_sequences_are_errors_and_change_nothing() {
    let mut net: Elman = randomized(70);
    let original = net;
    let xs = inputs::<3>(5, 71);
    let ts = inputs::<2>(5, 72);
    let mut short = buffer(&net, &xs[0], 3);
    let mut traces = buffer(&net, &xs[0], 5);
    let every = Targets::EveryStep(&ts[..]);
    let mut grads = ElmanGrads::default();
    let error =
        sequence_gradient(&net, &xs, every, Horizon::Full, &mut short, &mut grads).unwrap_err();
    assert_eq!(
        error,
        Error::SequenceLength {
            what: "traces fit in the buffer",
            steps: 5,
            found: 3
        }
    );
    assert_eq!(
        error.to_string(),
        "the sequence has 5 time steps, but 3 traces fit in the buffer"
    );
    let error = sequence_gradient(
        &net,
        &xs,
        Targets::EveryStep(&ts[..4]),
        Horizon::Full,
        &mut traces,
        &mut grads,
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "the sequence has 5 time steps, but 4 targets were given"
    );
    let error =
        sequence_gradient(&net, &[], every, Horizon::Full, &mut traces, &mut grads).unwrap_err();
    assert_eq!(error, Error::EmptySequence);
    assert_eq!(error.to_string(), "a sequence needs at least one time step");
    assert_eq!(sequence_loss(&net, &[], every), Err(Error::EmptySequence));
    let mut outputs = [[0.0; 2]; 4];
    let error = predict_sequence(&net, &mut ElmanState::default(), &xs, &mut outputs).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the sequence has 5 time steps, but 4 output slots were given"
    );
    let error =
        recurrent::batch_sequence_gradient(&net, &[], Horizon::Full, &mut traces, &mut grads)
            .unwrap_err();
    assert_eq!(error, Error::EmptyBatch);
    // A NaN input: the loss is not finite, nothing is updated.
    let mut bad = xs.clone();
    bad[2][1] = f64::NAN;
    let error = recurrent::train_sequence(&mut net, &bad, every, Horizon::Full, 0.1, &mut traces)
        .unwrap_err();
    assert!(matches!(error, Error::NonFiniteLoss { .. }), "{error}");
    // A learning rate that overflows a parameter: rejected, nothing is updated.
    let error = recurrent::train_sequence(&mut net, &xs, every, Horizon::Full, 1e308, &mut traces)
        .unwrap_err();
    assert!(matches!(error, Error::NonFiniteParameter { .. }), "{error}");
    assert_eq!(net, original);
    // An invalid class at a step is the target's own error.
    let classify: Classify = randomized(73);
    let xs = inputs::<2>(3, 74);
    let mut traces = buffer(&classify, &xs[0], 3);
    let mut grads = ClassifyGrads::default();
    let error = sequence_gradient(
        &classify,
        &xs,
        Targets::LastStep(&ClassTarget::Index(3)),
        Horizon::Full,
        &mut traces,
        &mut grads,
    )
    .unwrap_err();
    assert_eq!(
        error,
        Error::InvalidClass {
            class: 3,
            classes: 3
        }
    );
}

#[test]
fn the_state_holds_what_is_read_with_prev_and_nothing_else() {
    // Mixed reads h, n and o with `.prev`; o2 and the inputs are not (the pattern is
    // exhaustive, so a field more or less does not compile).
    let MixedState { h, n, o } = MixedState::ZERO;
    assert_eq!((h, n, o), ([0.0; 3], 0.0, 0.0));
    // DelayLine reads only inputs with `.prev`: x (two values) and e.
    let DelayLineState { x, e } = DelayLineState::default();
    assert_eq!((x, e), ([0.0; 2], 0.0));
    assert_eq!(MixedState::ZERO.as_slice().len(), 5);
}

#[test]
fn a_parallel_batch_of_sequences_equals_the_sequential_one() {
    use backprop_runtime::recurrent::{
        batch_sequence_gradient_parallel, train_sequences_parallel_with,
    };
    let mut net: Stacked = randomized(80);
    let xs: Vec<Vec<[f64; 2]>> = (0..9).map(|s| inputs::<2>(3 + s, 81 + s as u64)).collect();
    let ts: Vec<Vec<[f64; 2]>> = (0..9).map(|s| inputs::<2>(3 + s, 91 + s as u64)).collect();
    let batch: Vec<Sequence<'_, Stacked>> = xs
        .iter()
        .zip(&ts)
        .enumerate()
        .map(|(s, (x, t))| Sequence {
            inputs: x,
            targets: if s % 2 == 0 {
                Targets::EveryStep(t)
            } else {
                Targets::LastStep(&t[t.len() - 1])
            },
        })
        .collect();
    let mut traces = buffer(&net, &xs[0][0], 11);
    let (mut sequential, mut parallel) = (StackedGrads::default(), StackedGrads::default());
    let a = batch_sequence_gradient(
        &net,
        &batch,
        Horizon::LastSteps(5),
        &mut traces,
        &mut sequential,
    )
    .unwrap();
    let b = batch_sequence_gradient_parallel(&net, &batch, Horizon::LastSteps(5), &mut parallel)
        .unwrap();
    assert!((a - b).abs() < 1e-12);
    for (x, y) in sequential.as_slice().iter().zip(parallel.as_slice()) {
        assert!((x - y).abs() < 1e-12 * x.abs().max(1.0));
    }
    let mut sgd = backprop_runtime::optim::Sgd::new(0.1).unwrap();
    let before = net;
    train_sequences_parallel_with(&mut net, &mut sgd, &batch, Horizon::Full).unwrap();
    assert_ne!(net, before);
    assert_eq!(
        batch_sequence_gradient_parallel(&net, &[], Horizon::Full, &mut parallel),
        Err(Error::EmptyBatch)
    );
}

network! {
    /// Trainable initial values: a neuron, an Elman layer and a GRU start from parameters.
    pub struct Started<f64> {
        input x[2];
        neuron s = tanh(a * x + r * s.prev);
        layer h[3] = tanh(W * x + R * h.prev + q * s.prev + b);
        layer g[2] = gru(Wi * h + Wh * g.prev + bi + bh);
        output y[2] = identity(V * g + u * s + c);
        loss half_squared_error;
        initial s = s0;
        initial h = h0[3];
        initial g = g0;
    }
}

#[test]
fn trainable_initial_values_match_finite_differences() {
    assert_sequence_gradients_match::<Started, 2, 2>(120, 0.8);
}

#[test]
fn a_sequence_starts_from_the_initial_values_and_they_learn() {
    let net: Started = randomized(130);
    let state = net.initial_state();
    assert_eq!((state.s, state.h, state.g), (net.s0, net.h0, net.g0));
    // The first step reads them: forward is a step from the initial state.
    let x = [0.3, -0.7];
    assert_eq!(net.forward(&x), net.forward_step(&state, &x));
    assert_ne!(net.forward(&x), net.forward_step(&StartedState::ZERO, &x));
    // Truncated before the first step, the starting state is a constant: no gradient.
    let xs = inputs::<2>(6, 131);
    let ts = inputs::<2>(6, 132);
    let mut traces = buffer(&net, &xs[0], 6);
    let mut grads = StartedGrads::default();
    let every = Targets::EveryStep(&ts[..]);
    sequence_gradient(
        &net,
        &xs,
        every,
        Horizon::LastSteps(3),
        &mut traces,
        &mut grads,
    )
    .unwrap();
    assert_eq!((grads.s0, grads.h0, grads.g0), (0.0, [0.0; 3], [0.0; 2]));
    sequence_gradient(&net, &xs, every, Horizon::Full, &mut traces, &mut grads).unwrap();
    assert!(grads.s0 != 0.0 && grads.h0.iter().all(|g| *g != 0.0));
    // Training moves them.
    let mut trained = net;
    recurrent::train_sequence(&mut trained, &xs, every, Horizon::Full, 0.1, &mut traces).unwrap();
    assert_ne!(trained.h0, net.h0);
    // The one-step backward pass of `Network` gives them their gradient too.
    let one = net.backward(&net.forward(&x), &ts[0]);
    let mut first = StartedGrads::default();
    sequence_gradient(
        &net,
        &[x],
        Targets::EveryStep(&ts[..1]),
        Horizon::Full,
        &mut traces,
        &mut first,
    )
    .unwrap();
    assert_eq!(one, first);
}

network! {
    /// A GRU of 64 units and an LSTM of 16 in `f32`: weight matrices whose rows (64) the
    /// four-lane AVX-512 kernel takes where the CPU has it, and rows (16) it leaves to one
    /// lane at a time.
    #[backprop(variant(WideCellsFast, precision = fast))]
    pub struct WideCells<f32> {
        input x[16];
        layer g[64] = gru(Wg * x + Ug * g.prev + bg + cg);
        layer l[16] = lstm(Wl * g + Ul * l.prev + bl + cl);
        output y[3] = identity(V * g + U * l + c);
        loss half_squared_error;
    }
}

#[test]
fn sequences_in_lockstep_compute_what_they_compute_one_by_one_in_f32() {
    for seed in 1..=2 {
        let net: WideCells = common::network_within(seed, 0.3);
        common::assert_lockstep_is_one_by_one(&net, seed);
        common::assert_lockstep_is_one_by_one(&WideCellsFast::from(&net), seed);
    }
}
