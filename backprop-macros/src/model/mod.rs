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
    /// How transcendental functions are computed: the activations and cells already carry
    /// it; the loss's softmax reads it here.
    pub(crate) precision: Precision,
    /// Trainable initial values (`initial h = h0;`), in declaration order.
    pub(crate) initials: Vec<Initial>,
    /// The loss's name in the source, for errors about it.
    pub(crate) loss_span: Span,
    /// The path of the runtime crate: `::backprop_runtime` unless the network says
    /// `#[backprop(crate = path)]`.
    pub(crate) runtime: syn::Path,
}

/// The cell state of an LSTM layer `h`: `c_h`, in the trace and the state.
pub(crate) fn cell_state_name(layer: &Ident) -> Ident {
    quote::format_ident!("c_{}", layer, span = layer.span())
}

/// The internals of a cell `h` in the trace (its gates): `gates_h`.
pub(crate) fn gates_name(layer: &Ident) -> Ident {
    quote::format_ident!("gates_{}", layer, span = layer.span())
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
    /// For a `gru` or `lstm` layer, what makes it a cell: its only edge carries `weight_ih`
    /// (of `gates * width` rows) and its bias is `bias_ih`; the cell adds the recurrent
    /// weight and bias, and its own forward and backward passes.
    pub(crate) cell: Option<Cell>,
}

/// The gated recurrent cells, with PyTorch's equations and parameter layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CellKind {
    /// `torch.nn.GRU`: gates r, z, n.
    Gru,
    /// `torch.nn.LSTM`: gates i, f, g, o, and a cell state `c`.
    Lstm,
}

impl CellKind {
    /// The cell written as `name(...)`, if `name` is one.
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        match name {
            "gru" => Some(CellKind::Gru),
            "lstm" => Some(CellKind::Lstm),
            _ => None,
        }
    }

    /// How the cell is written.
    pub(crate) fn name(self) -> &'static str {
        match self {
            CellKind::Gru => "gru",
            CellKind::Lstm => "lstm",
        }
    }

    /// "a" or "an", as the name is read aloud.
    pub(crate) fn article(self) -> &'static str {
        match self {
            CellKind::Gru => "a",
            CellKind::Lstm => "an",
        }
    }

    /// How many gates it has: the rows of its weights are `gates * width`.
    pub(crate) fn gates(self) -> usize {
        match self {
            CellKind::Gru => 3,
            CellKind::Lstm => 4,
        }
    }

    /// How many values per unit its trace keeps beside `h`: GRU r, z, n and
    /// `W_hn h.prev + b_hn`; LSTM i, f, g, o and `tanh c`.
    pub(crate) fn internals(self) -> usize {
        match self {
            CellKind::Gru => 4,
            CellKind::Lstm => 5,
        }
    }
}

/// `initial h = h0;`: the trainable value `h.prev` reads at the first time step.
pub(crate) struct Initial {
    /// The neuron, by index.
    pub(crate) neuron: usize,
    pub(crate) parameter: Parameter,
}

/// A gated recurrent cell's own parameters (beside `weight_ih` on its edge and `bias_ih`
/// as its bias).
pub(crate) struct Cell {
    pub(crate) kind: CellKind,
    /// Whether the cell computes its gates with the fast kernels (`precision fast`).
    pub(crate) fast: bool,
    /// `weight_hh`, on the cell's own value one step earlier.
    pub(crate) weight_hh: Parameter,
    /// `bias_hh`.
    pub(crate) bias_hh: Parameter,
}

/// What a parameter is to its neuron.
#[derive(Clone, Copy)]
pub(crate) enum ParameterRole<'a> {
    /// The weight of an edge.
    Weight(&'a Edge),
    /// The neuron's bias (a cell's `bias_ih`).
    Bias,
    /// A cell's `weight_hh`.
    RecurrentWeight,
    /// A cell's `bias_hh`.
    RecurrentBias,
}

/// What a recurrent network remembers from one step to the next: the value of a node read
/// with `.prev` (or of a cell), or the cell state `c` of an LSTM layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Memory {
    Value(NodeRef),
    CellState(usize),
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

    /// The neuron's parameters in flat order, each with its role: the edges' weights then
    /// the bias; for a cell PyTorch's order, `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`.
    pub(crate) fn parameters(&self) -> Vec<(&Parameter, ParameterRole<'_>)> {
        let weights = self
            .edges
            .iter()
            .map(|edge| (&edge.weight, ParameterRole::Weight(edge)));
        let bias = self.bias.iter().map(|bias| (bias, ParameterRole::Bias));
        match &self.cell {
            None => weights.chain(bias).collect(),
            Some(cell) => weights
                .chain([(&cell.weight_hh, ParameterRole::RecurrentWeight)])
                .chain(bias)
                .chain([(&cell.bias_hh, ParameterRole::RecurrentBias)])
                .collect(),
        }
    }

    /// The width of the neuron's pre-activation `z`: its width, times the gates of a cell.
    pub(crate) fn z_width(&self) -> Option<usize> {
        match &self.cell {
            None => self.width,
            Some(cell) => self.width.map(|width| width * cell.kind.gates()),
        }
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
    /// its bias (a cell's in PyTorch's order); last the trainable initial values.
    pub(crate) fn parameters(&self) -> impl Iterator<Item = &Parameter> + '_ {
        self.neurons
            .iter()
            .flat_map(|neuron| {
                neuron
                    .parameters()
                    .into_iter()
                    .map(|(parameter, _)| parameter)
            })
            .chain(self.initials.iter().map(|initial| &initial.parameter))
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

    /// Whether any edge reads a value of the previous time step, or a layer is a cell.
    pub(crate) fn is_recurrent(&self) -> bool {
        self.neurons.iter().any(|neuron| {
            neuron.cell.is_some() || neuron.edges.iter().any(|edge| edge.delayed.is_some())
        })
    }

    /// The nodes whose value some later step reads (through `.prev`, or a cell its own), each
    /// once, inputs first, in declaration order.
    pub(crate) fn delayed_sources(&self) -> Vec<NodeRef> {
        let mut inputs = vec![false; self.inputs.len()];
        let mut neurons: Vec<bool> = self.neurons.iter().map(|n| n.cell.is_some()).collect();
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

    /// The trainable initial value of a neuron, if it has one.
    pub(crate) fn initial_of(&self, neuron: usize) -> Option<&Parameter> {
        self.initials
            .iter()
            .find(|initial| initial.neuron == neuron)
            .map(|initial| &initial.parameter)
    }

    /// Everything the state of a recurrent network holds, in order: the value of each
    /// delayed source, then the cell state of each LSTM layer.
    pub(crate) fn memories(&self) -> Vec<Memory> {
        let values = self.delayed_sources().into_iter().map(Memory::Value);
        let cells = (0..self.neurons.len())
            .filter(|&index| {
                self.neurons[index]
                    .cell
                    .as_ref()
                    .is_some_and(|cell| cell.kind == CellKind::Lstm)
            })
            .map(Memory::CellState);
        values.chain(cells).collect()
    }

    /// The field a memory has in the state (and in the trace, where it is computed): the
    /// node's name, or `c_h` for the cell state of an LSTM layer `h`.
    pub(crate) fn memory_name(&self, memory: Memory) -> Ident {
        match memory {
            Memory::Value(node) => self.node_name(node).clone(),
            Memory::CellState(index) => cell_state_name(&self.neurons[index].name),
        }
    }

    /// How many values a memory holds: `None` for a single value.
    pub(crate) fn memory_width(&self, memory: Memory) -> Option<usize> {
        match memory {
            Memory::Value(node) => self.node_width(node),
            Memory::CellState(index) => self.neurons[index].width,
        }
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
