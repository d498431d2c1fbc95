//! Networks written out as source at test time and compiled as a user's crate would compile
//! them; see `tests/generated_networks.rs`. Nothing here is for use elsewhere.
