"""Memory kernels, the memory-functional task, continuous-time / residual / StableSSM models and
StableSSM parametrizations, each against a plain float64 reference."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg
from scipy.special import airy

from curse_of_memory.models import (
    check_hurwitz,
    continuous_linear_rnn,
    decay_sum_rnn,
    exp_sum_teacher,
    random_decay_sum_rnn,
    residual_rnn,
    stable_ssm,
    stable_ssm_layer,
)
from curse_of_memory.parametrizations.stable import (
    STABLE_PARAMETRIZATIONS,
    check_reachable,
    continuous_decay,
    continuous_gradient_scale,
    continuous_raw,
    discrete_eigenvalue,
    discrete_gradient_scale,
)
from curse_of_memory.recurrence import toeplitz
from curse_of_memory.tasks import cosine_noise, discretize, memory_kernel, memory_task
from curse_of_memory.training import train_ensemble

GRIDS = {  # raw w where each map is defined and smooth
    "direct": np.linspace(-3, -0.05, 40),
    "exp": np.linspace(-3, 3, 40),
    "softplus": np.linspace(-3, 3, 40),
    "best": np.linspace(0.05, 3, 40),
}


@pytest.mark.parametrize("name", STABLE_PARAMETRIZATIONS)
def test_gradient_scales_match_autodiff(x64, name):
    w = jnp.asarray(GRIDS[name])
    df = jax.vmap(jax.grad(lambda v: continuous_decay(name, v)))(w)
    auto = jnp.abs(df) / continuous_decay(name, w) ** 2
    np.testing.assert_allclose(continuous_gradient_scale(name, w), auto, rtol=1e-10)
    wd = jnp.asarray(GRIDS[name] if name != "direct" else np.linspace(-0.9, 0.9, 40))
    dl = jax.vmap(jax.grad(lambda v: discrete_eigenvalue(name, v)))(wd)
    auto_d = jnp.abs(dl) / (1 - discrete_eigenvalue(name, wd)) ** 2
    np.testing.assert_allclose(discrete_gradient_scale(name, wd), auto_d, rtol=1e-10)
    f = continuous_decay(name, w)
    np.testing.assert_allclose(continuous_raw(name, f), w, rtol=1e-10)
    if name != "direct":
        assert np.all(continuous_decay(name, jnp.linspace(-20, 20, 101)) < 0)


def test_discrete_best_is_stable_exactly_when_aw2_plus_b_exceeds_half(x64):
    w = jnp.linspace(-2, 2, 401)
    for b in (0.1, 0.5, 0.7):
        lam = discrete_eigenvalue("best", w, a=1.0, b=b)
        np.testing.assert_array_equal(np.abs(lam) < 1, w**2 + b > 0.5)


def _g(name, beta, w_grid):
    """Numerical sup_w |f(w)| sup_{|v - w| <= beta} |1/f(v) - 1/f(w)| (spec Sec. 5.2)."""
    worst = 0.0
    for w in w_grid:
        f = float(continuous_decay(name, w))
        v = np.linspace(w - beta, w + beta, 201)
        fv = np.asarray(continuous_decay(name, v))
        gap = np.inf if np.any(fv >= 0) else np.max(np.abs(1 / fv - 1 / f))
        worst = max(worst, abs(f) * gap)
    return worst


def test_stability_radius_bounds(x64):
    beta, grid = 0.3, np.linspace(-4, 4, 81)
    assert _g("exp", beta, grid) <= np.expm1(beta) * (1 + 1e-9)
    assert _g("softplus", beta, grid) <= np.expm1(beta) * (1 + 1e-9)
    assert _g("best", beta, grid) <= beta * np.sqrt(1 / 0.1) + beta**2 / 0.1
    near_zero = [_g("direct", 0.01, -np.geomspace(1, d, 20)) for d in (1e-1, 1.5e-2, 1.01e-2)]
    assert near_zero[0] < near_zero[1] < near_zero[2] and near_zero[2] > 50


def test_reachability_errors():
    with pytest.raises(ValueError, match="negative real parts"):
        check_reachable("exp", [0.1])
    with pytest.raises(ValueError, match=r"\[-10, 0\)"):
        check_reachable("best", [-20.0], b=0.1)
    with pytest.raises(ValueError, match="unknown StableSSM"):
        continuous_decay("relu", 1.0)


def test_memory_kernels_closed_forms_and_bad_input():
    t = np.arange(0, 30, 0.5)
    np.testing.assert_allclose(memory_kernel("exp", t, rate=-np.log(0.9)), 0.9**t)
    np.testing.assert_allclose(memory_kernel("pol", t, omega=0.5), (1 + t) ** -1.5)
    np.testing.assert_allclose(memory_kernel("airy", t, scale=2.25, t0=3), airy(2.25 * (t - 3))[0])
    np.testing.assert_allclose(memory_kernel("twoparts", t), np.exp(-t) + np.exp(-((t - 9) ** 2)))
    np.testing.assert_allclose(
        memory_kernel("exp_sum", t, amplitudes=[1, -2], rates=[0.5, 1]), np.exp(-0.5 * t) - 2 * np.exp(-t)
    )
    assert memory_kernel("shift", t).sum() == 3  # t = 9.5, 10, 10.5
    np.testing.assert_allclose(
        discretize("bump", 4, 0.5, delay=1.0),
        np.exp(-0.5 * 0.5 * np.arange(4)) + np.exp(-((0.5 * np.arange(4) - 1) ** 2) / 2),
    )
    with pytest.raises(ValueError, match="not integrable"):
        memory_kernel("sin", t)
    assert memory_kernel("sin", t, require_integrable=False)[1] == pytest.approx(np.sin(0.5))
    with pytest.raises(ValueError, match="omega > 0"):
        memory_kernel("pol", t, omega=0.0)
    with pytest.raises(ValueError, match="positive decay rates"):
        memory_kernel("exp_sum", t, amplitudes=[1, 1], rates=[1, 0])
    with pytest.raises(ValueError, match="unknown memory kernel"):
        memory_kernel("gauss", t)
    with pytest.raises(ValueError, match="not finite"):
        memory_kernel("exp_sum", t, amplitudes=[np.inf], rates=[1.0])
    with pytest.raises(ValueError, match="T must be"):
        discretize("exp", 0)


def test_population_loss_is_the_exact_expectation(x64, rng):
    """1/2 sigma^2 sum_s v_s delta_s^2 equals 1/2 mean_t E(yhat_t - y_t)^2 computed densely."""
    T, dt = 12, 0.5
    for weighting in ("average", "terminal"):
        task = memory_task("pol", T, dt=dt, omega=0.5, weighting=weighting)
        model = decay_sum_rnn([0.3, 1.2], [0.5, -0.2], dt=dt)
        delta = np.asarray(model.kernel(T))[:, 0, 0] - np.asarray(task.target)
        M = np.asarray(toeplitz(jnp.asarray(delta)))  # error = M x
        rows = M if weighting == "average" else M[-1:]
        exact = 0.5 * task.input_std**2 * np.sum(rows**2) / rows.shape[0]
        assert float(task.loss(model, task.sample(None))) == pytest.approx(exact, rel=1e-12)
    # The sampled loss is an unbiased estimate of it.
    sampled = memory_task("pol", T, dt=dt, omega=0.5, mode="sample", batch_size=20000)
    x = sampled.sample(jax.random.PRNGKey(0))
    pop = memory_task("pol", T, dt=dt, omega=0.5)
    assert float(sampled.loss(model, x)) == pytest.approx(float(pop.loss(model, None)), rel=0.03)


def test_population_loss_is_half_the_riemann_sum_of_J(x64):
    dt, T = 0.01, 3000
    task = memory_task("exp", T, dt=dt, rate=1.0, weighting="terminal")
    model = decay_sum_rnn([2.0], [1.0], dt=dt)
    J = 1 / 2 - 2 / 3 + 1 / 4  # int_0^inf (e^{-2t} - e^{-t})^2 dt
    assert float(task.loss(model, None)) == pytest.approx(J / 2, rel=2e-2)


def test_task_bad_input():
    with pytest.raises(ValueError, match="mode must be"):
        memory_task("exp", 10, mode="online")
    with pytest.raises(ValueError, match="fixed mode needs"):
        memory_task("exp", 10, mode="fixed")
    with pytest.raises(ValueError, match=r"\(n, T, 1\)"):
        memory_task("exp", 10, mode="fixed", paths=np.zeros((4, 9, 1)))
    with pytest.raises(ValueError, match="width must be"):
        random_decay_sum_rnn(jax.random.PRNGKey(0), 0)
    with pytest.raises(ValueError, match="width must be"):
        residual_rnn(jax.random.PRNGKey(0), 1, 0)


def test_continuous_linear_rnn_kernel_and_hurwitz(x64, rng):
    m, dt, T = 4, 0.3, 20
    W = -np.eye(m) * 1.5 + 0.3 * rng.normal(size=(m, m))
    U, c = rng.normal(size=(m, 2)), rng.normal(size=m)
    model = continuous_linear_rnn(W, U, c, dt=dt)
    ref = np.stack([dt * c @ scipy.linalg.expm(W * k * dt) @ U for k in range(T)])
    np.testing.assert_allclose(np.asarray(model.kernel(T))[:, 0], ref, rtol=1e-10, atol=1e-14)
    with pytest.raises(ValueError, match="Hurwitz"):
        continuous_linear_rnn(np.eye(m) * 0.1 - np.eye(m) * 0.05, U, c)
    with pytest.raises(ValueError, match="Hurwitz"):
        check_hurwitz(np.array([[0.0, 1.0], [-1.0, 0.0]]))
    teacher = exp_sum_teacher(jax.random.PRNGKey(0), width=8)
    assert np.max(np.linalg.eigvals(np.asarray(teacher.W)).real) <= -1 + 1e-9


def test_decay_sum_rnn_matches_exponentials(x64):
    for name in STABLE_PARAMETRIZATIONS:
        model = decay_sum_rnn([0.2, 3.0], [1.0, -0.5], parametrization=name, dt=0.5)
        t = 0.5 * np.arange(10)
        np.testing.assert_allclose(
            np.asarray(model.kernel(10))[:, 0, 0], 0.5 * (np.exp(-0.2 * t) - 0.5 * np.exp(-3 * t)), rtol=1e-10
        )
    with pytest.raises(ValueError, match="positive"):
        decay_sum_rnn([0.2, -1.0], [1.0, 1.0])


def test_residual_rnn_kernel_is_its_impulse_response(x64):
    model = residual_rnn(jax.random.PRNGKey(1), 1, 6, activation="linear", dt=0.1)
    model = jax.tree.map(lambda v: v.astype(jnp.float64) if eqx.is_array(v) else v, model)
    T = 30
    impulse = jnp.zeros((T, 1)).at[0, 0].set(1.0)
    np.testing.assert_allclose(
        np.asarray(eqx.filter_jit(model)(impulse))[:, 0], np.asarray(model.kernel(T))[:, 0, 0], rtol=1e-10, atol=1e-14
    )
    Wd = residual_rnn(jax.random.PRNGKey(1), 1, 6, activation="tanh", recurrent="softplus")
    assert np.all(np.diag(np.asarray(Wd.recurrent_matrix())) < 0)
    with pytest.raises(ValueError, match="no kernel"):
        Wd.kernel(5)


def test_stable_ssm_kernel_matches_the_formula(x64, rng):
    layer = stable_ssm_layer(jax.random.PRNGKey(0), 3, 8, parametrization="best")
    A = np.asarray(layer.eigenvalues())
    np.testing.assert_allclose(A.real, -0.5, rtol=1e-12)
    for name in STABLE_PARAMETRIZATIONS:
        assert np.allclose(
            np.asarray(stable_ssm_layer(jax.random.PRNGKey(0), 2, 4, parametrization=name).eigenvalues()).real, -0.5
        )
    dt = np.exp(np.asarray(layer.log_dt))
    C = np.asarray(layer.C_re) + 1j * np.asarray(layer.C_im)
    T = 16
    ref = np.zeros((T, 3))
    for h in range(3):
        for k in range(T):
            ref[k, h] = 2 * np.real(np.sum(C[h] * (np.exp(dt[h] * A[h]) - 1) / A[h] * np.exp(dt[h] * A[h] * k)))
    np.testing.assert_allclose(np.asarray(layer.kernel(T)), ref, rtol=1e-10, atol=1e-14)
    model = stable_ssm(jax.random.PRNGKey(0), 1, 10, channels=4, state_size=4, pool=True)
    assert eqx.filter_jit(model)(jnp.ones((12, 1))).shape == (10,)
    with pytest.raises(ValueError, match="even"):
        stable_ssm_layer(jax.random.PRNGKey(0), 2, 3)


def test_cosine_noise_shape_and_values():
    x = cosine_noise(jax.random.PRNGKey(0), 3, 50, 0.1, terms=4)
    assert x.shape == (3, 50, 1) and np.all(np.isfinite(x))
    assert not np.allclose(x[0], x[1])


def test_kernel_level_training_fits_an_exponential_and_keeps_diverged_runs():
    task = memory_task("exp", 64, rate=0.2)

    def init(key):
        return random_decay_sum_rnn(key, 4, parametrization="softplus")

    result = train_ensemble(
        task,
        init,
        seeds=[0, 1],
        learning_rates=[1e-2, 1e3],
        steps=1000,
        steps_per_epoch=100,
        schedule="constant",
        optimizer="sgd",
        validation_batches=1,
    )
    assert result.epoch_loss.shape == (2, 2, 10)
    ok = result.epoch_loss[:, 0]
    assert np.all(ok[:, -1] < 0.2 * ok[:, 0])
    assert np.all(~result.diverged[:, 0]) and np.all(result.diverged[:, 1])
