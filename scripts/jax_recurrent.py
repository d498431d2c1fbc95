"""The recurrent benchmarks of `cargo bench --bench recurrent` in JAX, compiled by XLA (not
part of CI): one streaming step of a GRU and of an LSTM of 16 units over 16 inputs read out
to one value (the stream as a `lax.scan` over 10,000 steps, timed per step), and one SGD
update of a GRU of 64 units over 32 inputs read out to 32 values at every step, by
backpropagation through time over 64 steps for a batch of 32 sequences (J summed over steps
and outputs as `half_squared_error`, the mean over the batch). PyTorch's gate equations, f32,
one thread.

    python3 -m venv /tmp/jax && /tmp/jax/bin/pip install "jax[cpu]"
    /tmp/jax/bin/python scripts/jax_recurrent.py
"""

import os

os.environ.setdefault(
    "XLA_FLAGS",
    "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
)

import time  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
from jax import lax  # noqa: E402

REPEATS = 7


def gru_cell(p, h, x):
    """torch.nn.GRU's equations: rows r, z, n."""
    hidden = h.shape[-1]
    gi = x @ p["w_ih"].T + p["b_ih"]
    gh = h @ p["w_hh"].T + p["b_hh"]
    r = jax.nn.sigmoid(gi[..., :hidden] + gh[..., :hidden])
    z = jax.nn.sigmoid(gi[..., hidden:2 * hidden] + gh[..., hidden:2 * hidden])
    n = jnp.tanh(gi[..., 2 * hidden:] + r * gh[..., 2 * hidden:])
    return (1 - z) * n + z * h


def lstm_cell(p, state, x):
    """torch.nn.LSTM's equations: rows i, f, g, o."""
    h, c = state
    hidden = h.shape[-1]
    g_all = x @ p["w_ih"].T + p["b_ih"] + h @ p["w_hh"].T + p["b_hh"]
    i = jax.nn.sigmoid(g_all[..., :hidden])
    f = jax.nn.sigmoid(g_all[..., hidden:2 * hidden])
    g = jnp.tanh(g_all[..., 2 * hidden:3 * hidden])
    o = jax.nn.sigmoid(g_all[..., 3 * hidden:])
    c = f * c + i * g
    return o * jnp.tanh(c), c


def parameters(key, inputs, hidden, gates, outputs):
    bound = 1.0 / hidden ** 0.5
    keys = jax.random.split(key, 6)
    u = lambda k, shape: jax.random.uniform(k, shape, jnp.float32, -bound, bound)  # noqa: E731
    return {
        "w_ih": u(keys[0], (gates * hidden, inputs)),
        "w_hh": u(keys[1], (gates * hidden, hidden)),
        "b_ih": u(keys[2], (gates * hidden,)),
        "b_hh": u(keys[3], (gates * hidden,)),
        "v": u(keys[4], (outputs, hidden)),
        "c": u(keys[5], (outputs,)),
    }


def best(run, *args):
    """The fastest of `REPEATS` timed runs (after one that compiles), in seconds."""
    jax.block_until_ready(run(*args))
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        jax.block_until_ready(run(*args))
        times.append(time.perf_counter() - start)
    return min(times)


def streaming():
    steps = 10_000
    signal = jax.random.uniform(jax.random.PRNGKey(1), (steps, 16), jnp.float32, -1.0, 1.0)

    p = parameters(jax.random.PRNGKey(2), 16, 16, 3, 1)

    def gru_step(h, x):
        h = gru_cell(p, h, x)
        return h, p["v"] @ h + p["c"]

    run = jax.jit(lambda s: lax.scan(gru_step, jnp.zeros(16, jnp.float32), s))
    print(f"GRU-16 streaming step: {best(run, signal) / steps * 1e9:.1f} ns")

    q = parameters(jax.random.PRNGKey(3), 16, 16, 4, 1)

    def lstm_step(state, x):
        h, c = lstm_cell(q, state, x)
        return (h, c), q["v"] @ h + q["c"]

    zeros = (jnp.zeros(16, jnp.float32), jnp.zeros(16, jnp.float32))
    run = jax.jit(lambda s: lax.scan(lstm_step, zeros, s))
    print(f"LSTM-16 streaming step: {best(run, signal) / steps * 1e9:.1f} ns")


def training():
    steps, batch = 64, 32
    inputs = jax.random.uniform(jax.random.PRNGKey(4), (steps, batch, 32), jnp.float32, -1, 1)
    targets = jax.random.uniform(jax.random.PRNGKey(5), (steps, batch, 32), jnp.float32, -1, 1)
    p = parameters(jax.random.PRNGKey(6), 32, 64, 3, 32)

    def loss(p):
        def step(h, xt):
            x, t = xt
            h = gru_cell(p, h, x)
            y = h @ p["v"].T + p["c"]
            return h, 0.5 * jnp.sum((y - t) ** 2)

        _, losses = lax.scan(step, jnp.zeros((batch, 64), jnp.float32), (inputs, targets))
        return jnp.sum(losses) / batch

    def update(p):
        grads = jax.grad(loss)(p)
        return jax.tree_util.tree_map(lambda w, g: w - 1e-6 * g, p, grads)

    updates = 10
    run = jax.jit(lambda p: lax.fori_loop(0, updates, lambda _, p: update(p), p))
    seconds = best(run, p) / updates
    print(f"GRU-64 BPTT batch (64 steps x 32 sequences): {seconds * 1e3:.2f} ms, {1 / seconds:.0f} batches/s")


if __name__ == "__main__":
    print(f"jax {jax.__version__}, one thread")
    streaming()
    training()
