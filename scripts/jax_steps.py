"""The benchmarked sine and digits steps in JAX, compiled by XLA, for comparison with
`cargo bench --bench steps` (not part of CI).

Each workload runs its whole training loop under `jax.lax.scan`, so no Python runs between
steps: what is timed is XLA's code for the step, as a JAX user would deploy it. Same
networks, losses, batch size and plain SGD as the Rust benchmarks, in f32, on one thread.

    python3 -m venv /tmp/jax && /tmp/jax/bin/pip install "jax[cpu]"
    /tmp/jax/bin/python scripts/jax_steps.py        # or scripts/race-jax.sh, alternating with Rust
"""

import os

# One thread, as the Rust steps run: set before JAX starts.
os.environ.setdefault(
    "XLA_FLAGS",
    "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
)

import time  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
from jax import lax  # noqa: E402

LEARNING_RATE = 1e-3
REPEATS = 7


def sine_loss(p, x, t):
    """1-16-16-1 tanh regressor, J = (y - t)^2 as `mean_squared_error` of one output."""
    h1 = jnp.tanh(p["w1"] * x + p["b1"])
    h2 = jnp.tanh(p["w2"] @ h1 + p["b2"])
    y = p["w3"] @ h2 + p["b3"]
    return (y - t) ** 2


def digits_loss(p, images, labels):
    """64-32-10 tanh classifier, mean softmax cross-entropy over the batch."""
    h = jnp.tanh(images @ p["w1"].T + p["b1"])
    logits = h @ p["w2"].T + p["b2"]
    log_probabilities = jax.nn.log_softmax(logits)
    picked = jnp.take_along_axis(log_probabilities, labels[:, None], axis=1)
    return -jnp.mean(picked)


def sgd(loss):
    """One SGD step of `loss` as a `lax.scan` body."""

    def step(p, sample):
        value, grads = jax.value_and_grad(loss)(p, *sample)
        p = jax.tree_util.tree_map(lambda w, g: w - LEARNING_RATE * g, p, grads)
        return p, value

    return step


def time_per_step(loss, params, samples, steps):
    """The fastest of `REPEATS` runs of `steps` scanned steps, in seconds per step."""
    run = jax.jit(lambda p, s: lax.scan(sgd(loss), p, s))
    jax.block_until_ready(run(params, samples))  # compile and warm up
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        jax.block_until_ready(run(params, samples))
        best = min(best, time.perf_counter() - start)
    return best / steps


def main():
    key = jax.random.PRNGKey(0)
    k = jax.random.split(key, 8)
    f32 = jnp.float32

    sine = {
        "w1": jax.random.uniform(k[0], (16,), f32, -1, 1),
        "b1": jnp.zeros(16, f32),
        "w2": jax.random.uniform(k[1], (16, 16), f32, -0.4, 0.4),
        "b2": jnp.zeros(16, f32),
        "w3": jax.random.uniform(k[2], (16,), f32, -0.4, 0.4),
        "b3": jnp.zeros((), f32),
    }
    steps = 20_000
    xs = jax.random.uniform(k[3], (steps,), f32, -3, 3)
    sine_seconds = time_per_step(sine_loss, sine, (xs, jnp.sin(xs)), steps)

    digits = {
        "w1": jax.random.uniform(k[4], (32, 64), f32, -0.2, 0.2),
        "b1": jnp.zeros(32, f32),
        "w2": jax.random.uniform(k[5], (10, 32), f32, -0.3, 0.3),
        "b2": jnp.zeros(10, f32),
    }
    batches = 2_000
    images = jax.random.uniform(k[6], (batches, 32, 64), f32, 0, 16)
    labels = jax.random.randint(k[7], (batches, 32), 0, 10)
    digits_seconds = time_per_step(digits_loss, digits, (images, labels), batches)

    flops = 32 * 3 * 2 * (64 * 32 + 32 * 10)
    print(f"jax {jax.__version__} on {jax.devices()[0].platform}, one thread")
    print(f"sine 1-16-16-1 f32, per-sample SGD step:  {sine_seconds * 1e9:8.1f} ns")
    print(
        f"digits 64-32-10, 32-sample batch step:    {digits_seconds * 1e6:8.2f} us"
        f"  ({flops / digits_seconds / 1e9:.1f} GFLOP/s of matrix work)"
    )


if __name__ == "__main__":
    main()
