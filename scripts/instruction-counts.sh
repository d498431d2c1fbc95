#!/usr/bin/env bash
# Instructions per call of the benchmarked steps, counted by valgrind's callgrind: exact and
# repeatable where wall-clock benchmarks are not (a shared machine moves them by tens of
# percent). Compare two checkouts by running this in each. Needs valgrind
# (`apt-get install valgrind`); not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet --example instruction_counts
binary=target/release/examples/instruction_counts
calls=100000
printf '%-16s %16s %18s\n' workload instructions "per call"
for workload in seed-step seed-train-step seed-general-train-step sine-step sine-fast-step sine-fast-train-step sine-fast-general-train-step digits-forward digits-step sine-train-step sine-twin-step sine-twin-fast-step digits-train-batch digits-fast-train-batch gru16-step gru16-fast-step lstm16-fast-step gru16-twin-step gru16-twin-fast-step lstm16-twin-fast-step; do
    # Start-up and set-up are a few hundred thousand instructions: under 1% per call.
    total=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$binary" "$workload" 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
    printf '%-16s %16s %18s\n' "$workload" "$total" "$(awk -v t="$total" -v c="$calls" 'BEGIN { printf "%.1f", t / c }')"
done
# Per step of one sequence: three batches of 32 sequences of 64 steps (valgrind is slow).
total=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$binary" gru64-fast-bptt 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
printf '%-16s %16s %18s\n' gru64-fast-bptt "$total" "$(awk -v t="$total" 'BEGIN { printf "%.1f", t / 6144 }') per step"
