"""The GRU signal-propagation theory (Zucchet & Orvieto 2024, Sec. 3.7) against closed forms,
finite differences and a simulated leaky integrator."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from curse_of_memory.recurrence import linear_recurrence
from curse_of_memory.tasks import SyntheticEmbeddings
from curse_of_memory.theory import gru_bias_sensitivity, gru_hidden_variance, leaky_two_point

WHITE = ((1.0, 0.0),)


def test_white_noise_closed_forms(x64):
    lam = np.array([0.1, 0.5, 0.9, 0.99])
    # h = (1 - a) sum a^k x: Var = (1 - a)^2 / (1 - a^2) = (1 - a) / (1 + a).
    np.testing.assert_allclose(gru_hidden_variance(lam, WHITE), (1 - lam) / (1 + lam), rtol=1e-12)

    # Var dh/db = d_a d_c aux at a = c, times (a (1 - a))^2: against central differences of aux.
    def f(v):
        return leaky_two_point(v[0], v[1], WHITE)

    for a in lam:
        eps = 1e-5
        mixed = (
            f(np.array([a + eps, a + eps]))
            - f(np.array([a + eps, a - eps]))
            - f(np.array([a - eps, a + eps]))
            + f(np.array([a - eps, a - eps]))
        ) / (4 * eps**2)
        expected = mixed * (a * (1 - a)) ** 2
        assert float(gru_bias_sensitivity(a, WHITE)) == pytest.approx(float(expected), rel=1e-5)


def test_published_variant_differs_only_for_short_timescales(x64):
    T = np.array([2.0, 4.0, 64.0, 256.0])
    lam = 1 - 1 / T
    exact = np.asarray(gru_bias_sensitivity(lam))
    published = np.asarray(gru_bias_sensitivity(lam, as_published=True))
    ratio = published / exact
    assert abs(ratio[0] - 1) > 0.2
    assert abs(ratio[2] - 1) < 0.05 and abs(ratio[3] - 1) < 0.02


def test_theory_matches_a_simulated_leaky_integrator(x64):
    """Leaky integrators h_t = a h_{t-1} + (1 - a) x_t on the synthetic inputs of Sec. 3.8:
    Var h and Var dh/db (b = logit a) of the final state against the theory."""
    lam = jnp.array([0.5, 0.8, 0.95])
    x = jnp.asarray(SyntheticEmbeddings(32, T=400, d=64, seed=1)[0:32], jnp.float64)  # (32, 400, 64)

    def final(b):
        a = jnp.broadcast_to(jax.nn.sigmoid(b)[:, None, None], (3, 32, 64))  # one eigenvalue per integrator
        return linear_recurrence(a, (1 - a[:, :, None]) * x[None])[..., -1, :]  # (3, 32, 64)

    b = jnp.log(lam / (1 - lam))
    h, dh = jax.jit(lambda b: jax.jvp(final, (b,), (jnp.ones(3),)))(b)
    measured_h2 = np.asarray(jnp.mean(h**2, axis=(1, 2)))
    measured_dh2 = np.asarray(jnp.mean(dh**2, axis=(1, 2)))
    np.testing.assert_allclose(measured_h2, gru_hidden_variance(lam), rtol=0.12)
    np.testing.assert_allclose(measured_dh2, gru_bias_sensitivity(lam), rtol=0.12)
