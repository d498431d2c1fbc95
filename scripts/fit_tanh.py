"""The coefficients of `fast::tanh_f32` (backprop-runtime/src/fast.rs), and its error.

tanh x = x P(x^2) / Q(x^2) on [0, 9], P of degree 6 and Q of degree 3 in s = x^2, Q(0) = 1:
a minimax fit of the relative error by iteratively reweighted, linearized least squares
(Loeb's method: divide each residual P - f Q by the previous Q; Lawson's weights drive the
least-squares fit towards equal ripple). Then the fit is evaluated in float32 arithmetic, as
the Rust code evaluates it (Horner's rule, no fused multiply-add), against tanh in float64.

The random sample here is quick; the exhaustive sweep over every f32 is
`cargo run --release --example activation_errors` (largest relative error 4.09e-7).

Needs numpy. `python3 scripts/fit_tanh.py`; not part of CI.
"""
import numpy as np

CLAMP = 9.0
NUMERATOR, DENOMINATOR = 7, 4


def fit():
    x = np.sort(np.concatenate([np.linspace(0, CLAMP, 200001)[1:], np.geomspace(1e-6, 1e-2, 2000)]))
    t = x * x / CLAMP**2  # fitted in s / 81, on [0, 1], for conditioning
    f = np.tanh(x) / x
    weights, previous_q = np.ones_like(x), np.ones_like(x)
    best = None
    for iteration in range(200):
        # Unknowns p0..p6 and q1..q3; P(t) - f (Q(t) - 1) = f.
        columns = [t**k for k in range(NUMERATOR)] + [-f * t**k for k in range(1, DENOMINATOR)]
        a = np.stack(columns, axis=1)
        scale = weights / (f * previous_q)
        solution, *_ = np.linalg.lstsq(a * scale[:, None], f * scale, rcond=None)
        p = solution[:NUMERATOR]
        q = np.concatenate([[1.0], solution[NUMERATOR:]])
        big_q = np.polyval(q[::-1], t)
        error = (np.polyval(p[::-1], t) - f * big_q) / (f * big_q)
        if best is None or np.abs(error).max() < best[0]:
            best = (np.abs(error).max(), p, q)
        previous_q = big_q
        if iteration > 5:
            weights = np.maximum(weights * np.abs(error) / (weights * np.abs(error)).max(), 1e-12)
    error, p, q = best
    # Back from t = s / 81 to s.
    return error, [p[k] / CLAMP ** (2 * k) for k in range(NUMERATOR)], [q[k] / CLAMP ** (2 * k) for k in range(DENOMINATOR)]


def tanh_f32(x, p, q):
    f32 = np.float32
    p, q = [f32(c) for c in p], [f32(c) for c in q]

    def horner(coefficients, s):
        value = np.full_like(s, coefficients[-1])
        for c in coefficients[-2::-1]:
            value = value * s + c
        return value

    x = np.clip(x, f32(-CLAMP), f32(CLAMP)).astype(f32)
    s = (x * x).astype(f32)
    return np.clip(x * horner(p, s) / horner(q, s), f32(-1), f32(1)).astype(f32)


if __name__ == "__main__":
    error, p, q = fit()
    print(f"approximation error (exact arithmetic): {error:.3e}")
    print("numerator:", [repr(float(c)) for c in p])
    print("denominator:", [repr(float(c)) for c in q])
    rng = np.random.default_rng(1)
    x = np.concatenate([np.geomspace(1e-30, 20, 4_000_000), rng.uniform(0, 9.5, 4_000_000)]).astype(np.float32)
    exact = np.tanh(x.astype(np.float64))
    relative = np.abs(tanh_f32(x, p, q).astype(np.float64) - exact) / exact
    print(f"evaluated in float32: largest relative error {relative.max():.3e} at x = {x[relative.argmax()]:.6g}")
