//! `serde` support for generated parameter and gradient structs (feature `serde`): a map
//! from each parameter's name to its value, a number for a single value and nested
//! sequences for vectors and matrices, so that JSON, TOML or bincode files read naturally.
//!
//! Loading checks every name and every length, and reports the first mismatch: an unknown
//! or duplicate parameter, a missing one, or a tensor of the wrong shape.

use alloc::vec;
use core::fmt;
use core::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

use crate::fields::Tensor;
use crate::{ParameterInfo, Parameters};

impl<T: Serialize> Serialize for Tensor<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Some(rows) = self.rows() else {
            return match self.values.first() {
                Some(value) => value.serialize(serializer),
                None => serializer.serialize_unit(),
            };
        };
        let mut seq = serializer.serialize_seq(Some(self.shape[0]))?;
        for row in rows {
            seq.serialize_element(&row)?;
        }
        seq.end()
    }
}

/// Serializes parameters as a map from name to tensor, in declaration order.
///
/// # Errors
///
/// A parameter that is NaN or infinite, named in the message (JSON would write it as `null`
/// and never read it back); and whatever the serializer reports.
pub fn serialize_parameters<P, S>(parameters: &P, serializer: S) -> Result<S::Ok, S::Error>
where
    P: Parameters,
    P::Scalar: Serialize,
    S: Serializer,
{
    if let Some((name, value)) = parameters.first_non_finite() {
        return Err(serde::ser::Error::custom(format_args!(
            "parameter `{name}` holds {value:?}, which is not a finite number; refusing to save it"
        )));
    }
    let mut map = serializer.serialize_map(Some(P::LAYOUT.len()))?;
    for (info, values) in parameters.tensors() {
        let tensor = Tensor {
            values,
            shape: info.shape,
        };
        map.serialize_entry(info.name, &tensor)?;
    }
    map.end()
}

/// Deserializes parameters written by [`serialize_parameters`].
///
/// # Errors
///
/// An unknown, duplicate or missing parameter, a tensor of the wrong shape, or a value that
/// is not finite in the scalar type (NaN, infinity, or a number too large for it), named in
/// the message; and whatever the deserializer reports.
pub fn deserialize_parameters<'de, P, D>(deserializer: D) -> Result<P, D::Error>
where
    P: Parameters + Default,
    P::Scalar: Deserialize<'de>,
    D: Deserializer<'de>,
{
    deserializer.deserialize_map(ParametersVisitor {
        allow_non_finite: false,
        parameters: PhantomData,
    })
}

/// Deserializes parameters as a generated struct's `Deserialize` does, but accepting NaN
/// and infinite values (and numbers too large for the scalar type, as infinities): for a
/// caller who inspects or repairs them. Names and shapes are checked as always.
///
/// ```
/// use backprop_runtime::{deserialize_allowing_non_finite, network};
///
/// network! {
///     /// o = w x
///     pub struct Line<f32> {
///         input x;
///         output o = identity(w * x);
///         loss half_squared_error;
///     }
/// }
///
/// use serde::de::value::{Error, MapDeserializer};
/// use serde::Deserialize;
///
/// let file = || MapDeserializer::<_, Error>::new([("w", f32::INFINITY)].into_iter());
/// assert!(Line::deserialize(file()).is_err());
/// let line: Line = deserialize_allowing_non_finite(file())?;
/// assert_eq!(line.w, f32::INFINITY);
/// # Ok::<(), Error>(())
/// ```
///
/// # Errors
///
/// An unknown, duplicate or missing parameter, or a tensor of the wrong shape, named in the
/// message; and whatever the deserializer reports.
pub fn deserialize_allowing_non_finite<'de, P, D>(deserializer: D) -> Result<P, D::Error>
where
    P: Parameters + Default,
    P::Scalar: Deserialize<'de>,
    D: Deserializer<'de>,
{
    deserializer.deserialize_map(ParametersVisitor {
        allow_non_finite: true,
        parameters: PhantomData,
    })
}

struct ParametersVisitor<P> {
    allow_non_finite: bool,
    parameters: PhantomData<P>,
}

impl<'de, P> Visitor<'de> for ParametersVisitor<P>
where
    P: Parameters + Default,
    P::Scalar: Deserialize<'de>,
{
    type Value = P;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map from parameter names to numbers or nested sequences of numbers")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<P, A::Error> {
        let mut parameters = P::default();
        let mut seen = vec![false; P::LAYOUT.len()];
        while let Some(index) = map.next_key_seed(NameSeed(P::LAYOUT))? {
            let info = &P::LAYOUT[index];
            if seen[index] {
                return Err(de::Error::custom(format_args!(
                    "parameter `{}` appears twice",
                    info.name
                )));
            }
            seen[index] = true;
            let (_, values) = parameters
                .tensors_mut()
                .nth(index)
                .ok_or_else(|| de::Error::custom("parameter index out of range"))?;
            map.next_value_seed(TensorSeed {
                values,
                shape: info.shape,
                name: info.name,
            })?;
        }
        if let Some(missing) = seen.iter().position(|&seen| !seen) {
            return Err(de::Error::custom(format_args!(
                "missing parameter `{}`",
                P::LAYOUT[missing].name
            )));
        }
        // A number too large for the scalar type arrives as an infinity.
        if let Some((name, value)) = parameters
            .first_non_finite()
            .filter(|_| !self.allow_non_finite)
        {
            return Err(de::Error::custom(format_args!(
                "parameter `{name}` holds {value:?}: not a finite number of the network's scalar type"
            )));
        }
        Ok(parameters)
    }
}

/// Reads a parameter's name as its index in the layout, without allocating.
struct NameSeed(&'static [ParameterInfo]);

impl<'de> DeserializeSeed<'de> for NameSeed {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for NameSeed {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a parameter name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<usize, E> {
        self.0
            .iter()
            .position(|info| info.name == name)
            .ok_or_else(|| E::custom(format_args!("unknown parameter `{name}`")))
    }
}

/// Reads one tensor into its place in the flat slice, checking every length.
struct TensorSeed<'a, T> {
    values: &'a mut [T],
    shape: &'static [usize],
    name: &'static str,
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for TensorSeed<'_, T> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        if self.shape.is_empty() {
            self.values[0] = T::deserialize(deserializer)?;
            Ok(())
        } else {
            deserializer.deserialize_seq(self)
        }
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for TensorSeed<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "parameter `{}` as a sequence of {} entries",
            self.name, self.shape[0]
        )
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let (&rows, rest) = self.shape.split_first().unwrap_or((&1, &[]));
        let row_len: usize = rest.iter().product();
        for (filled, row) in self
            .values
            .chunks_mut(row_len.max(1))
            .take(rows)
            .enumerate()
        {
            let seed = TensorSeed {
                values: row,
                shape: rest,
                name: self.name,
            };
            if seq.next_element_seed(seed)?.is_none() {
                return Err(de::Error::custom(format_args!(
                    "parameter `{}`: expected {rows} entries, found {filled}",
                    self.name
                )));
            }
        }
        if seq.next_element::<IgnoredAny>()?.is_some() {
            return Err(de::Error::custom(format_args!(
                "parameter `{}`: expected {rows} entries, found more",
                self.name
            )));
        }
        Ok(())
    }
}

/// Implements `Serialize` and `Deserialize` for a generated struct when the runtime's
/// `serde` feature is on, and nothing otherwise: generated code calls it unconditionally.
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_serde {
    ($name:ident) => {
        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::core::result::Result<S::Ok, S::Error> {
                $crate::__private::serialize_parameters(self, serializer)
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::core::result::Result<Self, D::Error> {
                $crate::__private::deserialize_parameters(deserializer)
            }
        }
    };
}
