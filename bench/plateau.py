"""Wall time of the li2022-plateau study (gradient flows of the reduced model), full or quick grid.

    PYTHONPATH=src python bench/plateau.py [--profile full]

Runs every unit of the profile in this process (as `reproduce` does, without writing files) and
prints JSON: total seconds, solver evaluations and seconds per flow.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import time

from curse_of_memory.experiments import get_experiment


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", default="full", choices=["quick", "full"])
    args = parser.parse_args()
    experiment = get_experiment("li2022-plateau")
    settings = experiment.settings(args.profile)
    start = time.perf_counter()
    rows = [row for unit in experiment.units(settings) for row in experiment.run_unit(unit, lambda f: None)]
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "date": datetime.date.today().isoformat(),
                "profile": args.profile,
                "flows": len(rows),
                "seconds": round(seconds, 1),
                "seconds_per_flow": round(seconds / len(rows), 2),
                "solver_evaluations": int(sum(r["evaluations"] for r in rows)),
                "load_average": os.getloadavg(),
                "note": "shared 2-core machine: timings are noisy",
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
