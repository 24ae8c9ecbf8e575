"""Students placed exactly at a dense linear teacher: the optimum where Zucchet & Orvieto
(2024) take their Hessians (Sec. 3.5, Figs. 4 and 9).

A teacher A = V diag(l) V^-1 with kernel K_k = C A^k B is reproduced by a complex diagonal
layer with lambda = l, B' = diag(1 / gamma) V^-1 B and C' = C V, whatever its eigenvalue
parametrization and input normalization gamma, since Re(C' diag(gamma lambda^k) B') =
Re(C V diag(l^k) V^-1 B) = C A^k B (the product is real). The dense RNN simply copies the
teacher. Every function returns float64 arrays (the eigendecomposition is done in NumPy
float64): use the students inside `jax.enable_x64(True)`, where their loss on the teacher's
own data is at round-off.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import scipy.linalg
from jaxtyping import Inexact

from curse_of_memory.models.diagonal_rnn import L2_EPS, DiagonalRNN
from curse_of_memory.models.linear_rnn import LinearRNN
from curse_of_memory.parametrizations import (
    gamma,
    get_parametrization,
    init_learned_gamma,
    softplus_inverse,
)
from curse_of_memory.parametrizations.normalization import check_normalization

# The S4 step of the paper's mapping (Fig. 9).
S4_STEP = 0.01


def teacher_eigendecomposition(
    teacher: LinearRNN,
) -> tuple[Inexact[np.ndarray, " N"], Inexact[np.ndarray, "N N"], Inexact[np.ndarray, "N N"]]:
    """(l, V, V^-1) of the teacher's full (N, N) recurrent matrix: A = V diag(l) V^-1.
    complex128, or float64 when every eigenvalue is real (`np.linalg.eig`)."""
    A = scipy.linalg.block_diag(*np.asarray(teacher.A, np.float64))  # NumPy: float64 even outside x64
    eig, V = np.linalg.eig(A)
    return eig, V, np.linalg.inv(V)


def dense_rnn_from(teacher: LinearRNN) -> LinearRNN:
    """The dense RNN at the teacher: a float64 copy of A, B, C, D."""
    with jax.enable_x64(True):
        return jax.tree.map(lambda a: jnp.asarray(np.asarray(a, np.float64)), teacher)


def _diagonal_input_output(teacher: LinearRNN, V, V_inv, input_scale) -> dict:
    """B' = V^-1 B / input_scale (per state), C' = C V, D: real and imaginary parts."""
    B = V_inv @ np.asarray(teacher.B, np.float64) / np.asarray(input_scale)[:, None]
    C = np.asarray(teacher.C, np.float64) @ V
    parts = {"B_re": B.real, "B_im": B.imag, "C_re": C.real, "C_im": C.imag, "D": np.asarray(teacher.D, np.float64)}
    return {k: jnp.asarray(v) for k, v in parts.items()}


def diagonal_rnn_from(
    teacher: LinearRNN, *, parametrization: str = "real_imag", normalization: str = "none"
) -> DiagonalRNN:
    """A `DiagonalRNN` at the teacher: lambda = eig(A). The defaults give the paper's complex
    diagonal RNN; ("exp", "learned") gives the LRU, whose stored gamma is
    log sqrt(1 - |lambda|^2), so B' = diag(1 / gamma) V^-1 B. Not for "zoh": see `s4d_from`."""
    check_normalization(normalization)
    if parametrization == "zoh" or normalization == "step":
        raise ValueError("use s4d_from for the zoh parametrization and its step normalization")
    eig, V, V_inv = teacher_eigendecomposition(teacher)
    with jax.enable_x64(True):
        lam = jnp.asarray(eig)
        log_stored = parametrization == "exp"
        gamma_param = init_learned_gamma(lam, log_stored=log_stored) if normalization == "learned" else None
        scale = gamma(normalization, lam, gamma_param, log_stored=log_stored, eps=L2_EPS)
        return DiagonalRNN(
            eigenvalue_params=tuple(get_parametrization(parametrization).encode(lam)),
            gamma_param=gamma_param,
            **_diagonal_input_output(teacher, V, V_inv, np.asarray(scale)),
            parametrization=parametrization,
            normalization=normalization,
        )


def s4d_from(teacher: LinearRNN, *, step: float = S4_STEP, as_published: bool = False) -> DiagonalRNN:
    """The S4D-like model (unshared step) at the teacher, Fig. 9: with step s,
    a_re = log|l| / s, a_im = (angle(l) mod 2 pi) / s, B' = V^-1 B / s, C' = C V.

    The raw step is stored as softplus^-1(s), so the model is exactly at the teacher.
    as_published: the paper's mapping "misses the optimum slightly" (Sec. 7, issue 18). Its
    exact values are not in the paper; the original S4 module declares all its parameters
    float32 (even under x64), so we model the miss as the exact values rounded to float32,
    which leaves a residual far above float64 round-off.
    """
    if not step > 0:
        raise ValueError(f"the S4 step must be positive, got {step}")
    eig, V, V_inv = teacher_eigendecomposition(teacher)
    n = eig.size
    with jax.enable_x64(True):
        model = DiagonalRNN(
            eigenvalue_params=(
                jnp.full((n,), softplus_inverse(jnp.float64(step))),
                jnp.asarray(np.log(np.abs(eig)) / step),
                jnp.asarray(np.mod(np.angle(eig), 2 * np.pi) / step),
            ),
            gamma_param=None,
            **_diagonal_input_output(teacher, V, V_inv, np.full(n, step)),
            parametrization="zoh",
            normalization="step",
        )
        if as_published:
            model = jax.tree.map(lambda a: a.astype(jnp.float32).astype(jnp.float64), model)
        return model
