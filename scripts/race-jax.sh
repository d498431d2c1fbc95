#!/usr/bin/env bash
# The sine and digits steps of `cargo bench --bench steps` and of scripts/jax_steps.py, run
# alternately (twice each), so that the Rust/XLA ratios come from one stretch of time on
# this noisy machine. Not part of CI. Needs a Python with `jax[cpu]`:
#   python3 -m venv /tmp/jax && /tmp/jax/bin/pip install "jax[cpu]"
#   JAX_PYTHON=/tmp/jax/bin/python scripts/race-jax.sh
set -euo pipefail
cd "$(dirname "$0")/.."
python=${JAX_PYTHON:-python3}
cargo bench --bench steps --no-run --quiet
for round in 1 2; do
    echo "== round $round: Rust"
    cargo bench --bench steps --quiet -- "sine|digits" 2>&1 | grep -E "^(sine|digits)|time:"
    echo "== round $round: JAX"
    "$python" scripts/jax_steps.py
done
