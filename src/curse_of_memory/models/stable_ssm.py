"""S4D-like state-space model with StableSSM reparameterizations (Wang & Li, ICML 2024; the
StableSSM code, spec Sec. 5.4).

Layer (per channel h of H, N/2 conjugate pairs n): A_n = f(w_n) + i im_n with f a
`parametrizations.stable` map, step dt_h = exp(log_dt_h), and the zero-order-hold kernel

    K_l = 2 Re sum_n C_n (e^{dt A_n} - 1) / A_n e^{dt A_n l},   y = K * u + D u.

Model: encoder Linear(d_in -> H), the layer, GELU, a 1x1 convolution to 2H and a GLU, a
residual connection, post-LayerNorm, decoder Linear(H -> d_out) at every step (or after
mean-pooling over time, for classification).

Initialization as in the code: Re A = -0.5 for every parametrization (the released code
started `direct` at +0.5, an unstable start: spec Sec. 8.1), Im A = pi n, log dt ~
U[log 1e-3, log 1e-1], C complex standard normal, D ~ N(0, 1); linear layers PyTorch-style
U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array
from jaxtyping import Complex, Float, PRNGKeyArray

from curse_of_memory.models.continuous_linear_rnn import check_width
from curse_of_memory.models.torch_layout import torch_uniform
from curse_of_memory.parametrizations.stable import (
    BEST_A,
    BEST_B,
    check_reachable,
    check_stable_parametrization,
    continuous_decay,
    continuous_raw,
)
from curse_of_memory.recurrence import causal_convolution

INITIAL_REAL_PART = -0.5


class StableSSMLayer(eqx.Module):
    """re_raw, im, C_re, C_im: (H, P) with P = N/2 conjugate pairs; log_dt, D: (H,)."""

    re_raw: Array
    im: Array
    log_dt: Array
    C_re: Array
    C_im: Array
    D: Array
    parametrization: str = eqx.field(static=True)
    a: float = eqx.field(static=True, default=BEST_A)
    b: float = eqx.field(static=True, default=BEST_B)

    def eigenvalues(self) -> Complex[Array, "H P"]:
        """Continuous-time A, (H, P) complex: one eigenvalue per conjugate pair."""
        return continuous_decay(self.parametrization, self.re_raw, a=self.a, b=self.b) + 1j * self.im

    def kernel(self, T: int) -> Float[Array, "T H"]:
        """K (T, H), without the D skip term."""
        dtA = jnp.exp(self.log_dt)[:, None] * self.eigenvalues()
        coeff = (self.C_re + 1j * self.C_im) * jnp.expm1(dtA) / self.eigenvalues()
        vandermonde = jnp.exp(dtA[None] * jnp.arange(T)[:, None, None])  # (T, H, P)
        return 2 * jnp.real(jnp.einsum("hn,thn->th", coeff, vandermonde))

    def __call__(self, u: Float[Array, "T H"]) -> Float[Array, "T H"]:
        """y = K * u + D u: (T, H) -> (T, H)."""
        return causal_convolution(self.kernel(u.shape[0]), u) + self.D * u


class StableSSM(eqx.Module):
    encoder_w: Array
    encoder_b: Array
    layer: StableSSMLayer
    mix_w: Array
    mix_b: Array
    norm_scale: Array
    norm_bias: Array
    decoder_w: Array
    decoder_b: Array
    pool: bool = eqx.field(static=True)

    def __call__(self, x: Float[Array, "T d_in"]) -> Float[Array, "T d_out"] | Float[Array, " d_out"]:
        """x (T, d_in) -> (T, d_out), or (d_out,) with pool."""
        u = x @ self.encoder_w.T + self.encoder_b
        z = jax.nn.gelu(self.layer(u)) @ self.mix_w.T + self.mix_b
        z = u + jax.nn.glu(z, axis=-1)
        mean = jnp.mean(z, axis=-1, keepdims=True)
        var = jnp.var(z, axis=-1, keepdims=True)
        z = (z - mean) / jnp.sqrt(var + 1e-5) * self.norm_scale + self.norm_bias
        if self.pool:
            z = jnp.mean(z, axis=0)
        return z @ self.decoder_w.T + self.decoder_b


def _linear(key: PRNGKeyArray, d_out: int, d_in: int) -> tuple[Float[Array, "d_out d_in"], Float[Array, " d_out"]]:
    """Weight and bias of `torch.nn.Linear(d_in, d_out)`."""
    params = torch_uniform(key, {"weight": (d_out, d_in), "bias": (d_out,)}, d_in)
    return params["weight"], params["bias"]


def stable_ssm_layer(
    key: PRNGKeyArray,
    channels: int,
    state_size: int = 64,
    *,
    parametrization: str = "best",
    initial_real_part: float = INITIAL_REAL_PART,
    dt_min: float = 1e-3,
    dt_max: float = 1e-1,
    a: float = BEST_A,
    b: float = BEST_B,
) -> StableSSMLayer:
    """One layer with H = channels and N = state_size (even: N/2 conjugate pairs)."""
    check_width(channels)
    check_stable_parametrization(parametrization)
    if state_size < 2 or state_size % 2:
        raise ValueError(f"state_size must be an even number >= 2 (conjugate pairs), got {state_size}")
    check_reachable(parametrization, [initial_real_part], b=b)
    half = state_size // 2
    k_dt, k_cr, k_ci, k_d = jax.random.split(key, 4)
    re = jnp.full((channels, half), initial_real_part)
    log_dt = jax.random.uniform(k_dt, (channels,), minval=jnp.log(dt_min), maxval=jnp.log(dt_max))
    return StableSSMLayer(
        re_raw=continuous_raw(parametrization, re, a=a, b=b),
        im=jnp.broadcast_to(jnp.pi * jnp.arange(half), (channels, half)).astype(re.dtype),
        log_dt=log_dt,
        C_re=jax.random.normal(k_cr, (channels, half)) * jnp.sqrt(0.5),
        C_im=jax.random.normal(k_ci, (channels, half)) * jnp.sqrt(0.5),
        D=jax.random.normal(k_d, (channels,)),
        parametrization=parametrization,
        a=a,
        b=b,
    )


def stable_ssm(
    key: PRNGKeyArray,
    d_in: int,
    d_out: int,
    *,
    channels: int = 64,
    state_size: int = 64,
    parametrization: str = "best",
    pool: bool = False,
    **layer_kwargs,
) -> StableSSM:
    """The one-layer StableSSM model (module docstring)."""
    k_enc, k_layer, k_mix, k_dec = jax.random.split(key, 4)
    enc_w, enc_b = _linear(k_enc, channels, d_in)
    mix_w, mix_b = _linear(k_mix, 2 * channels, channels)
    dec_w, dec_b = _linear(k_dec, d_out, channels)
    return StableSSM(
        encoder_w=enc_w,
        encoder_b=enc_b,
        layer=stable_ssm_layer(k_layer, channels, state_size, parametrization=parametrization, **layer_kwargs),
        mix_w=mix_w,
        mix_b=mix_b,
        norm_scale=jnp.ones(channels),
        norm_bias=jnp.zeros(channels),
        decoder_w=dec_w,
        decoder_b=dec_b,
        pool=pool,
    )
