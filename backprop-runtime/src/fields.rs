//! `Debug` for generated structs from their flat view, so that the generated impls stay a
//! few lines long however many fields a network has.

use core::fmt;

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

/// Writes `name { field: value, ... }` for a parameter or gradient struct whose flat view
/// is `values`, its fields named and shaped by `layout`.
///
/// # Errors
///
/// Whatever the formatter reports.
pub fn debug_parameters<T: fmt::Debug>(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    layout: &[crate::ParameterInfo],
    values: &[T],
) -> fmt::Result {
    let fields = layout
        .iter()
        .map(|parameter| (parameter.name, parameter.shape));
    debug_fields(f, name, fields, values)
}

/// Writes `name { field: value, ... }` for a trace whose flat view is `values`, its fields
/// given as `(name, shape)` in flat order.
///
/// # Errors
///
/// Whatever the formatter reports.
pub fn debug_values<T: fmt::Debug>(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    fields: &[(&str, &[usize])],
    values: &[T],
) -> fmt::Result {
    debug_fields(f, name, fields.iter().copied(), values)
}

/// `name { field: value, ... }` from `(name, shape)` pairs and the flat view they cover.
fn debug_fields<'a, T: fmt::Debug>(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    fields: impl Iterator<Item = (&'a str, &'a [usize])>,
    values: &[T],
) -> fmt::Result {
    let mut debug = f.debug_struct(name);
    let fields = crate::network::with_ranges(fields, |(_, shape)| shape.iter().product());
    for ((field, shape), range) in fields {
        let end = range.end.min(values.len());
        debug.field(
            field,
            &Tensor {
                values: &values[range.start.min(end)..end],
                shape,
            },
        );
    }
    debug.finish()
}
