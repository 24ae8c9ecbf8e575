"""Closed forms for the one-dimensional recurrence h_t = lambda h_{t-1} + x_t.

Zucchet & Orvieto (2024), Secs. 3.1, 3.3 and 3.4 (Eqs. 5-6 of the paper). All results are
stationary limits for zero-mean, wide-sense stationary inputs with autocorrelation
R(Delta) = E[x_t x_{t+Delta}]; the AR(1) forms take unit-variance inputs with
R(Delta) = rho^|Delta|. Functions are vectorized over their array arguments; evaluate them in
float64 (`jax.enable_x64`) near lambda = 1.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import Array


def hidden_second_moment(lam: Array, rho: Array) -> Array:
    """E[h^2] = (1 + rho lambda) / ((1 - rho lambda)(1 - lambda^2)) for AR(1) inputs."""
    lam, rho = jnp.asarray(lam), jnp.asarray(rho)
    return (1 + rho * lam) / ((1 - rho * lam) * (1 - lam**2))


def sensitivity_second_moment(lam: Array, rho: Array) -> Array:
    """E[(dh/dlambda)^2] for AR(1) inputs:
    [(1 + l^2)(1 - l^2 rho^2) + 2 l rho (1 - l^2)] / [(1 - l^2)^3 (1 - l rho)^2].

    Grows like (1 - lambda)^-3 for rho < 1 and is exactly (1 - lambda)^-4 at rho = 1.
    """
    lam, rho = jnp.asarray(lam), jnp.asarray(rho)
    num = (1 + lam**2) * (1 - lam**2 * rho**2) + 2 * lam * rho * (1 - lam**2)
    return num / ((1 - lam**2) ** 3 * (1 - lam * rho) ** 2)


def _lag_sums(lam: Array, autocorrelation: Array) -> tuple[Array, Array, Array]:
    """R(0), sum_{D>=1} lambda^D R(D), sum_{D>=1} D lambda^D R(D), for lam (...,)."""
    R = jnp.asarray(autocorrelation)
    lag = jnp.arange(1, R.shape[0])
    lam = jnp.asarray(lam)[..., None]
    weights = lam**lag
    return R[0], jnp.sum(weights * R[1:], -1), jnp.sum(lag * weights * R[1:], -1)


def hidden_second_moment_from_autocorrelation(lam: Array, autocorrelation: Array) -> Array:
    """E[h^2] = [R(0) + 2 sum_{D>=1} lambda^D R(D)] / (1 - lambda^2)   (paper Eq. 5).

    autocorrelation: R(0), R(1), ..., R(L-1); lags beyond L-1 are taken as 0, so L must be
    long compared with 1 / (1 - lambda).
    """
    r0, s1, _ = _lag_sums(lam, autocorrelation)
    return (r0 + 2 * s1) / (1 - jnp.asarray(lam) ** 2)


def sensitivity_second_moment_from_autocorrelation(lam: Array, autocorrelation: Array) -> Array:
    """E[(dh/dlambda)^2] = (1 + l^2)/(1 - l^2)^3 [R(0) + 2 sum l^D R(D)]
    + 2/(1 - l^2)^2 sum D l^D R(D)   (paper Eq. 6; lags as in the variance)."""
    lam = jnp.asarray(lam)
    r0, s1, s2 = _lag_sums(lam, autocorrelation)
    return (1 + lam**2) / (1 - lam**2) ** 3 * (r0 + 2 * s1) + 2 / (1 - lam**2) ** 2 * s2


def two_point_function(lam1: Array, lam2: Array, rho: Array) -> Array:
    """f(l1, l2) = E[h(l1) h(l2)] = (1 - rho^2 l1 l2) / ((1 - l1 l2)(1 - rho l1)(1 - rho l2))
    for real AR(1) inputs (Sec. 3.2); holomorphic in l1 and l2, so complex arguments work."""
    return (1 - rho**2 * lam1 * lam2) / ((1 - lam1 * lam2) * (1 - rho * lam1) * (1 - rho * lam2))


def normalized_hidden_second_moment(lam: Array, rho: Array) -> Array:
    """E[h^2] with gamma = sqrt(1 - lambda^2): (1 + rho lambda) / (1 - rho lambda)."""
    lam, rho = jnp.asarray(lam), jnp.asarray(rho)
    return (1 + rho * lam) / (1 - rho * lam)


def _normalized_lambda_sensitivity(lam: Array, rho: Array) -> Array:
    """d_a d_b [gamma(a) gamma(b) f(a, b)] at a = b = lambda (one real lambda)."""

    def normalized_f(a, b):
        return jnp.sqrt(1 - a**2) * jnp.sqrt(1 - b**2) * two_point_function(a, b, rho)

    return jax.grad(jax.grad(normalized_f, 0), 1)(lam, lam)


def normalized_sensitivity_second_moment(lam: Array, rho: Array, *, exp: bool = True) -> Array:
    """Sensitivity of the gamma-normalized state, Sec. 3.3 (Fig. 2, right).

    E[(dh/dlambda)^2] of h_t = lambda h_{t-1} + sqrt(1 - lambda^2) x_t, exactly (including the
    gamma' terms); with `exp`, of the LRU coordinate w, lambda = exp(-exp(w)), which
    multiplies it by (dlambda/dw)^2 = (lambda log lambda)^2. Limits as lambda -> 1 in the exp
    coordinate: 1/4 for rho = 0, (1 + rho) / (4 (1 - rho)) for 0 < rho < 1, and growth like
    1 / (1 - lambda) at rho = 1.
    """
    lam, rho = jnp.broadcast_arrays(jnp.asarray(lam, float), jnp.asarray(rho, float))
    sens = jax.vmap(_normalized_lambda_sensitivity)(lam.ravel(), rho.ravel()).reshape(lam.shape)
    return sens * (lam * jnp.log(lam)) ** 2 if exp else sens


def normalized_sensitivity_as_published(lam: Array, rho: Array) -> Array:
    """The notebook's version of Fig. 2 (right): E[(dh/dlambda)^2] (1 - lambda^2)
    (lambda log lambda)^2, which drops the gamma' terms: it saturates at 1/2 instead of 1/4
    for rho = 0 (Sec. 7, issue 5)."""
    return sensitivity_second_moment(lam, rho) * (1 - lam**2) * (lam * jnp.log(lam)) ** 2


def one_dimensional_loss(lam: Array, lam_star: Array, *, mean: float = 0.0, std: float = 1.0) -> Array:
    """L(lambda, lambda*) = 1/2 E|h - h*|^2 in the stationary limit (Sec. 3.4), for i.i.d.
    inputs with the given mean and standard deviation; lambda, lambda* real or complex:
    1/2 [mu^2 |1/(1-l) - 1/(1-l*)|^2
         + s^2 (1/(1-|l|^2) + 1/(1-|l*|^2) - 2 Re 1/(1 - l conj(l*)))]."""
    lam, lam_star = jnp.asarray(lam), jnp.asarray(lam_star)
    drift = jnp.abs(1 / (1 - lam) - 1 / (1 - lam_star)) ** 2
    noise = (
        1 / (1 - jnp.abs(lam) ** 2)
        + 1 / (1 - jnp.abs(lam_star) ** 2)
        - 2 * jnp.real(1 / (1 - lam * jnp.conj(lam_star)))
    )
    return 0.5 * (mean**2 * drift + std**2 * noise)


def normalized_one_dimensional_loss(lam: Array, lam_star: Array) -> Array:
    """Loss with gamma = sqrt(1 - |lambda|^2) on both sides, white noise (Sec. 3.4):
    1 - Re[gamma(l) gamma(l*) / (1 - l conj(l*))]."""
    lam, lam_star = jnp.asarray(lam), jnp.asarray(lam_star)
    g = jnp.sqrt(1 - jnp.abs(lam) ** 2) * jnp.sqrt(1 - jnp.abs(lam_star) ** 2)
    return 1 - jnp.real(g / (1 - lam * jnp.conj(lam_star)))
