"""The recurrence core against float64 loops and finite differences, including the hard
cases: |lambda| near 1 with T >> 1 / (1 - |lambda|), complex lambda, lambda near 0."""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from curse_of_memory.recurrence import causal_convolution, dense_recurrence, linear_recurrence, powers
from reference import convolution_loop, dense_loop, diagonal_loop, finite_difference_grad

DIAGONAL_METHODS = ["sequential", "associative", "convolution"]

# (magnitudes, T): near 1 over a long horizon; near 0; exactly 0; generic.
CASES = {
    "near_one_long": ([0.9999, 0.9999, 0.999], 3000),
    "near_zero": ([1e-3, 1e-8, 0.5], 50),
    "exact_zero": ([0.0, 0.3, 0.9], 50),
    "generic": ([0.2, 0.7, 0.95], 120),
}


def complex_lambda(magnitudes, rng):
    return np.asarray(magnitudes) * np.exp(1j * rng.uniform(-np.pi, np.pi, len(magnitudes)))


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("method", DIAGONAL_METHODS)
def test_diagonal_states_match_loop(x64, rng, case, method):
    magnitudes, T = CASES[case]
    lam = complex_lambda(magnitudes, rng)
    u = rng.normal(size=(2, T, len(lam)))
    h = jax.jit(partial(linear_recurrence, method=method))(jnp.asarray(lam), jnp.asarray(u))
    ref = diagonal_loop(lam, u)
    np.testing.assert_allclose(np.asarray(h), ref, rtol=1e-9, atol=1e-9 * np.abs(ref).max())


@pytest.mark.parametrize("method", ["sequential", "associative"])
def test_time_varying_lambda(x64, rng, method):
    lam = rng.uniform(-1, 1, size=(3, 40, 4)) * np.exp(1j * rng.uniform(-3, 3, size=(3, 40, 4)))
    u = rng.normal(size=(3, 40, 4)) + 1j * rng.normal(size=(3, 40, 4))
    h = jax.jit(partial(linear_recurrence, method=method))(jnp.asarray(lam), jnp.asarray(u))
    np.testing.assert_allclose(np.asarray(h), diagonal_loop(lam, u), rtol=1e-10, atol=1e-12)


def test_real_lambda_stays_real_and_scalar_lambda_broadcasts(x64, rng):
    u = rng.normal(size=(5, 30, 2))
    h = linear_recurrence(0.9, jnp.asarray(u))
    assert h.dtype == jnp.float64
    np.testing.assert_allclose(np.asarray(h), diagonal_loop(np.array([0.9, 0.9]), u).real, rtol=1e-12)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("method", DIAGONAL_METHODS)
def test_diagonal_gradients_match_finite_differences(x64, rng, case, method):
    """Gradients of a random linear functional of the states with respect to Re lambda,
    Im lambda (finite differences of the float64 loop) and the inputs (closed form)."""
    magnitudes, T = CASES[case]
    lam = complex_lambda(magnitudes, rng)
    n = len(lam)
    u = rng.normal(size=(1, T, n))
    w = (rng.normal(size=u.shape) + 1j * rng.normal(size=u.shape)) / np.sqrt(T)

    def loss(re, im, inputs):
        return jnp.real(jnp.sum(w * linear_recurrence(re + 1j * im, inputs, method=method)))

    g_re, g_im, g_u = jax.jit(jax.grad(loss, argnums=(0, 1, 2)))(
        jnp.asarray(lam.real), jnp.asarray(lam.imag), jnp.asarray(u)
    )
    fd = finite_difference_grad(
        lambda p: np.real(np.sum(w * diagonal_loop(p[:n] + 1j * p[n:], u))), np.concatenate([lam.real, lam.imag])
    )
    np.testing.assert_allclose(np.concatenate([g_re, g_im]), fd, rtol=1e-5, atol=1e-7 * np.abs(fd).max())
    # d loss / d u_t = Re sum_{s>=t} w_s lambda^(s-t): the recurrence run backwards in time.
    du = np.real(diagonal_loop(lam, w[:, ::-1])[:, ::-1])
    np.testing.assert_allclose(np.asarray(g_u), du, rtol=1e-8, atol=1e-10 * np.abs(du).max())


def test_convolution_needs_time_invariant_lambda(rng):
    with pytest.raises(ValueError, match="time-invariant"):
        linear_recurrence(jnp.ones((10, 2)) * 0.5, jnp.ones((10, 2)), method="convolution")
    with pytest.raises(ValueError, match="method"):
        linear_recurrence(0.5, jnp.ones((10, 2)), method="nope")


def test_powers_are_the_impulse_response(x64, rng):
    lam = complex_lambda([0.9999, 1e-3, 0.0], rng)
    P = np.asarray(jax.jit(powers, static_argnums=1)(jnp.asarray(lam), 3000))
    ref = diagonal_loop(lam, np.eye(3000)[:, :1].repeat(3, axis=1))
    np.testing.assert_allclose(P, ref, rtol=1e-10, atol=1e-300)


@pytest.mark.parametrize("method", ["sequential", "associative"])
@pytest.mark.parametrize("heads", [1, 3])
def test_dense_recurrence_matches_loop_and_finite_differences(x64, rng, method, heads):
    k = 4
    blocks = rng.normal(size=(heads, k, k)) / np.sqrt(k)
    # Push the spectral radius near 1, the hard case.
    blocks = np.stack([b * 0.999 / np.max(np.abs(np.linalg.eigvals(b))) for b in blocks])
    A = np.zeros((heads * k, heads * k))
    for h in range(heads):
        A[h * k : (h + 1) * k, h * k : (h + 1) * k] = blocks[h]
    # Long for the scan; the associative scan composes k x k matrices, so keep it shorter.
    u = rng.normal(size=(2, 400 if method == "sequential" else 100, heads * k))
    run = jax.jit(partial(dense_recurrence, method=method))
    out = run(jnp.asarray(blocks), jnp.asarray(u))
    ref = dense_loop(A, u)
    np.testing.assert_allclose(np.asarray(out), ref, rtol=1e-9, atol=1e-9 * np.abs(ref).max())
    w = rng.normal(size=u.shape) / 20
    grad = np.asarray(jax.jit(jax.grad(lambda b: jnp.sum(w * run(b, jnp.asarray(u)))))(jnp.asarray(blocks)))

    def loss_ref(b):
        full = np.zeros_like(A)
        for h in range(heads):
            full[h * k : (h + 1) * k, h * k : (h + 1) * k] = b[h]
        return np.sum(w * dense_loop(full, u))

    fd = finite_difference_grad(loss_ref, blocks)
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-7 * np.abs(fd).max())


def test_dense_recurrence_rejects_bad_shapes():
    with pytest.raises(ValueError, match="square"):
        dense_recurrence(jnp.ones((2, 3)), jnp.ones((5, 2)))
    with pytest.raises(ValueError, match=r"\(\.\.\., T, 6\)"):
        dense_recurrence(jnp.ones((2, 3, 3)), jnp.ones((5, 4)))


@pytest.mark.parametrize("method", ["direct", "fft"])
@pytest.mark.parametrize("kind", ["diagonal", "siso", "mimo", "complex"])
def test_causal_convolution_matches_loop_and_finite_differences(x64, rng, method, kind):
    T = 24
    shapes = {"diagonal": (T, 3), "siso": (T, 1, 1), "mimo": (T, 2, 3), "complex": (T, 2)}
    kernel = rng.normal(size=shapes[kind]) * np.exp(-np.arange(T) / 20).reshape(-1, *[1] * (len(shapes[kind]) - 1))
    if kind == "complex":
        kernel = kernel * np.exp(1j * rng.uniform(-3, 3, size=kernel.shape))
    d_in = shapes[kind][-1]
    u = rng.normal(size=(4, T, d_in))
    conv = jax.jit(partial(causal_convolution, method=method))
    y = conv(jnp.asarray(kernel), jnp.asarray(u))
    ref = convolution_loop(kernel, u)
    np.testing.assert_allclose(np.asarray(y), ref if kind == "complex" else ref.real, rtol=1e-9, atol=1e-10)
    w = rng.normal(size=ref.shape)
    if kind == "complex":
        return  # the complex gradient path is covered by the recurrence tests
    grad = np.asarray(jax.jit(jax.grad(lambda K: jnp.sum(w * conv(K, jnp.asarray(u)))))(jnp.asarray(kernel)))
    fd = finite_difference_grad(lambda K: np.sum(w * convolution_loop(K, u).real), kernel)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-8)


def test_causal_convolution_long_fft_near_unit_circle(x64, rng):
    """|lambda| = 0.9999, T = 3000: the FFT path (auto-chosen) equals the sequential scan."""
    lam = 0.9999 * np.exp(1j * np.array([0.01, 2.0]))
    u = rng.normal(size=(2, 3000, 2))
    y = jax.jit(lambda lam, x: causal_convolution(powers(lam, 3000), x))(jnp.asarray(lam), jnp.asarray(u))
    ref = jax.jit(partial(linear_recurrence, method="sequential"))(jnp.asarray(lam), jnp.asarray(u))
    np.testing.assert_allclose(np.asarray(y), np.asarray(ref), rtol=1e-8, atol=1e-9 * float(jnp.abs(ref).max()))


def test_causal_convolution_rejects_bad_input():
    with pytest.raises(ValueError, match="lags"):
        causal_convolution(jnp.ones((5, 1, 1)), jnp.ones((6, 1)))
    with pytest.raises(ValueError, match="method"):
        causal_convolution(jnp.ones((5, 1, 1)), jnp.ones((5, 1)), method="slow")
