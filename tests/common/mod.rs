//! Helpers shared by the integration tests: deterministic pseudo-random values, gradient
//! checks and f32/f64 twin comparisons, generic over any generated network.

#![allow(dead_code)] // each test binary uses a different subset

use backprop_runtime::{gradcheck, sgd_update, Network, Parameters, Scalar};

/// Gradients must agree with central finite differences to this relative error (f64).
pub const FINITE_DIFFERENCE_TOLERANCE: f64 = 1e-6;

pub use backprop_tests::SplitMix;

/// A network of type `N` with every parameter drawn uniformly from `[-1, 1)`.
pub fn random_network<N: Network<Scalar = f64>>(random: &mut SplitMix) -> N {
    let mut network = N::default();
    let values = random.values(N::LEN, -1.0, 1.0);
    network.copy_from_slice(&values).unwrap();
    network
}

/// Checks backward against central finite differences at `samples` random samples and
/// random parameters, with regression targets in `[-1, 1)`.
pub fn assert_gradients_match<N>(seed: u64, samples: usize)
where
    N: Network<Scalar = f64>,
    N::Target: for<'a> TryFrom<&'a [f64]>,
{
    assert_gradients_match_with::<N>(seed, samples, |random| {
        target_of::<N>(&random.values(N::OUTPUTS, -1.0, 1.0))
    });
}

/// As [`assert_gradients_match`], with targets drawn by `target`.
pub fn assert_gradients_match_with<N>(
    seed: u64,
    samples: usize,
    mut draw_target: impl FnMut(&mut SplitMix) -> N::Target,
) where
    N: Network<Scalar = f64>,
{
    let mut random = SplitMix::new(seed);
    for sample in 0..samples {
        let network: N = random_network(&mut random);
        let input = N::input_from_slice(&random.values(N::INPUTS, -1.0, 1.0)).unwrap();
        let target = draw_target(&mut random);
        let check = gradcheck(&network, &input, &target);
        assert!(
            check.worst_relative_error <= FINITE_DIFFERENCE_TOLERANCE,
            "{} sample {sample}: {check}",
            N::NAME
        );
        assert_train_step_is_backward_then_sgd(&network, &input, &target, 0.1);
        // More samples than a batch pass's chunk holds, so that the last chunk is partial.
        let (inputs, targets): (Vec<N::Input>, Vec<N::Target>) = (0..BATCH_SAMPLES)
            .map(|_| {
                let input = N::input_from_slice(&random.values(N::INPUTS, -1.0, 1.0)).unwrap();
                (input, draw_target(&mut random))
            })
            .unzip();
        assert_batch_pass_is_per_sample_loop(&network, &inputs, &targets);
    }
}

/// How many samples the batch-pass checks use: more than a chunk (8 at most), and not a
/// multiple of any chunk size.
pub const BATCH_SAMPLES: usize = 19;

/// `accumulate_batch` (for networks with dense layers the generated batch pass, which runs
/// a whole chunk of samples forward in lockstep with its products by columns, and sums the
/// weight matrices' gradients a chunk at a time) gives the loss and gradients of `forward`
/// and `backward_accumulate` sample by sample: to rounding, relative to the largest (a
/// product by columns groups its sums otherwise than by rows), and bit for bit when no
/// chunk is whole (those samples go forward one at a time, by rows).
pub fn assert_batch_pass_is_per_sample_loop<N: Network>(
    network: &N,
    inputs: &[N::Input],
    targets: &[N::Target],
) {
    let scale = N::Scalar::from_f64(0.75);
    let single = N::Scalar::from_f64(1.0 + 1e-10).to_f64() == 1.0;
    let epsilon = if single {
        f64::from(f32::EPSILON)
    } else {
        f64::EPSILON
    };
    for samples in [inputs.len(), inputs.len() / 2, 1, 0] {
        let (inputs, targets) = (&inputs[..samples], &targets[..samples]);
        let mut batched = N::Grads::default();
        let batched_loss = network.accumulate_batch(inputs, targets, scale, &mut batched);
        let mut one_by_one = N::Grads::default();
        let mut loss = N::Scalar::from_f64(0.0);
        for (input, target) in inputs.iter().zip(targets) {
            let trace = network.forward(input);
            loss = loss + N::trace_loss(&trace, target) * scale;
            network.backward_accumulate(&trace, target, &mut one_by_one);
        }
        // Below the smallest chunk (two samples), every sample goes forward on its own.
        let tolerance = if samples < 2 { 0.0 } else { 256.0 * epsilon };
        let (batched_loss, loss) = (batched_loss.to_f64(), loss.to_f64());
        assert!(
            (batched_loss - loss).abs() <= tolerance * loss.abs().max(1.0),
            "{} ({samples} samples): loss {batched_loss:e} batched, {loss:e} one by one",
            N::NAME,
        );
        let largest = one_by_one
            .as_slice()
            .iter()
            .fold(0.0_f64, |m, g| m.max(g.to_f64().abs()));
        let pairs = batched.as_slice().iter().zip(one_by_one.as_slice());
        for (index, (batched, one_by_one)) in pairs.enumerate() {
            let (batched, one_by_one) = (batched.to_f64(), one_by_one.to_f64());
            assert!(
                (batched - one_by_one).abs() <= tolerance * largest,
                "{} ({samples} samples): dJ/d{} is {batched:e} batched, {one_by_one:e} one by one",
                N::NAME,
                N::name_of(index).unwrap(),
            );
        }
    }
}

/// `train_step` (for most networks the generated fused step, which updates each weight in
/// place from the deltas) takes exactly the step that `backward` then `sgd_update` take:
/// the same loss and, bit for bit, the same parameters after it.
pub fn assert_train_step_is_backward_then_sgd<N: Network>(
    network: &N,
    input: &N::Input,
    target: &N::Target,
    learning_rate: f64,
) {
    let learning_rate = N::Scalar::from_f64(learning_rate);
    let mut fused = network.clone();
    let loss = fused.train_step(input, target, learning_rate).unwrap();
    let mut plain = network.clone();
    let trace = plain.forward(input);
    let grads = plain.backward(&trace, target);
    sgd_update(&mut plain, &grads, learning_rate);
    assert_eq!(
        loss.to_f64().to_bits(),
        N::trace_loss(&trace, target).to_f64().to_bits(),
        "{}: loss",
        N::NAME
    );
    for (index, (fused, plain)) in fused.as_slice().iter().zip(plain.as_slice()).enumerate() {
        assert_eq!(
            fused.to_f64().to_bits(),
            plain.to_f64().to_bits(),
            "{}: {} after the step is {:e} fused but {:e} by backward then sgd_update",
            N::NAME,
            N::name_of(index).unwrap(),
            fused.to_f64(),
            plain.to_f64()
        );
    }
}

/// The target array from a slice of `N::OUTPUTS` values.
pub fn target_of<N>(values: &[f64]) -> N::Target
where
    N: Network<Scalar = f64>,
    N::Target: for<'a> TryFrom<&'a [f64]>,
{
    match N::Target::try_from(values) {
        Ok(target) => target,
        Err(_) => panic!("{} needs {} targets", N::NAME, N::OUTPUTS),
    }
}

/// Runs an `f32` network and its `f64` twin (same declaration, same parameters rounded to
/// `f32`) on random samples and asserts that outputs, loss and gradients agree to `f32`
/// precision.
pub fn assert_twins_agree<Wide, Narrow>(seed: u64, samples: usize)
where
    Wide: Network<Scalar = f64>,
    Wide::Target: for<'a> TryFrom<&'a [f64]>,
    Narrow: Network<Scalar = f32>,
    Narrow::Target: for<'a> TryFrom<&'a [f32]>,
{
    assert_eq!(Wide::LEN, Narrow::LEN);
    assert_eq!(Wide::LAYOUT, Narrow::LAYOUT);
    let mut random = SplitMix::new(seed);
    for sample in 0..samples {
        // Values exactly representable in f32, so both twins start from the same numbers.
        let round = |values: Vec<f64>| -> Vec<f64> {
            values.into_iter().map(|v| f64::from(v as f32)).collect()
        };
        let narrow_of = |values: &[f64]| -> Vec<f32> { values.iter().map(|&v| v as f32).collect() };
        let parameters = round(random.values(Wide::LEN, -1.0, 1.0));
        let input = round(random.values(Wide::INPUTS, -1.0, 1.0));
        let target = round(random.values(Wide::OUTPUTS, -1.0, 1.0));

        let mut wide = Wide::default();
        wide.copy_from_slice(&parameters).unwrap();
        let mut narrow = Narrow::default();
        narrow.copy_from_slice(&narrow_of(&parameters)).unwrap();

        let wide_trace = wide.forward(&Wide::input_from_slice(&input).unwrap());
        let narrow_trace = narrow.forward(&Narrow::input_from_slice(&narrow_of(&input)).unwrap());
        let wide_target = target_of::<Wide>(&target);
        let Ok(narrow_target) = Narrow::Target::try_from(&narrow_of(&target)[..]) else {
            panic!("target length");
        };

        let close =
            |narrow: f32, wide: f64| (f64::from(narrow) - wide).abs() <= 1e-4 * wide.abs().max(1.0);
        let outputs = Wide::output(&wide_trace);
        for (n, w) in Narrow::output(&narrow_trace)
            .as_ref()
            .iter()
            .zip(outputs.as_ref())
        {
            assert!(
                close(*n, *w),
                "{} sample {sample}: output {n} vs {w}",
                Wide::NAME
            );
        }
        let (n, w) = (
            Narrow::trace_loss(&narrow_trace, &narrow_target),
            Wide::trace_loss(&wide_trace, &wide_target),
        );
        assert!(
            close(n, w),
            "{} sample {sample}: loss {n} vs {w}",
            Wide::NAME
        );
        assert_train_step_is_backward_then_sgd(
            &narrow,
            &Narrow::input_from_slice(&narrow_of(&input)).unwrap(),
            &narrow_target,
            0.1,
        );
        let (inputs, targets): (Vec<Narrow::Input>, Vec<Narrow::Target>) = (0..BATCH_SAMPLES)
            .map(|_| {
                let input = narrow_of(&random.values(Wide::INPUTS, -1.0, 1.0));
                let target = narrow_of(&random.values(Wide::OUTPUTS, -1.0, 1.0));
                let Ok(target) = Narrow::Target::try_from(&target[..]) else {
                    panic!("target length");
                };
                (Narrow::input_from_slice(&input).unwrap(), target)
            })
            .unzip();
        assert_batch_pass_is_per_sample_loop(&narrow, &inputs, &targets);
        let wide_grads = wide.backward(&wide_trace, &wide_target);
        let narrow_grads = narrow.backward(&narrow_trace, &narrow_target);
        for (index, (n, w)) in narrow_grads
            .as_slice()
            .iter()
            .zip(wide_grads.as_slice())
            .enumerate()
        {
            let name = Wide::name_of(index).unwrap();
            assert!(
                close(*n, *w),
                "{} sample {sample}: dJ/d{name} is {n} in f32 but {w} in f64",
                Wide::NAME
            );
        }
    }
}

/// A network of type `N` with every parameter drawn uniformly from `[-bound, bound)`,
/// seeded.
pub fn network_within<N: Network>(seed: u64, bound: f64) -> N {
    use backprop_runtime::Scalar;
    let mut network = N::default();
    let mut random = SplitMix::new(seed);
    for w in network.as_mut_slice() {
        *w = N::Scalar::from_f64(random.uniform(-bound, bound));
    }
    network
}

/// `steps` vectors of `I` values uniform in `[-1, 1)`, seeded: the inputs or targets of a
/// sequence.
pub fn sequence<const I: usize>(steps: usize, seed: u64) -> Vec<[f64; I]> {
    let mut random = SplitMix::new(seed);
    (0..steps)
        .map(|_| std::array::from_fn(|_| random.uniform(-1.0, 1.0)))
        .collect()
}

/// Backpropagation through time against central finite differences, for three random
/// networks (parameters within `bound`) on sequences of 6 to 8 steps, with a target at every
/// step and at the last only.
pub fn assert_sequence_gradients_match<N, const I: usize, const O: usize>(seed: u64, bound: f64)
where
    N: backprop_runtime::Recurrent<Scalar = f64, Input = [f64; I], Target = [f64; O]>,
    N::Trace: std::fmt::Debug,
{
    use backprop_runtime::recurrent::Targets;
    for case in 0..3 {
        let net: N = network_within(seed + case, bound);
        let steps = 6 + case as usize;
        let inputs = sequence::<I>(steps, seed + 100 + case);
        let targets = sequence::<O>(steps, seed + 200 + case);
        let mut traces = vec![net.forward(&inputs[0]); steps];
        for targets in [
            Targets::EveryStep(&targets[..]),
            Targets::LastStep(&targets[steps - 1]),
        ] {
            let check = gradcheck::gradcheck_sequence(&net, &inputs, targets, &mut traces).unwrap();
            assert!(
                check.worst_relative_error < FINITE_DIFFERENCE_TOLERANCE,
                "{} ({targets:?}): {check}",
                N::NAME
            );
        }
        // Longer than a chunk of steps (8 at most), and not a multiple of one.
        let long = 19;
        let inputs = sequence::<I>(long, seed + 300 + case);
        let targets = sequence::<O>(long, seed + 400 + case);
        for targets in [
            Targets::EveryStep(&targets[..]),
            Targets::LastStep(&targets[long - 1]),
        ] {
            assert_backward_steps_is_per_step(&net, &inputs, targets);
        }
        assert_lockstep_is_one_by_one(&net, seed + 500 + case);
    }
}

/// Sequences in lockstep give, bit for bit, the traces of `forward_step` one sequence at a
/// time step by step (`forward_step_lanes`), and to rounding over whole sequences
/// (`forward_sequences_lanes`, which mini-batch training through time uses when its trace
/// buffer holds `LANES` sequences: its products by columns group their sums otherwise). A
/// batch (a run of `LANES` sequences of equal length, then shorter ones) gives the same
/// loss and gradients to rounding (the backward pass in lockstep also sums over the lanes
/// in another order), with a buffer of `LANES` times the longest sequence as with one of
/// the longest, fully and truncated.
pub fn assert_lockstep_is_one_by_one<N>(network: &N, seed: u64)
where
    N: backprop_runtime::Recurrent,
    N::Trace: std::fmt::Debug,
    N::Input: for<'a> TryFrom<&'a [N::Scalar]>,
    N::Target: for<'a> TryFrom<&'a [N::Scalar]>,
{
    use backprop_runtime::recurrent::{batch_sequence_gradient, Horizon, Sequence, Targets, LANES};
    let mut random = SplitMix::new(seed);
    let mut values = |count: usize| -> Vec<N::Scalar> {
        (0..count)
            .map(|_| N::Scalar::from_f64(random.uniform(-1.0, 1.0)))
            .collect()
    };
    let lengths = [11, 11, 11, 11, 7, 11];
    let inputs: Vec<Vec<N::Input>> = lengths
        .iter()
        .map(|&steps| {
            (0..steps)
                .map(|_| match N::Input::try_from(&values(N::INPUTS)) {
                    Ok(input) => input,
                    Err(_) => panic!("{} values make an input", N::INPUTS),
                })
                .collect()
        })
        .collect();
    let targets: Vec<Vec<N::Target>> = lengths
        .iter()
        .map(|&steps| {
            (0..steps)
                .map(|_| match N::Target::try_from(&values(N::OUTPUTS)) {
                    Ok(target) => target,
                    Err(_) => panic!("{} values make a target", N::OUTPUTS),
                })
                .collect()
        })
        .collect();

    let filler = network.forward(&inputs[0][0]);
    let mut one_by_one = vec![filler.clone(); LANES * 11];
    for (l, run) in one_by_one.chunks_exact_mut(11).enumerate() {
        backprop_runtime::recurrent::forward_sequence(
            network,
            &network.initial_state(),
            &inputs[l],
            run,
        )
        .unwrap();
    }
    let mut lockstep = vec![filler.clone(); LANES * 11];
    let mut states = [network.initial_state(); LANES];
    for t in 0..11 {
        let mut runs = lockstep.chunks_exact_mut(11);
        let mut lanes: [&mut [N::Trace]; LANES] = std::array::from_fn(|_| runs.next().unwrap());
        let step_inputs = std::array::from_fn(|l| &inputs[l][t]);
        network.forward_step_lanes(
            states.each_ref(),
            step_inputs,
            lanes.each_mut().map(|lane| &mut lane[t]),
        );
        states = std::array::from_fn(|l| N::state_after(&lanes[l][t]));
    }
    for (index, (lockstep, one_by_one)) in lockstep.iter().zip(&one_by_one).enumerate() {
        assert_eq!(
            format!("{lockstep:?}"),
            format!("{one_by_one:?}"),
            "{}: sequence {}, step {}, in lockstep",
            N::NAME,
            index / 11,
            index % 11
        );
    }

    let single = N::Scalar::from_f64(1.0 + 1e-10).to_f64() == 1.0;
    let epsilon = if single {
        f64::from(f32::EPSILON)
    } else {
        f64::EPSILON
    };
    let mut sequences = vec![filler.clone(); LANES * 11];
    {
        let mut runs = sequences.chunks_exact_mut(11);
        let lanes: [&mut [N::Trace]; LANES] = std::array::from_fn(|_| runs.next().unwrap());
        network.forward_sequences_lanes(std::array::from_fn(|l| &inputs[l][..]), lanes);
    }
    for (index, (lockstep, one_by_one)) in sequences.iter().zip(&one_by_one).enumerate() {
        let (a, b) = (N::output(lockstep), N::output(one_by_one));
        for (&a, &b) in a.as_ref().iter().zip(b.as_ref()) {
            let (a, b) = (a.to_f64(), b.to_f64());
            assert!(
                (a - b).abs() <= 1024.0 * epsilon * b.abs().max(1.0),
                "{}: sequence {}, step {}, whole sequences in lockstep: output {a} against {b}",
                N::NAME,
                index / 11,
                index % 11
            );
        }
    }

    // A loss at every step, and (every other sequence, within the run of `LANES` too) at
    // the last only.
    let batch: Vec<Sequence<'_, N>> = inputs
        .iter()
        .zip(&targets)
        .enumerate()
        .map(|(index, (inputs, targets))| Sequence {
            inputs,
            targets: if index % 2 == 0 {
                Targets::EveryStep(targets)
            } else {
                Targets::LastStep(&targets[targets.len() - 1])
            },
        })
        .collect();
    let gradient = |buffer: usize, horizon: Horizon| {
        let mut traces = vec![filler.clone(); buffer];
        let mut grads = N::Grads::default();
        let loss =
            batch_sequence_gradient(network, &batch, horizon, &mut traces, &mut grads).unwrap();
        let values: Vec<f64> = grads.as_slice().iter().map(|g| g.to_f64()).collect();
        (loss.to_f64(), values)
    };
    // In lockstep the products of the forward pass and each weight's gradient, summed
    // over the lanes, are grouped otherwise: equal to rounding, relative to the largest.
    for horizon in [Horizon::Full, Horizon::LastSteps(4)] {
        let (lockstep_loss, lockstep) = gradient(LANES * 11, horizon);
        let (loss, one_by_one) = gradient(11, horizon);
        assert!(
            (lockstep_loss - loss).abs() <= 256.0 * epsilon * loss.abs().max(1.0),
            "{}: a batch's loss in lockstep {lockstep_loss} against {loss}",
            N::NAME
        );
        let largest = one_by_one.iter().fold(0.0_f64, |m, g| m.max(g.abs()));
        for (index, (a, b)) in lockstep.iter().zip(&one_by_one).enumerate() {
            assert!(
                (a - b).abs() <= 256.0 * epsilon * largest,
                "{}: gradient {index} in lockstep {a} against {b} one by one ({horizon:?})",
                N::NAME
            );
        }
    }
}

/// `backward_steps` (for networks with dense layers or cells the generated chunked pass,
/// which sums the weight matrices' gradients a chunk of steps at a time) gives, bit for bit,
/// the gradients and carry of `backward_step` step by step, for the full sequence and
/// truncated ones.
pub fn assert_backward_steps_is_per_step<N: backprop_runtime::Recurrent>(
    network: &N,
    inputs: &[N::Input],
    targets: backprop_runtime::recurrent::Targets<'_, N::Target>,
) {
    let steps = inputs.len();
    let mut traces = vec![network.forward(&inputs[0]); steps];
    backprop_runtime::recurrent::forward_sequence(
        network,
        &network.initial_state(),
        inputs,
        &mut traces,
    )
    .unwrap();
    for first in [0, 5, steps - 1, steps] {
        let mut chunked = (N::State::default(), N::Grads::default());
        network.backward_steps(&traces, targets, first, &mut chunked.0, &mut chunked.1);
        let mut one_by_one = (N::State::default(), N::Grads::default());
        for t in (first..steps).rev() {
            let target = targets.at(t, steps);
            network.backward_step(&traces[t], target, &mut one_by_one.0, &mut one_by_one.1);
        }
        assert_eq!(
            format!("{:?}", chunked.0),
            format!("{:?}", one_by_one.0),
            "{}: the carry from step {first}",
            N::NAME
        );
        let pairs = chunked.1.as_slice().iter().zip(one_by_one.1.as_slice());
        for (index, (chunked, one_by_one)) in pairs.enumerate() {
            assert_eq!(
                chunked.to_f64().to_bits(),
                one_by_one.to_f64().to_bits(),
                "{} from step {first}: dJ/d{} is {:e} by chunks, {:e} step by step",
                N::NAME,
                N::name_of(index).unwrap(),
                chunked.to_f64(),
                one_by_one.to_f64()
            );
        }
    }
}
