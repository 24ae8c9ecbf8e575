"""Orthogonal RNN of expRNN (Lezcano-Casado & Martinez-Rubio 2019), as used by Ribeiro et al.
(2020), Sec. 3.3 of the spec.

    h' = modReLU(W_in x + B h),   B = expm(A - A^T),   A = strict upper triangle of `log_recurrent`
    modReLU(z) = sign(z) max(|z| + b, 0)

B is orthogonal for every value of the free (H, H) parameter `log_recurrent` (the static
exponential parametrization; gradients flow through expm). The state is h only.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array
from jaxtyping import Float, PRNGKeyArray

from curse_of_memory.models.cell_scan import scan_cell


def modrelu(z: Float[Array, "*shape"], b: Float[Array, "*#shape"]) -> Float[Array, "*shape"]:
    """sign(z) max(|z| + b, 0), elementwise (real z; b broadcasts against z)."""
    return jnp.sign(z) * jax.nn.relu(jnp.abs(z) + b)


class OrthogonalRNN(eqx.Module):
    weight_in: Array  # (H, d_in), no bias
    log_recurrent: Array  # (H, H) free; only its strict upper triangle is used
    modrelu_bias: Array  # (H,)

    @property
    def d_hidden(self) -> int:
        return self.log_recurrent.shape[0]

    def recurrent_matrix(self) -> Float[Array, "H H"]:
        """B = expm(A - A^T) (H, H), orthogonal."""
        upper = jnp.triu(self.log_recurrent, 1)
        return jax.scipy.linalg.expm(upper - upper.T)

    def step(self, h: Float[Array, " H"], x: Float[Array, " d_in"]) -> Float[Array, " H"]:
        """One step: h (H,), x (d_in,) -> h' (H,). Recomputes B: use __call__ for sequences."""
        return modrelu(self.weight_in @ x + self.recurrent_matrix() @ h, self.modrelu_bias)

    def __call__(self, x: Float[Array, "T d_in"], h0: Float[Array, " H"] | None = None) -> Float[Array, "T H"]:
        """States (T, H) for inputs x (T, d_in), from h0 (zeros by default); B computed once."""
        h0 = jnp.zeros(self.d_hidden, x.dtype) if h0 is None else h0
        B = self.recurrent_matrix()
        return scan_cell(lambda h, u_t: modrelu(u_t + B @ h, self.modrelu_bias), h0, x @ self.weight_in.T)


def henaff_skew(key: PRNGKeyArray, d_hidden: int) -> Float[Array, "d_hidden d_hidden"]:
    """Henaff et al. (2016)'s initialization: A[2k, 2k+1] = theta_k = -A[2k+1, 2k] with
    theta_k ~ U(-pi, pi), zero elsewhere, so expm(A - A^T) is block-diagonal 2 x 2 rotations."""
    theta = jax.random.uniform(key, (d_hidden // 2,), minval=-jnp.pi, maxval=jnp.pi)
    k = jnp.arange(d_hidden // 2)
    A = jnp.zeros((d_hidden, d_hidden)).at[2 * k, 2 * k + 1].set(theta)
    return A - A.T


def orthogonal_rnn(key: PRNGKeyArray, d_in: int, d_hidden: int) -> OrthogonalRNN:
    """expRNN's defaults: Henaff initialization of A; W_in Kaiming-normal for ReLU
    (std sqrt(2 / d_in)); modReLU bias ~ U(-0.01, 0.01)."""
    k_in, k_A, k_b = jax.random.split(key, 3)
    return OrthogonalRNN(
        weight_in=jax.random.normal(k_in, (d_hidden, d_in)) * jnp.sqrt(2 / d_in),
        log_recurrent=henaff_skew(k_A, d_hidden),
        modrelu_bias=jax.random.uniform(k_b, (d_hidden,), minval=-0.01, maxval=0.01),
    )
