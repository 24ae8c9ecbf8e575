"""memory_function, perturbation_error, approximation fits and the plateau flow, against plain
float64 references."""

from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.integrate import quad

from curse_of_memory.diagnose import load_factory
from curse_of_memory.diagnostics.approximation import curse_of_memory_bound, fixed_grid_fit, free_rate_fit
from curse_of_memory.diagnostics.memory_function import as_float64, memory_function
from curse_of_memory.diagnostics.perturbation import PerturbationCurve, crossings, perturbation_error
from curse_of_memory.experiments.li2022.residual_training import residual_student
from curse_of_memory.experiments.li2022.training_curves import escape_epoch, median_curve, plateau
from curse_of_memory.models import decay_sum_rnn, lru, residual_rnn, tanh_rnn
from curse_of_memory.tasks import memory_task
from curse_of_memory.theory.plateau import BumpTarget, delayed_gradient_norm, gradient_flow, reduced_loss
from reference import finite_difference_grad

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "custom_layer.py"


def test_memory_function_of_linear_models_is_the_absolute_kernel(x64):
    model = lru(jax.random.PRNGKey(0), 1, 1, 8, nu_min=0.5, nu_max=0.9)
    model = jax.tree.map(lambda v: jnp.asarray(v, jnp.float64) if eqx.is_inexact_array(v) else v, model)
    T = 64
    K = np.asarray(model.kernel(2 * T))[:, 0, 0]
    key = jax.random.PRNGKey(1)
    for variant, want in (
        ("heaviside", np.abs(K[:T])),
        ("impulse", np.abs(K[:T])),
        ("reversed", np.abs(K[:T] - K[T:])),
    ):
        got = memory_function(model, 1, key=key, T=T, draws=3, variant=variant)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)
    cont = decay_sum_rnn([0.5], [2.0], dt=0.25)
    got = memory_function(cont, 1, key=key, T=16, draws=2, dt=0.25)
    np.testing.assert_allclose(got, 2 * np.exp(-0.5 * 0.25 * np.arange(16)), rtol=1e-10)
    with pytest.raises(ValueError, match="variant"):
        memory_function(model, 1, key=key, T=8, variant="step")


def test_memory_function_subtracts_the_zero_input_response_and_decays(x64):
    cell = tanh_rnn(jax.random.PRNGKey(0), 1, 16)
    cell = jax.tree.map(lambda v: jnp.asarray(v, jnp.float64), cell)
    m = memory_function(cell, 1, key=jax.random.PRNGKey(1), T=200, draws=4, scales=(0.1, 1.0))
    assert m[0] > 1e-3 and m[-1] < 1e-12 * m[0]  # biases alone would give a non-zero step at t = 0 only


def test_memory_function_of_a_layer_from_a_diagnose_factory():
    """The `diagnose` protocol: f(key, memory_scale) -> module (T, width) -> (T, width), float32
    parameters, called outside x64; the probe promotes it to float64 itself."""
    factory, _ = load_factory(f"{EXAMPLE}:min_gru")
    key = jax.random.PRNGKey(1)
    short, long = (memory_function(factory(jax.random.PRNGKey(0), s), 16, key=key, T=128, draws=2) for s in (1.0, 30.0))
    assert short.shape == (128,) and short.dtype == np.float64 and np.all(np.isfinite(short))
    assert long[-1] / long[0] > short[-1] / short[0]  # a longer memory scale decays slower
    # A float32 linear layer is probed in float64: equal to its float64 kernel to 1e-10 (float32: ~1e-7).
    model = lru(jax.random.PRNGKey(0), 1, 1, 8, nu_min=0.5, nu_max=0.9)
    with jax.enable_x64(True):
        K = np.abs(np.asarray(as_float64(model).kernel(64))[:, 0, 0])
    np.testing.assert_allclose(memory_function(model, 1, key=key, T=64, draws=2), K, rtol=1e-10, atol=1e-14)
    with pytest.raises(ValueError, match="expected outputs"):
        memory_function(lambda x: x.sum(0), 3, key=key, T=8)
    with pytest.raises(ValueError, match="d_in=3"):
        memory_function(factory(jax.random.PRNGKey(0), 1.0), 3, key=key, T=8)
    with pytest.raises(ValueError, match="d_in"):
        memory_function(model, 0, key=key, T=8)


def test_perturbation_error_is_monotone_and_unstable_models_are_infinite(x64):
    task = memory_task("exp", 50, rate=0.5)
    model = decay_sum_rnn([0.5, 0.05], [1.0, 0.0], parametrization="direct")

    def error(m):
        return jnp.where(jnp.all(m.real_parts() < 0), task.loss(m, None), jnp.inf)

    curve = perturbation_error(model, error, [0.0, 1e-3, 1e-2, 0.1, 1.0], key=jax.random.PRNGKey(0), draws=8)
    assert curve.envelope[0] == pytest.approx(0.0, abs=1e-20)
    assert np.all(curve.envelope[1:] >= curve.envelope[:-1])
    assert np.isinf(curve.envelope[-1])  # a 2-norm step of 1 pushes -0.05 over 0 in some draw
    stable = decay_sum_rnn([0.5, 0.05], [1.0, 0.0], parametrization="softplus")
    assert np.all(np.isfinite(perturbation_error(stable, error, [0.0, 1.0, 3.0], key=jax.random.PRNGKey(0)).envelope))
    with pytest.raises(ValueError, match="increasing"):
        perturbation_error(model, error, [0.1, 0.0], key=jax.random.PRNGKey(0))
    a = PerturbationCurve(np.array([0, 1, 2.0]), None, np.array([1.0, 2.0, 3.0]))
    b = PerturbationCurve(a.betas, None, np.array([0.5, 2.5, np.inf]))
    c = PerturbationCurve(a.betas, None, np.array([0.1, 0.2, 0.3]))
    np.testing.assert_array_equal(crossings([a, b]), [1.0])
    assert np.isnan(crossings([a, c])[0])


def test_fixed_grid_recovers_a_sum_on_the_grid_and_free_fit_never_worsens():
    t = np.arange(200)
    target = 2 * np.exp(-0.1 * t) - np.exp(-0.3 * t)
    fit = fixed_grid_fit(target, 3, [0.05, 0.1, 0.2])
    assert fit.l1_error < 1e-10 and fit.rates[0] == 0.1
    pol = (1 + t) ** -1.5
    start = fixed_grid_fit(pol, 3, np.geomspace(1e-3, 1, 11))
    assert free_rate_fit(pol, 3, start, max_iterations=50).l1_error <= start.l1_error
    assert curse_of_memory_bound(4, 100.0, 0.5) == pytest.approx(100**-0.5 + 0.125 * 100**0.5)


def test_reduced_loss_matches_quadrature_and_its_gradient_finite_differences(x64):
    target = BumpTarget(amplitudes=(1.0, -0.3), rates=(0.5, 2.0), delay=7.0, width=0.8, height=0.7)
    a, w = np.array([0.9, 0.2, -0.1]), np.array([0.4, 1.1, 3.0])
    exact = quad(lambda s: (np.exp(-w * s) @ a - target.rho(s)) ** 2, 0, 200, limit=500, points=[7.0])[0]
    assert float(reduced_loss(jnp.asarray(a), jnp.asarray(w), target)) == pytest.approx(exact, rel=1e-9)

    # Large w * sigma^2 - mu > 0 takes the erfcx branch; compare both branches' gradient numerically.
    def f(th):
        return float(reduced_loss(jnp.asarray(th[:3]), jnp.asarray(th[3:]), target))

    grad = jax.grad(lambda th: reduced_loss(th[:3], th[3:], target))(jnp.asarray(np.r_[a, w]))
    np.testing.assert_allclose(grad, finite_difference_grad(f, np.r_[a, w]), rtol=1e-6, atol=1e-8)
    assert delayed_gradient_norm(a, w, target) > 0
    assert delayed_gradient_norm(a, w, target._replace(height=0.0)) == pytest.approx(0.0, abs=1e-14)


def test_gradient_flow_plateau_grows_with_the_delay():
    a0, w0 = np.array([1.0, 0.01]), np.array([0.5, 0.75])
    short = gradient_flow(a0, w0, BumpTarget(delay=6.0), points=20)
    long = gradient_flow(a0, w0, BumpTarget(delay=12.0), points=20)
    assert long.tau_loss > 10 * short.tau_loss
    assert long.min_rate_at_tau_loss < 0.5
    assert np.all(np.diff(long.loss) <= 1e-9)  # gradient flow never increases the loss
    with pytest.raises(ValueError, match="positive"):
        gradient_flow(a0, np.array([0.5, -0.1]), BumpTarget())


def test_plateau_detector_and_escape():
    flat_then_drop = np.r_[np.geomspace(1, 0.5, 10), np.full(60, 0.5), np.geomspace(0.5, 1e-4, 30)]
    frac, start, level = plateau(flat_then_drop)
    assert 0.6 <= frac <= 0.75 and level == pytest.approx(0.5, rel=0.1)
    assert escape_epoch(flat_then_drop, level, start) >= 70
    smooth = np.geomspace(1, 1e-6, 100)
    assert plateau(smooth)[0] <= 0.05
    assert plateau(np.r_[1.0, np.nan])[0] == 0.0


def test_median_curve_ranks_a_diverged_run_last():
    runs = [[1.0, 0.5, 0.2], [2.0, 1.0, 0.4], [3.0, np.nan, np.nan]]
    np.testing.assert_array_equal(median_curve(runs), [2.0, 1.0, 0.4])  # 1 of 3 diverged: still finite
    assert np.all(np.isinf(median_curve([*runs, [4.0, np.nan, np.nan]])[1:]))  # 2 of 4: the median is inf


def test_residual_student_redraws_until_hurwitz():
    """Seeds 0-19 at width 16: six draws of W = -I + G/4 have an eigenvalue with Re >= 0 (seed 5:
    0.48); the student redraws those, under vmap as in train_ensemble, and keeps the rest."""
    keys = jnp.stack([jax.random.PRNGKey(s) for s in range(20)])
    drawn = eqx.filter_vmap(lambda k: residual_rnn(k, 1, 16, activation="tanh", dt=0.1))(keys)
    kept = eqx.filter_vmap(lambda k: residual_student(k, width=16, dt=0.1, activation="tanh"))(keys)
    before = np.linalg.eigvals(np.asarray(drawn.W)).real.max(axis=1)
    after = np.linalg.eigvals(np.asarray(kept.W)).real.max(axis=1)
    assert np.sum(before >= 0) == 6 and np.all(after < 0)
    same = np.all(np.asarray(drawn.W == kept.W), axis=(1, 2))
    np.testing.assert_array_equal(same, before < 0)
    single = residual_student(keys[5], width=16, dt=0.1, activation="tanh")
    np.testing.assert_array_equal(single.W, kept.W[5])  # the same redraw outside vmap
