"""Plateaus of the gradient flow of the reduced linear RNN (Li, Han, E & Li, JMLR 2022,
Sec. 6-7, eqs. 92-99, Thm 20; spec Sec. 1.4, 3 and E2).

Model rho_hat(t) = sum_i a_i e^{-w_i t}; loss J(a, w) = int_0^inf (rho_hat - rho)^2 dt for
the target rho(t) = sum_j A_j e^{-W_j t} + c exp(-(t - mu)^2 / (2 sigma^2)) (eq. 99 with one
exponential; mu = 1/omega is the memory), in closed form:

    J = sum_ij a_i a_j / (w_i + w_j) - 2 sum_i a_i L(w_i) + ||rho||^2,
    L(w) = sum_j A_j / (w + W_j) + c L_G(w),
    L_G(w) = sigma sqrt(pi/2) exp(-w mu + w^2 sigma^2 / 2) erfc(z),  z = (w sigma^2 - mu) / (sigma sqrt 2)
           = sigma sqrt(pi/2) erfcx(z) exp(-mu^2 / (2 sigma^2))   for z > 0 (no overflow),
    ||rho||^2 = sum_jk A_j A_k / (W_j + W_k) + 2 c sum_j A_j L_G(W_j) + c^2 sigma (sqrt(pi)/2) erfc(-mu/sigma).

The flow d theta / d tau = -grad J is integrated in float64 by an implicit adaptive solver
(scipy's LSODA with the exact Hessian as Jacobian): plateaus last ~e^{w/omega}, far too long
for fixed steps. Hitting times (Thm 20): tau_0 = first ||theta - theta_0|| > delta, tau_0' =
first |J - J_0| > delta.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import scipy.integrate
from jax.scipy.special import erfc, erfcx


class BumpTarget(NamedTuple):
    """rho(t) = sum_j amplitudes_j e^{-rates_j t} + height exp(-(t - delay)^2 / (2 width^2))."""

    amplitudes: tuple[float, ...] = (1.0,)
    rates: tuple[float, ...] = (0.5,)
    height: float = 1.0
    width: float = 1.0
    delay: float = 10.0

    def rho(self, t):
        t = np.asarray(t, float)
        expo = np.exp(-np.multiply.outer(t, self.rates)) @ np.asarray(self.amplitudes)
        return expo + self.height * np.exp(-((t - self.delay) ** 2) / (2 * self.width**2))


def gaussian_laplace(w, delay, width):
    """L_G(w) = int_0^inf e^{-w t} exp(-(t - delay)^2 / (2 width^2)) dt, for w >= 0."""
    z = (w * width**2 - delay) / (width * jnp.sqrt(2.0))
    small = jnp.exp(-w * delay + w**2 * width**2 / 2) * erfc(jnp.minimum(z, 0.0))
    large = erfcx(jnp.maximum(z, 0.0)) * jnp.exp(-(delay**2) / (2 * width**2))
    return width * jnp.sqrt(jnp.pi / 2) * jnp.where(z > 0, large, small)


def target_norm2(target: BumpTarget):
    A, W = jnp.asarray(target.amplitudes), jnp.asarray(target.rates)
    expo = jnp.sum(A[:, None] * A[None] / (W[:, None] + W[None]))
    cross = 2 * target.height * jnp.sum(A * gaussian_laplace(W, target.delay, target.width))
    bump = target.height**2 * target.width * jnp.sqrt(jnp.pi) / 2 * erfc(-target.delay / target.width)
    return expo + cross + bump


def target_laplace(w, target: BumpTarget):
    A, W = jnp.asarray(target.amplitudes), jnp.asarray(target.rates)
    return jnp.sum(A / (w[..., None] + W), axis=-1) + target.height * gaussian_laplace(w, target.delay, target.width)


def reduced_loss(a, w, target: BumpTarget):
    """J(a, w) (closed form above); a, w: (m,) with w > 0."""
    gram = jnp.sum(a[:, None] * a[None] / (w[:, None] + w[None]))
    return gram - 2 * jnp.sum(a * target_laplace(w, target)) + target_norm2(target)


def exponential_part(target: BumpTarget) -> BumpTarget:
    """rho_bar: the target without its delayed bump."""
    return target._replace(height=0.0)


class Flow(NamedTuple):
    """Gradient flow from theta_0 = (a_0, w_0). Curves at `times` (n,); tau_0 / tau_0' are
    nan if not reached before max_time."""

    times: np.ndarray
    loss: np.ndarray
    grad_norm: np.ndarray
    min_rate: np.ndarray
    tau_separation: float
    tau_loss: float
    initial_loss: float
    min_rate_at_tau_loss: float
    evaluations: int


def _flat_loss(theta, target):
    m = theta.shape[0] // 2
    return reduced_loss(theta[:m], theta[m:], target)


# Compiled once per width and float type, whatever the target's numbers (traced leaves).
_loss = jax.jit(_flat_loss)
_grad = jax.jit(jax.grad(_flat_loss))
_hess = jax.jit(jax.hessian(_flat_loss))


def gradient_flow(
    a0,
    w0,
    target: BumpTarget,
    *,
    delta: float = 0.1,
    max_time: float = 1e7,
    after: float = 10.0,
    end_time: float | None = None,
    points: int = 200,
    rtol: float = 1e-8,
    atol: float = 1e-11,
) -> Flow:
    """Integrate d theta / d tau = -grad J until |J - J_0| > delta (tau_0'), then for the
    curves from 0 to `end_time` (default: `after` x tau_0'); record the loss, gradient norm
    and smallest rate at `points` log-spaced times."""
    a0, w0 = np.asarray(a0, np.float64), np.asarray(w0, np.float64)
    if a0.shape != w0.shape or a0.ndim != 1 or a0.size < 1:
        raise ValueError(f"a0 and w0 must both be (m,) with m >= 1, got {a0.shape} and {w0.shape}")
    if not np.all(w0 > 0):
        raise ValueError(f"initial decay rates must be positive, got {w0}")
    m = a0.shape[0]
    with jax.enable_x64(True):
        target = jax.tree.map(lambda v: np.asarray(v, np.float64), target)

        def loss(th):
            return float(_loss(th, target))

        theta0 = np.concatenate([a0, w0])
        J0 = loss(theta0)

        def field(_, th):
            return -np.asarray(_grad(th, target))

        def jac(_, th):
            return -np.asarray(_hess(th, target))

        def separation(_, th):
            return float(np.linalg.norm(th - theta0)) - delta

        def loss_change(_, th):
            return abs(loss(th) - J0) - delta

        loss_change.terminal = True
        first = scipy.integrate.solve_ivp(
            field,
            (0.0, max_time),
            theta0,
            method="LSODA",
            jac=jac,
            events=[separation, loss_change],
            rtol=rtol,
            atol=atol,
        )
        tau_sep = first.t_events[0][0] if first.t_events[0].size else np.nan
        tau_loss = first.t_events[1][0] if first.t_events[1].size else np.nan
        end = end_time or first.t[-1] * (after if np.isfinite(tau_loss) else 1.0)
        times = np.unique(np.concatenate([[0.0], np.geomspace(min(1e-2, end / 2), end, points)]))
        events = None if np.isfinite(tau_sep) else [separation]
        full = scipy.integrate.solve_ivp(
            field, (0.0, end), theta0, method="LSODA", jac=jac, t_eval=times, events=events, rtol=rtol, atol=atol
        )
        if events and full.t_events[0].size:
            tau_sep = full.t_events[0][0]
        thetas = full.y.T
        losses = np.array([loss(th) for th in thetas])
        grads = np.array([float(np.linalg.norm(_grad(th, target))) for th in thetas])
    return Flow(
        times=full.t,
        loss=losses,
        grad_norm=grads,
        min_rate=thetas[:, m:].min(axis=1),
        tau_separation=float(tau_sep),
        tau_loss=float(tau_loss),
        initial_loss=J0,
        min_rate_at_tau_loss=float(first.y[m:, -1].min()),
        evaluations=int(first.nfev + full.nfev),
    )


def delayed_gradient_norm(a, w, target: BumpTarget) -> float:
    """||grad J(theta) - grad J_bar(theta)||, J_bar the loss against rho_bar alone: the part
    of the gradient that the delayed bump contributes (spec E2.4)."""
    with jax.enable_x64(True):
        a, w = jnp.asarray(a, jnp.float64), jnp.asarray(w, jnp.float64)
        g = jax.grad(
            lambda th: reduced_loss(th[0], th[1], target) - reduced_loss(th[0], th[1], exponential_part(target))
        )
        da, dw = g((a, w))
        return float(jnp.sqrt(jnp.sum(da**2) + jnp.sum(dw**2)))
