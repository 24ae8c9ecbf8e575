"""Signal propagation in a GRU with frozen gates: Zucchet & Orvieto (2024), Sec. 3.7 (Fig. 15).

With constant gates a GRU unit is the leaky integrator h_t = a h_{t-1} + (1 - a) u_t with
a = sigmoid(b), b the update-gate bias. For inputs whose autocorrelation is a sum of
components rho0 * rho^|Delta| (Sec. 3.8: white 0.332 and slow 0.04306 * 0.997005^|Delta|),

    aux(a, c) = E[h(a) h(c)] = sum rho0 (1 - a)(1 - c) f(a, c, rho),

with f(a, c, rho) = (1 - rho^2 a c) / ((1 - a c)(1 - rho a)(1 - rho c)) the two-point function
of Sec. 3.2. Then Var h = aux(lambda, lambda) and, since d a / d b = a (1 - a),

    Var dh/db = d_a d_c aux(lambda, lambda) [lambda (1 - lambda)]^2      (default),
    Var dh/db = [aux + 2 d_a aux + d_a d_c aux](lambda, lambda) [lambda (1 - lambda)]^2
                                                                         (the notebook's),

the notebook's being E[(h + dh/da)^2] instead of E[(dh/da)^2] (Sec. 7, issue 6): it differs
visibly only for timescales of a few steps. Evaluate in float64 (`jax.enable_x64`).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import Array

from curse_of_memory.tasks.embeddings import COMPONENTS
from curse_of_memory.theory.one_dimensional import two_point_function


def leaky_two_point(a: Array, c: Array, components=COMPONENTS) -> Array:
    """aux(a, c) = E[h(a) h(c)] for leaky integrators with eigenvalues a and c (scalars)."""
    return sum(rho0 * (1 - a) * (1 - c) * two_point_function(a, c, rho) for rho0, rho in components)


def gru_hidden_variance(lam: Array, components=COMPONENTS) -> Array:
    """Var h = aux(lambda, lambda), for lam (...,) the frozen update gates sigmoid(b)."""
    lam = jnp.asarray(lam, float)
    return leaky_two_point(lam, lam, components)


def gru_bias_sensitivity(lam: Array, components=COMPONENTS, *, as_published: bool = False) -> Array:
    """Var dh/db for the update-gate bias b, with lambda = sigmoid(b), lam (...,) (see the
    module docstring; `as_published` gives the notebook's E[(h + dh/da)^2] sigma'^2)."""
    lam = jnp.asarray(lam, float)

    def aux(a, c):
        return leaky_two_point(a, c, components)

    d_a = jax.grad(aux, 0)
    d_ac = jax.grad(d_a, 1)

    def one(x):
        value = d_ac(x, x)
        if as_published:
            value = aux(x, x) + 2 * d_a(x, x) + value
        return value * (x * (1 - x)) ** 2

    return jax.vmap(one)(lam.ravel()).reshape(lam.shape)
