//! The runtime's traits for a network: `Parameters` for the network and its gradients,
//! `Network` for the network, and (with the runtime's `serde` feature) serde's traits.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::context::Context;
use super::forward::Pass;
use super::layout;
use crate::model::text;

/// Every trait impl of the network and its gradients.
pub(crate) fn impls(ctx: &Context) -> TokenStream {
    let Context {
        name,
        grads,
        private,
        ..
    } = ctx;
    let runtime = &ctx.model.runtime;
    let entries = layout::entries(ctx.model);
    let layout = quote! {{
        use #private::{
            ParameterInfo as Info,
            ParameterKind::{Bias, Weight},
        };
        &[#(#entries),*]
    }};
    let network_parameters = parameters(ctx, name, &layout);
    let grads_parameters = parameters(ctx, grads, &quote!(<#name as #private::Parameters>::LAYOUT));
    let network = network(ctx);
    quote! {
        #runtime::__impl_serde!(#name);
        #runtime::__impl_serde!(#grads);
        #network_parameters
        #grads_parameters
        #network
    }
}

/// `impl Parameters for #ty`, its flat view through the inherent `as_slice`.
fn parameters(ctx: &Context, ty: &Ident, layout: &TokenStream) -> TokenStream {
    let Context {
        scalar,
        private,
        parameter_count,
        ..
    } = ctx;
    quote! {
        #[automatically_derived]
        impl #private::Parameters for #ty {
            type Scalar = #scalar;
            const LEN: ::core::primitive::usize = #parameter_count;
            const LAYOUT: &'static [#private::ParameterInfo] = #layout;
            #[inline]
            fn as_slice(&self) -> &[#scalar] {
                #ty::as_slice(self)
            }
            #[inline]
            fn as_mut_slice(&mut self) -> &mut [#scalar] {
                #ty::as_mut_slice(self)
            }
        }

        // SAFETY: `#ty` is `#[repr(C)]`, made of `#scalar`s only, and its size and alignment
        // are those of `LEN` `#scalar`s (asserted beside its declaration).
        unsafe impl #private::FlatLayout for #ty {}
    }
}

/// `impl Network for Net`, each method through the inherent one.
fn network(ctx: &Context) -> TokenStream {
    let Context {
        name,
        grads,
        trace,
        scalar,
        private,
        input_len,
        output_len,
        target,
        ..
    } = ctx;
    let network_name = text(name);
    let validate_target = ctx.model.loss.is_categorical().then(|| {
        quote! {
            #[inline]
            fn validate_target(target: &Self::Target) -> #private::Result<(), #private::Error> {
                target.validate()
            }
        }
    });
    let classifier = ctx.model.loss.is_categorical().then(|| {
        quote! {
            #[automatically_derived]
            impl #private::Classifier for #name {
                #[inline]
                fn predict_class(&self, input: &Self::Input) -> ::core::option::Option<::core::primitive::usize> {
                    #name::predict_class(self, input)
                }
                #[inline]
                fn probabilities(&self, input: &Self::Input) -> Self::Output {
                    #name::probabilities(self, input)
                }
                #[inline]
                fn target_class(target: &Self::Target) -> ::core::option::Option<::core::primitive::usize> {
                    target.class()
                }
            }
        }
    });
    let initial_gradient = super::backward::initial_gradient(ctx.model);
    // The generated chunked pass through time, which the runtime's training calls.
    let backward_steps = super::through_time::applies(ctx.model).then(|| {
        quote! {
            #[inline]
            fn backward_steps(
                &self,
                traces: &[#trace],
                targets: #private::recurrent::Targets<'_, Self::Target>,
                first: ::core::primitive::usize,
                carry: &mut Self::State,
                grads: &mut #grads,
            ) {
                #name::backward_steps(self, traces, targets, first, carry, grads);
            }
        }
    });
    // The lockstep pass through time, which the runtime's mini-batch training calls.
    let backward_steps_lanes =
        super::through_time::applies(ctx.model).then(|| super::through_time::lanes_method(ctx));
    // The generated lockstep forward pass, which the runtime's mini-batch training calls.
    let lanes = ctx
        .state
        .as_ref()
        .filter(|_| super::forward::lanes_apply(ctx.model))
        .map(|state| {
            let body = super::forward::lanes_body(ctx, Pass::Lanes);
            let by_columns = super::forward::lanes_body(ctx, Pass::LanesByColumns);
            let columns = super::names::columns_struct(name);
            quote! {
                #[inline]
                #[allow(clippy::approx_constant, clippy::eq_op, clippy::excessive_precision)] // formula constants and terms as the user wrote them
                fn forward_sequences_lanes(
                    &self,
                    inputs: [&[Self::Input]; #private::recurrent::LANES],
                    traces: [&mut [#trace]; #private::recurrent::LANES],
                ) {
                    // The copy by columns where it fits on the stack (decided at compile
                    // time); otherwise row by row, step after step.
                    if #private::size_of::<#columns>() <= #private::LOCKSTEP_COLUMNS_LIMIT {
                        #private::forward_lanes_by_columns(
                            self,
                            inputs,
                            traces,
                            |columns, states, inputs, mut traces| {
                                #by_columns
                            },
                        );
                    } else {
                        #private::forward_lanes_with(self, inputs, traces, |states, inputs, traces| {
                            #private::Recurrent::forward_step_lanes(self, states, inputs, traces);
                        });
                    }
                }
                #[inline]
                #[allow(clippy::approx_constant, clippy::eq_op, clippy::excessive_precision)] // formula constants and terms as the user wrote them
                fn forward_step_lanes(
                    &self,
                    states: [&#state; #private::recurrent::LANES],
                    inputs: [&Self::Input; #private::recurrent::LANES],
                    mut traces: [&mut #trace; #private::recurrent::LANES],
                ) {
                    #body
                }
            }
        });
    let recurrent = ctx.state.as_ref().map(|state| {
        quote! {
            #[automatically_derived]
            impl #private::Recurrent for #name {
                type State = #state;
                #[inline]
                fn forward_step(&self, state: &#state, input: &Self::Input) -> #trace {
                    #name::forward_step(self, state, input)
                }
                #[inline]
                fn initial_state(&self) -> #state {
                    #name::initial_state(self)
                }
                #[inline]
                fn state_after(trace: &#trace) -> #state {
                    trace.state()
                }
                #lanes
                #[inline]
                #[allow(unused_variables)] // without trainable initial values there is nothing to add
                fn initial_gradient(carry: &#state, grads: &mut #grads) {
                    #initial_gradient
                }
                #[inline]
                fn backward_step(
                    &self,
                    trace: &#trace,
                    target: ::core::option::Option<&Self::Target>,
                    carry: &mut #state,
                    grads: &mut #grads,
                ) {
                    #name::backward_step(self, trace, target, carry, grads);
                }
                #[inline]
                fn step(&self, state: &mut #state, input: &Self::Input) -> Self::Output {
                    #name::step(self, state, input)
                }
                #backward_steps
                #backward_steps_lanes
            }
        }
    });
    // The generated fused step, for generic code too (`Fit`, a user's training loop).
    let fused_train_step = super::fused::applies(ctx.model).then(|| {
        quote! {
            #[inline]
            fn train_step(
                &mut self,
                input: &Self::Input,
                target: &Self::Target,
                learning_rate: #scalar,
            ) -> #private::Result<#scalar, #private::Error> {
                #name::train_step(self, input, target, learning_rate)
            }
        }
    });
    let fused_step = super::fused::applies(ctx.model).then(|| super::fused::trait_impl(ctx));
    // The generated batch pass, which the runtime's mini-batch training calls.
    let batch_pass = super::batch::applies(ctx.model).then(|| {
        quote! {
            #[inline]
            fn accumulate_batch(
                &self,
                inputs: &[Self::Input],
                targets: &[Self::Target],
                scale: #scalar,
                grads: &mut #grads,
            ) -> #scalar {
                #name::accumulate_batch(self, inputs, targets, scale, grads)
            }
        }
    });
    quote! {
        #[automatically_derived]
        impl #private::Network for #name {
            type Grads = #grads;
            type Trace = #trace;
            type Input = [#scalar; #input_len];
            type Output = [#scalar; #output_len];
            type Target = #target;
            const NAME: &'static ::core::primitive::str = #network_name;
            const INPUTS: ::core::primitive::usize = #input_len;
            const OUTPUTS: ::core::primitive::usize = #output_len;
            const DOT: &'static ::core::primitive::str = #name::DOT;
            #[inline]
            fn forward(&self, input: &Self::Input) -> #trace {
                #name::forward(self, input)
            }
            #[inline]
            fn output(trace: &#trace) -> Self::Output {
                trace.output()
            }
            #[inline]
            fn trace_loss(trace: &#trace, target: &Self::Target) -> #scalar {
                trace.loss(target)
            }
            #[inline]
            fn backward_accumulate(&self, trace: &#trace, target: &Self::Target, grads: &mut #grads) {
                #name::backward_accumulate(self, trace, target, grads);
            }
            #[inline]
            fn backward(&self, trace: &#trace, target: &Self::Target) -> #grads {
                #name::backward(self, trace, target)
            }
            #validate_target
            #fused_train_step
            #batch_pass
        }

        #fused_step

        #classifier
        #recurrent
    }
}
