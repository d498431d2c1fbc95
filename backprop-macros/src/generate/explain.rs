//! `explain`: the forward and backward passes of one sample written out as the notes do,
//! every chain-rule link with its numbers, the fan-out sums named, and the update.
//!
//! Generated only with the `explain` feature (which `backprop-runtime`'s `explain` feature
//! turns on): it nearly doubles the generated code, and so the macro's and rustc's time.

use proc_macro2::TokenStream;
use quote::quote;

use super::backward::{self, Declare, Locals};
use super::context::Context;
use super::forward;
use crate::model::Model;

/// `pub fn explain(&self, input, target, learning_rate, out) -> fmt::Result`.
pub(crate) fn method(ctx: &Context) -> TokenStream {
    let Context {
        model,
        order,
        name,
        scalar,
        private,
        grads,
        trace,
        input_len,
        target,
        ..
    } = ctx;
    let read_inputs = forward::read_inputs(model);
    let show_inputs = show_inputs(model);
    let forward_steps = explained(forward::steps(model, order, forward::Pass::Trace));
    let loss_format = format!("  J = {} = {{:.6}}", model.loss.name());
    let mut locals = Locals::new(Declare::for_model(model));
    let backward_steps = explained(backward::steps(model, order, &mut locals));
    let declaration = locals.declaration();
    let updates = updates(model);
    // A recurrent network's explanation is of its first time step, from the zero state.
    let first_step = ctx.state.as_ref().map(|state| {
        quote! {
            let target = ::core::option::Option::Some(target);
            let carry = &mut #state::ZERO;
        }
    });

    let sequence = sequence_method(ctx);
    quote! {
        #sequence

        #[allow(dead_code)]
            impl #name {
                /// Writes the forward and backward pass of one sample as the backprop notes
                /// do: every value, every chain-rule link with its numbers, the fan-out
                /// sums, and the parameters after one step of gradient descent with
                /// `learning_rate`. The network itself is not changed.
                ///
                /// # Errors
                ///
                /// Whatever `out` reports.
                #[allow(non_snake_case, clippy::too_many_lines)]
                #[allow(clippy::approx_constant, clippy::eq_op, clippy::excessive_precision)] // formula constants and terms as the user wrote them
                pub fn explain<W: ::core::fmt::Write>(
                    &self,
                    input: &[#scalar; #input_len],
                    target: &#target,
                    learning_rate: #scalar,
                    __backprop_out: &mut W,
                ) -> ::core::fmt::Result {
                    #[allow(unused_imports)] // not every network calls every runtime module
                    use #private::{act, dense};
                    ::core::writeln!(__backprop_out, "forward")?;
                    let trace = &{
                        let mut trace = #trace::ZERO;
                        #read_inputs
                        #(#show_inputs)*
                        #(#forward_steps)*
                        trace
                    };
                    ::core::writeln!(__backprop_out, "loss")?;
                    ::core::writeln!(__backprop_out, #loss_format, trace.loss(target))?;
                    ::core::writeln!(__backprop_out, "backward")?;
                    let grads = &mut <#grads as ::core::default::Default>::default();
                    #first_step
                    #declaration
                    #(#backward_steps)*
                    ::core::writeln!(__backprop_out, "  (the inputs get no gradient: nothing adjusts them)")?;
                    ::core::writeln!(__backprop_out, "update, w = w - learning rate * dJ/dw")?;
                    #(#updates)*
                    ::core::result::Result::Ok(())
                }
            }
    }
}

/// For a recurrent network, `explain_sequence`: the forward pass step by step, the loss of
/// every step with a target, backpropagation through time from the last step back (each
/// `dJ/dh` with the share carried from the step after), and the update.
fn sequence_method(ctx: &Context) -> TokenStream {
    let Context {
        model,
        order,
        name,
        scalar,
        private,
        grads,
        trace,
        input_len,
        target,
        ..
    } = ctx;
    let Some(state) = &ctx.state else {
        return TokenStream::new();
    };
    let read_state = forward::read_state(model);
    let read_inputs = forward::read_inputs(model);
    let show_inputs = show_inputs(model);
    let forward_steps = explained(forward::steps(model, order, forward::Pass::Trace));
    let mut locals = Locals::new(Declare::for_model(model));
    let backward_steps = explained(backward::steps(model, order, &mut locals));
    let declaration = locals.declaration();
    let updates = updates(model);
    let loss_format = format!("  J(step {{}}) = {} = {{:.6}}", model.loss.name());
    let initial_gradient = explained_initial_gradient(model);
    quote! {
        #[allow(dead_code)]
        impl #name {
            /// Writes a whole sequence as the backprop notes would through time: the forward
            /// pass step by step, the loss of each step with a target, backpropagation through
            /// time from the last step back (each `dJ/dh` summing the loss now, the readers now
            /// and the share carried from the next step), and the parameters after one step of
            /// gradient descent with `learning_rate`. `traces` is a buffer at least as long as
            /// the sequence. The network itself is not changed.
            ///
            /// # Errors
            ///
            /// Whatever `out` reports; and for a malformed sequence (see
            /// `backprop_runtime::recurrent::check`) the reason is written to `out` and
            /// `fmt::Error` returned.
            #[allow(non_snake_case, clippy::too_many_lines)]
            #[allow(clippy::approx_constant, clippy::eq_op, clippy::excessive_precision)] // formula constants and terms as the user wrote them
            pub fn explain_sequence<W: ::core::fmt::Write>(
                &self,
                inputs: &[[#scalar; #input_len]],
                targets: #private::recurrent::Targets<'_, #target>,
                learning_rate: #scalar,
                traces: &mut [#trace],
                __backprop_out: &mut W,
            ) -> ::core::fmt::Result {
                #[allow(unused_imports)] // not every network calls every runtime module
                use #private::{act, dense};
                if let ::core::result::Result::Err(error) = #private::recurrent::check::<Self>(inputs, &targets, traces) {
                    ::core::writeln!(__backprop_out, "cannot explain this sequence: {}", error)?;
                    return ::core::result::Result::Err(::core::fmt::Error);
                }
                let steps = inputs.len();
                let mut state = self.initial_state();
                for t in 0..steps {
                    let input = &inputs[t];
                    ::core::writeln!(__backprop_out, "forward, step {}", t)?;
                    let mut trace = #trace::ZERO;
                    #read_state
                    #read_inputs
                    #(#show_inputs)*
                    #(#forward_steps)*
                    state = trace.state();
                    traces[t] = trace;
                }
                ::core::writeln!(__backprop_out, "loss, summed over the steps with a target")?;
                for t in 0..steps {
                    if let ::core::option::Option::Some(target) = targets.at(t, steps) {
                        ::core::writeln!(__backprop_out, #loss_format, t, traces[t].loss(target))?;
                    }
                }
                ::core::writeln!(__backprop_out, "backward through time, from the last step")?;
                let grads = &mut <#grads as ::core::default::Default>::default();
                let carry = &mut #state::ZERO;
                // Without `.rev()`: generated code calls no trait method by method syntax,
                // so it compiles where the prelude is not in scope.
                for back in 0..steps {
                    let t = steps - 1 - back;
                    ::core::writeln!(__backprop_out, "step {}", t)?;
                    let trace = &traces[t];
                    let target = targets.at(t, steps);
                    #declaration
                    #(#backward_steps)*
                }
                #initial_gradient
                ::core::writeln!(__backprop_out, "  (the inputs get no gradient: nothing adjusts them)")?;
                ::core::writeln!(__backprop_out, "update, w = w - learning rate * dJ/dw (dJ/dw summed over the steps)")?;
                #(#updates)*
                ::core::result::Result::Ok(())
            }
        }
    }
}

/// The gradient of each trainable initial value (what is carried out of the first step),
/// with its line.
fn explained_initial_gradient(model: &Model) -> TokenStream {
    let gradient = super::backward::initial_gradient(model);
    let lines = model.initials.iter().map(|initial| {
        let (parameter, h) = (&initial.parameter, &model.neurons[initial.neuron]);
        let format = format!(
            "  dJ/d{} = dJ/d{}.prev at the first step = {{:.4?}}",
            parameter.text(),
            h.text()
        );
        let field = &parameter.name;
        quote!(::core::writeln!(__backprop_out, #format, grads.#field)?;)
    });
    quote!(#gradient #(#lines)*)
}

/// Each input's value, as a line of the explanation.
fn show_inputs(model: &Model) -> Vec<TokenStream> {
    model
        .inputs
        .iter()
        .map(|input| {
            let field = &input.name;
            let format = format!("  {} = {{:.6?}}", input.text());
            quote!(::core::writeln!(__backprop_out, #format, trace.#field)?;)
        })
        .collect()
}

/// Each step's code followed by the line that explains it.
fn explained(steps: Vec<super::step::Step>) -> Vec<TokenStream> {
    steps
        .into_iter()
        .map(|step| {
            let (code, explain) = (step.code, step.explain);
            quote!(#code #explain)
        })
        .collect()
}

/// The update of every parameter, `w = w - learning_rate * dJ/dw`, with its numbers for a
/// single value.
fn updates(model: &Model) -> impl Iterator<Item = TokenStream> + '_ {
    model.parameters().map(|parameter| {
        let field = &parameter.name;
        let field_text = parameter.text();
        if parameter.shape.is_empty() {
            let format = format!("  {field_text} = {{:.6}} - {{}} * {{:.6}} = {{:.6}}");
            quote! {
                ::core::writeln!(
                    __backprop_out,
                    #format,
                    self.#field,
                    learning_rate,
                    grads.#field,
                    self.#field - learning_rate * grads.#field
                )?;
            }
        } else {
            let format = format!(
                "  {field_text} = {field_text} - {{}} * dJ/d{field_text} ({} values)",
                parameter.len()
            );
            quote!(::core::writeln!(__backprop_out, #format, learning_rate)?;)
        }
    })
}
