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

/// `terms` in chunks of [`SUM_CHUNK`]: each chunk `t1 + t2 + ...`.
pub(crate) fn sum_chunks(terms: &[TokenStream]) -> Vec<TokenStream> {
    terms
        .chunks(SUM_CHUNK)
        .map(|chunk| quote!(#(#chunk)+*))
        .collect()
}

/// The statements continuing a chunked sum into `place` after its first chunk:
/// `place = place + t65 + ...;` for each further chunk.
pub(crate) fn continue_sum(place: &TokenStream, chunks: &[TokenStream]) -> TokenStream {
    let rest = chunks.iter().skip(1);
    quote!(#(#place = #place + #rest;)*)
}
