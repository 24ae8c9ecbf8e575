"""Li, Han, E & Li (JMLR 2022), Thm 10 and Sec. 4.3: approximating linear functionals by linear
RNNs of width m. Exponentially decaying memory is approximated at a rate exponential in m;
polynomial memory (1 + t)^-(1 + omega) only slowly, and the width needed for a fixed error
grows as omega shrinks (the curse of memory).

Each unit fits one target kernel on t = 0..T-1 (dt = 1) by sums of m exponentials
(`diagnostics.approximation`): the proof's fixed grid w_i = i w_0 with least-squares
coefficients (w_0 the best of a log grid), and optionally free rates by L-BFGS from there;
errors are L1 kernel distances (the operator norm), in float64. Checks E1.1-E1.3 of the spec
plus the width needed to reach each error tolerance. E1.1, E1.2 and E1.3's exponential part
test Thm 10's construction (the fixed grid; free rates fit 0.9^t exactly at any width);
"polynomial memory barely improves" (E1.3) and the needed width are claims about the best
width-m approximation, so they use the better of the two fits at every horizon (the fixed
grid alone only bounds it from above), and the needed width is set beside Sec. 4.3's
m ~ omega eps^(-1/omega).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from curse_of_memory.diagnostics.approximation import curse_of_memory_bound, fixed_grid_fit, free_rate_fit
from curse_of_memory.harness.claims import at_least, at_most, holds, info
from curse_of_memory.harness.experiment import Experiment
from curse_of_memory.harness.plotting import colors, new_figure, save
from curse_of_memory.harness.settings import Settings, require, setting
from curse_of_memory.harness.table import column, select
from curse_of_memory.tasks import discretize

SOURCE = "Li, Han, E & Li 2022, Thm 10 and Sec. 4.3 (spec Sec. 2, E1)"

ERROR_FLOOR = 1e-12
# The targets: name, kernel parameters, and a label. 0.9^t and 0.7^t are exp with rate -log(base).
TARGETS = {
    "0.9^t": ("exp", {"rate": float(-np.log(0.9))}),
    "0.7^t": ("exp", {"rate": float(-np.log(0.7))}),
    "Ai(t-6)": ("airy", {"t0": 6.0}),
}


@dataclass(frozen=True, kw_only=True)
class ApproximationSettings(Settings):
    """The full profile: 61 grid values of w_0, free-rate fits of 2000 L-BFGS steps at both horizons."""

    Ts: list[int] = setting([100, 1000], "horizons T: kernels on t = 0..T-1", low=1)
    widths: list[int] = setting([2, 4, 6, 8, 10, 12, 14, 16], "widths m (slopes in m are fitted)", low=1, min_items=2)
    omegas: list[float] = setting(
        [1.0, 0.5, 0.25, 0.1], "omega of the polynomial targets (1 + t)^-(1 + omega)", low=0, low_open=True
    )
    tolerances: list[float] = setting([0.5, 0.2], "L1 errors whose needed width is reported", low=0, low_open=True)
    rate_unit_min: float = setting(1e-3, "smallest w_0 of the log grid", low=0, low_open=True)
    rate_unit_max: float = setting(1.0, "largest w_0 of the log grid (above rate_unit_min)")
    rate_units: int = setting(61, "values of w_0 in the log grid", low=1)
    free_fit_iterations: int = setting(2000, "L-BFGS iterations of the free-rate fit (0 skips it)", low=0)
    free_fit_Ts: list[int] = setting([100, 1000], "horizons (from Ts) at which the free-rate fit runs", min_items=0)

    def check(self) -> None:
        require(
            self.rate_unit_max > self.rate_unit_min, "rate_unit_max", "larger than rate_unit_min", self.rate_unit_max
        )
        require(
            set(self.free_fit_Ts) <= set(self.Ts), "free_fit_Ts", "a list of horizons taken from Ts", self.free_fit_Ts
        )


PROFILES = {
    "quick": ApproximationSettings(rate_units=31, free_fit_iterations=300, free_fit_Ts=[100]),
    "full": ApproximationSettings(),
}


def target_names(s):
    return [*TARGETS, *(f"pol{w:g}" for w in s.omegas)]


def units(s):
    keep = ("widths", "rate_units", "rate_unit_min", "rate_unit_max")
    return [
        {
            "T": T,
            "target": name,
            "free_fit_iterations": s.free_fit_iterations if T in s.free_fit_Ts else 0,
            **s.pick(*keep),
        }
        for T in s.Ts
        for name in target_names(s)
    ]


def _kernel(name, T):
    if name.startswith("pol"):
        return discretize("pol", T, omega=float(name[3:]))
    kernel, params = TARGETS[name]
    return discretize(kernel, T, **params)


def run_unit(c, progress):

    target = _kernel(c["target"], c["T"])
    units_grid = np.geomspace(c["rate_unit_min"], c["rate_unit_max"], c["rate_units"])
    rows = []
    for i, m in enumerate(c["widths"]):
        fit = fixed_grid_fit(target, m, units_grid)
        row = {
            "T": c["T"],
            "target": c["target"],
            "width": m,
            "fixed_error": fit.l1_error,
            "rate_unit": float(fit.rates[0]),
            "target_l1": float(np.sum(np.abs(target))),
        }
        if c["free_fit_iterations"]:
            row["free_error"] = free_rate_fit(target, m, fit, max_iterations=c["free_fit_iterations"]).l1_error
        rows.append(row)
        progress((i + 1) / len(c["widths"]))
    return rows


def log_slope(rows, field="fixed_error"):
    """Slope of log10(max(error, 1e-12)) against m (least squares over the widths)."""
    m = column(rows, "width")
    return float(np.polyfit(m, np.log10(np.maximum(column(rows, field), ERROR_FLOOR)), 1)[0])


def best_error(row) -> float:
    """The better of the fixed-grid and (where it ran) the free-rate fit's L1 error."""
    return min(row["fixed_error"], row.get("free_error") or np.inf)


def needed_width(rows, tolerance):
    """Smallest width whose best fit has error <= tolerance (inf if none)."""
    ok = [r["width"] for r in rows if best_error(r) <= tolerance]
    return float(min(ok)) if ok else float("inf")


def predicted_width(omega, tolerance):
    """Sec. 4.3's width for an error eps: m ~ omega eps^(-1/omega) (up to a constant)."""
    return omega * tolerance ** (-1 / omega)


def claims(rows, s):
    out = []
    T_max = max(s.Ts)
    omegas = sorted(s.omegas, reverse=True)
    for T in s.Ts:
        exp_slope = log_slope(select(rows, T=T, target="0.9^t"))
        if 0.1 in s.omegas:
            pol_slope = log_slope(select(rows, T=T, target="pol0.1"))
            out.append(
                at_least(
                    f"E1.1 log-error slope in m: 0.9^t / (1+t)^-1.1 at T={T}", exp_slope / pol_slope, 3.0, source=SOURCE
                )
            )
    last = max(s.widths)
    errors = [select(rows, T=T_max, target=f"pol{w:g}", width=last)[0]["fixed_error"] for w in omegas]
    out.append(
        holds(
            f"E1.2 error at m={last}, T={T_max} increases strictly as omega decreases {omegas}",
            bool(np.all(np.diff(errors) > 0)),
            source=SOURCE,
            expected="strictly increasing",
            measured=", ".join(f"{e:.3g}" for e in errors),
        )
    )
    first = min(s.widths)
    fits = lambda T: "best of fixed grid and free rates" if T in s.free_fit_Ts else "fixed grid"  # noqa: E731

    def decades(T, target, error):
        e = {row["width"]: max(error(row), ERROR_FLOOR) for row in select(rows, T=T, target=target)}
        return float(np.log10(e[first] / e[last])) if {first, last} <= e.keys() else float("nan")

    for T in s.Ts:
        text = f"E1.3 decades gained from m={first} to m={last} at T={T}"
        gained = decades(T, "0.9^t", lambda row: row["fixed_error"])
        out.append(at_least(f"{text}: 0.9^t (Thm 10's fixed grid)", gained, 6.0, source=SOURCE))
        if 0.1 in s.omegas:
            gained = decades(T, "pol0.1", best_error)
            out.append(at_most(f"{text}: (1+t)^-1.1 ({fits(T)})", gained, 1.0, source=SOURCE))
    for tol in s.tolerances:
        needed = [needed_width(select(rows, T=T_max, target=f"pol{w:g}"), tol) for w in omegas]
        # inf (the tolerance not reached within the widths tried) is not evidence of growth: it fails.
        ok = bool(np.all(np.isfinite(needed))) and all(b >= a for a, b in pairwise(needed)) and needed[-1] > needed[0]
        out.append(
            holds(
                f"width needed for L1 error <= {tol} (T={T_max}, {fits(T_max)}) grows as omega decreases {omegas}",
                ok,
                source=SOURCE,
                expected="finite, non-decreasing, larger at the smallest omega",
                measured=", ".join(f"{n:g}" for n in needed),
            )
        )
        pairs = zip(omegas, needed, [predicted_width(w, tol) for w in omegas], strict=True)
        out.append(
            info(
                f"width needed for L1 error <= {tol}: measured vs Sec. 4.3's omega eps^(-1/omega)",
                None,
                measured="; ".join(f"omega {w:g}: {n:g} vs {p:.3g}" for w, n, p in pairs),
                source="Li, Han, E & Li 2022, Sec. 4.3: m = O(omega eps^(-1/omega)), an upper bound up to a constant",
            )
        )
    return out


def figure(rows, s, path):
    fig, ax = new_figure(1, len(s.Ts) + 1)
    names = target_names(s)
    palette = dict(zip(names, colors(len(names), "tab10"), strict=True))
    for a, T in zip(ax[0], s.Ts, strict=False):  # the last panel is the needed widths
        for name in names:
            r = select(rows, T=T, target=name)
            m = column(r, "width")
            a.plot(m, np.maximum(column(r, "fixed_error"), ERROR_FLOOR), "o-", color=palette[name], label=name, ms=3)
            if "free_error" in r[0]:
                a.plot(m, np.maximum(column(r, "free_error"), ERROR_FLOOR), "--", color=palette[name], lw=0.8)
            if name.startswith("pol"):
                omega = float(name[3:])
                bound = curse_of_memory_bound(m, T, omega)
                a.plot(m, bound * r[0]["fixed_error"] / bound[0], ":", color=palette[name], lw=0.8)
        a.set(
            yscale="log", xlabel="width m", ylabel="L1 error", title=f"T = {T} (solid: fixed grid, --: free, :: bound)"
        )
        a.legend(fontsize=6)
    b = ax[0][-1]
    T_max = max(s.Ts)
    for tol in s.tolerances:
        needed = [needed_width(select(rows, T=T_max, target=f"pol{w:g}"), tol) for w in s.omegas]
        line = b.plot(1 / np.asarray(s.omegas), needed, "o-", label=f"error <= {tol}")[0]
        predicted = np.array([predicted_width(w, tol) for w in s.omegas])
        b.plot(1 / np.asarray(s.omegas), predicted * needed[0] / predicted[0], ":", color=line.get_color(), lw=0.8)
    b.set(
        xlabel="1 / omega",
        ylabel="width needed (missing: > max width)",
        title=f"curse of memory, T = {T_max} (dotted: omega eps^(-1/omega))",
    )
    b.legend(fontsize=7)
    save(fig, path)


EXPERIMENT = Experiment(
    id="li2022-approximation",
    paper="Li, Han, E & Li, JMLR 2022 (ICLR 2021)",
    figure_label="Thm 10, Sec. 4.3",
    description="Best L1 approximation of exponential, Airy and polynomial memory by width-m linear RNNs: "
    "exponential memory gains decades per neuron, polynomial memory barely improves and needs ever more "
    "width as omega shrinks.",
    profiles=PROFILES,
    minutes={"quick": 3, "full": 8},
    units=units,
    run_unit=run_unit,
    claims=claims,
    figure=figure,
    notes="Fixed grid w_i = i w_0 (Thm 10's construction) with w_0 from a log grid in [1e-3, 1] (61 values "
    "full, 31 quick), coefficients by SVD least squares in float64; the free-rate fit (L-BFGS on log w and c, "
    "started from the best grid, kept only if better) enters E1.3 and the needed width. Errors below 1e-12 are "
    "floored for slopes. The error tolerances of the needed-width claim (0.5, 0.2) are our choice; the bound "
    "curves C (T^-omega + (omega/m) T^(1-omega)) are scaled to the m=2 error (shape only).",
)
