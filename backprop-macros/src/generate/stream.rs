//! A recurrent network's streaming form (the runtime's `stream` module): `NetColumns`, its
//! weight matrices stored by columns, and `impl Streaming`, whose step is the stream's
//! forward pass with every product taken by columns.

use proc_macro2::TokenStream;
use quote::quote;

use super::context::Context;
use super::forward::{pass_body, Pass};
use super::names;
use super::types::array_type;
use crate::model::{text, Parameter};

/// The struct of matrices by columns, to emit beside the network's struct; empty for a
/// feed-forward network.
pub(crate) fn columns_struct(ctx: &Context) -> TokenStream {
    let Context {
        model,
        scalar,
        name,
        ..
    } = ctx;
    if ctx.state.is_none() {
        return TokenStream::new();
    }
    let vis = &model.vis;
    let columns = names::columns_struct(name);
    let fields = matrices(ctx).into_iter().map(|matrix| {
        let field = &matrix.name;
        let ty = array_type(scalar, &[matrix.shape[1], matrix.shape[0]]);
        quote!(#field: #ty,)
    });
    let doc = format!(
        " The weight matrices of a [`{}`] that a time step multiplies, each stored by columns (row `j` holding the weights on input `j`), for the runtime's `Stream`: made by `Streaming::columns`.",
        text(name)
    );
    quote! {
        #[doc = #doc]
        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug)]
        #[allow(non_snake_case)] // the matrices keep the user's names
        #vis struct #columns {
            #(#fields)*
        }
    }
}

/// `impl Streaming`, for the network's `const _` block; nothing for a feed-forward network.
pub(crate) fn streaming_impl(ctx: &Context) -> TokenStream {
    let Context { name, private, .. } = ctx;
    let Some(state) = &ctx.state else {
        return TokenStream::new();
    };
    let columns = names::columns_struct(name);
    let fields: Vec<_> = matrices(ctx)
        .into_iter()
        .map(|matrix| &matrix.name)
        .collect();
    let pass = pass_body(ctx, Pass::Columns, &TokenStream::new());
    quote! {
        #[automatically_derived]
        impl #private::Streaming for #name {
            type Columns = #columns;

            #[inline]
            fn columns(&self) -> #columns {
                #columns { #(#fields: #private::dense::transpose(&self.#fields),)* }
            }

            #[inline]
            #[allow(unused_variables)] // a network without matrices reads no columns
            #[allow(clippy::approx_constant, clippy::eq_op, clippy::excessive_precision)] // formula constants and terms as the user wrote them
            fn step_by_columns(
                &self,
                columns: &#columns,
                state: &mut #state,
                input: &Self::Input,
            ) -> Self::Output {
                #pass
                *state = trace.state();
                trace.output()
            }
        }
    }
}

/// Every weight matrix, in declaration order: the layers' edges from arrays and the cells'
/// `weight_hh`.
pub(crate) fn matrices<'a>(ctx: &Context<'a>) -> Vec<&'a Parameter> {
    ctx.model
        .parameters()
        .filter(|parameter| parameter.shape.len() == 2)
        .collect()
}
