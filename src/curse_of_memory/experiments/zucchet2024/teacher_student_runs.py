"""Training students on the teacher-student task of Sec. 4 (Zucchet & Orvieto 2024), as
Figs 3, 10 and 11 do, and the paper's aggregation of an ensemble's results.

The protocol: a dense linear teacher with n = 10 states and eigenvalue magnitudes from nu0
up (`tasks.teacher_student`, teacher seed 42 for every run), fresh Gaussian inputs every step,
Adam with a cosine schedule, 100 steps per epoch. `train_grid` trains every (student, task,
learning rate) of a seed in one compiled program from the Gram tensor of each shared batch
(`training.train_members`): the runs of one ensemble per student (`training.train_ensemble`),
~10x cheaper per member.
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
from curse_of_memory.training import Member, train_ensemble, train_members

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


def teacher_fields(task: TeacherStudent) -> dict[str, Any]:
    """The teacher's zero-predictor loss and sorted |eigenvalues|, recorded in every row."""
    magnitudes = np.sort(np.abs(np.linalg.eigvals(np.asarray(task.teacher.A[0]))))
    return {"teacher_zero_loss": float(task.zero_predictor_loss()), "teacher_magnitudes": magnitudes.tolist()}


def registered_student(setup: dict[str, Any]) -> Callable:
    """key -> the student setup["student"] of `students.STUDENTS` for this run's nu0, width and phase."""
    return student_init(setup["student"], nu0=setup["nu0"], d_hidden=setup["d_hidden"], max_phase=setup["max_phase"])


def train_grid(
    c: dict[str, Any],
    progress: Callable[[float], None],
    *,
    student: Callable[[dict[str, Any]], Callable] = registered_student,
    epoch_metrics: Callable | None = None,
) -> Rows:
    """One unit of a grid: every run of c["runs"] for the seeds c["seeds"]. A run is a dict
    with "learning_rates" and what sets its student and task (e.g. "student", "nu0",
    "max_phase", "heads") over the unit's shared settings; `student(setup)` gives its init(key).

    One row per (seed, run, lr): the run's fields, nu0, the losses and status, the teacher
    (`teacher_fields`) and, per epoch, whatever `epoch_metrics` (model, Adam state, lr) returns.
    In sample mode all runs of a seed see the same batches (data key seed + 1), so they train
    together from one Gram tensor per step (`train_members`); the population loss has no
    batch to share, so each run trains on its own (`train_ensemble`).
    """
    tasks, plan = {}, []
    for run in c["runs"]:
        setup = {**c, **run}
        task = tasks.setdefault((setup["nu0"], setup["max_phase"]), teacher_task(setup))
        fields = {"nu0": setup["nu0"], **{k: v for k, v in run.items() if k != "learning_rates"}}
        plan.append(({**fields, **teacher_fields(task)}, task, student(setup), run["learning_rates"]))
    options = {"seeds": c["seeds"], "steps": c["steps"], "epoch_metrics": epoch_metrics}

    def rows(result, owners, hooked):
        return [
            {**fields, "seed": seed, "lr": lr, **result.member_row(i, j)}
            | {name: result.metrics[name][i, j].tolist() for name in hooked}
            for i, seed in enumerate(c["seeds"])
            for j, (fields, lr) in enumerate(owners)
        ]

    if c["mode"] == "sample":
        members = [Member(task, init, lr) for _, task, init, lrs in plan for lr in lrs]
        result = train_members(members, **options, on_progress=lambda done, total: progress(done / total))
        return rows(result, [(fields, lr) for fields, _, _, lrs in plan for lr in lrs], result.metrics)
    out = []
    for k, (fields, task, init, lrs) in enumerate(plan):
        report = lambda done, total, k=k: progress((k + done / total) / len(plan))  # noqa: E731
        result = train_ensemble(task, init, learning_rates=lrs, **options, on_progress=report)
        out += rows(result, [(fields, lr) for lr in lrs], set(result.metrics) - {"grad_norm", "param_norm"})
    return out


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
