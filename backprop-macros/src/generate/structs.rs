//! The three structs of a network: parameters, gradients and the forward trace.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::names;
use super::types::{array_type, filled, node_shape, zeros};
use crate::model::{Model, Neuron, Parameter};
use crate::parse::Role;

/// The derives every generated struct gets, by absolute path. `Default`, `Debug` and
/// `PartialEq` are written by hand: the standard library implements `Default` only for
/// arrays of up to 32 elements, and the derived `Debug` and `PartialEq` nest one call or one
/// `&&` per field, which overflows rustc's stack for networks of thousands of weights.
fn derives() -> TokenStream {
    quote! {
        #[derive(::core::clone::Clone, ::core::marker::Copy)]
    }
}

/// `Debug` and `PartialEq` through the struct's flat view (`as_slice`) and the list of its
/// fields: a few lines whatever the size of the network.
pub(crate) fn debug_and_eq(name: &Ident, fields: &TokenStream) -> TokenStream {
    let name_text = name.to_string();
    quote! {
        #[automatically_derived]
        impl ::core::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::backprop_runtime::__private::debug_fields(f, #name_text, #fields, self.as_slice())
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

/// The doc of a parameter field: which edge it weighs, or whose bias it is.
fn parameter_doc(model: &Model, neuron: &Neuron, parameter: &Parameter) -> String {
    let is_bias = neuron
        .bias
        .as_ref()
        .is_some_and(|bias| bias.name == parameter.name);
    let shape = match parameter.shape.as_slice() {
        [] => String::new(),
        [n] => format!(" ({n} values)"),
        [n, m] => format!(" ({n} x {m}: row `j` feeds element `j`)"),
        _ => String::new(),
    };
    if is_bias {
        return format!(" Bias of `{}`{shape}.", neuron.name);
    }
    let edge = neuron
        .edges
        .iter()
        .find(|edge| edge.weight.name == parameter.name);
    let source = edge.map(|edge| {
        let name = model.node_name(edge.source);
        match edge.index {
            Some(index) => format!("{name}[{index}]"),
            None => name.to_string(),
        }
    });
    format!(
        " Weight on the edge `{} -> {}`{shape}.",
        source.unwrap_or_default(),
        neuron.name
    )
}

/// `(field, type, doc)` for every parameter, in flat order.
fn parameter_fields(model: &Model) -> Vec<(&Ident, TokenStream, String)> {
    let scalar = model.scalar.tokens();
    model
        .neurons
        .iter()
        .flat_map(|neuron| {
            neuron
                .edges
                .iter()
                .map(|edge| &edge.weight)
                .chain(&neuron.bias)
                .map(move |parameter| (neuron, parameter))
        })
        .map(|(neuron, parameter)| {
            (
                &parameter.name,
                array_type(&scalar, &parameter.shape),
                parameter_doc(model, neuron, parameter),
            )
        })
        .collect()
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

/// `pub struct Net { pub w11: f64, pub W1: [[f64; 64]; 32], ... }`, carrying the user's
/// attributes, and its twin `NetGrads` holding `dJ/dw` for every field. `Default` is zero.
pub(crate) fn parameters_and_grads(model: &Model) -> TokenStream {
    let Model {
        attrs, vis, name, ..
    } = model;
    let grads = names::grads_struct(name);
    let fields = parameter_fields(model);
    let field_names: Vec<_> = fields.iter().map(|(field, ..)| field).collect();
    let field_types: Vec<_> = fields.iter().map(|(_, ty, _)| ty).collect();
    let field_docs = fields.iter().map(|(.., doc)| doc);
    let grad_docs = field_names.iter().map(|field| format!(" `dJ/d{field}`."));
    let grads_doc = format!(
        " The gradient of the loss of a [`{name}`] with respect to each of its parameters, field by field."
    );
    let derives = derives();
    let net_default = zero_default(name, model);
    let grads_default = zero_default(&grads, model);
    let grads_negative_zero = negative_zero(&grads, model);
    let layout_fields = quote! {
        <#name as ::backprop_runtime::__private::Parameters>::LAYOUT
            .iter()
            .map(|p| ::backprop_runtime::__private::Field { name: p.name, shape: p.shape })
    };
    let net_traits = debug_and_eq(name, &layout_fields);
    let grads_traits = debug_and_eq(&grads, &layout_fields);
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
    }
}

/// `NetTrace`: each input, and each neuron's pre-activation `z_h` and activation `h`.
pub(crate) fn trace(model: &Model) -> TokenStream {
    let Model { vis, name, .. } = model;
    let scalar = model.scalar.tokens();
    let trace = names::trace_struct(name);
    let doc = format!(
        " Every value of one forward pass of a [`{name}`]: its inputs, and each neuron's pre-activation `z` and activation. The backward pass reads them instead of recomputing."
    );
    let inputs = model.inputs.iter().map(|input| {
        let field = &input.name;
        let ty = array_type(&scalar, &node_shape(input.width));
        let docs = &input.docs;
        let summary = format!(" Input `{field}`.");
        quote!(#[doc = #summary] #(#docs)* pub #field: #ty,)
    });
    let neurons = model.neurons.iter().map(|neuron| {
        let field = &neuron.name;
        let ty = array_type(&scalar, &node_shape(neuron.width));
        let z = names::pre_activation(field);
        let z_doc = format!(
            " `{z} = {}`, the pre-activation of `{field}`.",
            sum_text(model, neuron)
        );
        let role = match neuron.role {
            Role::Hidden => "",
            Role::Output => " (an output)",
        };
        let h_doc = format!(" `{field} = {}({z})`{role}.", neuron.activation.name);
        let docs = &neuron.docs;
        quote! {
            #[doc = #z_doc] pub #z: #ty,
            #[doc = #h_doc] #(#docs)* pub #field: #ty,
        }
    });
    let derives = derives();
    let fields = model
        .inputs
        .iter()
        .map(|input| (input.name.clone(), input.width))
        .chain(model.neurons.iter().flat_map(|neuron| {
            [
                (names::pre_activation(&neuron.name), neuron.width),
                (neuron.name.clone(), neuron.width),
            ]
        }))
        .map(|(field, width)| {
            let field = field.to_string();
            let shape = node_shape(width)
                .into_iter()
                .map(proc_macro2::Literal::usize_unsuffixed);
            quote!(::backprop_runtime::__private::Field { name: #field, shape: &[#(#shape),*] })
        });
    let traits = debug_and_eq(&trace, &quote!([#(#fields),*]));
    let flat = super::impls::flat_access(
        &scalar,
        "value of the trace",
        "in declaration order: the inputs, then each neuron's pre-activation and activation",
    );
    quote! {
        #[doc = #doc]
        #derives
        #[repr(C)]
        #[allow(non_snake_case)]
        #vis struct #trace {
            #(#inputs)*
            #(#neurons)*
        }

        #traits

        #[allow(dead_code)]
        impl #trace {
            #flat
        }
    }
}

/// The sum of a neuron as the notes write it: `w11 x1 + w21 x2 + b1`.
fn sum_text(model: &Model, neuron: &Neuron) -> String {
    let edges = neuron.edges.iter().map(|edge| {
        let source = model.node_name(edge.source);
        match edge.index {
            Some(index) => format!("{} {source}[{index}]", edge.weight.name),
            None => format!("{} {source}", edge.weight.name),
        }
    });
    let bias = neuron.bias.iter().map(|bias| bias.name.to_string());
    edges.chain(bias).collect::<Vec<_>>().join(" + ")
}
