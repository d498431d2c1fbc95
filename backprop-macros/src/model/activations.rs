//! User-defined activations: formulas read in declaration order (each may call the built-ins
//! and the ones declared before it) and differentiated unless a derivative is given.

use syn::parse::Parser;

use crate::errors::Errors;
use crate::formula::{self, builtins, parse_formula, ActivationDef, Formula};
use crate::model::Scalar;
use crate::parse::ActivationDecl;

/// The built-in activations followed by the user's, in declaration order. A user activation
/// with an error is reported and kept as a stand-in (the identity), so that the neurons
/// using it do not also report an unknown activation; the network is not generated.
pub(crate) fn resolve_activations(
    decls: Vec<ActivationDecl>,
    scalar: Option<Scalar>,
    errors: &mut Errors,
) -> Vec<ActivationDef> {
    let mut activations = builtins();
    let builtin_count = activations.len();
    let names: Vec<String> = decls.iter().map(|decl| decl.name.to_string()).collect();
    for (position, decl) in decls.into_iter().enumerate() {
        let name = decl.name.to_string();
        if crate::model::CellKind::from_name(&name).is_some() {
            errors.error(
                decl.name.span(),
                format!("`{name}` is a built-in recurrent cell (`layer h[n] = {name}(...)`); give this activation another name"),
            );
            continue;
        }
        if let Some(index) = activations.iter().position(|a| a.name == name) {
            let what = if index < builtin_count {
                "a built-in activation"
            } else {
                "an activation declared above"
            };
            errors.error(
                decl.name.span(),
                format!("`{name}` is already {what}; give this activation another name"),
            );
            continue;
        }
        let read = if decl.variable == "h" && decl.derivative.is_some() {
            Err(syn::Error::new(
                decl.variable.span(),
                "the variable cannot be named `h`: in `derivative`, `h` stands for the activation's value",
            ))
        } else {
            read_activation(&decl, &activations, &names[position + 1..], scalar)
        };
        match read {
            Ok(activation) => activations.push(activation),
            Err(error) => {
                errors.push(error);
                activations.push(ActivationDef {
                    name,
                    builtin: None,
                    forward: Formula::Var,
                    derivative: Formula::Const(1.0),
                });
            }
        }
    }
    activations
}

fn read_activation(
    decl: &ActivationDecl,
    known: &[ActivationDef],
    declared_later: &[String],
    scalar: Option<Scalar>,
) -> syn::Result<ActivationDef> {
    let (largest, scalar_name) = match scalar {
        Some(Scalar::F32) => (f64::from(f32::MAX), "f32"),
        _ => (f64::MAX, "f64"),
    };
    let read = |tokens: &proc_macro2::TokenStream, output_allowed: bool| -> syn::Result<Formula> {
        let scope = formula::Scope {
            variable: &decl.variable,
            output_allowed,
            activations: known,
            declared_later,
            largest,
            scalar: scalar_name,
        };
        (|input: syn::parse::ParseStream| {
            let formula = parse_formula(input, &scope)?;
            if !input.is_empty() {
                return Err(input
                    .error("expected an operator (`+`, `-`, `*`, `/`) or the end of the formula"));
            }
            Ok(formula)
        })
        .parse2(tokens.clone())
    };
    let forward = formula::simplify(&read(&decl.forward, false)?);
    within_limits(decl, "formula", &forward)?;
    let derivative = match &decl.derivative {
        Some(tokens) => formula::simplify(&read(tokens, true)?),
        None => formula::simplify(&formula::derivative(&forward)),
    };
    within_limits(decl, "derivative", &derivative)?;
    // Constant folding can make a constant no literal of the scalar type can hold.
    let folded = forward
        .largest_constant()
        .max(derivative.largest_constant());
    if folded > largest {
        return Err(syn::Error::new(
            decl.name.span(),
            format!(
                "the formula of `{}` (or its derivative) folds to the constant {folded:e}, too large for `{scalar_name}`",
                decl.name
            ),
        ));
    }
    Ok(ActivationDef {
        name: decl.name.to_string(),
        builtin: None,
        forward,
        derivative,
    })
}

/// An activation's formula or derivative, with the activations it calls put in, stays
/// within what the macro and rustc handle: [`formula::MAX_SIZE`] operations nested at most
/// [`formula::MAX_DEPTH`] deep. Checked on the formula before it is differentiated.
fn within_limits(decl: &ActivationDecl, what: &str, formula: &Formula) -> syn::Result<()> {
    let (size, depth) = (formula.size(), formula.depth());
    if size <= formula::MAX_SIZE && depth <= formula::MAX_DEPTH {
        return Ok(());
    }
    let remedy = if what == "derivative" && decl.derivative.is_none() {
        ", or give its derivative with `, derivative = ...`"
    } else {
        ""
    };
    Err(syn::Error::new(
        decl.name.span(),
        format!(
            "the {what} of `{}` is {size} operations nested {depth} deep once the activations it calls are put in, more than the {} operations and {} levels allowed; write it more simply{remedy}",
            decl.name,
            formula::MAX_SIZE,
            formula::MAX_DEPTH,
        ),
    ))
}
