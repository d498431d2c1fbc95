//! The macro never panics: random token streams and random mutations of valid networks all
//! end in an expansion or in errors, and either way in valid Rust.
//!
//! CI runs 10,000 cases per property from a fixed seed. The documented long run is
//! `PROPTEST_CASES=100000 PROPTEST_RNG_SEED=<any number> cargo test --release -p backprop-macros never_panic`.

use std::str::FromStr;

use proc_macro2::TokenStream;
use proptest::prelude::*;

/// Cases per property: `PROPTEST_CASES` if set, else enough for CI. The seed is fixed
/// unless `PROPTEST_RNG_SEED` is set, so that CI runs the same cases every time (a long run
/// with other seeds explores further).
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok());
    let seed = std::env::var("PROPTEST_RNG_SEED")
        .ok()
        .and_then(|v| v.parse().ok());
    ProptestConfig {
        cases: cases.unwrap_or(10_000),
        rng_seed: proptest::test_runner::RngSeed::Fixed(seed.unwrap_or(2026)),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Expands `source` and checks that the result is valid Rust. Sources that do not lex (none
/// of the strategies below produce such) are skipped.
fn expands_to_rust(source: &str) -> Result<(), TestCaseError> {
    let Ok(tokens) = TokenStream::from_str(source) else {
        return Ok(());
    };
    let expansion = crate::expand(tokens);
    syn::parse2::<syn::File>(expansion.clone()).map_err(|error| {
        TestCaseError::fail(format!(
            "invalid expansion ({error}) of `{source}`: {expansion}"
        ))
    })?;
    Ok(())
}

/// Tokens of the language and near it. Delimited groups are whole entries, so any sequence
/// of them lexes.
const VOCABULARY: &[&str] = &[
    "input", "neuron", "output", "loss", "struct", "pub", "pub(crate)", "Net", "<", ">", "f64",
    "f32", "i32", "=", ";", ",", "*", "+", "-", "x", "x1", "y", "h", "h1", "o", "w", "w1", "b",
    "z_h", "self", "fn", "tanh", "sigmoid", "identity", "exp", "relu", "sigmod",
    "half_squared_error", "mean_squared_error", "0.5", "1", "'a", "::", "#", "[doc = \"d\"]",
    "[inline]", "()", "(w * x)", "(w * x + b)", "(x * w)", "( * )", "(w *)", "(+)", "{}",
    "{ input x; output o = identity(w * x); loss half_squared_error; }",
    "{ input x; neuron h = tanh(w * x + r * h); output o = identity(u * h); loss half_squared_error; }",
    "layer", "activation", "derivative", "[3]", "[0]", "[2, 3]", "[]", "softmax_cross_entropy",
    "binary_cross_entropy", "abs", "powi", "(z)", "(z) = z / (1.0 + abs(z))",
    "{ input x[3]; layer h[2] = tanh(W * x + b); output o[2] = identity(V * h); loss softmax_cross_entropy; }",
];

fn random_source() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(VOCABULARY), 0..40)
        .prop_map(|tokens| tokens.join(" "))
}

/// Valid networks with a space around every token, delimiters included, so that mutations
/// can work on whitespace-separated tokens.
const VALID: &[&str] = &[
    "pub struct SeedNet < f64 > { input x1 , x2 ; neuron h1 = identity ( w11 * x1 + w21 * x2 ) ; \
     neuron h2 = half_square ( w12 * x1 + w22 * x2 ) ; neuron h3 = double ( v11 * h1 ) ; \
     neuron h4 = exp ( v12 * h1 + v22 * h2 ) ; output o = sin ( u1 * h3 + u2 * h4 ) ; \
     loss half_squared_error ; }",
    "struct Xor < f32 > { input x1 , x2 ; neuron h1 = sigmoid ( a * x1 + b * x2 + c ) ; \
     neuron h2 = tanh ( d * x1 + e * x2 + f ) ; output o = sigmoid ( g * h1 + k * h2 + m ) ; \
     loss mean_squared_error ; }",
    "pub ( crate ) struct Two < f64 > { output o2 = relu ( v * o1 + q * x ) ; \
     output o1 = leaky_relu ( w * x + b ) ; input x ; loss half_squared_error ; }",
    "struct Dense < f32 > { activation soft ( z ) = z / ( 1.0 + abs ( z ) ) , derivative = \
     powi ( 1.0 + abs ( z ) , -2 ) ; input x [ 4 ] , e ; layer h [ 3 ] = soft ( W [ 3 , 4 ] * x + b [ 3 ] ) ; \
     neuron n = tanh ( v * h + s * e + u * h [ 1 ] ) ; output o [ 2 ] = identity ( V * h + c * n ) ; \
     loss softmax_cross_entropy ; }",
    "struct Echo < f32 > { input x [ 2 ] ; layer h [ 3 ] = tanh ( W * x + R * h . prev + b ) ; \
     neuron n = sin ( p * h [ 0 ] . prev + q * x . prev ) ; output o = identity ( v * h + u * n + f * o . prev ) ; \
     loss half_squared_error ; initial h = h0 ; initial o = o0 ; }",
];

/// Names to splice in: existing ones, new ones, reserved ones, keywords, activations.
const NAMES: &[&str] = &[
    "x1", "x2", "h1", "h2", "o", "o1", "w11", "u1", "b", "new_name", "z_h1", "self", "fn", "tanh",
    "sigmoid", "loss", "input", "neuron", "output", "f64", "prev", "prev_h", ".", "prev_o",
    "initial", "h0",
];

#[derive(Debug, Clone)]
enum Mutation {
    Delete(prop::sample::Index),
    Duplicate(prop::sample::Index),
    Swap(prop::sample::Index, prop::sample::Index),
    Rename(prop::sample::Index, &'static str),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<prop::sample::Index>().prop_map(Mutation::Delete),
        any::<prop::sample::Index>().prop_map(Mutation::Duplicate),
        (any::<prop::sample::Index>(), any::<prop::sample::Index>())
            .prop_map(|(a, b)| Mutation::Swap(a, b)),
        (any::<prop::sample::Index>(), prop::sample::select(NAMES))
            .prop_map(|(a, name)| Mutation::Rename(a, name)),
    ]
}

/// Applies mutations to the non-delimiter tokens only, so the source still lexes.
fn mutate(source: &str, mutations: &[Mutation]) -> String {
    let mut tokens: Vec<String> = source.split_whitespace().map(str::to_owned).collect();
    for mutation in mutations {
        let movable: Vec<usize> = (0..tokens.len())
            .filter(|&i| !matches!(tokens[i].as_str(), "(" | ")" | "{" | "}" | "[" | "]"))
            .collect();
        if movable.is_empty() {
            break;
        }
        match mutation {
            Mutation::Delete(at) => {
                tokens.remove(movable[at.index(movable.len())]);
            }
            Mutation::Duplicate(at) => {
                let at = movable[at.index(movable.len())];
                tokens.insert(at, tokens[at].clone());
            }
            Mutation::Swap(a, b) => {
                tokens.swap(
                    movable[a.index(movable.len())],
                    movable[b.index(movable.len())],
                );
            }
            Mutation::Rename(at, name) => {
                tokens[movable[at.index(movable.len())]] = (*name).to_owned();
            }
        }
    }
    tokens.join(" ")
}

/// One neuron of a random graph.
#[derive(Debug, Clone)]
struct RandomNeuron {
    activation: &'static str,
    /// Declared an output even if something reads it.
    output: bool,
    /// A layer of this many neurons, or a single neuron.
    width: Option<usize>,
    /// `(anywhere, index, element, delayed)`: mostly an earlier node (a DAG), sometimes
    /// any node (cycles, self-loops); of an array node, sometimes one element; sometimes one
    /// time step earlier (`.prev`, from any node: recurrence).
    reads: Vec<(bool, usize, Option<usize>, bool)>,
    bias: bool,
}

const ACTIVATIONS: &[&str] = &[
    "identity",
    "half_square",
    "double",
    "square",
    "exp",
    "sin",
    "cos",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "softplus",
    "softsign",
];

/// Syntactically valid networks over random graphs of neurons, layers and inputs of random
/// widths, so that resolution, the graph checks and generation all run: cycles,
/// unreachable neurons, unread inputs, unknown names, and (when no rule fails) a generated
/// network.
fn random_graph() -> impl Strategy<Value = String> {
    let activation = prop_oneof![
        20 => prop::sample::select(ACTIVATIONS),
        1 => Just("swish"),
    ];
    let width = prop_oneof![3 => Just(None), 1 => (1..5_usize).prop_map(Some)];
    let read = (
        prop::bool::weighted(0.03),
        0..64_usize,
        prop::option::weighted(0.2, 0..5_usize),
        prop::bool::weighted(0.2),
    );
    let neuron = (
        activation,
        prop::bool::weighted(0.2),
        width.clone(),
        prop::collection::vec(read, 0..4),
        any::<bool>(),
    )
        .prop_map(|(activation, output, width, reads, bias)| RandomNeuron {
            activation,
            output,
            width,
            reads,
            bias,
        });
    let loss = prop_oneof![
        20 => prop::sample::select(&["half_squared_error", "mean_squared_error"][..]),
        1 => Just("hinge"),
    ];
    (
        prop::collection::vec(width, 1..4),
        prop::collection::vec(neuron, 0..9),
        loss,
    )
        .prop_map(|(inputs, neurons, loss)| render_graph(&inputs, &neurons, loss))
}

fn render_graph(inputs: &[Option<usize>], neurons: &[RandomNeuron], loss: &str) -> String {
    let count = inputs.len();
    let node = |index: usize| {
        if index < count {
            format!("x{index}")
        } else {
            format!("n{}", index - count)
        }
    };
    let width_of = |index: usize| {
        if index < count {
            inputs[index]
        } else {
            neurons[index - count].width
        }
    };
    let total = count + neurons.len();
    let reads: Vec<Vec<(usize, Option<usize>, bool)>> = neurons
        .iter()
        .enumerate()
        .map(|(index, neuron)| {
            neuron
                .reads
                .iter()
                .map(|&(anywhere, source, element, delayed)| {
                    let source = if anywhere || delayed {
                        source % total
                    } else {
                        source % (count + index)
                    };
                    // An element of an array node (sometimes out of range, an error).
                    let element = element.filter(|_| width_of(source).is_some());
                    (source, element, delayed)
                })
                .collect()
        })
        .collect();
    let declared: Vec<String> = (0..count)
        .map(|index| match inputs[index] {
            Some(width) => format!("{}[{width}]", node(index)),
            None => node(index),
        })
        .collect();
    let mut body = format!(
        "activation softsign(z) = z / (1.0 + abs(z));\ninput {};\n",
        declared.join(", ")
    );
    for (index, neuron) in neurons.iter().enumerate() {
        let read_later = reads
            .iter()
            .flatten()
            .any(|&(source, _, _)| source == count + index);
        let keyword = match (neuron.output || !read_later, neuron.width) {
            (true, _) => "output",
            (false, Some(_)) => "layer",
            (false, None) => "neuron",
        };
        let width = neuron.width.map(|w| format!("[{w}]")).unwrap_or_default();
        let mut terms: Vec<String> = reads[index]
            .iter()
            .enumerate()
            .map(|(term, &(source, element, delayed))| {
                let element = element.map(|e| format!("[{e}]")).unwrap_or_default();
                let delay = if delayed { ".prev" } else { "" };
                format!("w_{index}_{term} * {}{element}{delay}", node(source))
            })
            .collect();
        if neuron.bias {
            terms.push(format!("b_{index}"));
        }
        body += &format!(
            "{keyword} n{index}{width} = {}({});\n",
            neuron.activation,
            terms.join(" + ")
        );
    }
    format!("pub struct Random<f64> {{ {body} loss {loss}; }}")
}

/// Constants that fold to NaN, infinity or beyond `f32`, beside ordinary ones.
const CONSTANTS: &[&str] = &[
    "0.0", "1.0", "2.5", "0.5", "10.0", "3.14159", "1e308", "1e-308", "1e38", "1e39", "1e-45",
];

/// Functions a random formula calls: primitives, built-ins, and activations declared in the
/// same network (calling one declared later is an error; calling earlier ones composes them).
const FUNCTIONS: &[&str] = &[
    "tanh", "exp", "ln", "sqrt", "abs", "sign", "sigmoid", "sin", "cos", "relu", "softplus", "a0",
    "a1", "a2", "a3",
];

/// Networks of user activations whose formulas fold constants to NaN or infinity, nest
/// hundreds of levels deep, or call each other until they grow exponentially: each one ends
/// in an expansion or in errors, never a panic or a hang.
fn random_activations() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("z".to_owned()),
        prop::sample::select(CONSTANTS).prop_map(str::to_owned),
    ];
    let formula = leaf.prop_recursive(6, 64, 3, |inner| {
        prop_oneof![
            (
                inner.clone(),
                prop::sample::select(&["+", "-", "*", "/"][..]),
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
            (prop::sample::select(FUNCTIONS), inner.clone()).prop_map(|(f, a)| format!("{f}({a})")),
            (
                prop::sample::select(FUNCTIONS),
                inner.clone(),
                prop::sample::select(FUNCTIONS)
            )
                .prop_map(|(f, a, g)| format!("{f}({a}) * {g}({a})")),
            inner.clone().prop_map(|a| format!("-{a}")),
            (inner, -3..4_i32).prop_map(|(a, n)| format!("powi({a}, {n})")),
        ]
    });
    let deep = prop::collection::vec(
        prop::sample::select(&["-", "tanh(", "(", "a0("][..]),
        0..400,
    )
    .prop_map(|opens| {
        let closing = opens.iter().filter(|open| open.ends_with('(')).count();
        format!("{} z{}", opens.join(" "), ")".repeat(closing))
    });
    prop::collection::vec(prop_oneof![3 => formula, 1 => deep], 1..6).prop_map(|formulas| {
        let declarations: String = formulas
            .iter()
            .enumerate()
            .map(|(index, formula)| format!("activation a{index}(z) = {formula};\n"))
            .collect();
        let last = formulas.len() - 1;
        format!(
            "pub struct Formulas<f32> {{ {declarations} input x; output o = a{last}(w * x); loss half_squared_error; }}"
        )
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_activations_never_panic(source in random_activations()) {
        expands_to_rust(&source)?;
    }

    #[test]
    fn random_graphs_never_panic(source in random_graph()) {
        expands_to_rust(&source)?;
    }

    #[test]
    fn random_tokens_never_panic(source in random_source()) {
        expands_to_rust(&source)?;
    }

    #[test]
    fn mutated_networks_never_panic(
        seed in prop::sample::select(VALID),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        expands_to_rust(&mutate(seed, &mutations))?;
    }
}

#[test]
fn unmutated_networks_expand_without_errors() {
    for source in VALID {
        let expansion = crate::expand(TokenStream::from_str(source).unwrap()).to_string();
        assert!(
            !expansion.contains("compile_error"),
            "{source}: {expansion}"
        );
    }
}

/// The random graphs are not all rejected early: enough of them pass every rule that the
/// generator runs on a wide variety of topologies.
#[test]
fn random_graphs_reach_the_generator() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let mut runner = TestRunner::deterministic();
    let strategy = random_graph();
    let total = 2_000;
    let generated: Vec<String> = (0..total)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .filter(|source| {
            let tokens = TokenStream::from_str(source).unwrap();
            !crate::expand(tokens).to_string().contains("compile_error")
        })
        .collect();
    assert!(
        generated.len() * 50 >= total,
        "only {} of {total} random graphs generated",
        generated.len()
    );
    let recurrent = generated
        .iter()
        .filter(|source| source.contains(".prev"))
        .count();
    assert!(
        recurrent * 200 >= total,
        "only {recurrent} of {total} random graphs generated were recurrent"
    );
}
