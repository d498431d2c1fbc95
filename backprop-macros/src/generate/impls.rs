//! Inherent methods and trait impls that tie the passes together: flat parameter access,
//! loss, prediction, the SGD updates and the runtime's `Network` trait.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::names;
use super::types::concat;
use crate::model::{text, Model};

/// The impl blocks of the network, its gradients and its trace.
pub(crate) fn impls(model: &Model, forward: TokenStream, backward: TokenStream) -> TokenStream {
    let name = &model.name;
    let scalar = model.scalar.tokens();
    let private = model.private();
    let grads = names::grads_struct(name);
    let trace = names::trace_struct(name);
    let input_len = Literal::usize_unsuffixed(model.input_len());
    let output_len = Literal::usize_unsuffixed(model.output_len());
    let target = model
        .loss
        .target_type(&private, &scalar, &quote!(#output_len));
    let parameter_count = Literal::usize_unsuffixed(model.parameters().map(|p| p.len()).sum());
    let layout = model.neurons.iter().flat_map(|neuron| {
        let fan_in: usize = neuron
            .edges
            .iter()
            .map(|edge| match edge.index {
                Some(_) => 1,
                None => model.node_width(edge.source).unwrap_or(1),
            })
            .sum();
        let fan_in = Literal::usize_unsuffixed(fan_in);
        let fan_out = Literal::usize_unsuffixed(neuron.width.unwrap_or(1));
        let weights = neuron
            .edges
            .iter()
            .map(|edge| (&edge.weight, quote!(Weight)));
        let bias = neuron.bias.iter().map(|bias| (bias, quote!(Bias)));
        weights.chain(bias).map(move |(parameter, kind)| {
            let field = parameter.text();
            let shape = parameter
                .shape
                .iter()
                .map(|&size| Literal::usize_unsuffixed(size));
            quote!(Info::new(#field, &[#(#shape),*], #kind, #fan_in, #fan_out))
        })
    });
    let outputs_of = |prefix: fn(&proc_macro2::Ident) -> TokenStream| {
        let parts: Vec<_> = model
            .outputs()
            .map(|index| {
                let neuron = &model.neurons[index];
                (prefix(&neuron.name), neuron.width)
            })
            .collect();
        concat(&parts, model.output_len())
    };
    let outputs = outputs_of(|name| quote!(self.#name));
    let logits = outputs_of(|name| {
        let z = names::pre_activation(name);
        quote!(self.#z)
    });
    let loss_value = model
        .loss
        .value(&private, &quote!(self.output()), &quote!(#logits));
    let network_name = text(name);
    let runtime = &model.runtime;
    let dot = super::dot::dot(model);
    let classification = model
        .loss
        .is_categorical()
        .then(|| classification(&private, &scalar, &input_len));
    let validate_target = model.loss.is_categorical().then(|| {
        quote! {
            #[inline]
            fn validate_target(target: &Self::Target) -> #private::Result<(), #private::Error> {
                target.validate()
            }
        }
    });

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

            /// Gradient descent: `w = w - learning_rate * dJ/dw` for every parameter.
            #[inline]
            pub fn sgd_step(&mut self, grads: &#grads, learning_rate: #scalar) {
                #private::sgd_update(self, grads, learning_rate);
            }

            /// One step of stochastic gradient descent on one sample: forward, loss,
            /// backward, update. Returns the loss before the update.
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
                #private::train_step(self, input, target, learning_rate)
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

            #classification
        }

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
        }

        #runtime::__impl_serde!(#name);
        #runtime::__impl_serde!(#grads);

        #[automatically_derived]
        impl #private::Parameters for #name {
            type Scalar = #scalar;
            const LEN: ::core::primitive::usize = #parameter_count;
            const LAYOUT: &'static [#private::ParameterInfo] = {
                use #private::{
                    ParameterInfo as Info,
                    ParameterKind::{Bias, Weight},
                };
                &[#(#layout),*]
            };
            #[inline]
            fn as_slice(&self) -> &[#scalar] {
                #name::as_slice(self)
            }
            #[inline]
            fn as_mut_slice(&mut self) -> &mut [#scalar] {
                #name::as_mut_slice(self)
            }
        }

        #[automatically_derived]
        impl #private::Parameters for #grads {
            type Scalar = #scalar;
            const LEN: ::core::primitive::usize = #parameter_count;
            const LAYOUT: &'static [#private::ParameterInfo] =
                <#name as #private::Parameters>::LAYOUT;
            #[inline]
            fn as_slice(&self) -> &[#scalar] {
                #grads::as_slice(self)
            }
            #[inline]
            fn as_mut_slice(&mut self) -> &mut [#scalar] {
                #grads::as_mut_slice(self)
            }
        }

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
            const DOT: &'static ::core::primitive::str = #dot;
            #[inline]
            fn forward(&self, input: &Self::Input) -> #trace {
                #name::forward(self, input)
            }
            #[inline]
            fn output(trace: &#trace) -> Self::Output {
                trace.output()
            }
            #[inline]
            fn loss(trace: &#trace, target: &Self::Target) -> #scalar {
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
        }
    }
}

/// `predict_class` and `probabilities` for a softmax classifier.
fn classification(private: &TokenStream, scalar: &TokenStream, input_len: &Literal) -> TokenStream {
    quote! {
        /// The most probable class for an input: the index of the largest output.
        #[inline]
        #[must_use]
        pub fn predict_class(&self, input: &[#scalar; #input_len]) -> ::core::primitive::usize {
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
