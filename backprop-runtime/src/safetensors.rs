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
use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

use ::safetensors::tensor::TensorView;
use ::safetensors::{Dtype, SafeTensors};
use num_traits::Float;

use crate::optim::Checkpoint;
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
    /// An optimizer's file is of another optimizer, lacks a setting, or holds one out of
    /// range.
    Optimizer(String),
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
            LoadError::Optimizer(message) => write!(f, "not a valid optimizer state: {message}"),
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

/// The parameters as a safetensors file, each tensor under the name and in the shape that
/// `layout` gives its parameter (`("fc1.weight", "W1", &[32, 64])`): the way back to a
/// PyTorch state dict. A shape may add or drop axes of length 1 only.
///
/// # Errors
///
/// As [`to_bytes`], and [`LoadError::Missing`] for a parameter `layout` does not name or
/// [`LoadError::Shape`] for a shape that does not fit it.
pub fn to_bytes_named<P: Parameters>(
    parameters: &P,
    layout: &[(&str, &str, &[usize])],
) -> Result<Vec<u8>, LoadError> {
    let mut renamed = Vec::with_capacity(P::LAYOUT.len());
    for info in P::LAYOUT {
        let (name, _, shape) = layout
            .iter()
            .find(|(_, parameter, _)| *parameter == info.name)
            .ok_or(LoadError::Missing { name: info.name })?;
        if !squeezed(shape).eq(squeezed(info.shape)) {
            return Err(LoadError::Shape {
                name: info.name,
                expected: info.shape.to_vec(),
                found: shape.to_vec(),
            });
        }
        renamed.push((*name, shape.to_vec()));
    }
    encode(parameters, |index| renamed[index].clone())
}

/// The parameters as a safetensors file.
///
/// # Errors
///
/// [`LoadError::NonFinite`] for a parameter that is NaN or infinite, and
/// [`LoadError::Format`] if the safetensors writer fails (it does not for valid layouts).
pub fn to_bytes<P: Parameters>(parameters: &P) -> Result<Vec<u8>, LoadError> {
    encode(parameters, |index| {
        let info = &P::LAYOUT[index];
        (info.name, info.shape.to_vec())
    })
}

/// The parameters as a safetensors file, each tensor under the name and shape that
/// `name_and_shape` gives the parameter at its index in the layout.
fn encode<'n, P: Parameters>(
    parameters: &P,
    name_and_shape: impl Fn(usize) -> (&'n str, Vec<usize>),
) -> Result<Vec<u8>, LoadError> {
    if let Some((name, value)) = parameters.first_non_finite() {
        return Err(LoadError::NonFinite {
            name,
            value: value.to_f64(),
        });
    }
    let width = core::mem::size_of::<P::Scalar>();
    let mut encoded = Vec::with_capacity(P::LAYOUT.len());
    for (index, (info, values)) in parameters.tensors().enumerate() {
        let mut bytes = Vec::with_capacity(info.len() * width);
        for &value in values {
            push_value(&mut bytes, value);
        }
        encoded.push((name_and_shape(index), bytes));
    }
    let views = encoded
        .iter()
        .map(|((name, shape), bytes)| {
            TensorView::new(dtype::<P::Scalar>(), shape.clone(), bytes).map(|view| (*name, view))
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

/// How a file's tensor names map to the network's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Names<'a> {
    /// The network's own names, as [`to_bytes`] writes them.
    Same,
    /// `(name in the file, parameter)` pairs, such as `("fc1.weight", "W1")`; every
    /// parameter needs one.
    Map(&'a [(&'a str, &'a str)]),
    /// A PyTorch `state_dict` taken in module order: the file's names sorted as PyTorch
    /// lists them (numeric path components as numbers, `weight` before `bias`), matched to
    /// the parameters in their flat order. For an `nn.Sequential` of `Linear` layers
    /// (`0.weight`, `0.bias`, `2.weight`, ...) against `W1, b1, W2, b2, ...`.
    PyTorchOrder,
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

/// [`load_into`] with the network's own names.
///
/// # Errors
///
/// As [`load_named`].
pub fn load_into<P: Parameters>(
    parameters: &mut P,
    bytes: &[u8],
    non_finite: NonFinite,
) -> Result<(), LoadError> {
    load_named(parameters, bytes, Names::Same, non_finite)
}

/// Overwrites `parameters` from a safetensors file, which must hold exactly one tensor per
/// parameter, named as `names` says, with its shape and dtype; `non_finite` says whether
/// NaN and infinities are refused. A shape may differ from the parameter's only by axes of
/// length 1 (PyTorch's `Linear(16, 1).weight` is `[1, 16]` where the network's `u` is
/// `[16]`, its bias `[1]` where `c` is `[]`).
///
/// ```
/// use backprop_runtime::network;
/// use backprop_runtime::safetensors::{load_named, Names, NonFinite};
///
/// network! {
///     /// 3 -> 2 tanh -> 1, as `nn.Sequential(Linear(3, 2), Tanh(), Linear(2, 1))`.
///     pub struct Net<f32> {
///         input x[3];
///         layer h[2] = tanh(W1 * x + b1);
///         output o = identity(w2 * h + b2);
///         loss half_squared_error;
///     }
/// }
///
/// // A state dict as PyTorch names and shapes it.
/// let torch = Net { W1: [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], b1: [0.5, -0.5], w2: [1.0, -1.0], b2: 0.25 };
/// let file = backprop_runtime::safetensors::to_bytes_named(&torch, &[
///     ("0.weight", "W1", &[2, 3]), ("0.bias", "b1", &[2]),
///     ("2.weight", "w2", &[1, 2]), ("2.bias", "b2", &[1]),
/// ])?;
/// let mut net = Net::default();
/// load_named(&mut net, &file, Names::PyTorchOrder, NonFinite::Reject)?;
/// assert_eq!(net, torch);
/// # Ok::<(), backprop_runtime::safetensors::LoadError>(())
/// ```
///
/// # Errors
///
/// The first mismatch, as a [`LoadError`]: a missing tensor, a wrong shape or dtype (in
/// the network's parameter order), then a tensor the network does not have, then a value
/// that is not finite. Everything is checked before anything is written: on error,
/// `parameters` is unchanged.
pub fn load_named<P: Parameters>(
    parameters: &mut P,
    bytes: &[u8],
    names: Names,
    non_finite: NonFinite,
) -> Result<(), LoadError> {
    let file =
        SafeTensors::deserialize(bytes).map_err(|error| LoadError::Format(error.to_string()))?;
    let file_names = file_names::<P>(&file, names)?;
    let tensors = matching_tensors::<P>(&file, &file_names)?;
    refuse_unexpected(&file, &file_names)?;
    if non_finite == NonFinite::Reject {
        refuse_non_finite::<P>(&tensors)?;
    }
    write_tensors(parameters, &tensors);
    Ok(())
}

/// Each parameter's bytes in `file`, under its name in `file_names`, with its shape and
/// dtype checked.
fn matching_tensors<'a, P: Parameters>(
    file: &SafeTensors<'a>,
    file_names: &[String],
) -> Result<Vec<&'a [u8]>, LoadError> {
    P::LAYOUT
        .iter()
        .zip(file_names)
        .map(|(info, name)| matching_tensor::<P::Scalar>(file, info, name))
        .collect()
}

/// The first tensor of `file` (by name) that `expected` does not name, as an error.
fn refuse_unexpected(file: &SafeTensors, expected: &[String]) -> Result<(), LoadError> {
    let mut unexpected: Vec<&str> = file
        .names()
        .into_iter()
        .filter(|name| expected.iter().all(|mapped| mapped != *name))
        .collect();
    unexpected.sort_unstable();
    match unexpected.first() {
        Some(name) => Err(LoadError::Unexpected {
            name: (*name).to_string(),
        }),
        None => Ok(()),
    }
}

/// The first NaN or infinity in the tensors of `P`, as an error naming its parameter.
fn refuse_non_finite<P: Parameters>(tensors: &[&[u8]]) -> Result<(), LoadError> {
    // The dtype is the network's, so a finite value in the file is finite when loaded.
    for (info, data) in P::LAYOUT.iter().zip(tensors) {
        if let Some(value) = decode::<P::Scalar>(data).find(|value| !value.is_finite()) {
            return Err(LoadError::NonFinite {
                name: info.name,
                value: value.to_f64(),
            });
        }
    }
    Ok(())
}

/// Decodes checked tensors into `parameters`.
fn write_tensors<P: Parameters>(parameters: &mut P, tensors: &[&[u8]]) {
    for ((_, target), data) in parameters.tensors_mut().zip(tensors) {
        for (value, decoded) in target.iter_mut().zip(decode(data)) {
            *value = decoded;
        }
    }
}

/// An optimizer's state as a safetensors file (for a checkpoint beside the network's own
/// file): each buffer's tensors named `<buffer>.<parameter>` (`first_moment.W1`), and in
/// the file's metadata the optimizer's name, its settings and its step count, each number
/// written so that it reads back exactly.
///
/// # Errors
///
/// [`LoadError::NonFinite`] for a NaN or infinite value in a buffer, and
/// [`LoadError::Format`] if the safetensors writer fails.
pub fn optimizer_to_bytes<N, O>(optimizer: &O) -> Result<Vec<u8>, LoadError>
where
    N: crate::Network,
    O: Checkpoint<N>,
{
    let names = O::NAMES;
    let buffers = optimizer.buffers();
    let mut encoded = Vec::new();
    for (buffer_name, buffer) in names.buffers.iter().zip(&buffers) {
        if let Some((name, value)) = buffer.first_non_finite() {
            return Err(LoadError::NonFinite {
                name,
                value: value.to_f64(),
            });
        }
        for (info, values) in buffer.tensors() {
            let mut bytes = Vec::with_capacity(std::mem::size_of_val(values));
            for &value in values {
                push_value(&mut bytes, value);
            }
            encoded.push((
                format!("{buffer_name}.{}", info.name),
                info.shape.to_vec(),
                bytes,
            ));
        }
    }
    let mut metadata = std::collections::HashMap::new();
    metadata.insert("optimizer".to_string(), names.optimizer.to_string());
    for (name, value) in names.settings.iter().zip(optimizer.settings()) {
        metadata.insert((*name).to_string(), format!("{value:?}"));
    }
    if names.counts_steps {
        metadata.insert("steps".to_string(), optimizer.steps().to_string());
    }
    let views = encoded
        .iter()
        .map(|(name, shape, bytes)| {
            TensorView::new(dtype::<N::Scalar>(), shape.clone(), bytes).map(|view| (name, view))
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| LoadError::Format(error.to_string()))?;
    ::safetensors::serialize(views, Some(metadata))
        .map_err(|error| LoadError::Format(error.to_string()))
}

/// An optimizer read back from [`optimizer_to_bytes`]'s file: every buffer and setting
/// present, shapes and dtype the network's, values finite, settings in range. Nothing is
/// returned half-loaded.
///
/// # Errors
///
/// [`LoadError::Optimizer`] for a file of another optimizer, a missing or unreadable
/// setting, or a setting out of range; otherwise as [`load_named`].
pub fn optimizer_from_bytes<N, O>(bytes: &[u8]) -> Result<O, LoadError>
where
    N: crate::Network,
    O: Checkpoint<N>,
{
    let names = O::NAMES;
    let file =
        SafeTensors::deserialize(bytes).map_err(|error| LoadError::Format(error.to_string()))?;
    let (_, header) =
        SafeTensors::read_metadata(bytes).map_err(|error| LoadError::Format(error.to_string()))?;
    let empty = std::collections::HashMap::new();
    let metadata = header.metadata().as_ref().unwrap_or(&empty);
    let invalid = |message: String| LoadError::Optimizer(message);
    let found = metadata.get("optimizer").map_or("nothing", String::as_str);
    if found != names.optimizer {
        return Err(invalid(format!(
            "the file holds the state of {found}, not of {}",
            names.optimizer
        )));
    }
    let number = |name: &str| {
        metadata
            .get(name)
            .and_then(|text| text.parse::<f64>().ok())
            .ok_or_else(|| invalid(format!("no readable `{name}` in the file's metadata")))
    };
    let settings = names
        .settings
        .iter()
        .map(|name| number(name))
        .collect::<Result<Vec<_>, _>>()?;
    let steps = if names.counts_steps {
        metadata
            .get("steps")
            .and_then(|text| text.parse::<i32>().ok())
            .ok_or_else(|| invalid("no readable `steps` in the file's metadata".to_string()))?
    } else {
        0
    };
    let mut expected = Vec::new();
    let mut buffers = Vec::new();
    for buffer_name in names.buffers {
        let file_names: Vec<String> = N::Grads::LAYOUT
            .iter()
            .map(|info| format!("{buffer_name}.{}", info.name))
            .collect();
        buffers.push(matching_tensors::<N::Grads>(&file, &file_names)?);
        expected.extend(file_names);
    }
    refuse_unexpected(&file, &expected)?;
    for tensors in &buffers {
        refuse_non_finite::<N::Grads>(tensors)?;
    }
    let buffers = buffers
        .iter()
        .map(|tensors| {
            let mut buffer = crate::zeroed_box::<N::Grads>();
            write_tensors(&mut *buffer, tensors);
            buffer
        })
        .collect();
    O::from_parts(&settings, steps, buffers).map_err(|error| invalid(error.to_string()))
}

/// Appends a value's little-endian bytes, in its own width, to `bytes`.
fn push_value<T: Scalar>(bytes: &mut Vec<u8>, value: T) {
    if core::mem::size_of::<T>() == 4 {
        bytes.extend_from_slice(&(value.to_f64() as f32).to_le_bytes());
    } else {
        bytes.extend_from_slice(&value.to_f64().to_le_bytes());
    }
}

/// The name in the file of each parameter, in flat order.
fn file_names<P: Parameters>(file: &SafeTensors, names: Names) -> Result<Vec<String>, LoadError> {
    match names {
        Names::Same => Ok(P::LAYOUT.iter().map(|info| info.name.to_string()).collect()),
        Names::Map(pairs) => P::LAYOUT
            .iter()
            .map(|info| {
                pairs
                    .iter()
                    .find(|(_, parameter)| *parameter == info.name)
                    .map(|(in_file, _)| (*in_file).to_string())
                    .ok_or(LoadError::Missing { name: info.name })
            })
            .collect(),
        Names::PyTorchOrder => {
            let mut in_file: Vec<&str> = file.names();
            in_file.sort_by(|a, b| module_order(a).cmp(&module_order(b)));
            let mut ordered = in_file.into_iter().map(str::to_string);
            P::LAYOUT
                .iter()
                .map(|info| ordered.next().ok_or(LoadError::Missing { name: info.name }))
                .collect()
        }
    }
}

/// A state-dict name as PyTorch orders it: path components compared as numbers where they
/// are numbers, and a module's `weight` before its `bias`.
fn module_order(name: &str) -> Vec<(u8, u64, &str)> {
    name.split('.')
        .map(|part| match (part.parse::<u64>(), part) {
            (Ok(number), _) => (0, number, ""),
            (Err(_), "weight") => (1, 0, ""),
            (Err(_), "bias") => (2, 0, ""),
            (Err(_), other) => (3, 0, other),
        })
        .collect()
}

/// A shape without its axes of length 1.
fn squeezed(shape: &[usize]) -> impl Iterator<Item = usize> + '_ {
    shape.iter().copied().filter(|&axis| axis != 1)
}

/// The bytes of the tensor `name` for `info`, once its presence, shape and dtype are checked.
fn matching_tensor<'a, T: Scalar>(
    file: &SafeTensors<'a>,
    info: &ParameterInfo,
    name: &str,
) -> Result<&'a [u8], LoadError> {
    let tensor = file
        .tensor(name)
        .map_err(|_| LoadError::Missing { name: info.name })?;
    if !squeezed(tensor.shape()).eq(squeezed(info.shape)) {
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
