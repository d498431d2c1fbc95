//! Unit tests of the whole macro on proc_macro2 tokens.
