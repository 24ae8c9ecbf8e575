"""Zucchet & Orvieto (2024), Fig. 3: learning a linear teacher as its memory grows.

A dense linear teacher (Sec. 4.1) with eigenvalue magnitudes from nu0 up; students trained
with Adam and a cosine schedule for 10k steps on fresh data (Sec. 4.2). Panel A: the best
learning rate's final training loss against nu0 for the LRU and the dense linear RNN.
Panel B, at nu0 = 0.99: from the dense RNN towards the LRU one step at a time (block
diagonal, more neurons, complex diagonal, gamma normalization, LRU; `students.STUDENTS`).

Each unit is one training seed: every (student, nu0, learning rate) of the grid trained in one
compiled program from the Gram tensor of each shared batch (`teacher_student_runs.train_grid`).
Aggregation follows the paper: per learning rate the mean over seeds of the final loss; the
best learning rate is the smallest mean; diverged runs make their learning rate ineligible and
are counted in the summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from curse_of_memory.experiments.zucchet2024.students import STUDENTS, paper_learning_rates
from curse_of_memory.experiments.zucchet2024.teacher_student_runs import (
    EnsembleSettings,
    best,
    diverged_claims,
    train_grid,
    unit_learning_rates,
)
from curse_of_memory.harness.claims import at_least, at_most, holds, info, within_factor
from curse_of_memory.harness.experiment import Experiment
from curse_of_memory.harness.plotting import new_figure, save
from curse_of_memory.harness.settings import require, setting
from curse_of_memory.harness.table import column, select

SOURCE = "Zucchet & Orvieto 2024, Fig. 3 (spec Sec. 4, Fig 3)"


@dataclass(frozen=True, kw_only=True)
class Fig3Settings(EnsembleSettings):
    """The paper's protocol (full profile): 7 nu0 values, 10 seeds, every student's paper grid."""

    nu0s: list[float] = setting(
        [0.36, 0.68, 0.84, 0.92, 0.96, 0.98, 0.99],
        "teacher memories nu0 of panel A (smallest teacher |eigenvalue|)",
        low=0,
        high=1,
        high_open=True,
    )
    max_phase: float = setting(
        3.14, "largest eigenvalue phase of the teacher and of the students' initialization", low=0, high=np.pi
    )
    panel_a_students: list[str] = setting(["lru", "rnn"], "students of panel A (loss against nu0)", choices=STUDENTS)
    panel_b_students: list[str] = setting(
        list(STUDENTS), "students of panel B (from the RNN to the LRU)", choices=STUDENTS
    )
    panel_b_nu0: float = setting(0.99, "teacher memory nu0 of panel B", low=0, high=1, high_open=True)
    learning_rates: dict[str, list[float]] = setting(
        paper_learning_rates(),
        "learning-rate grid per student (a student left out gets the paper's grid)",
        low=0,
        low_open=True,
        choices=STUDENTS,
    )

    def check(self) -> None:
        super().check()
        require(self.d_hidden % 2 == 0, "d_hidden", "even (the block-diagonal RNN has 2 x 2 blocks)", self.d_hidden)

    def grid(self, student: str) -> list[float]:
        """The learning rates of `student`: its entry in learning_rates, else the paper's grid."""
        return self.learning_rates.get(student, list(STUDENTS[student].learning_rates))


PROFILES = {
    # Fewer nu0 values, seeds and learning rates, never fewer steps: at nu0 = 0.99 the LRU
    # is still at ~1e-2 after 2k steps. Learning rates: the best one or two of each paper grid
    # in the full profile (10 seeds, the paper's teacher; docs/performance.md).
    "quick": Fig3Settings(
        nu0s=[0.36, 0.98, 0.99],
        seeds=3,
        learning_rates={
            "lru": [0.032, 0.01],
            "rnn": [3.2e-3, 3.2e-4],
            "complex": [3.2e-3],
            "gamma": [3.2e-3],
            "block_diagonal": [3.2e-3],
            "more_neurons": [3.2e-3],
        },
    ),
    # The paper's 10 seeds (2023-2032) and 3 more: the dense RNN's spread of final losses at
    # nu0 = 0.96 needs 13 for a factor-3 interval of its mean log loss (`seeds_needed`).
    "full": Fig3Settings(seeds=13),
}


def units(s):
    pairs = [(m, nu0) for m in s.panel_a_students for nu0 in s.nu0s]
    pairs += [(m, s.panel_b_nu0) for m in s.panel_b_students if (m, s.panel_b_nu0) not in pairs]
    runs = [{"student": m, "nu0": nu0, "learning_rates": unit_learning_rates(s.grid(m))} for m, nu0 in pairs]
    keep = ("steps", "batch_size", "T", "d_hidden", "teacher_seed", "max_phase", "mode")
    return [{"seeds": [seed], "runs": runs, **s.pick(*keep)} for seed in s.seed_list()]


def run_unit(c, progress):
    return train_grid(c, progress)


def seeds_needed(rows, student: str, nu0: float, factor: float = 3.0) -> float:
    """Seeds for a 95% interval of the mean log10 final loss within `factor` either way at the
    best learning rate: n = (1.96 s / log10 factor)^2, s the standard deviation of log10 final
    losses across seeds. Training is chaotic (a one-ulp change of the initial parameters moves
    a final loss by decades, docs/parity.md): only distributions over seeds compare."""
    runs = select(rows, student=student, nu0=nu0, lr=best(rows, student, nu0)[2])
    losses = np.log10(column(runs, "final_loss"))
    if len(losses) < 2 or not np.all(np.isfinite(losses)):
        return float("nan")
    return float(np.ceil((1.96 * np.std(losses, ddof=1) / np.log10(factor)) ** 2))


def claims(rows, s):
    out = []
    nu0s = s.nu0s
    rnn = {nu0: best(rows, "rnn", nu0)[0] for nu0 in nu0s}
    lru_ = {nu0: best(rows, "lru", nu0)[0] for nu0 in nu0s}
    # The paper's values are read off Fig. 3A's log axis (factor 3). The quick profile trains
    # 3 seeds for fewer steps and cannot reach them: it checks the spec's weaker bounds instead.
    paper = s.profile == "full"
    if 0.36 in rnn and 0.99 in rnn:
        text, ratio = "(i) dense RNN loss at nu0=0.99 / at nu0=0.36", rnn[0.99] / rnn[0.36]
        out.append(
            within_factor(text, ratio, 5e7, source="Fig. 3A, dense RNN: ~5e7x from nu0=0.36 to 0.99")
            if paper
            else at_least(text, ratio, 1e4, source="spec Fig 3, check (i)", scale="quick")
        )
    text, worst_lru = "(ii) LRU loss at every nu0 (max)", max(lru_.values())
    out.append(
        at_most(text, worst_lru, 6e-5, source="Fig. 3A, LRU: at most ~2e-5 (factor 3)")
        if paper
        else at_most(text, worst_lru, 1e-3, source="spec Fig 3, check (ii)", scale="quick")
    )
    for name, curve in (("dense RNN", rnn), ("LRU", lru_)):
        losses = [curve[nu0] for nu0 in sorted(nu0s)]
        worst_drop = max([a / b for a, b in pairwise(losses)], default=1.0)
        out.append(
            holds(
                f"(v) {name} loss rises roughly with nu0",
                bool(worst_drop < 3 and losses[-1] > losses[0]),
                source=SOURCE,
                expected="largest drop between neighbouring nu0 < 3x, last > first",
                measured=f"largest drop {worst_drop:.2g}x, last/first {losses[-1] / losses[0]:.2g}",
            )
        )
    low = min(nu0s)
    out.append(
        at_most(
            f"(vi) dense RNN / LRU loss at nu0={low} (matches or slightly beats)",
            rnn[low] / lru_[low],
            3,
            source=SOURCE,
        )
    )
    for nu0 in [v for v in (0.98, 0.99) if v in nu0s]:
        out.append(at_least(f"(iii) dense RNN / LRU loss at nu0={nu0}", rnn[nu0] / lru_[nu0], 100, source=SOURCE))
    b = {m: best(rows, m, s.panel_b_nu0)[0] for m in s.panel_b_students}
    if "block_diagonal" in b and "rnn" in b:
        out.append(
            at_least(
                f"(iv) dense RNN / block-diagonal RNN loss at nu0={s.panel_b_nu0}",
                b["rnn"] / b["block_diagonal"],
                100,
                source=SOURCE,
            )
        )
    if {"rnn", "block_diagonal", "lru"} <= set(b):
        first = np.log10(b["rnn"] / b["block_diagonal"])
        total = np.log10(b["rnn"] / b["lru"])
        out.append(
            holds(
                "(vii) panel B: most of the gain comes from the first step (block diagonal)",
                bool(first >= 0.5 * total),
                source=SOURCE,
                expected="first step >= half of the RNN -> LRU gain (in decades)",
                measured=f"{first:.2f} of {total:.2f} decades",
            )
        )
        later = [m for m in list(STUDENTS)[1:] if m in b]
        steps = [max(b[x] / b[y], b[y] / b[x]) for x, y in pairwise(later)]
        out.append(
            at_most(
                "(vii) panel B: each later step changes the loss by (largest factor)",
                max(steps, default=1.0),
                10,
                source=SOURCE,
            )
        )
    needed = {(m, nu0): seeds_needed(rows, m, nu0) for m in s.panel_a_students for nu0 in nu0s}
    (m, nu0), n = max(needed.items(), key=lambda item: np.nan_to_num(item[1], nan=-1.0))
    out.append(
        info(
            "seeds for a factor-3 95% interval of the mean log10 loss (the worst student and nu0)",
            n,
            measured=f"{n:.0f} ({STUDENTS[m].label} at nu0={nu0}); {s.seeds} used",
        )
    )
    return out + diverged_claims(rows)


def x_position(nu0):
    """The paper's axis: 6 - log2(100 (1 - nu0)), even steps from 0.36 (0) to 0.99 (6)."""
    return 6 - np.log2(100 * (1 - np.asarray(nu0)))


def figure(rows, s, path):
    fig, ax = new_figure(1, 2, width=5)
    a, b = ax[0]
    for student in s.panel_a_students:
        stats = np.array([best(rows, student, nu0)[:2] for nu0 in s.nu0s])
        a.errorbar(
            x_position(s.nu0s),
            stats[:, 0],
            yerr=stats[:, 1],
            marker="o",
            color=STUDENTS[student].color,
            label=STUDENTS[student].label,
            capsize=3,
        )
    a.set(yscale="log", xlabel="nu0", ylabel="final training loss (best lr)", title="A: loss vs teacher memory")
    a.set_xticks(x_position(s.nu0s), [f"{v:g}" for v in s.nu0s])
    a.legend()
    names = [m for m in STUDENTS if m in s.panel_b_students]  # panel B's order, RNN to LRU
    stats = np.array([best(rows, m, s.panel_b_nu0)[:2] for m in names])
    b.bar(range(len(names)), stats[:, 0], yerr=stats[:, 1], color=[STUDENTS[m].color for m in names], capsize=3)
    b.set_xticks(range(len(names)), [STUDENTS[m].label for m in names], rotation=30, ha="right")
    b.set(yscale="log", ylabel="final training loss (best lr)", title=f"B: from RNN to LRU at nu0 = {s.panel_b_nu0}")
    save(fig, path)


EXPERIMENT = Experiment(
    id="zucchet2024-fig3",
    paper="Zucchet & Orvieto, NeurIPS 2024",
    figure_label="Fig. 3",
    description="Teacher-student: the dense linear RNN degrades by orders of magnitude as the teacher's "
    "memory nu0 grows while the LRU stays accurate; block-diagonal connectivity is the decisive step.",
    profiles=PROFILES,
    minutes={"quick": 6, "full": 35},
    units=units,
    run_unit=run_unit,
    claims=claims,
    figure=figure,
    default_seed=2023,
    notes=(
        "Teacher seed 42 for every run (as in the paper's code), so the spread over seeds measures the "
        "students' initialization and data. Losses are computed through the students' kernels (exactly the "
        "sampled loss of the paper's pipeline). The quick profile keeps 10k steps and uses 3 seeds, 3 nu0 "
        "values and the best one or two learning rates of each grid found in a pilot of the full grids."
    ),
)
