//! Inherent methods and trait impls that tie the passes together: flat parameter access,
//! loss, prediction, the SGD update and the runtime's `Network` trait.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::names;
use crate::model::Model;

/// The impl blocks of the network, its gradients and its trace.
pub(crate) fn impls(model: &Model, forward: TokenStream, backward: TokenStream) -> TokenStream {
    let name = &model.name;
    let scalar = model.scalar.tokens();
    let grads = names::grads_struct(name);
    let trace = names::trace_struct(name);
    let input_count = Literal::usize_unsuffixed(model.inputs.len());
    let output_count = Literal::usize_unsuffixed(model.outputs().count());
    let fields = super::structs::parameter_fields(model);
    let parameter_count = Literal::usize_unsuffixed(fields.len());
    let layout = fields.iter().map(|(field, _)| {
        let field = field.to_string();
        quote!(::backprop_runtime::__private::ParameterInfo { name: #field, shape: &[] })
    });
    let outputs = model.outputs().map(|index| &model.neurons[index].name);
    let loss = model.loss.function();
    let network_name = name.to_string();
    let private = quote!(::backprop_runtime::__private);
    let flat = flat_access(&scalar, "parameter");
    let flat_grads = flat_access(&scalar, "gradient");

    quote! {
        // Sound use of `as_flat`: both structs are `#[repr(C)]` and hold only `#scalar`s.
        const _: () = ::core::assert!(
            #private::size_of::<#name>() == #parameter_count * #private::size_of::<#scalar>()
        );

        #[allow(dead_code)] // a network need not use every generated method
        impl #name {
            /// How many input values the network reads.
            pub const INPUTS: ::core::primitive::usize = #input_count;
            /// How many output values the network produces.
            pub const OUTPUTS: ::core::primitive::usize = #output_count;
            /// How many trainable parameters (weights and biases) the network has.
            pub const PARAMS: ::core::primitive::usize = #parameter_count;

            #forward

            #backward

            /// The outputs for an input: the forward pass without the intermediate values.
            #[must_use]
            pub fn predict(&self, input: &[#scalar; #input_count]) -> [#scalar; #output_count] {
                self.forward(input).output()
            }

            /// The loss `J` of the network on one sample.
            #[must_use]
            pub fn loss(&self, input: &[#scalar; #input_count], target: &[#scalar; #output_count]) -> #scalar {
                self.forward(input).loss(target)
            }

            /// Gradient descent: `w = w - learning_rate * dJ/dw` for every parameter.
            pub fn sgd_step(&mut self, grads: &#grads, learning_rate: #scalar) {
                #private::sgd_update(self, grads, learning_rate);
            }

            /// One step of stochastic gradient descent on one sample: forward, loss,
            /// backward, update. Returns the loss before the update.
            ///
            /// # Errors
            ///
            /// If the learning rate is negative or not finite, or the loss or any gradient
            /// is NaN or infinite; the parameters are then left unchanged.
            pub fn train_step(
                &mut self,
                input: &[#scalar; #input_count],
                target: &[#scalar; #output_count],
                learning_rate: #scalar,
            ) -> #private::Result<#scalar, #private::Error> {
                #private::train_step(self, input, target, learning_rate)
            }

            #flat
        }

        #[allow(dead_code)]
        impl #grads {
            #flat_grads
        }

        #[allow(dead_code)]
        impl #trace {
            /// The outputs of this forward pass, in declaration order.
            #[must_use]
            pub fn output(&self) -> [#scalar; #output_count] {
                [#(self.#outputs),*]
            }

            /// The loss `J` of this forward pass against the target of each output.
            #[must_use]
            pub fn loss(&self, target: &[#scalar; #output_count]) -> #scalar {
                #private::loss::#loss(&self.output(), target)
            }
        }

        #[automatically_derived]
        impl #private::Parameters for #name {
            type Scalar = #scalar;
            const LEN: ::core::primitive::usize = #parameter_count;
            const LAYOUT: &'static [#private::ParameterInfo] = &[#(#layout),*];
            fn as_slice(&self) -> &[#scalar] {
                #name::as_slice(self)
            }
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
            fn as_slice(&self) -> &[#scalar] {
                #grads::as_slice(self)
            }
            fn as_mut_slice(&mut self) -> &mut [#scalar] {
                #grads::as_mut_slice(self)
            }
        }

        #[automatically_derived]
        impl #private::Network for #name {
            type Grads = #grads;
            type Trace = #trace;
            type Input = [#scalar; #input_count];
            type Output = [#scalar; #output_count];
            type Target = [#scalar; #output_count];
            const NAME: &'static ::core::primitive::str = #network_name;
            const INPUTS: ::core::primitive::usize = #input_count;
            const OUTPUTS: ::core::primitive::usize = #output_count;
            fn forward(&self, input: &Self::Input) -> #trace {
                #name::forward(self, input)
            }
            fn output(trace: &#trace) -> Self::Output {
                trace.output()
            }
            fn loss(trace: &#trace, target: &Self::Target) -> #scalar {
                trace.loss(target)
            }
            fn backward(&self, trace: &#trace, target: &Self::Target) -> #grads {
                #name::backward(self, trace, target)
            }
        }
    }
}

/// `as_slice` and `as_mut_slice` for a `#[repr(C)]` struct of scalars, one `what` each.
fn flat_access(scalar: &TokenStream, what: &str) -> TokenStream {
    let doc = format!(
        " Every {what} as one slice, without copying, in declaration order: each neuron's weights in the order of its sum, then its bias."
    );
    let doc_mut = format!(
        " Every {what} as one mutable slice, without copying, in the order of [`Self::as_slice`]."
    );
    quote! {
        #[doc = #doc]
        #[must_use]
        pub fn as_slice(&self) -> &[#scalar] {
            // SAFETY: `Self` is `#[repr(C)]` and all its fields are scalars.
            unsafe { ::backprop_runtime::__private::as_flat(self) }
        }

        #[doc = #doc_mut]
        #[must_use]
        pub fn as_mut_slice(&mut self) -> &mut [#scalar] {
            // SAFETY: as for `as_slice`.
            unsafe { ::backprop_runtime::__private::as_flat_mut(self) }
        }
    }
}
