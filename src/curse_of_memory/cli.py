"""The `curse-of-memory` command: list, show, reproduce, diagnose, report, gallery and bench.

Exit statuses: 0 done; 1 a computation failed (one line; its previous outputs are kept and the
traceback is saved under OUT/runs/<id>/); 2 bad input (unknown ids, settings of the wrong
type or out of range, an unwritable folder), reported in one line naming the field and what
is allowed, before anything is written; 3 with --strict, a checked claim failed; 130
interrupted by Ctrl-C or SIGTERM (finished units are kept).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from curse_of_memory.errors import ConfigError
from curse_of_memory.experiments import get_experiment, registry
from curse_of_memory.harness.claims import tally, tally_text, verdict
from curse_of_memory.harness.settings import PROFILES, describe

console = Console()
error_console = Console(stderr=True)


class _WarningLines(logging.Handler):
    """The library's warnings (a damaged file moved aside, a figure that could not be drawn,
    waiting for another run) as one "warning: ..." line each on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        print(f"warning: {record.getMessage()}", file=sys.stderr)  # sys.stderr as it is now (rich redirects it)


def print_table(columns: list[str], rows: list[list[str]], wrap: str) -> None:
    """A table: drawn by rich on a terminal, else plain aligned text (one line per row,
    the `wrap` column last and never cut), for pipes, files and grep."""
    if console.is_terminal:
        table = Table(show_lines=True)
        for name in columns:
            table.add_column(name, no_wrap=name != wrap, ratio=1 if name == wrap else None)
        for row in rows:
            table.add_row(*row)
        console.print(table)
        return
    order = [c for c in columns if c != wrap] + [wrap]
    lines = [order, *[[dict(zip(columns, row, strict=True))[c] for c in order] for row in rows]]
    widths = [max(len(line[i]) for line in lines) for i in range(len(order) - 1)]
    for line in lines:
        print("  ".join([*(cell.ljust(w) for cell, w in zip(line, widths, strict=False)), line[-1]]))


def parse_override(text: str) -> tuple[str, object]:
    """KEY=VALUE, VALUE read as JSON when it parses (numbers, lists, booleans), else a string."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ConfigError(f"--set takes KEY=VALUE, got {text!r}")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def expected_time(minutes: float) -> str:
    """An experiment's expected time as the README's table and `list` print it: "~6 min",
    or hours from 90 minutes on ("~2.5 h")."""
    return f"~{minutes:g} min" if minutes < 90 else f"~{minutes / 60:.2g} h"


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
    print_table(
        ["id", "source", "quick", "full", "what it shows"],
        [
            [
                e.id,
                f"{e.paper}, {e.figure_label}",
                expected_time(e.minutes["quick"]),
                expected_time(e.minutes["full"]),
                e.description,
            ]
            for e in experiments
        ],
        wrap="what it shows",
    )
    return 0


def cmd_show(args) -> int:
    exp = get_experiment(args.id)
    overrides = dict(parse_override(text) for text in args.set)
    settings = exp.settings(args.profile, seed=args.seed, overrides=overrides)
    print(f"{exp.id}: {exp.paper}, {exp.figure_label}. {exp.description}")
    duration = expected_time(exp.minutes[args.profile])
    print(f"Profile {args.profile} ({duration}). Change a setting with --set NAME=VALUE (JSON).")
    rows = describe(settings)
    print_table(
        ["name", "type", "value", "allowed", "meaning"],
        [[r["name"], r["type"], r["value"], r["allowed"], r["meaning"]] for r in rows],
        wrap="meaning",
    )
    return 0


def run_and_report(plans, out: Path, executor, quiet: bool, strict: bool = False) -> int:
    """Run (experiment, settings) pairs into `out` with a progress bar, print one verdict
    line per claim, and write out/index.html. Returns the exit status: 1 if a computation
    failed (the others still run), else 3 if `strict` and a checked claim failed, else 0."""
    from curse_of_memory.runner.report import write_report
    from curse_of_memory.runner.sweep import RunFailed, check_writable, profile_label, reproduce

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
        TextColumn("{task.fields[running]}"),
    )
    failed_claims, failed_runs = 0, 0
    with Progress(*columns, console=console, disable=quiet, transient=True) as progress, _stopping(executor):
        for exp, settings in plans:
            task = progress.add_task(exp.id, total=None, running="")

            def update(done: float, total: int, running: str, task=task) -> None:
                progress.update(task, completed=done, total=total, running=running)

            try:
                outcome = reproduce(exp, settings, out, update, executor)
            except RunFailed as error:
                progress.remove_task(task)
                error_console.print(
                    f"error: {error}; its previous outputs are kept; traceback in {error.traceback_path}",
                    highlight=False,
                    markup=False,
                    soft_wrap=True,
                )
                failed_runs += 1
                continue
            progress.remove_task(task)
            passed, checked, _ = tally(outcome.claims)
            failed_claims += checked - passed
            label = profile_label({"settings": settings.to_json(), "overrides": exp.overrides(settings)})
            console.print(
                Text.assemble(
                    (exp.id, "bold"),
                    f" ({label}; {outcome.wall_seconds:.0f} s, {outcome.reused} units reused, "
                    f"{outcome.computed} computed): ",
                    f"{tally_text(outcome.claims)} -> {outcome.out_dir}",
                ),
                soft_wrap=True,
                highlight=False,
            )
            for c in outcome.claims:
                mark = (verdict(c).upper(), {"pass": "green", "fail": "red", "info": "blue"}[c.status])
                line = Text.assemble("  ", mark, f" {c.claim}: measured {c.measured}, expected {c.expected}")
                console.print(line, soft_wrap=True, highlight=False)
    if failed_claims:
        console.print(f"{failed_claims} checked claim(s) did not hold; see the summaries.")
    try:
        console.print(f"report: {write_report(out)}", highlight=False, soft_wrap=True)
    except ConfigError:
        if not failed_runs:
            raise  # else: every run failed and the folder holds nothing to report
    if failed_runs:
        return 1
    return 3 if failed_claims and strict else 0


def cmd_reproduce(args) -> int:
    from curse_of_memory.runner.executors import Executor

    executor = Executor(args.executor, args.workers, args.address)
    overrides = dict(parse_override(text) for text in args.set)
    # Check everything before running anything, so bad input writes nothing.
    plans = [
        (exp, exp.settings(args.profile, seed=args.seed, overrides=overrides, as_published=args.as_published))
        for exp in map(get_experiment, args.ids or list(registry()))
    ]
    return run_and_report(plans, Path(args.out), executor, args.quiet, args.strict)


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
    return run_and_report([(exp, settings)], Path(args.out), Executor(), args.quiet, args.strict)


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


def cmd_gallery(args) -> int:
    from curse_of_memory.runner.gallery import update_gallery

    for line in update_gallery([Path(d) for d in args.results], Path(args.docs), registry(), Path(args.readme)):
        print(line)
    print(f"gallery: {Path(args.docs) / 'README.md'}")
    return 0


def cmd_bench(args) -> int:
    from curse_of_memory.bench import MIN_STEPS, run_training_step_bench

    if args.steps < 1:
        raise ConfigError(f"--steps must be a positive integer, got {args.steps}")
    if args.steps < MIN_STEPS:
        error_console.print(f"warning: --steps {args.steps} < {MIN_STEPS}: the timings will be noisy")
    # One progress line per result, on stderr when stdout carries the JSON.
    log = error_console.print if args.json else console.print
    results = run_training_step_bench(steps=args.steps, models=args.models, methods=args.methods, log=log)
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="curse-of-memory", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="experiments: id, paper, figure, expected time per profile")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help="the settings of an experiment: type, value, allowed values, meaning")
    p.add_argument("id", help="an experiment id (see `list`)")
    p.add_argument("--profile", default="quick", choices=PROFILES)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="show these overrides applied")
    p.set_defaults(func=cmd_show)

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
    p.add_argument("--strict", action="store_true", help="exit with status 3 when a checked claim fails (for CI)")
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
    p.add_argument("--strict", action="store_true", help="exit with status 3 when a checked claim fails")
    p.set_defaults(func=cmd_diagnose)

    p = sub.add_parser("report", help="write OUT_DIR/index.html from the results in OUT_DIR")
    p.add_argument("out_dir", help="a folder written by `reproduce --out`")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("gallery", help="publish finished runs into the results gallery and regenerate its table")
    p.add_argument("results", nargs="*", help="folders written by `reproduce --out` (later ones win)")
    p.add_argument("--docs", default="docs/results", help="the gallery folder (default: docs/results)")
    p.add_argument(
        "--readme", default="README.md", help="a file whose marked results table is regenerated (default: README.md)"
    )
    p.set_defaults(func=cmd_gallery)

    p = sub.add_parser("bench", help="time a training step per model and recurrence method")
    p.add_argument("--json", action="store_true", help="print a JSON list of results")
    p.add_argument(
        "--steps", type=int, default=200, help="timed steps per measurement (the scans: at most 10; default: 200)"
    )
    p.add_argument("--models", nargs="*", default=None, help="subset of: lru diagonal dense fig3-grid")
    p.add_argument("--methods", nargs="*", default=None, help="subset of: gram convolution associative sequential")
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    library_log = logging.getLogger("curse_of_memory")
    if not library_log.handlers:
        library_log.addHandler(_WarningLines())
    previous = signal.signal(signal.SIGTERM, _interrupt)
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
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum, frame) -> None:
    """SIGTERM (`kill`, a cluster's scheduler) takes Ctrl-C's way out: the pool's workers are
    stopped, the lock released, finished units kept."""
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
