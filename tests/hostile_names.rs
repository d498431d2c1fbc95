//! No name a user writes in `network!` changes what the generated code computes: each
//! network below uses names that once captured or shadowed generated code (prelude items,
//! items in scope, generated locals, raw identifiers), and computes bit for bit what its
//! twin with plain names computes.

#![allow(non_camel_case_types, non_upper_case_globals, dead_code)]

use backprop_runtime::{ClassTarget, Network, Parameters};

/// Items a `let` pattern named after a node would bind to. (An item named exactly like a
/// generated local, such as a lowercase `const dj_dh`, still captures it: that is the limit
/// of hygiene on stable Rust, documented on `network!`, and rustc warns about such names.)
const N: f64 = 3.0;
struct Unit;
struct Tuple(f64);

/// Sets every parameter of both networks to the same distinct values.
fn same_parameters<A: Parameters<Scalar = f64>, B: Parameters<Scalar = f64>>(a: &mut A, b: &mut B) {
    assert_eq!(A::LEN, B::LEN, "twins have the same number of parameters");
    for (index, (x, y)) in a
        .as_mut_slice()
        .iter_mut()
        .zip(b.as_mut_slice())
        .enumerate()
    {
        let value = (index as f64 * 0.7 + 0.3).sin() * 0.8;
        *x = value;
        *y = value;
    }
}

/// Bit-for-bit equality of two flat views.
fn assert_same_bits(what: &str, a: &[f64], b: &[f64]) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (index, (x, y)) in a.iter().zip(b).enumerate() {
        assert_eq!(
            x.to_bits(),
            y.to_bits(),
            "{what}[{index}]: {x} (plain names) vs {y} (hostile names)"
        );
    }
}

/// Forward values, gradients and one SGD step agree bit for bit between two twins.
fn assert_twins<A, B>(mut plain: A, mut hostile: B, input: &A::Input, target: &A::Target)
where
    A: Network<Scalar = f64> + Copy,
    B: Network<Scalar = f64, Input = A::Input, Target = A::Target> + Copy,
    A::Trace: TraceSlice,
    B::Trace: TraceSlice,
{
    same_parameters(&mut plain, &mut hostile);
    let (trace_a, trace_b) = (plain.forward(input), hostile.forward(input));
    assert_same_bits("trace", trace_a.values(), trace_b.values());
    assert_eq!(
        A::trace_loss(&trace_a, target).to_bits(),
        B::trace_loss(&trace_b, target).to_bits(),
        "loss"
    );
    let (grads_a, grads_b) = (
        plain.backward(&trace_a, target),
        hostile.backward(&trace_b, target),
    );
    assert_same_bits("gradient", grads_a.as_slice(), grads_b.as_slice());
    assert!(
        grads_a.as_slice().iter().any(|g| *g != 0.0),
        "the check sees real gradients"
    );
    backprop_runtime::train_step(&mut plain, input, target, 0.1).unwrap();
    backprop_runtime::train_step(&mut hostile, input, target, 0.1).unwrap();
    assert_same_bits(
        "parameters after a step",
        plain.as_slice(),
        hostile.as_slice(),
    );
    // The generated fused step (its own locals: `loss`, `guard`, `learning_rate`).
    Network::train_step(&mut plain, input, target, 0.1).unwrap();
    Network::train_step(&mut hostile, input, target, 0.1).unwrap();
    assert_same_bits(
        "parameters after a fused step",
        plain.as_slice(),
        hostile.as_slice(),
    );
    // The generated batch pass (its own locals: `samples`, `sample_loss`, `batch_trace`,
    // `batch_dj_dz_*`), over more samples than one chunk.
    let (inputs, targets) = ([*input; 11], [*target; 11]);
    let (mut sums_a, mut sums_b) = (A::Grads::default(), B::Grads::default());
    let loss_a = plain.accumulate_batch(&inputs, &targets, 0.5, &mut sums_a);
    let loss_b = hostile.accumulate_batch(&inputs, &targets, 0.5, &mut sums_b);
    assert_eq!(loss_a.to_bits(), loss_b.to_bits(), "batch loss");
    assert_same_bits("batch gradient", sums_a.as_slice(), sums_b.as_slice());
}

/// The flat view of a generated trace (an inherent method, so a trait to reach it).
trait TraceSlice {
    fn values(&self) -> &[f64];
}

macro_rules! trace_slice {
    ($($trace:ty),*) => {$(
        impl TraceSlice for $trace {
            fn values(&self) -> &[f64] {
                self.as_slice()
            }
        }
    )*};
}

mod softmax {
    backprop_runtime::network! {
        pub struct Plain<f64> {
            input x[3];
            output direct[2] = identity(V0 * x + c0);
            layer hidden[4] = tanh(W1 * x + b1);
            output first[2] = identity(V1 * hidden + c1);
            output second = identity(v2 * hidden + c2);
            loss softmax_cross_entropy;
        }
    }

    backprop_runtime::network! {
        /// The generated softmax gradient was once a local `dj_dz_outputs`, which the
        /// layer's own `dJ/dz` shadowed before `direct` read it.
        pub struct Hostile<f64> {
            input x[3];
            output direct[2] = identity(V0 * x + c0);
            layer outputs[4] = tanh(W1 * x + b1);
            output first[2] = identity(V1 * outputs + c1);
            output second = identity(v2 * outputs + c2);
            loss softmax_cross_entropy;
        }
    }

    backprop_runtime::network! {
        pub struct PlainScalar<f64> {
            input x, y;
            output direct = identity(v0 * y);
            neuron hidden = tanh(w1 * x + w2 * y);
            output first = identity(v1 * hidden);
            output second = identity(v2 * hidden + w3 * x);
            loss softmax_cross_entropy;
        }
    }

    backprop_runtime::network! {
        pub struct HostileScalar<f64> {
            input x, y;
            output direct = identity(v0 * y);
            neuron outputs = tanh(w1 * x + w2 * y);
            output first = identity(v1 * outputs);
            output second = identity(v2 * outputs + w3 * x);
            loss softmax_cross_entropy;
        }
    }
}

trace_slice!(
    softmax::PlainTrace,
    softmax::HostileTrace,
    softmax::PlainScalarTrace,
    softmax::HostileScalarTrace
);

#[test]
fn a_layer_named_outputs_in_a_softmax_classifier() {
    let target = ClassTarget::Index(3);
    assert_twins(
        softmax::Plain::default(),
        softmax::Hostile::default(),
        &[0.5, -1.0, 2.0],
        &target,
    );
    assert_twins(
        softmax::PlainScalar::default(),
        softmax::HostileScalar::default(),
        &[0.5, -1.0],
        &ClassTarget::Index(0),
    );
}

mod inputs {
    backprop_runtime::network! {
        pub struct Plain<f64> {
            input pixels[3], bias_input;
            layer h[2] = tanh(W * pixels + u * bias_input + b);
            output o = identity(v * h);
            loss half_squared_error;
        }
    }

    backprop_runtime::network! {
        /// An array input named like `forward`'s parameter, then another input.
        pub struct Hostile<f64> {
            input input[3], trace;
            layer h[2] = tanh(W * input + u * trace + b);
            output o = identity(v * h);
            loss half_squared_error;
        }
    }
}

trace_slice!(inputs::PlainTrace, inputs::HostileTrace);

#[test]
fn an_array_input_named_input_before_another_input() {
    assert_twins(
        inputs::Plain::default(),
        inputs::Hostile::default(),
        &[0.25, -0.5, 1.5, 2.0],
        &[0.75],
    );
}

mod patterns {
    // In scope on purpose: a `let` named after a node would bind to these.
    #[allow(unused_imports)]
    use super::{Tuple, Unit, N};

    backprop_runtime::network! {
        pub struct Plain<f64> {
            input a, b, c;
            neuron d = tanh(w1 * a + w2 * b + w3 * c);
            neuron e = sigmoid(w4 * d + w5 * a);
            neuron f = sin(w6 * e + w7 * d);
            neuron g = exp(w8 * f);
            neuron k = softplus(w9 * g + w10 * e);
            output o = identity(u1 * k + u2 * d + u3 * f);
            loss half_squared_error;
        }
    }

    backprop_runtime::network! {
        /// Nodes named like prelude variants, constants and unit or tuple structs in scope,
        /// and like the backward pass's locals.
        pub struct Hostile<f64> {
            input Some, None, N;
            neuron Ok = tanh(w1 * Some + w2 * None + w3 * N);
            neuron Err = sigmoid(w4 * Ok + w5 * Some);
            neuron Unit = sin(w6 * Err + w7 * Ok);
            neuron Tuple = exp(w8 * Unit);
            neuron dj_dh = softplus(w9 * Tuple + w10 * Err);
            output h = identity(u1 * dj_dh + u2 * Ok + u3 * Unit);
            loss half_squared_error;
        }
    }
}

trace_slice!(patterns::PlainTrace, patterns::HostileTrace);

#[test]
fn nodes_named_like_patterns_in_scope() {
    let _ = (N, Unit, Tuple(0.0).0);
    assert_twins(
        patterns::Plain::default(),
        patterns::Hostile::default(),
        &[0.5, -0.25, 1.0],
        &[0.3],
    );
}

mod raw {
    backprop_runtime::network! {
        pub struct Plain<f64> {
            input x, y;
            neuron a = tanh(w1 * x + w2 * y + b1);
            neuron c = relu(w3 * a + w4 * x);
            output o = identity(u1 * a + u2 * c);
            loss mean_squared_error;
        }
    }

    backprop_runtime::network! {
        /// Keywords as raw identifiers, and `r#x` for `x`.
        pub struct Hostile<f64> {
            input r#x, r#type;
            neuron r#match = tanh(r#fn * x + w2 * r#type + r#loop);
            neuron r#in = relu(w3 * r#match + w4 * r#x);
            output r#struct = identity(u1 * r#match + r#u2 * r#in);
            loss mean_squared_error;
        }
    }
}

trace_slice!(raw::PlainTrace, raw::HostileTrace);

#[test]
fn raw_identifiers() {
    assert_twins(
        raw::Plain::default(),
        raw::Hostile::default(),
        &[0.5, 1.5],
        &[0.25],
    );
    // Names are shown without `r#` wherever they are text.
    let names: Vec<&str> = <raw::Hostile as Parameters>::LAYOUT
        .iter()
        .map(|parameter| parameter.name)
        .collect();
    assert_eq!(names, ["fn", "w2", "loop", "w3", "w4", "u1", "u2"]);
    assert!(raw::Hostile::DOT.contains("\"match\" -> \"struct\" [label=\"u1\"]"));
    assert!(!raw::Hostile::DOT.contains("r#"));
    let debug = format!("{:?}", raw::Hostile::default());
    assert!(
        debug.starts_with("Hostile { fn: 0.0, w2: 0.0, loop: 0.0"),
        "{debug}"
    );
}

mod helpers {
    backprop_runtime::network! {
        pub struct Plain<f64> {
            input a, b[2];
            layer c[2] = tanh(W1 * b + w1 * a + b1);
            neuron d = sigmoid(w2 * c + w3 * a);
            neuron e = tanh(w4 * d + w5 * c[1]);
            output o[2] = identity(V * c + v1 * e);
            loss half_squared_error;
        }
    }

    backprop_runtime::network! {
        /// Nodes and weights named like every helper the generated code has used.
        pub struct Hostile<f64> {
            input target, grads[2];
            layer j[2] = tanh(forward * grads + backward * target + ZERO);
            neuron guard = sigmoid(loss * j + NEGATIVE_ZERO * target);
            neuron dense = tanh(act * guard + INPUTS * j[1]);
            output softmax_gradient[2] = identity(flat * j + learning_rate * dense);
            loss half_squared_error;
        }
    }

    backprop_runtime::network! {
        /// Nodes and weights named like the batch passes' helpers and locals.
        pub struct HostileBatch<f64> {
            input inputs, targets[2];
            layer samples[2] = tanh(sample_loss * targets + batch_trace * inputs + scale);
            neuron sample = sigmoid(chunk * samples + back * inputs);
            neuron batch_dj_dz_samples = tanh(t * sample + steps * samples[1]);
            output end[2] = identity(start * samples + first * batch_dj_dz_samples);
            loss half_squared_error;
        }
    }
}

trace_slice!(
    helpers::PlainTrace,
    helpers::HostileTrace,
    helpers::HostileBatchTrace
);

#[test]
fn names_of_generated_helpers() {
    assert_twins(
        helpers::Plain::default(),
        helpers::Hostile::default(),
        &[0.5, -1.0, 0.25],
        &[0.5, -0.5],
    );
    assert_twins(
        helpers::Plain::default(),
        helpers::HostileBatch::default(),
        &[0.5, -1.0, 0.25],
        &[0.5, -0.5],
    );
}

backprop_runtime::network! {
    /// A recurrent network with plain names.
    pub struct PlainRecurrent<f64> {
        input x[2], e;
        layer g[3] = lstm(wi * x + wh * g.prev + bi + bh);
        neuron n = tanh(a * g + r * n.prev + s * e.prev);
        output y = identity(v * g + u * n + q * y.prev + c);
        loss half_squared_error;
        initial n = n0;
    }
}

backprop_runtime::network! {
    /// The same with the names of the recurrent machinery: the state, the carried gradient,
    /// the output gradient, the stream's methods and its `columns`, the lockstep pass's
    /// `states` and `lanes`, and items in scope.
    pub struct HostileRecurrent<f64> {
        input Some[2], input;
        layer state[3] = lstm(states * Some + lanes * state.prev + step + trace);
        neuron carry = tanh(N * state + Unit * carry.prev + initial_state * input.prev);
        output output_gradient = identity(target * state + grads * carry + forward_step * output_gradient.prev + columns);
        loss half_squared_error;
        initial carry = None;
    }
}

#[test]
fn recurrent_names_compute_what_plain_names_compute_through_time() {
    use backprop_runtime::recurrent::{sequence_gradient, Horizon, Targets};
    let (mut plain, mut hostile) = (PlainRecurrent::default(), HostileRecurrent::default());
    same_parameters(&mut plain, &mut hostile);
    let inputs: Vec<[f64; 3]> = (0..6)
        .map(|t| {
            [
                (t as f64 * 0.7).sin(),
                (t as f64 * 1.3).cos(),
                0.1 * t as f64,
            ]
        })
        .collect();
    let targets: Vec<[f64; 1]> = (0..6).map(|t| [(t as f64 * 0.4).sin()]).collect();
    let mut plain_traces = vec![plain.forward(&inputs[0]); 6];
    let mut hostile_traces = vec![hostile.forward(&inputs[0]); 6];
    let (mut plain_grads, mut hostile_grads) = (
        PlainRecurrentGrads::default(),
        HostileRecurrentGrads::default(),
    );
    let targets = Targets::EveryStep(&targets[..]);
    let a = sequence_gradient(
        &plain,
        &inputs,
        targets,
        Horizon::Full,
        &mut plain_traces,
        &mut plain_grads,
    )
    .unwrap();
    let b = sequence_gradient(
        &hostile,
        &inputs,
        targets,
        Horizon::Full,
        &mut hostile_traces,
        &mut hostile_grads,
    )
    .unwrap();
    assert_eq!(a.to_bits(), b.to_bits(), "loss");
    assert_same_bits("gradient", plain_grads.as_slice(), hostile_grads.as_slice());
    for (x, y) in plain_traces.iter().zip(&hostile_traces) {
        assert_same_bits("trace", x.as_slice(), y.as_slice());
    }
    let (mut s, mut t) = (plain.initial_state(), hostile.initial_state());
    for input in &inputs {
        assert_eq!(
            plain.step(&mut s, input)[0].to_bits(),
            hostile.step(&mut t, input)[0].to_bits()
        );
    }
    assert_same_bits("state", s.as_slice(), t.as_slice());
    let (plain, hostile) = (
        backprop_runtime::Stream::new(plain),
        backprop_runtime::Stream::new(hostile),
    );
    let (mut s, mut t) = (plain.initial_state(), hostile.initial_state());
    for input in &inputs {
        assert_eq!(
            plain.step(&mut s, input)[0].to_bits(),
            hostile.step(&mut t, input)[0].to_bits()
        );
    }
    assert_same_bits("stream state", s.as_slice(), t.as_slice());

    // Four sequences in lockstep (a buffer of `LANES` sequences), the same bits.
    use backprop_runtime::recurrent::{batch_sequence_gradient, Sequence, LANES};
    let (plain, hostile) = (plain.into_network(), hostile.into_network());
    let plain_batch = vec![
        Sequence::<PlainRecurrent> {
            inputs: &inputs,
            targets
        };
        LANES
    ];
    let hostile_batch = vec![
        Sequence::<HostileRecurrent> {
            inputs: &inputs,
            targets
        };
        LANES
    ];
    let mut plain_traces = vec![plain.forward(&inputs[0]); LANES * 6];
    let mut hostile_traces = vec![hostile.forward(&inputs[0]); LANES * 6];
    let a = batch_sequence_gradient(
        &plain,
        &plain_batch,
        Horizon::Full,
        &mut plain_traces,
        &mut plain_grads,
    )
    .unwrap();
    let b = batch_sequence_gradient(
        &hostile,
        &hostile_batch,
        Horizon::Full,
        &mut hostile_traces,
        &mut hostile_grads,
    )
    .unwrap();
    assert_eq!(a.to_bits(), b.to_bits(), "lockstep loss");
    assert_same_bits(
        "lockstep gradient",
        plain_grads.as_slice(),
        hostile_grads.as_slice(),
    );
}

mod through_time {
    backprop_runtime::network! {
        pub struct Plain<f64> {
            input a[2];
            layer g[3] = gru(Wi * a + Wh * g.prev + bi + bh);
            layer e[2] = tanh(A * g + R * e.prev + c);
            output o = identity(v * e);
            loss half_squared_error;
        }
    }

    backprop_runtime::network! {
        /// Nodes and weights named like the helpers of the chunked pass through time.
        pub struct Hostile<f64> {
            input traces[2];
            layer back[3] = gru(chunk * traces + t * back.prev + end + start);
            layer steps[2] = tanh(first * back + carry * steps.prev + batch_dj_dside_back);
            output batch_trace = identity(output_gradient * steps);
            loss half_squared_error;
        }
    }
}

#[test]
fn names_of_the_helpers_through_time() {
    use backprop_runtime::recurrent::{forward_sequence, Targets};
    let (mut plain, mut hostile) = (
        through_time::Plain::default(),
        through_time::Hostile::default(),
    );
    same_parameters(&mut plain, &mut hostile);
    // Longer than a chunk of steps.
    let inputs: Vec<[f64; 2]> = (0..19).map(|t| [(t as f64 * 0.4).sin(), 0.3]).collect();
    let targets: Vec<[f64; 1]> = (0..19).map(|t| [(t as f64 * 0.2).cos()]).collect();
    let mut plain_traces = vec![plain.forward(&inputs[0]); inputs.len()];
    let mut hostile_traces = vec![hostile.forward(&inputs[0]); inputs.len()];
    forward_sequence(&plain, &plain.initial_state(), &inputs, &mut plain_traces).unwrap();
    forward_sequence(
        &hostile,
        &hostile.initial_state(),
        &inputs,
        &mut hostile_traces,
    )
    .unwrap();
    let targets = Targets::EveryStep(&targets);
    let mut plain_grads = through_time::PlainGrads::default();
    let mut hostile_grads = through_time::HostileGrads::default();
    let (mut plain_carry, mut hostile_carry) = Default::default();
    plain.backward_steps(
        &plain_traces,
        targets,
        0,
        &mut plain_carry,
        &mut plain_grads,
    );
    hostile.backward_steps(
        &hostile_traces,
        targets,
        0,
        &mut hostile_carry,
        &mut hostile_grads,
    );
    assert!(
        plain_grads.as_slice().iter().any(|g| *g != 0.0),
        "real gradients"
    );
    assert_same_bits(
        "gradient through time",
        plain_grads.as_slice(),
        hostile_grads.as_slice(),
    );
}
