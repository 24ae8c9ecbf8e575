"""The real-gated linear recurrent unit (RG-LRU) of Griffin (De et al. 2024, Eqs. 1-4).

    r_t = sigmoid(W_a x_t + b_a)                 recurrence gate
    i_t = sigmoid(W_x x_t + b_x)                 input gate
    a_t = a^(c r_t),  a = sigmoid(Lambda)        log a_t = -c softplus(-Lambda) r_t
    h_t = a_t * h_{t-1} + sqrt(1 - a_t^2) * (i_t * x_t)

with c = 8. A diagonal real linear recurrence whose eigenvalue a_t depends on the input only,
so it runs as a time-varying `linear_recurrence` (associative scan). Zucchet & Orvieto did not
study it; it is here as a further gated layer for the signal-propagation diagnostics. The
width is the input width; the output is h itself.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array
from jaxtyping import Float, PRNGKeyArray

from curse_of_memory.models.dense import Dense, dense
from curse_of_memory.models.eigenvalue_init import check_magnitude_range
from curse_of_memory.recurrence import linear_recurrence

C = 8.0


class RGLRU(eqx.Module):
    """log_a_param: Lambda, (d,); gate_a, gate_x: Dense (d -> d)."""

    log_a_param: Array
    gate_a: Dense
    gate_x: Dense

    def log_decay(self, x: Float[Array, "*batch d"]) -> Float[Array, "*batch d"]:
        """log a_t for inputs x (..., d)."""
        r = jax.nn.sigmoid(self.gate_a(x))
        return -C * jax.nn.softplus(-self.log_a_param) * r

    def _decay_and_input(self, x: Array) -> tuple[Array, Array]:
        """a_t and sqrt(1 - a_t^2) i_t x_t for inputs x (..., d)."""
        log_a = self.log_decay(x)
        # sqrt(1 - a_t^2) computed as sqrt(-expm1(2 log a_t)): accurate as a_t -> 1.
        return jnp.exp(log_a), jnp.sqrt(-jnp.expm1(2 * log_a)) * jax.nn.sigmoid(self.gate_x(x)) * x

    def step(self, h: Float[Array, " d"], x: Float[Array, " d"]) -> Float[Array, " d"]:
        """One step: h (d,), x (d,) -> h' (d,)."""
        a, u = self._decay_and_input(x)
        return a * h + u

    def __call__(self, x: Float[Array, "*batch T d"]) -> Float[Array, "*batch T d"]:
        """States h (..., T, d) for inputs x (..., T, d), from h = 0."""
        return linear_recurrence(*self._decay_and_input(x))


def rg_lru(key: PRNGKeyArray, d: int, *, nu_min: float = 0.9, nu_max: float = 0.999) -> RGLRU:
    """Lambda such that a^c ~ U(nu_min, nu_max) (Griffin's default range is [0.9, 0.999]);
    gates Lecun-normal with zero biases (Griffin uses block-diagonal gate weights)."""
    check_magnitude_range(nu_min, nu_max)
    k_lam, k_a, k_x = jax.random.split(key, 3)
    decay = jax.random.uniform(k_lam, (d,), minval=nu_min, maxval=nu_max)
    # a = decay^(1/c) and Lambda = logit(a); tiny floor so that a draw of exactly 0 stays finite.
    a = jnp.maximum(decay, jnp.finfo(decay.dtype).tiny) ** (1 / C)
    return RGLRU(log_a_param=jnp.log(a) - jnp.log1p(-a), gate_a=dense(k_a, d, d), gate_x=dense(k_x, d, d))
