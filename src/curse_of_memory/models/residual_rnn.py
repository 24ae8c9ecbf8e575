"""Residual (Euler-step) RNNs: the discretized continuous-time RNN dh/dt = sigma(W h + U x + b)
of Li, Han, E & Li (JMLR 2022, Sec. 3) and Wang, Li & Li (ICLR 2024, Sec. 2):

    h_0 = 0,   h_{k+1} = h_k + dt sigma(W h_k + U x_k + b),   y_k = C h_{k+1}

with sigma linear, tanh or hardtanh. W is either a full matrix ("full") or diagonal,
W = diag(f(w)) with f a StableSSM parametrization (`parametrizations.stable`): WLL's
h + dt sigma(z - A h) with A = diag(softplus(w)) is "softplus". With a linear sigma and b = 0
the model is the causal filter K_s = dt C (I + dt W)^s U (`kernel`).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array
from jaxtyping import Float, PRNGKeyArray

from curse_of_memory.models.continuous_linear_rnn import check_width
from curse_of_memory.parametrizations.stable import (
    STABLE_PARAMETRIZATIONS,
    check_reachable,
    continuous_decay,
    continuous_raw,
)

ACTIVATIONS = {"linear": lambda z: z, "tanh": jnp.tanh, "hardtanh": lambda z: jnp.clip(z, -1.0, 1.0)}
RECURRENT = ("full", *STABLE_PARAMETRIZATIONS)


class ResidualRNN(eqx.Module):
    """W: (m, m) ("full") or (m,) raw diagonal parameters; U: (m, d_in); b: (m,);
    C: (d_out, m)."""

    W: Array
    U: Array
    b: Array
    C: Array
    activation: str = eqx.field(static=True)
    recurrent: str = eqx.field(static=True)
    dt: float = eqx.field(static=True)

    @property
    def d_in(self) -> int:
        return self.U.shape[1]

    def recurrent_matrix(self) -> Float[Array, "m m"]:
        """The (m, m) matrix W."""
        if self.recurrent == "full":
            return self.W
        return jnp.diag(continuous_decay(self.recurrent, self.W))

    def __call__(self, x: Float[Array, "T d_in"]) -> Float[Array, "T d_out"]:
        """y (T, d_out) for x (T, d_in)."""
        W, sigma = self.recurrent_matrix(), ACTIVATIONS[self.activation]
        drive = x @ self.U.T + self.b

        def body(h, u):
            h = h + self.dt * sigma(h @ W.T + u)
            return h, h

        _, hs = jax.lax.scan(body, jnp.zeros(self.U.shape[0], drive.dtype), drive)
        return hs @ self.C.T

    def kernel(self, T: int) -> Float[Array, "T d_out d_in"]:
        """K_s = dt C (I + dt W)^s U, (T, d_out, d_in): only for a linear activation (the
        response to x; a bias adds an input-independent offset)."""
        if self.activation != "linear":
            raise ValueError(f"a {self.activation} residual RNN is not a linear filter: it has no kernel")
        step = jnp.eye(self.W.shape[0]) + self.dt * self.recurrent_matrix()

        def body(v, _):
            return step @ v, v

        _, V = jax.lax.scan(body, self.dt * self.U, None, length=T)
        return jnp.einsum("om,tmi->toi", self.C, V)


def residual_rnn(
    key: PRNGKeyArray,
    d_in: int,
    width: int,
    d_out: int = 1,
    *,
    activation: str = "tanh",
    recurrent: str = "full",
    dt: float = 0.1,
    bias: bool = False,
    min_rate: float = 0.1,
    max_rate: float = 1.0,
) -> ResidualRNN:
    """Random initialization (our choice; LHEL-J does not state one):

    full W = -I + G / sqrt(m), G_ij ~ N(0, 1) (eigenvalues in the unit disc around -1);
    diagonal: decay rates log-uniform in [min_rate, max_rate] through the parametrization;
    U ~ N(0, 1/d_in), C ~ N(0, 1/m), b = 0 (or ~ N(0, 1/m) with bias=True).
    """
    check_width(width)
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {list(ACTIVATIONS)}, got {activation!r}")
    if recurrent not in RECURRENT:
        raise ValueError(f"recurrent must be one of {list(RECURRENT)}, got {recurrent!r}")
    k_w, k_u, k_b, k_c = jax.random.split(key, 4)
    if recurrent == "full":
        W = -jnp.eye(width) + jax.random.normal(k_w, (width, width)) / jnp.sqrt(width)
    else:
        check_reachable(recurrent, [-min_rate, -max_rate])
        rates = jnp.exp(jax.random.uniform(k_w, (width,), minval=jnp.log(min_rate), maxval=jnp.log(max_rate)))
        W = continuous_raw(recurrent, -rates)
    b = jax.random.normal(k_b, (width,)) / jnp.sqrt(width) if bias else jnp.zeros(width)
    return ResidualRNN(
        W=W,
        U=jax.random.normal(k_u, (width, d_in)) / jnp.sqrt(d_in),
        b=b,
        C=jax.random.normal(k_c, (d_out, width)) / jnp.sqrt(width),
        activation=activation,
        recurrent=recurrent,
        dt=dt,
    )
