//! Networks of real size train on default stacks: an MNIST-sized classifier (784-128-10,
//! 101,770 parameters) and one 1000 x 1000 layer (1,001,000 parameters, 4 MB of `f32`),
//! sequentially and in parallel, per sample and per batch, with SGD and Adam.
//!
//! Every test runs on a thread with a 2 MiB stack, the default of spawned and rayon threads
//! (a main thread has 8 MiB): the gradients of the wide network alone are twice that.

use backprop_runtime::optim::{Adam, Optimizer};
use backprop_runtime::{
    batch_gradient, init, network, train_batch_parallel, train_batch_with, train_step_with,
    ClassTarget, Network, Scalar,
};
use backprop_tests::SplitMix;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

network! {
    /// The classic MNIST multilayer perceptron.
    pub struct Mnist<f32> {
        input pixels[784];
        layer hidden[128] = relu(W1 * pixels + b1);
        output logits[10] = identity(W2 * hidden + b2);
        loss softmax_cross_entropy;
    }
}

network! {
    /// One layer of a million weights.
    pub struct Wide<f32> {
        input x[1000];
        output y[1000] = tanh(W * x + b);
        loss mean_squared_error;
    }
}

/// The stack of a spawned thread, as `std` and rayon give it by default.
const THREAD_STACK: usize = 2 << 20;

/// Runs `work` on a new thread with [`THREAD_STACK`] bytes of stack.
fn on_default_stack(work: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(THREAD_STACK)
        .spawn(work)
        .expect("a thread")
        .join()
        .expect("the work does not overflow the stack or panic");
}

fn mnist_batch(random: &mut SplitMix, size: usize) -> (Vec<[f32; 784]>, Vec<ClassTarget<f32, 10>>) {
    let images = (0..size)
        .map(|_| std::array::from_fn(|_| random.uniform(0.0, 1.0) as f32))
        .collect();
    let labels = (0..size).map(|_| random.below(10).into()).collect();
    (images, labels)
}

fn wide_batch(random: &mut SplitMix, size: usize) -> (Vec<[f32; 1000]>, Vec<[f32; 1000]>) {
    let mut values = || std::array::from_fn(|_| random.uniform(-0.5, 0.5) as f32);
    let inputs = (0..size).map(|_| values()).collect();
    let targets = (0..size).map(|_| values()).collect();
    (inputs, targets)
}

/// The network's parameters, initialised, on the heap.
fn initialised<N: Network>(mut net: Box<N>, seed: u64) -> Box<N> {
    init::glorot_uniform(&mut *net, &mut ChaCha8Rng::seed_from_u64(seed));
    net
}

/// The mean loss over a batch, without training.
fn mean_loss<N: Network>(net: &N, inputs: &[N::Input], targets: &[N::Target]) -> f64 {
    let total: f64 = inputs
        .iter()
        .zip(targets)
        .map(|(input, target)| net.loss(input, target).to_f64())
        .sum();
    total / inputs.len() as f64
}

/// Trains with every entry point and checks that each made the loss fall.
fn trains_everywhere<N>(net: &mut N, inputs: &[N::Input], targets: &[N::Target], lr: f64)
where
    N: Network + Sync,
    N::Input: Sync,
    N::Target: Sync,
    N::Grads: Send,
{
    let lr = N::Scalar::from_f64(lr);
    let start = mean_loss(net, inputs, targets);

    net.train_step(&inputs[0], &targets[0], lr).unwrap();
    let mut adam = Adam::<N>::new(N::Scalar::from_f64(1e-4)).unwrap();
    train_step_with(net, &mut adam, &inputs[1], &targets[1]).unwrap();
    backprop_runtime::train_batch(net, inputs, targets, lr).unwrap();
    train_batch_with(net, &mut adam, inputs, targets).unwrap();
    train_batch_parallel(net, inputs, targets, lr).unwrap();

    // Allocation-free after set-up, for any size: a gradient buffer made once on the heap.
    let mut grads = zeroed_grads::<N>();
    for _ in 0..2 {
        batch_gradient(net, inputs, targets, &mut grads).unwrap();
        adam.step(net, &grads).unwrap();
    }

    let end = mean_loss(net, inputs, targets);
    assert!(end < start, "{}: mean loss {start} -> {end}", N::NAME);
    assert!(net.first_non_finite().is_none());
}

fn zeroed_grads<N: Network>() -> Box<N::Grads> {
    backprop_runtime::zeroed_box()
}

#[test]
fn an_mnist_sized_classifier_trains_on_a_default_stack() {
    on_default_stack(|| {
        let (images, labels) = mnist_batch(&mut SplitMix::new(1), 16);
        trains_everywhere(&mut *initialised(Mnist::boxed(), 1), &images, &labels, 0.05);
    });
}

#[test]
fn a_layer_of_a_million_weights_trains_on_a_default_stack() {
    on_default_stack(|| {
        let (inputs, targets) = wide_batch(&mut SplitMix::new(2), 4);
        trains_everywhere(&mut *initialised(Wide::boxed(), 2), &inputs, &targets, 0.05);
    });
}

#[test]
fn boxed_structs_are_zero_and_of_the_declared_size() {
    on_default_stack(|| {
        let net = Wide::boxed();
        assert_eq!(net.as_slice().len(), 1_001_000);
        assert!(net.as_slice().iter().all(|&w| w == 0.0));
        let grads = WideGrads::boxed();
        assert_eq!(grads.as_slice().len(), Wide::PARAMS);
        assert_eq!(*Mnist::boxed(), Mnist::default());
        assert_eq!(Mnist::PARAMS, 784 * 128 + 128 + 128 * 10 + 10);
    });
}

#[test]
fn a_large_network_predicts_on_a_default_stack() {
    on_default_stack(|| {
        let net = initialised(Mnist::boxed(), 3);
        let (images, _) = mnist_batch(&mut SplitMix::new(3), 1);
        let class = net.predict_class(&images[0]).expect("finite outputs");
        assert!(class < 10);
        let probabilities = net.probabilities(&images[0]);
        assert!((probabilities.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    });
}

/// The gradient buffer a thread keeps for large networks starts every step at zero: two
/// steps on one thread (the second reusing the first's buffer, left dirty) take exactly the
/// steps that two fresh threads take, and a net of another size in between (a smaller
/// buffer request, then a larger one) changes nothing.
#[test]
fn a_reused_gradient_buffer_starts_every_step_at_zero() {
    use backprop_runtime::optim::Sgd;
    let mut random = SplitMix::new(7);
    let (images, labels) = mnist_batch(&mut random, 4);
    let (inputs, targets) = wide_batch(&mut random, 2);
    let start = initialised(Mnist::boxed(), 3);
    let step = |net: &mut Mnist, images: &[[f32; 784]], labels: &[ClassTarget<f32, 10>]| {
        let mut sgd = Sgd::new(0.05).unwrap();
        train_batch_with(net, &mut sgd, images, labels).unwrap();
    };
    let (first, second) = (images[..2].to_vec(), images[2..].to_vec());
    let (first_labels, second_labels) = (labels[..2].to_vec(), labels[2..].to_vec());
    // Fresh threads: each step on a thread of its own, so with a buffer of its own.
    let mut fresh = start.clone();
    for (images, labels) in [(&first, &first_labels), (&second, &second_labels)] {
        let (images, labels) = (images.clone(), labels.clone());
        let mut net = fresh;
        fresh = std::thread::Builder::new()
            .stack_size(THREAD_STACK)
            .spawn(move || {
                step(&mut net, &images, &labels);
                net
            })
            .unwrap()
            .join()
            .unwrap();
    }
    let reused = std::thread::Builder::new()
        .stack_size(THREAD_STACK)
        .spawn(move || {
            let mut net = start;
            step(&mut net, &first, &first_labels);
            let mut wide = initialised(Wide::boxed(), 4);
            let mut sgd = backprop_runtime::optim::Sgd::new(0.01).unwrap();
            train_batch_with(&mut *wide, &mut sgd, &inputs, &targets).unwrap();
            step(&mut net, &second, &second_labels);
            net
        })
        .unwrap()
        .join()
        .unwrap();
    assert!(
        *reused == *fresh,
        "a step on a reused buffer differs from one on a fresh one"
    );
}

network! {
    /// A GRU whose matrices by columns (3 MB) are far more than a run of sequences in
    /// lockstep copies onto the stack.
    pub struct WideGru<f32> {
        input x[8];
        layer h[512] = gru(weight_ih * x + weight_hh * h.prev + bias_ih + bias_hh);
        output y = identity(v * h + c);
        loss half_squared_error;
    }
}

#[test]
fn a_recurrent_network_too_large_to_copy_by_columns_steps_in_lockstep_by_rows() {
    use backprop_runtime::optim::Sgd;
    use backprop_runtime::recurrent::{
        forward_sequence, train_sequences_with, Horizon, Sequence, Targets, LANES,
        LOCKSTEP_COLUMNS_LIMIT,
    };
    use backprop_runtime::Recurrent;
    assert!(std::mem::size_of::<WideGruColumns>() > LOCKSTEP_COLUMNS_LIMIT);
    on_default_stack(|| {
        const STEPS: usize = 5;
        let mut net = initialised(WideGru::boxed(), 17);
        let mut random = SplitMix::new(18);
        let inputs: Vec<Vec<[f32; 8]>> = (0..LANES)
            .map(|_| {
                (0..STEPS)
                    .map(|_| std::array::from_fn(|_| random.uniform(-1.0, 1.0) as f32))
                    .collect()
            })
            .collect();
        let zero = WideGruTrace::ZERO;
        // Too large for the copy by columns, the run goes row by row, step by step: the
        // traces of one sequence at a time, to the bit.
        let mut lockstep = vec![zero; LANES * STEPS];
        let mut runs = lockstep.chunks_exact_mut(STEPS);
        let lanes = std::array::from_fn(|_| runs.next().expect("a run per lane"));
        net.forward_sequences_lanes(std::array::from_fn(|l| &inputs[l][..]), lanes);
        for (l, inputs) in inputs.iter().enumerate() {
            let mut one_by_one = vec![zero; STEPS];
            forward_sequence(&*net, &net.initial_state(), inputs, &mut one_by_one).unwrap();
            for (t, trace) in one_by_one.iter().enumerate() {
                assert_eq!(
                    lockstep[l * STEPS + t].as_slice(),
                    trace.as_slice(),
                    "sequence {l}, step {t}"
                );
            }
        }
        // And a batch trains in lockstep on a default stack.
        let targets: Vec<Vec<[f32; 1]>> = (0..LANES)
            .map(|_| (0..STEPS).map(|t| [t as f32 * 0.1]).collect())
            .collect();
        let batch: Vec<Sequence<'_, WideGru>> = inputs
            .iter()
            .zip(&targets)
            .map(|(inputs, targets)| Sequence {
                inputs,
                targets: Targets::EveryStep(targets),
            })
            .collect();
        let mut traces = vec![zero; LANES * STEPS];
        let mut sgd = Sgd::new(1e-3).unwrap();
        let before =
            train_sequences_with(&mut *net, &mut sgd, &batch, Horizon::Full, &mut traces).unwrap();
        let after =
            train_sequences_with(&mut *net, &mut sgd, &batch, Horizon::Full, &mut traces).unwrap();
        assert!(before.is_finite() && after.is_finite() && after < before);
    });
}
