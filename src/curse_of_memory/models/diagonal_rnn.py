"""Complex diagonal linear RNNs: the LRU family of Zucchet & Orvieto (2024), Sec. 5.1.

    h_t = lambda ⊙ h_{t-1} + gamma ⊙ (B x_t),   y_t = Re(C h_t) + D x_t

with complex lambda (N,), B (N, d_in), C (d_out, N) and real D (d_out, d_in). The LRU is the
`exp` parametrization with a learned gamma; the paper's "complex diagonal RNN" is
`real_imag` with no normalization; the S4D-like model (`s4d.py`) is the `zoh`
parametrization with the step as normalization. All stored arrays are real.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array
from jaxtyping import Complex, Float, PRNGKeyArray

from curse_of_memory.models.eigenvalue_init import ring_uniform
from curse_of_memory.models.lti import lag_blocks, lti_forward
from curse_of_memory.parametrizations import gamma, get_parametrization, init_learned_gamma
from curse_of_memory.parametrizations.normalization import check_normalization
from curse_of_memory.recurrence import linear_recurrence, powers

# Added under the square root of the computed "l2" gamma, as in the original code: keeps its
# gradient finite at |lambda| = 1.
L2_EPS = 1e-6


class DiagonalRNN(eqx.Module):
    """eigenvalue_params: the real arrays of `parametrization` (each (N,)); gamma_param: (N,)
    for the learned normalization, else None; B_re, B_im: (N, d_in); C_re, C_im: (d_out, N);
    D: (d_out, d_in)."""

    eigenvalue_params: tuple[Array, ...]
    gamma_param: Array | None
    B_re: Array
    B_im: Array
    C_re: Array
    C_im: Array
    D: Array
    parametrization: str = eqx.field(static=True)
    normalization: str = eqx.field(static=True)

    @property
    def d_in(self) -> int:
        return self.B_re.shape[1]

    @property
    def d_out(self) -> int:
        return self.C_re.shape[0]

    @property
    def d_hidden(self) -> int:
        return self.B_re.shape[0]

    def eigenvalues(self) -> Complex[Array, " N"]:
        """lambda, (N,) complex."""
        return get_parametrization(self.parametrization).decode(*self.eigenvalue_params)

    def gamma(self) -> Float[Array, " N"]:
        """The input normalization of each unit, (N,) real."""
        stored = self.eigenvalue_params[0] if self.normalization == "step" else self.gamma_param
        return gamma(
            self.normalization,
            self.eigenvalues(),
            stored,
            log_stored=self.parametrization == "exp",
            eps=L2_EPS,
        )

    def hidden_states(self, x: Float[Array, "*batch T d_in"], method: str = "auto") -> Complex[Array, "*batch T N"]:
        """h: (..., T, N) complex for inputs x: (..., T, d_in); method as `linear_recurrence`."""
        # Two real matmuls: a complex one would promote the real x and cost twice as much.
        g = self.gamma()
        u = (x @ self.B_re.T) * g + 1j * ((x @ self.B_im.T) * g)
        return linear_recurrence(self.eigenvalues(), u, method=method)

    def readout(
        self, h: Complex[Array, "*batch T N"], x: Float[Array, "*batch T d_in"]
    ) -> Float[Array, "*batch T d_out"]:
        """Re(C h) + D x, (..., T, d_out), computed with real matmuls."""
        return jnp.real(h) @ self.C_re.T - jnp.imag(h) @ self.C_im.T + x @ self.D.T

    def kernel(self, T: int) -> Float[Array, "T d_out d_in"]:
        """Impulse response (T, d_out, d_in): K_k = Re(C diag(lambda^k gamma) B) + D [k = 0].

        Built from the powers in closed form, in two levels (`lti.lag_blocks`): lag
        k = a s + b takes (lambda^s)^a lambda^b, so the T powers cost two prefix products of
        length ~sqrt(T) and one complex matrix product. Equal to `impulse_response(self, T)`
        to rounding (the tests check it near |lambda| = 1).
        """
        if T < 1:
            raise ValueError(f"T must be a positive number of steps, got {T}")
        s, n = lag_blocks(T)
        lam = self.eigenvalues()
        small = powers(lam, s)  # lambda^b, (s, N)
        big = powers(small[-1] * lam, n)  # lambda^(a s), (n, N)
        W = (self.C_re + 1j * self.C_im)[:, :, None] * ((self.B_re + 1j * self.B_im) * self.gamma()[:, None])[None]
        K = jnp.real(jnp.einsum("an,bn,oni->aboi", big, small, W)).reshape(n * s, self.d_out, self.d_in)[:T]
        return K.at[0].add(self.D)

    def __call__(self, x: Float[Array, "T d_in"], method: str = "auto") -> Float[Array, "T d_out"]:
        """y: (T, d_out) for x: (T, d_in); method in lti.METHODS."""
        return lti_forward(self, x, method)


def diagonal_rnn(
    key: PRNGKeyArray,
    d_in: int,
    d_out: int,
    d_hidden: int,
    *,
    parametrization: str = "exp",
    normalization: str = "learned",
    nu_min: float = 0.0,
    nu_max: float = 1.0,
    max_phase: float = jnp.pi,
) -> DiagonalRNN:
    """A complex diagonal RNN initialized as in the paper's code (Sec. 5.1).

    lambda is ring-uniform in [nu_min, nu_max] with phase in [-max_phase, max_phase];
    B_re, B_im ~ N(0, 1/N); C_re, C_im, D ~ N(0, 1/d_out); a learned gamma starts at
    sqrt(1 - |lambda|^2). The defaults give the LRU (exp parametrization, learned gamma).
    """
    check_normalization(normalization)
    if (normalization == "step") != (parametrization == "zoh"):
        raise ValueError("the step normalization goes with the zoh parametrization, and only it")
    k_lam, k_io = jax.random.split(key)
    lam = ring_uniform(k_lam, d_hidden, nu_min, nu_max, max_phase)
    gamma_param = None
    if normalization == "learned":
        gamma_param = init_learned_gamma(lam, log_stored=parametrization == "exp")
    eigenvalue_params = get_parametrization(parametrization).encode(lam)
    return DiagonalRNN(
        eigenvalue_params=tuple(p.astype(jnp.real(lam).dtype) for p in eigenvalue_params),
        gamma_param=gamma_param,
        **complex_input_output(k_io, d_in, d_out, d_hidden),
        parametrization=parametrization,
        normalization=normalization,
    )


def complex_input_output(key: PRNGKeyArray, d_in: int, d_out: int, d_hidden: int) -> dict[str, Float[Array, "_ _"]]:
    """B_re, B_im ~ N(0, 1/N) and C_re, C_im, D ~ N(0, 1/d_out), as coded in the paper."""
    k_bre, k_bim, k_cre, k_cim, k_d = jax.random.split(key, 5)
    b, c = 1 / jnp.sqrt(d_hidden), 1 / jnp.sqrt(d_out)
    return {
        "B_re": jax.random.normal(k_bre, (d_hidden, d_in)) * b,
        "B_im": jax.random.normal(k_bim, (d_hidden, d_in)) * b,
        "C_re": jax.random.normal(k_cre, (d_out, d_hidden)) * c,
        "C_im": jax.random.normal(k_cim, (d_out, d_hidden)) * c,
        "D": jax.random.normal(k_d, (d_out, d_in)) * c,
    }


def lru(key: PRNGKeyArray, d_in: int, d_out: int, d_hidden: int, **kwargs) -> DiagonalRNN:
    """The LRU: exp parametrization and a learned gamma (keyword arguments as `diagonal_rnn`)."""
    return diagonal_rnn(key, d_in, d_out, d_hidden, **kwargs)


def complex_diagonal_rnn(key: PRNGKeyArray, d_in: int, d_out: int, d_hidden: int, **kwargs) -> DiagonalRNN:
    """The paper's complex diagonal RNN: real/imaginary parametrization, no normalization."""
    kwargs = {"parametrization": "real_imag", "normalization": "none", **kwargs}
    return diagonal_rnn(key, d_in, d_out, d_hidden, **kwargs)
