"""S = d^2 f / dl1 dl2, the diagonal-RNN Hessian at the optimum and the parametrized 1-D
landscapes, against closed forms and Monte Carlo (float64)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from curse_of_memory.parametrizations import get_parametrization
from curse_of_memory.recurrence import linear_recurrence
from curse_of_memory.tasks import ar1
from curse_of_memory.theory import (
    coordinate_curvature,
    diagonal_rnn_hessian,
    optimum_curvatures,
    sensitivity_second_moment,
    sensitivity_two_point,
    sensitivity_two_point_as_published,
    sensitivity_two_point_closed_form,
)


def random_disk(rng, n, radius=0.97):
    return radius * np.sqrt(rng.uniform(size=n)) * np.exp(1j * rng.uniform(-np.pi, np.pi, n))


@pytest.mark.parametrize("rho", [0.0, 0.3, 0.9, 0.999, 1.0])
def test_autodiff_S_matches_the_exact_closed_form(x64, rng, rho):
    l1, l2 = random_disk(rng, 50), random_disk(rng, 50)
    np.testing.assert_allclose(
        sensitivity_two_point(l1, l2, rho), sensitivity_two_point_closed_form(l1, l2, rho), rtol=1e-10
    )


def test_the_notebook_S_is_exact_only_at_rho_0_and_1(x64, rng):
    l1, l2 = random_disk(rng, 50), random_disk(rng, 50)
    for rho in (0.0, 1.0):
        np.testing.assert_allclose(
            sensitivity_two_point_as_published(l1, l2, rho), sensitivity_two_point(l1, l2, rho), rtol=1e-10
        )
    for rho in (0.5, 0.9):
        error = np.abs(sensitivity_two_point_as_published(l1, l2, rho) / sensitivity_two_point(l1, l2, rho) - 1)
        assert np.median(error) > 0.05
        p = l1 * l2  # the documented difference rho (rho - 1)(...) over the common denominator
        gap = rho * (rho - 1) * (p**3 * rho**2 + p**2 * rho**2 - 2 * p * l1 * rho - 2 * p * l2 * rho + p + 1)
        denominator = (1 - rho * l1) ** 2 * (1 - rho * l2) ** 2 * (1 - p) ** 3
        np.testing.assert_allclose(
            sensitivity_two_point_as_published(l1, l2, rho) - sensitivity_two_point(l1, l2, rho),
            gap / denominator,
            rtol=1e-8,
            atol=1e-10,
        )


def test_S_on_the_diagonal_is_the_one_dimensional_sensitivity(x64):
    lam = np.array([0.0, 0.5, 0.9, 0.99])
    for rho in (0.0, 0.7, 1.0):
        np.testing.assert_allclose(
            sensitivity_two_point(lam, lam, rho).real, sensitivity_second_moment(lam, rho), rtol=1e-10
        )
    z = 0.9 * np.exp(0.7j)  # white noise: E|dh/dlambda|^2 = (1 + |l|^2) / (1 - |l|^2)^3
    assert sensitivity_two_point(z, np.conj(z), 0.0) == pytest.approx((1 + 0.81) / (1 - 0.81) ** 3, rel=1e-10)


def simulated_sensitivities(lam, rho, key, sequences=1000, T=400, burn_in=150):
    """dh/dlambda of h_t = lambda h_{t-1} + x_t for each lambda, on AR(1) inputs: (B, T', n)."""
    x = ar1(key, rho, (sequences, T, 1))
    h = linear_recurrence(lam, jnp.broadcast_to(x, (sequences, T, lam.size)) + 0j)
    previous = jnp.concatenate([jnp.zeros_like(h[:, :1]), h[:, :-1]], axis=1)
    return linear_recurrence(lam, previous)[:, burn_in:]


def test_S_matches_monte_carlo_at_intermediate_rho(x64):
    lam = jnp.array([0.6 * np.exp(0.4j), 0.7 * np.exp(-1.2j), 0.5 + 0j])
    rho = 0.6
    dh = np.asarray(jax.jit(simulated_sensitivities, static_argnums=(1,))(lam, rho, jax.random.PRNGKey(0)))
    mc = np.einsum("bti,btj->ij", dh, dh) / (dh.shape[0] * dh.shape[1])
    theory = np.asarray(sensitivity_two_point(lam[:, None], lam[None, :], rho))
    np.testing.assert_allclose(mc, theory, rtol=0.05, atol=0.02 * np.abs(theory).max())


def test_diagonal_hessian_matches_an_autodiff_gauss_newton_matrix(x64, rng):
    """Sec. 3.5: validated against E[grad y grad y^T] on long simulated sequences."""
    n, rho = 3, 0.5
    lam = np.array([0.8 * np.exp(0.3j), 0.72 * np.exp(-1.0j), 0.76 * np.exp(2.0j)])
    b = rng.normal(size=n) + 1j * rng.normal(size=n)
    c = rng.normal(size=n) + 1j * rng.normal(size=n)
    H = np.asarray(diagonal_rnn_hessian(lam, b, c, rho))
    np.testing.assert_allclose(H, H.T, atol=1e-12 * np.abs(H).max())

    def outputs(p, x):
        h = linear_recurrence(p[:n] + 1j * p[n:], x * b)
        return jnp.real(h @ c)

    x = ar1(jax.random.PRNGKey(0), rho, (1000, 300, 1))
    p = jnp.concatenate([lam.real, lam.imag])
    J = jax.jit(jax.vmap(lambda x: jax.jacfwd(outputs)(p, x)[100:]))(x)
    J = np.asarray(J).reshape(-1, 2 * n)
    gauss_newton = J.T @ J / J.shape[0]
    np.testing.assert_allclose(gauss_newton, H, atol=0.03 * np.abs(H).max())


@pytest.mark.parametrize("name", ["polar", "exp", "opt"])
def test_landscape_curvatures_at_the_optimum_follow_the_table(x64, name):
    """Sec. 3.3: magnitude curvature at a real optimum, angle curvature at a complex one."""
    decode = get_parametrization(name)
    for nu in (0.36, 0.84, 0.99):
        target = nu * np.exp(1j * np.pi / 100)
        magnitude, angle = optimum_curvatures(name, nu, np.pi / 100)
        w = decode.encode(jnp.asarray(target))
        assert float(coordinate_curvature(name, *w, target, axis=1)) == pytest.approx(float(angle), rel=1e-8)
        w_real = decode.encode(jnp.asarray(nu + 0j))
        assert float(coordinate_curvature(name, *w_real, nu + 0j, axis=0)) == pytest.approx(float(magnitude), rel=1e-8)
    if name == "exp":
        nu = 1 - np.logspace(-6, -0.1, 50)
        assert np.all(np.asarray(optimum_curvatures("exp", nu, 0.0)[0]) <= 0.25 * (1 + 1e-9))  # round-off near 1
    with pytest.raises(ValueError, match="axis must be 0"):
        coordinate_curvature(name, 0.1, 0.1, 0.5, axis=2)
