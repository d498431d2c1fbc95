//! A crate that depends on `backprop-runtime` renamed to `bp`, where no crate named
//! `backprop_runtime` exists: `#[backprop(crate = ::bp)]` tells generated code where the
//! runtime is.

bp::network! {
    /// A classifier whose every generated path goes through `::bp`.
    #[backprop(crate = ::bp)]
    pub struct Renamed<f64> {
        /// Two features.
        input x[2];
        layer h[3] = tanh(W1 * x + b1);
        output o[2] = identity(W2 * h + b2);
        loss softmax_cross_entropy;
    }
}
