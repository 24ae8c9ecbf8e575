"""Benchmarks of the Ribeiro et al. (2020) experiments against the issue's targets.

    PYTHONPATH=src python bench/ribeiro2020.py [--parts analyses training] [--epochs 20]

Prints JSON:
- "analyses": wall and CPU seconds of `ribeiro2020-chaotic-lstm` and `ribeiro2020-smoothness`
  (quick profile, end to end into a temporary folder, compilation included); target < 60 s each.
- "training": per model of the quick profiles of `ribeiro2020-sine-orbits` and
  `ribeiro2020-symbol-orbits`, seconds per epoch through the real trainer (after a first call
  that compiles), with and without the orbit-diagram hook (run every `orbit_every` epochs, as
  in the experiments; the timed epochs are rounded to whole snapshots), the compile time, and the
  projected time of the whole quick profile (compile + epochs); target < 10 min per study.
CPU seconds are this process's (user + system); on a shared machine wall time also counts
the time other processes hold the cores.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from functools import partial

from curse_of_memory.diagnostics import OrbitDiagram
from curse_of_memory.experiments import get_experiment
from curse_of_memory.experiments.ribeiro2020.orbits import train_with_orbits
from curse_of_memory.experiments.ribeiro2020.sine_orbits import probe_inputs
from curse_of_memory.experiments.ribeiro2020.symbol_orbits import one_hot_inputs
from curse_of_memory.runner.sweep import reproduce
from curse_of_memory.tasks import sine_generator, symbol_classification


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def bench_analyses() -> list[dict]:
    results = []
    for name in ("ribeiro2020-chaotic-lstm", "ribeiro2020-smoothness"):
        experiment = get_experiment(name)
        with tempfile.TemporaryDirectory() as out:
            _, wall, cpu = timed(partial(reproduce, experiment, experiment.settings("quick"), out))
        results.append({"experiment": name, "profile": "quick", "wall_s": round(wall, 2), "cpu_s": round(cpu, 2)})
    return results


def study(name):
    """(experiment, task, orbit hook, d_in, d_out, quick settings) of a training study."""
    experiment = get_experiment(name)
    s = experiment.settings("quick")
    if name == "ribeiro2020-sine-orbits":
        task = sine_generator(s.n_sequences, s.T, s.batch_size)
        inputs, d_in, d_out = probe_inputs(s.orbit_inputs), 1, 1
    else:
        task = symbol_classification(s.train_data_seed, s.n_train, s.T, s.batch_size)
        inputs, d_in, d_out = one_hot_inputs(), 6, 4
    orbit = OrbitDiagram(inputs, s.orbit_initial, s.orbit_steps, s.orbit_burn_in, seed=s.seed)
    return experiment, task, orbit, d_in, d_out, s


def bench_training(epochs: int) -> list[dict]:
    results = []
    for name in ("ribeiro2020-sine-orbits", "ribeiro2020-symbol-orbits"):
        experiment, task, orbit, d_in, d_out, s = study(name)
        total = 0.0
        timed_epochs = s.orbit_every * max(1, round(epochs / s.orbit_every))  # whole snapshots
        for unit in experiment.units(s):  # one per model
            model = unit["model"]
            row = {"experiment": name, "model": model, "d_hidden": s.d_hidden, "epochs_timed": timed_epochs}
            for label, hook in (("with_orbits", orbit), ("without_orbits", None)):
                c = {**unit, "epochs": timed_epochs}
                run = partial(train_with_orbits, task, c, hook, d_in, d_out, lambda f: None)
                _, first_wall, _ = timed(run)  # compiles
                _, wall, cpu = timed(run)
                row[f"s_per_epoch_{label}"] = round(wall / timed_epochs, 4)
                row[f"cpu_s_per_epoch_{label}"] = round(cpu / timed_epochs, 4)
                row[f"compile_s_{label}"] = round(first_wall - wall, 2)
            projected = row["compile_s_with_orbits"] + s.epochs * row["s_per_epoch_with_orbits"]
            row["projected_quick_s"] = round(projected, 1)
            total += projected
            results.append(row)
        results.append({"experiment": name, "projected_quick_total_s": round(total, 1), "quick_epochs": s.epochs})
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", default=["analyses", "training"], choices=["analyses", "training"])
    parser.add_argument("--epochs", type=int, default=20, help="epochs timed per training run")
    args = parser.parse_args()
    out = {"date": time.strftime("%Y-%m-%d"), "note": "wall times include whatever else runs on the machine"}
    if "analyses" in args.parts:
        out["analyses"] = bench_analyses()
    if "training" in args.parts:
        out["training"] = bench_training(args.epochs)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
