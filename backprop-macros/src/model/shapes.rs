//! Sizes: node widths, the shapes of weights and biases, element indices. Every size the
//! user writes is checked against what the graph implies, at the token that states it.

use syn::Ident;

use crate::errors::Errors;
use crate::parse::Dim;

/// A width of `[0]` is an error: a node holds at least one value.
pub(crate) fn check_width(name: &Ident, width: Option<Dim>, errors: &mut Errors) -> Option<usize> {
    let width = width?;
    if width.value == 0 {
        errors.error(width.span, format!("`{name}` must hold at least one value"));
    }
    Some(width.value)
}

/// How a node's size reads in a message: "`x` (64 values)" or "`x` (a single value)".
pub(crate) fn describe(name: &Ident, width: Option<usize>) -> String {
    match width {
        Some(1) => format!("`{name}` (1 value)"),
        Some(width) => format!("`{name}` ({width} values)"),
        None => format!("`{name}` (a single value)"),
    }
}

/// The shape of a weight from a source of width `source` into a target of width `target`:
/// the target's axis, then the source's; a single value adds no axis.
pub(crate) fn weight_shape(target: Option<usize>, source: Option<usize>) -> Vec<usize> {
    target.into_iter().chain(source).collect()
}

/// `[n, m]` as written in messages; `a single value` for `[]`.
fn shape_text(shape: &[usize]) -> String {
    if shape.is_empty() {
        "a single value".to_owned()
    } else {
        let dims: Vec<String> = shape.iter().map(ToString::to_string).collect();
        format!("shape [{}]", dims.join(", "))
    }
}

/// Compares a declared shape (`W[32, 64]`) with the one the graph implies; an error at the
/// first size that differs. `context` says where the implied shape comes from.
pub(crate) fn check_declared_shape(
    name: &Ident,
    declared: Option<&[Dim]>,
    implied: &[usize],
    context: &str,
    errors: &mut Errors,
) -> bool {
    let Some(declared) = declared else {
        return true;
    };
    let matches = declared.len() == implied.len()
        && declared
            .iter()
            .zip(implied)
            .all(|(dim, &size)| dim.value == size);
    if matches {
        return true;
    }
    let at = declared
        .iter()
        .zip(implied)
        .find(|(dim, &size)| dim.value != size)
        .map_or(declared[0].span, |(dim, _)| dim.span);
    errors.error(
        at,
        format!("`{name}` must have {} here: {context}", shape_text(implied)),
    );
    false
}

/// An element index must name an element of an array node.
pub(crate) fn check_index(
    source: &Ident,
    width: Option<usize>,
    index: Dim,
    errors: &mut Errors,
) -> Option<usize> {
    match width {
        None => {
            errors.error(
                index.span,
                format!("`{source}` is a single value, so it has no elements to index"),
            );
            None
        }
        // A width of 0 is reported where it is declared; no element of it exists to index.
        Some(0) => None,
        Some(width) if index.value >= width => {
            errors.error(
                index.span,
                format!(
                    "index {} is out of range: `{source}` has {width} values, indexed 0 to {}",
                    index.value,
                    width - 1
                ),
            );
            None
        }
        Some(_) => Some(index.value),
    }
}
