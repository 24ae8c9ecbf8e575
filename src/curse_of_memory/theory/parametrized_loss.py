"""The one-dimensional teacher-student loss seen through an eigenvalue parametrization
(Zucchet & Orvieto 2024, Secs. 3.3-3.4; Figs. 6 and 7).

A student lambda = decode(w_nu, w_theta) (polar, exp or opt, see `parametrizations`) learns
lambda* on white noise. With the gamma = sqrt(1 - |lambda|^2) normalization the loss is
1 - Re[gamma(l) gamma(l*) / (1 - l conj(l*))]; without it, the unnormalized loss of Sec. 3.4.
At the zero-residual optimum the curvature along a coordinate is the white-noise
sensitivity E|dh/dw|^2 of the normalized state (table of Sec. 3.3):

| name  | magnitude curvature          | angle curvature                     |
| ----- | ---------------------------- | ----------------------------------- |
| polar | 1 / (1 - nu^2)^2             | nu^2 (1 + nu^2) / (1 - nu^2)^2      |
| exp   | nu^2 log(nu)^2 / (1 - nu^2)^2 (-> 1/4) | theta^2 nu^2 (1 + nu^2) / (1 - nu^2)^2 |
| opt   | 1 (real lambda* only)        | 1                                   |
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import Array

from curse_of_memory.parametrizations import get_parametrization
from curse_of_memory.theory.one_dimensional import normalized_one_dimensional_loss, one_dimensional_loss

LANDSCAPE_PARAMETRIZATIONS = ("polar", "exp", "opt")


def coordinate_loss(
    parametrization: str, w_nu: Array, w_theta: Array, lam_star: Array, *, normalized: bool = True
) -> Array:
    """Loss of the student lambda = decode(w_nu, w_theta) against lambda* (broadcasting)."""
    lam = get_parametrization(parametrization).decode(jnp.asarray(w_nu), jnp.asarray(w_theta))
    loss = normalized_one_dimensional_loss if normalized else one_dimensional_loss
    return loss(lam, lam_star)


def coordinate_curvature(
    parametrization: str, w_nu: Array, w_theta: Array, lam_star: Array, *, axis: int, normalized: bool = True
) -> Array:
    """d^2 loss / d w^2 along w_nu (axis 0) or w_theta (axis 1), by autodiff (broadcasting)."""
    if axis not in (0, 1):
        raise ValueError(f"axis must be 0 (magnitude coordinate) or 1 (angle coordinate), got {axis}")

    def loss(w_nu, w_theta, lam_star):
        return coordinate_loss(parametrization, w_nu, w_theta, lam_star, normalized=normalized)

    second = jax.grad(jax.grad(loss, axis), axis)
    w_nu, w_theta = jnp.broadcast_arrays(jnp.asarray(w_nu, float), jnp.asarray(w_theta, float))
    return jnp.vectorize(second)(w_nu, w_theta, jnp.asarray(lam_star))


def optimum_curvatures(parametrization: str, nu: Array, theta: Array) -> tuple[Array, Array]:
    """(magnitude, angle) curvature of the normalized loss at its optimum lambda* = nu e^{i theta},
    from the table above (for opt the magnitude entry holds for real lambda* only)."""
    nu, theta = jnp.asarray(nu), jnp.asarray(theta)
    angle_polar = nu**2 * (1 + nu**2) / (1 - nu**2) ** 2
    if parametrization == "polar":
        return 1 / (1 - nu**2) ** 2, angle_polar
    if parametrization == "exp":
        return nu**2 * jnp.log(nu) ** 2 / (1 - nu**2) ** 2, theta**2 * angle_polar
    if parametrization == "opt":
        return jnp.ones_like(nu), jnp.ones_like(nu)
    raise ValueError(f"parametrization must be one of {LANDSCAPE_PARAMETRIZATIONS}, got {parametrization!r}")
