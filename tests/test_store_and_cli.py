"""The store that loses nothing, the resumable runner, and the command line."""

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from curse_of_memory import __version__
from curse_of_memory.experiments import registry
from curse_of_memory.harness.experiment import Claim, Experiment
from curse_of_memory.harness.settings import Settings, setting
from curse_of_memory.runner.store import RunStore, atomic_write, read_rows, unit_key, write_rows
from curse_of_memory.runner.sweep import reproduce, run_units

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


def test_unit_key_depends_on_config_and_version(monkeypatch):
    a = unit_key({"nu0": 0.9, "seeds": [1, 2]})
    assert a == unit_key({"seeds": [1, 2], "nu0": 0.9})
    assert a != unit_key({"nu0": 0.99, "seeds": [1, 2]})
    monkeypatch.setattr("curse_of_memory.runner.store.__version__", __version__ + ".dev")
    assert a != unit_key({"nu0": 0.9, "seeds": [1, 2]})


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
        claims=lambda rows, s: [
            Claim("sum of squares", "5", str(sum(r["value"] for r in rows)), sum(r["value"] for r in rows) == 5)
        ],
        figure=lambda rows, s, path: Path(path).write_bytes(b"png"),
    )


def test_finished_units_are_reused(tmp_path):
    calls = []
    exp = _counting_experiment(calls)
    settings = exp.settings("quick")
    reported = []
    first = reproduce(exp, settings, tmp_path, progress=lambda done, total: reported.append(done))
    assert calls == [0, 1, 2] and first.claims[0].passed and reported[-1] == 3
    store = RunStore(tmp_path / "test-counting" / "runs")
    store.path(unit_key({"i": 1})).unlink()
    rows, _ = run_units(exp, settings, store)
    assert calls == [0, 1, 2, 1], "only the missing unit runs again"
    assert sorted(r["i"] for r in rows) == [0, 1, 2]
    out = tmp_path / "test-counting"
    assert {p.name for p in out.iterdir()} >= {
        "results.parquet",
        "claims.json",
        "figure.png",
        "summary.md",
        "meta.json",
        "runs",
    }
    assert json.loads((out / "claims.json").read_text())[0].keys() == {"claim", "expected", "measured", "passed"}


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
        (["bench", "--steps", "0"], ["--steps"]),
        (["bench", "--models", "gru"], ["unknown bench model"]),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, args, words):
    out = run_cli(*args, "--out", str(tmp_path / "res")) if args[0] == "reproduce" else run_cli(*args)
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    for word in words:
        assert word in lines[0]
    assert not (tmp_path / "res").exists()


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
    assert len(claims) >= 10 and all(isinstance(c["passed"], bool) for c in claims)
    assert out.stdout.count("PASS") + out.stdout.count("FAIL") == len(claims)
    assert (folder / "figure.png").read_bytes()[:4] == b"\x89PNG"
    assert "| claim | expected | measured | verdict |" in (folder / "summary.md").read_text()
    assert len(read_rows(folder / "results.parquet")) > 100


def test_killed_run_resumes_without_redoing_or_corrupting(tmp_path):
    """SIGKILL a reproduce run after its first finished unit; the restart reuses it."""
    slow = ["--set", "mc_window=40000", "--set", "mc_sequences=64", "--set", "mc_rhos=[0.0,0.9,0.99]"]
    args = [*CLI, "reproduce", "zucchet2024-fig1", "--quiet", "--out", str(tmp_path), *TINY_FIG1, *slow]
    runs = tmp_path / "zucchet2024-fig1" / "runs"
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while time.time() < deadline and not (runs.exists() and list(runs.glob("*.parquet"))):
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = {p.name: p.stat().st_mtime_ns for p in runs.glob("*.parquet")}
    assert 1 <= len(finished) < 4, "the kill should land between units"
    assert not (tmp_path / "zucchet2024-fig1" / "results.parquet").exists()
    for p in runs.iterdir():  # no partial files under final names
        assert p.name.startswith(".") or read_rows(p) is not None
    out = subprocess.run(args, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    after = {p.name: p.stat().st_mtime_ns for p in runs.glob("*.parquet")}
    assert len(after) == 4 and all(after[name] == t for name, t in finished.items())
    assert not [p for p in runs.iterdir() if p.name.startswith(".")], "temporary files are cleaned up or replaced"


def test_bench_json_format():
    out = run_cli("bench", "--json", "--steps", "2", "--models", "lru", "--methods", "convolution")
    assert out.returncode == 0, out.stderr
    (result,) = json.loads(out.stdout)
    assert result.keys() == {"model", "method", "batch", "T", "hidden", "ms_per_step"}
    assert (result["model"], result["batch"], result["T"], result["hidden"]) == ("lru", 128, 300, 64)
    assert result["ms_per_step"] > 0
