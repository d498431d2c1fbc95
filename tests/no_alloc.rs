//! A training step allocates nothing: a counting global allocator watches every kind of
//! step on single neurons, layers and classifiers.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use backprop_runtime::optim::{Adam, Momentum, Optimizer, Rprop, Sgd};
use backprop_runtime::recurrent::{self, Horizon, Sequence, Targets};
use backprop_runtime::stream::Stream;
use backprop_runtime::{
    batch_gradient, init, network, train_batch_with, train_step_with, ClassTarget, Network,
};
use backprop_tests::nets::{
    Amp, AmpFast, AmpFastState, AmpState, Digits, DigitsFast, SeedNet, Sine, Xor241,
};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

network! {
    /// Gradients of 100 KB: past the stack buffer limit.
    pub struct Large<f32> {
        input pixels[784];
        layer hidden[32] = relu(W1 * pixels + b1);
        output logits[10] = identity(W2 * hidden + b2);
        loss softmax_cross_entropy;
    }
}

const _: () = assert!(size_of::<LargeGrads>() > backprop_runtime::STACK_BUFFER_LIMIT);

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: the caller's contract is passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// How many allocations `work` makes (tests in this file run one at a time, see below).
fn allocations(work: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    work();
    ALLOCATIONS.load(Ordering::SeqCst) - before
}

/// One test, so that no other test thread allocates while a step is being counted.
#[test]
fn training_steps_allocate_nothing() {
    // Data and networks are made before counting starts.
    let mut seed = SeedNet::default();
    let mut xor = Xor241::default();
    init::glorot_uniform(&mut xor, &mut ChaCha8Rng::seed_from_u64(1));
    let mut sine = Sine::default();
    init::glorot_uniform(&mut sine, &mut ChaCha8Rng::seed_from_u64(2));
    let mut digits = Digits::default();
    let mut digits_fast = DigitsFast::default();
    let images = vec![[0.5_f32; 64]; 32];
    let labels: Vec<ClassTarget<f32, 10>> = (0..32).map(|i| (i % 10).into()).collect();
    let xor_inputs = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    let xor_targets = [[0.0], [1.0], [1.0], [0.0]];
    let mut adam = Adam::<Sine>::new(0.01).unwrap();
    let mut momentum = Momentum::<Xor241>::new(0.1, 0.9).unwrap();
    let mut rprop = Rprop::<Xor241>::new();
    let mut grads = <Digits as Network>::Grads::default();
    // A network too large for stack buffers, trained through buffers made once.
    let mut large = Large::boxed();
    let mut large_grads = LargeGrads::boxed();
    let mut large_adam = Adam::<Large>::new(1e-3).unwrap();
    let large_inputs = vec![[0.25_f32; 784]; 4];
    let large_labels: Vec<ClassTarget<f32, 10>> = (0..4).map(|i| i.into()).collect();
    // A recurrent network: streamed, and trained on sequences through buffers made once.
    let mut amp = Amp::default();
    init::glorot_uniform(&mut amp, &mut ChaCha8Rng::seed_from_u64(3));
    let amp_fast = AmpFast::from(&amp);
    let mut amp_state = AmpState::default();
    let mut fast_state = AmpFastState::default();
    let amp_stream = Stream::new(amp_fast);
    let mut stream_state = amp_stream.initial_state();
    let signal: Vec<[f32; 1]> = (0..64).map(|t| [(t as f32 * 0.1).sin()]).collect();
    let wanted: Vec<[f32; 1]> = signal.iter().map(|[x]| [x.tanh()]).collect();
    let mut amp_traces = vec![<Amp as Network>::Trace::default(); 64];
    let mut amp_adam = Adam::<Amp>::new(1e-3).unwrap();
    // Room for `LANES` sequences of 16 steps: the run of four steps forward and back in
    // lockstep.
    let mut lanes_traces = vec![<Amp as Network>::Trace::default(); recurrent::LANES * 16];
    let lockstep = [Sequence::<Amp> {
        inputs: &signal[..16],
        targets: Targets::EveryStep(&wanted[..16]),
    }; recurrent::LANES];
    let sequences = [
        Sequence::<Amp> {
            inputs: &signal,
            targets: Targets::EveryStep(&wanted),
        },
        Sequence::<Amp> {
            inputs: &signal[..20],
            targets: Targets::LastStep(&wanted[19]),
        },
    ];

    // The training functions keep a large network's gradient buffer per thread: the first
    // call makes it, the later ones reuse it.
    let first = allocations(|| {
        train_batch_with(&mut *large, &mut large_adam, &large_inputs, &large_labels).unwrap();
    });
    assert!(first > 0, "the first large step made its buffer");

    let counted = allocations(|| {
        for _ in 0..10 {
            train_batch_with(&mut *large, &mut large_adam, &large_inputs, &large_labels).unwrap();
            seed.train_step(&[0.5, 1.0], &[0.25], 0.1).unwrap();
            let trace = seed.forward(&[0.5, 1.0]);
            let g = seed.backward(&trace, &[0.25]);
            seed.sgd_step(&g, 0.1);
            xor.train_step(&[1.0, 0.0], &[1.0], 0.5).unwrap();
            train_step_with(&mut xor, &mut momentum, &[0.0, 1.0], &[1.0]).unwrap();
            train_batch_with(&mut xor, &mut rprop, &xor_inputs, &xor_targets).unwrap();
            train_step_with(&mut sine, &mut adam, &[0.3], &[0.3_f32.sin()]).unwrap();
            train_step_with(&mut sine, &mut Sgd::new(0.01).unwrap(), &[0.1], &[0.1]).unwrap();
            digits.train_batch(&images, &labels, 0.1).unwrap();
            digits_fast.train_batch(&images, &labels, 0.1).unwrap();
            batch_gradient(&digits, &images, &labels, &mut grads).unwrap();
            let _ = digits.predict_class(&images[0]);
            batch_gradient(&*large, &large_inputs, &large_labels, &mut large_grads).unwrap();
            large_adam.step(&mut *large, &large_grads).unwrap();
            for x in &signal {
                let _ = amp.step(&mut amp_state, x);
                let _ = amp_fast.step(&mut fast_state, x);
                let _ = amp_stream.step(&mut stream_state, x);
            }
            let targets = Targets::EveryStep(&wanted);
            recurrent::train_sequence(
                &mut amp,
                &signal,
                targets,
                Horizon::Full,
                1e-3,
                &mut amp_traces,
            )
            .unwrap();
            recurrent::train_sequence_with(
                &mut amp,
                &mut amp_adam,
                &signal,
                targets,
                Horizon::LastSteps(8),
                &mut amp_traces,
            )
            .unwrap();
            recurrent::train_sequences_with(
                &mut amp,
                &mut amp_adam,
                &sequences,
                Horizon::Full,
                &mut amp_traces,
            )
            .unwrap();
            recurrent::train_sequences_with(
                &mut amp,
                &mut amp_adam,
                &lockstep,
                Horizon::Full,
                &mut lanes_traces,
            )
            .unwrap();
        }
    });
    assert_eq!(counted, 0, "training steps allocated {counted} times");

    // The counter does count: a step that does allocate is seen.
    let counted = allocations(|| drop(std::hint::black_box(vec![1_u8; 16])));
    assert_eq!(counted, 1);
}
