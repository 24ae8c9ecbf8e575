"""The atlas: the curse of memory across recurrent layers, measured side by side.

For every layer of `layers.LAYERS` (the papers' tanh RNN, chrono LSTM and GRU, complex
diagonal RNN, LRU and S4D; StableSSM, RG-LRU, minGRU, a Mamba-style selective SSM, gated
linear attention and xLSTM's mLSTM), at memory scales t from 1 to 1000 (what t means per layer:
`layers`), the four `diagnose` checks: hidden-state sensitivity per parameter group, signal
propagation through a deep stack at initialization, the effective memory length, and the top
Hessian eigenvalue of a teacher-student loss at its optimum. Each quantity's growth exponent
is the least-squares slope of log quantity against log t (Zucchet & Orvieto 2024, Secs. 2-3:
the complex diagonal RNN's eigenvalue sensitivity grows like t^3, its state variance like t).

A learning score: the Fig. 3 teacher-student task (Sec. 4; the paper's teacher, seed 42 under
the old PRNG) at nu0 = 0.9 and 0.99, with each layer as the student (Dense 1 -> width, the
layer at memory scale 1 / (1 - nu0), Dense width -> 1), Adam with a cosine schedule, the best
learning rate of a small grid by seed-mean final loss, reported against the LRU's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from curse_of_memory.diagnose import CHECKS
from curse_of_memory.experiments.atlas.layers import LAYERS, layer_factory, student
from curse_of_memory.harness.claims import at_most, info, within
from curse_of_memory.harness.experiment import Experiment
from curse_of_memory.harness.plotting import colors, new_figure, save
from curse_of_memory.harness.settings import Settings, setting
from curse_of_memory.harness.table import column, select
from curse_of_memory.tasks import teacher_student
from curse_of_memory.training import train_ensemble

SOURCE = "Zucchet & Orvieto 2024"
# A quantity within a factor f across memory scales 1..100 (Fig. 5B's range) has |exponent| <=
# log f / log 100. The Fig. 5B claims fit that range only; the full profile's t = 1000 goes
# beyond what the paper shows (the per-layer info claims keep every scale). Flat is 3x, the chrono
# GRU's spread (spec Fig 5, Checks: "activations vary < 3x; both gradient groups are flat"); the
# LRU's groups have their own: "the omega_nu gradient has no systematic trend (within about 20x);
# all-but-lambda stays within about 2x".
PAPER_RANGE = 100.0
FLAT = float(np.log(3) / np.log(PAPER_RANGE))
LRU_SPREAD = {"gradient lambda magnitude": 20.0, "gradient other": 2.0}


@dataclass(frozen=True, kw_only=True)
class AtlasSettings(Settings):
    """The full profile: memory scales 1 to 1000, the teacher-student score over 10 seeds."""

    layers: list[str] = setting(list(LAYERS), "recurrent layers measured", choices=LAYERS)
    checks: list[str] = setting(list(CHECKS), "diagnose checks run on every layer", choices=CHECKS)
    memory_scales: list[float] = setting([1.0, 10.0, 100.0, 1000.0], "memory scales t", low=1, min_items=2)
    width: int = setting(16, "the layers' width", low=1)
    T: int = setting(2048, "sequence length of the checks (longer than the largest memory scale)", low=2)
    batch: int = setting(8, "sequences per check measurement", low=1)
    probes: int = setting(8, "random probes (sensitivity) or input directions (memory)", low=1)
    depth: int = setting(4, "blocks of the deep stack of the signal check", low=1)
    eigenvalues: int = setting(2, "top Hessian eigenvalues computed", low=1)
    nu0s: list[float] = setting([0.9, 0.99], "teacher memories of the learning score", low=0, high=1, high_open=True)
    seeds: int = setting(10, "training seeds per learning rate", low=1)
    steps: int = setting(1000, "Adam steps per training run (the paper trains 10k)", low=100)
    learning_rates: list[float] = setting([1e-3, 1e-2], "learning-rate grid", low=0, low_open=True)
    train_T: int = setting(300, "sequence length of the teacher-student task", low=1)
    train_batch: int = setting(32, "sequences per training batch", low=1)


PROFILES = {
    "quick": AtlasSettings(
        memory_scales=[1.0, 10.0, 100.0],
        T=512,
        batch=4,
        probes=4,
        eigenvalues=1,
        seeds=3,
        steps=500,
        learning_rates=[3.2e-3, 3.2e-2],
    ),
    "full": AtlasSettings(),
}


def units(s):
    checks = [
        {
            "kind": "check",
            "layer": name,
            "check": check,
            "memory_scale": t,
            "seed": s.seed,
            "layers": s.depth,  # the `diagnose` name of the depth
            **s.pick("width", "T", "batch", "probes", "eigenvalues"),
        }
        for name in s.layers
        for check in s.checks
        for t in s.memory_scales
    ]
    keep = ("width", "steps", "learning_rates", "train_T", "train_batch")
    train = [
        {"kind": "train", "layer": name, "nu0": nu0, "seeds": list(range(s.seed, s.seed + s.seeds)), **s.pick(*keep)}
        for name in s.layers
        for nu0 in s.nu0s
    ]
    return checks + train


def run_unit(c, progress):
    if c["kind"] == "check":
        return [{**r, "layer": c["layer"]} for r in CHECKS[c["check"]].rows(layer_factory(c["layer"], c["width"]), c)]
    task = teacher_student(c["nu0"], T=c["train_T"], batch_size=c["train_batch"])
    result = train_ensemble(
        task,
        student(c["layer"], c["width"], 1 / (1 - c["nu0"])),
        seeds=c["seeds"],
        learning_rates=c["learning_rates"],
        steps=c["steps"],
        on_progress=lambda done, total: progress(done / total),
    )
    rows = result.rows(c["seeds"], c["learning_rates"], kind="train", layer=c["layer"], nu0=c["nu0"])
    return [{k: v for k, v in r.items() if k != "epoch_loss"} for r in rows]


def exponent(rows, layer, check, group, min_scale=0.0, max_scale=np.inf) -> float:
    """Slope of log value against log memory scale (scales in [min_scale, max_scale], finite
    positive values)."""
    picked = [
        r for r in select(rows, layer=layer, check=check, group=group) if min_scale <= r["memory_scale"] <= max_scale
    ]
    t, v = column(picked, "memory_scale"), column(picked, "value")
    keep = np.isfinite(v) & (v > 0)
    if keep.sum() < 2:
        return float("nan")
    return float(np.polyfit(np.log(t[keep]), np.log(v[keep]), 1)[0])


def groups(rows, layer, check) -> list[str]:
    return sorted({r["group"] for r in select(rows, layer=layer, check=check)})


def steepest(rows, layer, check, prefix="") -> tuple[float, str]:
    """The largest exponent over the parameter groups of a check (groups named "(...)" are
    variances, not parameters), and its group."""
    found = [
        (exponent(rows, layer, check, g), g) for g in groups(rows, layer, check) if g.startswith(prefix) and g[0] != "("
    ]
    found = [(e, g) for e, g in found if np.isfinite(e)]
    return max(found, default=(float("nan"), ""))


def growth_class(rows, layer, check, group) -> str:
    """flat (|exponent| <= FLAT), polynomial t^p, or exponential (the log-log slope keeps
    rising: the last segment's slope > 2 and > 3x the first's)."""
    picked = sorted(select(rows, layer=layer, check=check, group=group), key=lambda r: r["memory_scale"])
    t, v = column(picked, "memory_scale"), column(picked, "value")
    if len(t) < 2 or not np.all(np.isfinite(v) & (v > 0)):
        return "undetermined"
    slopes = np.diff(np.log(v)) / np.diff(np.log(t))
    p = exponent(rows, layer, check, group)
    if len(slopes) >= 2 and slopes[-1] > 2 and slopes[-1] > 3 * max(slopes[0], 0.1):
        return "exponential"
    return "flat" if abs(p) <= FLAT else f"polynomial t^{p:.2g}"


def best_loss(rows, layer, nu0) -> float:
    """Seed-mean final loss at the best learning rate (a rate with a diverged run is ineligible)."""
    runs = select(rows, kind="train", layer=layer, nu0=nu0)
    means = [
        np.mean(column(select(runs, lr=lr), "final_loss"))
        for lr in {r["lr"] for r in runs}
        if not any(r["diverged"] for r in select(runs, lr=lr))
    ]
    return float(min(means)) if means else float("nan")


def summary(rows, s, layer) -> dict[str, float]:
    """One row of the atlas table."""
    lru = {nu0: best_loss(rows, "lru", nu0) for nu0 in s.nu0s}
    return {
        "sensitivity": steepest(rows, layer, "sensitivity")[0],
        "signal": steepest(rows, layer, "signal", "gradient")[0],
        "memory": exponent(rows, layer, "memory", "memory function"),
        "hessian": exponent(rows, layer, "hessian", "eigenvalue 1"),
        **{f"loss {nu0:g} / LRU": best_loss(rows, layer, nu0) / lru[nu0] for nu0 in s.nu0s},
    }


def ranked(rows, s) -> list[str]:
    """The layers by decreasing sensitivity exponent (layers without one last)."""
    return sorted(s.layers, key=lambda name: -np.nan_to_num(summary(rows, s, name)["sensitivity"], nan=-np.inf))


def atlas_table(rows, s) -> str:
    """docs/atlas.md's table: one row per layer, ranked by sensitivity exponent."""
    columns = list(summary(rows, s, s.layers[0]))
    lines = ["| layer | " + " | ".join(columns) + " |", "| --- " * (len(columns) + 1) + "|"]
    for layer in ranked(rows, s):
        values = summary(rows, s, layer).values()
        lines.append(f"| {LAYERS[layer][0]} | " + " | ".join(f"{v:.3g}" for v in values) + " |")
    return "\n".join(lines) + "\n"


def claims(rows, s):
    out = []
    has = lambda layer, check: layer in s.layers and check in s.checks  # noqa: E731
    if has("complex", "sensitivity"):
        out.append(
            within(
                "complex diagonal RNN: eigenvalue sensitivity exponent (t >= 10)",
                exponent(rows, "complex", "sensitivity", "eigenvalue_params", min_scale=10),
                2.5,
                3.5,
                source=f"{SOURCE}, Sec. 2.2 and Fig. 1: E[(dh/dlambda)^2] ~ (1 - lambda)^-3 for white noise (3 +- 0.5)",
            )
        )
        out.append(
            within(
                "complex diagonal RNN: hidden-state variance exponent (t >= 10)",
                exponent(rows, "complex", "sensitivity", "(hidden variance)", min_scale=10),
                0.75,
                1.25,
                source=f"{SOURCE}, Sec. 2.2: E[h^2] ~ (1 - lambda^2)^-1 for white noise (1 +- 0.25)",
            )
        )
    if has("lru", "signal"):
        for group in [g for g in groups(rows, "lru", "signal") if g in LRU_SPREAD]:
            spread = LRU_SPREAD[group]
            out.append(
                at_most(
                    f"LRU: |exponent| of the deep stack's {group} over t <= 100 (within {spread:g}x)",
                    abs(exponent(rows, "lru", "signal", group, max_scale=PAPER_RANGE)),
                    float(np.log(spread) / np.log(PAPER_RANGE)),
                    source=f"{SOURCE}, Fig. 5B: over memory 1-100 the LRU's magnitude gradient has no systematic "
                    "trend (within about 20x), all-but-lambda stays within about 2x (spec Fig 5, Checks)",
                )
            )
    for layer in ("gru", "lstm"):
        if has(layer, "signal"):
            for group in [g for g in groups(rows, layer, "signal") if g.startswith("gradient")]:
                out.append(
                    at_most(
                        f"{LAYERS[layer][0]}: |exponent| of the deep stack's {group} over t <= 100",
                        abs(exponent(rows, layer, "signal", group, max_scale=PAPER_RANGE)),
                        FLAT,
                        source=f"{SOURCE}, Fig. 5B: chrono GRU/LSTM gradients within ~3x over memory 1-100",
                    )
                )
    if not out:
        out.append(within("paper predictions checked", float("nan"), 0, 1, source=SOURCE))
    for layer in ranked(rows, s):
        row = summary(rows, s, layer)
        classes = {
            check: growth_class(rows, layer, check, group)
            for check, group in (
                ("sensitivity", steepest(rows, layer, "sensitivity")[1]),
                ("hessian", "eigenvalue 1"),
            )
            if check in s.checks
        }
        out.append(
            info(
                f"atlas: {LAYERS[layer][0]}",
                row["sensitivity"],
                measured=", ".join(f"{k} {v:.3g}" for k, v in row.items())
                + "; "
                + ", ".join(f"{k} {v}" for k, v in classes.items()),
            )
        )
    return out


def figure(rows, s, path):
    panels = [*s.checks, "learning"]
    fig, ax = new_figure(1, len(panels), width=4)
    palette = dict(zip(s.layers, colors(len(s.layers), "tab20"), strict=True))
    for a, check in zip(ax[0], s.checks, strict=False):
        for layer in s.layers:
            if check == "memory":
                group = "memory function"
            elif check == "hessian":
                group = "eigenvalue 1"
            else:
                group = steepest(rows, layer, check, "gradient" if check == "signal" else "")[1]
            picked = sorted(select(rows, layer=layer, check=check, group=group), key=lambda r: r["memory_scale"])
            if picked:
                a.plot(column(picked, "memory_scale"), column(picked, "value"), "o-", ms=3, color=palette[layer])
        a.set(xscale="log", yscale="log", xlabel="memory scale t", title=f"{check} (steepest group)")
    b = ax[0][-1]
    for i, nu0 in enumerate(s.nu0s):
        losses = [best_loss(rows, layer, nu0) for layer in s.layers]
        b.scatter(np.arange(len(s.layers)) + 0.2 * i, losses, label=f"nu0 = {nu0:g}", s=12)
    b.set_xticks(range(len(s.layers)), [LAYERS[name][0] for name in s.layers], rotation=60, ha="right", fontsize=6)
    b.set(yscale="log", ylabel="final loss (best lr)", title="teacher-student")
    b.legend(fontsize=7)
    for layer in s.layers:
        ax[0][0].plot([], [], color=palette[layer], label=LAYERS[layer][0])
    ax[0][0].legend(fontsize=6)
    save(fig, path)


EXPERIMENT = Experiment(
    id="atlas-recurrent-layers",
    paper="curse-of-memory atlas (after Zucchet & Orvieto, NeurIPS 2024)",
    figure_label="atlas",
    description="The four curse-of-memory diagnostics and a teacher-student score for twelve recurrent "
    "layers, from the papers' (tanh RNN, LSTM, GRU, complex diagonal RNN, LRU, S4D) to StableSSM, RG-LRU, "
    "minGRU, a Mamba-style selective SSM, gated linear attention and mLSTM.",
    profiles=PROFILES,
    minutes={"quick": 30, "full": 250},
    units=units,
    run_unit=run_unit,
    claims=claims,
    figure=figure,
    notes=(
        "Growth exponents are least-squares slopes of log quantity against log memory scale; a quantity "
        "within 3x over 1-100 (|exponent| <= log 3 / log 100) is flat (Fig. 5B's spread for the chrono GRU). "
        "The paper's predictions are checked where they apply (complex diagonal RNN: sensitivity t^3 and "
        "variance t over t >= 10; chrono GRU/LSTM: flat deep-stack gradients over t <= 100; LRU: its "
        "magnitude gradient within 20x and the rest within 2x there, Fig. 5B's spreads, the angle "
        "unchecked); every layer's exponents and class are recorded as info. The learning "
        "score deviates from Fig. 3's protocol: width 16 instead of 64, batch 32 instead of 128, fewer steps "
        "(1,000 full, 500 quick) and a two-rate grid, so that all twelve layers train in the time of one "
        "profile; the checks' sequences (2,048 full) are about twice the largest memory scale."
    ),
)
