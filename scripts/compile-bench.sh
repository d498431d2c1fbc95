#!/usr/bin/env bash
# Compile-time benchmark: for neuron-level networks of 110, 1,010 and 5,010 edges and dense
# networks of 64x64 and 256x256, the macro's expansion time and generated line count, and
# the time of `cargo build --release` of a crate holding just that network.
#
#   scripts/compile-bench.sh
#
# Figures and the machine are recorded in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$root/target/compile-bench
rm -rf "$work"
mkdir -p "$work/sources"

echo "== expansion (the macro alone, release build of backprop-macros)"
BACKPROP_BENCH_DIR=$work/sources \
    cargo test --release --quiet -p backprop-macros expansion_time_and_size -- --ignored --nocapture |
    grep -E '^(network|neurons|dense)'

export CARGO_TARGET_DIR=$work/target
for source in "$work"/sources/*.rs; do
    name=$(basename "$source" .rs)
    mkdir -p "$work/$name/src"
    cp "$source" "$work/$name/src/lib.rs"
    cat > "$work/$name/Cargo.toml" <<TOML
[package]
name = "compile-bench-${name//_/-}"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
backprop-runtime = { path = "$root/backprop-runtime" }

[workspace]
TOML
done

echo "== cargo build --release (dependencies built beforehand)"
first=$(ls "$work"/sources/*.rs | head -n 1)
cargo build --release --quiet --manifest-path "$work/$(basename "$first" .rs)/Cargo.toml"
printf '%-20s %10s\n' network seconds
for source in "$work"/sources/*.rs; do
    name=$(basename "$source" .rs)
    touch "$work/$name/src/lib.rs"
    start=$(date +%s.%N)
    cargo build --release --quiet --manifest-path "$work/$name/Cargo.toml"
    end=$(date +%s.%N)
    printf '%-20s %10.2f\n' "$name" "$(echo "$end - $start" | bc)"
done
