"""Zucchet & Orvieto (2024), Fig. 7: learning the angle of a complex eigenvalue with Adam.

A student eigenvalue starts at 0.99 e^{i pi/4} and learns the target 0.99 e^{i pi/100} on the
unnormalized 1-D loss (Sec. 3.4, white noise), with Adam (lr 1e-3, 50,000 steps, float32),
under three parametrizations whose magnitude always goes through tanh:

    polar  tanh(w_nu) e^{i w_theta}
    exp    tanh(w_nu) e^{i exp(w_theta)}
    opt    tanh(w_nu) e^{i s(nu) w_theta},  s(nu) = (1 - nu^2) / (nu sqrt(1 + nu^2))

exp converges; opt, whose angle coordinate is scaled by s(0.99) ~ 0.014, barely moves and
stays on the loss plateau. As published, the notebook never carried Adam's state forward,
so every update was -lr g / (|g| + eps): sign descent with a fixed step (Sec. 7, issue 3);
the default is proper Adam.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import optax

from curse_of_memory.harness.claims import at_least, at_most, holds
from curse_of_memory.harness.experiment import Experiment
from curse_of_memory.harness.plotting import new_figure, save
from curse_of_memory.harness.settings import Settings, require, setting
from curse_of_memory.harness.table import select
from curse_of_memory.parametrizations import opt_angle_scale
from curse_of_memory.theory import one_dimensional_loss

SOURCE = "Zucchet & Orvieto 2024, Fig. 7 (spec Fig 7, Checks)"
PARAMETRIZATIONS = ("polar", "exp", "opt")


def eigenvalue(name: str, w_nu, w_theta):
    """lambda of the Fig. 7 parametrizations (magnitude tanh(w_nu) for all)."""
    nu = jnp.tanh(w_nu)
    theta = {"polar": lambda: w_theta, "exp": lambda: jnp.exp(w_theta), "opt": lambda: opt_angle_scale(nu) * w_theta}[
        name
    ]()
    return nu * jnp.exp(1j * theta)


def initial_coordinates(name: str, nu: float, theta: float) -> tuple[float, float]:
    """(w_nu, w_theta) of nu e^{i theta}: artanh(nu) and theta, log(theta) or theta / s(nu)."""
    w_theta = {"polar": theta, "exp": np.log(theta), "opt": theta / float(opt_angle_scale(nu))}[name]
    return float(np.arctanh(nu)), float(w_theta)


def train(
    name: str,
    start: complex,
    target: complex,
    lr: float,
    steps: int,
    record_every: int,
    tail_steps: int,
    fresh_state: bool,
):
    """Adam (float32) on the 1-D loss from `start`. Returns (lowest float32 loss over all steps,
    coordinates (k, 2) after every `record_every` steps and then after each of the last
    `tail_steps` steps, and the step number of each)."""
    w0 = jnp.asarray(initial_coordinates(name, abs(start), float(np.angle(start))), jnp.float32)
    target = jnp.asarray(target, jnp.complex64)
    opt = optax.adam(lr)

    def loss(w):
        return one_dimensional_loss(eigenvalue(name, w[0], w[1]), target)

    def step(carry, _):
        w, state, best = carry
        value, grad = jax.value_and_grad(loss)(w)
        if fresh_state:  # the notebook's bug: a new Adam state at every step
            state = opt.init(w)
        updates, state = opt.update(grad, state)
        w = w + updates
        return (w, state, jnp.minimum(best, value)), w

    def block(carry, _):
        carry, _ = jax.lax.scan(step, carry, None, length=record_every)
        return carry, carry[0]

    @jax.jit
    def run(w):
        carry, coarse = jax.lax.scan(
            block, (w, opt.init(w), jnp.inf), None, length=(steps - tail_steps) // record_every
        )
        (_, _, best), fine = jax.lax.scan(step, carry, None, length=tail_steps)
        return best, jnp.concatenate([coarse, fine])

    best, path = run(w0)
    coarse = np.arange(1, (steps - tail_steps) // record_every + 1) * record_every
    return float(best), np.asarray(path), np.concatenate([coarse, steps - tail_steps + np.arange(1, tail_steps + 1)])


def float64_loss(name: str, path: np.ndarray, target: complex) -> np.ndarray:
    """The loss at recorded float32 coordinates, evaluated in float64: near the optimum the
    float32 loss is dominated by cancellation (terms of order 1 / (1 - nu^2) ~ 50)."""
    with jax.enable_x64(True):
        w = jnp.asarray(path, jnp.float64)
        return np.asarray(one_dimensional_loss(eigenvalue(name, w[:, 0], w[:, 1]), target))


@dataclass(frozen=True, kw_only=True)
class Fig7Settings(Settings):
    """The paper's protocol: from 0.99 e^{i pi/4} to 0.99 e^{i pi/100}, 50,000 steps of lr 1e-3."""

    start_magnitude: float = setting(0.99, "|lambda| of the student at step 0", low=1e-3, high=1, high_open=True)
    # The exp coordinate is log(angle): the start angle must be positive.
    start_angle: float = setting(
        float(np.pi / 4), "arg lambda of the student at step 0 (radians)", low=1e-6, high=np.pi
    )
    target_magnitude: float = setting(0.99, "|lambda*| of the target", low=0, high=1, high_open=True)
    target_angle: float = setting(float(np.pi / 100), "arg lambda* of the target (radians)")
    learning_rate: float = setting(
        1e-3, "Adam's learning rate (the step of sign descent as published)", low=0, low_open=True
    )
    steps: int = setting(50_000, "optimizer steps", low=1)
    record_every: int = setting(50, "steps between recorded coordinates before the tail", low=1)
    tail_steps: int = setting(1000, "last steps, each recorded", low=1)
    parametrizations: list[str] = setting(
        list(PARAMETRIZATIONS), "parametrizations, one column each", choices=PARAMETRIZATIONS
    )

    def check(self):
        require(
            self.tail_steps < self.steps and (self.steps - self.tail_steps) % self.record_every == 0,
            "steps",
            "larger than tail_steps, with steps - tail_steps a multiple of record_every",
            self.steps,
        )


# 50,000 steps of a two-parameter problem take seconds: both profiles run the paper's protocol.
PROFILES = {"quick": Fig7Settings(), "full": Fig7Settings()}
# Windows of the contour plots, (w_nu range, w_theta range), as in the paper.
WINDOWS = {"polar": ((1.5, 3.0), (-0.2, 1.2)), "exp": ((0.5, 3.0), (-5.0, 1.0)), "opt": ((0.5, 3.0), (-20.0, 80.0))}


def units(s):
    keep = (
        "start_magnitude",
        "start_angle",
        "target_magnitude",
        "target_angle",
        "learning_rate",
        "steps",
        "record_every",
        "tail_steps",
    )
    optimizer = "sign_descent" if s.as_published else "adam"
    return [{"parametrization": p, "optimizer": optimizer, **s.pick(*keep)} for p in s.parametrizations]


def run_unit(c, progress):
    name = c["parametrization"]
    start = c["start_magnitude"] * np.exp(1j * c["start_angle"])
    target = c["target_magnitude"] * np.exp(1j * c["target_angle"])
    best, path, steps = train(
        name,
        start,
        target,
        c["learning_rate"],
        c["steps"],
        c["record_every"],
        c["tail_steps"],
        fresh_state=c["optimizer"] == "sign_descent",
    )
    losses = float64_loss(name, path, target)
    w0 = initial_coordinates(name, c["start_magnitude"], c["start_angle"])
    tail = losses[-c["tail_steps"] :]
    return [
        {
            "parametrization": name,
            "optimizer": c["optimizer"],
            "step": steps.tolist(),
            "loss": losses.tolist(),
            "w_nu": [w0[0], *path[:, 0].tolist()],
            "w_theta": [w0[1], *path[:, 1].tolist()],
            "final_loss": float(losses[-1]),
            "min_loss": min(best, float(losses.min())),
            "tail_min_loss": float(tail.min()),
            "tail_max_loss": float(tail.max()),
        }
    ]


def claims(rows, s):
    """The checks of the spec's Fig 7 for every configured parametrization; a missing run
    measures NaN and fails."""
    nan = {"final_loss": math.nan, "min_loss": math.nan, "tail_min_loss": math.nan, "tail_max_loss": math.nan}
    run = {r["parametrization"]: r for r in rows}
    out = []
    for name in s.parametrizations:
        r = run.get(name, nan)
        if name == "exp":
            out.append(at_most("exp: final loss", r["final_loss"], 1e-3, source=SOURCE))
        elif name == "opt":
            out.append(at_least("opt: lowest loss over all steps", r["min_loss"], 1.0, source=SOURCE))
        elif not s.as_published:
            out.append(at_most("polar (Adam): final loss", r["final_loss"], 1e-3, source=SOURCE))
        else:
            ratio = r["tail_max_loss"] / r["tail_min_loss"]
            out.append(
                holds(
                    f"polar (sign descent): oscillates near the optimum over the last {s.tail_steps} steps",
                    bool(r["tail_min_loss"] <= 1e-2 and ratio >= 10),
                    source=SOURCE,
                    expected="min loss <= 1e-2 and max / min >= 10",
                    measured=f"min {r['tail_min_loss']:.3g}, max / min {ratio:.3g}",
                )
            )
    return out


def figure(rows, s, path):
    names = s.parametrizations
    fig, ax = new_figure(2, len(names), width=3.8, height=3.2)
    target = s.target_magnitude * np.exp(1j * s.target_angle)
    for j, name in enumerate(names):
        run = select(rows, parametrization=name)[0]
        (a0, a1), (b0, b1) = WINDOWS[name]
        W_nu, W_theta = np.meshgrid(np.linspace(a0, a1, 200), np.linspace(b0, b1, 200))
        with jax.enable_x64(True):
            Z = np.asarray(one_dimensional_loss(eigenvalue(name, jnp.asarray(W_nu), jnp.asarray(W_theta)), target))
        a = ax[0, j]
        a.contour(W_nu, W_theta, np.log10(np.clip(Z, 1e-2, 1e2)), levels=np.linspace(-2, 2, 13), cmap="viridis")
        a.plot(run["w_nu"], run["w_theta"], color="tab:red", lw=1)
        star = initial_coordinates(name, s.target_magnitude, s.target_angle)
        a.plot(*star, "*", color="gold", ms=12, mec="k")
        a.set(xlim=(a0, a1), ylim=(b0, b1), xlabel="w_nu", ylabel="w_theta", title=f"{name} ({run['optimizer']})")
        ax[1, j].plot(run["step"], np.maximum(run["loss"], 1e-12), color="tab:blue")
        ax[1, j].set(yscale="log", xlabel="step", ylabel="loss", title=f"{name}: loss")
    save(fig, path)


EXPERIMENT = Experiment(
    id="zucchet2024-fig7",
    paper="Zucchet & Orvieto, NeurIPS 2024",
    figure_label="Fig. 7",
    description="Learning the angle of a complex eigenvalue near the unit circle with Adam: the exp "
    "parametrization converges, 'opt' (unit curvature at the optimum) stays stuck on the plateau.",
    profiles=PROFILES,
    minutes={"quick": 1, "full": 1},
    units=units,
    run_unit=run_unit,
    claims=claims,
    figure=figure,
    has_as_published=True,
    notes="Default: proper Adam (optax, lr 1e-3). As published: a fresh Adam state at every step, as in the "
    "notebook, which makes every update -lr g / (|g| + eps) (sign descent with step 1e-3); there the polar claim "
    "is that it oscillates near the optimum instead of converging. Both profiles run the full 50,000 steps "
    "(seconds for two parameters). Training is float32, as in the paper; recorded losses are evaluated in float64 "
    "at the float32 coordinates (every 50 steps, and at every one of the last 1000 steps), because the float32 "
    "loss near the optimum is dominated by cancellation (it even goes negative).",
)
