//! Trained weights as Rust source: a network's parameters written out as a `const`, so a
//! program (a `no_std` one with no file system, for instance) carries the trained model
//! in its binary and runs it with no loading at all.
//!
//! ```
//! use backprop_runtime::{bake, network};
//!
//! network! {
//!     /// y = w x + b
//!     pub struct Line<f32> {
//!         input x;
//!         output y = identity(w * x + b);
//!         loss half_squared_error;
//!     }
//! }
//!
//! let trained = Line { w: 2.0, b: -0.5 };
//! let source = bake::to_rust_source(&trained, "TRAINED_LINE")?;
//! assert_eq!(source, "\
//! /// `Line` with trained parameters, written by `backprop_runtime::bake`.
//! pub const TRAINED_LINE: Line = Line {
//!     w: 2.0,
//!     b: -0.5,
//! };
//! ");
//! # Ok::<(), backprop_runtime::Error>(())
//! ```
//!
//! Write the source to a file in the crate that runs the model (`src/trained.rs`) and
//! `include!` it next to the `network!` declaration, or generate it from a `build.rs`.

use alloc::format;
use alloc::string::String;
use core::fmt::Write;

use crate::{Error, Network, Scalar};

/// `pub const <const_name>: Net = Net { ... };` with every parameter of `network`, each
/// value written so that it reads back as exactly the same float.
///
/// # Errors
///
/// [`Error::NonFiniteParameter`] for a NaN or infinite parameter (Rust has no literal for
/// it, and such a model computes NaN).
pub fn to_rust_source<N: Network>(network: &N, const_name: &str) -> Result<String, Error> {
    if let Some((parameter, value)) = network.first_non_finite() {
        return Err(Error::NonFiniteParameter {
            parameter,
            value: value.to_f64(),
        });
    }
    let mut source = format!(
        "/// `{name}` with trained parameters, written by `backprop_runtime::bake`.\npub const {const_name}: {name} = {name} {{\n",
        name = N::NAME
    );
    for (info, values) in network.tensors() {
        let _ = write!(source, "    {}: ", info.name);
        write_tensor(&mut source, info.shape, values);
        source.push_str(",\n");
    }
    source.push_str("};\n");
    Ok(source)
}

/// One tensor as a literal: a number, or nested arrays row by row.
fn write_tensor<T: Scalar>(out: &mut String, shape: &[usize], values: &[T]) {
    match shape.split_first() {
        None => write_scalar(out, values.first().copied().unwrap_or_else(T::zero)),
        Some((_, rest)) => {
            let row: usize = rest.iter().product();
            out.push('[');
            for (k, chunk) in values.chunks(row.max(1)).enumerate() {
                if k > 0 {
                    out.push_str(", ");
                }
                write_tensor(out, rest, chunk);
            }
            out.push(']');
        }
    }
}

/// A float literal that parses back to the same value: Rust's `Debug` for floats writes
/// the shortest such decimal, with a `.0` when it is whole.
fn write_scalar<T: Scalar>(out: &mut String, value: T) {
    let _ = write!(out, "{value:?}");
}
