"""Continuous-time linear RNNs (Li, Han, E & Li, JMLR 2022, Sec. 3; spec Sec. 1.1, 1.4).

    dh/dt = W h + U x,   y = c^T h,   kernel rho_hat(t) = c^T e^{W t} U   (W Hurwitz)

and the diagonal ("reduced") form rho_hat(t) = sum_i c_i e^{f(w_i) t}, whose real rates
f(w_i) come from a StableSSM parametrization (direct stores the rate itself, and is stable
only while it stays negative). Both are linear time-invariant: `kernel(T)` is the Riemann
filter dt rho_hat(k dt), k < T, of shape (T, 1, d_in), which `tasks.memory_functional`
compares with a target's dt rho(k dt).
"""

from __future__ import annotations

from collections.abc import Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from jaxtyping import ArrayLike, Float, PRNGKeyArray

from curse_of_memory.parametrizations.stable import (
    BEST_A,
    BEST_B,
    check_reachable,
    check_stable_parametrization,
    continuous_decay,
    continuous_raw,
)
from curse_of_memory.recurrence import causal_convolution


def check_width(width: int) -> None:
    if not (isinstance(width, (int, np.integer)) and width >= 1):
        raise ValueError(f"width must be an integer >= 1, got {width!r}")


def check_hurwitz(W: Float[ArrayLike, "m m"]) -> None:
    """Raise ValueError unless every eigenvalue of W has a negative real part."""
    top = float(np.max(np.real(np.linalg.eigvals(np.asarray(W, np.float64)))))
    if not top < 0:
        raise ValueError(
            f"W must be Hurwitz (all eigenvalues with Re < 0) for a stable continuous-time "
            f"RNN; its largest real part is {top:.4g}"
        )


class ContinuousLinearRNN(eqx.Module):
    """W: (m, m); U: (m, d_in); c: (m,). dt: the sampling step of `kernel`."""

    W: Array
    U: Array
    c: Array
    dt: float = eqx.field(static=True)

    @property
    def d_in(self) -> int:
        return self.U.shape[1]

    def kernel(self, T: int) -> Float[Array, "T 1 d_in"]:
        """dt c^T e^{W k dt} U for k < T, (T, 1, d_in): powers of expm(W dt) by a scan."""
        step = jax.scipy.linalg.expm(self.W * self.dt)

        def body(v, _):
            return step @ v, v

        _, V = jax.lax.scan(body, self.U, None, length=T)
        return self.dt * jnp.einsum("m,tmi->ti", self.c, V)[:, None, :]

    def __call__(self, x: Float[Array, "T d_in"]) -> Float[Array, "T 1"]:
        """y (T, 1) for inputs x (T, d_in)."""
        return causal_convolution(self.kernel(x.shape[0]), x)


def continuous_linear_rnn(
    W: Float[ArrayLike, "m m"],
    U: Float[ArrayLike, "m d_in"],
    c: Float[ArrayLike, " m"] | Sequence[float],
    *,
    dt: float = 1.0,
    require_hurwitz: bool = True,
) -> ContinuousLinearRNN:
    """The model with the given matrices; refuses a non-Hurwitz W unless told otherwise."""
    W, U, c = (jnp.asarray(a) for a in (W, U, c))
    if W.ndim != 2 or W.shape[0] != W.shape[1] or U.ndim != 2 or U.shape[0] != W.shape[0] or c.shape != (W.shape[0],):
        raise ValueError(f"need W (m, m), U (m, d_in), c (m,); got {W.shape}, {U.shape}, {c.shape}")
    check_width(W.shape[0])
    if require_hurwitz:
        check_hurwitz(W)
    return ContinuousLinearRNN(W, U, c, dt)


def exp_sum_teacher(key: PRNGKeyArray, *, width: int = 8, dt: float = 1.0) -> ContinuousLinearRNN:
    """The exponential-sum teacher (spec Sec. 6): W = -I - Z^T Z with Z_ij ~ N(0, 1/m), so all
    eigenvalues are <= -1; U, c ~ N(0, I); d_in = 1."""
    check_width(width)
    k_z, k_u, k_c = jax.random.split(key, 3)
    Z = jax.random.normal(k_z, (width, width)) / jnp.sqrt(width)
    W = -jnp.eye(width) - Z.T @ Z
    return ContinuousLinearRNN(W, jax.random.normal(k_u, (width, 1)), jax.random.normal(k_c, (width,)), dt)


class DecaySumRNN(eqx.Module):
    """The diagonal form rho_hat(t) = sum_i c_i e^{f(raw_i) t}: raw, c (m,)."""

    raw: Array
    c: Array
    parametrization: str = eqx.field(static=True)
    dt: float = eqx.field(static=True)
    a: float = eqx.field(static=True, default=BEST_A)
    b: float = eqx.field(static=True, default=BEST_B)

    @property
    def d_in(self) -> int:
        return 1

    def real_parts(self) -> Float[Array, " m"]:
        """f(raw_i), (m,): negative for a stable model."""
        return continuous_decay(self.parametrization, self.raw, a=self.a, b=self.b)

    def rho(self, t: Float[Array, " n"]) -> Float[Array, " n"]:
        """rho_hat at times t (n,) -> (n,)."""
        return jnp.exp(jnp.outer(t, self.real_parts())) @ self.c

    def kernel(self, T: int) -> Float[Array, "T 1 1"]:
        """dt rho_hat(k dt) for k < T, (T, 1, 1)."""
        return self.dt * self.rho(self.dt * jnp.arange(T))[:, None, None]

    def __call__(self, x: Float[Array, "T 1"]) -> Float[Array, "T 1"]:
        """y (T, 1) for inputs x (T, 1)."""
        return causal_convolution(self.kernel(x.shape[0]), x)


def decay_sum_rnn(
    rates: Float[ArrayLike, " m"] | Sequence[float],
    c: Float[ArrayLike, " m"] | Sequence[float],
    *,
    parametrization: str = "softplus",
    dt: float = 1.0,
    a: float = BEST_A,
    b: float = BEST_B,
) -> DecaySumRNN:
    """The diagonal model with decay rates `rates` (> 0, i.e. real parts -rates) and
    coefficients c, stored through `parametrization`."""
    check_stable_parametrization(parametrization)
    rates, c = jnp.asarray(rates), jnp.asarray(c)
    if rates.ndim != 1 or c.shape != rates.shape:
        raise ValueError(f"rates and c must both be (m,), got {rates.shape} and {c.shape}")
    check_width(rates.shape[0])
    if not bool(jnp.all(rates > 0)):
        raise ValueError(f"decay rates must be positive (a Hurwitz diagonal W), got {rates}")
    check_reachable(parametrization, -rates, b=b)
    return DecaySumRNN(continuous_raw(parametrization, -rates, a=a, b=b), c, parametrization, dt, a, b)


def random_decay_sum_rnn(
    key: PRNGKeyArray,
    width: int,
    *,
    parametrization: str = "softplus",
    dt: float = 1.0,
    min_rate: float = 0.01,
    max_rate: float = 1.0,
    scale: float = 0.1,
) -> DecaySumRNN:
    """Decay rates log-uniform in [min_rate, max_rate], c ~ N(0, scale^2 / m)."""
    check_width(width)
    k_r, k_c = jax.random.split(key)
    rates = jnp.exp(jax.random.uniform(k_r, (width,), minval=jnp.log(min_rate), maxval=jnp.log(max_rate)))
    c = scale * jax.random.normal(k_c, (width,)) / jnp.sqrt(width)
    check_stable_parametrization(parametrization)
    check_reachable(parametrization, [-min_rate, -max_rate])
    return DecaySumRNN(continuous_raw(parametrization, -rates), c, parametrization, dt)
