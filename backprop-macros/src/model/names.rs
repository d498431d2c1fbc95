//! Name resolution: every node, weight, bias, activation and loss name resolved, or an
//! error that says how to fix it.

use std::collections::HashMap;

use proc_macro2::Span;
use syn::Ident;

use super::activations::resolve_activations;
use super::shapes::{check_declared_shape, check_index, check_width, describe, weight_shape};
use super::{
    Cell, CellKind, Edge, Initial, Input, Model, Neuron, NodeRef, Parameter, Precision, Role,
    Scalar,
};
use crate::errors::Errors;
use crate::formula::ActivationDef;
use crate::loss::Loss;
use crate::parse::{
    ActivationDecl, Dim, InitialDecl, LossDecl, NetworkDef, NeuronDecl, NeuronKind, PrecisionDecl,
    Statement, Term,
};
use crate::suggest::did_you_mean;

/// What a name stands for, remembered to report a second use of it.
#[derive(Clone, Copy)]
enum Binding {
    Node(NodeRef),
    Weight,
    Bias,
    Initial,
}

/// Every name of the network and what it is bound to.
struct Names {
    bindings: HashMap<String, Binding>,
    /// Node names in declaration order, so that a suggestion between equally close names
    /// is stable.
    nodes: Vec<String>,
}

impl Names {
    fn node(&self, name: &Ident) -> Option<NodeRef> {
        match self.bindings.get(&name.to_string()) {
            Some(&Binding::Node(node)) => Some(node),
            _ => None,
        }
    }
}

/// The statements of a network, sorted by kind.
#[derive(Default)]
struct Statements {
    inputs: Vec<Input>,
    neurons: Vec<NeuronDecl>,
    activations: Vec<ActivationDecl>,
    losses: Vec<LossDecl>,
    precisions: Vec<PrecisionDecl>,
    initials: Vec<InitialDecl>,
}

pub(super) fn resolve_names(def: NetworkDef, errors: &mut Errors) -> Option<Model> {
    let header = def.header;
    let scalar = resolve_scalar(&header.scalar, errors);
    let statements = sort_statements(def.statements, errors);
    let precision = resolve_precision(&statements.precisions, errors);
    let names = bind_nodes(&statements, errors);
    let mut activations = resolve_activations(statements.activations, scalar, errors);
    if precision == Precision::Fast {
        activations = activations
            .iter()
            .map(ActivationDef::with_fast_kernels)
            .collect();
    }
    let loss = resolve_loss(&header.name, &statements.losses, errors);

    let inputs = statements.inputs;
    let widths: Vec<Option<usize>> = inputs
        .iter()
        .map(|input| input.width)
        .chain(
            statements
                .neurons
                .iter()
                .map(|decl| decl.width.map(|dim| dim.value)),
        )
        .collect();
    let mut resolver = Resolver {
        names,
        widths,
        input_count: inputs.len(),
        errors,
    };
    let mut neurons: Vec<Neuron> = statements
        .neurons
        .into_iter()
        .map(|decl| resolver.neuron(decl, &activations))
        .collect();
    for cell in neurons.iter_mut().filter_map(|neuron| neuron.cell.as_mut()) {
        cell.fast = precision == Precision::Fast;
    }
    let initials = resolver.initials(statements.initials, &neurons);

    check_network_name(&header.name, errors);
    let (loss, loss_span) = loss?;
    let runtime = header.runtime_path();
    let model = Model {
        attrs: header.attrs,
        vis: header.vis,
        name: header.name,
        scalar: scalar?,
        inputs,
        neurons,
        loss,
        precision,
        initials,
        loss_span,
        runtime,
    };
    check_reserved_names(&model, errors);
    Some(model)
}

/// The statements by kind, each input with its checked width.
fn sort_statements(statements: Vec<Statement>, errors: &mut Errors) -> Statements {
    let mut sorted = Statements::default();
    for statement in statements {
        match statement {
            Statement::Input(decl) => {
                for (name, width) in decl.names {
                    let width = check_width(&name, width, errors);
                    let docs = decl.docs.clone();
                    sorted.inputs.push(Input { name, docs, width });
                }
            }
            Statement::Neuron(decl) => sorted.neurons.push(decl),
            Statement::Activation(decl) => sorted.activations.push(decl),
            Statement::Loss(decl) => sorted.losses.push(decl),
            Statement::Precision(decl) => sorted.precisions.push(decl),
            Statement::Initial(decl) => sorted.initials.push(decl),
        }
    }
    sorted
}

/// Every node name bound to its node; a name declared twice is reported at the second.
fn bind_nodes(statements: &Statements, errors: &mut Errors) -> Names {
    let mut names = Names {
        bindings: HashMap::new(),
        nodes: Vec::new(),
    };
    let inputs = statements
        .inputs
        .iter()
        .enumerate()
        .map(|(index, input)| (&input.name, NodeRef::Input(index)));
    let neurons = statements
        .neurons
        .iter()
        .enumerate()
        .map(|(index, decl)| (&decl.name, NodeRef::Neuron(index)));
    for (name, node) in inputs.chain(neurons) {
        let key = name.to_string();
        if let Some(&Binding::Node(previous)) = names.bindings.get(&key) {
            let what = match previous {
                NodeRef::Input(_) => "an input",
                NodeRef::Neuron(index) if statements.neurons[index].kind == NeuronKind::Output => {
                    "an output"
                }
                NodeRef::Neuron(_) => "a neuron",
            };
            errors.error(
                name.span(),
                format!("`{name}` is already declared as {what}; every node needs its own name"),
            );
        } else {
            names.bindings.insert(key.clone(), Binding::Node(node));
            names.nodes.push(key);
        }
    }
    names
}

/// What resolving the neurons' sums shares: the names bound so far (parameters are bound as
/// they are met) and every node's width.
struct Resolver<'e> {
    names: Names,
    /// Inputs' widths, then neurons'.
    widths: Vec<Option<usize>>,
    input_count: usize,
    errors: &'e mut Errors,
}

impl Resolver<'_> {
    fn width_of(&self, node: NodeRef) -> Option<usize> {
        match node {
            NodeRef::Input(index) => self.widths[index],
            NodeRef::Neuron(index) => self.widths[self.input_count + index],
        }
    }

    /// A neuron with its activation, edges and bias resolved; what does not resolve is
    /// reported and left out.
    fn neuron(&mut self, decl: NeuronDecl, activations: &[ActivationDef]) -> Neuron {
        if let Some(kind) = CellKind::from_name(&decl.activation.to_string()) {
            return self.cell(decl, kind);
        }
        let width = check_neuron_width(&decl, self.errors);
        let activation = find_activation(activations, &decl.activation, self.errors);
        let mut edges: Vec<Edge> = Vec::new();
        let mut bias: Option<Parameter> = None;
        for term in decl.terms {
            match term {
                Term::Weighted {
                    weight,
                    shape,
                    source,
                    index,
                    delayed,
                } => {
                    let term = WeightedTerm {
                        weight,
                        shape,
                        source,
                        index,
                        delayed,
                    };
                    if let Some(edge) = self.edge(&decl.name, width, term, &edges) {
                        edges.push(edge);
                    }
                }
                Term::Bias { name, shape } => {
                    if let Some(found) = self.bias(&decl.name, width, name, shape, bias.as_ref()) {
                        bias = Some(found);
                    }
                }
            }
        }
        Neuron {
            name: decl.name,
            docs: decl.docs,
            role: match decl.kind {
                NeuronKind::Output => Role::Output,
                NeuronKind::Neuron | NeuronKind::Layer => Role::Hidden,
            },
            activation_span: decl.activation.span(),
            // The placeholder keeps neuron indices aligned; an unknown activation was
            // reported, so this model is never generated.
            activation: activation.unwrap_or_else(|| activations[0].clone()),
            width,
            edges,
            bias,
            sum_span: decl.sum_span,
            cell: None,
        }
    }

    /// A `gru` or `lstm` layer: `gru(weight_ih * x + weight_hh * h.prev + bias_ih + bias_hh)`,
    /// PyTorch's four parameters in PyTorch's order (the biases in that order; the two
    /// weights in either). Whatever is missing or extra is reported.
    fn cell(&mut self, decl: NeuronDecl, kind: CellKind) -> Neuron {
        let name = decl.name.clone();
        let (a, cell) = (kind.article(), kind.name());
        let width = match (decl.kind, decl.width) {
            (NeuronKind::Layer, Some(_)) => check_width(&name, decl.width, self.errors),
            (NeuronKind::Output, _) => {
                self.errors.error(
                    decl.activation.span(),
                    format!("{a} `{cell}` cell is a hidden layer, not an output: declare `layer {name}[n] = {cell}(...)` and read it from an output such as `output y = identity(V * {name})`"),
                );
                None
            }
            _ => {
                self.errors.error(
                    name.span(),
                    format!(
                        "a `{cell}` cell is a layer with a width: `layer {name}[16] = {cell}(...)`"
                    ),
                );
                None
            }
        };
        let rows = width.map(|width| width * kind.gates());
        let mut edges: Vec<Edge> = Vec::new();
        let mut weight_hh: Option<Parameter> = None;
        let mut biases: Vec<Parameter> = Vec::new();
        // What was written, right or wrong: only what is absent is reported as missing.
        let (mut wrote_input, mut wrote_recurrent, mut wrote_biases) = (false, false, 0);
        // The cell's one input, as written, for the error on a second one.
        let mut input_name: Option<Ident> = None;
        for term in decl.terms {
            match term {
                Term::Weighted {
                    weight,
                    shape,
                    source,
                    index,
                    delayed,
                } if delayed.is_some()
                    && index.is_none()
                    && super::text(&source) == super::text(&name) =>
                {
                    if std::mem::replace(&mut wrote_recurrent, true) {
                        self.errors.error(
                            source.span(),
                            format!("`{name}` already reads `{name}.prev`; {a} `{cell}` cell has one recurrent weight"),
                        );
                        continue;
                    }
                    let implied: Vec<usize> = rows.into_iter().chain(width).collect();
                    let context = format!(
                        "it is the recurrent weight of {a} `{cell}` cell: {} gates of {} units, each reading the {} units one step earlier",
                        kind.gates(),
                        width.unwrap_or(0),
                        width.unwrap_or(0)
                    );
                    let shape_ok = check_declared_shape(
                        &weight,
                        shape.as_deref(),
                        &implied,
                        &context,
                        self.errors,
                    );
                    let bound = bind_parameter(
                        &weight,
                        Binding::Weight,
                        &mut self.names,
                        &name,
                        self.errors,
                    );
                    if shape_ok && bound {
                        weight_hh = Some(Parameter {
                            name: weight,
                            shape: implied,
                        });
                    }
                }
                Term::Weighted {
                    weight,
                    shape,
                    source,
                    index,
                    delayed,
                } => {
                    wrote_input = true;
                    if let Some(first) = &input_name {
                        self.errors.error(
                            source.span(),
                            format!("{a} `{cell}` cell reads one input, and `{name}` already reads `{first}`: gather several inputs in one layer first (`layer u[n] = identity(A * x + B * y)`)"),
                        );
                        continue;
                    }
                    input_name = Some(source.clone());
                    let term = WeightedTerm {
                        weight,
                        shape,
                        source,
                        index,
                        delayed,
                    };
                    if let Some(edge) = self.edge(&name, rows, term, &edges) {
                        edges.push(edge);
                    }
                }
                Term::Bias { name: bias, shape } => {
                    wrote_biases += 1;
                    if wrote_biases > 2 {
                        self.errors.error(
                            bias.span(),
                            format!("{a} `{cell}` cell has two biases, `bias_ih` and `bias_hh`; remove this one"),
                        );
                        continue;
                    }
                    if let Some(found) = self.bias(&name, rows, bias, shape, None) {
                        biases.push(found);
                    }
                }
            }
        }
        let complete = !edges.is_empty() && weight_hh.is_some() && biases.len() == 2;
        let mut missing = Vec::new();
        if !wrote_input {
            missing.push("its input (`weight_ih * x`)".to_owned());
        }
        if !wrote_recurrent {
            missing.push(format!("its recurrent weight (`weight_hh * {name}.prev`)"));
        }
        if wrote_biases < 2 {
            missing.push("two biases (`bias_ih + bias_hh`)".to_owned());
        }
        if !missing.is_empty() && width.is_some() {
            self.errors.error(
                decl.sum_span,
                format!(
                    "{a} `{cell}` cell is written `{cell}(weight_ih * x + weight_hh * {name}.prev + bias_ih + bias_hh)`, PyTorch's parameters in PyTorch's order (any names); this one lacks {}",
                    missing.join(" and "),
                    a = kind.article()
                ),
            );
        }
        let mut biases = biases.into_iter();
        let bias_ih = biases.next();
        let cell = match (weight_hh, biases.next()) {
            (Some(weight_hh), Some(bias_hh)) if complete => Some(Cell {
                kind,
                fast: false,
                weight_hh,
                bias_hh,
            }),
            _ => None,
        };
        Neuron {
            name,
            docs: decl.docs,
            role: Role::Hidden,
            activation_span: decl.activation.span(),
            activation: ActivationDef {
                name: kind.name().to_owned(),
                builtin: None,
                forward: crate::formula::Formula::Var,
                derivative: crate::formula::Formula::Const(1.0),
            },
            width,
            edges,
            bias: bias_ih,
            sum_span: decl.sum_span,
            cell,
        }
    }

    /// The trainable initial values: each of a neuron that some step reads one step later
    /// (with `.prev`, or a cell its own value), once, in the node's shape.
    fn initials(&mut self, decls: Vec<InitialDecl>, neurons: &[Neuron]) -> Vec<Initial> {
        let mut remembered: Vec<bool> = neurons.iter().map(|n| n.cell.is_some()).collect();
        for edge in neurons.iter().flat_map(|neuron| &neuron.edges) {
            if let (Some(_), NodeRef::Neuron(index)) = (edge.delayed, edge.source) {
                remembered[index] = true;
            }
        }
        let mut initials: Vec<Initial> = Vec::new();
        // The first `initial` statement of each neuron, valid or not.
        let mut first: Vec<(usize, Ident)> = Vec::new();
        for decl in decls {
            let node = &decl.node;
            let index = match self.names.node(node) {
                Some(NodeRef::Neuron(index)) => index,
                Some(NodeRef::Input(_)) => {
                    self.errors.error(
                        node.span(),
                        format!("`{node}` is an input: its value one step before the first is zero; `initial` gives a neuron read with `.prev` a trainable starting value"),
                    );
                    continue;
                }
                None => {
                    self.errors.error(
                        node.span(),
                        format!(
                            "cannot find node `{node}` in this network{}",
                            did_you_mean(
                                &node.to_string(),
                                self.names.nodes.iter().map(String::as_str)
                            )
                        ),
                    );
                    continue;
                }
            };
            if !remembered[index] {
                self.errors.error(
                    node.span(),
                    format!("nothing reads `{node}.prev`, so an initial value of `{node}` would never be used: read it one step later (`w * {node}.prev`) or remove this statement"),
                );
                continue;
            }
            if let Some((_, previous)) = first.iter().find(|(neuron, _)| *neuron == index) {
                self.errors.error(
                    node.span(),
                    format!(
                        "`{node}` already starts from `{previous}`; one initial value per neuron"
                    ),
                );
                continue;
            }
            first.push((index, decl.parameter.clone()));
            let width = neurons[index].width;
            let implied: Vec<usize> = width.into_iter().collect();
            let context = format!("it is the initial value of {}", describe(node, width));
            let shape_ok = check_declared_shape(
                &decl.parameter,
                decl.shape.as_deref(),
                &implied,
                &context,
                self.errors,
            );
            let bound = bind_parameter(
                &decl.parameter,
                Binding::Initial,
                &mut self.names,
                node,
                self.errors,
            );
            if shape_ok && bound {
                initials.push(Initial {
                    neuron: index,
                    parameter: Parameter {
                        name: decl.parameter,
                        shape: implied,
                    },
                });
            }
        }
        initials
    }

    /// The edge of `weight * source` into `consumer` (of `width`), or the reason it is not
    /// one: an unknown source, an index out of range, a second edge from the same source, a
    /// shape that does not fit, a name already bound.
    fn edge(
        &mut self,
        consumer: &Ident,
        width: Option<usize>,
        term: WeightedTerm,
        edges: &[Edge],
    ) -> Option<Edge> {
        let WeightedTerm {
            weight,
            shape,
            source,
            index,
            delayed,
        } = term;
        let source_node = resolve_source(&weight, &source, &self.names, self.errors)?;
        let source_width = self.width_of(source_node);
        let index = match index {
            Some(index) => Some(check_index(&source, source_width, index, self.errors)?),
            None => None,
        };
        let duplicate = edges.iter().find(|edge| {
            edge.source == source_node
                && edge.index == index
                && edge.delayed.is_some() == delayed.is_some()
        });
        if let Some(previous) = duplicate {
            let read = if delayed.is_some() {
                format!("`{source}.prev`")
            } else {
                format!("`{source}`")
            };
            self.errors.error(
                source.span(),
                format!(
                    "`{consumer}` already reads {read} through `{}`; one weight per edge is enough",
                    previous.weight.name
                ),
            );
            return None;
        }
        let read_width = if index.is_some() { None } else { source_width };
        let implied = weight_shape(width, read_width);
        let context = format!(
            "it carries {} into {}",
            describe(&source, read_width),
            describe(consumer, width)
        );
        let shape_ok =
            check_declared_shape(&weight, shape.as_deref(), &implied, &context, self.errors);
        let bound = bind_parameter(
            &weight,
            Binding::Weight,
            &mut self.names,
            consumer,
            self.errors,
        );
        (bound && shape_ok).then(|| Edge {
            weight: Parameter {
                name: weight,
                shape: implied,
            },
            source: source_node,
            source_span: source.span(),
            index,
            delayed,
        })
    }

    /// The bias `name` of `consumer`, or the reason it is not one: a node's name, a second
    /// bias, a shape that does not fit, a name already bound.
    fn bias(
        &mut self,
        consumer: &Ident,
        width: Option<usize>,
        name: Ident,
        shape: Option<Vec<Dim>>,
        existing: Option<&Parameter>,
    ) -> Option<Parameter> {
        if self.names.node(&name).is_some() {
            self.errors.error(
                name.span(),
                format!("`{name}` is a node, and an edge needs a weight: write `w * {name}` with a new weight name"),
            );
            return None;
        }
        if let Some(existing) = existing {
            self.errors.error(
                name.span(),
                format!(
                    "`{consumer}` already has the bias `{}`; a neuron has at most one bias",
                    existing.name
                ),
            );
            return None;
        }
        let implied: Vec<usize> = width.into_iter().collect();
        let context = format!("it is the bias of {}", describe(consumer, width));
        let shape_ok =
            check_declared_shape(&name, shape.as_deref(), &implied, &context, self.errors);
        let bound = bind_parameter(&name, Binding::Bias, &mut self.names, consumer, self.errors);
        (bound && shape_ok).then_some(Parameter {
            name,
            shape: implied,
        })
    }
}

/// The parts of a `weight * source` term.
struct WeightedTerm {
    weight: Ident,
    shape: Option<Vec<Dim>>,
    source: Ident,
    index: Option<Dim>,
    delayed: Option<Span>,
}

/// `neuron` and `output` may hold one value or (with a width) an array; `layer` always
/// holds an array.
fn check_neuron_width(decl: &NeuronDecl, errors: &mut Errors) -> Option<usize> {
    let name = &decl.name;
    match (decl.kind, decl.width) {
        (NeuronKind::Layer, None) => {
            errors.error(
                name.span(),
                format!("a `layer` needs a width: `layer {name}[32] = ...`; for a single neuron write `neuron {name} = ...`"),
            );
            None
        }
        (NeuronKind::Neuron, Some(width)) => {
            errors.error(
                width.span,
                format!("a `neuron` is a single value; for an array of neurons write `layer {name}[{}] = ...`", width.value),
            );
            None
        }
        _ => check_width(name, decl.width, errors),
    }
}

fn find_activation(
    activations: &[ActivationDef],
    name: &Ident,
    errors: &mut Errors,
) -> Option<ActivationDef> {
    let text = name.to_string();
    let found = activations
        .iter()
        .find(|activation| activation.name == text)
        .cloned();
    if found.is_none() {
        let known = activations
            .iter()
            .map(|activation| activation.name.as_str());
        let hint = did_you_mean(&text, known.clone());
        let message = if hint.is_empty() {
            format!(
                "unknown activation `{text}`{}, or declare it with `activation {text}(z) = ...;`",
                hint_or_list(&text, known)
            )
        } else {
            format!("unknown activation `{text}`{hint}")
        };
        errors.error(name.span(), message);
    }
    found
}

/// At most one `precision`, `exact` (the default) or `fast`.
fn resolve_precision(decls: &[PrecisionDecl], errors: &mut Errors) -> Precision {
    for extra in decls.iter().skip(1) {
        errors.error(
            extra.keyword,
            "a network has at most one `precision`; remove this one",
        );
    }
    match decls.first() {
        None => Precision::Exact,
        Some(decl) if decl.value == "fast" => Precision::Fast,
        Some(decl) if decl.value == "exact" => Precision::Exact,
        Some(decl) => {
            errors.error(
                decl.value.span(),
                format!(
                    "unknown precision `{}`: expected `exact` (the standard library's functions, the default) or `fast` (vectorizable approximations)",
                    decl.value
                ),
            );
            Precision::Exact
        }
    }
}

/// `f32` and `f64` are the only scalar types.
fn resolve_scalar(scalar: &syn::Type, errors: &mut Errors) -> Option<Scalar> {
    // A type passed in through a `macro_rules!` `$t:ty` arrives wrapped in an invisible group.
    let mut unwrapped = scalar;
    while let syn::Type::Group(syn::TypeGroup { elem, .. })
    | syn::Type::Paren(syn::TypeParen { elem, .. }) = unwrapped
    {
        unwrapped = elem;
    }
    let name = match unwrapped {
        syn::Type::Path(path) if path.qself.is_none() => {
            path.path.get_ident().map(Ident::to_string)
        }
        _ => None,
    };
    match name.as_deref() {
        Some("f32") => Some(Scalar::F32),
        Some("f64") => Some(Scalar::F64),
        _ => {
            errors.push(syn::Error::new_spanned(
                scalar,
                "the scalar type of a network must be `f32` or `f64`",
            ));
            None
        }
    }
}

/// Exactly one `loss` statement, naming a known loss.
fn resolve_loss(network: &Ident, losses: &[LossDecl], errors: &mut Errors) -> Option<(Loss, Span)> {
    let Some(first) = losses.first() else {
        errors.error(
            network.span(),
            format!("`{network}` has no loss: add a statement such as `loss half_squared_error;`"),
        );
        return None;
    };
    for extra in &losses[1..] {
        errors.error(
            extra.keyword,
            "a network has exactly one `loss`; remove this one",
        );
    }
    let name = first.name.to_string();
    let loss = Loss::from_name(&name);
    if loss.is_none() {
        let known = Loss::ALL.iter().map(|(name, _)| *name);
        errors.error(
            first.name.span(),
            format!("unknown loss `{name}`{}", hint_or_list(&name, known)),
        );
    }
    loss.map(|loss| (loss, first.name.span()))
}

/// A close match as "did you mean", otherwise the list of what is known.
fn hint_or_list<'a>(name: &str, known: impl Iterator<Item = &'a str> + Clone) -> String {
    let hint = did_you_mean(name, known.clone());
    if hint.is_empty() {
        let list: Vec<String> = known.map(|name| format!("`{name}`")).collect();
        format!("; expected one of {}", list.join(", "))
    } else {
        hint
    }
}

/// The node that `weight * source` reads, or an error that says how to fix the term.
fn resolve_source(
    weight: &Ident,
    source: &Ident,
    names: &Names,
    errors: &mut Errors,
) -> Option<NodeRef> {
    match (names.node(weight), names.node(source)) {
        (None, Some(node)) => Some(node),
        (Some(_), None) => {
            errors.error(
                weight.span(),
                format!("`{weight}` is a node, so it cannot weigh an edge; the weight comes first: `{source} * {weight}`"),
            );
            None
        }
        (Some(_), Some(_)) => {
            errors.error(
                weight.span(),
                format!("`{weight}` is a node, so it cannot also name a weight; choose a new name for the weight on `{source}`"),
            );
            None
        }
        (None, None) => {
            errors.error(
                source.span(),
                format!(
                    "cannot find node `{source}` in this network{}",
                    did_you_mean(&source.to_string(), names.nodes.iter().map(String::as_str))
                ),
            );
            None
        }
    }
}

/// Records a weight or bias name; a name used before (by a node, weight or bias) is an error.
fn bind_parameter(
    name: &Ident,
    binding: Binding,
    names: &mut Names,
    consumer: &Ident,
    errors: &mut Errors,
) -> bool {
    let key = name.to_string();
    let Some(&previous) = names.bindings.get(&key) else {
        names.bindings.insert(key, binding);
        return true;
    };
    let message = match (previous, binding) {
        (Binding::Node(_), _) => format!(
            "`{name}` is a node, so it cannot also name {}",
            binding_kind(binding)
        ),
        (Binding::Weight, Binding::Weight) => format!(
            "weight `{name}` is already used on another edge; every edge needs its own weight (weights cannot be shared), so rename this one"
        ),
        (Binding::Bias, Binding::Bias) => format!(
            "bias `{name}` is already the bias of another neuron; give `{consumer}` its own bias name"
        ),
        (Binding::Initial, Binding::Initial) => format!(
            "`{name}` is already the initial value of another neuron; give `{consumer}` its own"
        ),
        (previous, _) => format!(
            "`{name}` already names {}, so it cannot also name {}",
            binding_kind(previous),
            binding_kind(binding)
        ),
    };
    errors.error(name.span(), message);
    false
}

/// What a name is bound to, with its article: "a weight", "an initial value".
fn binding_kind(binding: Binding) -> &'static str {
    match binding {
        Binding::Node(_) => "a node",
        Binding::Weight => "a weight",
        Binding::Bias => "a bias",
        Binding::Initial => "an initial value",
    }
}

/// A network `Net` also declares `NetGrads`, `NetTrace` (and, recurrent, `NetState` and
/// `NetColumns`), so a network's own name may not
/// end like those: `NetGrads` would collide with the gradients of a network `Net`. With this
/// rule no two networks' generated types can share a name.
fn check_network_name(name: &Ident, errors: &mut Errors) {
    let text = super::text(name);
    for suffix in crate::generate::COMPANION_SUFFIXES {
        if let Some(stem) = text.strip_suffix(suffix).filter(|stem| !stem.is_empty()) {
            errors.error(
                name.span(),
                format!("a network's name cannot end in `{suffix}`: `network!` names the companion types of a network `{stem}` `{stem}Grads`, `{stem}Trace`, `{stem}State` and `{stem}Columns`, so `{text}` could collide with them; choose another name"),
            );
        }
    }
}

/// Names the generated structs give to values of the network, which no declared name may
/// take: `z_h` (the pre-activation of neuron `h`), `prev_m` (a remembered value `m` one step
/// earlier), and for a cell `h` `gates_h` and for an LSTM `c_h` (its cell state). Names are
/// compared as text, so `r#h` is `h`.
fn check_reserved_names(model: &Model, errors: &mut Errors) {
    let mut reserved: HashMap<String, String> = HashMap::new();
    for neuron in &model.neurons {
        let h = neuron.text();
        reserved.insert(format!("z_{h}"), format!("the pre-activation of `{h}`"));
        if let Some(cell) = &neuron.cell {
            reserved.insert(
                format!("gates_{h}"),
                format!("the gates of the `{}` cell `{h}`", cell.kind.name()),
            );
        }
    }
    for memory in model.memories() {
        let name = super::text(&model.memory_name(memory));
        let what = match memory {
            super::Memory::Value(_) => {
                format!("the value of `{name}` one time step earlier (`{name}.prev`)")
            }
            super::Memory::CellState(index) => {
                let h = model.neurons[index].text();
                reserved.insert(
                    name.clone(),
                    format!("the cell state of the `lstm` cell `{h}`"),
                );
                format!("the cell state of `{h}` one time step earlier")
            }
        };
        reserved.insert(format!("prev_{name}"), what);
    }
    let names = model
        .inputs
        .iter()
        .map(|input| &input.name)
        .chain(model.neurons.iter().map(|neuron| &neuron.name))
        .chain(model.parameters().map(|parameter| &parameter.name));
    for name in names {
        let text = super::text(name);
        if let Some(what) = reserved.get(&text) {
            errors.error(
                name.span(),
                format!(
                    "`{text}` is reserved: generated code uses it for {what}; choose another name"
                ),
            );
        }
    }
}
