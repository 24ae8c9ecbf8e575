"""Wang, Li & Li (ICLR 2024), Figs 1-2 and Thm 3.9: stable approximation and the perturbation error.

Diagonal linear RNNs rho_hat(t) = sum_i c_i e^{f(w_i) t} of widths 2..14 are fitted (the E1 fixed
grid in float64 by default, or Adam on the exact kernel-level loss, `tasks.memory_functional`) to
an exponential (0.9^t) and a polynomial ((t + 1)^-1.1) memory on t = 1..T, with the decay
parametrized directly (f(w) = w) or stably (softplus, exp). `diagnostics.perturbation_error` then
gives E_m(beta): the worst loss over random parameter perturbations of size beta (an unstable
perturbed model, some f(w) >= 0, counts as +inf), as a monotone envelope. For the exponential
target the widths share a stability radius; for the polynomial target with the direct map, wider
models sit closer to the stability boundary and their curves cross the narrower ones' earlier;
stable maps keep wider models better at every beta <= 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from itertools import pairwise

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from curse_of_memory.diagnostics.approximation import fixed_grid_fit
from curse_of_memory.diagnostics.perturbation import PerturbationCurve, crossings, perturbation_error
from curse_of_memory.diagnostics.precision import as_float64
from curse_of_memory.harness.claims import holds
from curse_of_memory.harness.experiment import Experiment
from curse_of_memory.harness.plotting import colors, new_figure, save
from curse_of_memory.harness.settings import Settings, require, setting
from curse_of_memory.harness.table import distinct, select
from curse_of_memory.models import decay_sum_rnn, random_decay_sum_rnn
from curse_of_memory.parametrizations.stable import STABLE_PARAMETRIZATIONS
from curse_of_memory.tasks import memory_task
from curse_of_memory.training import train_ensemble

SOURCE = "Wang, Li & Li 2024, Figs 1, 2 and 4, App. E (spec Sec. 4.3, E5)"

TARGETS = {"exp": {"rate": float(-np.log(0.9))}, "pol": {"omega": 0.1}}
FITS = ("grid", "train")
NORMS = ("l2", "inf")
# The rate maps compared here; StableSSM's "best" map is studied in wang2024-stablessm.
MAPS = [p for p in STABLE_PARAMETRIZATIONS if p != "best"]


@dataclass(frozen=True, kw_only=True)
class PerturbationSettings(Settings):
    """The full profile: three rate maps, 3 seeds, 30 perturbation draws per beta."""

    T: int = setting(100, "kernel length: t = 1..T", low=1)
    widths: list[int] = setting([2, 4, 6, 8, 14], "widths m of the fitted models, increasing", low=1, min_items=2)
    targets: list[str] = setting(["exp", "pol"], "target memories: 0.9^t, (t + 1)^-1.1", choices=TARGETS)
    parametrizations: list[str] = setting(
        ["direct", "softplus", "exp"], "maps from a raw weight w to the decay f(w)", choices=MAPS
    )
    fit: str = setting("grid", "how models are fitted: the E1 fixed grid, or Adam on the kernel loss", choices=FITS)
    rate_units: int = setting(61, "values of w_0 in the fixed grid's log grid [1e-3, 1]", low=1)
    min_rate: float = setting(0.01, "smallest initial decay rate of trained models", low=0, low_open=True)
    max_rate: float = setting(1.0, "largest initial decay rate of trained models", low=0, low_open=True)
    learning_rates: list[float] = setting(
        [0.03, 0.01, 0.003], "Adam learning rates (fit = 'train'; the best is kept)", low=0, low_open=True
    )
    steps: int = setting(5000, "Adam steps (fit = 'train'; a multiple of 100)", low=1)
    seeds: int = setting(3, "seeds per (target, map, width): seed, seed + 1, ...", low=1)
    beta_min: float = setting(1e-6, "smallest perturbation size beta > 0", low=0, low_open=True)
    beta_doublings: int = setting(21, "doublings of beta after beta_min", low=1)
    draws: int = setting(30, "random perturbations per beta", low=1)
    norm: str = setting("l2", "norm that normalizes each perturbation tensor", choices=NORMS)

    def check(self) -> None:
        require(self.steps % 100 == 0, "steps", "a multiple of 100", self.steps)
        require(
            sorted(self.widths) == self.widths and len(set(self.widths)) > 1,
            "widths",
            "at least two increasing widths",
            self.widths,
        )


PROFILES = {
    "quick": PerturbationSettings(parametrizations=["direct", "softplus"], seeds=1, draws=10),
    "full": PerturbationSettings(),
}


def units(s):
    keep = (
        "T",
        "fit",
        "rate_units",
        "min_rate",
        "max_rate",
        "learning_rates",
        "steps",
        "beta_min",
        "beta_doublings",
        "draws",
        "norm",
    )
    return [
        {"target": target, "parametrization": p, "width": m, "seed": s.seed + i, **s.pick(*keep)}
        for target in s.targets
        for p in s.parametrizations
        for m in s.widths
        for i in range(s.seeds)
    ]


def betas(c):
    return [0.0] + [c["beta_min"] * 2.0**j for j in range(c["beta_doublings"] + 1)]


def _init(key, width, parametrization, min_rate, max_rate):
    return random_decay_sum_rnn(key, width, parametrization=parametrization, min_rate=min_rate, max_rate=max_rate)


def _l1_error(target):
    """Kernel L1 distance of a model to the target filter, +inf if some rate is unstable."""

    def error(m):
        stable = jnp.all(m.real_parts() < 0)
        return jnp.where(stable, jnp.sum(jnp.abs(m.kernel(target.shape[0])[:, 0, 0] - target)), jnp.inf)

    return error


def grid_model(c, target):
    """The E1 fixed-grid least-squares fit (float64), stored through the parametrization."""
    fit = fixed_grid_fit(np.asarray(target), c["width"], np.geomspace(1e-3, 1.0, c["rate_units"]))
    return decay_sum_rnn(fit.rates, fit.coefficients, parametrization=c["parametrization"]), {}


def trained_model(c, task, progress):
    """The best of `learning_rates` after Adam on the exact kernel loss (float32, cast to float64)."""
    init = partial(
        _init, width=c["width"], parametrization=c["parametrization"], min_rate=c["min_rate"], max_rate=c["max_rate"]
    )
    result = train_ensemble(
        task,
        init,
        seeds=[c["seed"]],
        learning_rates=c["learning_rates"],
        steps=c["steps"],
        validation_batches=1,
        on_progress=lambda done, total: progress(0.5 * done / total),
    )
    final = np.where(result.diverged[0], np.inf, result.final_loss[0])
    j = int(np.argmin(final))
    model = jax.tree.map(lambda v: v[0, j] if eqx.is_array(v) else v, result.models)
    return model, {
        "lr": c["learning_rates"][j],
        "final_loss": float(result.final_loss[0, j]),
        "diverged_lrs": int(result.diverged[0].sum()),
    }


def run_unit(c, progress):
    task = memory_task(c["target"], c["T"], start=1, **TARGETS[c["target"]])
    model, info = (None, {}) if c["fit"] == "grid" else trained_model(c, task, progress)
    with jax.enable_x64(True):
        if model is None:  # the ill-conditioned least-squares coefficients need float64 storage
            model, info = grid_model(c, task.target)
        model = as_float64(model)
        target = jnp.asarray(np.asarray(task.target, np.float64))
        curve = perturbation_error(
            model, _l1_error(target), betas(c), key=jax.random.PRNGKey(c["seed"] + 17), draws=c["draws"], norm=c["norm"]
        )
        slowest = float(-jnp.max(model.real_parts()))
    progress(1.0)
    return [
        {
            "target": c["target"],
            "parametrization": c["parametrization"],
            "width": c["width"],
            "seed": c["seed"],
            "fit": c["fit"],
            **info,
            "slowest_rate": slowest,
            "betas": curve.betas.tolist(),
            "worst": curve.worst.tolist(),
            "envelope": curve.envelope.tolist(),
        }
    ]


def curves_by_width(rows, target, p):
    """Per width, the median envelope over seeds (a PerturbationCurve)."""
    out = []
    for m in sorted(distinct(select(rows, target=target, parametrization=p), "width")):
        runs = select(rows, target=target, parametrization=p, width=m)
        env = np.median(np.array([r["envelope"] for r in runs]), axis=0)
        out.append((m, PerturbationCurve(np.array(runs[0]["betas"]), env, env)))
    return out


def claims(rows, s):
    out = []
    for target in s.targets:
        for p in s.parametrizations:
            curves = curves_by_width(rows, target, p)
            e0 = [c.envelope[0] for _, c in curves]
            out.append(
                holds(
                    f"E5.1 {target}, {p}: E_m(0) decreases with m {[m for m, _ in curves]}",
                    all(b < a for a, b in pairwise(e0)),
                    source=SOURCE,
                    expected="strictly decreasing",
                    measured=", ".join(f"{v:.3g}" for v in e0),
                )
            )
            cross = crossings([c for _, c in curves])
            text = ", ".join(f"{v:.3g}" for v in cross)
            if target == "exp" and p == "direct":
                ok = bool(np.all(np.isfinite(cross)))
                ok = ok and bool(np.all(cross > 0))
                spread = float(np.max(np.abs(np.log(cross) - np.mean(np.log(cross))))) if ok else np.inf
                out.append(
                    holds(
                        "E5.2 exp, direct: crossings share a stability radius",
                        bool(ok and spread <= np.log(3)),
                        source=SOURCE,
                        expected="all within a factor 3 of their geometric mean",
                        measured=text,
                    )
                )
            if target == "pol" and p == "direct":
                ok = bool(np.all(np.isfinite(cross)) and np.all(np.diff(cross) < 0) and cross[-1] <= cross[0] / 3)
                out.append(
                    holds(
                        "E5.3 pol, direct: the crossing moves left as width grows",
                        ok,
                        source=SOURCE,
                        expected="strictly decreasing, last <= first / 3",
                        measured=text,
                    )
                )
            if target == "pol" and p != "direct":
                betas_ = curves[0][1].betas
                lower = all(
                    np.all(wide.envelope[betas_ <= 1] < narrow.envelope[betas_ <= 1])
                    for (_, narrow), (_, wide) in pairwise(curves)
                )
                out.append(
                    holds(
                        f"pol, {p} (stable): larger widths stay lower for all beta <= 1",
                        bool(lower),
                        source=SOURCE,
                        expected="E_wider(beta) < E_narrower(beta) for every beta <= 1",
                        measured=f"crossings: {text} (nan: none)",
                    )
                )
    return out


def figure(rows, s, path):
    targets, params = distinct(rows, "target"), distinct(rows, "parametrization")
    fig, ax = new_figure(len(targets), len(params))
    for i, target in enumerate(targets):
        for j, p in enumerate(params):
            a = ax[i][j]
            curves = curves_by_width(rows, target, p)
            plotted = False
            for (m, c), color in zip(curves, colors(len(curves)), strict=True):
                finite = np.isfinite(c.envelope)
                plotted = plotted or bool(finite[1:].any())
                a.plot(
                    c.betas[1:][finite[1:]],
                    c.envelope[1:][finite[1:]],
                    "o-",
                    ms=3,
                    color=color,
                    label=f"m = {m} (E(0) {c.envelope[0]:.2g})",
                )
            a.set(xlabel="beta", ylabel="E(beta) (missing: unstable)", title=f"{target}, {p}")
            if plotted:  # a panel whose every model is unstable stays empty (log axes need data)
                a.set(xscale="log", yscale="log")
            a.legend(fontsize=6)
    save(fig, path)


EXPERIMENT = Experiment(
    id="wang2024-perturbation",
    paper="Wang, Li & Li, ICLR 2024",
    figure_label="Figs 1-2",
    description="Perturbation error E(beta) of fitted diagonal linear RNNs of widths 2-14 on exponential and "
    "polynomial memory: a shared stability radius for exponential memory; for polynomial memory the direct "
    "parametrization's crossings move left with width, a stable (softplus/exp) one keeps wider models better.",
    profiles=PROFILES,
    minutes={"quick": 3, "full": 3},
    units=units,
    run_unit=run_unit,
    claims=claims,
    figure=figure,
    notes="Setting (a) of the spec (linear, kernel level): fit = 'grid' (default) is the E1 fixed-grid "
    "least-squares fit in float64 (w_i = i w_0, w_0 the best of 61 log-spaced values in [1e-3, 1]; the paper says "
    "only 'polynomial fitting in e^{-t}'), widths {2, 4, 6, 8, 14}; fit = 'train' trains the same model with Adam "
    "on the exact kernel loss (decay rates initialized log-uniform in [0.01, 1]) and keeps the best of 3 learning "
    "rates. A pilot with fit = 'train' at the issue's widths 8-64 (5k steps) reached losses of 1e-7 to 1e-9 at "
    "every width, so E_m(0) did not decrease with m and every crossing sat at beta = 0: width is not the "
    "bottleneck there, hence the grid default. Targets 0.9^t and (t + 1)^-1.1 on t = 1..100; E(beta) is the "
    "kernel L1 distance, +inf when a perturbed rate leaves the stable half-line; Gaussian perturbations normalized "
    "per tensor in the 2-norm, applied to rates (raw parameters) and coefficients alike; 10 draws (quick) or 30; "
    "beta from 1e-6 doubling to ~2 (the spec's grid starts at 5e-4, where the widest models' crossings were "
    "unresolved). Medians over seeds. E5.2 is checked for the direct map only (a stable map may never cross). "
    "The nonlinear setting (b) (tanh/hardtanh residual RNNs trained on sampled data) and the MNIST appendix are "
    "not run.",
)
