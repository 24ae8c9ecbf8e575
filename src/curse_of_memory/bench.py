"""`curse-of-memory bench`: milliseconds per training step, per model and recurrence method.

A step is what the teacher-student training does: draw a fresh batch (128 x 300 Gaussian
inputs), forward, backward, Adam update, at hidden size 64. It is timed through the real
trainer (`train_ensemble` with one member), after a first call that compiles.

Methods: `gram` trains through the layer's kernel and the batch's Gram tensor (the default
for linear students); `convolution` convolves the batch with the error kernel (never forming
the batch x T x hidden state); `associative` and `sequential` run the recurrence over the
batch, as the paper's code does (it used an associative scan for the LRU).

The pseudo-model `fig3-grid` times the whole Fig. 3 grid of one seed (every student, nu0 and
learning rate of the full profile, 92 members) trained as one program from shared Gram
tensors (`train_members`): microseconds per member-step, amortized.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from curse_of_memory.errors import ConfigError
from curse_of_memory.models import complex_diagonal_rnn, linear_rnn, lru
from curse_of_memory.tasks import teacher_student
from curse_of_memory.training import Member, train_ensemble, train_members

BATCH, T, HIDDEN, NU0 = 128, 300, 64, 0.99

MODELS: dict[str, Callable] = {
    "lru": lambda key: lru(key, 1, 1, HIDDEN, nu_min=NU0),
    "diagonal": lambda key: complex_diagonal_rnn(key, 1, 1, HIDDEN, nu_min=NU0),
    "dense": lambda key: linear_rnn(key, 1, 1, HIDDEN),
}
METHODS = ("gram", "convolution", "associative", "sequential")
GRID = "fig3-grid"
# The scans run the recurrence over the batch (tens to hundreds of ms per step): a few steps
# time them well enough and keep the default bench at about a minute.
SCAN_STEPS = 10
MIN_STEPS = 50  # fewer timed steps than this make the fast methods' timings noisy


def fig3_members() -> list[Member]:
    """The full profile of Fig. 3 for one seed: (student, nu0, learning rate) members."""
    from curse_of_memory.experiments.zucchet2024.fig3 import Fig3Settings, units
    from curse_of_memory.experiments.zucchet2024.students import student_init

    s = Fig3Settings()
    tasks = {nu0: teacher_student(nu0, T=s.T, batch_size=s.batch_size, max_phase=s.max_phase) for nu0 in s.nu0s}
    return [
        Member(
            tasks[c["nu0"]], student_init(c["student"], nu0=c["nu0"], d_hidden=s.d_hidden, max_phase=s.max_phase), lr
        )
        for c in units(s)
        for lr in c["learning_rates"]
    ]


def time_member_steps(members: list[Member], steps: int, seeds: int = 1) -> float:
    """Microseconds per member-step of `members` x `seeds` trained in one program
    (`train_members`), from the wall time between the first and the last of `steps` / 100
    epochs (so compilation and initialization are left out)."""
    stamps = []
    train_members(
        members,
        seeds=list(range(seeds)),
        steps=steps,
        validation_batches=1,
        on_progress=lambda done, total: stamps.append((done, time.perf_counter())),
    )
    (first, t0), (last, t1) = stamps[0], stamps[-1]
    return (t1 - t0) / ((last - first) * len(members) * seeds) * 1e6


def time_training_step(model: str, method: str, steps: int, repeats: int = 3) -> float:
    """Milliseconds per training step of one model trained with `method`: the best of
    `repeats` timed runs (the machine's noise only ever adds time)."""
    task = teacher_student(NU0, T=T, batch_size=BATCH, student_method=method)

    def run():
        train_ensemble(
            task,
            MODELS[model],
            seeds=[0],
            learning_rates=[1e-3],
            steps=steps,
            steps_per_epoch=steps,
            validation_batches=1,
        )

    run()  # compile
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times) / steps * 1e3


def run_training_step_bench(
    steps: int = 500, models: list[str] | None = None, methods: list[str] | None = None, log=None
) -> list[dict]:
    """One result per (model, method): {"model", "method", "batch", "T", "hidden", "ms_per_step"};
    for `fig3-grid` (method "gram"): {"model", "method", "members", "us_per_member_step",
    "member_steps_per_s"}, timed over max(steps, 2000) steps."""
    models, methods = models or [*MODELS, GRID], methods or list(METHODS)
    for name, chosen, known in (("model", models, [*MODELS, GRID]), ("method", methods, METHODS)):
        unknown = sorted(set(chosen) - set(known))
        if unknown:
            raise ConfigError(f"unknown bench {name}(s) {unknown}; choose from {list(known)}")
    results = []
    for model in [m for m in models if m != GRID]:
        for method in methods:
            scan = method in ("associative", "sequential")
            ms = time_training_step(model, method, min(steps, SCAN_STEPS) if scan else steps)
            results.append(
                {
                    "model": model,
                    "method": method,
                    "batch": BATCH,
                    "T": T,
                    "hidden": HIDDEN,
                    "ms_per_step": round(ms, 4),
                }
            )
            if log is not None:
                log(f"{model:>9} {method:>12}: {ms:8.3f} ms/step")
    if GRID in models:
        members = fig3_members()
        us = time_member_steps(members, max(steps, 2000) // 100 * 100)
        results.append(
            {
                "model": GRID,
                "method": "gram",
                "members": len(members),
                "us_per_member_step": round(us, 2),
                "member_steps_per_s": round(1e6 / us),
            }
        )
        if log is not None:
            log(f"{GRID:>9} {'gram':>12}: {us:8.1f} us/member-step ({len(members)} members, one seed)")
    return results
