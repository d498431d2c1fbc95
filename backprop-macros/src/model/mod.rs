//! The syntax tree resolved into a graph: nodes by index with their widths, parameters with
//! their shapes, activations as formulas, the loss by kind.
//!
//! Resolution reports every name that does not resolve (undefined, duplicate, reused or
//! reserved) and every size that does not fit, and keeps going, so one invocation shows all
//! such mistakes together. The graph rules (cycles, reachability) run only on a model that
//! resolved cleanly, so that a typo does not also surface as an unreachable neuron.

mod activations;
mod names;
mod shapes;

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::ext::IdentExt;
use syn::{Attribute, Ident, Visibility};

use crate::errors::Errors;
use crate::formula::ActivationDef;
use crate::loss::Loss;
use crate::parse::NetworkDef;

/// A resolved network, ready to be checked and generated.
pub(crate) struct Model {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) name: Ident,
    pub(crate) scalar: Scalar,
    pub(crate) inputs: Vec<Input>,
    /// Hidden neurons, layers and outputs, in declaration order.
    pub(crate) neurons: Vec<Neuron>,
    pub(crate) loss: Loss,
    /// The loss's name in the source, for errors about it.
    pub(crate) loss_span: Span,
    /// The path of the runtime crate: `::backprop_runtime` unless the network says
    /// `#[backprop(crate = path)]`.
    pub(crate) runtime: syn::Path,
}

/// A DSL name as text, without the `r#` of a raw identifier: how layouts, `Debug`, DOT,
/// docs and messages show it, and how names are compared.
pub(crate) fn text(name: &Ident) -> String {
    name.unraw().to_string()
}

/// Whether a neuron is hidden or one of the network's outputs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Role {
    Hidden,
    Output,
}

/// How the transcendental functions of a network are computed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Precision {
    /// The standard library's functions (the default).
    Exact,
    /// Vectorizable approximations (`precision fast;`).
    Fast,
}

/// The floating-point type of a network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scalar {
    F32,
    F64,
}

impl Scalar {
    /// The type as an absolute path, immune to user items named `f64`.
    pub(crate) fn tokens(self) -> TokenStream {
        match self {
            Scalar::F32 => quote!(::core::primitive::f32),
            Scalar::F64 => quote!(::core::primitive::f64),
        }
    }
}

/// An input node: one value, or an array of `width` values.
pub(crate) struct Input {
    pub(crate) name: Ident,
    pub(crate) docs: Vec<Attribute>,
    pub(crate) width: Option<usize>,
}

/// A neuron, a layer of neurons or an output: `h = activation(sum of edges + bias)`,
/// element by element for a layer.
pub(crate) struct Neuron {
    pub(crate) name: Ident,
    pub(crate) docs: Vec<Attribute>,
    pub(crate) role: Role,
    pub(crate) activation: ActivationDef,
    /// The activation's name in the source.
    pub(crate) activation_span: Span,
    pub(crate) width: Option<usize>,
    pub(crate) edges: Vec<Edge>,
    pub(crate) bias: Option<Parameter>,
    /// The span of the sum's parentheses.
    pub(crate) sum_span: Span,
}

/// A weighted edge into a neuron, from a whole node or from one element of an array node.
pub(crate) struct Edge {
    pub(crate) weight: Parameter,
    pub(crate) source: NodeRef,
    /// The reference to the source in the sum.
    pub(crate) source_span: Span,
    pub(crate) index: Option<usize>,
    /// The span of `prev` when the edge reads its source one time step earlier
    /// (`r * h.prev`): such an edge is not part of the graph of one time step.
    pub(crate) delayed: Option<Span>,
}

/// A trainable tensor: `[]` for a scalar, `[n]` for a vector, `[n, m]` for a matrix whose
/// row `j` feeds element `j` of the target.
pub(crate) struct Parameter {
    pub(crate) name: Ident,
    pub(crate) shape: Vec<usize>,
}

impl Input {
    /// The input's name as text.
    pub(crate) fn text(&self) -> String {
        text(&self.name)
    }
}

impl Neuron {
    /// The neuron's name as text.
    pub(crate) fn text(&self) -> String {
        text(&self.name)
    }
}

impl Parameter {
    /// The parameter's name as text.
    pub(crate) fn text(&self) -> String {
        text(&self.name)
    }

    /// How many scalars the parameter holds.
    pub(crate) fn len(&self) -> usize {
        self.shape.iter().product()
    }
}

/// A node of the graph: an input or a neuron, by index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum NodeRef {
    Input(usize),
    Neuron(usize),
}

impl Model {
    /// The name of a node as declared.
    pub(crate) fn node_name(&self, node: NodeRef) -> &Ident {
        match node {
            NodeRef::Input(index) => &self.inputs[index].name,
            NodeRef::Neuron(index) => &self.neurons[index].name,
        }
    }

    /// The name of a node as text.
    pub(crate) fn node_text(&self, node: NodeRef) -> String {
        text(self.node_name(node))
    }

    /// `<runtime>::__private`: the one door through which generated code reaches the
    /// runtime.
    pub(crate) fn private(&self) -> TokenStream {
        let runtime = &self.runtime;
        quote!(#runtime::__private)
    }

    /// The width of a node: `None` for a single value.
    pub(crate) fn node_width(&self, node: NodeRef) -> Option<usize> {
        match node {
            NodeRef::Input(index) => self.inputs[index].width,
            NodeRef::Neuron(index) => self.neurons[index].width,
        }
    }

    /// Whether an edge reads a whole array node (rather than one value or one element).
    pub(crate) fn reads_array(&self, edge: &Edge) -> bool {
        edge.index.is_none() && self.node_width(edge.source).is_some()
    }

    /// The indices of the output neurons, in declaration order.
    pub(crate) fn outputs(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.neurons.len()).filter(|&index| self.neurons[index].role == Role::Output)
    }

    /// Every parameter in flat order: each neuron's weights in the order of its sum, then
    /// its bias.
    pub(crate) fn parameters(&self) -> impl Iterator<Item = &Parameter> + '_ {
        self.neurons.iter().flat_map(|neuron| {
            neuron
                .edges
                .iter()
                .map(|edge| &edge.weight)
                .chain(&neuron.bias)
        })
    }

    /// How an edge's source reads in docs and explanations: `x1`, `x[3]`, `h.prev`.
    pub(crate) fn edge_source_text(&self, edge: &Edge) -> String {
        let source = self.node_text(edge.source);
        let element = edge
            .index
            .map(|index| format!("[{index}]"))
            .unwrap_or_default();
        let delay = if edge.delayed.is_some() { ".prev" } else { "" };
        format!("{source}{element}{delay}")
    }

    /// Whether any edge reads a value of the previous time step.
    pub(crate) fn is_recurrent(&self) -> bool {
        self.neurons
            .iter()
            .any(|neuron| neuron.edges.iter().any(|edge| edge.delayed.is_some()))
    }

    /// The nodes some edge reads one time step earlier, each once, inputs first, in
    /// declaration order: what the state of a recurrent network holds.
    pub(crate) fn delayed_sources(&self) -> Vec<NodeRef> {
        let mut inputs = vec![false; self.inputs.len()];
        let mut neurons = vec![false; self.neurons.len()];
        for edge in self.neurons.iter().flat_map(|neuron| &neuron.edges) {
            match (edge.delayed, edge.source) {
                (None, _) => {}
                (Some(_), NodeRef::Input(index)) => inputs[index] = true,
                (Some(_), NodeRef::Neuron(index)) => neurons[index] = true,
            }
        }
        let inputs = (0..inputs.len()).filter(|&i| inputs[i]).map(NodeRef::Input);
        let neurons = (0..neurons.len())
            .filter(|&i| neurons[i])
            .map(NodeRef::Neuron);
        inputs.chain(neurons).collect()
    }

    /// The input values in all: the length of the flat input array.
    pub(crate) fn input_len(&self) -> usize {
        self.inputs
            .iter()
            .map(|input| input.width.unwrap_or(1))
            .sum()
    }

    /// The output values in all: the length of the flat output array.
    pub(crate) fn output_len(&self) -> usize {
        self.outputs()
            .map(|index| self.neurons[index].width.unwrap_or(1))
            .sum()
    }
}

/// Resolves the parsed network. Returns `None` when anything could not be resolved; every
/// such error is recorded in `errors`.
pub(crate) fn resolve(def: NetworkDef, errors: &mut Errors) -> Option<Model> {
    let mut errors_here = Errors::default();
    let model = names::resolve_names(def, &mut errors_here);
    let clean = errors_here.is_empty();
    errors.extend(errors_here);
    model.filter(|_| clean)
}
