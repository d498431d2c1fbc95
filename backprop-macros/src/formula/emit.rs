//! Formulas to Rust expressions, with only the parentheses that precedence needs.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::Formula;

/// Binding strength: a sub-expression weaker than its context is parenthesised.
fn precedence(formula: &Formula) -> u8 {
    match formula {
        Formula::Add(..) | Formula::Sub(..) => 1,
        Formula::Mul(..) | Formula::Div(..) => 2,
        Formula::Neg(_) => 3,
        Formula::Const(c) if *c < 0.0 => 3,
        _ => 4,
    }
}

/// The expression for `formula`, with `z` and `h` standing for the variable and the
/// activation's value. Runtime functions are reached through `act`.
pub(crate) fn emit(formula: &Formula, z: &TokenStream, h: &TokenStream) -> TokenStream {
    emit_at(formula, z, h, 0)
}

/// As [`emit`], parenthesised as one factor: `dj_dh * (h * (1.0 - h))`, the local gradient
/// computed on its own and then multiplied by the incoming one, as the chain rule reads. (As
/// `dj_dh * h * (1.0 - h)` every product would wait for the incoming gradient: a longer
/// chain through each neuron of the backward pass.)
pub(crate) fn emit_factor(formula: &Formula, z: &TokenStream, h: &TokenStream) -> TokenStream {
    emit_at(formula, z, h, 3)
}

fn emit_at(formula: &Formula, z: &TokenStream, h: &TokenStream, context: u8) -> TokenStream {
    let operand = |formula: &Formula, context: u8| emit_at(formula, z, h, context);
    let tokens = match formula {
        // The parser and the simplifier never make a non-finite constant; should one appear,
        // it is written as a division rather than panicking in `Literal`.
        Formula::Const(c) if c.is_nan() => quote!((0.0 / 0.0)),
        Formula::Const(c) if c.is_infinite() => {
            if *c < 0.0 {
                quote!((-1.0 / 0.0))
            } else {
                quote!((1.0 / 0.0))
            }
        }
        Formula::Const(c) => {
            let literal = Literal::f64_unsuffixed(c.abs());
            if *c < 0.0 {
                quote!(-#literal)
            } else {
                quote!(#literal)
            }
        }
        Formula::Var => z.clone(),
        Formula::Output => h.clone(),
        Formula::Neg(a) => {
            let a = operand(a, 3);
            quote!(-#a)
        }
        Formula::Add(a, b) => {
            let (a, b) = (operand(a, 1), operand(b, 1));
            quote!(#a + #b)
        }
        Formula::Sub(a, b) => {
            let (a, b) = (operand(a, 1), operand(b, 2));
            quote!(#a - #b)
        }
        Formula::Mul(a, b) => {
            let (a, b) = (operand(a, 2), operand(b, 2));
            quote!(#a * #b)
        }
        Formula::Div(a, b) => {
            let (a, b) = (operand(a, 2), operand(b, 3));
            quote!(#a / #b)
        }
        Formula::Powi(a, n) => {
            let a = operand(a, 0);
            let n = Literal::i32_unsuffixed(*n);
            quote!(act::powi(#a, #n))
        }
        Formula::Call(primitive, a) => {
            let a = operand(a, 0);
            let function = primitive.runtime_path();
            quote!(act::#function(#a))
        }
    };
    if precedence(formula) < context {
        quote!((#tokens))
    } else {
        tokens
    }
}
