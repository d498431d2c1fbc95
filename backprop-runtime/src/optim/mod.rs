//! Optimizers over the flat parameters of any network: each keeps its state in gradient-
//! shaped structs of the network (no heap, no allocation per step).
//!
//! ```
//! use backprop_runtime::{network, optim::{Adam, Optimizer}, train_step_with};
//!
//! network! {
//!     /// y = w x + b
//!     pub struct Line<f64> {
//!         input x;
//!         output y = identity(w * x + b);
//!         loss half_squared_error;
//!     }
//! }
//!
//! let mut line = Line::default();
//! let mut adam = Adam::new(0.1);
//! for _ in 0..500 {
//!     for (x, y) in [(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)] {
//!         train_step_with(&mut line, &mut adam, &[x], &[y])?;
//!     }
//! }
//! assert!((line.w - 2.0).abs() < 1e-2 && (line.b - 1.0).abs() < 1e-2);
//! # Ok::<(), backprop_runtime::Error>(())
//! ```

mod adam;
mod momentum;
mod rprop;
mod sgd;

pub use adam::Adam;
pub use momentum::Momentum;
pub use rprop::Rprop;
pub use sgd::Sgd;

use crate::Network;

/// A rule that turns gradients into a parameter update.
pub trait Optimizer<N: Network> {
    /// Updates every parameter of `network` from `grads`, the gradient of the loss.
    fn step(&mut self, network: &mut N, grads: &N::Grads);
}
