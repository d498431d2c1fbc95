//! A seeded mutation fuzzer for the two loaders, safetensors and serde (JSON): valid files
//! of two networks are corrupted in the ways files get corrupted (flipped bits, random and
//! interesting bytes, truncation, insertion, repeated and spliced ranges, edited digits),
//! and every result must be a clean `Ok` or `Err`:
//!
//! - no panic, whatever the bytes;
//! - no partial load: after an error the network is exactly as it was;
//! - nothing non-finite ever loads.
//!
//! CI runs a bounded number of cases with a fixed seed. A longer run, for example after
//! changing a loader:
//!
//! ```text
//! BACKPROP_FUZZ_CASES=5000000 BACKPROP_FUZZ_SEED=$RANDOM cargo test --release --test fuzz_loaders
//! ```

use backprop_runtime::safetensors::{load_into, to_bytes, NonFinite};
use backprop_runtime::{network, Parameters};
use backprop_tests::nets::Saved64;
use backprop_tests::SplitMix;

network! {
    /// Layers, a matrix, a scalar bias and f32: every shape a file can get wrong.
    pub struct Target<f32> {
        input x[3];
        layer h[4] = tanh(W1 * x + b1);
        output o[2] = identity(W2 * h + b2 + v * x[1]);
        loss half_squared_error;
    }
}

/// How many cases, and from which seed: CI's defaults, or the environment's.
fn settings() -> (usize, u64) {
    let read = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|value| value.parse().ok())
            .unwrap_or(default)
    };
    (
        read("BACKPROP_FUZZ_CASES", 50_000) as usize,
        read("BACKPROP_FUZZ_SEED", 2026),
    )
}

/// Values that break parsers: boundaries of lengths, signs and floats.
const INTERESTING: [&[u8]; 14] = [
    b"0",
    b"-1",
    b"1e39",
    b"-1e400",
    b"NaN",
    b"18446744073709551615",
    b"9223372036854775808",
    b"null",
    b"[]",
    b"{}",
    b"\"",
    b"\xff\xff\xff\x7f",
    b"\x00\x00\x80\x7f",
    b"\x00\x00\xc0\x7f",
];

/// One random corruption of `bytes`, sometimes spliced with `other`.
fn mutate(random: &mut SplitMix, bytes: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for _ in 0..=random.below(3) {
        let len = out.len().max(1);
        let at = random.below(len).min(out.len());
        match random.below(8) {
            0 => {
                if let Some(byte) = out.get_mut(at) {
                    *byte ^= 1 << random.below(8);
                }
            }
            1 => {
                if let Some(byte) = out.get_mut(at) {
                    *byte = random.below(256) as u8;
                }
            }
            2 => out.truncate(at),
            3 => {
                let insert = INTERESTING[random.below(INTERESTING.len())];
                out.splice(at..at, insert.iter().copied());
            }
            4 => {
                let end = (at + 1 + random.below(16)).min(out.len());
                let copy = out[at..end].to_vec();
                out.splice(at..at, copy);
            }
            5 => {
                let from = random.below(other.len().max(1)).min(other.len());
                let end = (from + random.below(64)).min(other.len());
                let end_here = (at + random.below(64)).min(out.len());
                out.splice(at..end_here, other[from..end].iter().copied());
            }
            6 => {
                // A digit changed, where numbers and lengths live.
                if let Some(position) = out[at..].iter().position(u8::is_ascii_digit) {
                    out[at + position] = b'0' + random.below(10) as u8;
                }
            }
            _ => {
                // The safetensors header length (the first 8 bytes, little-endian).
                if out.len() >= 8 {
                    let value = [0, 1, 7, 8, u64::MAX, 1 << 40][random.below(6)];
                    let mut length = u64::from_le_bytes(out[..8].try_into().unwrap());
                    length = length.wrapping_add(value);
                    out[..8].copy_from_slice(&length.to_le_bytes());
                }
            }
        }
    }
    out
}

/// The checks on one loaded (or refused) file for a network type.
fn check_safetensors<P: Parameters + PartialEq + std::fmt::Debug + Clone>(start: &P, bytes: &[u8]) {
    let mut loaded = start.clone();
    match load_into(&mut loaded, bytes, NonFinite::Reject) {
        Ok(()) => assert!(loaded.first_non_finite().is_none(), "{loaded:?}"),
        Err(error) => {
            assert_eq!(&loaded, start, "partial load before {error}");
            assert!(!error.to_string().is_empty());
        }
    }
}

/// The checks on one JSON file, read as both networks.
fn check_json(bytes: &[u8]) {
    if let Ok(loaded) = serde_json::from_slice::<Target>(bytes) {
        assert!(loaded.first_non_finite().is_none(), "{loaded:?}");
    }
    if let Ok(loaded) = serde_json::from_slice::<Saved64>(bytes) {
        assert!(loaded.first_non_finite().is_none(), "{loaded:?}");
    }
}

#[test]
fn corrupted_files_load_cleanly_or_not_at_all() {
    let (cases, seed) = settings();
    let mut random = SplitMix::new(seed);

    let mut target = Target::default();
    for (k, w) in target.as_mut_slice().iter_mut().enumerate() {
        *w = (k as f32 - 10.0) * 0.125;
    }
    let start = Target::default();
    let saved = Saved64::SAMPLE;
    let saved_start = Saved64::default();

    let target_file = to_bytes(&target).unwrap();
    let saved_file = to_bytes(&saved).unwrap();
    let target_json = serde_json::to_vec(&target).unwrap();
    let saved_json = serde_json::to_vec(&saved).unwrap();

    let (mut loaded, mut refused) = (0, 0);
    for case in 0..cases {
        let (bytes, other) = match case % 4 {
            0 => (&target_file, &saved_file),
            1 => (&saved_file, &target_file),
            2 => (&target_json, &saved_json),
            _ => (&saved_json, &target_json),
        };
        let mutated = mutate(&mut random, bytes, other);
        if case % 4 < 2 {
            check_safetensors(&start, &mutated);
            check_safetensors(&saved_start, &mutated);
            let mut probe = start;
            match load_into(&mut probe, &mutated, NonFinite::Reject) {
                Ok(()) => loaded += 1,
                Err(_) => refused += 1,
            }
        } else {
            check_json(&mutated);
        }
    }
    // The fuzzer reaches both outcomes: it is neither only breaking files nor only
    // leaving them intact.
    if cases >= 1_000 {
        assert!(
            loaded > 0 && refused > 0,
            "{loaded} loaded, {refused} refused"
        );
    }
}
