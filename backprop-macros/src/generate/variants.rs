//! `From` conversions between a network and its `#[backprop(variant(...))]` companions:
//! the same parameters, each cast to the other scalar type.

use proc_macro2::TokenStream;
use quote::quote;

use crate::parse::Header;

/// `impl From<&A> for B` for every ordered pair of the network and its variants.
pub(crate) fn conversions(header: &Header) -> TokenStream {
    let runtime = header.runtime_path();
    let names: Vec<_> = std::iter::once(&header.name)
        .chain(header.variants.iter().map(|variant| &variant.name))
        .collect();
    let mut impls = TokenStream::new();
    for from in &names {
        for to in names.iter().filter(|to| *to != from) {
            impls.extend(quote! {
                #[automatically_derived]
                impl ::core::convert::From<&#from> for #to {
                    fn from(source: &#from) -> Self {
                        let mut converted = <Self as ::core::default::Default>::default();
                        #runtime::__private::cast_parameters(source, &mut converted);
                        converted
                    }
                }
            });
        }
    }
    impls
}
