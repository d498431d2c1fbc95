//! The network's inherent API beside the two passes: sizes, `backward`, `predict`, `loss`,
//! the SGD updates, a classifier's `predict_class` and `probabilities`, and the trace's
//! `output` and `loss`.

use proc_macro2::TokenStream;
use quote::quote;

use super::context::Context;
use super::names;
use super::types::concat;
use crate::model::{Memory, NodeRef};

/// `impl Net { ... }` around the passes, and `impl NetTrace { output, loss }`.
pub(crate) fn methods(ctx: &Context, forward: TokenStream, backward: TokenStream) -> TokenStream {
    let Context {
        name,
        grads,
        trace,
        scalar,
        input_len,
        output_len,
        parameter_count,
        target,
        ..
    } = ctx;
    let dot = super::dot::dot(ctx.model);
    let classification = ctx.model.loss.is_categorical().then(|| classification(ctx));
    let trace_methods = trace_methods(ctx);
    let training = training_methods(ctx);
    let streaming = streaming(ctx);
    quote! {
        #[allow(dead_code)] // a network need not use every generated method
        impl #name {
            /// How many input values the network reads: the length of its input array.
            pub const INPUTS: ::core::primitive::usize = #input_len;
            /// How many output values the network produces: the length of its output array.
            pub const OUTPUTS: ::core::primitive::usize = #output_len;
            /// How many trainable scalars (weights and biases) the network has.
            pub const PARAMS: ::core::primitive::usize = #parameter_count;
            /// The network as a Graphviz graph: render it with `dot -Tsvg`.
            pub const DOT: &'static ::core::primitive::str = #dot;

            #forward

            #backward

            /// `dJ/dw` for every parameter, from a forward pass and its target.
            #[inline]
            #[must_use]
            pub fn backward(&self, trace: &#trace, target: &#target) -> #grads {
                // -0.0, not 0.0: `-0.0 + g` is exactly `g`, so the compiler drops the
                // additions of the accumulating pass (`0.0 + g` differs from `g` for g = -0.0).
                let mut grads = #grads::NEGATIVE_ZERO;
                self.backward_accumulate(trace, target, &mut grads);
                grads
            }

            /// The outputs for an input: the forward pass without the intermediate values.
            #[inline]
            #[must_use]
            pub fn predict(&self, input: &[#scalar; #input_len]) -> [#scalar; #output_len] {
                self.forward(input).output()
            }

            /// The loss `J` of the network on one sample.
            #[inline]
            #[must_use]
            pub fn loss(&self, input: &[#scalar; #input_len], target: &#target) -> #scalar {
                self.forward(input).loss(target)
            }

            #training

            #classification

            #streaming
        }

        #trace_methods
    }
}

/// `sgd_step`, `train_step` and `train_batch`.
fn training_methods(ctx: &Context) -> TokenStream {
    let Context {
        grads,
        target,
        scalar,
        private,
        input_len,
        model,
        ..
    } = ctx;
    let (train_step, fused_note) = if super::fused::applies(model) {
        (
            quote!(#private::fused_train_step(self, input, target, learning_rate)),
            quote! {
                ///
                /// Fused, as it would be written by hand: every `dJ/dz` with the old weights,
                /// then each weight updated in place, with no gradient struct; the same numbers
                /// as [`Self::backward`] then [`Self::sgd_step`].
            },
        )
    } else {
        (
            quote!(#private::train_step(self, input, target, learning_rate)),
            TokenStream::new(),
        )
    };
    let batch_pass = super::batch::applies(model).then(|| super::batch::method(ctx));
    quote! {
        /// Gradient descent: `w = w - learning_rate * dJ/dw` for every parameter.
        #[inline]
        pub fn sgd_step(&mut self, grads: &#grads, learning_rate: #scalar) {
            #private::sgd_update(self, grads, learning_rate);
        }

        /// One step of stochastic gradient descent on one sample: forward, loss,
        /// backward, update. Returns the loss before the update.
        #fused_note
        ///
        /// # Errors
        ///
        /// If the learning rate is negative or not finite, the target is invalid, or
        /// the loss or any gradient is NaN or infinite; the parameters are then left
        /// unchanged.
        #[inline]
        pub fn train_step(
            &mut self,
            input: &[#scalar; #input_len],
            target: &#target,
            learning_rate: #scalar,
        ) -> #private::Result<#scalar, #private::Error> {
            #train_step
        }

        /// One step of mini-batch gradient descent: the mean gradient over the batch,
        /// then one update. Returns the mean loss before the update. Allocates nothing.
        ///
        /// # Errors
        ///
        /// As [`Self::train_step`], and if the batch is empty or `targets` and
        /// `inputs` differ in length; the parameters are then left unchanged.
        #[inline]
        pub fn train_batch(
            &mut self,
            inputs: &[[#scalar; #input_len]],
            targets: &[#target],
            learning_rate: #scalar,
        ) -> #private::Result<#scalar, #private::Error> {
            #private::train_batch(self, inputs, targets, learning_rate)
        }

        #batch_pass
    }
}

/// A recurrent network's `step`: one time step of a stream, keeping the state.
fn streaming(ctx: &Context) -> TokenStream {
    let Context {
        model,
        scalar,
        input_len,
        output_len,
        state,
        ..
    } = ctx;
    let Some(state) = state else {
        return TokenStream::new();
    };
    let stream_body = super::forward::stream_body(ctx);
    let fields = model.memories().into_iter().map(|memory| {
        let name = model.memory_name(memory);
        let initial = match memory {
            Memory::Value(NodeRef::Neuron(index)) => model.initial_of(index),
            _ => None,
        };
        match initial {
            Some(parameter) => {
                let parameter = &parameter.name;
                quote!(#name: self.#parameter)
            }
            None => {
                let zero =
                    super::types::zeros(&super::types::node_shape(model.memory_width(memory)));
                quote!(#name: #zero)
            }
        }
    });
    let backward_steps =
        super::through_time::applies(model).then(|| super::through_time::method(ctx));
    quote! {
        #backward_steps

        /// The state a sequence starts from: each trainable initial value (`initial h = h0;`),
        /// zero for everything else.
        #[inline]
        #[must_use]
        pub fn initial_state(&self) -> #state {
            #state { #(#fields),* }
        }

        /// One time step of a stream: the outputs for this step's input, reading and then
        /// updating `state` (start from [`Self::initial_state`]). Allocates nothing
        /// and takes the same time at every call: fit for a real-time thread. The same
        /// numbers as a forward pass over the whole sequence.
        #[inline]
        #[allow(clippy::approx_constant, clippy::eq_op, clippy::excessive_precision)] // formula constants and terms as the user wrote them
        pub fn step(&self, state: &mut #state, input: &[#scalar; #input_len]) -> [#scalar; #output_len] {
            #stream_body
        }
    }
}

/// A recurrent network's `NetTrace::state`: the state after the step.
fn trace_state(ctx: &Context) -> TokenStream {
    let Context { model, state, .. } = ctx;
    let Some(state) = state else {
        return TokenStream::new();
    };
    let fields: Vec<_> = model
        .memories()
        .into_iter()
        .map(|memory| model.memory_name(memory))
        .collect();
    quote! {
        /// The state after this step: the value of every node read with `.prev`, for the
        /// next step to read.
        #[inline]
        #[must_use]
        pub fn state(&self) -> #state {
            #state { #(#fields: self.#fields),* }
        }
    }
}

/// `impl NetTrace { output, loss }`.
fn trace_methods(ctx: &Context) -> TokenStream {
    let Context {
        trace,
        scalar,
        private,
        output_len,
        target,
        model,
        ..
    } = ctx;
    let outputs_of = |field: fn(&proc_macro2::Ident) -> TokenStream| {
        let parts: Vec<_> = model
            .outputs()
            .map(|index| {
                let neuron = &model.neurons[index];
                (field(&neuron.name), neuron.width)
            })
            .collect();
        concat(&parts, model.output_len())
    };
    let outputs = outputs_of(|name| quote!(self.#name));
    let logits = outputs_of(|name| {
        let z = names::pre_activation(name);
        quote!(self.#z)
    });
    let loss_value = model.loss.value(
        private,
        &quote!(self.output()),
        &quote!(#logits),
        model.precision,
    );
    let state = trace_state(ctx);
    quote! {
        #[allow(dead_code)]
        impl #trace {
            /// The outputs of this forward pass, concatenated in declaration order.
            #[inline]
            #[must_use]
            pub fn output(&self) -> [#scalar; #output_len] {
                #outputs
            }

            /// The loss `J` of this forward pass against its target.
            #[inline]
            #[must_use]
            pub fn loss(&self, target: &#target) -> #scalar {
                #loss_value
            }

            #state
        }
    }
}

/// `predict_class` and `probabilities` for a softmax classifier.
fn classification(ctx: &Context) -> TokenStream {
    let Context {
        scalar,
        private,
        input_len,
        ..
    } = ctx;
    quote! {
        /// The most probable class for an input: the index of the largest output (the first
        /// on ties), or `None` if an output is NaN (a NaN input or parameter).
        #[inline]
        #[must_use]
        pub fn predict_class(
            &self,
            input: &[#scalar; #input_len],
        ) -> ::core::option::Option<::core::primitive::usize> {
            #private::loss::argmax(&self.predict(input))
        }

        /// The probability of each class for an input: the softmax of the outputs.
        #[inline]
        #[must_use]
        pub fn probabilities(&self, input: &[#scalar; #input_len]) -> [#scalar; Self::OUTPUTS] {
            #private::loss::softmax(&self.predict(input))
        }
    }
}
