//! The names generated code gives to things, in one place: they follow the notes' notation
//! (`z_h4`, `dj_dh1`, `dj_dz_h4`), so an expansion reads like the derivation.
//!
//! Hygiene rests on two facts, both kept here:
//! - a DSL name is never a local or a pattern in generated code, only a field (`self.w11`,
//!   `trace.h1`, `grads.w11`), so no item in the user's scope (`Some`, a `const N`, a unit
//!   struct) can capture it, and no DSL name can shadow a generated local;
//! - every local the passes introduce is either a fixed helper (`input`, `trace`, `target`,
//!   `grads`, `softmax_gradient`) or `dj_d` followed by a neuron's name (`dj_dh1`,
//!   `dj_dz_h1`, and for a recurrent network `dj_dprev_h1`). The two families cannot meet,
//!   since no helper starts with `dj_d`, and the second is injective because a node may not
//!   be called `z_<a neuron>` (the pre-activation's field in the trace) nor `prev_<a node read
//!   with .prev>` (the previous value's field in the trace); `model` reports both clashes.
//!   The helpers of a recurrent network are `state`, `carry`, `output_gradient`,
//!   `columns` (a prepared stream's step, and the lockstep forward pass of whole
//!   sequences), `states`, `inputs`, `traces` and `lanes` (the lockstep forward pass), and `carries`, `lane`, `slot` and `sides` (the lockstep
//!   pass back); a
//!   batch pass adds the helpers `inputs`, `targets`, `scale`, `loss`, `sample_loss`, `sample`, `samples`
//!   and `batch_trace` (a chunk's lockstep forward pass also `traces`, `columns` and the local
//!   type `Columns`; through time also `traces`, `first`, `steps`, `end`, `start`, `chunk`, `back` and `t`), and
//!   two more families, `batch_dj_dz_` and `batch_dj_dside_` followed by a neuron's name,
//!   which meet neither each other (neither prefix starts the other) nor the others (no
//!   helper starts with `batch_dj_d`).
//!
//! Locals get mixed-site hygiene located at the user's token, so they cannot be reached from
//! the user's code either.

use proc_macro2::{Ident, Span};
use quote::format_ident;

/// A span with the macro's own hygiene for locals, pointing at `at` for messages.
fn local_span(at: &Ident) -> Span {
    Span::mixed_site().located_at(at.span())
}

/// The trace field holding a neuron's pre-activation: `z_h4`. Public API, so it keeps the
/// user's span.
pub(crate) fn pre_activation(neuron: &Ident) -> Ident {
    format_ident!("z_{}", neuron, span = neuron.span())
}

/// The trace field holding the previous time step's value of a node read with `.prev`:
/// `prev_h`. Public API, so it keeps the user's span.
pub(crate) fn previous(node: &Ident) -> Ident {
    format_ident!("prev_{}", node, span = node.span())
}

/// The local holding `dJ/d(previous value)` of a neuron read with `.prev`: `dj_dprev_h`,
/// what the backward pass hands to the step before.
pub(crate) fn previous_gradient(neuron: &Ident) -> Ident {
    format_ident!("dj_dprev_{}", neuron, span = local_span(neuron))
}

/// The local holding `dJ/d(activation)` of a neuron: `dj_dh1`.
pub(crate) fn gradient(neuron: &Ident) -> Ident {
    format_ident!("dj_d{}", neuron, span = local_span(neuron))
}

/// The local holding `dJ/dz` of a neuron: `dj_dz_h4`.
pub(crate) fn pre_activation_gradient(neuron: &Ident) -> Ident {
    format_ident!("dj_dz_{}", neuron, span = local_span(neuron))
}

/// The local holding a neuron's `dJ/dz` for each sample of a batch pass's chunk:
/// `batch_dj_dz_h4`, from the per-sample local `dj_dz_h4`.
pub(crate) fn batch_gradient(neuron: &Ident) -> Ident {
    format_ident!("batch_dj_dz_{}", neuron, span = local_span(neuron))
}

/// The local holding a GRU cell's recurrent-side `dJ/dz` for each step of a chunk of time
/// steps: `batch_dj_dside_h`.
pub(crate) fn batch_side_gradient(neuron: &Ident) -> Ident {
    format_ident!("batch_dj_dside_{}", neuron, span = local_span(neuron))
}

/// The struct of gradients: `SeedNetGrads`, spanned at the network's name so that a clash
/// with another item is reported there.
pub(crate) fn grads_struct(network: &Ident) -> Ident {
    format_ident!("{}Grads", network, span = network.span())
}

/// The struct of forward values: `SeedNetTrace`, spanned as [`grads_struct`].
pub(crate) fn trace_struct(network: &Ident) -> Ident {
    format_ident!("{}Trace", network, span = network.span())
}

/// The struct of a recurrent network's state: `EchoState`, spanned as [`grads_struct`].
pub(crate) fn state_struct(network: &Ident) -> Ident {
    format_ident!("{}State", network, span = network.span())
}

/// The struct of a recurrent network's matrices by columns, for streaming: `EchoColumns`,
/// spanned as [`grads_struct`].
pub(crate) fn columns_struct(network: &Ident) -> Ident {
    format_ident!("{}Columns", network, span = network.span())
}

/// The suffixes of the companion types, which a network's own name may not end with.
pub(crate) const COMPANION_SUFFIXES: [&str; 4] = ["Grads", "Trace", "State", "Columns"];

/// Whether a network's name ends like a companion type (`NetGrads`): such names are refused,
/// since they could collide with another network's generated types.
pub(crate) fn is_companion_name(network: &Ident) -> bool {
    let text = crate::model::text(network);
    COMPANION_SUFFIXES
        .iter()
        .any(|suffix| text.len() > suffix.len() && text.ends_with(suffix))
}
