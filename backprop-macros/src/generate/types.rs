//! Rust types and values of the shapes in a network: scalars, arrays, matrices, and flat
//! arrays concatenated from several nodes.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

/// `T`, `[T; n]` or `[[T; m]; n]` for a shape `[]`, `[n]` or `[n, m]`.
pub(crate) fn array_type(scalar: &TokenStream, shape: &[usize]) -> TokenStream {
    shape.iter().rev().fold(scalar.clone(), |inner, &size| {
        let size = Literal::usize_unsuffixed(size);
        quote!([#inner; #size])
    })
}

/// The zero of a shape: `0.0`, `[0.0; n]` or `[[0.0; m]; n]`.
pub(crate) fn zeros(shape: &[usize]) -> TokenStream {
    filled(shape, &quote!(0.0))
}

/// A value of a shape with every element `value`: `[[value; m]; n]` for `[n, m]`.
pub(crate) fn filled(shape: &[usize], value: &TokenStream) -> TokenStream {
    shape.iter().rev().fold(value.clone(), |inner, &size| {
        let size = Literal::usize_unsuffixed(size);
        quote!([#inner; #size])
    })
}

/// A node's width as a shape: `[]` for a single value.
pub(crate) fn node_shape(width: Option<usize>) -> Vec<usize> {
    width.into_iter().collect()
}

/// One flat array `[T; len]` from the values of several nodes (`parts`, each a place
/// expression and its width), in order.
pub(crate) fn concat(parts: &[(TokenStream, Option<usize>)], len: usize) -> TokenStream {
    match parts {
        [(whole, Some(width))] if *width == len => whole.clone(),
        _ if parts.iter().all(|(_, width)| width.is_none()) => {
            let values = parts.iter().map(|(value, _)| value);
            quote!([#(#values),*])
        }
        _ => {
            let mut offset = 0;
            let copies = parts.iter().map(|(value, width)| {
                let start = Literal::usize_unsuffixed(offset);
                match width {
                    None => {
                        offset += 1;
                        quote!(flat[#start] = #value;)
                    }
                    Some(width) => {
                        offset += width;
                        let end = Literal::usize_unsuffixed(offset);
                        quote!(flat[#start..#end].copy_from_slice(&#value);)
                    }
                }
            });
            let len = Literal::usize_unsuffixed(len);
            quote!({
                let mut flat = [0.0; #len];
                #(#copies)*
                flat
            })
        }
    }
}

/// For each part of a flat array of `widths`, its offset in the array.
pub(crate) fn offsets(widths: impl Iterator<Item = Option<usize>>) -> Vec<usize> {
    widths
        .scan(0, |offset, width| {
            let start = *offset;
            *offset += width.unwrap_or(1);
            Some(start)
        })
        .collect()
}

/// The element of a flat array that holds element `element` (a closure variable, for
/// arrays) of the part at `offset`: `flat[3]` or `flat[3 + j]`.
pub(crate) fn flat_element(
    flat: &TokenStream,
    offset: usize,
    element: Option<&TokenStream>,
) -> TokenStream {
    let offset_literal = Literal::usize_unsuffixed(offset);
    match element {
        None => quote!(#flat[#offset_literal]),
        Some(element) if offset == 0 => quote!(#flat[#element]),
        Some(element) => quote!(#flat[#offset_literal + #element]),
    }
}

/// How many terms one expression of a generated sum holds at most. A longer sum continues
/// in further statements (`x = x + t65 + ...`), which add in exactly the same order as one
/// long left-to-right sum: rustc overflows its stack on expressions thousands of terms deep.
pub(crate) const SUM_CHUNK: usize = 64;

/// The most terms a sum adds as a tree ([`sum_chunks`]); longer sums are chains.
pub(crate) const TREE_SUM: usize = 8;

/// `terms` in chunks of [`SUM_CHUNK`]. A sum of at most [`TREE_SUM`] terms is a balanced
/// tree, neighbours first: `t1 + t2 + (t3 + t4) + t5` is `((t1 + t2) + (t3 + t4)) + t5`,
/// as exact as a chain, and of depth the logarithm of the terms, not their count: in a small
/// network, where the output's sum over its hidden neurons is on the path of every step, its
/// additions stop waiting for each other (XOR 2-4-1 by neurons: 51.5 -> 50.7 ns). Longer
/// sums are chains, `t1 + t2 + ... + t64`: they come in networks with many sums that the
/// processor overlaps anyway, and as trees they took a fifth longer to compile (the
/// 5,010-edge network of `scripts/compile-bench.sh`).
pub(crate) fn sum_chunks(terms: &[TokenStream]) -> Vec<TokenStream> {
    if terms.len() <= TREE_SUM {
        return vec![tree_sum(terms)];
    }
    terms
        .chunks(SUM_CHUNK)
        .map(|chunk| quote!(#(#chunk)+*))
        .collect()
}

/// One balanced sum of `terms`, written with only the parentheses it needs (a sum on the
/// right of `+`).
fn tree_sum(terms: &[TokenStream]) -> TokenStream {
    // Each level adds neighbours in pairs; `sums` flags the entries that are sums.
    let mut level: Vec<(TokenStream, bool)> = terms.iter().map(|t| (t.clone(), false)).collect();
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|pair| match pair {
                [(left, _), (right, true)] => (quote!(#left + (#right)), true),
                [(left, _), (right, false)] => (quote!(#left + #right), true),
                [single] => single.clone(),
                _ => unreachable!("chunks of two"),
            })
            .collect();
    }
    level.pop().map(|(sum, _)| sum).unwrap_or_default()
}

/// The statements continuing a chunked sum into `place` after its first chunk:
/// `place = place + t65 + ...;` for each further chunk, which adds in exactly the same order
/// as one long left-to-right sum.
pub(crate) fn continue_sum(place: &TokenStream, chunks: &[TokenStream]) -> TokenStream {
    let rest = chunks.iter().skip(1);
    quote!(#(#place = #place + #rest;)*)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sums_of(count: usize) -> Vec<String> {
        let terms: Vec<TokenStream> = (0..count)
            .map(|i| {
                let term = quote::format_ident!("t{i}");
                quote!(#term)
            })
            .collect();
        sum_chunks(&terms).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn short_sums_are_balanced_trees_of_neighbours() {
        assert_eq!(sums_of(1), ["t0"]);
        assert_eq!(sums_of(2), ["t0 + t1"]);
        assert_eq!(sums_of(3), ["t0 + t1 + t2"]);
        assert_eq!(sums_of(4), ["t0 + t1 + (t2 + t3)"]);
        assert_eq!(sums_of(5), ["t0 + t1 + (t2 + t3) + t4"]);
        assert_eq!(sums_of(7), ["t0 + t1 + (t2 + t3) + (t4 + t5 + t6)"]);
        assert_eq!(
            sums_of(TREE_SUM),
            ["t0 + t1 + (t2 + t3) + (t4 + t5 + (t6 + t7))"]
        );
        assert_eq!(
            sums_of(TREE_SUM + 1),
            ["t0 + t1 + t2 + t3 + t4 + t5 + t6 + t7 + t8"],
            "longer sums are chains"
        );
        let long = sums_of(SUM_CHUNK + 2);
        assert_eq!(long.len(), 2, "a chunk of {SUM_CHUNK}, then the rest");
        assert_eq!(long[1], format!("t{} + t{}", SUM_CHUNK, SUM_CHUNK + 1));
    }
}
