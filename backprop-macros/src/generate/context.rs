//! What every emitter needs, computed once from the model: names, the scalar type, sizes,
//! the target type and the path to the runtime.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;

use super::names;
use crate::model::{Model, Parameter};

/// The expansion-wide values of one network.
pub(crate) struct Context<'a> {
    pub(crate) model: &'a Model,
    /// The neurons in topological order.
    pub(crate) order: &'a [usize],
    /// `::core::primitive::f64` or `f32`.
    pub(crate) scalar: TokenStream,
    /// `<runtime>::__private`, the one door to the runtime.
    pub(crate) private: TokenStream,
    /// The network's struct, and its companions.
    pub(crate) name: &'a Ident,
    pub(crate) grads: Ident,
    pub(crate) trace: Ident,
    /// The state struct of a recurrent network (`None` for a feed-forward one).
    pub(crate) state: Option<Ident>,
    pub(crate) input_len: Literal,
    pub(crate) output_len: Literal,
    pub(crate) parameter_count: Literal,
    /// The type of one sample's target.
    pub(crate) target: TokenStream,
}

impl<'a> Context<'a> {
    pub(crate) fn new(model: &'a Model, order: &'a [usize]) -> Self {
        let scalar = model.scalar.tokens();
        let private = model.private();
        let output_len = Literal::usize_unsuffixed(model.output_len());
        let target = model
            .loss
            .target_type(&private, &scalar, &quote!(#output_len));
        Context {
            model,
            order,
            name: &model.name,
            grads: names::grads_struct(&model.name),
            trace: names::trace_struct(&model.name),
            state: model
                .is_recurrent()
                .then(|| names::state_struct(&model.name)),
            input_len: Literal::usize_unsuffixed(model.input_len()),
            output_len,
            parameter_count: Literal::usize_unsuffixed(
                model.parameters().map(Parameter::len).sum(),
            ),
            target,
            scalar,
            private,
        }
    }
}
