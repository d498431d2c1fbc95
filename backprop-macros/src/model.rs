//! The syntax tree resolved into a graph: nodes by index, activations and the loss by kind.
//!
//! Resolution reports every name that does not resolve (undefined, duplicate, reused or
//! reserved) and keeps going, so one invocation shows all such mistakes together. The graph
//! rules (cycles, reachability) run only on a model that resolved cleanly, so that a typo
//! does not also surface as an unreachable neuron.

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{Attribute, Ident, Visibility};

use crate::activation::Activation;
use crate::errors::Errors;
use crate::loss::Loss;
use crate::parse::{NetworkDef, NeuronDecl, Role, Statement, Term};
use crate::suggest::did_you_mean;

/// A resolved network, ready to be checked and generated.
pub(crate) struct Model {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) name: Ident,
    pub(crate) scalar: Scalar,
    pub(crate) inputs: Vec<Input>,
    /// Hidden neurons and outputs, in declaration order.
    pub(crate) neurons: Vec<Neuron>,
    pub(crate) loss: Loss,
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

/// An input node.
pub(crate) struct Input {
    pub(crate) name: Ident,
    pub(crate) docs: Vec<Attribute>,
}

/// A hidden neuron or an output: `h = activation(sum of edges + bias)`.
pub(crate) struct Neuron {
    pub(crate) name: Ident,
    pub(crate) docs: Vec<Attribute>,
    pub(crate) role: Role,
    pub(crate) activation: Activation,
    pub(crate) edges: Vec<Edge>,
    pub(crate) bias: Option<Ident>,
    /// The span of the sum's parentheses.
    pub(crate) sum_span: Span,
}

/// A weighted edge into a neuron.
pub(crate) struct Edge {
    pub(crate) weight: Ident,
    pub(crate) source: NodeRef,
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

    /// The indices of the output neurons, in declaration order.
    pub(crate) fn outputs(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.neurons.len()).filter(|&index| self.neurons[index].role == Role::Output)
    }
}

/// What a name stands for, remembered to report a second use of it.
#[derive(Clone, Copy)]
enum Binding {
    Node(NodeRef),
    Weight,
    Bias,
}

/// Resolves the parsed network. Returns `None` when anything could not be resolved; every
/// such error is recorded in `errors`.
pub(crate) fn resolve(def: NetworkDef, errors: &mut Errors) -> Option<Model> {
    let mut errors_here = Errors::default();
    let model = resolve_names(def, &mut errors_here);
    let clean = errors_here.is_empty();
    errors.extend(errors_here);
    model.filter(|_| clean)
}

fn resolve_names(def: NetworkDef, errors: &mut Errors) -> Option<Model> {
    let header = def.header;
    let scalar = resolve_scalar(&header.scalar, errors);

    let mut inputs = Vec::new();
    let mut declared: Vec<NeuronDecl> = Vec::new();
    let mut losses = Vec::new();
    for statement in def.statements {
        match statement {
            Statement::Input(decl) => inputs.extend(decl.names.into_iter().map(|name| Input {
                name,
                docs: decl.docs.clone(),
            })),
            Statement::Neuron(decl) => declared.push(decl),
            Statement::Loss(decl) => losses.push(decl),
        }
    }

    let mut bindings: HashMap<String, (Binding, Span)> = HashMap::new();
    let mut bind_node = |name: &Ident, node: NodeRef, errors: &mut Errors| {
        let key = name.to_string();
        if let Some(&(Binding::Node(previous), _)) = bindings.get(&key) {
            let what = match previous {
                NodeRef::Input(_) => "an input",
                NodeRef::Neuron(index) if declared[index].role == Role::Output => "an output",
                NodeRef::Neuron(_) => "a neuron",
            };
            errors.error(
                name.span(),
                format!("`{name}` is already declared as {what}; every node needs its own name"),
            );
        } else {
            bindings.insert(key, (Binding::Node(node), name.span()));
        }
    };
    for (index, input) in inputs.iter().enumerate() {
        bind_node(&input.name, NodeRef::Input(index), errors);
    }
    for (index, decl) in declared.iter().enumerate() {
        bind_node(&decl.name, NodeRef::Neuron(index), errors);
    }
    // In declaration order, so that a suggestion between equally close names is stable.
    let node_names: Vec<String> = inputs
        .iter()
        .map(|input| input.name.to_string())
        .chain(declared.iter().map(|decl| decl.name.to_string()))
        .collect();

    let loss = resolve_loss(&header.name, &losses, errors);

    let mut neurons = Vec::new();
    for decl in declared {
        let NeuronDecl {
            docs,
            role,
            name,
            activation: activation_name,
            sum_span,
            terms,
        } = decl;
        let activation = Activation::from_name(&activation_name.to_string());
        if activation.is_none() {
            let known = Activation::ALL.iter().map(|(name, _)| *name);
            errors.error(
                activation_name.span(),
                format!(
                    "unknown activation `{activation_name}`{}",
                    hint_or_list(&activation_name.to_string(), known)
                ),
            );
        }
        let mut edges: Vec<Edge> = Vec::new();
        let mut bias: Option<Ident> = None;
        for term in terms {
            match term {
                Term::Weighted { weight, source } => {
                    let Some(source_node) =
                        resolve_source(&weight, &source, &bindings, &node_names, errors)
                    else {
                        continue;
                    };
                    if let Some(previous) = edges.iter().find(|edge| edge.source == source_node) {
                        errors.error(
                            source.span(),
                            format!(
                                "`{name}` already reads `{source}` through `{}`; one weight per edge is enough",
                                previous.weight
                            ),
                        );
                        continue;
                    }
                    if bind_parameter(
                        &weight,
                        Binding::Weight,
                        &mut bindings,
                        &name.to_string(),
                        errors,
                    ) {
                        edges.push(Edge {
                            weight,
                            source: source_node,
                        });
                    }
                }
                Term::Bias(term) => {
                    if let Some((Binding::Node(_), _)) = bindings.get(&term.to_string()) {
                        errors.error(
                            term.span(),
                            format!("`{term}` is a node, and an edge needs a weight: write `w * {term}` with a new weight name"),
                        );
                        continue;
                    }
                    if let Some(existing) = &bias {
                        errors.error(
                            term.span(),
                            format!("`{name}` already has the bias `{existing}`; a neuron has at most one bias"),
                        );
                        continue;
                    }
                    if bind_parameter(
                        &term,
                        Binding::Bias,
                        &mut bindings,
                        &name.to_string(),
                        errors,
                    ) {
                        bias = Some(term);
                    }
                }
            }
        }
        neurons.push(Neuron {
            name,
            docs,
            role,
            // The placeholder keeps neuron indices aligned; an unknown activation was
            // reported, so this model is never generated.
            activation: activation.unwrap_or(Activation::Identity),
            edges,
            bias,
            sum_span,
        });
    }

    let model = Model {
        attrs: header.attrs,
        vis: header.vis,
        name: header.name,
        scalar: scalar?,
        inputs,
        neurons,
        loss: loss?,
    };
    check_reserved_names(&model, errors);
    Some(model)
}

/// `f32` and `f64` are the only scalar types.
fn resolve_scalar(scalar: &syn::Type, errors: &mut Errors) -> Option<Scalar> {
    let name = match scalar {
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
fn resolve_loss(
    network: &Ident,
    losses: &[crate::parse::LossDecl],
    errors: &mut Errors,
) -> Option<Loss> {
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
    loss
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
    bindings: &HashMap<String, (Binding, Span)>,
    node_names: &[String],
    errors: &mut Errors,
) -> Option<NodeRef> {
    let node_of = |ident: &Ident| match bindings.get(&ident.to_string()) {
        Some(&(Binding::Node(node), _)) => Some(node),
        _ => None,
    };
    match (node_of(weight), node_of(source)) {
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
                    did_you_mean(&source.to_string(), node_names.iter().map(String::as_str))
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
    bindings: &mut HashMap<String, (Binding, Span)>,
    consumer: &str,
    errors: &mut Errors,
) -> bool {
    let key = name.to_string();
    let Some(&(previous, _)) = bindings.get(&key) else {
        bindings.insert(key, (binding, name.span()));
        return true;
    };
    let message = match (previous, binding) {
        (Binding::Node(_), _) => format!(
            "`{name}` is a node, so it cannot also name a {}",
            describe(binding)
        ),
        (Binding::Weight, Binding::Weight) => format!(
            "weight `{name}` is already used on another edge; every edge needs its own weight (weights cannot be shared), so rename this one"
        ),
        (Binding::Bias, Binding::Bias) => format!(
            "bias `{name}` is already the bias of another neuron; give `{consumer}` its own bias name"
        ),
        (previous, _) => format!(
            "`{name}` already names a {}, so it cannot also name a {}",
            describe(previous),
            describe(binding)
        ),
    };
    errors.error(name.span(), message);
    false
}

fn describe(binding: Binding) -> &'static str {
    match binding {
        Binding::Node(_) => "node",
        Binding::Weight => "weight",
        Binding::Bias => "bias",
    }
}

/// Generated code names the pre-activation of node `h` `z_h`; no declared name may take
/// that name from it.
fn check_reserved_names(model: &Model, errors: &mut Errors) {
    let neuron_names: Vec<String> = model.neurons.iter().map(|n| n.name.to_string()).collect();
    let parameters = model.neurons.iter().flat_map(|neuron| {
        neuron
            .edges
            .iter()
            .map(|edge| &edge.weight)
            .chain(&neuron.bias)
    });
    let names = model
        .inputs
        .iter()
        .map(|input| &input.name)
        .chain(model.neurons.iter().map(|neuron| &neuron.name))
        .chain(parameters);
    for name in names {
        let text = name.to_string();
        if let Some(owner) = text
            .strip_prefix("z_")
            .filter(|rest| neuron_names.iter().any(|n| n == rest))
        {
            errors.error(
                name.span(),
                format!("`{text}` is reserved: generated code uses it for the pre-activation of `{owner}`; choose another name"),
            );
        }
    }
}
