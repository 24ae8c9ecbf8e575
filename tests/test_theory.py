"""Closed forms of Sec. 3 against each other and against Monte Carlo from `diagnostics`."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from curse_of_memory.diagnostics import hidden_second_moments
from curse_of_memory.parametrizations import get_parametrization, l2_gamma
from curse_of_memory.recurrence import linear_recurrence
from curse_of_memory.tasks import ar1, ar1_batches, white_noise
from curse_of_memory.theory import (
    hidden_second_moment,
    hidden_second_moment_from_autocorrelation,
    normalized_hidden_second_moment,
    normalized_one_dimensional_loss,
    normalized_sensitivity_as_published,
    normalized_sensitivity_second_moment,
    one_dimensional_loss,
    sensitivity_second_moment,
    sensitivity_second_moment_from_autocorrelation,
)

LAMBDAS = np.array([0.0, 0.3, 0.8, 0.95])


@pytest.mark.parametrize("rho", [0.0, 0.5, 0.9])
def test_ar1_closed_forms_equal_the_general_formulas(x64, rho):
    R = rho ** np.arange(4000)
    np.testing.assert_allclose(
        hidden_second_moment(LAMBDAS, rho), hidden_second_moment_from_autocorrelation(LAMBDAS, R), rtol=1e-10
    )
    np.testing.assert_allclose(
        sensitivity_second_moment(LAMBDAS, rho), sensitivity_second_moment_from_autocorrelation(LAMBDAS, R), rtol=1e-10
    )


def test_special_cases(x64):
    lam = np.array([0.0, 0.5, 0.99])
    np.testing.assert_allclose(sensitivity_second_moment(lam, 1.0), (1 - lam) ** -4.0, rtol=1e-12)
    np.testing.assert_allclose(hidden_second_moment(lam, 1.0), (1 - lam) ** -2.0, rtol=1e-12)
    np.testing.assert_allclose(hidden_second_moment(0.0, np.array([0, 0.5, 1.0])), 1.0)
    np.testing.assert_allclose(sensitivity_second_moment(0.0, np.array([0, 0.5, 1.0])), 1.0)
    # Vectorized over both arguments.
    assert hidden_second_moment(lam[:, None], np.array([0.0, 0.9])[None]).shape == (3, 2)


def _moments(rho, lam, sequences, T, burn_in, key):
    def hidden(lam, x):
        return linear_recurrence(lam, jnp.broadcast_to(x, (*x.shape[:-1], lam.shape[0])))

    batches = ar1_batches(key, rho, sequences, T, batch_size=max(1, min(sequences, 2**21 // T)))
    m = hidden_second_moments(hidden, jnp.asarray(lam), batches, burn_in=burn_in)
    return m.hidden, next(iter(m.sensitivity.values()))


@pytest.mark.parametrize("rho", [0.0, 0.7])
def test_monte_carlo_matches_ar1_theory(x64, rho):
    lam = np.array([0.5, 0.9])
    var, sens = _moments(rho, lam, 256, 4000, 400, jax.random.PRNGKey(0))
    np.testing.assert_allclose(var, hidden_second_moment(lam, rho), rtol=0.04)
    np.testing.assert_allclose(sens, sensitivity_second_moment(lam, rho), rtol=0.04)


def test_monte_carlo_matches_general_autocorrelation(x64):
    """A two-component input (white + slow AR(1)), as in the paper's Sec. 3.8."""
    key_white, key_slow = jax.random.split(jax.random.PRNGKey(1))
    x = np.sqrt(0.6) * white_noise(key_white, (256, 4000, 1)) + np.sqrt(0.4) * ar1(key_slow, 0.95, (256, 4000, 1))
    R = 0.6 * (np.arange(3000) == 0) + 0.4 * 0.95 ** np.arange(3000)
    lam = jnp.asarray([0.5, 0.9])
    m = hidden_second_moments(
        lambda lam, x: linear_recurrence(lam, jnp.broadcast_to(x, (*x.shape[:-1], 2))), lam, x, burn_in=500
    )
    np.testing.assert_allclose(m.hidden, hidden_second_moment_from_autocorrelation(lam, R), rtol=0.05)
    np.testing.assert_allclose(
        next(iter(m.sensitivity.values())), sensitivity_second_moment_from_autocorrelation(lam, R), rtol=0.05
    )


def test_normalized_exp_sensitivity_matches_monte_carlo(x64):
    lam = np.array([0.5, 0.9])
    w = jnp.log(-jnp.log(jnp.asarray(lam)))

    def hidden(w, x):
        lam = get_parametrization("exp").decode(w, jnp.full_like(w, -1e8))
        return linear_recurrence(lam, l2_gamma(lam) * jnp.broadcast_to(x, (*x.shape[:-1], 2)))

    for rho in (0.0, 0.8):
        m = hidden_second_moments(hidden, w, ar1(jax.random.PRNGKey(2), rho, (256, 4000, 1)), burn_in=400)
        np.testing.assert_allclose(m.hidden, normalized_hidden_second_moment(lam, rho), rtol=0.04)
        np.testing.assert_allclose(
            next(iter(m.sensitivity.values())), normalized_sensitivity_second_moment(lam, rho), rtol=0.04
        )


def test_normalized_sensitivity_limits(x64):
    lam = 1 - 1e-5
    np.testing.assert_allclose(normalized_sensitivity_second_moment(lam, 0.0), 0.25, rtol=1e-3)
    np.testing.assert_allclose(normalized_sensitivity_second_moment(lam, 0.5), 0.25 * 1.5 / 0.5, rtol=1e-3)
    np.testing.assert_allclose(normalized_sensitivity_as_published(lam, 0.0), 0.5, rtol=1e-3)
    # Without the exp coordinate: the magnitude sensitivity of the normalized state is 1/(1-l^2)^2.
    np.testing.assert_allclose(
        normalized_sensitivity_second_moment(0.9, 0.0, exp=False), 1 / (1 - 0.81) ** 2, rtol=1e-10
    )


def test_one_dimensional_losses_match_simulation(x64):
    """1/2 E|h(l) - h(l*)|^2 with shared white-noise inputs, unnormalized and normalized."""
    lam, lam_star = 0.7 * np.exp(0.4j), 0.9
    x = white_noise(jax.random.PRNGKey(4), (512, 2000, 1))
    h = linear_recurrence(jnp.asarray([lam, lam_star]), jnp.broadcast_to(x, (512, 2000, 2)).astype(complex))
    sim = 0.5 * np.mean(np.abs(h[:, 200:, 0] - h[:, 200:, 1]) ** 2)
    np.testing.assert_allclose(sim, float(one_dimensional_loss(lam, lam_star)), rtol=0.03)
    g = np.sqrt(1 - np.abs(np.array([lam, lam_star])) ** 2)
    sim_norm = 0.5 * np.mean(np.abs(g[0] * h[:, 200:, 0] - g[1] * h[:, 200:, 1]) ** 2)
    np.testing.assert_allclose(sim_norm, float(normalized_one_dimensional_loss(lam, lam_star)), rtol=0.03)
    # At the optimum the loss vanishes; a nonzero mean adds the drift term.
    assert abs(float(one_dimensional_loss(0.9, 0.9, mean=1.0))) < 1e-12
    np.testing.assert_allclose(float(one_dimensional_loss(0.5, 0.0, mean=1.0, std=0.0)), 0.5 * (2 - 1) ** 2)


def test_burn_in_must_fit(x64):
    with pytest.raises(ValueError, match="burn_in"):
        hidden_second_moments(lambda p, x: x * p, jnp.ones(1), jnp.ones((2, 10, 1)), burn_in=10)
