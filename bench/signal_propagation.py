"""Time Fig. 5's full grid (Zucchet & Orvieto 2024): 3 models (complex diagonal RNN, LRU, chrono
GRU) x 5 memory scales x 8 batches of 16 sequences of length 512, width 256, 4 layers, forward
and backward, through `diagnostics.signal_propagation`.

The full grid is 120 batches. By default a measured fraction is extrapolated: per model, one
memory scale with `--batches` batches (the first call compiles; the network is rebuilt per
scale but keeps its structure, so only the first scale of a model compiles), then
grid time = sum over models of (compile + 5 x 8 x seconds per batch). `--full` runs the whole
grid instead. Target (the issue): under 10 minutes on 2 cores.

    PYTHONPATH=src python bench/signal_propagation.py [--precision float32|float64] [--batches 2] [--full]

Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import time

from curse_of_memory.diagnostics import signal_propagation
from curse_of_memory.models import recurrent_layer
from curse_of_memory.tasks import SyntheticEmbeddings

MODELS = ("complex", "lru", "gru")
SCALES = [1.0, 10**0.5, 10.0, 10**1.5, 100.0]
BATCHES, BATCH_SIZE, T, WIDTH, D_MODEL, LAYERS = 8, 16, 512, 768, 256, 4


def timed(model: str, scales: list[float], n_batches: int, inputs, precision: str) -> list[float]:
    """Wall seconds from the start to the end of each batch (the first includes compilation)."""
    marks = []
    start = time.perf_counter()
    signal_propagation(
        lambda key, t: recurrent_layer(model, key, D_MODEL, t),
        scales,
        inputs,
        d_model=D_MODEL,
        n_layers=LAYERS,
        batch_size=BATCH_SIZE,
        n_sequences=n_batches * BATCH_SIZE,
        precision=precision,
        on_progress=lambda done, total: marks.append(time.perf_counter() - start),
    )
    return marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--precision", default="float32", choices=["float32", "float64"])
    parser.add_argument("--batches", type=int, default=2, help="batches measured per model (>= 2)")
    parser.add_argument("--full", action="store_true", help="run the whole grid instead of extrapolating")
    args = parser.parse_args()
    inputs = SyntheticEmbeddings(BATCHES * BATCH_SIZE, T, WIDTH)
    inputs = inputs[0 : BATCHES * BATCH_SIZE]  # generated once, outside the timings
    per_model = {}
    for model in MODELS:
        if args.full:
            marks = timed(model, SCALES, BATCHES, inputs, args.precision)
            per_model[model] = {"measured_seconds": marks[-1]}
            continue
        marks = timed(model, SCALES[-1:], max(2, args.batches), inputs, args.precision)
        per_batch = (marks[-1] - marks[0]) / (len(marks) - 1)
        compile_and_first = marks[0]
        per_model[model] = {
            "first_batch_seconds_with_compile": round(compile_and_first, 2),
            "seconds_per_batch": round(per_batch, 3),
            "extrapolated_grid_seconds": round(compile_and_first - per_batch + len(SCALES) * BATCHES * per_batch, 1),
        }
    key = "measured_seconds" if args.full else "extrapolated_grid_seconds"
    total = sum(v[key] for v in per_model.values())
    print(
        json.dumps(
            {
                "workload": f"{len(MODELS)} models x {len(SCALES)} memory scales x {BATCHES} batches of {BATCH_SIZE} x "
                f"T={T}, width {D_MODEL}, {LAYERS} layers, forward+backward",
                "precision": args.precision,
                "mode": "full grid measured"
                if args.full
                else f"{max(2, args.batches)} batches per model measured, extrapolated",
                "models": per_model,
                "grid_seconds": round(total, 1),
                "target_seconds": 600,
                "time": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
