//! Tokens to the syntax tree of the DSL, keeping every span.
//!
//! ```text
//! network    := attribute* visibility "struct" Name "<" scalar ">" "{" statement* "}"
//! statement  := doc* "input" name width? ("," name width?)* ";"
//!             | doc* ("neuron" | "layer" | "output") name width? "=" activation "(" sum ")" ";"
//!             | "activation" name "(" variable ")" "=" formula ("," "derivative" "=" formula)? ";"
//!             | "loss" name ";"
//!             | "precision" ("exact" | "fast") ";"
//! width      := "[" integer "]"
//! sum        := term ("+" term)*
//! term       := weight shape? "*" node ("[" integer "]")? | bias shape?
//! shape      := "[" integer ("," integer)? "]"
//! ```
//!
//! The body is split at its top-level `;` before statements are parsed, so a mistake in one
//! statement is reported and the rest are still parsed and checked.

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream, Parser};
use syn::{braced, bracketed, parenthesized, Attribute, Ident, Token, Type, Visibility};

use crate::errors::Errors;

mod keyword {
    syn::custom_keyword!(input);
    syn::custom_keyword!(neuron);
    syn::custom_keyword!(layer);
    syn::custom_keyword!(output);
    syn::custom_keyword!(loss);
    syn::custom_keyword!(activation);
    syn::custom_keyword!(derivative);
    syn::custom_keyword!(precision);
    syn::custom_keyword!(initial);
}

/// A whole `network!` invocation.
#[derive(Clone)]
pub(crate) struct NetworkDef {
    pub(crate) header: Header,
    pub(crate) statements: Vec<Statement>,
}

/// Everything before the body: `#[doc] pub struct Name<f64>`.
#[derive(Clone)]
pub(crate) struct Header {
    /// The attributes passed on to the parameter struct (`#[backprop(...)]` taken out).
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) name: Ident,
    pub(crate) scalar: Type,
    /// The path of the runtime crate, from `#[backprop(crate = path)]`.
    pub(crate) runtime: Option<syn::Path>,
    /// The companions asked for by `#[backprop(variant(Name, scalar = f64, precision = fast))]`.
    pub(crate) variants: Vec<Variant>,
}

impl Header {
    /// The path generated code names the runtime by: `#[backprop(crate = ...)]`'s, else
    /// `::backprop_runtime`.
    pub(crate) fn runtime_path(&self) -> syn::Path {
        self.runtime
            .clone()
            .unwrap_or_else(|| syn::parse_quote!(::backprop_runtime))
    }
}

/// A companion network of the same topology in another scalar type or precision.
#[derive(Clone)]
pub(crate) struct Variant {
    pub(crate) name: Ident,
    pub(crate) scalar: Option<Type>,
    /// `fast` or `exact`, checked as a `precision` statement is.
    pub(crate) precision: Option<Ident>,
}

/// One `;`-terminated statement of the body.
#[derive(Clone)]
pub(crate) enum Statement {
    Input(InputDecl),
    Neuron(NeuronDecl),
    Activation(ActivationDecl),
    Loss(LossDecl),
    Precision(PrecisionDecl),
    Initial(InitialDecl),
}

/// `initial h = h0;`: a trainable parameter `h0` (of `h`'s shape, optionally written out as
/// `h0[16]`) is the value `h.prev` reads at the first time step, instead of zero.
#[derive(Clone)]
pub(crate) struct InitialDecl {
    pub(crate) node: Ident,
    pub(crate) parameter: Ident,
    pub(crate) shape: Option<Vec<Dim>>,
}

/// `precision fast;` or `precision exact;`
#[derive(Clone)]
pub(crate) struct PrecisionDecl {
    pub(crate) keyword: Span,
    pub(crate) value: Ident,
}

/// A size written in the source, such as the `64` of `x[64]`, with its span.
#[derive(Clone, Copy)]
pub(crate) struct Dim {
    pub(crate) value: usize,
    pub(crate) span: Span,
}

/// `input x1, x2, pixels[64];`
#[derive(Clone)]
pub(crate) struct InputDecl {
    pub(crate) docs: Vec<Attribute>,
    pub(crate) names: Vec<(Ident, Option<Dim>)>,
}

/// `activation softsign(z) = z / (1.0 + abs(z));`, kept as tokens: formulas are read when
/// the activations declared before them are known.
#[derive(Clone)]
pub(crate) struct ActivationDecl {
    pub(crate) name: Ident,
    pub(crate) variable: Ident,
    pub(crate) forward: TokenStream,
    pub(crate) derivative: Option<TokenStream>,
}

/// The keyword a neuron is declared with.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum NeuronKind {
    /// `neuron h = ...`: one value.
    Neuron,
    /// `layer h[n] = ...`: an array of neurons.
    Layer,
    /// `output o = ...` or `output o[n] = ...`.
    Output,
}

/// `neuron h = tanh(w * x + b);`, `layer h[32] = ...;` or `output o = ...;`
#[derive(Clone)]
pub(crate) struct NeuronDecl {
    pub(crate) docs: Vec<Attribute>,
    pub(crate) kind: NeuronKind,
    pub(crate) name: Ident,
    pub(crate) width: Option<Dim>,
    pub(crate) activation: Ident,
    /// The span of the parentheses around the sum, for errors about the sum as a whole.
    pub(crate) sum_span: Span,
    pub(crate) terms: Vec<Term>,
}

/// One term of a neuron's sum.
#[derive(Clone)]
pub(crate) enum Term {
    /// `weight * source` or `weight * source[index]`: a trainable weight (of an optional
    /// declared shape) on the edge from `source`, or from one element of it. With `.prev`
    /// after the source (`r * h.prev`), the edge reads the source's value one time step
    /// earlier; `delayed` is the span of `prev`.
    Weighted {
        weight: Ident,
        shape: Option<Vec<Dim>>,
        source: Ident,
        index: Option<Dim>,
        delayed: Option<Span>,
    },
    /// `bias` or `bias[n]`: a trainable bias.
    Bias {
        name: Ident,
        shape: Option<Vec<Dim>>,
    },
}

/// `loss half_squared_error;`
#[derive(Clone)]
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
    let mut header = header;
    let options = take_options(&mut header.attrs, errors);
    header.runtime = options.runtime;
    header.variants = options.variants;
    check_variants(&mut header, errors);
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
    let name = parse_name(input)?;
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
            runtime: None,
            variants: Vec::new(),
        },
        body,
    ))
}

/// What `#[backprop(...)]` attributes ask for.
#[derive(Default)]
struct Options {
    runtime: Option<syn::Path>,
    variants: Vec<Variant>,
}

/// One `#[backprop(...)]` attribute's content.
enum BackpropOption {
    Runtime(syn::Path),
    Variant(Box<Variant>),
}

/// Takes the macro's own `#[backprop(crate = path)]` and `#[backprop(variant(...))]` out of
/// the network's attributes and rejects layout attributes: the flat view of the generated
/// structs relies on the layout the macro chooses (`#[repr(C)]`, fields of one scalar type).
fn take_options(attrs: &mut Vec<Attribute>, errors: &mut Errors) -> Options {
    let mut options = Options::default();
    attrs.retain(|attr| {
        if attr.path().is_ident("repr") {
            errors.push(syn::Error::new_spanned(
                attr,
                "`network!` chooses the layout of its structs itself (`#[repr(C)]`, which their flat view relies on); remove this `repr`",
            ));
            return false;
        }
        if !attr.path().is_ident("backprop") {
            return true;
        }
        match attr.parse_args_with(parse_option) {
            Ok(BackpropOption::Runtime(path)) if options.runtime.is_some() => {
                errors.push(syn::Error::new_spanned(
                    path,
                    "the runtime's path is already given; keep one `#[backprop(crate = ...)]`",
                ));
            }
            Ok(BackpropOption::Runtime(path)) => options.runtime = Some(path),
            Ok(BackpropOption::Variant(variant)) => options.variants.push(*variant),
            Err(error) => errors.push(error),
        }
        false
    });
    options
}

/// `crate = path` or `variant(Name, scalar = f64, precision = fast)`.
fn parse_option(input: ParseStream) -> syn::Result<BackpropOption> {
    const EXPECTED: &str =
        "expected `crate = path` or `variant(Name, scalar = f64, precision = fast)`";
    if input.peek(Token![crate]) {
        input.parse::<Token![crate]>()?;
        input.parse::<Token![=]>()?;
        let path = input.call(syn::Path::parse_mod_style)?;
        if !input.is_empty() {
            return Err(input.error("expected the end of `#[backprop(crate = path)]`"));
        }
        return Ok(BackpropOption::Runtime(path));
    }
    let keyword: Ident = input.parse().map_err(|_| input.error(EXPECTED))?;
    if keyword != "variant" {
        return Err(syn::Error::new(keyword.span(), EXPECTED));
    }
    let content;
    syn::parenthesized!(content in input);
    let name = parse_name(&content)?;
    let mut variant = Variant {
        name,
        scalar: None,
        precision: None,
    };
    while !content.is_empty() {
        content.parse::<Token![,]>()?;
        if content.is_empty() {
            break;
        }
        let key: Ident = content.parse()?;
        content.parse::<Token![=]>()?;
        match key.to_string().as_str() {
            "scalar" if variant.scalar.is_none() => variant.scalar = Some(content.parse()?),
            "precision" if variant.precision.is_none() => {
                variant.precision = Some(content.parse()?);
            }
            "scalar" | "precision" => {
                return Err(syn::Error::new(
                    key.span(),
                    format!("`{key}` is already given"),
                ))
            }
            _ => {
                return Err(syn::Error::new(
                    key.span(),
                    format!("unknown variant setting `{key}`: expected `scalar` or `precision`"),
                ))
            }
        }
    }
    if !input.is_empty() {
        return Err(input.error("expected the end of `#[backprop(variant(...))]`"));
    }
    if variant.scalar.is_none() && variant.precision.is_none() {
        return Err(syn::Error::new(
            variant.name.span(),
            "a variant changes the scalar type, the precision or both: `variant(Name, scalar = f64)`, `variant(Name, precision = fast)`",
        ));
    }
    Ok(BackpropOption::Variant(Box::new(variant)))
}

/// A variant's name must differ from the network's and from every other variant's; one
/// that does not is reported and dropped, so that it makes no second set of types.
fn check_variants(header: &mut Header, errors: &mut Errors) {
    let mut kept: Vec<Variant> = Vec::new();
    for variant in std::mem::take(&mut header.variants) {
        if variant.name == header.name || kept.iter().any(|other| other.name == variant.name) {
            errors.push(syn::Error::new(
                variant.name.span(),
                format!(
                    "the name `{}` is already taken by this network or another variant",
                    variant.name
                ),
            ));
        } else {
            kept.push(variant);
        }
    }
    header.variants = kept;
}

/// A name of the DSL. A raw identifier is kept raw only where it must be (`r#type`); `r#x`
/// becomes `x`, so that every later comparison sees one spelling of each name.
fn parse_name(input: ParseStream) -> syn::Result<Ident> {
    let name: Ident = input.parse()?;
    Ok(normalize(name))
}

/// `r#x` as `x` when `x` is not a keyword; any other identifier unchanged.
pub(crate) fn normalize(name: Ident) -> Ident {
    let text = name.to_string();
    match text.strip_prefix("r#") {
        Some(plain) => match syn::parse_str::<Ident>(plain) {
            Ok(mut ident) => {
                ident.set_span(name.span());
                ident
            }
            Err(_) => name,
        },
        None => name,
    }
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
            Statement::Neuron(parse_neuron(input, docs, NeuronKind::Neuron)?)
        } else if lookahead.peek(keyword::layer) {
            Statement::Neuron(parse_neuron(input, docs, NeuronKind::Layer)?)
        } else if lookahead.peek(keyword::output) {
            Statement::Neuron(parse_neuron(input, docs, NeuronKind::Output)?)
        } else if lookahead.peek(keyword::activation) {
            if let Some(doc) = docs.first() {
                return Err(syn::Error::new_spanned(
                    doc,
                    "doc comments are not allowed on `activation`",
                ));
            }
            Statement::Activation(parse_activation(input)?)
        } else if lookahead.peek(keyword::initial) {
            input.parse::<keyword::initial>()?;
            if let Some(doc) = docs.first() {
                return Err(syn::Error::new_spanned(
                    doc,
                    "doc comments are not allowed on `initial`; document the neuron instead",
                ));
            }
            let node = parse_name(input)?;
            if !input.peek(Token![=]) {
                return Err(input.error(format!(
                    "expected `=` and the name of a trainable initial value, as in `initial {node} = {node}0;`"
                )));
            }
            input.parse::<Token![=]>()?;
            let parameter = parse_name(input)?;
            let shape = parse_shape(input)?;
            Statement::Initial(InitialDecl {
                node,
                parameter,
                shape,
            })
        } else if lookahead.peek(keyword::precision) {
            let keyword = input.parse::<keyword::precision>()?.span;
            let value = parse_name(input)?;
            Statement::Precision(PrecisionDecl { keyword, value })
        } else if lookahead.peek(keyword::loss) {
            let keyword = input.parse::<keyword::loss>()?.span;
            if let Some(doc) = docs.first() {
                return Err(syn::Error::new_spanned(
                    doc,
                    "doc comments are not allowed on `loss`",
                ));
            }
            let name = parse_name(input)?;
            Statement::Loss(LossDecl { keyword, name })
        } else {
            return Err(syn::Error::new(
                input.span(),
                "expected a statement: `input`, `neuron`, `layer`, `output`, `activation`, `loss`, `precision` or `initial`",
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
    let mut names = vec![(parse_name(input)?, parse_width(input)?)];
    while input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
        names.push((parse_name(input)?, parse_width(input)?));
    }
    if input.peek(Token![=]) {
        return Err(input.error(
            "an input has no activation and reads nothing: declare it `input x;`, or use `neuron` for a computed node",
        ));
    }
    Ok(InputDecl { docs, names })
}

fn parse_neuron(
    input: ParseStream,
    docs: Vec<Attribute>,
    kind: NeuronKind,
) -> syn::Result<NeuronDecl> {
    input.call(Ident::parse_any)?;
    let name = parse_name(input)?;
    let width = parse_width(input)?;
    if !input.peek(Token![=]) {
        return Err(input.error(format!(
            "expected `=` and the activation of `{name}`, as in `{name} = tanh(w * x + b)`"
        )));
    }
    input.parse::<Token![=]>()?;
    let activation = parse_name(input)?;
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
        kind,
        name,
        width,
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
    let first = parse_name(input)?;
    let shape = parse_shape(input)?;
    if !input.peek(Token![*]) {
        return Ok(Term::Bias { name: first, shape });
    }
    input.parse::<Token![*]>()?;
    if !input.peek(syn::Ident) {
        return Err(input.error(format!(
            "expected the node that `{first}` weighs after `*`, as in `{first} * x`"
        )));
    }
    let source = parse_name(input)?;
    let index = parse_width(input)?;
    let delayed = parse_delay(input, &source)?;
    Ok(Term::Weighted {
        weight: first,
        shape,
        source,
        index,
        delayed,
    })
}

/// An optional `.prev` after a source: the edge reads the source one time step earlier.
fn parse_delay(input: ParseStream, source: &Ident) -> syn::Result<Option<Span>> {
    if !input.peek(Token![.]) {
        return Ok(None);
    }
    input.parse::<Token![.]>()?;
    let marker = input.call(Ident::parse_any).map_err(|_| {
        input.error(format!(
            "expected `prev` after `.`: `{source}.prev` reads `{source}` one time step earlier"
        ))
    })?;
    if marker != "prev" {
        return Err(syn::Error::new(
            marker.span(),
            format!("expected `prev`, found `{marker}`: `{source}.prev` reads `{source}` one time step earlier"),
        ));
    }
    if input.peek(syn::token::Bracket) {
        return Err(input.error(format!(
            "the index comes before `.prev`: write `{source}[i].prev`"
        )));
    }
    Ok(Some(marker.span()))
}

/// An optional `[n]`: the width of a node, or the index of an element.
fn parse_width(input: ParseStream) -> syn::Result<Option<Dim>> {
    if !input.peek(syn::token::Bracket) {
        return Ok(None);
    }
    let content;
    bracketed!(content in input);
    let dim = parse_dim(&content)?;
    if !content.is_empty() {
        return Err(content.error("expected `]`: a node has one dimension, as in `x[64]`"));
    }
    Ok(Some(dim))
}

/// An optional `[n]` or `[n, m]`: the declared shape of a weight or bias.
fn parse_shape(input: ParseStream) -> syn::Result<Option<Vec<Dim>>> {
    if !input.peek(syn::token::Bracket) {
        return Ok(None);
    }
    let content;
    bracketed!(content in input);
    let mut dims = vec![parse_dim(&content)?];
    while content.peek(Token![,]) {
        content.parse::<Token![,]>()?;
        dims.push(parse_dim(&content)?);
    }
    if !content.is_empty() {
        return Err(content.error("expected `,` or `]` in the shape, as in `W[32, 64]`"));
    }
    Ok(Some(dims))
}

fn parse_dim(input: ParseStream) -> syn::Result<Dim> {
    if !input.peek(syn::LitInt) {
        return Err(input.error("expected a size or index: an integer such as `64`"));
    }
    let literal: syn::LitInt = input.parse()?;
    Ok(Dim {
        value: literal.base10_parse()?,
        span: literal.span(),
    })
}

/// `activation name(variable) = formula (, derivative = formula)?`; the formulas stay tokens.
fn parse_activation(input: ParseStream) -> syn::Result<ActivationDecl> {
    input.parse::<keyword::activation>()?;
    let name = parse_name(input)?;
    if !peek_parenthesis(input) {
        return Err(input.error(format!(
            "expected `(` and the variable of `{name}`, as in `activation {name}(z) = z / (1.0 + abs(z));`"
        )));
    }
    let content;
    parenthesized!(content in input);
    let variable = parse_name(&content)?;
    if !content.is_empty() {
        return Err(content.error("an activation has exactly one variable"));
    }
    input.parse::<Token![=]>()?;
    let forward = formula_tokens(input)?;
    let derivative = if input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
        input
            .parse::<keyword::derivative>()
            .map_err(|_| input.error("expected `derivative = ...` after the formula's `,`"))?;
        input.parse::<Token![=]>()?;
        Some(formula_tokens(input)?)
    } else {
        None
    };
    Ok(ActivationDecl {
        name,
        variable,
        forward,
        derivative,
    })
}

/// The tokens of a formula: everything up to a top-level `,` or `;`.
fn formula_tokens(input: ParseStream) -> syn::Result<TokenStream> {
    let mut tokens = TokenStream::new();
    while !input.is_empty() && !input.peek(Token![,]) && !input.peek(Token![;]) {
        tokens.extend([input.parse::<TokenTree>()?]);
    }
    if tokens.is_empty() {
        return Err(input.error("expected a formula, as in `z / (1.0 + abs(z))`"));
    }
    Ok(tokens)
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
