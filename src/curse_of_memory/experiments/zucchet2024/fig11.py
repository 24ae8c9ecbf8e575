"""Zucchet & Orvieto (2024), Fig. 11: the dense linear RNN split into heads.

A multi-head linear RNN with d_hidden = 64 and 1, 2, 4, ..., 32 heads (block sizes 64 down to
2) learns the teacher of Sec. 4 at nu0 = 0.99 (cosine schedule, 10k steps, best learning rate
per head count). More heads means fewer interacting coordinates per eigenvalue: the loss
falls by orders of magnitude, and Adam's effective learning rate of A (Sec. 3.6), recorded
every epoch through `train_grid`'s `epoch_metrics`, rises with the number of heads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import spearmanr

from curse_of_memory.diagnostics import adam_epoch_metrics
from curse_of_memory.experiments.zucchet2024.teacher_student_runs import (
    EnsembleSettings,
    best,
    diverged_claims,
    train_grid,
    unit_learning_rates,
)
from curse_of_memory.harness.claims import at_least, holds
from curse_of_memory.harness.experiment import Experiment
from curse_of_memory.harness.plotting import colors, new_figure, save
from curse_of_memory.harness.settings import require, setting
from curse_of_memory.harness.table import select
from curse_of_memory.models import linear_rnn

SOURCE = "Zucchet & Orvieto 2024, Fig. 11 (spec Fig 11)"

HEADS = [1, 2, 4, 8, 16, 32]


@dataclass(frozen=True, kw_only=True)
class Fig11Settings(EnsembleSettings):
    """The paper's protocol (full profile): 1 to 32 heads, 10 seeds, the paper's grid for each
    (its irregular 3.2e-2 / no 3.2e-4 included)."""

    heads: list[int] = setting(list(HEADS), "head counts of the dense RNN (divisors of d_hidden)", low=1)
    nu0: float = setting(0.99, "teacher memory nu0", low=0, high=1, high_open=True)
    max_phase: float = setting(
        3.14, "largest eigenvalue phase of the teacher and of the students' initialization", low=0, high=np.pi
    )
    learning_rates: dict[str, list[float]] = setting(
        {str(h): [1e-2, 3.2e-2, 1e-3, 3.2e-3, 1e-4] for h in HEADS},
        'learning-rate grid per head count (keys are head counts as strings, e.g. "32")',
        low=0,
        low_open=True,
    )

    def check(self) -> None:
        super().check()
        for h in self.heads:
            require(self.d_hidden % h == 0, "heads", f"divisors of d_hidden = {self.d_hidden}", self.heads)
        require(
            all(str(h) in self.learning_rates for h in self.heads),
            "learning_rates",
            'a mapping from every head count (as a string, e.g. "32") to learning rates',
            self.learning_rates,
        )


PROFILES = {
    # 1, 4 and 32 heads, one seed and, per head count, the best learning rate of a one-seed
    # pilot of the paper's grid (docs/performance.md); never fewer steps.
    "quick": Fig11Settings(heads=[1, 4, 32], seeds=1, learning_rates={"1": [1e-3], "4": [1e-4], "32": [3.2e-3]}),
    "full": Fig11Settings(),
}


def units(s):
    runs = [
        {"student": "rnn", "heads": h, "learning_rates": unit_learning_rates(s.learning_rates[str(h)])} for h in s.heads
    ]
    keep = ("d_hidden", "nu0", "steps", "batch_size", "T", "teacher_seed", "max_phase", "mode")
    return [{"seeds": [seed], "runs": runs, **s.pick(*keep)} for seed in s.seed_list()]


def multi_head_rnn(setup):
    """key -> the dense linear RNN of the run, split into setup["heads"] heads."""
    return lambda key: linear_rnn(key, 1, 1, setup["d_hidden"], n_heads=setup["heads"], max_phase=setup["max_phase"])


def a_learning_rates(model, adam_state, lr):
    """Adam's effective learning rate of A after an epoch: the geometric mean over its
    entries, and the fraction of non-positive ones (Sec. 3.6)."""
    rates = adam_epoch_metrics(model, adam_state, lr)
    return {"eff_lr_A": rates["eff_lr/A/geo_mean"], "eff_lr_A_nonpositive": rates["eff_lr/A/nonpositive_fraction"]}


def run_unit(c, progress):
    """One training seed: every head count x learning rate together (`train_grid`)."""
    return train_grid(c, progress, student=multi_head_rnn, epoch_metrics=a_learning_rates)


def mean_curve(rows, heads, nu0, field):
    """Seed-mean of a per-epoch field at the best learning rate for this head count (empty
    without runs)."""
    lr = best(select(rows, heads=heads), "rnn", nu0)[2]
    runs = select(rows, heads=heads, lr=lr)
    return np.mean([r[field] for r in runs], axis=0) if runs else np.array([])


def claims(rows, s):
    out = []
    heads = sorted(s.heads)
    loss = {h: best(select(rows, heads=h), "rnn", s.nu0)[0] for h in heads}
    if 1 in loss and 32 in loss:
        out.append(at_least("final loss, 1 head / 32 heads (issue: >= 100x)", loss[1] / loss[32], 100, source=SOURCE))
        out.append(
            at_least("final loss, 1 head / 32 heads (paper's Fig. 11: >= 1e3x)", loss[1] / loss[32], 1e3, source=SOURCE)
        )
    epochs = s.steps // 100
    mid = epochs // 2 - 1  # the record at the end of epoch epochs / 2
    curves = [mean_curve(rows, h, s.nu0, "eff_lr_A") for h in heads]
    eff = [float(curve[mid]) if curve.size > mid else float("nan") for curve in curves]
    if len(heads) >= 3:
        rho = spearmanr(heads, eff).statistic
        out.append(
            holds(
                f"effective lr of A at mid-training (epoch {mid + 1}) rises with the number of heads",
                bool(rho >= 0.8),
                source=SOURCE,
                expected="Spearman correlation >= 0.8",
                measured=f"{rho:.2f} ({', '.join(f'{h}: {v:.2g}' for h, v in zip(heads, eff, strict=True))})",
            )
        )
    if heads[0] == 1 and heads[-1] == 32:
        out.append(
            at_least("effective lr of A at mid-training, 32 heads / 1 head", eff[-1] / eff[0], 10, source=SOURCE)
        )
    return out + diverged_claims(rows)


def figure(rows, s, path):
    fig, ax = new_figure(1, 2, width=4.5)
    left, right = ax[0]
    heads = sorted(s.heads)
    stats = np.array([best(select(rows, heads=h), "rnn", s.nu0)[:2] for h in heads])
    left.errorbar(heads, stats[:, 0], yerr=stats[:, 1], marker="o", capsize=3)
    left.set(
        xscale="log",
        yscale="log",
        xlabel="number of heads (d_hidden = 64)",
        ylabel="final training loss (best lr)",
        title=f"loss vs heads, nu0 = {s.nu0}",
    )
    left.set_xticks(heads, [str(h) for h in heads])
    for h, color in zip(heads, colors(len(heads)), strict=True):
        curve = mean_curve(rows, h, s.nu0, "eff_lr_A")
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
    minutes={"quick": 3, "full": 15},
    units=units,
    run_unit=run_unit,
    claims=claims,
    figure=figure,
    default_seed=2023,
    notes="Training through `train_ensemble` with `diagnostics.adam_epoch_metrics` as the per-epoch hook "
    "(geometric mean of max(eff, 0) + 1e-8 over A's entries, and the fraction of non-positive entries). The "
    "curves are seed means at the best learning rate of each head count. The paper's grid is kept for the full "
    "profile (its irregular 3.2e-2 / no 3.2e-4 included). The quick profile keeps 10k steps but runs 1, 4 and 32 "
    "heads, one seed and, per head count, the best learning rate of a one-seed pilot of the paper's grid.",
)
