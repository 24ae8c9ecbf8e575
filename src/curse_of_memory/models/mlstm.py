"""xLSTM's mLSTM (Beck et al. 2024, Sec. 2.3), one head: a matrix memory with an exponential
input gate, a sigmoid forget gate, a normalizer state and the max-stabilizer,

    q_t = W_q x_t,  k_t = W_k x_t / sqrt(d),  v_t = W_v x_t,  o_t = sigmoid(W_o x_t + b_o)
    i~_t = w_i . x_t + b_i,   log f_t = log sigmoid(w_f . x_t + b_f)        (scalars)
    m_t = max(log f_t + m_{t-1}, i~_t)                                      (m_0 = -inf)
    i_t = exp(i~_t - m_t),    f_t = exp(log f_t + m_{t-1} - m_t)
    C_t = f_t C_{t-1} + i_t v_t k_t^T,   n_t = f_t n_{t-1} + i_t k_t
    h_t = o_t * C_t q_t / max(|n_t . q_t|, exp(-m_t))

`step` is this recurrence (what `__call__` scans, O(T d^2)); `parallel` is the paper's
quadratic form (App. B): with F_t = sum_{r <= t} log f_r and D_ts = F_t - F_s + i~_s (s <= t),
m_t = max_s D_ts and h_t = o_t * sum_s e^{D_ts - m_t} (q_t . k_s) v_s / max(|sum_s e^{D_ts -
m_t} q_t . k_s|, e^{-m_t}), equal to the recurrence to rounding, O(T^2 d).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array
from jaxtyping import Float, PRNGKeyArray

from curse_of_memory.models.chrono import chrono_bias
from curse_of_memory.models.dense import Dense, dense


class MLSTM(eqx.Module):
    """query, key, value: Dense (d -> d), no bias; output_gate: Dense (d -> d); input_gate,
    forget_gate: Dense (d -> 1)."""

    query: Dense
    key: Dense
    value: Dense
    output_gate: Dense
    input_gate: Dense
    forget_gate: Dense

    def _inputs(self, x: Float[Array, "*batch d"]) -> tuple[Array, ...]:
        """q, k, v, o (..., d) and i~, log f (...) for inputs x (..., d)."""
        k = self.key(x) / jnp.sqrt(x.shape[-1])
        o = jax.nn.sigmoid(self.output_gate(x))
        log_f = jax.nn.log_sigmoid(self.forget_gate(x)[..., 0])
        return self.query(x), k, self.value(x), o, self.input_gate(x)[..., 0], log_f

    def step(self, state: tuple[Array, Array, Array], x: Float[Array, " d"]) -> tuple[tuple, Array]:
        """One step: ((C (d, d), n (d,), m ()), x (d,)) -> (state', h (d,))."""
        C, n, m = state
        q, k, v, o, i_pre, log_f = self._inputs(x)
        m_new = jnp.maximum(log_f + m, i_pre)
        i, f = jnp.exp(i_pre - m_new), jnp.exp(log_f + m - m_new)
        C = f * C + i * jnp.outer(v, k)
        n = f * n + i * k
        h = o * (C @ q) / jnp.maximum(jnp.abs(n @ q), jnp.exp(-m_new))
        return (C, n, m_new), h

    def __call__(self, x: Float[Array, "T d"]) -> Float[Array, "T d"]:
        """h (T, d) for inputs x (T, d), from C = 0, n = 0, m = -inf."""
        d = x.shape[-1]
        start = (jnp.zeros((d, d), x.dtype), jnp.zeros(d, x.dtype), jnp.array(-jnp.inf, x.dtype))
        return jax.lax.scan(lambda state, x_t: self.step(state, x_t), start, x)[1]

    def parallel(self, x: Float[Array, "T d"]) -> Float[Array, "T d"]:
        """The same h (T, d) from the quadratic parallel form (module docstring)."""
        q, k, v, o, i_pre, log_f = self._inputs(x)
        F = jnp.cumsum(log_f)
        causal = jnp.tril(jnp.ones((x.shape[0], x.shape[0]), bool))
        D = jnp.where(causal, F[:, None] - F[None, :] + i_pre[None, :], -jnp.inf)
        m = jnp.max(D, axis=1)
        weights = jnp.exp(D - m[:, None]) * (q @ k.T)  # (t, s)
        normalizer = jnp.maximum(jnp.abs(weights.sum(axis=1)), jnp.exp(-m))
        return o * (weights @ v) / normalizer[:, None]


def mlstm(key: PRNGKeyArray, d: int, *, T_min: float = 1.0, T_max: float = 2.0) -> MLSTM:
    """The forget gate's bias sets f at zero input to T / (1 + T), T ~ U(T_min, T_max) (the
    chrono convention of the gated layers; one scalar gate per head); input-gate bias 0;
    weights Lecun-normal."""
    k_t, k_q, k_k, k_v, k_o, k_i, k_f = jax.random.split(key, 7)
    forget = eqx.tree_at(lambda g: g.bias, dense(k_f, d, 1), chrono_bias(k_t, 1, T_min, T_max))
    return MLSTM(
        query=dense(k_q, d, d, bias=False),
        key=dense(k_k, d, d, bias=False),
        value=dense(k_v, d, d, bias=False),
        output_gate=dense(k_o, d, d),
        input_gate=dense(k_i, d, 1),
        forget_gate=forget,
    )
