//! `From` conversions between a network and its `#[backprop(variant(...))]` companions:
//! the same parameters, each cast to the other scalar type; and for a recurrent network the
//! same between their states, so a stream can switch precision without starting over.

use proc_macro2::TokenStream;
use quote::quote;

use crate::parse::Header;

/// `impl From<&A> for B` for every ordered pair of the network and its variants (and of
/// their states when the network is `recurrent`).
pub(crate) fn conversions(header: &Header, recurrent: bool) -> TokenStream {
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
            if recurrent {
                let (from_state, to_state) = (
                    super::names::state_struct(from),
                    super::names::state_struct(to),
                );
                impls.extend(quote! {
                    #[automatically_derived]
                    impl ::core::convert::From<&#from_state> for #to_state {
                        fn from(source: &#from_state) -> Self {
                            let mut converted = <Self as ::core::default::Default>::default();
                            #runtime::__private::cast_values(source.as_slice(), converted.as_mut_slice());
                            converted
                        }
                    }
                });
            }
        }
    }
    impls
}
