"""`curse-of-memory bench`: milliseconds per training step, per model and recurrence method.

A step is what the teacher-student training does: draw a fresh batch (128 x 300 Gaussian
inputs), forward, backward, Adam update, at hidden size 64. It is timed through the real
trainer (`train_ensemble` with one member), after a first call that compiles.

Methods: `convolution` trains through the layer's kernel (never forming the batch x T x
hidden state); `associative` and `sequential` run the recurrence over the batch, as the
paper's code does (it used an associative scan for the LRU).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from curse_of_memory.errors import ConfigError
from curse_of_memory.models import complex_diagonal_rnn, linear_rnn, lru
from curse_of_memory.tasks import teacher_student
from curse_of_memory.training import train_ensemble

BATCH, T, HIDDEN, NU0 = 128, 300, 64, 0.99

MODELS: dict[str, Callable] = {
    "lru": lambda key: lru(key, 1, 1, HIDDEN, nu_min=NU0),
    "diagonal": lambda key: complex_diagonal_rnn(key, 1, 1, HIDDEN, nu_min=NU0),
    "dense": lambda key: linear_rnn(key, 1, 1, HIDDEN),
}
METHODS = ("convolution", "associative", "sequential")


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
    """One result per (model, method): {"model", "method", "batch", "T", "hidden", "ms_per_step"}."""
    models, methods = models or list(MODELS), methods or list(METHODS)
    for name, chosen, known in (("model", models, MODELS), ("method", methods, METHODS)):
        unknown = sorted(set(chosen) - set(known))
        if unknown:
            raise ConfigError(f"unknown bench {name}(s) {unknown}; choose from {list(known)}")
    results = []
    for model in models:
        for method in methods:
            ms = time_training_step(model, method, steps)
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
                log(f"{model:>8} {method:>12}: {ms:8.3f} ms/step")
    return results
