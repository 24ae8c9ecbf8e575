"""Zucchet & Orvieto (2024), Fig. 11: the dense linear RNN split into heads.

A multi-head linear RNN with d_hidden = 64 and 1, 2, 4, ..., 32 heads (block sizes 64 down to
2) learns the teacher of Sec. 4 at nu0 = 0.99 (cosine schedule, 10k steps, best learning rate
per head count). More heads means fewer interacting coordinates per eigenvalue: the loss
falls by orders of magnitude, and Adam's effective learning rate of A (Sec. 3.6), recorded
every epoch through `train_ensemble`'s `epoch_metrics`, rises with the number of heads.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import spearmanr

from curse_of_memory.diagnostics import adam_epoch_metrics
from curse_of_memory.experiments import checks
from curse_of_memory.experiments.claims import at_least
from curse_of_memory.experiments.experiment import Claim, Experiment
from curse_of_memory.experiments.plotting import colors, new_figure, save
from curse_of_memory.experiments.table import select
from curse_of_memory.experiments.zucchet2024_fig3 import best
from curse_of_memory.models import linear_rnn
from curse_of_memory.tasks import teacher_student
from curse_of_memory.tasks.teacher_student import MODES
from curse_of_memory.training import train_ensemble

HEADS = [1, 2, 4, 8, 16, 32]
COMMON = {
    "heads": HEADS,
    "d_hidden": 64,
    "nu0": 0.99,
    "steps": 10_000,
    "batch_size": 128,
    "T": 300,
    "teacher_seed": 42,
    "max_phase": 3.14,
    "mode": "sample",
}
PROFILES = {
    # 1, 4 and 32 heads, one seed and, per head count, the best learning rate of a one-seed
    # pilot of the paper's grid (docs/performance.md); never fewer steps.
    "quick": {**COMMON, "heads": [1, 4, 32], "seeds": 1, "learning_rates": {"1": [1e-3], "4": [1e-4], "32": [3.2e-3]}},
    "full": {**COMMON, "seeds": 10, "learning_rates": {str(h): [1e-2, 3.2e-2, 1e-3, 3.2e-3, 1e-4] for h in HEADS}},
}


def validate(s):
    for name in ("d_hidden", "steps", "batch_size", "T", "seeds"):
        checks.positive_int(name, s[name])
    checks.positive_int("heads", s["heads"])
    checks.require(s["steps"] % 100 == 0, "steps", "a multiple of 100 (the epoch length)", s["steps"])
    for h in s["heads"]:
        checks.require(s["d_hidden"] % h == 0, "heads", f"divisors of d_hidden = {s['d_hidden']}", s["heads"])
    checks.in_interval("nu0", s["nu0"], 0, 1, closed_high=False)
    checks.one_of("mode", s["mode"], MODES)
    grids = s["learning_rates"]
    checks.require(
        isinstance(grids, dict) and all(str(h) in grids for h in s["heads"]),
        "learning_rates",
        'a mapping from every head count (as a string, e.g. "32") to learning rates',
        grids,
    )
    for h in s["heads"]:
        checks.positive_number(f"learning_rates[{str(h)!r}]", grids[str(h)])


def units(s):
    keep = ("d_hidden", "nu0", "steps", "batch_size", "T", "teacher_seed", "max_phase", "mode")
    return [
        {
            "heads": h,
            "seeds": list(range(s["seed"], s["seed"] + s["seeds"])),
            "learning_rates": list(s["learning_rates"][str(h)]),
            **{k: s[k] for k in keep},
        }
        for h in s["heads"]
    ]


def run_unit(c, progress):
    task = teacher_student(
        c["nu0"],
        teacher_seed=c["teacher_seed"],
        T=c["T"],
        batch_size=c["batch_size"],
        mode=c["mode"],
        max_phase=c["max_phase"],
    )

    def init(key):
        return linear_rnn(key, 1, 1, c["d_hidden"], n_heads=c["heads"], max_phase=c["max_phase"])

    result = train_ensemble(
        task,
        init,
        seeds=c["seeds"],
        learning_rates=c["learning_rates"],
        steps=c["steps"],
        epoch_metrics=adam_epoch_metrics,
        on_progress=lambda done, total: progress(done / total),
    )
    m = result.metrics
    return [
        {
            "student": "rnn",
            "heads": c["heads"],
            "nu0": c["nu0"],
            "seed": seed,
            "lr": lr,
            **result.member_row(i, j),
            "eff_lr_A": m["eff_lr/A/geo_mean"][i, j].tolist(),
            "eff_lr_A_nonpositive": m["eff_lr/A/nonpositive_fraction"][i, j].tolist(),
        }
        for i, seed in enumerate(c["seeds"])
        for j, lr in enumerate(c["learning_rates"])
    ]


def mean_curve(rows, heads, nu0, field):
    """Seed-mean of a per-epoch field at the best learning rate for this head count."""
    lr = best(select(rows, heads=heads), "rnn", nu0)[2]
    return np.mean([r[field] for r in select(rows, heads=heads, lr=lr)], axis=0)


def claims(rows, s):
    out = []
    heads = sorted(s["heads"])
    loss = {h: best(select(rows, heads=h), "rnn", s["nu0"])[0] for h in heads}
    if 1 in loss and 32 in loss:
        out.append(at_least("final loss, 1 head / 32 heads (issue: >= 100x)", loss[1] / loss[32], 100))
        out.append(at_least("final loss, 1 head / 32 heads (paper's Fig. 11: >= 1e3x)", loss[1] / loss[32], 1e3))
    epochs = s["steps"] // 100
    mid = epochs // 2 - 1  # the record at the end of epoch epochs / 2
    eff = [float(mean_curve(rows, h, s["nu0"], "eff_lr_A")[mid]) for h in heads]
    if len(heads) >= 3:
        rho = spearmanr(heads, eff).statistic
        out.append(
            Claim(
                f"effective lr of A at mid-training (epoch {mid + 1}) rises with the number of heads",
                "Spearman correlation >= 0.8",
                f"{rho:.2f} ({', '.join(f'{h}: {v:.2g}' for h, v in zip(heads, eff))})",
                bool(rho >= 0.8),
            )
        )
    if heads[0] == 1 and heads[-1] == 32:
        out.append(at_least("effective lr of A at mid-training, 32 heads / 1 head", eff[-1] / eff[0], 10))
    diverged = sum(r["diverged"] for r in rows)
    if diverged:
        out.append(Claim("diverged runs (reported, not dropped)", "any", f"{diverged} of {len(rows)}", True))
    return out


def figure(rows, s, path):
    fig, ax = new_figure(1, 2, width=4.5)
    left, right = ax[0]
    heads = sorted(s["heads"])
    stats = np.array([best(select(rows, heads=h), "rnn", s["nu0"])[:2] for h in heads])
    left.errorbar(heads, stats[:, 0], yerr=stats[:, 1], marker="o", capsize=3)
    left.set(
        xscale="log",
        yscale="log",
        xlabel="number of heads (d_hidden = 64)",
        ylabel="final training loss (best lr)",
        title=f"loss vs heads, nu0 = {s['nu0']}",
    )
    left.set_xticks(heads, [str(h) for h in heads])
    for h, color in zip(heads, colors(len(heads))):
        curve = mean_curve(rows, h, s["nu0"], "eff_lr_A")
        right.plot(np.arange(1, curve.size + 1), curve, color=color, label=f"{h}")
    right.set(
        yscale="log",
        xlabel="epoch",
        ylabel="geometric-mean effective lr of A",
        title="Adam effective lr of A (best lr)",
    )
    right.legend(title="heads", fontsize=7)
    save(fig, path)


EXPERIMENT = Experiment(
    id="zucchet2024-fig11",
    paper="Zucchet & Orvieto, NeurIPS 2024",
    figure_label="Fig. 11",
    description="The dense linear RNN split into 1 to 32 heads at nu0 = 0.99: the loss falls by orders of "
    "magnitude with more heads, and Adam's effective learning rate of A rises.",
    profiles=PROFILES,
    minutes={"quick": 3, "full": 90},
    units=units,
    run_unit=run_unit,
    claims=claims,
    figure=figure,
    validate=validate,
    default_seed=2023,
    notes="Training through `train_ensemble` with `diagnostics.adam_epoch_metrics` as the per-epoch hook "
    "(geometric mean of max(eff, 0) + 1e-8 over A's entries, and the fraction of non-positive entries). The "
    "curves are seed means at the best learning rate of each head count. The paper's grid is kept for the full "
    "profile (its irregular 3.2e-2 / no 3.2e-4 included). The quick profile keeps 10k steps but runs 1, 4 and 32 "
    "heads, one seed and, per head count, the best learning rate of a one-seed pilot of the paper's grid.",
)
