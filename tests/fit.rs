//! The training loop and its data: seeded shuffles, data sets, evaluation, schedules,
//! `Fit::run` against the loop written by hand, and early stopping.

use core::ops::ControlFlow;

use backprop_runtime::data::{accuracy, confusion_matrix, mean_loss, predict_into};
use backprop_runtime::optim::{Momentum, Optimizer, Rprop, Sgd};
use backprop_runtime::{
    network, train_batch_with, ClassTarget, Dataset, Error, Fit, Schedule, Shuffle,
};
use backprop_tests::SplitMix;

network! {
    /// 2 features -> 3 classes.
    pub struct Classifier<f64> {
        input x[2];
        layer h[4] = tanh(W1 * x + b1);
        output logits[3] = identity(W2 * h + b2);
        loss softmax_cross_entropy;
    }
}

/// Three blobs in the plane, labelled by the blob, in a fixed random order.
fn blobs(count: usize, seed: u64) -> (Vec<[f64; 2]>, Vec<ClassTarget<f64, 3>>) {
    let mut random = SplitMix::new(seed);
    let centres = [[-1.0, 0.0], [1.0, 0.0], [0.0, 1.5]];
    (0..count)
        .map(|_| {
            let class = random.below(3);
            let [cx, cy] = centres[class];
            let point = [
                cx + random.uniform(-0.6, 0.6),
                cy + random.uniform(-0.6, 0.6),
            ];
            (point, ClassTarget::Index(class))
        })
        .unzip()
}

fn start() -> Classifier {
    let mut net = Classifier::default();
    let mut random = SplitMix::new(99);
    for w in net.as_mut_slice() {
        *w = random.uniform(-0.5, 0.5);
    }
    net
}

#[test]
fn a_shuffle_is_a_seeded_permutation_with_every_position_equally_likely() {
    let shuffled = |seed| {
        let mut items: Vec<usize> = (0..10).collect();
        Shuffle::new(seed).shuffle(&mut items);
        items
    };
    assert_eq!(shuffled(3), shuffled(3));
    assert_ne!(shuffled(3), shuffled(4));
    let mut sorted = shuffled(5);
    sorted.sort_unstable();
    assert_eq!(sorted, (0..10).collect::<Vec<_>>());

    // Where item 0 lands over 30,000 shuffles of 6 items: about 5,000 times each place.
    let mut shuffle = Shuffle::new(1);
    let mut counts = [0_usize; 6];
    for _ in 0..30_000 {
        let mut items = [0, 1, 2, 3, 4, 5];
        shuffle.shuffle(&mut items);
        counts[items.iter().position(|&item| item == 0).unwrap()] += 1;
    }
    assert!(
        counts.iter().all(|&count| (4_700..5_300).contains(&count)),
        "{counts:?}"
    );
    // Nothing to do for zero or one item.
    Shuffle::new(0).shuffle::<u8>(&mut []);
    let mut one = [7];
    Shuffle::new(0).shuffle(&mut one);
    assert_eq!(one, [7]);
}

#[test]
fn data_sets_pair_slices_and_split_them() {
    let (inputs, targets) = blobs(10, 1);
    let error = Dataset::<Classifier>::new(&inputs, &targets[..9]).unwrap_err();
    assert_eq!(
        error,
        Error::LengthMismatch {
            what: "target",
            expected: 10,
            found: 9
        }
    );
    let data = Dataset::<Classifier>::new(&inputs, &targets).unwrap();
    let (train, validation) = data.split_at(7);
    assert_eq!((train.len(), validation.len()), (7, 3));
    assert_eq!(validation.inputs()[0], inputs[7]);
    assert_eq!(validation.targets(), &targets[7..]);
    let (all, none) = data.split_at(100);
    assert_eq!((all.len(), none.is_empty()), (10, true));
    assert_eq!(
        format!("{data:?}"),
        "Dataset { network: \"Classifier\", samples: 10 }"
    );
}

#[test]
fn evaluation_agrees_with_sample_by_sample_computation() {
    let (inputs, targets) = blobs(50, 2);
    let data = Dataset::<Classifier>::new(&inputs, &targets).unwrap();
    let net = start();

    let losses: Vec<f64> = inputs
        .iter()
        .zip(&targets)
        .map(|(x, t)| net.loss(x, t))
        .collect();
    let expected = losses.iter().sum::<f64>() / 50.0;
    assert!((mean_loss(&net, &data).unwrap() - expected).abs() < 1e-12);

    let mut counts = [[0; 3]; 3];
    let mut correct = 0;
    for (x, t) in inputs.iter().zip(&targets) {
        let (ClassTarget::Index(truth), Some(predicted)) = (t, net.predict_class(x)) else {
            panic!("finite outputs and index targets");
        };
        counts[*truth][predicted] += 1;
        correct += usize::from(*truth == predicted);
    }
    assert_eq!(confusion_matrix(&net, &data), counts);
    assert_eq!(accuracy(&net, &data).unwrap(), correct as f64 / 50.0);

    let mut outputs = vec![[0.0; 3]; 50];
    predict_into(&net, &inputs, &mut outputs).unwrap();
    assert!(outputs
        .iter()
        .zip(&inputs)
        .all(|(o, x)| *o == net.predict(x)));
    let mut short = vec![[9.0; 3]; 49];
    assert!(matches!(
        predict_into(&net, &inputs, &mut short),
        Err(Error::LengthMismatch { what: "output", .. })
    ));
    assert!(short.iter().all(|o| *o == [9.0; 3]));

    let empty = Dataset::<Classifier>::new(&[], &[]).unwrap();
    assert_eq!(mean_loss(&net, &empty), Err(Error::EmptyBatch));
    assert_eq!(accuracy(&net, &empty), Err(Error::EmptyBatch));
}

#[test]
fn class_targets_come_from_labels_and_name_their_class() {
    assert_eq!(
        ClassTarget::<f32, 10>::from_label(7_u8),
        ClassTarget::Index(7)
    );
    assert_eq!(ClassTarget::<f32, 10>::from_label(3_u16).class(), Some(3));
    // Integer literals still infer `usize` through `From`.
    let labels: Vec<ClassTarget<f32, 10>> = (0..3).map(|i| (i % 10).into()).collect();
    assert_eq!(labels[2], ClassTarget::Index(2));
    assert_eq!(
        ClassTarget::Distribution([0.1_f32, 0.7, 0.2]).class(),
        Some(1)
    );
    assert_eq!(ClassTarget::Distribution([f32::NAN, 0.5]).class(), None);
}

#[test]
fn schedules_follow_their_formulas() {
    let step = Schedule::Step {
        every: 10,
        factor: 0.5,
    };
    assert_eq!(step.factor(0, 100), 1.0);
    assert_eq!(step.factor(9, 100), 1.0);
    assert_eq!(step.factor(10, 100), 0.5);
    assert_eq!(step.factor(25, 100), 0.25);
    let exponential = Schedule::Exponential { factor: 0.9 };
    assert!((exponential.factor(3, 10) - 0.729).abs() < 1e-15);
    let cosine = Schedule::Cosine {
        warmup: 2,
        floor: 0.1,
    };
    assert_eq!(cosine.factor(0, 12), 0.5);
    assert_eq!(cosine.factor(1, 12), 1.0);
    assert!((cosine.factor(2, 12) - 1.0).abs() < 1e-15);
    // Halfway from epoch 2 to the last (11): (1 + 0.1) / 2.
    assert!(
        (cosine.factor(2 + 9 / 2, 12) - (0.55 + 0.45 * (std::f64::consts::PI * 4.0 / 9.0).cos()))
            .abs()
            < 1e-15
    );
    assert!((cosine.factor(11, 12) - 0.1).abs() < 1e-15);
    assert_eq!(Schedule::Constant.factor(1_000, 10), 1.0);
    assert_eq!(Schedule::default(), Schedule::Constant);
}

#[test]
fn fit_is_the_loop_written_by_hand() {
    let (inputs, targets) = blobs(70, 3);
    let data = Dataset::<Classifier>::new(&inputs, &targets).unwrap();

    let mut fitted = start();
    let mut optimizer = Momentum::new(0.1, 0.9).unwrap();
    let mut rates = Vec::new();
    let schedule = Schedule::Step {
        every: 2,
        factor: 0.5,
    };
    let summary = Fit::new(5)
        .batch_size(16)
        .seed(11)
        .schedule(schedule)
        .run(&mut fitted, &mut optimizer, data, None, |epoch, _| {
            rates.push(epoch.learning_rate.unwrap());
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(summary.epochs, 5);
    assert_eq!(summary.best_epoch, 5);
    assert!(!summary.stopped_early);
    assert_eq!(rates, [0.1, 0.1, 0.05, 0.05, 0.025]);

    let mut by_hand = start();
    let mut optimizer = Momentum::new(0.1, 0.9).unwrap();
    let mut shuffle = Shuffle::new(11);
    let mut order: Vec<usize> = (0..70).collect();
    for epoch in 0..5 {
        optimizer.learning_rate = 0.1 * schedule.factor(epoch, 5);
        shuffle.shuffle(&mut order);
        for chunk in order.chunks(16) {
            let batch_inputs: Vec<_> = chunk.iter().map(|&i| inputs[i]).collect();
            let batch_targets: Vec<_> = chunk.iter().map(|&i| targets[i]).collect();
            train_batch_with(&mut by_hand, &mut optimizer, &batch_inputs, &batch_targets).unwrap();
        }
    }
    assert_eq!(fitted, by_hand);
}

#[test]
fn early_stopping_keeps_the_best_epoch() {
    let (inputs, targets) = blobs(120, 4);
    // Validation labels that disagree with training (each class renamed): the better the
    // network fits the training set, the worse its validation loss, so the best epoch is
    // an early one and the run must go back to it.
    let renamed: Vec<ClassTarget<f64, 3>> = targets[90..]
        .iter()
        .map(|target| ClassTarget::Index((target.class().unwrap() + 1) % 3))
        .collect();
    let train = Dataset::<Classifier>::new(&inputs[..90], &targets[..90]).unwrap();
    let validation = Dataset::<Classifier>::new(&inputs[90..], &renamed).unwrap();
    let mut net = start();
    let mut sgd = Sgd::new(0.5).unwrap();
    let mut losses = Vec::new();
    let summary = Fit::new(60)
        .batch_size(8)
        .early_stopping(5)
        .run(&mut net, &mut sgd, train, Some(validation), |epoch, _| {
            losses.push(epoch.validation_loss.unwrap());
            ControlFlow::Continue(())
        })
        .unwrap();
    let (best_index, best) = losses.iter().enumerate().fold(
        (0, f64::INFINITY),
        |(i, b), (j, &l)| if l < b { (j, l) } else { (i, b) },
    );
    assert_eq!(summary.best_epoch, best_index + 1);
    assert_eq!(summary.best_loss, Some(best));
    // The network holds the best epoch's parameters: its validation loss is that epoch's.
    assert_eq!(mean_loss(&net, &validation).unwrap(), best);
    // The run went past its best epoch, so the parameters were put back.
    assert!(summary.best_epoch < summary.epochs, "{summary:?}");
    if summary.stopped_early {
        assert_eq!(summary.epochs, summary.best_epoch + 6);
    }
    assert!(summary.stopped_early);
}

#[test]
fn the_callback_can_stop_a_run_and_errors_end_it() {
    let (inputs, targets) = blobs(20, 5);
    let data = Dataset::<Classifier>::new(&inputs, &targets).unwrap();
    let mut net = start();
    let mut sgd = Sgd::new(0.1).unwrap();
    let summary = Fit::new(10)
        .run(&mut net, &mut sgd, data, None, |epoch, _| {
            if epoch.epoch == 3 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    assert_eq!((summary.epochs, summary.stopped_early), (3, true));

    let empty = Dataset::<Classifier>::new(&[], &[]).unwrap();
    let run = |train, validation| {
        Fit::new(1).run(
            &mut start(),
            &mut Sgd::new(0.1).unwrap(),
            train,
            validation,
            |_, _| ControlFlow::Continue(()),
        )
    };
    assert_eq!(run(empty, None), Err(Error::EmptyBatch));
    assert_eq!(run(data, Some(empty)), Err(Error::EmptyBatch));

    // A bad class is the step's error, returned at once.
    let bad_targets = vec![ClassTarget::Index(5); 20];
    let bad = Dataset::<Classifier>::new(&inputs, &bad_targets).unwrap();
    assert!(matches!(
        run(bad, None),
        Err(Error::InvalidClass {
            class: 5,
            classes: 3
        })
    ));
}

#[test]
fn optimizers_without_a_learning_rate_ignore_schedules() {
    let (inputs, targets) = blobs(30, 6);
    let data = Dataset::<Classifier>::new(&inputs, &targets).unwrap();
    let mut net = start();
    let mut rprop = Rprop::new();
    assert!(Optimizer::<Classifier>::learning_rate_mut(&mut rprop).is_none());
    let mut rates = Vec::new();
    Fit::new(2)
        .schedule(Schedule::Exponential { factor: 0.5 })
        .run(&mut net, &mut rprop, data, None, |epoch, _| {
            rates.push(epoch.learning_rate);
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(rates, [None, None]);
}

#[test]
fn a_progress_bar_follows_the_epochs() {
    use backprop_runtime::fit::Progress;

    let (inputs, targets) = blobs(20, 7);
    let data = Dataset::<Classifier>::new(&inputs, &targets).unwrap();
    let progress = Progress::hidden(4);
    let mut seen = Vec::new();
    Fit::new(4)
        .run(
            &mut start(),
            &mut Sgd::new(0.1).unwrap(),
            data,
            None,
            |epoch, _| {
                progress.update(epoch);
                seen.push(progress.position());
                ControlFlow::Continue(())
            },
        )
        .unwrap();
    progress.finish();
    assert_eq!(seen, [1, 2, 3, 4]);
}

#[test]
fn a_batch_buffer_gathers_samples_in_any_order_and_refuses_missing_ones() {
    use backprop_runtime::data::BatchBuffer;

    let (inputs, targets) = blobs(6, 8);
    let data = Dataset::<Classifier>::new(&inputs, &targets).unwrap();
    let mut batch = BatchBuffer::with_capacity(3);
    let (x, t) = batch.gather(&data, &[4, 0, 5]).unwrap();
    assert_eq!(x, [inputs[4], inputs[0], inputs[5]]);
    assert_eq!(t, [targets[4], targets[0], targets[5]]);
    assert_eq!(
        batch.gather(&data, &[1, 6]).map(drop),
        Err(Error::SampleOutOfRange {
            index: 6,
            samples: 6
        })
    );
}
