//! Formula syntax: `+ - * /`, unary minus, parentheses, number literals, the variable, `h`
//! (in derivatives), calls of activations declared so far, of `ln`, `sqrt`, `abs`, `sign`,
//! and `powi(x, n)`.

use syn::parse::ParseStream;
use syn::{parenthesized, Ident, Lit, Token};

use super::{ActivationDef, Formula, Primitive};

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
    sum(input, scope)
}

fn sum(input: ParseStream, scope: &Scope) -> syn::Result<Formula> {
    let mut left = product(input, scope)?;
    loop {
        if input.peek(Token![+]) {
            input.parse::<Token![+]>()?;
            left = Formula::Add(Box::new(left), Box::new(product(input, scope)?));
        } else if input.peek(Token![-]) {
            input.parse::<Token![-]>()?;
            left = Formula::Sub(Box::new(left), Box::new(product(input, scope)?));
        } else {
            return Ok(left);
        }
    }
}

fn product(input: ParseStream, scope: &Scope) -> syn::Result<Formula> {
    let mut left = unary(input, scope)?;
    loop {
        if input.peek(Token![*]) {
            input.parse::<Token![*]>()?;
            left = Formula::Mul(Box::new(left), Box::new(unary(input, scope)?));
        } else if input.peek(Token![/]) {
            input.parse::<Token![/]>()?;
            left = Formula::Div(Box::new(left), Box::new(unary(input, scope)?));
        } else {
            return Ok(left);
        }
    }
}

fn unary(input: ParseStream, scope: &Scope) -> syn::Result<Formula> {
    if input.peek(Token![-]) {
        input.parse::<Token![-]>()?;
        return Ok(Formula::Neg(Box::new(unary(input, scope)?)));
    }
    atom(input, scope)
}

fn atom(input: ParseStream, scope: &Scope) -> syn::Result<Formula> {
    if input.peek(syn::token::Paren) {
        let content;
        parenthesized!(content in input);
        let inner = sum(&content, scope)?;
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
        return call(&name, input, scope);
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

fn call(name: &Ident, input: ParseStream, scope: &Scope) -> syn::Result<Formula> {
    let content;
    parenthesized!(content in input);
    let argument = sum(&content, scope)?;
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
        return Ok(Formula::Powi(
            Box::new(argument),
            if negative { -power } else { power },
        ));
    }
    expect_end(&content)?;
    if let Some(activation) = scope.activations.iter().find(|a| a.name == text) {
        return Ok(activation.apply_to(&argument));
    }
    if let Some(&(_, primitive)) = Primitive::CALLABLE.iter().find(|(n, _)| *n == text) {
        return Ok(Formula::Call(primitive, Box::new(argument)));
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
