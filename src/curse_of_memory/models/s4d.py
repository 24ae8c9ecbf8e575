"""S4D-like diagonal state-space model of Zucchet & Orvieto (2024), Sec. 5.2.

    lambda = exp(step ⊙ A),   h_t = lambda ⊙ h_{t-1} + step ⊙ (B x_t),   y_t = Re(C h_t) + D x_t

with step = softplus(raw_step) and complex A = a_re + i a_im: a `DiagonalRNN` with the `zoh`
parametrization, whose input normalization is the step itself. The input term is step * B,
as in the paper's code (the exact zero-order hold would use (lambda - 1) / A * B). The step
is unshared (one per state) or shared (one for all states).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import PRNGKeyArray

from curse_of_memory.models.diagonal_rnn import DiagonalRNN, complex_input_output
from curse_of_memory.models.eigenvalue_init import ring_uniform
from curse_of_memory.parametrizations import get_parametrization, softplus_inverse


def s4d(
    key: PRNGKeyArray,
    d_in: int,
    d_out: int,
    d_hidden: int,
    *,
    nu_min: float = 0.0,
    nu_max: float = 1.0,
    max_phase: float = jnp.pi,
    shared_step: bool = False,
) -> DiagonalRNN:
    """S4D initialized as in Sec. 5.2: lambda ring-uniform in [nu_min, nu_max].

    Unshared step (default): step = -log nu and a_re = -1, so exp(step a_re) = nu, and
    a_im = theta / step (the original divided by the raw, pre-softplus step; Sec. 7 #13).
    Shared step: step = 1 and A = (log nu, theta) (the "delta_1" initialization).
    eigenvalue_params = (raw_step, a_re, a_im); B, C, D are drawn as for the LRU.
    """
    k_lam, k_io = jax.random.split(key)
    lam = ring_uniform(k_lam, d_hidden, nu_min, nu_max, max_phase)
    if shared_step:
        params = (softplus_inverse(jnp.ones((1,))), jnp.log(jnp.abs(lam)), jnp.angle(lam))
    else:
        params = get_parametrization("zoh").encode(lam)
    return DiagonalRNN(
        eigenvalue_params=tuple(params),
        gamma_param=None,
        **complex_input_output(k_io, d_in, d_out, d_hidden),
        parametrization="zoh",
        normalization="step",
    )
