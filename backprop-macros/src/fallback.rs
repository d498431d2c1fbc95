//! What is emitted beside the errors of a network that failed to check: stand-ins for the
//! four types, their methods and trait impls, so that code using the network reports no
//! follow-on errors while the network's own errors are fixed.
//!
//! Sizes are unknown when the network has errors, so the methods take any input (`&I`) and
//! return slices; every body is `unimplemented!`, since nothing can run before the errors
//! are fixed.

use proc_macro2::TokenStream;
use quote::quote;

use crate::generate::{
    columns_struct, grads_struct, is_companion_name, state_struct, trace_struct,
};
use crate::parse::Header;

/// The stand-ins for `header`'s network, or nothing when the network's name is itself the
/// error (a stand-in would collide just as the network would).
pub(crate) fn stub(header: &Header) -> TokenStream {
    let Header {
        attrs, vis, name, ..
    } = header;
    if is_companion_name(name) {
        return TokenStream::new();
    }
    let grads = grads_struct(name);
    let trace = trace_struct(name);
    // Whether the network is recurrent is not known before it checks, so the state's
    // stand-in is always there.
    let state = state_struct(name);
    let columns = columns_struct(name);
    let scalar = scalar(header);
    let runtime = header.runtime_path();
    let private = quote!(#runtime::__private);
    let derives = quote! {
        #[derive(
            ::core::clone::Clone,
            ::core::marker::Copy,
            ::core::default::Default,
            ::core::fmt::Debug,
            ::core::cmp::PartialEq,
        )]
        #[allow(dead_code)] // only a stand-in while the errors above are fixed
    };
    let body = quote!(::core::unimplemented!(
        "`network!` reported errors for this network"
    ));
    let result = quote!(#private::Result<#scalar, #private::Error>);
    let traits = trait_stubs(&StubNames {
        name,
        grads: &grads,
        trace: &trace,
        state: &state,
        columns: &columns,
        scalar: &scalar,
        private: &private,
        body: &body,
    });
    quote! {
        #(#attrs)*
        #derives
        #vis struct #name {}
        #derives
        #vis struct #grads {}
        #derives
        #vis struct #trace {}
        #derives
        #vis struct #state {}
        #derives
        #vis struct #columns {}

        #[allow(dead_code, unused_variables, clippy::all, clippy::pedantic)]
        const _: () = {
            impl #name {
                pub const INPUTS: ::core::primitive::usize = 0;
                pub const OUTPUTS: ::core::primitive::usize = 0;
                pub const PARAMS: ::core::primitive::usize = 0;
                pub const DOT: &'static ::core::primitive::str = "";
                pub fn forward<I: ?::core::marker::Sized>(&self, input: &I) -> #trace { #body }
                pub fn backward<T: ?::core::marker::Sized>(&self, trace: &#trace, target: &T) -> #grads { #body }
                pub fn backward_accumulate<T: ?::core::marker::Sized>(&self, trace: &#trace, target: &T, grads: &mut #grads) { #body }
                pub fn predict<I: ?::core::marker::Sized>(&self, input: &I) -> &'static [#scalar] { #body }
                pub fn loss<I: ?::core::marker::Sized, T: ?::core::marker::Sized>(&self, input: &I, target: &T) -> #scalar { #body }
                pub fn sgd_step(&mut self, grads: &#grads, learning_rate: #scalar) { #body }
                pub fn train_step<I: ?::core::marker::Sized, T: ?::core::marker::Sized>(&mut self, input: &I, target: &T, learning_rate: #scalar) -> #result { #body }
                pub fn train_batch<I, T>(&mut self, inputs: &[I], targets: &[T], learning_rate: #scalar) -> #result { #body }
                pub fn predict_class<I: ?::core::marker::Sized>(&self, input: &I) -> ::core::option::Option<::core::primitive::usize> { #body }
                pub fn probabilities<I: ?::core::marker::Sized>(&self, input: &I) -> &'static [#scalar] { #body }
                pub fn as_slice(&self) -> &[#scalar] { &[] }
                pub fn as_mut_slice(&mut self) -> &mut [#scalar] { &mut [] }
                pub fn forward_step<I: ?::core::marker::Sized>(&self, state: &#state, input: &I) -> #trace { #body }
                pub fn backward_step<T: ?::core::marker::Sized>(&self, trace: &#trace, target: ::core::option::Option<&T>, carry: &mut #state, grads: &mut #grads) { #body }
                pub fn step<I: ?::core::marker::Sized>(&self, state: &mut #state, input: &I) -> &'static [#scalar] { #body }
                pub fn initial_state(&self) -> #state { #body }
            }

            impl #state {
                pub const ZERO: Self = Self {};
                pub fn as_slice(&self) -> &[#scalar] { &[] }
                pub fn as_mut_slice(&mut self) -> &mut [#scalar] { &mut [] }
            }

            impl #grads {
                pub const NEGATIVE_ZERO: Self = Self {};
                pub fn as_slice(&self) -> &[#scalar] { &[] }
                pub fn as_mut_slice(&mut self) -> &mut [#scalar] { &mut [] }
            }

            impl #trace {
                pub const ZERO: Self = Self {};
                pub fn output(&self) -> &'static [#scalar] { #body }
                pub fn loss<T: ?::core::marker::Sized>(&self, target: &T) -> #scalar { #body }
                pub fn state(&self) -> #state { #body }
                pub fn as_slice(&self) -> &[#scalar] { &[] }
                pub fn as_mut_slice(&mut self) -> &mut [#scalar] { &mut [] }
            }

            #traits

            #runtime::__with_alloc! {
                impl #name {
                    pub fn boxed() -> #private::Box<Self> { #body }
                }
                impl #grads {
                    pub fn boxed() -> #private::Box<Self> { #body }
                }
            }
        };
    }
}

/// The names every stand-in refers to.
struct StubNames<'a> {
    name: &'a syn::Ident,
    grads: &'a syn::Ident,
    trace: &'a syn::Ident,
    state: &'a syn::Ident,
    columns: &'a syn::Ident,
    scalar: &'a TokenStream,
    private: &'a TokenStream,
    body: &'a TokenStream,
}

/// `Parameters` for the network and its gradients, and `Network`, as stand-ins.
fn trait_stubs(names: &StubNames) -> TokenStream {
    let StubNames {
        name,
        grads,
        trace,
        state,
        columns,
        scalar,
        private,
        body,
    } = names;
    quote! {
        impl #private::Parameters for #name {
            type Scalar = #scalar;
            const LEN: ::core::primitive::usize = 0;
            const LAYOUT: &'static [#private::ParameterInfo] = &[];
            fn as_slice(&self) -> &[#scalar] { &[] }
            fn as_mut_slice(&mut self) -> &mut [#scalar] { &mut [] }
        }

        impl #private::Parameters for #grads {
            type Scalar = #scalar;
            const LEN: ::core::primitive::usize = 0;
            const LAYOUT: &'static [#private::ParameterInfo] = &[];
            fn as_slice(&self) -> &[#scalar] { &[] }
            fn as_mut_slice(&mut self) -> &mut [#scalar] { &mut [] }
        }

        // SAFETY: zero-sized, and `LEN` is 0.
        unsafe impl #private::FlatLayout for #name {}
        // SAFETY: as above.
        unsafe impl #private::FlatLayout for #grads {}

        impl #private::Network for #name {
            type Grads = #grads;
            type Trace = #trace;
            type Input = [#scalar; 0];
            type Output = [#scalar; 0];
            type Target = [#scalar; 0];
            const NAME: &'static ::core::primitive::str = "";
            const INPUTS: ::core::primitive::usize = 0;
            const OUTPUTS: ::core::primitive::usize = 0;
            const DOT: &'static ::core::primitive::str = "";
            fn forward(&self, input: &Self::Input) -> #trace { #body }
            fn output(trace: &#trace) -> Self::Output { #body }
            fn trace_loss(trace: &#trace, target: &Self::Target) -> #scalar { #body }
            fn backward_accumulate(&self, trace: &#trace, target: &Self::Target, grads: &mut #grads) { #body }
        }

        impl #private::Recurrent for #name {
            type State = #state;
            fn forward_step(&self, state: &#state, input: &Self::Input) -> #trace { #body }
            fn state_after(trace: &#trace) -> #state { #body }
            fn backward_step(&self, trace: &#trace, target: ::core::option::Option<&Self::Target>, carry: &mut #state, grads: &mut #grads) { #body }
        }

        impl #private::Streaming for #name {
            type Columns = #columns;
            fn columns(&self) -> #columns { #body }
            fn step_by_columns(&self, columns: &#columns, state: &mut #state, input: &Self::Input) -> Self::Output { #body }
        }
    }
}

/// The scalar type as written when it is `f32` or `f64`, else `f64` (the type itself is then
/// one of the reported errors).
fn scalar(header: &Header) -> TokenStream {
    let written = &header.scalar;
    match quote!(#written).to_string().as_str() {
        "f32" => quote!(::core::primitive::f32),
        _ => quote!(::core::primitive::f64),
    }
}
