"""How trainable real arrays become a complex eigenvalue lambda = nu exp(i theta).

Zucchet & Orvieto (2024), Sec. 3.3 and Table of Sec. 5.1. Parameters are always stored as
real arrays and complex numbers exist only inside a forward pass: JAX returns the conjugate
gradient for complex leaves, and optax would step their imaginary part the wrong way.

Each parametrization is a pair of functions, `decode(*params) -> lambda` and its inverse
`encode(lambda) -> params`, with `names` for the stored arrays.

| name       | stored                          | lambda                                  |
| ---------- | ------------------------------- | --------------------------------------- |
| polar      | (nu, theta)                     | nu exp(i theta)                         |
| exp        | (log(-log nu), log theta)       | exp(-exp(w0) + i exp(w1))  (the LRU)    |
| opt        | (artanh nu, theta / s(nu))      | tanh(w0) exp(i s(nu) w1)                |
| real_imag  | (Re lambda, Im lambda)          | w0 + i w1                               |
| zoh        | (softplus^-1 step, a_re, a_im)  | exp(softplus(w0) (a_re + i a_im))       |

with s(nu) = (1 - nu^2) / (nu sqrt(1 + nu^2)), the scale that makes the angle curvature at a
zero-residual optimum exactly 1 for white-noise inputs (Sec. 3.3). `zoh` is the
zero-order-hold discretization of S4/S4D; `encode` picks a_re = -1 and step = -log nu.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax.numpy as jnp
from jax import Array

# Angle stored for lambda on the positive real axis under `exp`, where log(theta) = -inf:
# exp(-1e8) underflows to an angle of exactly 0 in float32 and float64 (Sec. 6, Fig. 6).
_EXP_ZERO_ANGLE = -1e8


class EigenvalueParametrization(NamedTuple):
    names: tuple[str, ...]
    decode: Callable[..., Array]
    encode: Callable[[Array], tuple[Array, ...]]


def _angle(lam: Array) -> Array:
    """Angle in [0, 2 pi), as the LRU stores it."""
    return jnp.mod(jnp.angle(lam), 2 * jnp.pi)


def opt_angle_scale(nu: Array) -> Array:
    """s(nu) = (1 - nu^2) / (nu sqrt(1 + nu^2)) of the "opt" parametrization."""
    return (1 - nu**2) / (nu * jnp.sqrt(1 + nu**2))


def softplus_inverse(y: Array) -> Array:
    """x with softplus(x) = y, for y > 0, stable for large y."""
    y = jnp.asarray(y)
    return y + jnp.log(-jnp.expm1(-y))


def _exp_encode(lam):
    theta = _angle(lam)
    log_theta = jnp.where(theta > 0, jnp.log(jnp.where(theta > 0, theta, 1.0)), _EXP_ZERO_ANGLE)
    return jnp.log(-jnp.log(jnp.abs(lam))), log_theta


def _opt_decode(w_nu, w_theta):
    nu = jnp.tanh(w_nu)
    return nu * jnp.exp(1j * opt_angle_scale(nu) * w_theta)


def _opt_encode(lam):
    nu = jnp.abs(lam)
    return jnp.arctanh(nu), jnp.angle(lam) / opt_angle_scale(nu)


def _zoh_decode(raw_step, a_re, a_im):
    return jnp.exp(jnp.logaddexp(raw_step, 0.0) * (a_re + 1j * a_im))


def _zoh_encode(lam):
    step = -jnp.log(jnp.abs(lam))
    return softplus_inverse(step), -jnp.ones_like(step), _angle(lam) / step


PARAMETRIZATIONS: dict[str, EigenvalueParametrization] = {
    "polar": EigenvalueParametrization(
        ("nu", "theta"),
        lambda nu, theta: nu * jnp.exp(1j * theta),
        lambda lam: (jnp.abs(lam), jnp.angle(lam)),
    ),
    "exp": EigenvalueParametrization(
        ("log_neg_log_nu", "log_theta"),
        lambda w_nu, w_theta: jnp.exp(-jnp.exp(w_nu) + 1j * jnp.exp(w_theta)),
        _exp_encode,
    ),
    "opt": EigenvalueParametrization(("artanh_nu", "scaled_theta"), _opt_decode, _opt_encode),
    "real_imag": EigenvalueParametrization(
        ("re", "im"), lambda re, im: re + 1j * im, lambda lam: (jnp.real(lam), jnp.imag(lam))
    ),
    "zoh": EigenvalueParametrization(("raw_step", "a_re", "a_im"), _zoh_decode, _zoh_encode),
}


def get_parametrization(name: str) -> EigenvalueParametrization:
    """The parametrization called `name`; a clear error lists the others."""
    if name not in PARAMETRIZATIONS:
        raise ValueError(f"unknown eigenvalue parametrization {name!r}; choose from {sorted(PARAMETRIZATIONS)}")
    return PARAMETRIZATIONS[name]
