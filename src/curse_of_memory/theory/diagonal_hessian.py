"""Hessian of a complex diagonal linear RNN at a zero-residual optimum, over its eigenvalues
(Zucchet & Orvieto 2024, Sec. 3.5; Fig. 10, left).

Model: y = Re sum_i c_i h_i with h_i <- lambda_i h_i + b_i x, unit-variance AR(1)(rho) input,
loss 1/2 E[(y - y*)^2]. At the optimum the Hessian is the Gauss-Newton matrix E[grad y grad
y^T]. With u_i = b_i c_i dh/dlambda(lambda_i), dy/dRe lambda_i = Re u_i and dy/dIm lambda_i =
-Im u_i, and with A_ij = b_i b_j c_i c_j S(lambda_i, lambda_j) and B_ij = b_i conj(b_j) c_i
conj(c_j) S(lambda_i, conj(lambda_j)):

    H[Re, Re] = Re(A + B) / 2     H[Re, Im] = Im(B - A) / 2
    H[Im, Re] = -Im(A + B) / 2    H[Im, Im] = Re(B - A) / 2

ordered [all Re lambda; all Im lambda]. (The paper's notebook writes the 2 x 2 block with an
extra transpose; this assembly is symmetric and is tested against an autodiff Gauss-Newton
matrix on simulated sequences.)
"""

from __future__ import annotations

import jax.numpy as jnp
from jax import Array

from curse_of_memory.theory.two_point import sensitivity_two_point


def diagonal_rnn_hessian(lam: Array, b: Array, c: Array, rho: float) -> Array:
    """(2n, 2n) real Hessian over (Re lambda, Im lambda) for lam, b, c: (n,) complex."""
    lam, b, c = (jnp.asarray(v) + 0j for v in (lam, b, c))
    bc = b * c
    A = bc[:, None] * bc[None, :] * sensitivity_two_point(lam[:, None], lam[None, :], rho)
    B = bc[:, None] * jnp.conj(bc)[None, :] * sensitivity_two_point(lam[:, None], jnp.conj(lam)[None, :], rho)
    top = jnp.concatenate([jnp.real(A + B), jnp.imag(B - A)], axis=1)
    bottom = jnp.concatenate([-jnp.imag(A + B), jnp.real(B - A)], axis=1)
    return 0.5 * jnp.concatenate([top, bottom], axis=0)
