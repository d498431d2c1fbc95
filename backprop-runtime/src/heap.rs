//! Where large buffers live: a network's parameters, gradients and optimizer state are
//! single structs of scalars, megabytes for a network of a million parameters, too large
//! for a thread's stack (2 MiB for spawned and rayon threads). Built directly on the heap
//! they never pass through the stack; small ones stay on the stack, allocation-free.

use crate::Parameters;

/// Gradient buffers larger than this many bytes are put on the heap by the training
/// functions (with the `alloc` feature); smaller ones live on the caller's stack.
///
/// 64 KiB leaves a spawned thread's 2 MiB stack ample room for the forward trace and the
/// backward pass's own values, in debug builds too.
pub const STACK_BUFFER_LIMIT: usize = 64 * 1024;

/// A struct laid out as exactly [`Parameters::LEN`] consecutive scalars: what lets a
/// zeroed buffer of scalars become the struct without passing through the stack.
///
/// # Safety
///
/// `size_of::<Self>()` must be `Self::LEN * size_of::<Self::Scalar>()`, its alignment at
/// most that of `Self::Scalar`, and any `Self::LEN` scalars in a row must be a valid value
/// of `Self` (true of a `#[repr(C)]` struct of scalars and arrays of scalars, which is what
/// `network!` generates and asserts at compile time).
pub unsafe trait FlatLayout: Parameters + Sized {}

/// A value of `P` with every scalar zero, allocated directly on the heap: the way to make a
/// network, gradient or optimizer buffer of any size without a stack overflow.
///
/// Generated structs offer it as `Net::boxed()` and `NetGrads::boxed()`.
#[cfg(feature = "alloc")]
#[must_use]
pub fn zeroed_box<P: FlatLayout>() -> alloc::boxed::Box<P> {
    use alloc::boxed::Box;
    use core::mem::{align_of, size_of};
    use num_traits::Zero;

    // Checked at compile time after monomorphisation: the contract of `FlatLayout`.
    assert!(
        size_of::<P>() == P::LEN * size_of::<P::Scalar>()
            && align_of::<P>() <= align_of::<P::Scalar>()
    );
    let scalars: Box<[P::Scalar]> = alloc::vec![P::Scalar::zero(); P::LEN].into_boxed_slice();
    // SAFETY: the allocation holds `P::LEN` scalars aligned as a scalar, which by the
    // contract of `FlatLayout` (and the assertion above) is the size and at least the
    // alignment of `P`, and is a valid `P`; `Box<P>` frees it with `P`'s layout, which is
    // the layout it was allocated with (for a zero-sized `P`, nothing is freed).
    unsafe { Box::from_raw(Box::into_raw(scalars).cast::<P>()) }
}

/// Whether a buffer of type `B` is too large for the stack ([`STACK_BUFFER_LIMIT`]).
pub(crate) const fn is_large<B>() -> bool {
    core::mem::size_of::<B>() > STACK_BUFFER_LIMIT
}

/// A buffer of `P` with every scalar `value`: on the heap with `alloc`, inline otherwise
/// (optimizer state, made once when the optimizer is built).
#[cfg(feature = "alloc")]
pub(crate) type Buffer<P> = alloc::boxed::Box<P>;
/// A buffer of `P` with every scalar `value`: on the heap with `alloc`, inline otherwise
/// (optimizer state, made once when the optimizer is built).
#[cfg(not(feature = "alloc"))]
pub(crate) type Buffer<P> = P;

/// A [`Buffer`] with every scalar `value`.
pub(crate) fn filled_buffer<P: FlatLayout + Default>(value: P::Scalar) -> Buffer<P> {
    #[cfg(feature = "alloc")]
    let mut buffer = zeroed_box::<P>();
    #[cfg(not(feature = "alloc"))]
    let mut buffer = P::default();
    buffer.as_mut_slice().fill(value);
    buffer
}

/// Runs `work` on a buffer of `P` with every scalar zero, on the stack if it is small and on
/// the heap (with `alloc`) if it is larger than [`STACK_BUFFER_LIMIT`].
#[inline]
pub(crate) fn with_buffer<P: FlatLayout + Default, R>(work: impl FnOnce(&mut P) -> R) -> R {
    // Two functions, not two branches: an unoptimised build reserves the stack of every
    // local of a function, so a stack buffer in a branch never taken would still cost its
    // size in the caller's frame.
    #[cfg(feature = "alloc")]
    if is_large::<P>() {
        return on_heap(work);
    }
    on_stack(work)
}

/// [`with_buffer`] on the heap.
#[cfg(feature = "alloc")]
fn on_heap<P: FlatLayout, R>(work: impl FnOnce(&mut P) -> R) -> R {
    work(&mut zeroed_box::<P>())
}

/// [`with_buffer`] on the stack (`Default` is zero for the structs `network!` generates).
#[inline]
fn on_stack<P: FlatLayout + Default, R>(work: impl FnOnce(&mut P) -> R) -> R {
    work(&mut P::default())
}
