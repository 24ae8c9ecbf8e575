"""Loss slices, smoothness estimates, attractor detection, Lyapunov spectra, Newton fixed
points and orbit diagrams, against float64 NumPy loops, finite differences and closed forms."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from curse_of_memory.diagnostics import (
    OrbitDiagram,
    constant_input_map,
    count_attractors,
    detect_period,
    dominant_period,
    fixed_points,
    growth_rate,
    largest_lyapunov_exponent,
    loss_slice,
    lyapunov_spectrum,
    orbit_spread,
    smoothness_vs_length,
)
from curse_of_memory.models import lstm, readout, stable_lstm_projection
from curse_of_memory.tasks import chaotic_lstm_map, chaotic_lstm_outputs, chaotic_weight_hh

W_STAR = np.array([[-1, -4], [-3, -2], [-2, 6], [0, -6], [-1, -6], [6, -9], [4, 1], [-9, -7]], np.float64)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def chaotic_loop(W, n):
    """h_1..h_n of the zero-input, bias-free 2-unit LSTM from h = c = 0.5 (float64)."""
    h = c = np.full(2, 0.5)
    out = []
    for _ in range(n):
        i, f, g, o = np.split(W @ h, 4)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        out.append(h)
    return np.array(out)


def test_chaotic_lstm_matches_numpy(x64):
    got = np.asarray(jax.jit(chaotic_lstm_outputs, static_argnums=1)(chaotic_weight_hh(jnp.float64), 60))
    np.testing.assert_allclose(got, chaotic_loop(W_STAR, 60), rtol=1e-9, atol=1e-12)


def test_slice_is_zero_at_the_reference_and_matches_a_loop():
    W = chaotic_weight_hh()
    s = np.array([0.6, 0.9, 1.3, 1.0 + 1e-3])
    sl = loss_slice(chaotic_lstm_outputs, jnp.zeros_like(W), W, s, n_steps=40, burn_in=10)
    assert sl.loss[sl.reference_index] == 0.0 and sl.s[sl.reference_index] == 1.0
    assert sl.s.tolist() == sorted(sl.s.tolist()) and len(sl.s) == 5 and sl.steady.shape == (5, 30, 2)
    # float32 against float64: only where the dynamics are not chaotic over 40 steps.
    ref = chaotic_loop(W_STAR, 40)[10:]
    for k, si in enumerate(sl.s):
        want = np.mean((chaotic_loop(si * W_STAR, 40)[10:] - ref) ** 2)
        np.testing.assert_allclose(sl.loss[k], want, rtol=1e-3, atol=1e-6)
        np.testing.assert_allclose(sl.steady[k], chaotic_loop(si * W_STAR, 40)[10:], atol=1e-4)


def test_slice_rejects_bad_input():
    W = chaotic_weight_hh()
    with pytest.raises(ValueError, match="same pytree structure"):
        loss_slice(chaotic_lstm_outputs, {"a": W}, W, [0.5], n_steps=10)
    with pytest.raises(ValueError, match=r"differ at.*shapes and dtypes"):
        loss_slice(chaotic_lstm_outputs, W[:4], W, [0.5], n_steps=10)
    with pytest.raises(ValueError, match="n_steps must be a positive integer"):
        loss_slice(chaotic_lstm_outputs, jnp.zeros_like(W), W, [0.5], n_steps=0)
    with pytest.raises(ValueError, match=r"burn_in must be an integer in \[0, n_steps\)"):
        loss_slice(chaotic_lstm_outputs, jnp.zeros_like(W), W, [0.5], n_steps=10, burn_in=10)


def v_numpy(s, n):
    return np.mean((chaotic_loop(s * W_STAR, n) - chaotic_loop(W_STAR, n)) ** 2)


def test_smoothness_derivatives_match_finite_differences():
    W = chaotic_weight_hh()
    sm = smoothness_vs_length(
        chaotic_lstm_outputs, jnp.zeros_like(W), W, [0.6, 1.05], [8, 15], half_width=0.0, points=1
    )
    eps = 1e-5
    for i, s0 in enumerate([0.6, 1.05]):
        for j, n in enumerate([8, 15]):
            d1 = (v_numpy(s0 + eps, n) - v_numpy(s0 - eps, n)) / (2 * eps)
            d2 = (v_numpy(s0 + eps, n) - 2 * v_numpy(s0, n) + v_numpy(s0 - eps, n)) / eps**2
            np.testing.assert_allclose(sm.lipschitz[i, j], abs(d1), rtol=1e-5)
            np.testing.assert_allclose(sm.beta[i, j], abs(d2), rtol=1e-3)
            dh = (chaotic_loop((s0 + eps) * W_STAR, n) - chaotic_loop((s0 - eps) * W_STAR, n)) / (2 * eps)
            np.testing.assert_allclose(sm.sensitivity[i, j], np.max(np.abs(dh)), rtol=1e-5)


def test_smoothness_prefixes_equal_separate_runs():
    """One simulation of the longest N gives the same estimates as one run per N."""
    W = chaotic_weight_hh()
    both = smoothness_vs_length(chaotic_lstm_outputs, jnp.zeros_like(W), W, [1.1], [10, 30], points=5)
    alone = smoothness_vs_length(chaotic_lstm_outputs, jnp.zeros_like(W), W, [1.1], [10, 11], points=5)
    np.testing.assert_allclose(both.lipschitz[0, 0], alone.lipschitz[0, 0], rtol=1e-12)
    np.testing.assert_allclose(both.beta[0, 0], alone.beta[0, 0], rtol=1e-12)


def test_smoothness_rejects_bad_lengths():
    W = chaotic_weight_hh()
    for lengths, match in (([0, 10], "positive integer"), ([-5, 10], "positive integer"), ([10, 10], "two distinct")):
        with pytest.raises(ValueError, match=match):
            smoothness_vs_length(chaotic_lstm_outputs, jnp.zeros_like(W), W, [1.0], lengths)


def test_growth_rate_of_exact_exponentials():
    N = np.array([25, 50, 100, 200])
    np.testing.assert_allclose(growth_rate(N, np.stack([3 * np.exp(0.2 * N), np.exp(-0.01 * N)])), [0.2, -0.01])
    assert np.isnan(growth_rate(N, np.array([1.0, 0.0, 1.0, 2.0])))


def test_sensitivity_recursion_matches_jacfwd_of_the_rollout(x64):
    """S[t] = A[t] S[t-1] + B[t] (Sec. 2.4) against forward-mode autodiff of the whole run."""
    s0, n = 1.0, 30
    F = lambda x, s: chaotic_lstm_map(s * jnp.asarray(W_STAR))(x)  # noqa: E731
    x = jnp.full(4, 0.5)
    S = np.zeros(4)
    for _ in range(n):
        A = np.asarray(jax.jacfwd(F, argnums=0)(x, s0))
        B = np.asarray(jax.jacfwd(F, argnums=1)(x, s0))
        S = A @ S + B
        x = F(x, s0)
    rollout = jax.jacfwd(lambda s: chaotic_lstm_outputs(s * jnp.asarray(W_STAR), n))(jnp.float64(s0))
    np.testing.assert_allclose(np.asarray(rollout)[-1], S[:2], rtol=1e-9)


def test_detect_period_on_known_sequences():
    t = np.arange(200)
    fixed = np.full((200, 3), 0.7)
    three = np.stack([np.tile([0.1, -0.2, 0.5], 67)[:200], np.tile([1.0, 2.0, 3.0], 67)[:200]], 1)
    six = np.tile([0.0, 1, 2, 3, 4, 5], 34)[:200]
    irrational = np.sin(t * np.sqrt(2))
    got = detect_period(np.stack([fixed[:, :2], three, np.stack([six, six], 1), np.stack([irrational] * 2, 1)]))
    assert got.tolist() == [1, 3, 6, 0]
    noisy = three + 1e-9 * np.random.default_rng(0).normal(size=three.shape)
    assert detect_period(noisy, tol=1e-6) == 3 and detect_period(noisy, tol=1e-12) == 0
    assert detect_period(six, max_period=4) == 0
    with pytest.raises(ValueError, match="at least 2 steps"):
        detect_period(np.zeros((1, 2)))


def test_dominant_period_and_attractor_count():
    t = np.arange(1024)
    assert abs(dominant_period(np.sin(2 * np.pi * t / 23.3)) / 23.3 - 1) < 0.01
    assert dominant_period(np.full(50, 2.0)) == np.inf
    one = np.stack([np.full((20, 2), 1.0), np.full((20, 2), 1.0 + 1e-6)])
    assert count_attractors(one) == 1
    orbit = np.stack([np.tile([0.0, 1.0], 10), np.tile([1.0, 0.0], 10), np.full(20, 0.5)])[..., None]
    assert count_attractors(orbit) == 2  # two phases of one period-2 orbit, and a fixed point


def logistic(r):
    return lambda x: r * x * (1 - x)


def test_newton_fixed_points_of_the_logistic_map():
    fp = fixed_points(logistic(2.5), np.linspace(-0.3, 1.2, 13)[:, None])
    order = np.argsort(fp.points[:, 0])
    np.testing.assert_allclose(fp.points[order, 0], [0.0, 0.6], atol=1e-10)
    np.testing.assert_allclose(np.real(fp.eigenvalues[order, 0]), [2.5, -0.5], atol=1e-8)
    assert fp.stable[order].tolist() == [False, True]
    # Period 2 at r = 3.2: x = (r + 1 +- sqrt((r - 3)(r + 1))) / (2 r), stable.
    r = 3.2
    two = fixed_points(logistic(r), np.linspace(0.05, 0.95, 19)[:, None], period=2)
    cycle = (r + 1 + np.array([-1, 1]) * np.sqrt((r - 3) * (r + 1))) / (2 * r)
    found = np.sort(two.points[:, 0])
    assert all(np.min(np.abs(found - c)) < 1e-9 for c in cycle)
    assert all(two.stable[np.argmin(np.abs(two.points[:, 0] - c))] for c in cycle)
    with pytest.raises(ValueError, match="period"):
        fixed_points(logistic(2.5), [[0.1]], period=0)


def test_lyapunov_spectrum_closed_forms(x64):
    A = jnp.array([[0.5, 1.0], [0.0, -2.0]])
    spec = jax.jit(lambda x: lyapunov_spectrum(lambda y: A @ y, x, burn_in=0, steps=200))(jnp.array([1.0, 1.0]))
    np.testing.assert_allclose(np.asarray(spec), [np.log(2), np.log(0.5)], atol=1e-2)
    # Logistic map at r = 4: lambda = log 2.
    lam = jax.jit(lambda x: largest_lyapunov_exponent(logistic(4.0), x, burn_in=100, steps=20000))(jnp.array([0.3]))
    np.testing.assert_allclose(float(lam), np.log(2), atol=0.02)


def test_lyapunov_of_the_chaotic_lstm_at_the_origin(x64):
    """On the fixed-point range lambda_1 = log rho((s/4) W_hg + I/2) (Sec. 4.2)."""
    s = 0.6
    F = chaotic_lstm_map(s * jnp.asarray(W_STAR))
    x0 = jnp.full(4, 0.5)
    spec = np.asarray(jax.jit(lambda x: lyapunov_spectrum(F, x, burn_in=100, steps=1000))(x0))
    lam1 = float(jax.jit(lambda x: largest_lyapunov_exponent(F, x, burn_in=100, steps=1000))(x0))
    want = np.log(np.max(np.abs(np.linalg.eigvals(s / 4 * W_STAR[4:6] + np.eye(2) / 2))))
    # A complex pair: both exponents converge to log |mu| like 1 / steps.
    np.testing.assert_allclose(spec[:2], want, rtol=5e-3)
    np.testing.assert_allclose(lam1, want, rtol=5e-3)
    assert np.all(np.isfinite(spec)) and np.all(np.diff(spec) <= 0)


def test_constant_input_map_flattens_an_lstm_state(x64):
    cell = lstm(jax.random.PRNGKey(0), 1, 3)
    state = (jnp.arange(3.0), -jnp.arange(3.0))
    F, x0, unravel = constant_input_map(cell.step, state, jnp.array([0.2]))
    h, c = cell.step(state, jnp.array([0.2]))
    np.testing.assert_allclose(np.asarray(F(x0)), np.concatenate([h, c]))
    assert x0.shape == (6,) and len(unravel(x0)) == 2


def small_model(key):
    return readout(key, lstm(jax.random.fold_in(key, 1), 2, 3), 2)


def test_orbit_diagram_layout_and_probes():
    model = small_model(jax.random.PRNGKey(0))
    inputs = ((0.0, 1.0), (1.0, 0.0), (0.5, 0.5))
    od = OrbitDiagram(inputs, n_initial=2, steps=12, burn_in=5, seed=3)
    orbit = np.asarray(eqx.filter_jit(lambda m: od(m, None, None)["orbit"])(model))
    assert orbit.shape == (7, 2, 3, 2)
    states = od.initial_states(model)
    assert states[0].shape == (2, 3, 3) and abs(float(jnp.std(states[1])) - 100) < 40
    np.testing.assert_array_equal(np.asarray(od.initial_states(model)[0]), np.asarray(states[0]))  # fixed probes
    for k in range(2):
        for j, u in enumerate(inputs):
            run = model(jnp.broadcast_to(jnp.asarray(u), (12, 2)), (states[0][k, j], states[1][k, j]))
            np.testing.assert_allclose(orbit[:, k, j], np.asarray(run[5:]), rtol=1e-5, atol=1e-6)
    assert orbit_spread(orbit).shape == (3,)
    # Per epoch: a fixed point that moves between epochs has no spread; an orbit does.
    moving_point = np.arange(4.0)[:, None, None, None, None] * np.ones((4, 7, 2, 3, 1))
    np.testing.assert_array_equal(orbit_spread(moving_point), np.zeros((4, 3)))
    cycle = np.broadcast_to(np.sin(np.arange(7.0))[:, None, None, None], (7, 2, 3, 1))
    np.testing.assert_allclose(orbit_spread(cycle), np.ptp(np.sin(np.arange(7.0))))
    with pytest.raises(ValueError, match="burn_in"):
        OrbitDiagram(inputs, steps=10, burn_in=10)


def test_orbit_diagram_as_a_training_hook_and_contraction():
    from curse_of_memory.tasks import sine_generator
    from curse_of_memory.training import train_ensemble

    task = sine_generator(n_sequences=6, T=10, batch_size=3)
    od = OrbitDiagram(((0.3,), (0.5,)), n_initial=3, steps=200, burn_in=150)

    def init(key):
        return readout(key, lstm(jax.random.fold_in(key, 1), 1, 8), 1)

    r = train_ensemble(
        task,
        init,
        seeds=[0, 1],
        learning_rates=[1e-2],
        steps=30,
        steps_per_epoch=10,
        optimizer="clipped_adam",
        project=stable_lstm_projection,
        epoch_metrics=od,
        validation_batches=1,
    )
    assert r.metrics["orbit"].shape == (2, 1, 3, 50, 3, 2, 1)
    assert np.max(orbit_spread(r.metrics["orbit"][0, 0, -1])) < 1e-4  # sLSTM: one point per input
