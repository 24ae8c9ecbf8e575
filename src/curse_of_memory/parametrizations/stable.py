"""StableSSM reparameterizations of a real decay rate (Wang & Li, ICML 2024, Sec. 3; spec Sec. 5.1).

A trainable real w becomes the real part f(w) of a continuous-time eigenvalue (dh/dt = f(w) h)
or a discrete eigenvalue lambda(w) (h_{k+1} = lambda h_k):

| name     | f(w) (continuous)    | |f'|/f^2                   | lambda(w) (discrete) | |lambda'|/(1-lambda)^2      |
| -------- | -------------------- | -------------------------- | -------------------- | --------------------------- |
| direct   | w (stable iff w < 0) | 1/w^2                      | w                    | 1/(1-w)^2                   |
| exp      | -e^w (S4, S4D)       | e^-w                       | exp(-e^w) (the LRU)  | e^w e^{-e^w}/(1-e^{-e^w})^2 |
| softplus | -log(1+e^w) (S5)     | e^w/((1+e^w) log^2(1+e^w)) | 1/(1+e^w)            | e^-w                        |
| best     | -1/(a w^2 + b)       | 2 a |w|                    | 1 - 1/(a w^2 + b)    | 2 a |w|                     |

The gradient scale bounds |d loss / dw| (Thm 3.6): it is the integral of t e^{f t} (1/f^2) or
the sum of k lambda^{k-1} (1/(1-lambda)^2) times |f'| or |lambda'|. "best" is the map whose
scale is linear in |w|. Its constants default to the StableSSM code's a = 1, b = 0.1
(continuous Re f in [-10, 0)); discrete best is stable exactly when a w^2 + b > 1/2.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from jax import Array

from curse_of_memory.parametrizations.eigenvalues import softplus_inverse

STABLE_PARAMETRIZATIONS = ("direct", "exp", "softplus", "best")
BEST_A, BEST_B = 1.0, 0.1


def check_stable_parametrization(name: str) -> None:
    if name not in STABLE_PARAMETRIZATIONS:
        raise ValueError(f"unknown StableSSM parametrization {name!r}; choose from {list(STABLE_PARAMETRIZATIONS)}")


def continuous_decay(name: str, w: Array, *, a: float = BEST_A, b: float = BEST_B) -> Array:
    """f(w): the real part of the continuous-time eigenvalue (negative for all but direct)."""
    check_stable_parametrization(name)
    w = jnp.asarray(w)
    if name == "direct":
        return w
    if name == "exp":
        return -jnp.exp(w)
    if name == "softplus":
        return -jnp.logaddexp(w, 0.0)
    return -1.0 / (a * w**2 + b)


def continuous_raw(name: str, f: Array, *, a: float = BEST_A, b: float = BEST_B) -> Array:
    """The w with continuous_decay(name, w) = f (best: the root w >= 0). Traceable: f must
    be reachable, f < 0 (best: -1/b <= f < 0), which `check_reachable` checks."""
    check_stable_parametrization(name)
    f = jnp.asarray(f)
    if name == "direct":
        return f
    if name == "exp":
        return jnp.log(-f)
    if name == "softplus":
        return softplus_inverse(-f)
    return jnp.sqrt((-1.0 / f - b) / a)


def check_reachable(name: str, f, *, b: float = BEST_B) -> None:
    """Raise ValueError if some real part in f (concrete) is outside the range of the map."""
    check_stable_parametrization(name)
    f = np.asarray(f)
    if name != "direct" and np.any(f >= 0):
        raise ValueError(f"{name} only reaches negative real parts, got {f}")
    if name == "best" and np.any(f < -1.0 / b):
        raise ValueError(f"best with b = {b} only reaches real parts in [-1/b, 0) = [{-1 / b:.3g}, 0), got {f}")


def continuous_gradient_scale(name: str, w: Array, *, a: float = BEST_A, b: float = BEST_B) -> Array:
    """|f'(w)| / f(w)^2 in closed form."""
    check_stable_parametrization(name)
    w = jnp.asarray(w)
    if name == "direct":
        return 1.0 / w**2
    if name == "exp":
        return jnp.exp(-w)
    if name == "softplus":
        return jnp.exp(w) / ((1 + jnp.exp(w)) * jnp.logaddexp(w, 0.0) ** 2)
    return 2 * a * jnp.abs(w)


def discrete_eigenvalue(name: str, w: Array, *, a: float = BEST_A, b: float = BEST_B) -> Array:
    """lambda(w) of the discrete recurrence h_{k+1} = lambda h_k."""
    check_stable_parametrization(name)
    w = jnp.asarray(w)
    if name == "direct":
        return w
    if name == "exp":
        return jnp.exp(-jnp.exp(w))
    if name == "softplus":
        return 1 / (1 + jnp.exp(w))
    return 1 - 1 / (a * w**2 + b)


def discrete_gradient_scale(name: str, w: Array, *, a: float = BEST_A, b: float = BEST_B) -> Array:
    """|lambda'(w)| / (1 - lambda(w))^2 in closed form."""
    check_stable_parametrization(name)
    w = jnp.asarray(w)
    if name == "direct":
        return 1.0 / (1 - w) ** 2
    if name == "exp":
        return jnp.exp(w - jnp.exp(w)) / (-jnp.expm1(-jnp.exp(w))) ** 2
    if name == "softplus":
        return jnp.exp(-w)
    return 2 * a * jnp.abs(w)
