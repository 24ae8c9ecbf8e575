"""The store that loses nothing, the resumable runner, and the command line."""

import contextlib
import importlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from curse_of_memory import cli
from curse_of_memory.experiments import registry
from curse_of_memory.harness.claims import close
from curse_of_memory.harness.experiment import Experiment
from curse_of_memory.harness.settings import Settings, setting
from curse_of_memory.runner.store import (
    RunStore,
    atomic_write,
    code_hash,
    read_rows,
    source_closure,
    unit_key,
    write_rows,
)
from curse_of_memory.runner.sweep import RunFailed, reproduce, run_units

CLI = [sys.executable, "-m", "curse_of_memory"]
TINY_FIG1 = [
    "--set",
    "grid_points=40",
    "--set",
    "mc_sequences=8",
    "--set",
    "mc_constant_sequences=64",
    "--set",
    "mc_burn_in=50",
    "--set",
    "mc_window=200",
    "--set",
    "mc_rhos=[0.0,1.0]",
]


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    def broken(tmp):
        tmp.write_text("half")
        raise RuntimeError("killed mid-write")

    with pytest.raises(RuntimeError):
        atomic_write(tmp_path / "out.txt", broken)
    assert list(tmp_path.iterdir()) == []


def test_rows_of_different_kinds_round_trip(tmp_path):
    rows = [{"kind": "a", "x": 1.0}, {"kind": "b", "curve": [1.0, 2.0], "flag": True}]
    write_rows(tmp_path / "t.parquet", rows)
    back = read_rows(tmp_path / "t.parquet")
    assert back == [
        {"kind": "a", "x": 1.0, "curve": None, "flag": None},
        {"kind": "b", "x": None, "curve": [1.0, 2.0], "flag": True},
    ]


def test_unit_key_depends_on_config_and_code():
    a = unit_key({"nu0": 0.9, "seeds": [1, 2]}, "code1")
    assert a == unit_key({"seeds": [1, 2], "nu0": 0.9}, "code1")
    assert a != unit_key({"nu0": 0.99, "seeds": [1, 2]}, "code1")
    assert a != unit_key({"nu0": 0.9, "seeds": [1, 2]}, "code2")


EDITABLE_EXPERIMENT = """
from dataclasses import dataclass, replace

from curse_of_memory.harness.claims import info
from curse_of_memory.harness.experiment import Experiment
from curse_of_memory.harness.settings import Settings, setting

FACTOR = {factor}


@dataclass(frozen=True, kw_only=True)
class Few(Settings):
    n: int = setting(2, "units", low=1)


def run_unit(config, progress):
    return [{{"i": config["i"], "value": FACTOR * config["i"]}}]


EXPERIMENT = Experiment(
    id="test-editable",
    paper="-",
    figure_label="-",
    description="an experiment whose code the test edits",
    profiles={{"quick": Few(), "full": Few()}},
    minutes={{"quick": 0, "full": 0}},
    units=lambda s: [{{"i": i}} for i in range(1, s.n + 1)],
    run_unit=run_unit,
    claims=lambda rows, s: [info("sum", sum(r["value"] for r in rows))],
    figure=lambda rows, s, path: path.write_bytes(b"png"),
)
"""


def test_edited_experiment_code_is_computed_again(tmp_path, monkeypatch):
    """The issue's stale-code case: an experiment module (in a package of its own) is run,
    edited, and run again into the same folder: the units run again with the new code."""
    package = tmp_path / "pkg" / "edited_experiments"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    module_file = package / "editable.py"
    module_file.write_text(EDITABLE_EXPERIMENT.format(factor=1))
    monkeypatch.syspath_prepend(str(tmp_path / "pkg"))
    module = importlib.import_module("edited_experiments.editable")
    try:
        exp = module.EXPERIMENT
        first = reproduce(exp, exp.settings("quick"), tmp_path / "out")
        again = reproduce(exp, exp.settings("quick"), tmp_path / "out")
        assert (first.computed, again.reused, again.computed) == (2, 2, 0)
        module_file.write_text(EDITABLE_EXPERIMENT.format(factor=2))
        module = importlib.reload(module)
        exp = module.EXPERIMENT
        edited = reproduce(exp, exp.settings("quick"), tmp_path / "out")
        assert (edited.reused, edited.computed) == (0, 2)
        assert [c.value for c in edited.claims] == [6.0] and [c.value for c in first.claims] == [3.0]
        meta = json.loads((tmp_path / "out" / "test-editable" / "meta.json").read_text())
        assert meta["code"]["hash"] == code_hash(exp.run_unit) != code_hash()
        assert "git" in meta["code"]
    finally:
        for name in ("edited_experiments.editable", "edited_experiments"):
            sys.modules.pop(name, None)


@dataclass(frozen=True, kw_only=True)
class Counting(Settings):
    n: int = setting(3, "units", low=1)


def _counting_experiment(calls):
    def run_unit(config, progress):
        calls.append(config["i"])
        progress(0.5)
        return [{"i": config["i"], "value": float(config["i"]) ** 2}]

    return Experiment(
        id="test-counting",
        paper="-",
        figure_label="-",
        description="counts its units",
        profiles={"quick": Counting(), "full": Counting()},
        minutes={"quick": 0, "full": 0},
        units=lambda s: [{"i": i} for i in range(s.n)],
        run_unit=run_unit,
        claims=lambda rows, s: [close("sum of squares", sum(r["value"] for r in rows), 5, 1e-12, source="arithmetic")],
        figure=lambda rows, s, path: Path(path).write_bytes(b"png"),
    )


def test_finished_units_are_reused(tmp_path):
    calls = []
    exp = _counting_experiment(calls)
    settings = exp.settings("quick")
    reported = []
    first = reproduce(exp, settings, tmp_path, progress=lambda *report: reported.append(report))
    assert calls == [0, 1, 2] and first.claims[0].passed and reported[-1][:2] == (3, 3)
    assert (first.reused, first.computed) == (0, 3)
    store = RunStore(tmp_path / "runs" / "test-counting")
    store.path(unit_key({"i": 1}, code_hash(exp.run_unit))).unlink()
    units = run_units(exp, settings, store)
    assert calls == [0, 1, 2, 1], "only the missing unit runs again"
    assert sorted(r["i"] for r in units.rows) == [0, 1, 2] and (units.reused, units.computed) == (2, 1)
    out = tmp_path / "test-counting"
    assert {p.name for p in out.iterdir()} == {
        "results.parquet",
        "claims.json",
        "figure.png",
        "summary.md",
        "meta.json",
    }
    assert json.loads((out / "claims.json").read_text())[0]["status"] == "pass"


def test_progress_names_the_unit_running(tmp_path):
    exp = _counting_experiment([])
    reported = []
    reproduce(exp, exp.settings("quick"), tmp_path, progress=lambda *report: reported.append(report))
    assert (0.5, 3, "i=0") in reported and (2.5, 3, "i=2") in reported


def test_outputs_get_the_users_umask(tmp_path):
    old = os.umask(0o022)
    try:
        reproduce(_counting_experiment([]), _counting_experiment([]).settings("quick"), tmp_path)
    finally:
        os.umask(old)
    out = tmp_path / "test-counting"
    assert {p.name: p.stat().st_mode & 0o777 for p in out.iterdir()} == dict.fromkeys(
        ["results.parquet", "claims.json", "figure.png", "summary.md", "meta.json"], 0o644
    )
    assert out.stat().st_mode & 0o777 == 0o755
    assert {p.stat().st_mode & 0o777 for p in (tmp_path / "runs" / "test-counting").glob("*.parquet")} == {0o644}


def test_summary_and_meta_label_a_reduced_run(tmp_path):
    exp = _counting_experiment([])
    reproduce(exp, exp.settings("quick", overrides={"n": 2}), tmp_path)
    again = reproduce(exp, exp.settings("quick", overrides={"n": 2}), tmp_path)
    folder = tmp_path / "test-counting"
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["overrides"] == {"n": 2} and meta["reduced"] is True
    assert (meta["units_reused"], meta["units_computed"]) == (2, 0) == (again.reused, again.computed)
    assert meta["wall_seconds"] == pytest.approx(again.wall_seconds) and meta["seconds"] >= 0
    summary = (folder / "summary.md").read_text()
    assert "quick (seed 0), reduced by --set n=2" in summary
    assert "wall time of this run (2 units reused, 0 computed)" in summary and "compute time of its units" in summary
    assert f"code {meta['code']['hash']}" in summary and "| n | `2` (--set) |" in summary
    plain = reproduce(exp, exp.settings("quick"), tmp_path)
    assert plain.computed == 1 and json.loads((folder / "meta.json").read_text())["reduced"] is False
    assert "reduced" not in (folder / "summary.md").read_text()


def _failing(exp, stage):
    """`exp` with its run_unit, claims or figure raising."""

    def boom(*args):
        raise ZeroDivisionError("boom")

    return replace(exp, **{stage: boom})


@pytest.mark.parametrize("stage", ["run_unit", "claims"])
def test_a_failed_computation_leaves_the_previous_set_whole(tmp_path, stage):
    exp = _counting_experiment([])
    reproduce(exp, exp.settings("quick"), tmp_path)
    folder = tmp_path / "test-counting"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with pytest.raises(RunFailed, match="test-counting failed: ZeroDivisionError: boom"):
        reproduce(_failing(exp, stage), exp.settings("quick", overrides={"n": 4}), tmp_path)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no staging folder is left"
    assert "ZeroDivisionError" in (tmp_path / "runs" / "test-counting" / "traceback.txt").read_text()


def test_a_figure_that_cannot_be_drawn_is_replaced_by_one_that_says_so(tmp_path):
    exp = _failing(_counting_experiment([]), "figure")
    outcome = reproduce(exp, exp.settings("quick"), tmp_path)
    folder = tmp_path / "test-counting"
    assert outcome.figure_error == "ZeroDivisionError: boom" and outcome.claims[0].passed
    assert (folder / "figure.png").read_bytes()[:4] == b"\x89PNG" and (folder / "figure.svg").is_file()
    assert json.loads((folder / "meta.json").read_text())["figure_error"] == "ZeroDivisionError: boom"
    assert "could not be drawn (ZeroDivisionError: boom)" in (folder / "summary.md").read_text()


def test_an_unreadable_unit_file_is_moved_aside_and_computed_again(tmp_path, caplog):
    calls = []
    exp = _counting_experiment(calls)
    reproduce(exp, exp.settings("quick"), tmp_path)
    store = RunStore(tmp_path / "runs" / "test-counting")
    damaged = store.path(unit_key({"i": 2}, code_hash(exp.run_unit)))
    damaged.write_bytes(damaged.read_bytes()[:40])  # cut short, as by a full disk
    with caplog.at_level(logging.WARNING, logger="curse_of_memory"):
        again = reproduce(exp, exp.settings("quick"), tmp_path)
    assert calls == [0, 1, 2, 2] and (again.reused, again.computed) == (2, 1) and again.claims[0].passed
    assert Path(str(damaged) + ".corrupt").is_file() and read_rows(damaged)
    (warning,) = [r.getMessage() for r in caplog.records]
    assert "unreadable unit file moved to" in warning and damaged.name in warning


def test_a_second_run_of_the_same_id_waits_then_reuses_the_units(tmp_path):
    calls, started, release, waiting = [], threading.Event(), threading.Event(), threading.Event()
    exp = _counting_experiment(calls)

    def run_unit(config, progress):
        started.set()
        release.wait(30)
        return exp.run_unit(config, progress)

    slow = replace(exp, run_unit=run_unit)

    class Flag(logging.Handler):
        def emit(self, record):
            if "waiting for it" in record.getMessage():
                waiting.set()

    flag = Flag()
    logging.getLogger("curse_of_memory").addHandler(flag)
    outcomes = {}
    try:
        first = threading.Thread(target=lambda: outcomes.update(first=reproduce(slow, exp.settings("quick"), tmp_path)))
        first.start()
        assert started.wait(30), "the first run holds the lock and computes"
        second = threading.Thread(
            target=lambda: outcomes.update(second=reproduce(exp, exp.settings("quick"), tmp_path))
        )
        second.start()
        assert waiting.wait(30), "the second run waits for the lock"
        release.set()
        first.join(30)
        second.join(30)
    finally:
        release.set()
        logging.getLogger("curse_of_memory").removeHandler(flag)
    assert calls == [0, 1, 2]
    assert (outcomes["first"].computed, outcomes["second"].reused, outcomes["second"].computed) == (3, 3, 0)


def run_cli(*args, **kwargs):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, **kwargs)


def test_list_shows_every_experiment():
    out = run_cli("list", "--json")
    assert out.returncode == 0
    listed = json.loads(out.stdout)
    assert [e["id"] for e in listed] == list(registry())
    assert {"zucchet2024-fig1", "zucchet2024-fig2", "zucchet2024-fig3"} <= set(registry())
    assert all(set(e["minutes"]) == {"quick", "full"} for e in listed)


@pytest.mark.parametrize(
    "args, words",
    [
        (["reproduce", "nope-fig0"], ["unknown experiment id", "zucchet2024-fig1"]),
        (["reproduce", "zucchet2024-fig3", "--set", "nu0s=[0.5,1.0]"], ["nu0s", "[0, 1)"]),
        (["reproduce", "zucchet2024-fig3", "--set", "steps=0"], ["steps", "positive"]),
        (["reproduce", "zucchet2024-fig3", "--set", "T=-5"], ["T", "positive"]),
        (
            ["reproduce", "zucchet2024-fig3", "--set", 'learning_rates={"lru":[0.1,0],"rnn":[1e-3]}'],
            ["learning_rates", "positive"],
        ),
        (["reproduce", "zucchet2024-fig1", "--set", "colour=red"], ["no setting 'colour'"]),
        (["reproduce", "zucchet2024-fig1", "--as-published"], ["no as-published"]),
        (["reproduce", "zucchet2024-fig12", "--set", "chunk=[64,128]"], ["chunk", "integer"]),
        (["reproduce", "zucchet2024-fig8", "--set", "nu_points=[10,20]"], ["nu_points", "integer"]),
        (["reproduce", "li2022-approximation", "--set", "Ts=100"], ["Ts", "list"]),
        (["reproduce", "zucchet2024-fig8", "--set", 'lambda0_angle="abc"'], ["lambda0_angle", "'abc'"]),
        (["reproduce", "zucchet2024-fig8", "--set", "lambda0_angle=NaN"], ["lambda0_angle", "finite"]),
        (["reproduce", "li2022-approximation", "--set", "omegas=[Infinity]"], ["omegas", "finite"]),
        (["show", "nope-fig0"], ["unknown experiment id"]),
        (["show", "zucchet2024-fig1", "--set", "grid_points=1.5"], ["grid_points", "integer"]),
        (["bench", "--steps", "0"], ["--steps"]),
        (["bench", "--models", "gru"], ["unknown bench model"]),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, args, words):
    out = run_cli(*args, "--out", str(tmp_path / "res")) if args[0] == "reproduce" else run_cli(*args, cwd=tmp_path)
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    for word in words:
        assert word in lines[0]
    assert not (tmp_path / "res").exists()


def test_show_prints_each_setting_with_its_type_and_meaning():
    out = run_cli("show", "zucchet2024-fig1", "--profile", "full", "--set", "grid_points=40")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("zucchet2024-fig1: ") and "--set" in lines[1]
    assert lines[2].split() == ["name", "type", "value", "allowed", "meaning"]
    (grid,) = [line for line in lines if line.startswith("grid_points ")]
    assert grid.split()[:3] == ["grid_points", "int", "40"] and "points of the lambda grid" in grid
    assert any(line.split()[:3] == ["profile", "str", '"full"'] for line in lines)


def test_list_prints_a_plain_table_into_a_pipe():
    out = run_cli("list")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split()[:4] == ["id", "source", "quick", "full"]
    assert [line.split()[0] for line in lines[1:]] == list(registry())
    assert not set(out.stdout) & set("─│┃┏━")


def _main_with(monkeypatch, experiments, *args):
    """cli.main in this process, with `experiments` as the registry."""
    by_id = {e.id: e for e in experiments}
    monkeypatch.setattr(cli, "registry", lambda: by_id)
    monkeypatch.setattr(cli, "get_experiment", by_id.__getitem__)
    return cli.main(list(args))


def test_exit_statuses_of_reproduce(tmp_path, monkeypatch, capsys):
    good = _counting_experiment([])
    assert _main_with(monkeypatch, [good], "reproduce", "test-counting", "--quiet", "--out", str(tmp_path)) == 0
    out = capsys.readouterr().out
    assert "0 units reused, 3 computed" in out and "1 of 1 checked claims pass" in out
    strict = ["reproduce", "test-counting", "--quiet", "--strict", "--set", "n=2", "--out", str(tmp_path)]
    assert _main_with(monkeypatch, [good], *strict) == 3, "a checked claim fails (sum of squares 1, not 5)"
    assert "reduced by --set n=2" in capsys.readouterr().out
    broken = _failing(good, "claims")
    summary = (tmp_path / "test-counting" / "summary.md").read_text()
    assert _main_with(monkeypatch, [broken], "reproduce", "test-counting", "--quiet", "--out", str(tmp_path)) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: test-counting failed: ZeroDivisionError: boom")
    assert "previous outputs are kept" in err[0] and (tmp_path / "test-counting" / "summary.md").read_text() == summary


def test_unwritable_output_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    out = run_cli("reproduce", "zucchet2024-fig1", "--out", str(blocker / "sub"))
    assert out.returncode == 2 and "not writable" in out.stderr and str(blocker) in out.stderr


def test_reproduce_writes_outputs_and_verdicts(tmp_path):
    out = run_cli("reproduce", "zucchet2024-fig1", "--quiet", "--out", str(tmp_path), *TINY_FIG1)
    assert out.returncode == 0, out.stderr
    folder = tmp_path / "zucchet2024-fig1"
    claims = json.loads((folder / "claims.json").read_text())
    assert len(claims) >= 10 and {c["status"] for c in claims} <= {"pass", "fail", "info"}
    assert out.stdout.count("PASS") + out.stdout.count("FAIL") + out.stdout.count("INFO") == len(claims)
    assert (folder / "figure.png").read_bytes()[:4] == b"\x89PNG" and (folder / "figure.svg").is_file()
    assert "units reused" in out.stdout and "reduced by --set grid_points=40" in out.stdout
    assert "| claim | expected | measured | verdict | source |" in (folder / "summary.md").read_text()
    assert len(read_rows(folder / "results.parquet")) > 100


def test_killed_run_resumes_without_redoing_or_corrupting(tmp_path):
    """SIGKILL a reproduce run after its first finished unit; the restart reuses it."""
    slow = ["--set", "mc_window=40000", "--set", "mc_sequences=64", "--set", "mc_rhos=[0.0,0.9,0.99]"]
    args = [*CLI, "reproduce", "zucchet2024-fig1", "--quiet", "--out", str(tmp_path), *TINY_FIG1, *slow]
    runs = tmp_path / "runs" / "zucchet2024-fig1"
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while time.time() < deadline and not (runs.exists() and list(runs.glob("*.parquet"))):
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = {p.name: p.stat().st_mtime_ns for p in runs.glob("*.parquet")}
    assert 1 <= len(finished) < 4, "the kill should land between units"
    assert not (tmp_path / "zucchet2024-fig1" / "results.parquet").exists()
    for p in runs.glob("*.parquet"):  # no partial files under final names (the lock file aside)
        assert read_rows(p) is not None
    out = subprocess.run(args, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    after = {p.name: p.stat().st_mtime_ns for p in runs.glob("*.parquet")}
    assert len(after) == 4 and all(after[name] == t for name, t in finished.items())
    assert not [p for p in runs.iterdir() if p.name.startswith(".")], "temporary files are cleaned up or replaced"


def _children(pid):
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def _running(pid):
    """Whether `pid` still runs (an exited child nobody has reaped yet is a zombie, "Z")."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] not in "ZX"
    except FileNotFoundError:
        return False


needs_process_tree = pytest.mark.skipif(
    not Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists(), reason="reads the process tree from /proc"
)


@contextlib.contextmanager
def _pool_of_long_units(out: Path) -> Iterator[tuple[subprocess.Popen, list[int]]]:
    """A `--workers 2` run of units that would take hours, once its two workers and the
    resource tracker are up and the workers have begun: yield the run and those children, and
    kill whatever of them is left afterwards."""
    long_units = ["--set", "epochs=100000", "--set", 'models=["lstm","slstm"]', "--set", "orbit_every=100000"]
    small = ["--set", "n_train=100", "--set", "n_validation=100", "--set", "d_hidden=8", "--set", "T=60"]
    args = [*CLI, "reproduce", "ribeiro2020-symbol-orbits", "--quiet", "--workers", "2", "--out", str(out)]
    proc = subprocess.Popen([*args, *long_units, *small], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    children = []
    try:
        deadline = time.time() + 120
        while time.time() < deadline and len(children) < 3:
            children = _children(proc.pid)
            time.sleep(0.1)
        assert len(children) >= 3, "the pool's workers did not start"
        time.sleep(5)  # the workers import JAX and begin their units
        yield proc, children
    finally:
        proc.kill()
        for pid in filter(_running, children):
            os.kill(pid, signal.SIGKILL)


def _assert_all_end(children: list[int], within: float) -> None:
    deadline = time.time() + within
    while time.time() < deadline and any(map(_running, children)):
        time.sleep(0.1)
    assert not [pid for pid in children if _running(pid)], "a worker outlived the run"


@needs_process_tree
def test_sigterm_stops_the_pool_workers_and_exits_as_interrupted(tmp_path):
    """`kill` of a `--workers 2` run (a scheduler's stop) ends its workers too, instead of
    leaving them computing as orphans; the run exits 130 like Ctrl-C."""
    with _pool_of_long_units(tmp_path) as (proc, children):
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 130 and "interrupted" in err, err
        _assert_all_end(children, within=10)


@needs_process_tree
def test_sigkill_of_the_run_ends_its_pool_workers(tmp_path):
    """SIGKILL cannot be caught to stop the pool: the workers notice they are orphans and end,
    rather than train on and write into the unit's folder beside the next run."""
    with _pool_of_long_units(tmp_path) as (proc, children):
        proc.kill()
        proc.communicate(timeout=60)
        _assert_all_end(children, within=15)


def test_bench_json_format():
    out = run_cli("bench", "--json", "--steps", "2", "--models", "lru", "--methods", "convolution")
    assert out.returncode == 0, out.stderr
    (result,) = json.loads(out.stdout)
    assert result.keys() == {"model", "method", "batch", "T", "hidden", "ms_per_step"}
    assert (result["model"], result["batch"], result["T"], result["hidden"]) == ("lru", 128, 300, 64)
    assert result["ms_per_step"] > 0
    assert "noisy" in out.stderr and "ms/step" in out.stderr, "a warning and a progress line per result, on stderr"


def test_code_hash_follows_imports_not_the_whole_package(tmp_path, monkeypatch):
    package = tmp_path / "hashpkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "unit.py").write_text("from .helper import twice\n\ndef run(x):\n    return twice(x)\n")
    (package / "helper.py").write_text("def twice(x):\n    return 2 * x\n")
    (package / "other.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        run = importlib.import_module("hashpkg.unit").run
        names = {p.name for p in source_closure("hashpkg.unit")}
        assert {"unit.py", "helper.py", "__init__.py"} <= names and "other.py" not in names
        first = code_hash(run)
        (package / "other.py").write_text("VALUE = 2\n")
        assert code_hash(run) == first
        (package / "helper.py").write_text("def twice(x):\n    return x + x\n")
        assert code_hash(run) != first
    finally:
        for name in ("hashpkg.unit", "hashpkg.helper", "hashpkg"):
            sys.modules.pop(name, None)
