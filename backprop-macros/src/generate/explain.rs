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
    let show_inputs = model.inputs.iter().map(|input| {
        let field = &input.name;
        let format = format!("  {} = {{:.6?}}", input.text());
        quote!(::core::writeln!(__backprop_out, #format, trace.#field)?;)
    });
    let forward_steps = forward::steps(model, order).into_iter().map(|step| {
        let (code, explain) = (step.code, step.explain);
        quote!(#code #explain)
    });
    let loss_format = format!("  J = {} = {{:.6}}", model.loss.name());
    let mut locals = Locals::new(Declare::for_model(model));
    let backward_steps: Vec<TokenStream> = backward::steps(model, order, &mut locals)
        .into_iter()
        .map(|step| {
            let (code, explain) = (step.code, step.explain);
            quote!(#code #explain)
        })
        .collect();
    let declaration = locals.declaration();
    let updates = updates(model);
    // A recurrent network's explanation is of its first time step, from the zero state.
    let first_step = ctx.state.as_ref().map(|state| {
        quote! {
            let target = ::core::option::Option::Some(target);
            let carry = &mut #state::ZERO;
        }
    });

    quote! {
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
