"""Li, Han, E & Li (JMLR 2022), Thm 20 and Figs 2-3: plateaus of gradient flow grow
exponentially with the memory of the target.

The reduced model rho_hat(t) = sum_i a_i e^{-w_i t} learns rho(t) = a* e^{-w* t} + c exp(-(t -
1/omega)^2 / (2 sigma^2)) (eq. 99) by gradient flow on the closed-form loss J (float64,
adaptive implicit solver: `theory.plateau`). It starts next to the short-memory part:
mode 1 at (a*, w*), the others at a ~ U[0.005, 0.015], w ~ w* U[1, 2] (so w_l^0 = w*). For each
width m and memory 1/omega the hitting times tau_0 (||theta - theta_0|| > delta) and tau_0'
(|J - J_0| > delta) measure the plateau. A pure exponential-sum target (rho_bar plus e^{-t/4},
no delayed part) is the smooth control.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from curse_of_memory.harness.claims import at_least, at_most, holds
from curse_of_memory.harness.experiment import Experiment
from curse_of_memory.harness.plotting import colors, new_figure, save
from curse_of_memory.harness.settings import Settings, require, setting
from curse_of_memory.harness.table import column, distinct, select
from curse_of_memory.theory.plateau import BumpTarget, delayed_gradient_norm, gradient_flow

SOURCE = "Li, Han, E & Li 2022, Thm 20 and Figs 2-3 (spec Sec. 3.3-3.4, E2)"

GRID_ALLOWED = "a mapping from width (as a string, e.g. '2') to memories 1/omega"


@dataclass(frozen=True, kw_only=True)
class PlateauSettings(Settings):
    """The spec's constants (the paper omits them); the full profile runs 3 seeds."""

    grid: dict[str, list[float]] = setting(
        {"2": [6, 8, 10, 12, 14, 16, 18], "10": [10, 12, 14, 16, 18]},
        "memories 1/omega per width m of the model",
        low=0,
        low_open=True,
    )
    a_star: float = setting(1.0, "a*, weight of the short-memory exponential a* e^{-w* t}", low=0, low_open=True)
    w_star: float = setting(0.5, "w*, its decay rate (the start w_l^0)", low=0, low_open=True)
    height: float = setting(1.0, "c, height of the delayed bump", low=0, low_open=True)
    sigma: float = setting(1.0, "sigma, width of the delayed bump", low=0, low_open=True)
    delta: float = setting(0.1, "threshold delta of the hitting times tau_0, tau_0'", low=0, low_open=True)
    control_rate: float = setting(0.25, "decay rate of the control's second exponential", low=0, low_open=True)
    control_time: float = setting(100.0, "flow time the control is integrated to", low=0, low_open=True)
    seeds: int = setting(3, "random initial points per width (seed, seed + 1, ...)", low=1)

    def check(self) -> None:
        require(all(k.isascii() and k.isdigit() and int(k) >= 1 for k in self.grid), "grid", GRID_ALLOWED, self.grid)


PROFILES = {"quick": PlateauSettings(seeds=1), "full": PlateauSettings()}


def units(s):
    keep = ("a_star", "w_star", "height", "sigma", "delta", "control_rate", "control_time")
    return [
        {"width": int(m), "memories": _whole_as_int(memories), "seed": s.seed + i, **s.pick(*keep)}
        for m, memories in s.grid.items()
        for i in range(s.seeds)
    ]


def _whole_as_int(values):
    """Whole memories as ints, as the original integer grid wrote them into units (their store keys)."""
    return [int(v) if float(v).is_integer() else v for v in values]


def initial_point(c):
    rng = np.random.default_rng(c["seed"] * 1000 + c["width"])
    m = c["width"]
    a0 = np.r_[c["a_star"], rng.uniform(0.005, 0.015, m - 1)]
    w0 = np.r_[c["w_star"], c["w_star"] * rng.uniform(1, 2, m - 1)]
    return a0, w0


def _row(c, kind, memory, flow, **extra):
    return {
        "kind": kind,
        "width": c["width"],
        "seed": c["seed"],
        "memory": memory,
        "tau_separation": flow.tau_separation,
        "tau_loss": flow.tau_loss,
        "initial_loss": flow.initial_loss,
        "final_loss": float(flow.loss[-1]),
        "min_rate_initial": float(flow.min_rate[0]),
        "min_rate_at_tau_loss": flow.min_rate_at_tau_loss,
        "evaluations": flow.evaluations,
        "times": flow.times.tolist(),
        "loss": flow.loss.tolist(),
        "grad_norm": flow.grad_norm.tolist(),
        "min_rate": flow.min_rate.tolist(),
        **extra,
    }


def run_unit(c, progress):
    a0, w0 = initial_point(c)
    rows = []
    for i, memory in enumerate(c["memories"]):
        target = BumpTarget((c["a_star"],), (c["w_star"],), c["height"], c["sigma"], float(memory))
        flow = gradient_flow(a0, w0, target, delta=c["delta"])
        rows.append(_row(c, "bump", float(memory), flow, delayed_gradient=delayed_gradient_norm(a0, w0, target)))
        progress((i + 1) / (len(c["memories"]) + 1))
    control = BumpTarget((c["a_star"], 1.0), (c["w_star"], c["control_rate"]), 0.0, c["sigma"], 0.0)
    rows.append(
        _row(c, "control", float("nan"), gradient_flow(a0, w0, control, delta=c["delta"], end_time=c["control_time"]))
    )
    return rows


def linear_fit(x, y):
    """(slope, R^2) of the least-squares line y ~ x; R^2 is NaN (undefined) for a constant y."""
    slope, intercept = np.polyfit(x, y, 1)
    residual = y - (slope * x + intercept)
    total = np.sum((y - np.mean(y)) ** 2)
    return float(slope), float(1 - np.sum(residual**2) / total) if total > 0 else float("nan")


def median_by_memory(rows, field):
    memories = sorted(distinct(rows, "memory"))
    return np.array(memories), np.array([np.median(column(select(rows, memory=v), field)) for v in memories])


def claims(rows, s):
    out = []
    w_l = s.w_star
    bumps = select(rows, kind="bump")
    for m in sorted(int(w) for w in s.grid):
        runs = select(bumps, width=m)
        for field, name in (("tau_loss", "tau_0'"), ("tau_separation", "tau_0")):
            x, tau = median_by_memory(runs, field)
            slope, r2 = linear_fit(x, np.log(tau)) if len(x) > 2 and np.all(np.isfinite(tau)) else (np.nan, np.nan)
            out.append(
                holds(
                    f"E2.1 log {name} linear in 1/omega (m={m}, R^2)",
                    bool(r2 > 0.9),
                    source=SOURCE,
                    expected="> 0.9",
                    measured=f"{r2:.3f}",
                )
            )
            out.append(
                at_least(
                    f"E2.2 slope of ln {name} in 1/omega (m={m}) vs 0.5 w_l^0 = {0.5 * w_l:g}",
                    slope,
                    0.5 * w_l,
                    source=SOURCE,
                )
            )
        x, grad = median_by_memory(runs, "delayed_gradient")
        slope, r2 = linear_fit(x, np.log(grad)) if len(x) > 2 else (np.nan, np.nan)
        out.append(
            holds(
                f"E2.4 ln ||grad J - grad J_bar|| at theta_0 linear in 1/omega (m={m})",
                bool(r2 > 0.9 and slope <= -0.5 * w_l),
                source=SOURCE,
                expected=f"R^2 > 0.9 and slope <= {-0.5 * w_l:g}",
                measured=f"R^2 {r2:.3f}, slope {slope:.3g}",
            )
        )
        ratio = column(runs, "min_rate_at_tau_loss") / column(runs, "min_rate_initial")
        out.append(
            at_most(
                f"slowest decay rate at tau_0' / at start, largest over runs (m={m}): it creeps down",
                float(np.max(ratio)),
                1.0,
                source=SOURCE,
            )
        )
        x, last = median_by_memory(runs, "min_rate_at_tau_loss")
        out.append(
            at_most(
                f"slowest decay rate at tau_0' / w_l^0 at the longest memory 1/omega={x[-1]:g} (m={m})",
                float(last[-1] / w_l),
                0.5,
                source=SOURCE,
            )
        )
    tens = select(bumps, width=10)
    if tens and {10.0, 18.0} <= set(distinct(tens, "memory")):
        x, tau = median_by_memory(tens, "tau_loss")
        out.append(
            at_least(
                "E2.3 tau_0'(1/omega=18) / tau_0'(1/omega=10), m=10",
                float(tau[x == 18][0] / tau[x == 10][0]),
                100,
                source=SOURCE,
            )
        )
    twos = select(bumps, width=2)
    if tens and twos:
        shared = sorted(set(distinct(tens, "memory")) & set(distinct(twos, "memory")))
        worst = min(
            np.median(column(select(tens, memory=v), "tau_loss"))
            / np.median(column(select(twos, memory=v), "tau_loss"))
            for v in shared
        )
        out.append(
            at_least(
                "E2.5 width does not remove the plateau: min over shared 1/omega of tau_0'(m=10) / tau_0'(m=2)",
                float(worst),
                0.1,
                source=SOURCE,
            )
        )
    for r in select(rows, kind="control"):
        out.append(
            holds(
                f"control (pure exponential sum, m={r['width']}, seed {r['seed']}): no plateau",
                bool(r["tau_loss"] <= 1 and r["final_loss"] <= 1e-2 * r["initial_loss"]),
                source=SOURCE,
                expected=f"tau_0' <= 1 and J({s.control_time:g}) / J_0 <= 1e-2",
                measured=f"tau_0' {r['tau_loss']:.3g}, ratio {r['final_loss'] / r['initial_loss']:.3g}",
            )
        )
    return out


def figure(rows, s, path):
    fig, ax = new_figure(1, 4)
    a, b, c, d = ax[0]
    two = select(rows, kind="bump", width=min(distinct(select(rows, kind="bump"), "width")), seed=s.seed)
    for r, color in zip(two, colors(len(two)), strict=True):
        a.plot(r["times"][1:], r["loss"][1:], color=color, label=f"1/omega = {r['memory']:g}")
        b.plot(r["times"][1:], r["grad_norm"][1:], color=color)
        d.plot(r["times"][1:], r["min_rate"][1:], color=color)
    for r in select(rows, kind="control", seed=s.seed):
        a.plot(r["times"][1:], r["loss"][1:], "k--", label=f"exp-sum control (m={r['width']})")
    a.set(
        xscale="log", yscale="log", xlabel="flow time", ylabel="J", title=f"loss, m = {two[0]['width'] if two else ''}"
    )
    a.legend(fontsize=6)
    b.set(xscale="log", yscale="log", xlabel="flow time", ylabel="|grad J|", title="gradient norm")
    d.set(xscale="log", xlabel="flow time", ylabel="min_i w_i", title="slowest decay rate")
    # three markers: at most three widths are drawn
    for m, marker in zip(sorted(distinct(select(rows, kind="bump"), "width")), "os^", strict=False):
        runs = select(rows, kind="bump", width=m)
        x, t1 = median_by_memory(runs, "tau_loss")
        _, t0 = median_by_memory(runs, "tau_separation")
        c.plot(x, t1, marker + "-", label=f"tau_0', m = {m}")
        c.plot(x, t0, marker + "--", label=f"tau_0, m = {m}")
    c.set(yscale="log", xlabel="memory 1/omega", ylabel="hitting time", title="plateau length vs memory")
    c.legend(fontsize=6)
    save(fig, path)


EXPERIMENT = Experiment(
    id="li2022-plateau",
    paper="Li, Han, E & Li, JMLR 2022 (ICLR 2021)",
    figure_label="Thm 20, Figs 2-3",
    description="Gradient flow of the reduced linear RNN on a short-memory exponential plus a bump delayed "
    "by 1/omega: the plateau (hitting times of parameters and loss) grows exponentially in 1/omega, the "
    "slowest decay rate creeps down during it, and a pure exponential-sum target trains without one.",
    profiles=PROFILES,
    minutes={"quick": 3, "full": 8},
    units=units,
    run_unit=run_unit,
    claims=claims,
    figure=figure,
    notes="Constants the paper omits, fixed by the spec: a* = 1, w* = 0.5, c = sigma = 1, delta = 0.1. The "
    "flow is gradient flow on the exact closed-form loss J (no sampling), integrated by LSODA with the exact "
    "Hessian as Jacobian (rtol 1e-8, atol 1e-11), the continuous-time limit of full-batch gradient descent; "
    "the spec suggests Diffrax, scipy is used to avoid a dependency. Hitting times are medians over seeds. "
    "The control target is e^{-t/2} + e^{-t/4} from the same start, integrated to flow time 100. "
    "Absolute hitting times are about one decade below the paper's Fig. 3 (its constants are unknown); the "
    "checks concern growth rates.",
)
