//! The rules a resolved network must follow to be generated. Each rule is one function that
//! opens with a sentence stating it; all rules run, and all their errors are reported.

use crate::errors::Errors;
use crate::formula::Builtin;
use crate::graph::Graph;
use crate::model::{Model, NodeRef, Role};

/// Checks every rule; returns the neurons in topological order when all hold.
pub(crate) fn check(model: &Model, errors: &mut Errors) -> Option<Vec<usize>> {
    let mut found = Errors::default();
    let graph = Graph::new(model);
    has_an_output(model, &mut found);
    every_neuron_reads_a_node(model, &mut found);
    is_acyclic(model, &graph, &mut found);
    every_neuron_reaches_an_output(model, &Graph::through_time(model), &mut found);
    every_input_is_read(model, &mut found);
    loss_fits_outputs(model, &mut found);
    let clean = found.is_empty();
    errors.extend(found);
    clean.then(|| graph.topological_order().ok()).flatten()
}

/// A network has at least one output, or there is nothing to compute a loss from.
fn has_an_output(model: &Model, errors: &mut Errors) {
    if model.outputs().next().is_none() {
        let name = &model.name;
        errors.error(
            name.span(),
            format!("`{name}` has no output: declare one with `output o = identity(w * h);`"),
        );
    }
}

/// Every neuron reads at least one node through a weighted edge: a sum that is empty or
/// only a bias is a constant, which nothing upstream can influence.
fn every_neuron_reads_a_node(model: &Model, errors: &mut Errors) {
    for neuron in model
        .neurons
        .iter()
        .filter(|neuron| neuron.edges.is_empty())
    {
        let name = &neuron.name;
        match &neuron.bias {
            None => errors.error(
                neuron.sum_span,
                format!("the sum of `{name}` is empty: it must read at least one node, as in `w * x`"),
            ),
            Some(bias) => errors.error(
                name.span(),
                format!("`{name}` reads no node, only its bias `{}`: add a weighted input such as `w * x`", bias.name),
            ),
        }
    }
}

/// The graph of one time step is acyclic: a neuron cannot depend on its own output at the
/// same step; a loop is legal only through an edge that reads the previous step (`h.prev`).
/// Each cycle is named along the data flow, at the earliest declared neuron on it.
fn is_acyclic(model: &Model, graph: &Graph, errors: &mut Errors) {
    for cycle in graph.cycles() {
        let names: Vec<String> = cycle
            .iter()
            .chain(cycle.first())
            .map(|&neuron| model.neurons[neuron].name.to_string())
            .collect();
        let first = &model.neurons[cycle[0]].name;
        let message = if cycle.len() == 1 {
            format!(
                "`{first}` reads itself ({}); a neuron cannot read its own value of the same time step: read it one step earlier with `{first}.prev` to make it recurrent, or remove this edge",
                names.join(" -> ")
            )
        } else {
            format!(
                "`{first}` depends on itself through the cycle {}; within one time step a network must be acyclic: read one of these neurons one step earlier (`w * {last}.prev`) to make the loop recurrent, or remove one of these edges",
                names.join(" -> "),
                last = model.neurons[cycle[cycle.len() - 1]].name,
            )
        };
        errors.error(first.span(), message);
    }
}

/// Every hidden neuron reaches an output, at the same step or a later one: otherwise its
/// weights get no gradient and it is dead code.
fn every_neuron_reaches_an_output(model: &Model, graph: &Graph, errors: &mut Errors) {
    if model.outputs().next().is_none() {
        return; // `has_an_output` has said all there is to say.
    }
    let reaches = graph.reaches_any(model.outputs());
    for (neuron, _) in reaches.iter().enumerate().filter(|(_, &reached)| !reached) {
        let name = &model.neurons[neuron].name;
        debug_assert_eq!(model.neurons[neuron].role, Role::Hidden);
        errors.error(
            name.span(),
            format!("neuron `{name}` reaches no output, so its weights would never train: read it from a later neuron (`w * {name}`) or remove it"),
        );
    }
}

/// Every input is read by some neuron: an input nothing reads is a mistake in the wiring.
fn every_input_is_read(model: &Model, errors: &mut Errors) {
    for (index, input) in model.inputs.iter().enumerate() {
        let read = model
            .neurons
            .iter()
            .flat_map(|neuron| &neuron.edges)
            .any(|edge| edge.source == NodeRef::Input(index));
        if !read {
            let name = &input.name;
            errors.error(
                name.span(),
                format!("input `{name}` is never read: read it from a neuron (`w * {name}`) or remove it"),
            );
        }
    }
}

/// A fused loss computes `dJ/dz` of the outputs itself: every output has the activation the
/// loss assumes (identity logits for softmax, sigmoid for binary cross-entropy), no neuron
/// reads an output (at the same step or later), and a softmax has at least two values to choose between.
fn loss_fits_outputs(model: &Model, errors: &mut Errors) {
    let Some(required) = model.loss.required_output_activation() else {
        return;
    };
    let loss = model.loss.name();
    let why = match required {
        Builtin::Identity => "it applies softmax to them itself",
        _ => "it is computed from the sigmoid's pre-activation, which keeps it finite",
    };
    let required_name = required.name();
    for output in model.outputs().map(|index| &model.neurons[index]) {
        if output.activation.builtin != Some(required) {
            errors.error(
                output.activation_span,
                format!(
                    "`{loss}` needs `{required_name}` outputs, since {why}: declare `{}` as `{required_name}(...)`",
                    output.name
                ),
            );
        }
    }
    for neuron in &model.neurons {
        for edge in &neuron.edges {
            if let NodeRef::Neuron(source) = edge.source {
                if model.neurons[source].role == Role::Output {
                    let when = if edge.delayed.is_some() {
                        ", not even one step later"
                    } else {
                        ""
                    };
                    errors.error(
                        edge.source_span,
                        format!(
                            "`{}` is an output of a `{loss}` network, so no neuron can read it{when}; read the neuron before it instead",
                            model.neurons[source].name
                        ),
                    );
                }
            }
        }
    }
    if model.loss.is_categorical() && model.outputs().next().is_some() && model.output_len() < 2 {
        errors.error(
            model.loss_span,
            "`softmax_cross_entropy` needs at least two output values (one per class); for a yes/no output use `binary_cross_entropy` with a `sigmoid` output",
        );
    }
}
