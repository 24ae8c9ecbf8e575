"""Gated linear attention (GLA; Yang et al. 2024, Sec. 4.1), one head: a matrix state with a
data-dependent diagonal decay,

    q_t = W_q x_t,  k_t = W_k x_t / sqrt(d_k),  v_t = W_v x_t              (d_k,), (d_k,), (d_v,)
    alpha_t = sigmoid(W_alpha x_t + b_alpha)^(1 / tau)                      (d_k,), tau = 16
    S_t = diag(alpha_t) S_{t-1} + k_t v_t^T                                 (d_k, d_v)
    y_t = W_o (S_t^T q_t)                                                   (d,)

The rows of S are d_k v-dimensional diagonal recurrences with the time-varying eigenvalue
alpha_t: `step` is the sequential definition, `parallel` the same recurrence as a parallel scan
(`linear_recurrence`; the paper's chunked form trades this scan for matrix products on
accelerators).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array
from jaxtyping import Float, PRNGKeyArray

from curse_of_memory.models.dense import Dense, dense
from curse_of_memory.recurrence import linear_recurrence

TAU = 16.0


class GatedLinearAttention(eqx.Module):
    """query, key: Dense (d -> d_k); value: Dense (d -> d_v); decay: Dense (d -> d_k) for alpha's
    pre-activation; out: Dense (d_v -> d). No biases but the decay's."""

    query: Dense
    key: Dense
    value: Dense
    decay: Dense
    out: Dense

    def _gates(self, x: Float[Array, "*batch d"]) -> tuple[Array, Array, Array, Array]:
        """alpha, q, k, v for inputs x (..., d)."""
        alpha = jnp.exp(jax.nn.log_sigmoid(self.decay(x)) / TAU)
        k = self.key(x) / jnp.sqrt(self.key.weight.shape[0])
        return alpha, self.query(x), k, self.value(x)

    def step(self, S: Float[Array, "d_k d_v"], x: Float[Array, " d"]) -> tuple[Array, Array]:
        """One step: (S (d_k, d_v), x (d,)) -> (S', y (d,))."""
        alpha, q, k, v = self._gates(x)
        S = alpha[:, None] * S + jnp.outer(k, v)
        return S, self.out(S.T @ q)

    def __call__(self, x: Float[Array, "T d"]) -> Float[Array, "T d"]:
        """y (T, d) for inputs x (T, d), from S = 0: `step` scanned over time on CPU (faster there than
        the parallel form: bench/atlas_scans.py, docs/performance.md), `parallel` on
        accelerators."""
        if jax.default_backend() == "cpu":
            start = jnp.zeros((self.key.weight.shape[0], self.value.weight.shape[0]), x.dtype)
            return jax.lax.scan(lambda S, x_t: self.step(S, x_t), start, x)[1]
        return self.parallel(x)

    def parallel(self, x: Float[Array, "T d"]) -> Float[Array, "T d"]:
        """The same y (T, d) from a parallel scan over time (`linear_recurrence`)."""
        alpha, q, k, v = self._gates(x)
        T, d_k, d_v = x.shape[0], k.shape[-1], v.shape[-1]
        decay = jnp.repeat(alpha, d_v, axis=-1)  # S flattened row-major: entry (i, j) decays with alpha_i
        S = linear_recurrence(decay, (k[:, :, None] * v[:, None, :]).reshape(T, d_k * d_v)).reshape(T, d_k, d_v)
        return self.out(jnp.einsum("tij,ti->tj", S, q))


def gated_linear_attention(
    key: PRNGKeyArray, d: int, *, d_k: int | None = None, T_min: float = 1.0, T_max: float = 2.0
) -> GatedLinearAttention:
    """d_k = d_v = d by default. The decay bias sets alpha at zero input to T / (1 + T), T ~
    U(T_min, T_max) per key dimension (the chrono convention of the gated layers);
    weights Lecun-normal."""
    d_k = d if d_k is None else d_k
    k_t, k_q, k_k, k_v, k_a, k_o = jax.random.split(key, 6)
    T = jax.random.uniform(k_t, (d_k,), minval=T_min, maxval=T_max)
    # sigmoid(b)^(1/tau) = T / (1 + T)  <=>  b = logit((T / (1 + T))^tau)
    log_gate = TAU * (jnp.log(T) - jnp.log1p(T))
    bias = log_gate - jnp.log(-jnp.expm1(log_gate))
    decay = eqx.tree_at(lambda g: g.bias, dense(k_a, d, d_k), bias)
    return GatedLinearAttention(
        query=dense(k_q, d, d_k, bias=False),
        key=dense(k_k, d, d_k, bias=False),
        value=dense(k_v, d, d, bias=False),
        decay=decay,
        out=dense(k_o, d, d, bias=False),
    )
