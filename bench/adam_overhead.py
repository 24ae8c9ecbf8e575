"""Cost of recording Adam's effective learning rates during training (issue 3 target:
< 10% of a training step), printed as JSON.

- `per_epoch_hook`: the real use: `train_ensemble(..., epoch_metrics=adam_epoch_metrics)`
  (statistics of every parameter group at the end of every 100-step epoch) against the same
  run without the hook, ms per step, best of 3 after a compiling run.
- `per_call`: one call of the bookkeeping (jitted) against one training step, i.e. the
  overhead if it were recorded at every step.

Models: the dense RNN (4225 parameters) and the LRU (449), d_hidden = 64, batch 128 x 300.
Run: PYTHONPATH=src python bench/adam_overhead.py
"""

import json
import time

import equinox as eqx
import jax
import optax

from curse_of_memory.diagnostics import adam_epoch_metrics
from curse_of_memory.models import linear_rnn, lru
from curse_of_memory.tasks import teacher_student
from curse_of_memory.training import train_ensemble

STEPS = 1000
MODELS = {"dense": lambda key: linear_rnn(key, 1, 1, 64), "lru": lambda key: lru(key, 1, 1, 64, nu_min=0.99)}


def ms_per_step(task, init, hook):
    def run():
        train_ensemble(
            task, init, seeds=[0], learning_rates=[1e-3], steps=STEPS, epoch_metrics=hook, validation_batches=1
        )

    run()
    times = []
    for _ in range(3):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times) / STEPS * 1e3


def ms_per_call(init):
    model = init(jax.random.PRNGKey(0))
    state = optax.scale_by_adam().init(eqx.filter(model, eqx.is_inexact_array))
    call = jax.jit(lambda m, s: adam_epoch_metrics(m, s, 1e-3))
    jax.block_until_ready(call(model, state))
    start = time.perf_counter()
    for _ in range(200):
        result = call(model, state)
    jax.block_until_ready(result)
    return (time.perf_counter() - start) / 200 * 1e3


def main():
    task = teacher_student(0.99)
    out = {"date": time.strftime("%Y-%m-%d"), "jax": jax.__version__, "steps": STEPS}
    for name, init in MODELS.items():
        base = ms_per_step(task, init, None)
        hooked = ms_per_step(task, init, adam_epoch_metrics)
        call = ms_per_call(init)
        out[name] = {
            "ms_per_step": round(base, 4),
            "ms_per_step_with_hook": round(hooked, 4),
            "per_epoch_hook_overhead": round(hooked / base - 1, 4),
            "ms_per_bookkeeping_call": round(call, 4),
            "per_call_overhead_vs_step": round(call / base, 4),
        }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
