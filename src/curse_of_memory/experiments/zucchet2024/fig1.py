"""Zucchet & Orvieto (2024), Fig. 1: the curse of memory in one dimension.

A: E[(dh/dlambda)^2] of h_t = lambda h_{t-1} + x_t for AR(1) inputs with correlation rho,
against -log10(1 - lambda): it grows like (1 - lambda)^-3 (rho < 1) or ^-4 (rho = 1), much
faster than the variance E[h^2]. Theory (Sec. 3.1) is checked against a Monte Carlo estimate
from simulated sequences (`diagnostics.hidden_second_moments`).
B, C: the one-dimensional teacher-student loss along real lambda and along the phase at
|lambda| = lambda* (Sec. 3.4): its minimum sharpens as lambda* -> 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from curse_of_memory.experiments.zucchet2024.one_dimensional import (
    MC_RTOL,
    QUICK_MONTE_CARLO,
    SLOPE_RTOL,
    OneDimensionalSettings,
    end_slope,
    lambda_grid,
    monte_carlo_error,
    monte_carlo_rows,
    monte_carlo_units,
)
from curse_of_memory.harness.claims import at_least, at_most, close
from curse_of_memory.harness.experiment import Experiment
from curse_of_memory.harness.plotting import colors, new_figure, save
from curse_of_memory.harness.settings import setting
from curse_of_memory.harness.table import column, select
from curse_of_memory.recurrence import linear_recurrence
from curse_of_memory.theory import (
    hidden_second_moment,
    one_dimensional_loss,
    sensitivity_second_moment,
)

SOURCE = "Zucchet & Orvieto 2024, Fig. 1 and Sec. 2.2 (spec Sec. 3.1, 3.4)"


@dataclass(frozen=True, kw_only=True)
class Fig1Settings(OneDimensionalSettings):
    """Panel A's theory and Monte Carlo check (the shared settings), and the targets of panels B, C."""

    # lambda* = 0 would make the loss at the opposite phase 0, which a claim divides by.
    lambda_stars: list[float] = setting(
        [0.99, 0.98, 0.96, 0.92, 0.84, 0.68, 0.36],
        "target eigenvalues lambda* of the 1-D loss (panels B, C)",
        low=0,
        high=1,
        low_open=True,
        high_open=True,
    )


PROFILES = {"quick": Fig1Settings(**QUICK_MONTE_CARLO), "full": Fig1Settings()}


def units(s):
    return [{"kind": "theory", **s.pick("rhos", "grid_points", "lambda_stars")}, *monte_carlo_units(s)]


def _theory_rows(c):
    lam = lambda_grid(c["grid_points"])
    rows = []
    for rho in c["rhos"]:
        sens = np.asarray(sensitivity_second_moment(lam, rho))
        var = np.asarray(hidden_second_moment(lam, rho))
        rows += [
            {"kind": "theory", "rho": rho, "lam": lam_i, "sensitivity": a, "variance": b}
            for lam_i, a, b in zip(lam.tolist(), sens.tolist(), var.tolist(), strict=True)
        ]
    real = np.linspace(0, 1, 1000)[:-1]
    theta = np.linspace(-np.pi, np.pi, 1000)
    for ls in c["lambda_stars"]:
        loss_real = np.clip(np.asarray(one_dimensional_loss(real, ls)), 0, None)
        loss_phase = np.asarray(one_dimensional_loss(ls * np.exp(1j * theta), ls))
        rows += [
            {"kind": "loss_real", "lambda_star": ls, "lam": a, "loss": b}
            for a, b in zip(real.tolist(), loss_real.tolist(), strict=True)
        ]
        rows += [
            {"kind": "loss_phase", "lambda_star": ls, "theta": a, "loss": b}
            for a, b in zip(theta.tolist(), loss_phase.tolist(), strict=True)
        ]
        # Curvature of the real-axis loss at its optimum, by autodiff of the loss function.
        curvature = float(jax.grad(jax.grad(lambda lam, ls=ls: one_dimensional_loss(lam, ls)))(ls))
        rows.append({"kind": "loss_curvature", "lambda_star": ls, "curvature": curvature})
    return rows


def _states(lam, x):
    """One unit h_t = lambda h_{t-1} + x_t per lambda, all driven by the same input."""
    return linear_recurrence(lam, jnp.broadcast_to(x, (*x.shape[:-1], lam.shape[0])))


def _mc_rows(c):
    return monte_carlo_rows(c, _states, jnp.asarray(c["lambdas"]), hidden_second_moment, sensitivity_second_moment)


def run_unit(config, progress):
    with jax.enable_x64(True):
        return _theory_rows(config) if config["kind"] == "theory" else _mc_rows(config)


def claims(rows, s):
    out = []
    for rho in s.rhos:
        want = 4.0 if rho == 1 else 3.0
        out.append(
            close(
                f"slope of E[(dh/dlambda)^2] at 1-lambda=1e-4, rho={rho}",
                end_slope(rows, rho, "sensitivity"),
                want,
                SLOPE_RTOL,
                source=SOURCE,
            )
        )
    # The variance reaches its slope only once 1 - lambda << 1 - rho: not yet at rho = 0.999.
    for rho in [r for r in s.rhos if r <= 0.99 or r == 1]:
        want = 2.0 if rho == 1 else 1.0
        out.append(
            close(
                f"slope of E[h^2] at 1-lambda=1e-4, rho={rho}",
                end_slope(rows, rho, "variance"),
                want,
                SLOPE_RTOL,
                source=SOURCE,
            )
        )
    at_zero = [select(rows, kind="theory", rho=r)[0] for r in s.rhos]
    worst = max(abs(r[f] - 1) for r in at_zero for f in ("sensitivity", "variance"))
    out.append(at_most("both moments equal 1 at lambda = 0 (max deviation)", worst, 1e-12, source=SOURCE))
    ratio = min(
        select(rows, kind="theory", rho=r)[-1]["sensitivity"] / select(rows, kind="theory", rho=r)[-1]["variance"]
        for r in s.rhos
    )
    out.append(at_least("sensitivity / variance at 1-lambda=1e-4 (min over rho)", ratio, 1e3, source=SOURCE))
    error, count = monte_carlo_error(rows)
    out.append(
        at_most(f"Monte Carlo vs theory, max relative error over {count} (rho, lambda)", error, MC_RTOL, source=SOURCE)
    )
    curv = select(rows, kind="loss_curvature")
    ls = column(curv, "lambda_star")
    theory = (1 + ls**2) / (1 - ls**2) ** 3
    out.append(
        at_most(
            "loss curvature at lambda* vs (1+l*^2)/(1-l*^2)^3, max relative error",
            float(np.max(np.abs(column(curv, "curvature") / theory - 1))),
            1e-6,
            source=SOURCE,
        )
    )
    plateau = []
    for ls in s.lambda_stars:
        phase = select(rows, kind="loss_phase", lambda_star=ls)
        plateau.append(abs(phase[0]["loss"] / (1 / (1 - ls**2) - 1 / (1 + ls**2)) - 1))
    out.append(
        at_most(
            "loss at the opposite phase vs 1/(1-l*^2) - 1/(1+l*^2), max relative error",
            max(plateau),
            1e-6,
            source=SOURCE,
        )
    )
    return out


def figure(rows, s, path):
    fig, ax = new_figure(1, 3)
    a, b, c = ax[0]
    for rho, color in zip(s.rhos, colors(len(s.rhos)), strict=True):
        curve = select(rows, kind="theory", rho=rho)
        a.plot(-np.log10(1 - column(curve, "lam")), column(curve, "sensitivity"), color=color, label=f"rho = {rho}")
        mc = select(rows, kind="mc", rho=rho)
        if mc:
            a.plot(-np.log10(1 - column(mc, "lam")), column(mc, "mc_sensitivity"), "o", color=color, mfc="none")
    ref = select(rows, kind="theory", rho=1.0) or select(rows, kind="theory")
    a.plot(-np.log10(1 - column(ref, "lam")), column(ref, "variance"), color="grey", ls="--", label="E[h^2], rho = 1")
    a.set(
        yscale="log", xlabel="-log10(1 - lambda)", ylabel="E[(dh/dlambda)^2]", title="A: sensitivity (o: Monte Carlo)"
    )
    a.legend(fontsize=7)
    for ls, color in zip(s.lambda_stars, colors(len(s.lambda_stars), "magma"), strict=True):
        real = select(rows, kind="loss_real", lambda_star=ls)
        b.plot(column(real, "lam"), np.maximum(column(real, "loss"), 1e-12), color=color, label=f"lambda* = {ls}")
        phase = select(rows, kind="loss_phase", lambda_star=ls)
        c.plot(column(phase, "theta"), np.maximum(column(phase, "loss"), 1e-12), color=color)
    b.set(yscale="log", xlim=(0, 1.02), xlabel="lambda", ylabel="loss", title="B: loss along real lambda")
    b.legend(fontsize=7)
    c.set(yscale="log", xlabel="theta", ylabel="loss", title="C: loss along the phase, |lambda| = lambda*")
    save(fig, path)


EXPERIMENT = Experiment(
    id="zucchet2024-fig1",
    paper="Zucchet & Orvieto, NeurIPS 2024",
    figure_label="Fig. 1",
    description="Curse of memory in 1-D: the parameter sensitivity of h_t = lambda h_{t-1} + x_t "
    "explodes as lambda -> 1 ((1-lambda)^-3, or ^-4 for constant inputs), faster than the variance; "
    "theory against Monte Carlo, and the 1-D loss landscape.",
    profiles=PROFILES,
    minutes={"quick": 1, "full": 3},
    units=units,
    run_unit=run_unit,
    claims=claims,
    figure=figure,
    notes="The variance slope is not checked at rho = 0.999: it reaches 1 only once "
    "1 - lambda << 1 - rho, beyond the plotted range (it is 1.09 at 1 - lambda = 1e-4). "
    "Monte Carlo at rho = 1 uses constant sequences (the rho -> 1 limit of AR(1)) and the state "
    "after the burn-in; for rho < 1 it averages over time after the burn-in.",
)
