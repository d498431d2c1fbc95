//! `Debug` for generated structs from their flat view, so that the generated impls stay a
//! few lines long however many fields a network has.

use core::fmt;

/// One field of a generated struct, as the flat view lays it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The field's name.
    pub name: &'static str,
    /// Its shape: `[]`, `[n]` or `[n, m]`.
    pub shape: &'static [usize],
}

/// The fields of a parameter layout, for [`debug_fields`]. A function rather than an
/// iterator chain in generated code, which must compile where no trait is in scope
/// (`#![no_implicit_prelude]`).
pub fn layout_fields(
    layout: &'static [crate::ParameterInfo],
) -> impl Iterator<Item = Field> + 'static {
    layout.iter().map(|parameter| Field {
        name: parameter.name,
        shape: parameter.shape,
    })
}

/// A slice of a flat view seen as the nested arrays of its shape (for `Debug`, and for
/// `Serialize` with the `serde` feature).
pub(crate) struct Tensor<'a, T> {
    pub(crate) values: &'a [T],
    pub(crate) shape: &'a [usize],
}

impl<'a, T> Tensor<'a, T> {
    /// The rows of the outermost axis, each a tensor of the remaining axes; `None` for a
    /// single value.
    pub(crate) fn rows(&self) -> Option<impl Iterator<Item = Tensor<'a, T>> + 'a> {
        let (&rows, rest) = self.shape.split_first()?;
        let row_len: usize = rest.iter().product();
        Some(
            self.values
                .chunks(row_len.max(1))
                .take(rows)
                .map(move |row| Tensor {
                    values: row,
                    shape: rest,
                }),
        )
    }
}

impl<T: fmt::Debug> fmt::Debug for Tensor<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.rows() {
            Some(rows) => f.debug_list().entries(rows).finish(),
            None => match self.values.first() {
                Some(value) => value.fmt(f),
                None => f.write_str("()"),
            },
        }
    }
}

/// Writes `name { field: value, ... }` for a struct whose flat view is `values`.
///
/// # Errors
///
/// Whatever the formatter reports.
pub fn debug_fields<T: fmt::Debug>(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    fields: impl IntoIterator<Item = Field>,
    values: &[T],
) -> fmt::Result {
    let mut debug = f.debug_struct(name);
    let fields = crate::network::with_ranges(fields, |field| field.shape.iter().product());
    for (field, range) in fields {
        let end = range.end.min(values.len());
        debug.field(
            field.name,
            &Tensor {
                values: &values[range.start.min(end)..end],
                shape: field.shape,
            },
        );
    }
    debug.finish()
}
