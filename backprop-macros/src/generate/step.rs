//! One step of a pass: its code, and (with the `explain` feature) the line that explains it.

use proc_macro2::TokenStream;

/// One step of a pass: the code that computes it, and (with the `explain` feature) the
/// code that writes it out with its numbers.
pub(crate) struct Step {
    pub(crate) code: TokenStream,
    #[cfg(feature = "explain")]
    pub(crate) explain: TokenStream,
}

impl Step {
    /// A step whose explanation is one line: `format` filled with `args`.
    pub(crate) fn new(code: TokenStream, format: &str, args: &[TokenStream]) -> Self {
        #[cfg(feature = "explain")]
        {
            let format = format!("  {format}");
            Step {
                code,
                explain: quote::quote!(::core::writeln!(__backprop_out, #format #(, #args)*)?;),
            }
        }
        #[cfg(not(feature = "explain"))]
        {
            let _ = (format, args);
            Step { code }
        }
    }
}
