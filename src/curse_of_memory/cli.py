"""The `curse-of-memory` command: list, reproduce, diagnose, report and bench.

Bad input (unknown ids, settings out of range, an unwritable folder) is reported in one line
naming the field and what is allowed, with exit status 2, before anything is written.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from curse_of_memory.errors import ConfigError
from curse_of_memory.experiments import get_experiment, registry
from curse_of_memory.harness.settings import PROFILES

console = Console()
error_console = Console(stderr=True)


def parse_override(text: str) -> tuple[str, object]:
    """KEY=VALUE, VALUE read as JSON when it parses (numbers, lists, booleans), else a string."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ConfigError(f"--set takes KEY=VALUE, got {text!r}")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def cmd_list(args) -> int:
    experiments = registry().values()
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": e.id,
                        "paper": e.paper,
                        "figure": e.figure_label,
                        "description": e.description,
                        "minutes": dict(e.minutes),
                    }
                    for e in experiments
                ],
                indent=2,
            )
        )
        return 0
    table = Table(show_lines=True)
    table.add_column("id", no_wrap=True)
    table.add_column("source")
    table.add_column("quick", no_wrap=True)
    table.add_column("full", no_wrap=True)
    table.add_column("what it shows", ratio=1)
    for e in experiments:
        table.add_row(
            e.id,
            f"{e.paper}, {e.figure_label}",
            f"~{e.minutes['quick']:g} min",
            f"~{e.minutes['full']:g} min",
            e.description,
        )
    console.print(table)
    return 0


def run_and_report(plans, out: Path, executor, quiet: bool) -> None:
    """Run (experiment, settings) pairs into `out` with a progress bar, print one verdict
    line per claim, and write out/index.html."""
    from curse_of_memory.runner.report import write_report
    from curse_of_memory.runner.sweep import check_writable, reproduce

    executor.start()
    check_writable(out)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("units"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    failed = 0
    with Progress(*columns, console=console, disable=quiet, transient=True) as progress, _stopping(executor):
        for exp, settings in plans:
            task = progress.add_task(exp.id, total=None)

            def update(done: float, total: int, task=task) -> None:
                progress.update(task, completed=done, total=total)

            outcome = reproduce(exp, settings, out, update, executor)
            progress.remove_task(task)
            passed = sum(c.passed for c in outcome.claims)
            failed += len(outcome.claims) - passed
            console.print(
                Text.assemble(
                    (exp.id, "bold"),
                    f" ({settings.profile}, {outcome.seconds:.0f} s): "
                    f"{passed}/{len(outcome.claims)} claims pass -> {outcome.out_dir}",
                ),
                soft_wrap=True,
            )
            for c in outcome.claims:
                mark = ("PASS", "green") if c.passed else ("FAIL", "red")
                line = Text.assemble("  ", mark, f" {c.claim}: measured {c.measured}, expected {c.expected}")
                console.print(line, soft_wrap=True, highlight=False)
    if failed:
        console.print(f"{failed} claim(s) did not hold; see the summaries.")
    console.print(f"report: {write_report(out)}", highlight=False, soft_wrap=True)


def cmd_reproduce(args) -> int:
    from curse_of_memory.runner.executors import Executor

    executor = Executor(args.executor, args.workers, args.address)
    overrides = dict(parse_override(text) for text in args.set)
    # Check everything before running anything, so bad input writes nothing.
    plans = [
        (exp, exp.settings(args.profile, seed=args.seed, overrides=overrides, as_published=args.as_published))
        for exp in map(get_experiment, args.ids or list(registry()))
    ]
    run_and_report(plans, Path(args.out), executor, args.quiet)
    return 0


def cmd_diagnose(args) -> int:
    from curse_of_memory.diagnose import diagnosis, load_factory
    from curse_of_memory.runner.executors import Executor

    factory, source_hash = load_factory(args.layer)
    name = args.layer.rpartition(":")[2]
    overrides = dict(parse_override(text) for text in args.set)
    overrides["width"] = args.width
    if args.checks:
        overrides["checks"] = [c.strip() for c in args.checks.split(",") if c.strip()]
    exp = diagnosis(factory, name, source_hash)
    settings = exp.settings(args.profile, seed=args.seed, overrides=overrides)
    run_and_report([(exp, settings)], Path(args.out), Executor(), args.quiet)
    return 0


@contextlib.contextmanager
def _stopping(executor):
    try:
        yield
    finally:
        executor.stop()


def cmd_report(args) -> int:
    from curse_of_memory.runner.report import write_report

    console.print(f"report: {write_report(Path(args.out_dir))}", highlight=False, soft_wrap=True)
    return 0


def cmd_bench(args) -> int:
    from curse_of_memory.bench import run_training_step_bench

    if args.steps < 1:
        raise ConfigError(f"--steps must be a positive integer, got {args.steps}")
    results = run_training_step_bench(
        steps=args.steps, models=args.models, methods=args.methods, log=None if args.json else console.print
    )
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="curse-of-memory", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="experiments: id, paper, figure, expected time per profile")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("reproduce", help="run experiments, check their claims, draw their figures")
    p.add_argument("ids", nargs="*", help="experiment ids (default: all; see `list`)")
    p.add_argument(
        "--profile", default="quick", choices=PROFILES, help="quick (minutes) or full (the paper's protocol)"
    )
    p.add_argument("--out", default="results", help="output folder (default: results)")
    p.add_argument("--seed", type=int, default=None, help="base seed (default: the experiment's own)")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a setting of the profile, e.g. --set steps=2000 --set 'nu0s=[0.5,0.99]'",
    )
    p.add_argument("--as-published", action="store_true", help="reproduce the original code's quirks where documented")
    p.add_argument("--quiet", action="store_true", help="no progress bar (for CI logs)")
    p.add_argument("--executor", default="local", help="local (this process, or a pool with --workers) or ray")
    p.add_argument("--workers", type=int, default=1, help="processes (local) or CPUs of a new local Ray cluster")
    p.add_argument("--address", default=None, help="Ray cluster address, e.g. HOST:6379 or ray://HOST:10001")
    p.set_defaults(func=cmd_reproduce)

    p = sub.add_parser("diagnose", help="run the diagnostics on your own recurrent layer")
    p.add_argument(
        "layer",
        metavar="MODULE:FACTORY",
        help="factory f(key, memory_scale) -> equinox.Module mapping (T, width) to (T, width); "
        "MODULE is a dotted name or a .py file",
    )
    p.add_argument("--checks", default=None, help="comma-separated subset of the checks (default: all)")
    p.add_argument("--width", type=int, default=16, help="the layer's input and output width")
    p.add_argument("--profile", default="quick", choices=PROFILES)
    p.add_argument("--out", default="diagnosis", help="output folder (default: diagnosis)")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a setting")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_diagnose)

    p = sub.add_parser("report", help="write OUT_DIR/index.html from the results in OUT_DIR")
    p.add_argument("out_dir", help="a folder written by `reproduce --out`")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("bench", help="time a training step per model and recurrence method")
    p.add_argument("--json", action="store_true", help="print a JSON list of results")
    p.add_argument("--steps", type=int, default=500, help="timed steps per measurement")
    p.add_argument("--models", nargs="*", default=None, help="subset of: lru diagonal dense")
    p.add_argument("--methods", nargs="*", default=None, help="subset of: convolution associative sequential")
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as error:
        error_console.print(f"error: {error}", highlight=False, markup=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        error_console.print("interrupted: finished units are kept and will be reused on the next run")
        return 130
    except BrokenPipeError:  # e.g. `curse-of-memory list | head`
        sys.stdout = open(os.devnull, "w")
        return 0


if __name__ == "__main__":
    sys.exit(main())
