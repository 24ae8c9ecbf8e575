"""Input normalization gamma in h_t = lambda h_{t-1} + gamma * (B x_t).

Zucchet & Orvieto (2024), Sec. 3.3: with gamma = sqrt(1 - |lambda|^2) the hidden state of a
white-noise driven unit has unit variance whatever lambda is, which tames part of the curse
of memory (the magnitude sensitivity falls from (1 - nu)^-3 to (1 - nu)^-2).

| name    | gamma                                                                 |
| ------- | --------------------------------------------------------------------- |
| none    | 1                                                                     |
| learned | a trainable array, initialized to sqrt(1 - |lambda|^2)                |
| l2      | sqrt(1 - |lambda|^2 + eps), computed from lambda                      |
| l1      | 1 - |lambda|                                                          |
| step    | softplus(raw step): the input scaling of S4/S4D (zoh parametrization) |

The learned gamma is stored either raw or as its log (the LRU stores log gamma for the exp
parametrization, as the original code does).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import Array

NORMALIZATIONS = ("none", "learned", "l2", "l1", "step")


def check_normalization(name: str) -> None:
    if name not in NORMALIZATIONS:
        raise ValueError(f"unknown normalization {name!r}; choose from {list(NORMALIZATIONS)}")


def l2_gamma(lam: Array, eps: float = 0.0) -> Array:
    """sqrt(1 - |lambda|^2 + eps): unit stationary variance for white-noise inputs."""
    return jnp.sqrt(1 - jnp.abs(lam) ** 2 + eps)


def gamma(name: str, lam: Array, stored: Array | None = None, *, log_stored: bool = False, eps: float = 0.0) -> Array:
    """The normalization factor of each unit, shape of lam (real).

    Args:
        name: one of NORMALIZATIONS.
        lam: eigenvalues, (N,) complex or real.
        stored: the trainable array of the "learned" normalization, or the raw step of
            "step".
        log_stored: whether `stored` holds log gamma.
        eps: added under the square root of "l2" (guards its gradient at |lambda| = 1).
    """
    check_normalization(name)
    if name == "none":
        return jnp.ones(jnp.shape(lam), jnp.real(lam).dtype)
    if name in ("learned", "step"):
        if stored is None:
            raise ValueError(f"the {name} normalization needs its stored array")
        if name == "step":
            return jnp.broadcast_to(jax.nn.softplus(stored), jnp.shape(lam))
        return jnp.exp(stored) if log_stored else stored
    if name == "l2":
        return l2_gamma(lam, eps)
    return 1 - jnp.abs(lam)


def init_learned_gamma(lam: Array, *, log_stored: bool) -> Array:
    """Initial stored value of a learned gamma: sqrt(1 - |lambda|^2), or its log."""
    g = l2_gamma(lam)
    return jnp.log(g) if log_stored else g
