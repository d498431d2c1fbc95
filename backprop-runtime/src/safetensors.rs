//! Saving and loading parameters in the safetensors format (feature `safetensors`), so
//! weights move to and from PyTorch, candle or burn.
//!
//! Each parameter is one tensor named as in `network!`, with its shape (`[]` for a single
//! value, `[n]`, and `[n, m]` for a matrix in PyTorch's `Linear.weight` layout) and the
//! network's dtype (`F32` or `F64`), little-endian.
//!
//! ```
//! use backprop_runtime::{network, safetensors};
//!
//! network! {
//!     /// 3 -> 2 tanh -> 1.
//!     pub struct Net<f32> {
//!         input x[3];
//!         layer h[2] = tanh(W * x + b);
//!         output o = identity(u * h);
//!         loss half_squared_error;
//!     }
//! }
//!
//! let net = Net { W: [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], b: [0.5, -0.5], u: [1.0, -1.0] };
//! let bytes = safetensors::to_bytes(&net)?;
//! let loaded: Net = safetensors::from_bytes(&bytes)?;
//! assert_eq!(loaded, net);
//! # Ok::<(), safetensors::LoadError>(())
//! ```

use std::fmt;
use std::string::{String, ToString};
use std::vec::Vec;

use ::safetensors::tensor::TensorView;
use ::safetensors::{Dtype, SafeTensors};
use num_traits::Float;

use crate::{ParameterInfo, Parameters, Scalar, ScalarKind};

/// Why parameters could not be saved or loaded. Loading reports the first mismatch, in the
/// network's parameter order, then any tensor the network does not have.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LoadError {
    /// The bytes are not a valid safetensors file (or could not be written as one).
    Format(String),
    /// The file has no tensor for this parameter.
    Missing {
        /// The parameter's name.
        name: &'static str,
    },
    /// The file has a tensor the network has no parameter for.
    Unexpected {
        /// The tensor's name.
        name: String,
    },
    /// A tensor's shape differs from its parameter's.
    Shape {
        /// The parameter's name.
        name: &'static str,
        /// The parameter's shape.
        expected: Vec<usize>,
        /// The tensor's shape.
        found: Vec<usize>,
    },
    /// A value in the file is NaN or infinite, or a parameter to be saved is: such a network
    /// could never be trained back.
    NonFinite {
        /// The parameter's name.
        name: &'static str,
        /// The value, as `f64`.
        value: f64,
    },
    /// A tensor's dtype differs from the network's scalar type.
    Dtype {
        /// The parameter's name.
        name: &'static str,
        /// The network's dtype (`F32` or `F64`).
        expected: String,
        /// The tensor's dtype.
        found: String,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Format(message) => write!(f, "not a valid safetensors file: {message}"),
            LoadError::Missing { name } => write!(f, "the file has no tensor `{name}`"),
            LoadError::Unexpected { name } => {
                write!(f, "the file has a tensor `{name}` that the network does not have")
            }
            LoadError::Shape {
                name,
                expected,
                found,
            } => write!(
                f,
                "tensor `{name}` has shape {found:?}, but the network's `{name}` has shape {expected:?}"
            ),
            LoadError::Dtype {
                name,
                expected,
                found,
            } => write!(
                f,
                "tensor `{name}` is {found}, but the network computes in {expected}"
            ),
            LoadError::NonFinite { name, value } => write!(
                f,
                "tensor `{name}` holds {value:?}, which is not a finite number"
            ),
        }
    }
}

impl std::error::Error for LoadError {}

fn dtype<T: Scalar>() -> Dtype {
    match T::KIND {
        ScalarKind::F32 => Dtype::F32,
        ScalarKind::F64 => Dtype::F64,
    }
}

/// The parameters as a safetensors file.
///
/// # Errors
///
/// [`LoadError::NonFinite`] for a parameter that is NaN or infinite, and
/// [`LoadError::Format`] if the safetensors writer fails (it does not for valid layouts).
pub fn to_bytes<P: Parameters>(parameters: &P) -> Result<Vec<u8>, LoadError> {
    if let Some((name, value)) = parameters.first_non_finite() {
        return Err(LoadError::NonFinite {
            name,
            value: value.to_f64(),
        });
    }
    let width = core::mem::size_of::<P::Scalar>();
    let mut encoded = Vec::with_capacity(P::LAYOUT.len());
    for (info, values) in parameters.tensors() {
        let mut bytes = Vec::with_capacity(info.len() * width);
        for &value in values {
            if width == 4 {
                bytes.extend_from_slice(&(value.to_f64() as f32).to_le_bytes());
            } else {
                bytes.extend_from_slice(&value.to_f64().to_le_bytes());
            }
        }
        encoded.push((info, bytes));
    }
    let views = encoded
        .iter()
        .map(|(info, bytes)| {
            TensorView::new(dtype::<P::Scalar>(), info.shape.to_vec(), bytes)
                .map(|view| (info.name, view))
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| LoadError::Format(error.to_string()))?;
    ::safetensors::serialize(views, None).map_err(|error| LoadError::Format(error.to_string()))
}

/// What loading does with a NaN or infinite value in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum NonFinite {
    /// Refuse the file with [`LoadError::NonFinite`] (the default: such a network computes
    /// NaN and can never be trained back).
    #[default]
    Reject,
    /// Load the values as they are, for a caller who inspects or repairs them.
    Allow,
}

/// Parameters read from a safetensors file, which must hold exactly the network's tensors
/// with their shapes and dtype, and only finite values.
///
/// The parameters are built on the stack: for a network too large for it, load into a
/// `Net::boxed()` with [`load_into`].
///
/// # Errors
///
/// The first mismatch, as a [`LoadError`]; nothing is returned half-loaded.
pub fn from_bytes<P: Parameters + Default>(bytes: &[u8]) -> Result<P, LoadError> {
    let mut parameters = P::default();
    load_into(&mut parameters, bytes, NonFinite::Reject)?;
    Ok(parameters)
}

/// Overwrites `parameters` from a safetensors file, which must hold exactly the network's
/// tensors with their shapes and dtype; `non_finite` says whether NaN and infinities are
/// refused.
///
/// # Errors
///
/// The first mismatch, as a [`LoadError`]: a missing tensor, a wrong shape or dtype (in
/// the network's parameter order), then a tensor the network does not have, then a value
/// that is not finite. Everything is checked before anything is written: on error,
/// `parameters` is unchanged.
pub fn load_into<P: Parameters>(
    parameters: &mut P,
    bytes: &[u8],
    non_finite: NonFinite,
) -> Result<(), LoadError> {
    let file =
        SafeTensors::deserialize(bytes).map_err(|error| LoadError::Format(error.to_string()))?;
    let tensors = P::LAYOUT
        .iter()
        .map(|info| matching_tensor::<P::Scalar>(&file, info))
        .collect::<Result<Vec<_>, _>>()?;
    let mut unexpected: Vec<&str> = file
        .names()
        .into_iter()
        .filter(|name| P::LAYOUT.iter().all(|info| info.name != *name))
        .collect();
    unexpected.sort_unstable();
    if let Some(name) = unexpected.first() {
        return Err(LoadError::Unexpected {
            name: (*name).to_string(),
        });
    }
    if non_finite == NonFinite::Reject {
        // The dtype is the network's, so a finite value in the file is finite when loaded.
        for (info, data) in P::LAYOUT.iter().zip(&tensors) {
            if let Some(value) = decode::<P::Scalar>(data).find(|value| !value.is_finite()) {
                return Err(LoadError::NonFinite {
                    name: info.name,
                    value: value.to_f64(),
                });
            }
        }
    }
    for ((_, target), data) in parameters.tensors_mut().zip(&tensors) {
        for (value, decoded) in target.iter_mut().zip(decode(data)) {
            *value = decoded;
        }
    }
    Ok(())
}

/// The bytes of the tensor for `info`, once its presence, shape and dtype are checked.
fn matching_tensor<'a, T: Scalar>(
    file: &SafeTensors<'a>,
    info: &ParameterInfo,
) -> Result<&'a [u8], LoadError> {
    let tensor = file
        .tensor(info.name)
        .map_err(|_| LoadError::Missing { name: info.name })?;
    if tensor.shape() != info.shape {
        return Err(LoadError::Shape {
            name: info.name,
            expected: info.shape.to_vec(),
            found: tensor.shape().to_vec(),
        });
    }
    if tensor.dtype() != dtype::<T>() {
        return Err(LoadError::Dtype {
            name: info.name,
            expected: dtype::<T>().to_string(),
            found: tensor.dtype().to_string(),
        });
    }
    Ok(tensor.data())
}

/// The little-endian values of a tensor of `T`'s dtype.
fn decode<T: Scalar>(data: &[u8]) -> impl Iterator<Item = T> + '_ {
    let width = core::mem::size_of::<T>();
    data.chunks_exact(width).map(move |chunk| {
        // `chunks_exact` makes every chunk exactly `width` bytes long.
        let decoded = if width == 4 {
            f64::from(f32::from_le_bytes(chunk.try_into().unwrap_or_default()))
        } else {
            f64::from_le_bytes(chunk.try_into().unwrap_or_default())
        };
        T::from_f64(decoded)
    })
}
