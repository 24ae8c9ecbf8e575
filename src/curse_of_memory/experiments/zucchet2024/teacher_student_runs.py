"""Training students on the teacher-student task of Sec. 4 (Zucchet & Orvieto 2024), as
Figs 3, 10 and 11 do, and the paper's aggregation of an ensemble's results.

The protocol: a dense linear teacher with n = 10 states and eigenvalue magnitudes from nu0
up (`tasks.teacher_student`, teacher seed 42 for every run), fresh Gaussian inputs every step,
Adam with a cosine schedule, 100 steps per epoch. `train_student` trains one student on one
task for its seeds x learning rates (`training.train_ensemble`); `train_grid` trains every
(student, task, learning rate) of a seed in one compiled program from the Gram tensor of each
shared batch (`training.train_members`, issue 15): the same runs, ~10x cheaper per member.
Aggregation (`best`): per learning rate the mean over seeds of the final loss; the best
learning rate has the smallest mean; a learning rate with a diverged run is ineligible.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from curse_of_memory.experiments.zucchet2024.students import student_init
from curse_of_memory.harness.claims import Claim, info
from curse_of_memory.harness.experiment import Rows
from curse_of_memory.harness.settings import Settings, require, setting
from curse_of_memory.harness.table import column, select
from curse_of_memory.tasks import teacher_student
from curse_of_memory.tasks.teacher_student import MODES, TeacherStudent
from curse_of_memory.training import EnsembleResult, Member, train_ensemble, train_members

SOURCE = "Zucchet & Orvieto 2024, Sec. 4.2 (spec)"

STEPS_PER_EPOCH = 100


@dataclass(frozen=True, kw_only=True)
class TrainingSettings(Settings):
    """The training protocol of Sec. 4 (the paper's values)."""

    steps: int = setting(10_000, "optimizer steps per run (100 per epoch)", low=1)
    batch_size: int = setting(128, "sequences per training batch", low=1)
    T: int = setting(300, "sequence length", low=1)
    d_hidden: int = setting(64, "hidden states of the students", low=1)
    teacher_seed: int = setting(42, "seed of the teacher, the same for every run (as in the paper's code)")

    def check(self) -> None:
        require(self.steps % STEPS_PER_EPOCH == 0, "steps", "a multiple of 100 (the epoch length)", self.steps)


@dataclass(frozen=True, kw_only=True)
class EnsembleSettings(TrainingSettings):
    """The protocol of Sec. 4 for ensembles over seeds and learning rates (Figs 3, 10, 11)."""

    seeds: int = setting(10, "training seeds per learning rate (seed, seed + 1, ...)", low=1)
    mode: str = setting("sample", "loss on sampled batches or its population value", choices=MODES)

    def seed_list(self) -> list[int]:
        """The training seeds of every ensemble: seed, seed + 1, ..., seed + seeds - 1."""
        return list(range(self.seed, self.seed + self.seeds))


def unit_learning_rates(values: list[float]) -> list[float | int]:
    """A learning-rate grid as written into a unit: integral rates as ints, as the profiles
    always wrote them (Fig. 10's lr 1), so units and their store keys stay those of earlier runs."""
    return [int(v) if float(v).is_integer() else v for v in values]


def teacher_task(c: dict[str, Any]) -> TeacherStudent:
    """The task of a unit with nu0, teacher_seed, T, batch_size, mode and max_phase."""
    return teacher_student(
        c["nu0"],
        teacher_seed=c["teacher_seed"],
        T=c["T"],
        batch_size=c["batch_size"],
        mode=c["mode"],
        max_phase=c["max_phase"],
    )


def train(task, init, c: dict[str, Any], progress: Callable[[float], None], **options) -> EnsembleResult:
    """Train init(key) on `task` for the unit's seeds x learning_rates and steps (cosine
    schedule); `options` go to `train_ensemble` (e.g. epoch_metrics)."""
    return train_ensemble(
        task,
        init,
        seeds=c["seeds"],
        learning_rates=c["learning_rates"],
        steps=c["steps"],
        on_progress=lambda done, total: progress(done / total),
        **options,
    )


def teacher_fields(task: TeacherStudent) -> dict[str, Any]:
    """The teacher's zero-predictor loss and sorted |eigenvalues|, recorded in every row."""
    magnitudes = np.sort(np.abs(np.linalg.eigvals(np.asarray(task.teacher.A[0]))))
    return {"teacher_zero_loss": float(task.zero_predictor_loss()), "teacher_magnitudes": magnitudes.tolist()}


def train_student(c: dict[str, Any], progress: Callable[[float], None]) -> Rows:
    """One unit: the registered student c["student"] on the teacher at c["nu0"]. One row per
    (seed, lr) with the losses and `teacher_fields`."""
    task = teacher_task(c)
    init = student_init(c["student"], nu0=c["nu0"], d_hidden=c["d_hidden"], max_phase=c["max_phase"])
    result = train(task, init, c, progress)
    return result.rows(c["seeds"], c["learning_rates"], student=c["student"], nu0=c["nu0"], **teacher_fields(task))


def train_grid(c: dict[str, Any], progress: Callable[[float], None]) -> Rows:
    """One unit of a grid: every run of c["runs"] (dicts with "student", "learning_rates" and
    what sets its task, e.g. "nu0" or "max_phase", over the unit's shared settings) for the
    seeds c["seeds"]. Rows as `train_student`'s, with each run's fields.

    In sample mode all runs of a seed see the same batches (data key seed + 1), so they train
    together from one Gram tensor per step (`train_members`); the population loss has no
    batch to share, so each run trains on its own (`train_student`).
    """
    setups = [{**c, **run} for run in c["runs"]]
    fields = [{"nu0": c.get("nu0"), **{k: v for k, v in run.items() if k != "learning_rates"}} for run in c["runs"]]
    if c["mode"] != "sample":
        n = len(setups)
        return [
            {**f, **row}
            for k, (f, setup) in enumerate(zip(fields, setups, strict=True))
            for row in train_student(setup, lambda done, k=k: progress((k + done) / n))
        ]
    tasks, members, owners = {}, [], []
    for f, setup in zip(fields, setups, strict=True):
        task = tasks.setdefault((setup["nu0"], setup["max_phase"]), teacher_task(setup))
        init = student_init(setup["student"], nu0=setup["nu0"], d_hidden=c["d_hidden"], max_phase=setup["max_phase"])
        teacher = teacher_fields(task)
        members += [Member(task, init, lr) for lr in setup["learning_rates"]]
        owners += [({**f, "lr": lr}, teacher) for lr in setup["learning_rates"]]
    result = train_members(
        members, seeds=c["seeds"], steps=c["steps"], on_progress=lambda done, total: progress(done / total)
    )
    return [
        {**f, "seed": seed, **result.member_row(i, j), **teacher}
        for i, seed in enumerate(c["seeds"])
        for j, (f, teacher) in enumerate(owners)
    ]


def best(rows: Rows, student: str, nu0: float) -> tuple[float, float, float, int]:
    """(mean, SEM, best lr, diverged runs) of the final loss at the best learning rate."""
    runs = select(rows, student=student, nu0=nu0)
    if not runs:
        return float("nan"), float("nan"), float("nan"), 0
    means = {}
    for lr in sorted({r["lr"] for r in runs}):
        losses = column(select(runs, lr=lr), "final_loss")
        means[lr] = (np.mean(losses) if np.all(np.isfinite(losses)) else np.inf, losses)
    lr = min(means, key=lambda k: means[k][0])
    mean, losses = means[lr]
    sem = np.std(losses, ddof=1) / np.sqrt(len(losses)) if len(losses) > 1 else 0.0
    return float(mean), float(sem), lr, int(sum(r["diverged"] for r in runs))


def diverged_claims(runs: Rows) -> list[Claim]:
    """An informational claim with the number of diverged runs, if any: they stay in the
    table and make their learning rate ineligible."""
    diverged = sum(r["diverged"] for r in runs)
    if not diverged:
        return []
    return [info("diverged runs (reported, not dropped)", None, measured=f"{diverged} of {len(runs)}")]
