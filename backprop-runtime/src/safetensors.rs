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

use crate::{Parameters, Scalar, ScalarKind};

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

/// Parameters read from a safetensors file, which must hold exactly the network's tensors
/// with their shapes and dtype.
///
/// # Errors
///
/// The first mismatch, as a [`LoadError`]; nothing is returned half-loaded.
pub fn from_bytes<P: Parameters + Default>(bytes: &[u8]) -> Result<P, LoadError> {
    let file =
        SafeTensors::deserialize(bytes).map_err(|error| LoadError::Format(error.to_string()))?;
    let mut parameters = P::default();
    for (info, target) in parameters.tensors_mut() {
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
        if tensor.dtype() != dtype::<P::Scalar>() {
            return Err(LoadError::Dtype {
                name: info.name,
                expected: dtype::<P::Scalar>().to_string(),
                found: tensor.dtype().to_string(),
            });
        }
        let width = core::mem::size_of::<P::Scalar>();
        for (value, chunk) in target.iter_mut().zip(tensor.data().chunks_exact(width)) {
            // `chunks_exact` makes every chunk exactly `width` bytes long.
            let decoded = if width == 4 {
                f64::from(f32::from_le_bytes(chunk.try_into().unwrap_or_default()))
            } else {
                f64::from_le_bytes(chunk.try_into().unwrap_or_default())
            };
            *value = P::Scalar::from_f64(decoded);
        }
    }
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
    // NaN or infinity in the file (the dtype matches the network's, so nothing overflows).
    if let Some((name, value)) = parameters.first_non_finite() {
        return Err(LoadError::NonFinite {
            name,
            value: value.to_f64(),
        });
    }
    Ok(parameters)
}
