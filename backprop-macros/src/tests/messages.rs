//! The messages of each stage, asserted on `expand()` directly (the trybuild cases in
//! `tests/ui/` pin the same messages with their spans, through rustc).

use std::str::FromStr;

use proc_macro2::{TokenStream, TokenTree};

/// Every `compile_error!` message of an expansion, in order.
pub(crate) fn errors_of(source: &str) -> Vec<String> {
    let expansion = crate::expand(TokenStream::from_str(source).expect("the source lexes"));
    let tokens: Vec<TokenTree> = expansion.into_iter().collect();
    let mut messages = Vec::new();
    for (index, token) in tokens.iter().enumerate() {
        let is_call = matches!(token, TokenTree::Ident(ident) if ident == "compile_error")
            && matches!(tokens.get(index + 1), Some(TokenTree::Punct(p)) if p.as_char() == '!');
        if !is_call {
            continue;
        }
        if let Some(TokenTree::Group(group)) = tokens.get(index + 2) {
            if let Some(TokenTree::Literal(literal)) = group.stream().into_iter().next() {
                let text: syn::LitStr = syn::parse_str(&literal.to_string()).unwrap();
                messages.push(text.value());
            }
        }
    }
    messages
}

const LOSS: &str = "loss half_squared_error;";

#[test]
fn parse_stage() {
    let messages = errors_of(&format!(
        "struct N<f64> {{ input x; output o = identity(w * x) {LOSS} }}"
    ));
    assert_eq!(
        messages,
        ["expected `;` before `loss`: every statement ends with `;`"]
    );
    let messages = errors_of("struct N<f64> { input x; output o = identity(x * ); }");
    assert_eq!(
        messages,
        // syn says where the input ended; the macro says what belongs there.
        ["unexpected end of input, expected the node that `x` weighs after `*`, as in `x * x`"]
    );
}

#[test]
fn model_stage_reports_every_name_error_together() {
    let messages = errors_of(&format!(
        "struct N<f64> {{ input x, x; output o = tahn(w * y + w2 * x); {LOSS} }}"
    ));
    assert_eq!(
        messages,
        [
            "`x` is already declared as an input; every node needs its own name",
            "unknown activation `tahn`; did you mean `tanh`?",
            // One letter apart is too far from one letter to suggest.
            "cannot find node `y` in this network",
        ]
    );
}

#[test]
fn check_stage_names_the_cycle_along_the_data_flow() {
    let messages = errors_of(&format!(
        "struct N<f64> {{ input x; neuron a = tanh(w * x + v * b); neuron b = tanh(u * a); output o = identity(s * b); {LOSS} }}"
    ));
    assert_eq!(
        messages,
        ["`a` depends on itself through the cycle a -> b -> a; within one time step a network must be acyclic: read one of these neurons one step earlier (`w * b.prev`) to make the loop recurrent, or remove one of these edges"]
    );
}

#[test]
fn a_later_stage_is_silent_while_an_earlier_one_fails() {
    // The typo would also leave `h` reaching no output; only the typo is reported.
    let messages = errors_of(&format!(
        "struct N<f64> {{ input x; neuron h = tanh(w * x); output o = identity(u * hh); {LOSS} }}"
    ));
    assert_eq!(
        messages,
        ["cannot find node `hh` in this network; did you mean `h`?"]
    );
}

#[test]
fn an_index_into_a_layer_of_width_zero_is_reported_once_at_the_width() {
    let messages = errors_of(&format!(
        "struct N<f64> {{ input x; layer h[0] = tanh(W * x); output o = identity(u * h[1]); {LOSS} }}"
    ));
    assert_eq!(messages, ["`h` must hold at least one value"]);
}
