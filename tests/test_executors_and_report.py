"""Executors (in-process, process pool, Ray), the HTML report, and the page in Chromium."""

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from curse_of_memory.errors import ConfigError
from curse_of_memory.experiments import get_experiment
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
    assert page.count("&#10003; pass") + page.count("&#10007; FAIL") == len(claims)
    assert "quick" in page and "JAX" in page and "<script" not in page and 'src="http' not in page
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
