//! Formula syntax: `+ - * /`, unary minus, parentheses, number literals, the variable, `h`
//! (in derivatives), calls of activations declared so far, of `ln`, `sqrt`, `abs`, `sign`,
//! and `powi(x, n)`.

use proc_macro2::Span;
use syn::parse::ParseStream;
use syn::{parenthesized, Ident, Lit, Token};

use super::simplify::apply_primitive;
use super::{ActivationDef, Formula, Primitive, MAX_SIZE, MAX_WRITTEN_DEPTH};

/// What names mean inside one formula.
pub(crate) struct Scope<'a> {
    /// The activation's parameter, usually `z`.
    pub(crate) variable: &'a Ident,
    /// Whether `h`, the activation's value, may be used (in an explicit derivative).
    pub(crate) output_allowed: bool,
    /// The activations that may be called: built-ins and those declared before.
    pub(crate) activations: &'a [ActivationDef],
    /// Activations declared after this one, which it cannot call.
    pub(crate) declared_later: &'a [String],
    /// The largest magnitude a number may have: `f32::MAX` in an `f32` network.
    pub(crate) largest: f64,
    /// The scalar type's name, for messages.
    pub(crate) scalar: &'a str,
}

/// Parses a whole formula from `input`, up to a `,` or `;` or the end.
pub(crate) fn parse_formula(input: ParseStream, scope: &Scope) -> syn::Result<Formula> {
    sum(input, scope, 0)
}

/// Fails where the formula nests deeper than [`MAX_WRITTEN_DEPTH`]; called on every way in
/// to a deeper level, so the parser's own recursion stays bounded.
fn enter(input: ParseStream, depth: usize) -> syn::Result<usize> {
    if depth >= MAX_WRITTEN_DEPTH {
        return Err(input.error(format!(
            "this formula nests more than {MAX_WRITTEN_DEPTH} levels deep (parentheses, calls and minus signs); write it more simply"
        )));
    }
    Ok(depth + 1)
}

/// `formula`, with an operation on constants alone folded to one constant. A constant that
/// folds to NaN or infinity is an error at `span`, the operator or call that makes it, since
/// no literal can hold it and the formula would be NaN or infinite everywhere.
fn fold(formula: Formula, span: Span) -> syn::Result<Formula> {
    use Formula::{Add, Call, Const, Div, Mul, Neg, Powi, Sub};
    let value = match &formula {
        Neg(a) => match **a {
            Const(a) => -a,
            _ => return Ok(formula),
        },
        Add(a, b) | Sub(a, b) | Mul(a, b) | Div(a, b) => match (&**a, &**b) {
            (Const(a), Const(b)) => match &formula {
                Add(..) => a + b,
                Sub(..) => a - b,
                Mul(..) => a * b,
                _ => a / b,
            },
            _ => return Ok(formula),
        },
        Powi(a, n) => match **a {
            Const(a) => a.powi(*n),
            _ => return Ok(formula),
        },
        Call(primitive, a) => match **a {
            Const(a) => apply_primitive(*primitive, a),
            _ => return Ok(formula),
        },
        _ => return Ok(formula),
    };
    if value.is_finite() {
        return Ok(Const(value));
    }
    let what = if value.is_nan() { "NaN" } else { "an infinity" };
    Err(syn::Error::new(
        span,
        format!("this constant part of the formula evaluates to {what}; a formula's constants must be finite numbers"),
    ))
}

fn sum(input: ParseStream, scope: &Scope, depth: usize) -> syn::Result<Formula> {
    let mut left = product(input, scope, depth)?;
    loop {
        if input.peek(Token![+]) {
            let span = input.parse::<Token![+]>()?.span;
            let right = product(input, scope, depth)?;
            left = fold(Formula::Add(Box::new(left), Box::new(right)), span)?;
        } else if input.peek(Token![-]) {
            let span = input.parse::<Token![-]>()?.span;
            let right = product(input, scope, depth)?;
            left = fold(Formula::Sub(Box::new(left), Box::new(right)), span)?;
        } else {
            return Ok(left);
        }
    }
}

fn product(input: ParseStream, scope: &Scope, depth: usize) -> syn::Result<Formula> {
    let mut left = unary(input, scope, depth)?;
    loop {
        if input.peek(Token![*]) {
            let span = input.parse::<Token![*]>()?.span;
            let right = unary(input, scope, depth)?;
            left = fold(Formula::Mul(Box::new(left), Box::new(right)), span)?;
        } else if input.peek(Token![/]) {
            let span = input.parse::<Token![/]>()?.span;
            let right = unary(input, scope, depth)?;
            left = fold(Formula::Div(Box::new(left), Box::new(right)), span)?;
        } else {
            return Ok(left);
        }
    }
}

fn unary(input: ParseStream, scope: &Scope, depth: usize) -> syn::Result<Formula> {
    if input.peek(Token![-]) {
        let depth = enter(input, depth)?;
        let span = input.parse::<Token![-]>()?.span;
        let operand = unary(input, scope, depth)?;
        return fold(Formula::Neg(Box::new(operand)), span);
    }
    atom(input, scope, depth)
}

fn atom(input: ParseStream, scope: &Scope, depth: usize) -> syn::Result<Formula> {
    if input.peek(syn::token::Paren) {
        let depth = enter(input, depth)?;
        let content;
        parenthesized!(content in input);
        let inner = sum(&content, scope, depth)?;
        expect_end(&content)?;
        return Ok(inner);
    }
    if input.peek(Lit) {
        return number(input, scope);
    }
    if !input.peek(Ident) {
        return Err(
            input.error("expected a number, the variable, or a function call such as `exp(z)`")
        );
    }
    let name = crate::parse::normalize(input.parse()?);
    if input.peek(syn::token::Paren) {
        let depth = enter(input, depth)?;
        return call(&name, input, scope, depth);
    }
    if name == *scope.variable {
        Ok(Formula::Var)
    } else if name == "h" && scope.output_allowed {
        Ok(Formula::Output)
    } else {
        let known = if scope.output_allowed {
            format!("`{}` and `h` (the activation's value)", scope.variable)
        } else {
            format!("`{}`", scope.variable)
        };
        Err(syn::Error::new(
            name.span(),
            format!("unknown variable `{name}`: this formula can use {known}"),
        ))
    }
}

fn number(input: ParseStream, scope: &Scope) -> syn::Result<Formula> {
    let literal: Lit = input.parse()?;
    let value = match &literal {
        Lit::Float(float) => float.base10_parse::<f64>()?,
        Lit::Int(int) => int.base10_parse::<f64>()?,
        other => return Err(syn::Error::new(other.span(), "expected a number")),
    };
    if !value.is_finite() || value.abs() > scope.largest {
        return Err(syn::Error::new(
            literal.span(),
            format!("this number is too large for `{}`", scope.scalar),
        ));
    }
    Ok(Formula::Const(value))
}

fn call(name: &Ident, input: ParseStream, scope: &Scope, depth: usize) -> syn::Result<Formula> {
    let content;
    parenthesized!(content in input);
    let argument = sum(&content, scope, depth)?;
    let text = name.to_string();
    if text == "powi" {
        content.parse::<Token![,]>().map_err(|_| {
            syn::Error::new(
                name.span(),
                "`powi` takes a base and an integer power: `powi(z, 3)`",
            )
        })?;
        let negative = content.peek(Token![-]);
        if negative {
            content.parse::<Token![-]>()?;
        }
        if !content.peek(syn::LitInt) {
            return Err(content.error("`powi` needs an integer power, as in `powi(z, 3)`"));
        }
        let power: syn::LitInt = content.parse()?;
        let power: i32 = power.base10_parse()?;
        expect_end(&content)?;
        let power = if negative { -power } else { power };
        return fold(Formula::Powi(Box::new(argument), power), name.span());
    }
    expect_end(&content)?;
    if let Some(activation) = scope.activations.iter().find(|a| a.name == text) {
        let size = activation.applied_size(&argument);
        if size > MAX_SIZE {
            return Err(syn::Error::new(
                name.span(),
                format!("calling `{text}` here makes the formula {size} operations long, more than {MAX_SIZE}: activations that call each other grow quickly; write this one out more simply"),
            ));
        }
        let applied = activation.apply_to(&argument);
        // A constant argument gives a constant, which must be finite like any other.
        return match argument {
            Formula::Const(_) => fold_whole(applied, name.span()),
            _ => Ok(applied),
        };
    }
    if let Some(&(_, primitive)) = Primitive::CALLABLE.iter().find(|(n, _)| *n == text) {
        return fold(Formula::Call(primitive, Box::new(argument)), name.span());
    }
    if scope.declared_later.contains(&text) {
        return Err(syn::Error::new(
            name.span(),
            format!("`{text}` is declared below this activation; declare it first, since an activation can call only those declared before it"),
        ));
    }
    let mut known: Vec<&str> = scope.activations.iter().map(|a| a.name.as_str()).collect();
    known.extend(Primitive::CALLABLE.iter().map(|(name, _)| *name));
    known.push("powi");
    let hint = crate::suggest::did_you_mean(&text, known.iter().copied());
    Err(syn::Error::new(
        name.span(),
        format!(
            "unknown function `{text}` in a formula{hint}; formulas can call {}",
            known
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ))
}

fn expect_end(input: ParseStream) -> syn::Result<()> {
    if input.is_empty() {
        Ok(())
    } else {
        Err(input.error("expected an operator (`+`, `-`, `*`, `/`) or the end of the expression"))
    }
}

/// A formula without the variable, folded to its value; NaN or infinity is an error at
/// `span` as in [`fold`].
fn fold_whole(formula: Formula, span: Span) -> syn::Result<Formula> {
    let folded = formula.try_map_children(|child| fold_whole(child.clone(), span))?;
    fold(folded, span)
}
