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
/// the heap (with `alloc`; with `std` a buffer the thread keeps) if it is larger than
/// [`STACK_BUFFER_LIMIT`].
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

/// [`with_buffer`] on the heap: with `std`, in this thread's cached buffer, allocated (or
/// grown) by the first call that needs it and reused after, so training a large network
/// allocates nothing after its first step; without `std` (or when the cache is in use by
/// an enclosing call), a fresh allocation.
#[cfg(feature = "alloc")]
fn on_heap<P: FlatLayout, R>(work: impl FnOnce(&mut P) -> R) -> R {
    #[cfg(feature = "std")]
    {
        // `try_with`: a thread being torn down has no cache, and allocates.
        let cached = CACHE
            .try_with(|cache| {
                cache.try_borrow_mut().ok().map(|mut words| {
                    let mut words = core::mem::take(&mut *words);
                    let len = core::mem::size_of::<P>().div_ceil(core::mem::size_of::<u64>());
                    if words.len() < len {
                        words = alloc::vec![0; len];
                    }
                    words
                })
            })
            .ok()
            .flatten();
        if let Some(mut words) = cached {
            let result = {
                let buffer = as_zeroed::<P>(&mut words);
                work(buffer)
            };
            let _ = CACHE.try_with(|cache| {
                if let Ok(mut slot) = cache.try_borrow_mut() {
                    if slot.len() < words.len() {
                        *slot = words;
                    }
                }
            });
            return result;
        }
    }
    work(&mut zeroed_box::<P>())
}

#[cfg(feature = "std")]
std::thread_local! {
    /// The words behind [`on_heap`]'s buffers on this thread, taken out while in use.
    static CACHE: core::cell::RefCell<alloc::vec::Vec<u64>> =
        const { core::cell::RefCell::new(alloc::vec::Vec::new()) };
}

/// The start of `words` as a `P` with every scalar zero. `words` must hold at least
/// `size_of::<P>()` bytes.
#[cfg(feature = "std")]
fn as_zeroed<P: FlatLayout>(words: &mut [u64]) -> &mut P {
    use core::mem::{align_of, size_of};
    use num_traits::Zero;
    // The contract of `FlatLayout`, checked as in `zeroed_box`; a `u64` is aligned at least
    // as a scalar (`f32` or `f64`).
    assert!(
        size_of::<P>() == P::LEN * size_of::<P::Scalar>()
            && align_of::<P>() <= align_of::<P::Scalar>()
            && align_of::<P::Scalar>() <= align_of::<u64>()
            && size_of::<P>() <= size_of_val(words)
    );
    let scalars = words.as_mut_ptr().cast::<P::Scalar>();
    // SAFETY: `words` holds at least `P::LEN` scalars' bytes, aligned for a scalar; writing
    // zero to each makes them valid scalars.
    let scalars = unsafe {
        for k in 0..P::LEN {
            scalars.add(k).write(P::Scalar::zero());
        }
        core::slice::from_raw_parts_mut(scalars, P::LEN)
    };
    // SAFETY: by the contract of `FlatLayout` (and the assertion), `P::LEN` consecutive
    // scalars aligned as a scalar are a valid `P`; the borrow is `words`'.
    unsafe { &mut *scalars.as_mut_ptr().cast::<P>() }
}

/// [`with_buffer`] on the stack (`Default` is zero for the structs `network!` generates).
#[inline]
fn on_stack<P: FlatLayout + Default, R>(work: impl FnOnce(&mut P) -> R) -> R {
    work(&mut P::default())
}
