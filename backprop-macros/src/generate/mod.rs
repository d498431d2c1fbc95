//! Model to Rust, one module per part of the expansion:
//!
//! - `context`: the values every emitter reads, computed once;
//! - `structs`: the parameter, gradient and trace structs with their flat views;
//! - `forward`, `backward`: the two passes (`links`: the backward pass's chain-rule links
//!   as data; `step`: one step of a pass, as code and explanation); `fused`: the per-sample
//!   SGD step that updates weights in place from the deltas; `batch`: the mini-batch
//!   gradient with the weight matrices' sums taken a chunk of samples at a time;
//!   `through_time`: backpropagation through a sequence's steps, likewise by chunks of steps;
//! - `inherent`: the rest of the network's own API; `traits`: the runtime's traits
//!   (`layout`: the parameter layout they carry); `stream`: a recurrent network's matrices
//!   by columns and the step that reads them;
//! - `explain` (feature): the passes written out with their numbers;
//! - `dot`, `names`, `types`: the Graphviz text, the generated names, Rust types of shapes.

mod backward;
mod batch;
mod context;
mod dot;
#[cfg(feature = "explain")]
mod explain;
mod forward;
mod fused;
mod inherent;
mod layout;
mod links;
mod names;
mod step;
mod stream;
mod structs;
mod through_time;
mod traits;
mod types;
mod variants;

use proc_macro2::TokenStream;
use quote::quote;

pub(crate) use names::{
    columns_struct, grads_struct, is_companion_name, state_struct, trace_struct, COMPANION_SUFFIXES,
};
pub(crate) use variants::conversions;

use crate::model::Model;
use context::Context;

/// The whole expansion of a checked network; `order` lists its neurons topologically.
pub(crate) fn network(model: &Model, order: &[usize]) -> TokenStream {
    let ctx = Context::new(model, order);
    let parameters = structs::parameters_and_grads(&ctx);
    let trace = structs::trace(&ctx);
    let forward = forward::method(&ctx);
    let backward = backward::method(&ctx);
    let methods = inherent::methods(&ctx, forward, backward);
    let traits = traits::impls(&ctx);
    let columns = stream::columns_struct(&ctx);
    let streaming = stream::streaming_impl(&ctx);
    // Only with the feature: `explain` nearly doubles the generated code.
    #[cfg(feature = "explain")]
    let explain = explain::method(&ctx);
    #[cfg(not(feature = "explain"))]
    let explain = TokenStream::new();
    quote! {
        #parameters
        #trace
        #columns
        const _: () = {
            #methods
            #traits
            #streaming
            #explain
        };
    }
}
