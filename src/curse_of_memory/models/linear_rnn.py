"""Dense and multi-head (block-diagonal) linear RNN of Zucchet & Orvieto (2024), Sec. 5.3.

    u_t = B x_t,   h_t = A h_{t-1} + u_t,   y_t = C h_t + D x_t

A is block diagonal with `n_heads` blocks of size k = d_hidden / n_heads: one head is the
dense RNN whose training collapses as memory grows (Fig. 3), 32 heads of 2 x 2 blocks is the
"block diagonal" step of the ablation. This module is also the dense linear teacher.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array
from jaxtyping import Float, PRNGKeyArray

from curse_of_memory.models.eigenvalue_init import remap_eigenvalues
from curse_of_memory.models.lti import lag_blocks, lti_forward
from curse_of_memory.recurrence import dense_recurrence


class LinearRNN(eqx.Module):
    """A: (n_heads, k, k) recurrent blocks; B: (d_hidden, d_in); C: (d_out, d_hidden);
    D: (d_out, d_in). Real throughout."""

    A: Array
    B: Array
    C: Array
    D: Array

    @property
    def d_in(self) -> int:
        return self.B.shape[1]

    @property
    def d_out(self) -> int:
        return self.C.shape[0]

    @property
    def d_hidden(self) -> int:
        return self.B.shape[0]

    def recurrent_matrix(self) -> Float[Array, "N N"]:
        """The full (d_hidden, d_hidden) block-diagonal matrix A."""
        return jax.scipy.linalg.block_diag(*self.A)

    def hidden_states(self, x: Float[Array, "*batch T d_in"], method: str = "auto") -> Float[Array, "*batch T N"]:
        """h: (..., T, N), N = d_hidden, for inputs x: (..., T, d_in); method as `dense_recurrence`."""
        return dense_recurrence(self.A, x @ self.B.T, method=method)

    def readout(
        self, h: Float[Array, "*batch T N"], x: Float[Array, "*batch T d_in"]
    ) -> Float[Array, "*batch T d_out"]:
        """C h + D x, (..., T, d_out)."""
        return h @ self.C.T + x @ self.D.T

    def kernel(self, T: int) -> Float[Array, "T d_out d_in"]:
        """Impulse response (T, d_out, d_in): K_0 = C B + D, K_k = C A^k B, head by head.

        In two levels (`lti.lag_blocks`): lag k = a s + b is (C A^(a s)) (A^b B), with A^s by
        repeated squaring, A^b B (b < s) and C A^(a s) (a < n) by two short scans, and all
        T lags from one batched matrix product: ~N^3 log2(s) + 2 N^2 sqrt(T) work instead
        of T sequential matvecs (equal to `impulse_response(self, T)` to rounding; the
        tests check it near |lambda| = 1).
        """
        if T < 1:
            raise ValueError(f"T must be a positive number of steps, got {T}")
        s, n = lag_blocks(T)
        H, k, _ = self.A.shape
        B = self.B.reshape(H, k, self.d_in)
        C = jnp.swapaxes(self.C.reshape(self.d_out, H, k), 0, 1)  # (H, d_out, k)
        As = jnp.linalg.matrix_power(self.A, s)

        def right(v, _):  # A^b B
            return self.A @ v, v

        def left(u, _):  # C A^(a s)
            return u @ As, u

        V = jax.lax.scan(right, B, length=s)[1]  # (s, H, k, d_in)
        U = jax.lax.scan(left, C, length=n)[1]  # (n, H, d_out, k)
        K = jnp.einsum("ahok,bhki->aboi", U, V).reshape(n * s, self.d_out, self.d_in)[:T]
        return K.at[0].add(self.D)

    def __call__(self, x: Float[Array, "T d_in"], method: str = "auto") -> Float[Array, "T d_out"]:
        """y: (T, d_out) for x: (T, d_in); method in lti.METHODS."""
        return lti_forward(self, x, method)


def linear_rnn(
    key: PRNGKeyArray,
    d_in: int,
    d_out: int,
    d_hidden: int,
    *,
    n_heads: int = 1,
    nu_min: float = 0.0,
    nu_max: float = 1.0,
    max_phase: float = 3.14,
) -> LinearRNN:
    """The student linear RNN as initialized in the paper's code (Sec. 5.3).

    Each head's A0 has i.i.d. N(0, 1/k) entries and is eigen-remapped to magnitudes
    nu_min + (nu_max - nu_min) tanh|l| (the student uses [0, 1) whatever the teacher's nu0,
    which the authors report works better). B, C, D: Lecun-normal (truncated normal with
    variance 1/fan_in), no biases.
    """
    if d_hidden % n_heads:
        raise ValueError(f"d_hidden = {d_hidden} is not divisible by n_heads = {n_heads}")
    k = d_hidden // n_heads
    k_A, k_B, k_C, k_D = jax.random.split(key, 4)
    A0 = jax.random.normal(k_A, (n_heads, k, k)) / jnp.sqrt(k)
    A = jax.vmap(lambda a: remap_eigenvalues(a, nu_min, nu_max, max_phase))(A0)
    lecun = jax.nn.initializers.lecun_normal()
    return LinearRNN(
        A=A,
        B=lecun(k_B, (d_in, d_hidden)).T,
        C=lecun(k_C, (d_hidden, d_out)).T,
        D=lecun(k_D, (d_in, d_out)).T,
    )
