//! The three structs of a network: parameters, gradients and the forward trace, each with
//! its flat view and the compile-time proof that the view is sound.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;

use super::context::Context;
use super::names;
use super::types::{array_type, filled, node_shape, zeros};
use crate::model::{
    gates_name, text, CellKind, Memory, Model, Neuron, Parameter, ParameterRole, Role,
};

/// The derives every generated struct gets, by absolute path. `Default`, `Debug` and
/// `PartialEq` are written by hand: the standard library implements `Default` only for
/// arrays of up to 32 elements, and the derived `Debug` and `PartialEq` nest one call or one
/// `&&` per field, which overflows rustc's stack for networks of thousands of weights.
fn derives() -> TokenStream {
    quote! {
        #[derive(::core::clone::Clone, ::core::marker::Copy)]
    }
}

/// `Debug` and `PartialEq` through the struct's flat view (`as_slice`); `debug` is the
/// runtime call that writes it, given the formatter, the name and the values: a few lines
/// whatever the size of the network.
fn debug_and_eq(name: &Ident, debug: &TokenStream) -> TokenStream {
    quote! {
        #[automatically_derived]
        impl ::core::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                #debug
            }
        }

        #[automatically_derived]
        impl ::core::cmp::PartialEq for #name {
            fn eq(&self, other: &Self) -> ::core::primitive::bool {
                self.as_slice() == other.as_slice()
            }
        }
    }
}

/// `as_slice` and `as_mut_slice` for a generated struct of `len` scalars, with the
/// compile-time check their safety rests on; `what` and `order` are for the docs.
fn flat_access(ctx: &Context, name: &Ident, len: usize, what: &str, order: &str) -> TokenStream {
    let Context {
        scalar, private, ..
    } = ctx;
    let len = Literal::usize_unsuffixed(len);
    let doc = format!(" Every {what} as one slice, without copying, {order}.");
    let doc_mut = format!(
        " Every {what} as one mutable slice, without copying, in the order of [`Self::as_slice`]."
    );
    quote! {
        // The flat view is sound only if the struct is exactly `#len` scalars, aligned as
        // one: true of a `#[repr(C)]` struct of scalars and arrays of them (no padding can
        // occur), and checked here so that no attribute or future field can break it.
        const _: () = ::core::assert!(
            #private::size_of::<#name>() == #len * #private::size_of::<#scalar>()
                && #private::align_of::<#name>() == #private::align_of::<#scalar>()
        );

        #[allow(dead_code)] // a network need not use every generated method
        impl #name {
            #[doc = #doc]
            #[inline]
            #[must_use]
            pub fn as_slice(&self) -> &[#scalar] {
                // SAFETY: `Self` is `#[repr(C)]`, made of `#scalar`s only, and its size and
                // alignment are those of `#len` `#scalar`s (asserted above).
                unsafe { #private::as_flat(self) }
            }

            #[doc = #doc_mut]
            #[inline]
            #[must_use]
            pub fn as_mut_slice(&mut self) -> &mut [#scalar] {
                // SAFETY: as for `as_slice`.
                unsafe { #private::as_flat_mut(self) }
            }
        }
    }
}

/// The shape of a parameter as the docs say it.
fn shape_text(parameter: &Parameter) -> String {
    match parameter.shape.as_slice() {
        [n] => format!(" ({n} values)"),
        [n, m] => format!(" ({n} x {m}: row `j` feeds element `j`)"),
        _ => String::new(),
    }
}

/// `(field, type, doc)` for every parameter, in flat order: each edge's weight says which
/// edge it weighs, each bias whose bias it is.
fn parameter_fields<'a>(ctx: &Context<'a>) -> Vec<(&'a Ident, TokenStream, String)> {
    let (model, scalar) = (ctx.model, &ctx.scalar);
    let mut fields = Vec::new();
    for neuron in &model.neurons {
        let h = neuron.text();
        let cell = neuron.cell.as_ref().map(|cell| cell.kind.name());
        for (parameter, role) in neuron.parameters() {
            let shape = shape_text(parameter);
            let doc = match (role, cell) {
                (ParameterRole::Weight(edge), None) => format!(
                    " Weight on the edge `{} -> {h}`{shape}.",
                    model.edge_source_text(edge)
                ),
                (ParameterRole::Weight(edge), Some(cell)) => format!(
                    " `weight_ih` of the `{cell}` cell `{h}`, on its input `{}`{shape}.",
                    model.edge_source_text(edge)
                ),
                (ParameterRole::Bias, None) => format!(" Bias of `{h}`{shape}."),
                (ParameterRole::Bias, Some(cell)) => {
                    format!(" `bias_ih` of the `{cell}` cell `{h}`{shape}.")
                }
                (ParameterRole::RecurrentWeight, _) => format!(
                    " `weight_hh` of the `{}` cell `{h}`, on `{h}.prev`{shape}.",
                    cell.unwrap_or_default()
                ),
                (ParameterRole::RecurrentBias, _) => format!(
                    " `bias_hh` of the `{}` cell `{h}`{shape}.",
                    cell.unwrap_or_default()
                ),
            };
            fields.push((&parameter.name, array_type(scalar, &parameter.shape), doc));
        }
    }
    for initial in &model.initials {
        let h = model.neurons[initial.neuron].text();
        let doc = format!(
            " Trainable initial value of `{h}`: what `{h}.prev` reads at the first time step{}.",
            shape_text(&initial.parameter)
        );
        fields.push((
            &initial.parameter.name,
            array_type(scalar, &initial.parameter.shape),
            doc,
        ));
    }
    fields
}

/// `impl Default` with every field zero.
fn zero_default(name: &Ident, model: &Model) -> TokenStream {
    let fields = model.parameters().map(|parameter| {
        let field = &parameter.name;
        let zero = zeros(&parameter.shape);
        quote!(#field: #zero)
    });
    quote! {
        #[automatically_derived]
        impl ::core::default::Default for #name {
            #[inline]
            fn default() -> Self {
                Self { #(#fields,)* }
            }
        }
    }
}

/// `NetGrads::NEGATIVE_ZERO`: every field -0.0, the neutral start of a sum of gradients.
fn negative_zero(name: &Ident, model: &Model) -> TokenStream {
    let fields = model.parameters().map(|parameter| {
        let field = &parameter.name;
        let zero = filled(&parameter.shape, &quote!(-0.0));
        quote!(#field: #zero)
    });
    quote! {
        #[allow(dead_code)]
        impl #name {
            /// Every gradient `-0.0`: the neutral start of a sum (`-0.0 + g` is exactly `g`).
            pub const NEGATIVE_ZERO: Self = Self { #(#fields,)* };
        }
    }
}

/// The parameters' flat order, for the docs of the flat views.
const PARAMETER_ORDER: &str = "in declaration order: each neuron's weights in the order of its sum, then its bias; matrices row by row";

/// `pub struct Net { pub w11: f64, pub W1: [[f64; 64]; 32], ... }`, carrying the user's
/// attributes, and its twin `NetGrads` holding `dJ/dw` for every field. `Default` is zero.
pub(crate) fn parameters_and_grads(ctx: &Context) -> TokenStream {
    let Context {
        model,
        name,
        grads,
        private,
        ..
    } = ctx;
    let Model { attrs, vis, .. } = model;
    let fields = parameter_fields(ctx);
    let field_names: Vec<_> = fields.iter().map(|(field, ..)| field).collect();
    let field_types: Vec<_> = fields.iter().map(|(_, ty, _)| ty).collect();
    let field_docs = fields.iter().map(|(.., doc)| doc);
    let grad_docs = field_names
        .iter()
        .map(|field| format!(" `dJ/d{}`.", text(field)));
    let grads_doc = format!(
        " The gradient of the loss of a [`{}`] with respect to each of its parameters, field by field.",
        text(name)
    );
    let derives = derives();
    let net_default = zero_default(name, model);
    let grads_default = zero_default(grads, model);
    let grads_negative_zero = negative_zero(grads, model);
    let debug = |ty: &Ident| {
        let ty_text = text(ty);
        quote! {
            #private::debug_parameters(
                f, #ty_text, <#name as #private::Parameters>::LAYOUT, self.as_slice(),
            )
        }
    };
    let net_traits = debug_and_eq(name, &debug(name));
    let grads_traits = debug_and_eq(grads, &debug(grads));
    let len = model.parameters().map(Parameter::len).sum();
    let net_flat = flat_access(ctx, name, len, "parameter", PARAMETER_ORDER);
    let grads_flat = flat_access(ctx, grads, len, "gradient", PARAMETER_ORDER);
    let net_boxed = boxed(ctx, name, "A network with every parameter zero");
    let grads_boxed = boxed(ctx, grads, "Every gradient zero");
    quote! {
        #(#attrs)*
        #derives
        #[repr(C)]
        #[allow(non_snake_case)] // field names follow the user's notation, e.g. `W1`
        #vis struct #name {
            #(#[doc = #field_docs] pub #field_names: #field_types,)*
        }

        #net_default
        #net_traits
        #net_flat
        #net_boxed

        #[doc = #grads_doc]
        #derives
        #[repr(C)]
        #[allow(non_snake_case)]
        #vis struct #grads {
            #(#[doc = #grad_docs] pub #field_names: #field_types,)*
        }

        #grads_default
        #grads_negative_zero
        #grads_traits
        #grads_flat
        #grads_boxed
    }
}

/// `boxed()`, the struct built directly on the heap, when the runtime has an allocator.
fn boxed(ctx: &Context, name: &Ident, what: &str) -> TokenStream {
    let (runtime, private) = (&ctx.model.runtime, &ctx.private);
    let doc = format!(
        " {what}, built directly on the heap: never on the stack, which a large network overflows."
    );
    quote! {
        #runtime::__with_alloc! {
            #[allow(dead_code)]
            impl #name {
                #[doc = #doc]
                #[inline]
                #[must_use]
                pub fn boxed() -> #private::Box<Self> {
                    #private::zeroed_box()
                }
            }
        }
    }
}

/// One field of the trace: an input, or a neuron's pre-activation or activation.
struct TraceField {
    ident: Ident,
    width: Option<usize>,
    /// Its doc attributes: a summary, then the user's own doc comments.
    docs: TokenStream,
}

/// The trace's fields in declaration order: for a recurrent network the previous values it
/// read (`prev_h`), then the inputs, then each neuron's `z_h` and `h`.
fn trace_fields(model: &Model) -> Vec<TraceField> {
    let mut fields = Vec::new();
    for memory in model.memories() {
        let name = model.memory_name(memory);
        let summary = match memory {
            Memory::Value(_) => format!(
                " `{0}.prev`: `{0}` one time step earlier (zero at the first step).",
                text(&name)
            ),
            Memory::CellState(index) => format!(
                " The cell state of `{}` one time step earlier (zero at the first step).",
                model.neurons[index].text()
            ),
        };
        fields.push(TraceField {
            ident: names::previous(&name),
            width: model.memory_width(memory),
            docs: quote!(#[doc = #summary]),
        });
    }
    for input in &model.inputs {
        let summary = format!(" Input `{}`.", input.text());
        let docs = &input.docs;
        fields.push(TraceField {
            ident: input.name.clone(),
            width: input.width,
            docs: quote!(#[doc = #summary] #(#docs)*),
        });
    }
    for neuron in &model.neurons {
        let h = neuron.text();
        let z_doc = format!(
            " `z_{h} = {}`, the pre-activation of `{h}`.",
            sum_text(model, neuron)
        );
        let role = match neuron.role {
            Role::Hidden => "",
            Role::Output => " (an output)",
        };
        let h_doc = match &neuron.cell {
            None => format!(" `{h} = {}(z_{h})`{role}.", neuron.activation.name),
            Some(cell) => format!(
                " `{h}`, the new state of the `{}` cell: `{}(z_{h}, {h}.prev)`.",
                cell.kind.name(),
                cell.kind.name()
            ),
        };
        let docs = &neuron.docs;
        fields.push(TraceField {
            ident: names::pre_activation(&neuron.name),
            width: neuron.z_width(),
            docs: quote!(#[doc = #z_doc]),
        });
        if let Some(cell) = &neuron.cell {
            let (gates_doc, state) = match cell.kind {
                CellKind::Gru => (
                    format!(" The gates of `{h}`: r, z, n, then `W_hn {h}.prev + b_hn`."),
                    None,
                ),
                CellKind::Lstm => (
                    format!(" The gates of `{h}`: i, f, g, o, then `tanh c_{h}`."),
                    Some(format!(" The cell state `c` of `{h}`.")),
                ),
            };
            fields.push(TraceField {
                ident: gates_name(&neuron.name),
                width: neuron.width.map(|width| width * cell.kind.internals()),
                docs: quote!(#[doc = #gates_doc]),
            });
            if let Some(state_doc) = state {
                fields.push(TraceField {
                    ident: crate::model::cell_state_name(&neuron.name),
                    width: neuron.width,
                    docs: quote!(#[doc = #state_doc]),
                });
            }
        }
        fields.push(TraceField {
            ident: neuron.name.clone(),
            width: neuron.width,
            docs: quote!(#[doc = #h_doc] #(#docs)*),
        });
    }
    fields
}

/// The state of a recurrent network: the value of each node that some edge reads one time
/// step later.
fn state_fields(model: &Model) -> Vec<TraceField> {
    model
        .memories()
        .into_iter()
        .map(|memory| {
            let name = model.memory_name(memory);
            let summary = match memory {
                Memory::Value(_) => format!(
                    " `{0}` at the last step, which `{0}.prev` reads at the next.",
                    text(&name)
                ),
                Memory::CellState(index) => format!(
                    " The cell state `c` of `{}` at the last step.",
                    model.neurons[index].text()
                ),
            };
            TraceField {
                ident: name,
                width: model.memory_width(memory),
                docs: quote!(#[doc = #summary]),
            }
        })
        .collect()
}

/// A struct of values (`NetTrace`, `NetState`): the fields with their docs, `ZERO`, and
/// `Debug`, `PartialEq` and the flat view through `as_slice`; `order` is for the docs.
fn value_struct(
    ctx: &Context,
    name: &Ident,
    doc: &str,
    fields: &[TraceField],
    what: &str,
    order: &str,
) -> TokenStream {
    let Context {
        model,
        scalar,
        private,
        ..
    } = ctx;
    let vis = &model.vis;
    let declarations = fields.iter().map(|field| {
        let TraceField { ident, width, docs } = field;
        let ty = array_type(scalar, &node_shape(*width));
        quote!(#docs pub #ident: #ty,)
    });
    let zero = fields.iter().map(|field| {
        let (ident, zero) = (&field.ident, zeros(&node_shape(field.width)));
        quote!(#ident: #zero)
    });
    let descriptors = fields.iter().map(|field| {
        let name = text(&field.ident);
        let shape = node_shape(field.width)
            .into_iter()
            .map(Literal::usize_unsuffixed);
        quote!((#name, &[#(#shape),*]))
    });
    let name_text = text(name);
    let traits = debug_and_eq(
        name,
        &quote! {
            const FIELDS: &[(&::core::primitive::str, &[::core::primitive::usize])] =
                &[#(#descriptors),*];
            #private::debug_values(f, #name_text, FIELDS, self.as_slice())
        },
    );
    let len = fields.iter().map(|field| field.width.unwrap_or(1)).sum();
    let flat = flat_access(ctx, name, len, what, order);
    let derives = derives();
    quote! {
        #[doc = #doc]
        #derives
        #[repr(C)]
        #[allow(non_snake_case)]
        #vis struct #name {
            #(#declarations)*
        }

        #[allow(dead_code)]
        impl #name {
            /// Every value zero: where a forward pass starts.
            pub const ZERO: Self = Self { #(#zero,)* };
        }

        #[automatically_derived]
        impl ::core::default::Default for #name {
            /// Every value zero.
            #[inline]
            fn default() -> Self {
                Self::ZERO
            }
        }

        #traits
        #flat
    }
}

/// `NetTrace`: each input, and each neuron's pre-activation `z_h` and activation `h`; and
/// `NetState` for a recurrent network.
pub(crate) fn trace(ctx: &Context) -> TokenStream {
    let Context { model, name, .. } = ctx;
    let doc = format!(
        " Every value of one forward pass of a [`{}`]: its inputs, and each neuron's pre-activation `z` and activation. The backward pass reads them instead of recomputing.",
        text(name)
    );
    let order = if model.is_recurrent() {
        "in declaration order: the previous values read with `.prev`, the inputs, then each neuron's pre-activation and activation"
    } else {
        "in declaration order: the inputs, then each neuron's pre-activation and activation"
    };
    let trace = value_struct(
        ctx,
        &ctx.trace,
        &doc,
        &trace_fields(model),
        "value of the trace",
        order,
    );
    let Some(state) = &ctx.state else {
        return trace;
    };
    let doc = format!(
        " What a [`{}`] remembers from one time step to the next: the value of every node read with `.prev`. Zero at the start of a sequence. As gradients (`carry` in `backward_step`), `dJ/d` of these values; an input's entry stays as it is, since inputs get no gradient.",
        text(name)
    );
    let state = value_struct(
        ctx,
        state,
        &doc,
        &state_fields(model),
        "value of the state",
        "in declaration order, inputs first",
    );
    quote!(#trace #state)
}

/// The sum of a neuron as the notes write it: `w11 x1 + w21 x2 + b1`.
fn sum_text(model: &Model, neuron: &Neuron) -> String {
    let edges = neuron
        .edges
        .iter()
        .map(|edge| format!("{} {}", edge.weight.text(), model.edge_source_text(edge)));
    let bias = neuron.bias.iter().map(Parameter::text);
    edges.chain(bias).collect::<Vec<_>>().join(" + ")
}
