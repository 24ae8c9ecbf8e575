"""Li, Han, E & Li (ICLR 2021 / JMLR 2022), Fig. 1: training a linear RNN by gradient descent.

A linear residual RNN (h_{k+1} = h_k + dt (W h_k + U x_k), full W, width 16, dt = 0.1 on
[0, 6.4]) is trained by full-batch gradient descent on the exact loss J_T (the white-noise
expectation, an L2 distance between kernels: `tasks.memory_functional`, terminal weighting).
Targets: an exponential-sum teacher c*^T e^{W* t} b* (W* = -I - Z^T Z, width 8) trains
smoothly; Airy memories Ai(2.25 (t - t0)) plateau, longer as the delay t0 grows.

Each unit trains every (seed, learning rate) of one target in one compiled program. The
learning rate used for every target is the largest one on which no teacher run diverged and
the teacher's median final loss is below its initial loss (the spec's rule); plateaus are read
off the median curve over seeds (`training_curves.plateau`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from itertools import pairwise

import jax
import numpy as np

from curse_of_memory.experiments.li2022.residual_training import ResidualTrainingSettings, residual_student
from curse_of_memory.experiments.li2022.training_curves import median_curve, plateau
from curse_of_memory.harness.claims import at_least, at_most, holds, info
from curse_of_memory.harness.experiment import Experiment
from curse_of_memory.harness.plotting import colors, new_figure, save
from curse_of_memory.harness.settings import require, setting
from curse_of_memory.harness.table import column, distinct, select
from curse_of_memory.models import exp_sum_teacher
from curse_of_memory.tasks import memory_task, task_from_filter
from curse_of_memory.training import train_ensemble

SOURCE = "Li, Han, E & Li 2022, Fig. 1 (spec Sec. 3.4, E3)"

TEACHER_SEED = 42


@dataclass(frozen=True, kw_only=True)
class Fig1Settings(ResidualTrainingSettings):
    """The full profile: 10 seeds, 40k gradient-descent steps, a 7-point learning-rate grid."""

    horizon: float = setting(6.4, "length of the time window [0, horizon]", low=0, low_open=True)
    teacher_width: int = setting(8, "hidden states of the exponential-sum teacher", low=1)
    airy_delays: list[float] = setting(
        [2.0, 3.0, 4.0], "delays t0 of the Airy targets Ai(2.25 (t - t0))", low=0, low_open=True
    )
    learning_rates: list[float] = setting(
        [1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0],
        "gradient-descent learning rates, each run for every target",
        low=0,
        low_open=True,
    )

    def check(self) -> None:
        super().check()
        require(self.horizon / self.dt >= 2, "horizon", "at least two steps of dt", self.horizon)


PROFILES = {
    "quick": Fig1Settings(seeds=3, steps=20_000, learning_rates=[0.01, 0.03, 0.1, 0.3, 1.0]),
    "full": Fig1Settings(),
}


def units(s):
    keep = ("width", "dt", "horizon", "teacher_width", "steps", "steps_per_epoch", "learning_rates")
    targets = [{"target": "teacher"}] + [{"target": "airy", "t0": t0} for t0 in s.airy_delays]
    return [{**t, "seeds": s.seed_list(), **s.pick(*keep)} for t in targets]


def build_task(c):
    T = round(c["horizon"] / c["dt"])
    if c["target"] == "teacher":
        teacher = exp_sum_teacher(jax.random.PRNGKey(TEACHER_SEED), width=c["teacher_width"], dt=c["dt"])
        return task_from_filter(np.asarray(teacher.kernel(T))[:, 0, 0], dt=c["dt"], weighting="terminal")
    return memory_task("airy", T, dt=c["dt"], scale=2.25, t0=float(c["t0"]), weighting="terminal")


def run_unit(c, progress):
    task = build_task(c)
    init = partial(residual_student, width=c["width"], dt=c["dt"], activation="linear")
    initial = {s: float(task.loss(init(jax.random.PRNGKey(s)), None)) for s in c["seeds"]}
    result = train_ensemble(
        task,
        init,
        seeds=c["seeds"],
        learning_rates=c["learning_rates"],
        steps=c["steps"],
        steps_per_epoch=c["steps_per_epoch"],
        schedule="constant",
        optimizer="sgd",
        validation_batches=1,
        on_progress=lambda done, total: progress(done / total),
    )
    label = "teacher" if c["target"] == "teacher" else f"airy t0={c['t0']:g}"
    rows = result.rows(c["seeds"], c["learning_rates"], target=label, zero_loss=float(task.zero_predictor_loss()))
    return [{**r, "initial_loss": initial[r["seed"]]} for r in rows]


def chosen_lr(rows):
    """Largest lr with no diverged teacher run and a median final loss below the initial loss."""
    ok = []
    for lr in distinct(select(rows, target="teacher"), "lr"):
        runs = select(rows, target="teacher", lr=lr)
        if not any(r["diverged"] for r in runs) and np.median(column(runs, "final_loss")) < np.median(
            column(runs, "initial_loss")
        ):
            ok.append(lr)
    return max(ok) if ok else None


def curve(rows, target, lr):
    return median_curve([r["epoch_loss"] for r in select(rows, target=target, lr=lr)])


def claims(rows, s):
    lr = chosen_lr(rows)
    out = [
        holds(
            "a stable learning rate exists on the teacher",
            lr is not None,
            source=SOURCE,
            expected="some lr of the grid",
            measured=f"{lr}",
        )
    ]
    diverged = sum(r["diverged"] for r in rows)
    out.append(info("diverged runs (kept, reported)", None, measured=f"{diverged} of {len(rows)}"))
    if lr is None:
        return out
    teacher = select(rows, target="teacher", lr=lr)
    frac, _, _ = plateau(curve(rows, "teacher", lr))
    out.append(at_most(f"E3.1 teacher: plateau fraction of the run (lr {lr:g})", frac, 0.10, source=SOURCE))
    ratio = float(np.median(column(teacher, "final_loss")) / np.median(column(teacher, "initial_loss")))
    out.append(at_most("E3.1 teacher: final / initial loss (median)", ratio, 1e-2, source=SOURCE))
    fractions = {t0: plateau(curve(rows, f"airy t0={t0:g}", lr))[0] for t0 in s.airy_delays}
    if 3.0 in fractions:
        out.append(at_least("E3.2 Airy t0=3: plateau fraction of the run", fractions[3.0], 0.25, source=SOURCE))
    values = [fractions[t0] for t0 in sorted(fractions)]
    out.append(
        holds(
            f"E3.3 Airy plateau fraction non-decreasing in t0 {sorted(fractions)}",
            all(b >= a for a, b in pairwise(values)),
            source=SOURCE,
            expected="non-decreasing",
            measured=", ".join(f"{v:.2f}" for v in values),
        )
    )
    return out


def figure(rows, s, path):
    lr = chosen_lr(rows) or max(distinct(rows, "lr"))
    fig, ax = new_figure(1, 2)
    a, b = ax[0]
    epochs = None
    for target, color in zip(distinct(rows, "target"), colors(len(distinct(rows, "target")), "plasma"), strict=True):
        med = curve(rows, target, lr)
        epochs = s.steps_per_epoch * (1 + np.arange(med.size))
        for r in select(rows, target=target, lr=lr):
            a.plot(epochs, r["epoch_loss"], color=color, alpha=0.25, lw=0.6)
        a.plot(epochs, med, color=color, label=f"{target} ({plateau(med)[0]:.0%} plateau)")
    a.set(yscale="log", xlabel="GD step", ylabel="J_T / 2", title=f"linear RNN, GD, lr = {lr:g}")
    a.legend(fontsize=7)
    teacher = select(rows, target="teacher")
    lrs = distinct(teacher, "lr")
    b.plot(lrs, [np.median(column(select(teacher, lr=v), "final_loss")) for v in lrs], "o-")
    b.set(
        xscale="log",
        yscale="log",
        xlabel="learning rate",
        ylabel="median final loss (teacher)",
        title="lr choice (nan: diverged)",
    )
    save(fig, path)


EXPERIMENT = Experiment(
    id="li2022-fig1",
    paper="Li, Han, E & Li, ICLR 2021 / JMLR 2022",
    figure_label="Fig. 1 (a, b)",
    description="Linear RNNs trained by gradient descent: an exponential-sum teacher trains smoothly, "
    "Airy memories Ai(2.25 (t - t0)) show plateaus that lengthen with the delay t0.",
    profiles=PROFILES,
    minutes={"quick": 4, "full": 5},
    units=units,
    run_unit=run_unit,
    claims=claims,
    figure=figure,
    notes=(
        "Our choices where the paper is silent: student initialization W = -I + G/sqrt(16), redrawn until "
        "Hurwitz (the paper's hypothesis space; seeds 0 and 5 are redrawn), U ~ N(0, 1), c ~ N(0, 1/16), no "
        "bias; loss J_T/2 as a Riemann sum (dt = 0.1, 64 steps, white-noise inputs of variance"
        " 1/dt), exact (no sampling); constant learning rate; teacher drawn from seed 42. The Lorenz-96 panel"
        " (c) is not reproduced. The quick profile uses 3 seeds, 20k steps and a 5-point lr grid (full: 10 "
        "seeds, 40k steps, 7 points)."
    ),
)
