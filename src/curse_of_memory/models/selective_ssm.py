"""A Mamba-style selective state-space layer (Gu & Dao 2023, Alg. 2, "S6"): for each channel
c of d and state n of N,

    Delta_t = softplus(W_Delta x_t + b_Delta)                        (d,)
    B_t = W_B x_t,  C_t = W_C x_t                                    (N,)
    A = -exp(A_log)                                                  (d, N), real diagonal
    h_t[c, n] = exp(Delta_t[c] A[c, n]) h_{t-1}[c, n] + Delta_t[c] B_t[n] x_t[c]
    y_t[c] = sum_n C_t[n] h_t[c, n] + D[c] x_t[c]

(zero-order hold for A, Euler for B, as Mamba's code). Its eigenvalues exp(Delta_t A) depend on
the input: a time-varying diagonal recurrence of d N states, `step` its sequential definition
and `parallel` the same recurrence as a parallel scan (`linear_recurrence`). The convolution,
gating and projections of a full Mamba block are left out: this is the recurrent core.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array
from jaxtyping import Float, PRNGKeyArray

from curse_of_memory.models.dense import Dense, dense
from curse_of_memory.parametrizations.eigenvalues import softplus_inverse
from curse_of_memory.recurrence import linear_recurrence


class SelectiveSSM(eqx.Module):
    """A_log, (d, N); D, (d,); step: Dense (d -> d) for Delta; B, C: Dense (d -> N), no bias."""

    A_log: Array
    D: Array
    step_size: Dense
    B: Dense
    C: Dense

    def _discretized(self, x: Float[Array, "*batch d"]) -> tuple[Array, Array, Array]:
        """exp(Delta A) (..., d, N), Delta B x (..., d, N) and C (..., N) for inputs x (..., d)."""
        delta = jax.nn.softplus(self.step_size(x))[..., None]
        decay = jnp.exp(-delta * jnp.exp(self.A_log))
        return decay, delta * self.B(x)[..., None, :] * x[..., None], self.C(x)

    def step(self, h: Float[Array, "d N"], x: Float[Array, " d"]) -> tuple[Array, Array]:
        """One step: (h (d, N), x (d,)) -> (h', y (d,))."""
        decay, u, c = self._discretized(x)
        h = decay * h + u
        return h, h @ c + self.D * x

    def __call__(self, x: Float[Array, "T d"]) -> Float[Array, "T d"]:
        """y (T, d) for inputs x (T, d), from h = 0: `step` scanned over time on CPU (faster there than
        the parallel form: bench/atlas_scans.py, docs/performance.md), `parallel` on
        accelerators."""
        if jax.default_backend() == "cpu":
            return jax.lax.scan(lambda h, x_t: self.step(h, x_t), jnp.zeros(self.A_log.shape, x.dtype), x)[1]
        return self.parallel(x)

    def parallel(self, x: Float[Array, "T d"]) -> Float[Array, "T d"]:
        """The same y (T, d) from a parallel scan over time (`linear_recurrence`)."""
        decay, u, c = self._discretized(x)
        T, d, N = u.shape
        h = linear_recurrence(decay.reshape(T, d * N), u.reshape(T, d * N)).reshape(T, d, N)
        return jnp.einsum("tcn,tn->tc", h, c) + self.D * x


def selective_ssm(key: PRNGKeyArray, d: int, *, N: int = 16, T_min: float = 1.0, T_max: float = 2.0) -> SelectiveSSM:
    """S4D-real A_n = -(n + 1) (Mamba's default); the step bias sets the slowest state's
    retention exp(-Delta) at zero input to T / (1 + T), T ~ U(T_min, T_max) per channel
    (the chrono convention of the gated layers); weights Lecun-normal, D = 1."""
    k_t, k_step, k_b, k_c = jax.random.split(key, 4)
    T = jax.random.uniform(k_t, (d,), minval=T_min, maxval=T_max)
    step_size = dense(k_step, d, d)
    step_size = eqx.tree_at(lambda s: s.bias, step_size, softplus_inverse(jnp.log1p(1 / T)))
    return SelectiveSSM(
        A_log=jnp.log(jnp.broadcast_to(jnp.arange(1.0, N + 1), (d, N))),
        D=jnp.ones(d),
        step_size=step_size,
        B=dense(k_b, d, N, bias=False),
        C=dense(k_c, d, N, bias=False),
    )
