//! Networks too many or too large to write by hand, written out as source at test time, then
//! compiled in the default (debug) profile and run by trybuild, each as its own program:
//!
//! - renamed twins: random valid networks beside the same networks with every node and
//!   parameter renamed to a hostile name (prelude items, items in scope, names generated
//!   code uses, keywords as raw identifiers). Each pair must compute bit for bit the same
//!   trace, gradients and SGD step;
//! - random recurrent networks (single neurons and layers reading earlier nodes now and any
//!   neuron one step earlier, GRU and LSTM layers, trainable initial values), each checked
//!   against central finite differences through time and streamed against its sequence pass;
//! - large neuron-level networks (a chain of 2,000 neurons, 3,000 single neurons summed by
//!   one output), which once overflowed rustc's stack in a debug build, each checked against
//!   a plain loop computing the same numbers. (A sum of 10,000 terms is checked in the macro's
//!   unit tests, on the expansion: compiling it takes minutes of rustc's type check.)
//!
//! `BACKPROP_RENAME_SEED` and `BACKPROP_RENAME_CASES` (and `BACKPROP_RECURRENT_CASES` for
//! the recurrent program) explore other random networks (the default seed is fixed, so CI
//! runs the same cases every time).

use std::fmt::Write;
use std::path::PathBuf;

use backprop_tests::SplitMix;

/// Networks per generated program, and programs, unless `BACKPROP_RENAME_CASES` says how
/// many networks in all.
const NETWORKS_PER_PROGRAM: usize = 4;
const DEFAULT_NETWORKS: usize = 16;

#[test]
fn generated_networks_compile_and_compute_what_they_should() {
    let directory = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("generated-networks");
    std::fs::create_dir_all(&directory).unwrap();
    let seed = env_number("BACKPROP_RENAME_SEED").unwrap_or(2026);
    let networks = env_number("BACKPROP_RENAME_CASES").map_or(DEFAULT_NETWORKS, |n| n as usize);
    let mut random = SplitMix::new(seed);
    let mut programs = Vec::new();
    for program in 0..networks.div_ceil(NETWORKS_PER_PROGRAM) {
        let count = NETWORKS_PER_PROGRAM.min(networks - program * NETWORKS_PER_PROGRAM);
        let specs: Vec<Spec> = (0..count).map(|_| Spec::random(&mut random)).collect();
        programs.push((format!("renamed_twins_{program}"), renamed_twins(&specs)));
    }
    let recurrent =
        env_number("BACKPROP_RECURRENT_CASES").map_or(RECURRENT_NETWORKS, |n| n as usize);
    let recurrent_specs: Vec<RecurrentSpec> = (0..recurrent)
        .map(|_| RecurrentSpec::random(&mut random))
        .collect();
    programs.push((
        "random_recurrent_networks".to_owned(),
        recurrent_program(&recurrent_specs),
    ));
    programs.push(("chain_of_2000_neurons".to_owned(), chain(2_000)));
    programs.push(("layer_of_3000_single_neurons".to_owned(), wide(3_000)));

    let cases = trybuild::TestCases::new();
    for (name, source) in programs {
        let path = directory.join(format!("{name}.rs"));
        std::fs::write(&path, source).unwrap();
        cases.pass(path);
    }
}

/// Random recurrent networks, in one program.
const RECURRENT_NETWORKS: usize = 6;

/// A random valid recurrent network: scalar inputs; neurons (single values or layers of two
/// or three) reading earlier nodes and, with `.prev`, any neuron but the last; sometimes a
/// GRU or LSTM layer reading one earlier node; sometimes a trainable initial value; the last
/// neuron, which nothing reads, is the output.
struct RecurrentSpec {
    inputs: usize,
    neurons: Vec<RecurrentNeuron>,
}

struct RecurrentNeuron {
    width: Option<usize>,
    /// `Some(cell)` for a `gru`/`lstm` layer, else the activation.
    kind: Result<&'static str, &'static str>,
    /// `(node, delayed)`: inputs are `0..inputs`, neuron `k` is `inputs + k`.
    sources: Vec<(usize, bool)>,
    initial: bool,
}

/// Smooth activations only: a kink within a finite difference's step is not an error.
const SMOOTH: &[&str] = &["tanh", "sigmoid", "identity", "sin", "softplus"];

impl RecurrentSpec {
    fn random(random: &mut SplitMix) -> RecurrentSpec {
        let inputs = 1 + random.below(2);
        let count = 2 + random.below(4);
        let mut neurons: Vec<RecurrentNeuron> = Vec::new();
        for index in 0..count {
            let last = index + 1 == count;
            let cell = !last && random.below(4) == 0;
            let width = if last {
                None
            } else {
                [None, Some(2), Some(3)][random.below(3)]
            };
            let mut sources: Vec<(usize, bool)> = Vec::new();
            if cell {
                sources.push((random.below(inputs + index), false));
                neurons.push(RecurrentNeuron {
                    width: Some(2 + random.below(2)),
                    kind: Ok(["gru", "lstm"][random.below(2)]),
                    sources,
                    initial: random.below(2) == 0,
                });
                continue;
            }
            for _ in 0..1 + random.below(3) {
                // Now from an earlier node, or one step earlier from any neuron but the last.
                let delayed = random.below(3) == 0;
                let node = if delayed {
                    inputs + random.below(count - 1)
                } else {
                    random.below(inputs + index)
                };
                if !sources.contains(&(node, delayed)) {
                    sources.push((node, delayed));
                }
            }
            neurons.push(RecurrentNeuron {
                width,
                kind: Err(SMOOTH[random.below(SMOOTH.len())]),
                sources,
                initial: false,
            });
        }
        // Every input read; every neuron but the last read by a later one (so it reaches the
        // output), and the last reads the one before it.
        for input in 0..inputs {
            if !neurons
                .iter()
                .any(|n| n.sources.iter().any(|&(s, _)| s == input))
            {
                neurons[count - 1].sources.push((input, false));
            }
        }
        for index in 0..count - 1 {
            let node = inputs + index;
            let read_later = neurons[index + 1..]
                .iter()
                .any(|n| n.sources.iter().any(|&(s, d)| s == node && !d));
            if !read_later {
                neurons[count - 1].sources.push((node, false));
            }
        }
        // Recurrent at least once: the output reads the first neuron one step earlier.
        let recurrent = neurons
            .iter()
            .any(|n| n.kind.is_ok() || n.sources.iter().any(|&(_, delayed)| delayed));
        if !recurrent {
            neurons[count - 1].sources.push((inputs, true));
        }
        // A trainable initial value only where something reads `.prev`.
        for index in 0..count {
            let node = inputs + index;
            let delayed_read = neurons
                .iter()
                .any(|n| n.sources.iter().any(|&(s, d)| s == node && d));
            if delayed_read && neurons[index].kind.is_err() && random.below(3) == 0 {
                neurons[index].initial = true;
            }
        }
        RecurrentSpec { inputs, neurons }
    }

    /// The `network!` declaration of network `index`.
    fn declaration(&self, index: usize) -> String {
        let node = |n: usize| {
            if n < self.inputs {
                format!("x{n}")
            } else {
                format!("n{}", n - self.inputs)
            }
        };
        let inputs: Vec<String> = (0..self.inputs).map(node).collect();
        let mut body = format!("input {};\n", inputs.join(", "));
        let count = self.neurons.len();
        for (k, neuron) in self.neurons.iter().enumerate() {
            let name = node(self.inputs + k);
            let keyword = match (k + 1 == count, neuron.width) {
                (true, _) => "output",
                (false, Some(_)) => "layer",
                (false, None) => "neuron",
            };
            let width = neuron.width.map(|w| format!("[{w}]")).unwrap_or_default();
            let line = match neuron.kind {
                Ok(cell) => format!(
                    "{keyword} {name}{width} = {cell}(wi_{k} * {} + wh_{k} * {name}.prev + bi_{k} + bh_{k});",
                    node(neuron.sources[0].0)
                ),
                Err(activation) => {
                    let terms: Vec<String> = neuron
                        .sources
                        .iter()
                        .enumerate()
                        .map(|(t, &(s, delayed))| {
                            let prev = if delayed { ".prev" } else { "" };
                            format!("w_{k}_{t} * {}{prev}", node(s))
                        })
                        .collect();
                    format!("{keyword} {name}{width} = {activation}({} + b_{k});", terms.join(" + "))
                }
            };
            body += &line;
            body += "\n";
            if neuron.initial {
                body += &format!("initial {name} = start_{k};\n");
            }
        }
        format!(
            "network! {{\n    pub struct Recurrent{index}<f64> {{\n{body}loss half_squared_error;\n    }}\n}}\n"
        )
    }
}

/// A program declaring `specs` and checking each: finite differences through time with a
/// target at every step and at the last, truncated horizons, and the stream against the
/// sequence pass.
fn recurrent_program(specs: &[RecurrentSpec]) -> String {
    let mut source = String::from(
        "use backprop_runtime::gradcheck::gradcheck_sequence;\n\
         use backprop_runtime::recurrent::{forward_sequence, Targets};\n\
         use backprop_runtime::{network, Recurrent};\n\n",
    );
    for (index, spec) in specs.iter().enumerate() {
        source += &spec.declaration(index);
    }
    source += r#"
/// Parameters in [-0.8, 0.8), inputs and targets in [-1, 1), from a fixed sequence.
fn check<N, const I: usize, const O: usize>(seed: u64)
where
    N: Recurrent<Scalar = f64, Input = [f64; I], Output = [f64; O], Target = [f64; O]>,
{
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    };
    let mut net = N::default();
    for w in net.as_mut_slice() {
        *w = 0.8 * next();
    }
    let steps = 7;
    let inputs: Vec<[f64; I]> = (0..steps).map(|_| std::array::from_fn(|_| next())).collect();
    let targets: Vec<[f64; O]> = (0..steps).map(|_| std::array::from_fn(|_| next())).collect();
    let mut traces = vec![net.forward(&inputs[0]); steps];
    for targets in [Targets::EveryStep(&targets[..]), Targets::LastStep(&targets[steps - 1])] {
        let check = gradcheck_sequence(&net, &inputs, targets, &mut traces).unwrap();
        assert!(check.worst_relative_error < 1e-6, "{} {targets:?}: {check}", N::NAME);
    }
    let last = forward_sequence(&net, &net.initial_state(), &inputs, &mut traces).unwrap();
    let mut stream = net.initial_state();
    for (input, trace) in inputs.iter().zip(&traces) {
        assert_eq!(Recurrent::step(&net, &mut stream, input), N::output(trace));
    }
    assert_eq!(stream, last);
}

fn main() {
"#;
    for (index, spec) in specs.iter().enumerate() {
        source += &format!(
            "    check::<Recurrent{index}, {}, {}>({});\n",
            spec.inputs,
            spec.neurons.last().map_or(1, |n| n.width.unwrap_or(1)),
            index + 1
        );
    }
    source += "}\n";
    source
}

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
}

/// Names that once broke, or could break, generated code if it used them as locals or
/// patterns. Each network draws distinct ones.
const HOSTILE: &[&str] = &[
    "Some",
    "None",
    "Ok",
    "Err",
    "Option",
    "Result",
    "Vec",
    "String",
    "Box",
    "drop",
    "N",
    "Unit",
    "Tuple",
    "input",
    "trace",
    "target",
    "grads",
    "softmax_gradient",
    "i",
    "j",
    "act",
    "dense",
    "flat",
    "learning_rate",
    "__backprop_out",
    "dj_dh",
    "dj_dz_h",
    "dj_do",
    "forward",
    "backward",
    "output",
    "loss",
    "ZERO",
    "NEGATIVE_ZERO",
    "INPUTS",
    "OUTPUTS",
    "PARAMS",
    "DOT",
    "LEN",
    "LAYOUT",
    "as_slice",
    "core",
    "std",
    "f64",
    "f32",
    "usize",
    "neuron",
    "layer",
    "activation",
    "precision",
    "derivative",
    "identity",
    "tanh",
    "sigmoid",
    "x",
    "h",
    "o",
    "z",
    "w",
    "b",
    "self_",
    "r#type",
    "r#match",
    "r#fn",
    "r#loop",
    "r#struct",
    "r#in",
    "r#if",
    "r#else",
    "r#while",
    "r#return",
    "r#mod",
    "r#use",
    "r#impl",
    "r#let",
    "r#mut",
    "r#ref",
    "r#const",
    "r#static",
    "r#enum",
    "r#trait",
    "r#where",
    "r#async",
    "r#await",
    "r#dyn",
    "r#move",
    "r#as",
    "r#break",
    "r#continue",
    "r#extern",
    "r#pub",
    "r#unsafe",
    "r#for",
];

/// Activations a random neuron may have.
const ACTIVATIONS: &[&str] = &["tanh", "sigmoid", "identity", "sin", "softplus", "relu"];

/// The loss of a random network.
#[derive(Clone, Copy, PartialEq)]
enum LossKind {
    HalfSquared,
    MeanSquared,
    Softmax,
    BinaryCrossEntropy,
}

/// A random valid network: scalar inputs, maybe one array input, scalar neurons reading
/// earlier nodes, the neurons nobody reads as outputs.
struct Spec {
    inputs: usize,
    array_input: bool,
    /// For each neuron: its activation, the nodes it reads (`Node`), whether it has a bias.
    neurons: Vec<(&'static str, Vec<Node>, bool)>,
    outputs: Vec<usize>,
    loss: LossKind,
}

#[derive(Clone, Copy, PartialEq)]
enum Node {
    Input(usize),
    ArrayInput,
    Neuron(usize),
}

impl Spec {
    fn random(random: &mut SplitMix) -> Spec {
        let inputs = 1 + random.below(3);
        let array_input = random.below(2) == 0;
        let count = 2 + random.below(5);
        let mut neurons: Vec<(&'static str, Vec<Node>, bool)> = Vec::new();
        for index in 0..count {
            let mut sources = Vec::new();
            for _ in 0..1 + random.below(3) {
                let pick = random.below(inputs + usize::from(array_input) + index);
                let node = if pick < inputs {
                    Node::Input(pick)
                } else if array_input && pick == inputs {
                    Node::ArrayInput
                } else {
                    Node::Neuron(pick - inputs - usize::from(array_input))
                };
                if !sources.contains(&node) {
                    sources.push(node);
                }
            }
            let activation = ACTIVATIONS[random.below(ACTIVATIONS.len())];
            neurons.push((activation, sources, random.below(2) == 0));
        }
        let read = |node: Node, neurons: &[(&str, Vec<Node>, bool)]| {
            neurons
                .iter()
                .any(|(_, sources, _)| sources.contains(&node))
        };
        let unread: Vec<Node> = (0..inputs)
            .map(Node::Input)
            .chain(array_input.then_some(Node::ArrayInput))
            .filter(|&node| !read(node, &neurons))
            .collect();
        neurons[0].1.extend(unread);
        let outputs: Vec<usize> = (0..count)
            .filter(|&index| !read(Node::Neuron(index), &neurons))
            .collect();
        let loss = match random.below(4) {
            0 => LossKind::HalfSquared,
            1 => LossKind::MeanSquared,
            2 if outputs.len() >= 2 => LossKind::Softmax,
            _ => LossKind::BinaryCrossEntropy,
        };
        for &output in &outputs {
            neurons[output].0 = match loss {
                LossKind::Softmax => "identity",
                LossKind::BinaryCrossEntropy => "sigmoid",
                _ => neurons[output].0,
            };
        }
        Spec {
            inputs,
            array_input,
            neurons,
            outputs,
            loss,
        }
    }

    /// How many node and parameter names the network has.
    fn name_count(&self) -> usize {
        let parameters: usize = self
            .neurons
            .iter()
            .map(|(_, sources, bias)| sources.len() + usize::from(*bias))
            .sum();
        self.inputs + usize::from(self.array_input) + self.neurons.len() + parameters
    }

    /// The `network!` invocation, with `names` for nodes and then parameters in order.
    fn source(&self, network: &str, names: &[String]) -> String {
        let mut names = names.iter();
        let mut next = || names.next().unwrap().clone();
        let inputs: Vec<String> = (0..self.inputs).map(|_| next()).collect();
        let array = self.array_input.then(&mut next);
        let neurons: Vec<String> = self.neurons.iter().map(|_| next()).collect();
        let mut body = String::new();
        let mut declared: Vec<String> = inputs.clone();
        if let Some(array) = &array {
            declared.push(format!("{array}[2]"));
        }
        writeln!(body, "            input {};", declared.join(", ")).unwrap();
        for (index, (activation, sources, bias)) in self.neurons.iter().enumerate() {
            let mut terms: Vec<String> = sources
                .iter()
                .map(|source| {
                    let node = match *source {
                        Node::Input(i) => &inputs[i],
                        Node::ArrayInput => array.as_ref().unwrap(),
                        Node::Neuron(n) => &neurons[n],
                    };
                    format!("{} * {node}", next())
                })
                .collect();
            if *bias {
                terms.push(next());
            }
            let keyword = if self.outputs.contains(&index) {
                "output"
            } else {
                "neuron"
            };
            writeln!(
                body,
                "            {keyword} {} = {activation}({});",
                neurons[index],
                terms.join(" + ")
            )
            .unwrap();
        }
        let loss = match self.loss {
            LossKind::HalfSquared => "half_squared_error",
            LossKind::MeanSquared => "mean_squared_error",
            LossKind::Softmax => "softmax_cross_entropy",
            LossKind::BinaryCrossEntropy => "binary_cross_entropy",
        };
        format!(
            "    ::backprop_runtime::network! {{\n        pub struct {network}<f64> {{\n{body}            loss {loss};\n        }}\n    }}\n"
        )
    }

    /// A target for the network, as Rust source.
    fn target(&self) -> String {
        let outputs = self.outputs.len();
        match self.loss {
            LossKind::Softmax => format!("::backprop_runtime::ClassTarget::Index({})", outputs - 1),
            _ => {
                let values: Vec<String> = (0..outputs)
                    .map(|k| format!("{:.2}", 0.2 + 0.3 * k as f64 % 0.7))
                    .collect();
                format!("[{}]", values.join(", "))
            }
        }
    }

    fn input_len(&self) -> usize {
        self.inputs + if self.array_input { 2 } else { 0 }
    }
}

/// A program checking renamed twins of every spec.
fn renamed_twins(specs: &[Spec]) -> String {
    let mut random = SplitMix::new(specs.len() as u64 * 7919 + specs[0].name_count() as u64);
    let mut source = String::from(TWIN_PRELUDE);
    let mut checks = String::new();
    for (index, spec) in specs.iter().enumerate() {
        let count = spec.name_count();
        let plain: Vec<String> = (0..count).map(|k| format!("p{k}")).collect();
        let mut pool: Vec<&str> = HOSTILE.to_vec();
        random.shuffle(&mut pool);
        let mut hostile: Vec<String> = pool.iter().take(count).map(|s| (*s).to_owned()).collect();
        // More names than the pool holds: the rest are plain, still renamed.
        hostile.extend((hostile.len()..count).map(|k| format!("q{k}")));
        writeln!(
            source,
            "#[allow(non_snake_case, non_camel_case_types, dead_code, unused_imports)]\nmod case{index} {{\n    use super::{{Tuple, Unit, N}};\n{}{}}}\n",
            spec.source("Plain", &plain),
            spec.source("Hostile", &hostile),
        )
        .unwrap();
        let inputs: Vec<String> = (0..spec.input_len())
            .map(|k| format!("{:.2}", (k as f64 * 0.9 + 0.4).sin()))
            .collect();
        writeln!(
            checks,
            "    check(case{index}::Plain::default(), case{index}::Hostile::default(), &[{}], &{}, |t| t.as_slice().to_vec(), |t| t.as_slice().to_vec());",
            inputs.join(", "),
            spec.target()
        )
        .unwrap();
    }
    writeln!(source, "fn main() {{\n{checks}}}").unwrap();
    source
}

/// What every renamed-twins program shares: items a generated `let` could bind to, and the
/// bit-for-bit comparison.
const TWIN_PRELUDE: &str = r#"//! Generated by tests/generated_networks.rs: renamed twins compute the same bits.
#![allow(dead_code, non_upper_case_globals)]

use backprop_runtime::{Network, Parameters};

const N: f64 = 3.0;
struct Unit;
struct Tuple(f64);

fn same_bits(what: &str, a: &[f64], b: &[f64]) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (index, (x, y)) in a.iter().zip(b).enumerate() {
        assert_eq!(x.to_bits(), y.to_bits(), "{what}[{index}]: {x} vs {y}");
    }
}

fn check<A, B>(
    mut plain: A,
    mut hostile: B,
    input: &A::Input,
    target: &A::Target,
    trace_a: impl Fn(&A::Trace) -> Vec<f64>,
    trace_b: impl Fn(&B::Trace) -> Vec<f64>,
) where
    A: Network<Scalar = f64>,
    B: Network<Scalar = f64, Input = A::Input, Target = A::Target>,
{
    for (index, (x, y)) in plain.as_mut_slice().iter_mut().zip(hostile.as_mut_slice()).enumerate() {
        *x = (index as f64 * 0.37 + 0.11).sin() * 0.9;
        *y = *x;
    }
    let (a, b) = (plain.forward(input), hostile.forward(input));
    same_bits("trace", &trace_a(&a), &trace_b(&b));
    same_bits("loss", &[A::trace_loss(&a, target)], &[B::trace_loss(&b, target)]);
    same_bits(
        "gradient",
        plain.backward(&a, target).as_slice(),
        hostile.backward(&b, target).as_slice(),
    );
    backprop_runtime::train_step(&mut plain, input, target, 0.05).unwrap();
    backprop_runtime::train_step(&mut hostile, input, target, 0.05).unwrap();
    same_bits("parameters after a step", plain.as_slice(), hostile.as_slice());
}

"#;

/// `x -> h0 -> h1 -> ... -> o`, each `tanh(w x + b)`: checked against a loop, forward and
/// backward, bit for bit.
fn chain(length: usize) -> String {
    let mut body = String::from("            input x;\n");
    let mut previous = "x".to_owned();
    for i in 0..length {
        writeln!(
            body,
            "            neuron h{i} = tanh(w{i} * {previous} + b{i});"
        )
        .unwrap();
        previous = format!("h{i}");
    }
    writeln!(body, "            output o = identity(u * {previous});").unwrap();
    format!(
        r#"//! Generated by tests/generated_networks.rs: a chain of {length} neurons.
::backprop_runtime::network! {{
        pub struct Chain<f64> {{
{body}            loss half_squared_error;
        }}
}}

fn main() {{
    let mut net = Box::new(Chain::default());
    let values = net.as_mut_slice();
    let (weights, u) = values.split_at_mut({length} * 2);
    for (i, pair) in weights.chunks_mut(2).enumerate() {{
        pair[0] = 1.0 + (i as f64).sin() * 0.05;
        pair[1] = 0.01 * (i as f64).cos();
    }}
    u[0] = 0.7;
    let parameters: Vec<f64> = net.as_slice().to_vec();
    let (x, t) = (0.3, 0.1);

    // The same chain as a loop.
    let mut h = vec![x];
    for i in 0..{length} {{
        let z = parameters[2 * i] * h[i] + parameters[2 * i + 1];
        h.push(z.tanh());
    }}
    let o = parameters[2 * {length}] * h[{length}];
    let trace = net.forward(&[x]);
    assert_eq!(trace.o.to_bits(), o.to_bits(), "output {{}} vs {{o}}", trace.o);

    let grads = net.backward(&trace, &[t]);
    let mut delta = (o - t) * parameters[2 * {length}];
    let mut expected = vec![0.0; 2 * {length} + 1];
    expected[2 * {length}] = (o - t) * h[{length}];
    for i in (0..{length}).rev() {{
        let dz = delta * (1.0 - h[i + 1] * h[i + 1]);
        expected[2 * i] = dz * h[i];
        expected[2 * i + 1] = dz;
        delta = dz * parameters[2 * i];
    }}
    for (index, (got, want)) in grads.as_slice().iter().zip(&expected).enumerate() {{
        assert_eq!(got.to_bits(), want.to_bits(), "gradient {{index}}: {{got}} vs {{want}}");
    }}
}}
"#
    )
}

/// `x` feeds `width` single neurons `h_i = tanh(w_i x + b_i)`, summed by one output: a sum
/// of `width` terms, checked against a loop bit for bit (the generated sum adds in the same
/// order).
fn wide(width: usize) -> String {
    let mut body = String::from("            input x;\n");
    for i in 0..width {
        writeln!(body, "            neuron h{i} = tanh(w{i} * x + b{i});").unwrap();
    }
    let terms: Vec<String> = (0..width).map(|i| format!("u{i} * h{i}")).collect();
    writeln!(
        body,
        "            output o = identity({});",
        terms.join(" + ")
    )
    .unwrap();
    format!(
        r#"//! Generated by tests/generated_networks.rs: {width} single neurons summed by one output.
::backprop_runtime::network! {{
        pub struct Wide<f64> {{
{body}            loss half_squared_error;
        }}
}}

fn main() {{
    let mut net = Box::new(Wide::default());
    for (index, value) in net.as_mut_slice().iter_mut().enumerate() {{
        *value = (index as f64 * 0.61).sin() * 0.5;
    }}
    let p: Vec<f64> = net.as_slice().to_vec();
    let (x, t) = (0.8, 0.25);
    let h: Vec<f64> = (0..{width}).map(|i| (p[2 * i] * x + p[2 * i + 1]).tanh()).collect();
    let mut o = p[2 * {width}] * h[0];
    for i in 1..{width} {{
        o = o + p[2 * {width} + i] * h[i];
    }}
    let trace = net.forward(&[x]);
    assert_eq!(trace.o.to_bits(), o.to_bits(), "output {{}} vs {{o}}", trace.o);
    let grads = net.backward(&trace, &[t]);
    let g = grads.as_slice();
    for i in 0..{width} {{
        let du = (o - t) * h[i];
        let dz = (o - t) * p[2 * {width} + i] * (1.0 - h[i] * h[i]);
        assert_eq!(g[2 * {width} + i].to_bits(), du.to_bits(), "dJ/du{{i}}");
        assert_eq!(g[2 * i].to_bits(), (dz * x).to_bits(), "dJ/dw{{i}}");
        assert_eq!(g[2 * i + 1].to_bits(), dz.to_bits(), "dJ/db{{i}}");
    }}
}}
"#
    )
}
