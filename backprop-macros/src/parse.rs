//! Tokens to the syntax tree of the DSL, keeping every span.
//!
//! ```text
//! network   := attribute* visibility "struct" Name "<" scalar ">" "{" statement* "}"
//! statement := doc* "input" name ("," name)* ";"
//!            | doc* ("neuron" | "output") name "=" activation "(" term ("+" term)* ")" ";"
//!            | "loss" name ";"
//! term      := weight "*" node | bias
//! ```
//!
//! The body is split at its top-level `;` before statements are parsed, so a mistake in one
//! statement is reported and the rest are still parsed and checked.

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream, Parser};
use syn::{braced, parenthesized, Attribute, Ident, Token, Type, Visibility};

use crate::errors::Errors;

mod keyword {
    syn::custom_keyword!(input);
    syn::custom_keyword!(neuron);
    syn::custom_keyword!(output);
    syn::custom_keyword!(loss);
}

/// A whole `network!` invocation.
pub(crate) struct NetworkDef {
    pub(crate) header: Header,
    pub(crate) statements: Vec<Statement>,
}

/// Everything before the body: `#[doc] pub struct Name<f64>`.
pub(crate) struct Header {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) name: Ident,
    pub(crate) scalar: Type,
}

/// One `;`-terminated statement of the body.
pub(crate) enum Statement {
    Input(InputDecl),
    Neuron(NeuronDecl),
    Loss(LossDecl),
}

/// `input x1, x2;`
pub(crate) struct InputDecl {
    pub(crate) docs: Vec<Attribute>,
    pub(crate) names: Vec<Ident>,
}

/// Whether a neuron is hidden or one of the network's outputs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Role {
    Hidden,
    Output,
}

/// `neuron h = tanh(w * x + b);` or `output o = ...;`
pub(crate) struct NeuronDecl {
    pub(crate) docs: Vec<Attribute>,
    pub(crate) role: Role,
    pub(crate) name: Ident,
    pub(crate) activation: Ident,
    /// The span of the parentheses around the sum, for errors about the sum as a whole.
    pub(crate) sum_span: Span,
    pub(crate) terms: Vec<Term>,
}

/// One term of a neuron's sum.
pub(crate) enum Term {
    /// `weight * source`: a trainable weight on the edge from `source`.
    Weighted { weight: Ident, source: Ident },
    /// `bias`: a trainable bias.
    Bias(Ident),
}

/// `loss half_squared_error;`
pub(crate) struct LossDecl {
    pub(crate) keyword: Span,
    pub(crate) name: Ident,
}

/// Parses an invocation. Returns `None` only when the header cannot be read; errors inside
/// the body are recorded in `errors` and the statements that parsed are returned.
pub(crate) fn parse(tokens: TokenStream, errors: &mut Errors) -> Option<NetworkDef> {
    let (header, body) = match parse_header.parse2(tokens) {
        Ok(parts) => parts,
        Err(error) => {
            errors.push(error);
            return None;
        }
    };
    let statements = split_statements(body, errors)
        .into_iter()
        .filter_map(|chunk| match Statement::parse.parse2(chunk) {
            Ok(statement) => Some(statement),
            Err(error) => {
                errors.push(error);
                None
            }
        })
        .collect();
    Some(NetworkDef { header, statements })
}

fn parse_header(input: ParseStream) -> syn::Result<(Header, TokenStream)> {
    let attrs = input.call(Attribute::parse_outer)?;
    let vis: Visibility = input.parse()?;
    if !input.peek(Token![struct]) {
        return Err(input.error(
            "expected `struct`: `network!` declares a network as `pub struct Name<f64> { ... }`",
        ));
    }
    input.parse::<Token![struct]>()?;
    let name: Ident = input.parse()?;
    if !input.peek(Token![<]) {
        return Err(input.error(
            "expected `<` and the scalar type after the network's name, as in `struct Net<f64>`",
        ));
    }
    input.parse::<Token![<]>()?;
    let scalar: Type = input.parse()?;
    input.parse::<Token![>]>()?;
    let content;
    braced!(content in input);
    let body: TokenStream = content.parse()?;
    if !input.is_empty() {
        return Err(input
            .error("unexpected tokens after the network's body: `network!` declares one network"));
    }
    Ok((
        Header {
            attrs,
            vis,
            name,
            scalar,
        },
        body,
    ))
}

/// Splits the body after each top-level `;`, keeping the `;` with its statement. A final
/// statement without `;` is reported and given one, so that it is still checked.
fn split_statements(body: TokenStream, errors: &mut Errors) -> Vec<TokenStream> {
    let mut chunks = Vec::new();
    let mut current: Vec<TokenTree> = Vec::new();
    for token in body {
        let ends_statement = matches!(&token, TokenTree::Punct(punct) if punct.as_char() == ';');
        current.push(token);
        if ends_statement {
            chunks.push(current.drain(..).collect());
        }
    }
    if let Some(last) = current.last() {
        let span = last.span();
        errors.error(span, "expected `;` at the end of this statement");
        let mut semicolon = proc_macro2::Punct::new(';', proc_macro2::Spacing::Alone);
        semicolon.set_span(span);
        current.push(TokenTree::Punct(semicolon));
        chunks.push(current.into_iter().collect());
    }
    chunks
}

impl Parse for Statement {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let docs = parse_docs(input)?;
        let lookahead = input.lookahead1();
        let statement = if lookahead.peek(keyword::input) {
            Statement::Input(parse_input(input, docs)?)
        } else if lookahead.peek(keyword::neuron) {
            input.parse::<keyword::neuron>()?;
            Statement::Neuron(parse_neuron(input, docs, Role::Hidden)?)
        } else if lookahead.peek(keyword::output) {
            input.parse::<keyword::output>()?;
            Statement::Neuron(parse_neuron(input, docs, Role::Output)?)
        } else if lookahead.peek(keyword::loss) {
            let keyword = input.parse::<keyword::loss>()?.span;
            if let Some(doc) = docs.first() {
                return Err(syn::Error::new_spanned(
                    doc,
                    "doc comments are not allowed on `loss`",
                ));
            }
            let name = input.parse()?;
            Statement::Loss(LossDecl { keyword, name })
        } else {
            return Err(syn::Error::new(
                input.span(),
                "expected a statement: `input`, `neuron`, `output` or `loss`",
            ));
        };
        expect_semicolon(input)?;
        Ok(statement)
    }
}

/// Doc comments are kept (they document the generated fields); other attributes are errors.
fn parse_docs(input: ParseStream) -> syn::Result<Vec<Attribute>> {
    let attrs = input.call(Attribute::parse_outer)?;
    match attrs.iter().find(|attr| !attr.path().is_ident("doc")) {
        Some(other) => Err(syn::Error::new_spanned(
            other,
            "only doc comments are allowed on statements of `network!`",
        )),
        None => Ok(attrs),
    }
}

fn parse_input(input: ParseStream, docs: Vec<Attribute>) -> syn::Result<InputDecl> {
    input.parse::<keyword::input>()?;
    if !input.peek(Ident::peek_any) {
        return Err(input.error("expected the names of the inputs, as in `input x1, x2;`"));
    }
    let mut names = vec![input.parse::<Ident>()?];
    while input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
        names.push(input.parse()?);
    }
    if input.peek(Token![=]) {
        return Err(input.error(
            "an input has no activation and reads nothing: declare it `input x;`, or use `neuron` for a computed node",
        ));
    }
    Ok(InputDecl { docs, names })
}

fn parse_neuron(input: ParseStream, docs: Vec<Attribute>, role: Role) -> syn::Result<NeuronDecl> {
    let name: Ident = input.parse()?;
    if !input.peek(Token![=]) {
        return Err(input.error(format!(
            "expected `=` and the activation of `{name}`, as in `{name} = tanh(w * x + b)`"
        )));
    }
    input.parse::<Token![=]>()?;
    let activation: Ident = input.parse()?;
    if !peek_parenthesis(input) {
        return Err(input.error(format!(
            "expected `(` and the sum that `{activation}` is applied to, as in `{activation}(w * x + b)`"
        )));
    }
    let content;
    let parens = parenthesized!(content in input);
    let terms = parse_sum(&content)?;
    Ok(NeuronDecl {
        docs,
        role,
        name,
        activation,
        sum_span: parens.span.join(),
        terms,
    })
}

fn peek_parenthesis(input: ParseStream) -> bool {
    input.cursor().group(Delimiter::Parenthesis).is_some()
}

/// `term ("+" term)*`, or nothing (an empty sum, which the checks report with its span).
fn parse_sum(input: ParseStream) -> syn::Result<Vec<Term>> {
    let mut terms = Vec::new();
    while !input.is_empty() {
        if !terms.is_empty() {
            if !input.peek(Token![+]) {
                return Err(input.error("expected `+` or the end of the sum"));
            }
            input.parse::<Token![+]>()?;
        }
        terms.push(parse_term(input)?);
    }
    Ok(terms)
}

fn parse_term(input: ParseStream) -> syn::Result<Term> {
    if input.peek(Ident::peek_any) && !input.peek(syn::Ident) {
        // A keyword: syn's own message names it ("expected identifier, found keyword `self`").
        return Err(match input.parse::<Ident>() {
            Err(error) => error,
            Ok(ident) => syn::Error::new(ident.span(), "expected a weight or bias name"),
        });
    }
    if !input.peek(syn::Ident) {
        return Err(input.error(
            "expected a term: `weight * node` or a bias name (constants are not supported; every factor is a trainable weight)",
        ));
    }
    let first: Ident = input.parse()?;
    if !input.peek(Token![*]) {
        return Ok(Term::Bias(first));
    }
    input.parse::<Token![*]>()?;
    if !input.peek(syn::Ident) {
        return Err(input.error(format!(
            "expected the node that `{first}` weighs after `*`, as in `{first} * x`"
        )));
    }
    let source = input.parse()?;
    Ok(Term::Weighted {
        weight: first,
        source,
    })
}

fn expect_semicolon(input: ParseStream) -> syn::Result<()> {
    if input.peek(Token![;]) {
        input.parse::<Token![;]>()?;
        return Ok(());
    }
    let found = input
        .cursor()
        .token_tree()
        .map(|(token, _)| token.to_string())
        .unwrap_or_default();
    Err(input.error(format!(
        "expected `;` before `{found}`: every statement ends with `;`"
    )))
}
