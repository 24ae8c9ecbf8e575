"""Executors (in-process, process pool, Ray), the HTML report, and the page in Chromium."""

import json
import logging
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass

import pytest

from curse_of_memory.errors import ConfigError
from curse_of_memory.experiments import get_experiment
from curse_of_memory.harness.claims import at_least, info
from curse_of_memory.harness.experiment import Experiment
from curse_of_memory.harness.plotting import new_figure, save
from curse_of_memory.harness.settings import Settings, setting
from curse_of_memory.runner.executors import Executor
from curse_of_memory.runner.report import write_report
from curse_of_memory.runner.store import read_rows
from curse_of_memory.runner.sweep import reproduce

FIG1 = get_experiment("zucchet2024-fig1")
TINY = {
    "grid_points": 40,
    "mc_sequences": 8,
    "mc_constant_sequences": 64,
    "mc_burn_in": 50,
    "mc_window": 200,
    "mc_rhos": [0.0, 1.0],
}


def values(folder):
    """Results without the bookkeeping column, in a canonical order."""
    rows = [
        {k: v for k, v in r.items() if k != "unit"} for r in read_rows(folder / "zucchet2024-fig1" / "results.parquet")
    ]
    return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True, default=str))


@pytest.fixture(scope="module")
def in_process(tmp_path_factory):
    out = tmp_path_factory.mktemp("in_process")
    reproduce(FIG1, FIG1.settings("quick", overrides=TINY), out)
    return out


def test_process_pool_gives_the_same_results(in_process, tmp_path):
    reproduce(FIG1, FIG1.settings("quick", overrides=TINY), tmp_path, executor=Executor("local", workers=2))
    assert values(tmp_path) == values(in_process)


def test_ray_local_cluster_gives_the_same_results(in_process, tmp_path):
    pytest.importorskip("ray")
    executor = Executor("ray", workers=2)
    try:
        reproduce(FIG1, FIG1.settings("quick", overrides=TINY), tmp_path, executor=executor)
    finally:
        executor.stop()
    assert values(tmp_path) == values(in_process)


def test_unreachable_ray_address_fails_fast_naming_it(tmp_path):
    pytest.importorskip("ray")
    start = time.time()
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "curse_of_memory",
            "reproduce",
            "zucchet2024-fig1",
            "--executor",
            "ray",
            "--address",
            "127.0.0.1:9",
            "--out",
            str(tmp_path / "res"),
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2 and "127.0.0.1:9" in out.stderr.splitlines()[-1]
    assert time.time() - start < 60 and not (tmp_path / "res").exists()


@pytest.mark.parametrize(
    "bad",
    [
        Executor,
        lambda: Executor("slurm"),
        lambda: Executor("local", workers=0),
        lambda: Executor("local", address="h:1"),
    ],
)
def test_executor_settings_are_checked(bad):
    if bad is Executor:
        assert Executor().kind == "local"
        return
    with pytest.raises(ConfigError):
        bad()


def test_report_is_one_self_contained_page(in_process):
    page = write_report(in_process).read_text()
    claims = json.loads((in_process / "zucchet2024-fig1" / "claims.json").read_text())
    assert "zucchet2024-fig1" in page and "data:image/png;base64," in page
    assert page.count('<span class="pass">') + page.count('<span class="fail">') + page.count(
        '<span class="info">'
    ) == len(claims)
    assert "quick" in page and "JAX" in page and "<script" not in page and 'src="http' not in page
    assert "reduced by --set" in page and "wall time of this run" in page
    assert (in_process / "zucchet2024-fig1" / "figure.svg").is_file()
    for claim in claims[:3]:
        assert claim["expected"] in page


def test_report_of_an_empty_folder_says_so(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "curse_of_memory", "report", str(tmp_path)], capture_output=True, text=True
    )
    assert out.returncode == 2 and "no experiment results" in out.stderr


def chromium_path():
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def test_report_renders_in_headless_chromium(in_process):
    """The page loads without console errors and every figure has a non-zero size.

    Needs Chromium (Debian's `chromium`); CI installs it and sets
    CURSE_OF_MEMORY_REQUIRE_BROWSER=1 so that a missing browser fails instead of skipping."""
    browser = chromium_path()
    if browser is None:
        if os.environ.get("CURSE_OF_MEMORY_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required (CURSE_OF_MEMORY_REQUIRE_BROWSER) but not installed")
        pytest.skip("no Chromium on this machine")
    from playwright.sync_api import sync_playwright

    page_path = write_report(in_process)
    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
    ]
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=browser, args=args)
        try:
            page = chromium.new_page()
            errors = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            response = page.goto(page_path.as_uri(), wait_until="load")
            sizes = page.evaluate(
                "[...document.images].map(i => [i.naturalWidth, i.naturalHeight,"
                " i.getBoundingClientRect().width, i.getBoundingClientRect().height])"
            )
            title = page.title()
        finally:
            chromium.close()
    assert response is None or response.ok
    assert errors == []
    assert title.startswith("curse-of-memory")
    assert len(sizes) == 1 and all(min(s) > 0 for s in sizes)


@dataclass(frozen=True, kw_only=True)
class Curve(Settings):
    points: int = setting(5, "points of the curve", low=1)
    diverge: bool = setting(False, "make every value NaN, as diverged runs do")


def _curve(rows, s, path):
    fig, ax = new_figure(1, 1)
    ax[0, 0].plot([r["x"] for r in rows], [r["y"] for r in rows])
    ax[0, 0].set_yscale("log")
    save(fig, path)


CURVE = Experiment(
    id="test-curve",
    paper="-",
    figure_label="-",
    description="a curve that may diverge",
    profiles={"quick": Curve(), "full": Curve(points=9)},
    minutes={"quick": 0, "full": 0},
    units=lambda s: [{"x": x, "diverge": s.diverge} for x in range(1, s.points + 1)],
    run_unit=lambda c, progress: [{"x": c["x"], "y": float("nan") if c["diverge"] else 2.0 ** c["x"]}],
    claims=lambda rows, s: [
        at_least("largest value", max((r["y"] for r in rows), default=None), 4, source="arithmetic"),
        info("points", len(rows)),
    ],
    figure=_curve,
)


def test_report_skips_unreadable_folders_and_still_writes_the_page(tmp_path, caplog):
    reproduce(CURVE, CURVE.settings("quick", overrides={"points": 3}), tmp_path)
    for name, claims in [("cut-short", '[{"claim": "x", "sta'), ("old-schema", '[{"claim": "x", "passed": true}]')]:
        shutil.copytree(tmp_path / "test-curve", tmp_path / name)
        (tmp_path / name / "claims.json").write_text(claims)
    (tmp_path / "bad-meta").mkdir()
    (tmp_path / "bad-meta" / "meta.json").write_text("{")
    with caplog.at_level(logging.WARNING, logger="curse_of_memory"):
        page = write_report(tmp_path).read_text()
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 3 and all(w.startswith("report: skipped ") for w in warnings)
    assert {"cut-short", "old-schema", "bad-meta"} == {w.split()[2].rsplit("/", 1)[1].rstrip(",") for w in warnings}
    assert 'id="test-curve"' in page and "Skipped, because they cannot be read" in page
    assert "old-schema (TypeError" in page and 'id="old-schema"' not in page


def test_report_and_summary_show_settings_overrides_code_and_times(tmp_path):
    reproduce(CURVE, CURVE.settings("full", overrides={"points": 3}), tmp_path)
    page = write_report(tmp_path).read_text()
    meta = json.loads((tmp_path / "test-curve" / "meta.json").read_text())
    assert "full (seed 0), reduced by --set points=3" in page
    assert f"code {meta['code']['hash']}" in page and "0 units reused, 3 computed" in page
    assert "<td>points</td><td><code>3</code> (--set)</td>" in page and "<td>diverge</td>" in page


def test_a_figure_of_diverged_runs_is_drawn_and_says_so(tmp_path):
    outcome = reproduce(CURVE, CURVE.settings("quick", overrides={"diverge": True}), tmp_path)
    folder = tmp_path / "test-curve"
    assert [c.status for c in outcome.claims] == ["fail", "info"]
    assert (folder / "figure.png").stat().st_size > 1000 and (folder / "figure.svg").is_file()
    assert "NaN or infinite values" in (folder / "figure.svg").read_text()
    assert "report:" not in str(outcome.figure_error)
    write_report(tmp_path)
