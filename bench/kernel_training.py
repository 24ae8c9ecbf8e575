"""Kernel-level training speed: optimizer steps per second when the loss is the exact L2 kernel
distance (`tasks.memory_functional`, population mode), through the real trainer.

    PYTHONPATH=src python bench/kernel_training.py [--steps 5000]

Models: the diagonal continuous-time RNN (softplus rates) and the dense continuous-time RNN
(expm + scan), widths 8..64, T = 100 (dt = 1) and T = 64 (dt = 0.1, the li2022-fig1 residual
RNN). One member, then an ensemble of 3 seeds x 3 learning rates (steps per second per member).
Best of 3 timed runs after a compiling run. Prints JSON.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import time

import jax

from curse_of_memory.models import random_decay_sum_rnn, residual_rnn
from curse_of_memory.tasks import memory_task
from curse_of_memory.training import train_ensemble


def steps_per_second(task, init, steps, seeds, lrs):
    def run():
        result = train_ensemble(
            task, init, seeds=seeds, learning_rates=lrs, steps=steps, steps_per_epoch=steps // 10, validation_batches=1
        )
        jax.block_until_ready(result.final_loss)

    run()
    best = min(_timed(run) for _ in range(3))
    return steps / best


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=5000)
    args = parser.parse_args()
    results = []
    for model, task, make in (
        (
            "diagonal (softplus), T=100",
            memory_task("pol", 100, omega=0.1),
            lambda m: lambda key: random_decay_sum_rnn(key, m),
        ),
        (
            "residual linear RNN (full W), T=64, dt=0.1",
            memory_task("airy", 64, dt=0.1, scale=2.25, t0=3.0, weighting="terminal"),
            lambda m: lambda key: residual_rnn(key, 1, m, activation="linear", dt=0.1),
        ),
    ):
        for width in (8, 16, 32, 64):
            for seeds, lrs in (([0], [1e-2]), ([0, 1, 2], [1e-2, 3e-3, 1e-3])):
                rate = steps_per_second(task, make(width), args.steps, seeds, lrs)
                results.append(
                    {
                        "model": model,
                        "width": width,
                        "members": len(seeds) * len(lrs),
                        "steps_per_second": round(rate, 1),
                    }
                )
                print(json.dumps(results[-1]), flush=True)
    print(
        json.dumps(
            {
                "date": datetime.date.today().isoformat(),
                "cpus": os.cpu_count(),
                "load_average": os.getloadavg(),
                "note": "shared machine: timings are noisy",
                "results": results,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
