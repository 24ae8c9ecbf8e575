"""Zucchet & Orvieto (2024), Fig. 3: learning a linear teacher as its memory grows.

A dense linear teacher (Sec. 4.1) with eigenvalue magnitudes from nu0 up; students trained
with Adam and a cosine schedule for 10k steps on fresh data (Sec. 4.2). Panel A: the best
learning rate's final training loss against nu0 for the LRU and the dense linear RNN.
Panel B, at nu0 = 0.99: from the dense RNN towards the LRU one step at a time (block
diagonal, more neurons, complex diagonal, gamma normalization, LRU).

Each unit is one ensemble (model x nu0, all seeds x learning rates) trained in one compiled
program (`training.train_ensemble`). Aggregation follows the paper: per learning rate the
mean over seeds of the final loss; the best learning rate is the smallest mean; diverged
runs make their learning rate ineligible and are counted in the summary.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from curse_of_memory.experiments import checks
from curse_of_memory.experiments.claims import at_least, at_most
from curse_of_memory.experiments.experiment import Claim, Experiment
from curse_of_memory.experiments.plotting import new_figure, save
from curse_of_memory.experiments.table import column, select
from curse_of_memory.models import complex_diagonal_rnn, diagonal_rnn, linear_rnn, lru
from curse_of_memory.tasks import teacher_student
from curse_of_memory.tasks.teacher_student import MODES
from curse_of_memory.training import train_ensemble


def build_student(name: str, key, nu0: float, d_hidden: int, max_phase: float):
    """The students of Fig. 3 (Secs. 5.1 and 5.3). LRU-family students start with
    |lambda| in [nu0, 1); linear RNNs with the remap to [0, 1) whatever nu0."""
    ring = {"nu_min": nu0, "nu_max": 1.0, "max_phase": max_phase}
    if name == "rnn":
        return linear_rnn(key, 1, 1, d_hidden, max_phase=max_phase)
    if name == "block_diagonal":
        return linear_rnn(key, 1, 1, d_hidden, n_heads=d_hidden // 2, max_phase=max_phase)
    if name == "more_neurons":
        return linear_rnn(key, 1, 1, 2 * d_hidden, n_heads=d_hidden, max_phase=max_phase)
    if name == "complex":
        return complex_diagonal_rnn(key, 1, 1, d_hidden, **ring)
    if name == "gamma":
        return diagonal_rnn(key, 1, 1, d_hidden, parametrization="real_imag", normalization="learned", **ring)
    if name == "lru":
        return lru(key, 1, 1, d_hidden, **ring)
    raise ValueError(f"unknown student {name!r}")


STUDENTS = ("rnn", "block_diagonal", "more_neurons", "complex", "gamma", "lru")
LABELS = {
    "rnn": "RNN",
    "block_diagonal": "block diagonal",
    "more_neurons": "more neurons",
    "complex": "complex diagonal",
    "gamma": "+ gamma normalization",
    "lru": "LRU",
}
# The paper's learning-rate grids (scans/*.yaml).
PAPER_LEARNING_RATES = {
    "lru": [0.32, 0.1, 0.032, 0.01, 0.0032],
    "rnn": [3.2e-3, 1e-3, 3.2e-4, 1e-4, 3.2e-5],
    "complex": [0.1, 0.032, 0.01, 3.2e-3, 1e-3, 3.2e-4, 1e-4],
    "gamma": [0.1, 0.032, 0.01, 3.2e-3, 1e-3, 3.2e-4, 1e-4],
    "block_diagonal": [1e-2, 3.2e-3, 1e-3, 3.2e-4],
    "more_neurons": [1e-2, 3.2e-3, 1e-3, 3.2e-4],
}
COMMON = {
    "steps": 10_000,
    "batch_size": 128,
    "T": 300,
    "d_hidden": 64,
    "teacher_seed": 42,
    "max_phase": 3.14,
    "mode": "sample",
    "panel_a_students": ["lru", "rnn"],
    "panel_b_students": list(STUDENTS),
    "panel_b_nu0": 0.99,
}
PROFILES = {
    # Fewer nu0 values, seeds and learning rates, never fewer steps: at nu0 = 0.99 the LRU
    # is still at ~1e-2 after 2k steps. Learning rates: the best one or two of each paper
    # grid in a pilot run of the full grids with 3 seeds (docs/performance.md).
    "quick": {
        **COMMON,
        "nu0s": [0.36, 0.98, 0.99],
        "seeds": 3,
        "learning_rates": {
            "lru": [0.032, 0.01],
            "rnn": [1e-3, 3.2e-4],
            "complex": [3.2e-3],
            "gamma": [3.2e-3],
            "block_diagonal": [1e-3],
            "more_neurons": [3.2e-3],
        },
    },
    "full": {
        **COMMON,
        "nu0s": [0.36, 0.68, 0.84, 0.92, 0.96, 0.98, 0.99],
        "seeds": 10,
        "learning_rates": PAPER_LEARNING_RATES,
    },
}


def validate(s):
    for name in ("steps", "batch_size", "T", "d_hidden", "seeds"):
        checks.positive_int(name, s[name])
    checks.require(s["steps"] % 100 == 0, "steps", "a multiple of 100 (the epoch length)", s["steps"])
    checks.require(s["d_hidden"] % 2 == 0, "d_hidden", "even (the block-diagonal RNN has 2 x 2 blocks)", s["d_hidden"])
    checks.in_interval("nu0s", s["nu0s"], 0, 1, closed_high=False)
    checks.in_interval("panel_b_nu0", s["panel_b_nu0"], 0, 1, closed_high=False)
    checks.one_of("panel_a_students", s["panel_a_students"], STUDENTS)
    checks.one_of("panel_b_students", s["panel_b_students"], STUDENTS)
    checks.one_of("mode", s["mode"], MODES)
    grids = s["learning_rates"]
    checks.require(isinstance(grids, dict), "learning_rates", "a mapping from student to learning rates", grids)
    for name in dict.fromkeys([*s["panel_a_students"], *s["panel_b_students"]]):
        checks.require(name in grids, "learning_rates",
                       f"a mapping with a grid for every student ({name!r} missing)", grids)
        checks.positive_number(f"learning_rates[{name!r}]", grids[name])


def units(s):
    pairs = [(m, nu0) for m in s["panel_a_students"] for nu0 in s["nu0s"]]
    pairs += [(m, s["panel_b_nu0"]) for m in s["panel_b_students"] if (m, s["panel_b_nu0"]) not in pairs]
    keep = ("steps", "batch_size", "T", "d_hidden", "teacher_seed", "max_phase", "mode")
    return [
        {
            "student": m,
            "nu0": nu0,
            "seeds": list(range(s["seed"], s["seed"] + s["seeds"])),
            "learning_rates": list(s["learning_rates"][m]),
            **{k: s[k] for k in keep},
        }
        for m, nu0 in pairs
    ]


def run_unit(c, progress):
    task = teacher_student(c["nu0"], teacher_seed=c["teacher_seed"], T=c["T"], batch_size=c["batch_size"],
                           mode=c["mode"], max_phase=c["max_phase"])
    init = partial(build_student, c["student"], nu0=c["nu0"], d_hidden=c["d_hidden"], max_phase=c["max_phase"])
    result = train_ensemble(task, init, seeds=c["seeds"], learning_rates=c["learning_rates"], steps=c["steps"],
                            on_progress=lambda done, total: progress(done / total))
    magnitudes = np.sort(np.abs(np.linalg.eigvals(np.asarray(task.teacher.A[0])))).tolist()
    zero_loss = float(task.zero_predictor_loss())
    return [
        {
            "student": c["student"],
            "nu0": c["nu0"],
            "seed": seed,
            "lr": lr,
            **result.member_row(i, j),
            "teacher_zero_loss": zero_loss,
            "teacher_magnitudes": magnitudes,
        }
        for i, seed in enumerate(c["seeds"])
        for j, lr in enumerate(c["learning_rates"])
    ]


def best(rows, student, nu0):
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


def claims(rows, s):
    out = []
    nu0s = s["nu0s"]
    rnn = {nu0: best(rows, "rnn", nu0)[0] for nu0 in nu0s}
    lru_ = {nu0: best(rows, "lru", nu0)[0] for nu0 in nu0s}
    if 0.36 in rnn and 0.99 in rnn:
        out.append(at_least("(i) dense RNN loss at nu0=0.99 / at nu0=0.36", rnn[0.99] / rnn[0.36], 1e4))
    out.append(at_most("(ii) LRU loss at every nu0 (max)", max(lru_.values()), 1e-3))
    for name, curve in (("dense RNN", rnn), ("LRU", lru_)):
        losses = [curve[nu0] for nu0 in sorted(nu0s)]
        worst_drop = max([a / b for a, b in zip(losses, losses[1:])], default=1.0)
        out.append(Claim(f"(v) {name} loss rises roughly with nu0", "largest drop between neighbouring nu0 < 3x, "
                         "last > first", f"largest drop {worst_drop:.2g}x, last/first {losses[-1] / losses[0]:.2g}",
                         bool(worst_drop < 3 and losses[-1] > losses[0])))
    low = min(nu0s)
    out.append(at_most(f"(vi) dense RNN / LRU loss at nu0={low} (matches or slightly beats)", rnn[low] / lru_[low], 3))
    for nu0 in [v for v in (0.98, 0.99) if v in nu0s]:
        out.append(at_least(f"(iii) dense RNN / LRU loss at nu0={nu0}", rnn[nu0] / lru_[nu0], 100))
    b = {m: best(rows, m, s["panel_b_nu0"])[0] for m in s["panel_b_students"]}
    if "block_diagonal" in b and "rnn" in b:
        out.append(at_least(f"(iv) dense RNN / block-diagonal RNN loss at nu0={s['panel_b_nu0']}",
                            b["rnn"] / b["block_diagonal"], 100))
    if {"rnn", "block_diagonal", "lru"} <= set(b):
        first = np.log10(b["rnn"] / b["block_diagonal"])
        total = np.log10(b["rnn"] / b["lru"])
        out.append(Claim("(vii) panel B: most of the gain comes from the first step (block diagonal)",
                         "first step >= half of the RNN -> LRU gain (in decades)",
                         f"{first:.2f} of {total:.2f} decades", bool(first >= 0.5 * total)))
        later = [m for m in STUDENTS[1:] if m in b]
        steps = [max(b[x] / b[y], b[y] / b[x]) for x, y in zip(later, later[1:])]
        out.append(at_most("(vii) panel B: each later step changes the loss by (largest factor)",
                           max(steps, default=1.0), 10))
    diverged = sum(r["diverged"] for r in rows)
    if diverged:
        out.append(Claim("diverged runs (reported, not dropped)", "any", f"{diverged} of {len(rows)}", True))
    return out


def x_position(nu0):
    """The paper's axis: 6 - log2(100 (1 - nu0)), even steps from 0.36 (0) to 0.99 (6)."""
    return 6 - np.log2(100 * (1 - np.asarray(nu0)))


def figure(rows, s, path):
    fig, ax = new_figure(1, 2, width=5)
    a, b = ax[0]
    for student, color in (("lru", "tab:blue"), ("rnn", "tab:orange")):
        if student not in s["panel_a_students"]:
            continue
        stats = np.array([best(rows, student, nu0)[:2] for nu0 in s["nu0s"]])
        a.errorbar(x_position(s["nu0s"]), stats[:, 0], yerr=stats[:, 1], marker="o", color=color,
                   label=LABELS[student], capsize=3)
    a.set(yscale="log", xlabel="nu0", ylabel="final training loss (best lr)", title="A: loss vs teacher memory")
    a.set_xticks(x_position(s["nu0s"]), [f"{v:g}" for v in s["nu0s"]])
    a.legend()
    names = [m for m in STUDENTS if m in s["panel_b_students"]]
    stats = np.array([best(rows, m, s["panel_b_nu0"])[:2] for m in names])
    b.bar(range(len(names)), stats[:, 0], yerr=stats[:, 1], color="tab:gray", capsize=3)
    b.set_xticks(range(len(names)), [LABELS[m] for m in names], rotation=30, ha="right")
    b.set(yscale="log", ylabel="final training loss (best lr)", title=f"B: from RNN to LRU at nu0 = {s['panel_b_nu0']}")
    save(fig, path)


EXPERIMENT = Experiment(
    id="zucchet2024-fig3",
    paper="Zucchet & Orvieto, NeurIPS 2024",
    figure_label="Fig. 3",
    description="Teacher-student: the dense linear RNN degrades by orders of magnitude as the teacher's "
    "memory nu0 grows while the LRU stays accurate; block-diagonal connectivity is the decisive step.",
    profiles=PROFILES,
    minutes={"quick": 12, "full": 150},
    units=units,
    run_unit=run_unit,
    claims=claims,
    figure=figure,
    validate=validate,
    default_seed=2023,
    notes="Teacher seed 42 for every run (as in the paper's code), so the spread over seeds measures the "
    "students' initialization and data. Losses are computed through the students' kernels (exactly the "
    "sampled loss of the paper's pipeline). The quick profile keeps 10k steps and uses 3 seeds, 3 nu0 "
    "values and the best one or two learning rates of each grid found in a pilot of the full grids. "
    "What did not reproduce in that pilot (3 seeds, every paper learning rate): the dense RNN degrades "
    "by 2e5x from nu0 = 0.36 to 0.99 as in the paper, but it still reaches 4e-3 at nu0 = 0.99 (lr 3.2e-4), "
    "only 20x the LRU's 2e-4 (claim iii, paper >= 100x), and the block-diagonal step gains 77x (claim iv). "
    "At nu0 = 0.99 the complex diagonal RNN (5.5e-5) and the gamma-normalized one (1.9e-5) beat the LRU, "
    "whose exponential parametrization is the only difference. "
    "Quick profile, measured 2026-12-01 (829 s with another job on the second core): 8 of 10 claims pass; "
    "RNN / LRU is 119x at nu0 = 0.98 but 27x at 0.99 (claim iii fails there), RNN / block diagonal is 124x at "
    "0.99, and the largest later panel-B step is 11.9x (claim vii-b, limit 10x, fails).",
)
