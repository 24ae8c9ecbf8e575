"""Diagnosing a user's layer: the factory protocol, its errors, and a small diagnosis."""

import subprocess
import sys
from pathlib import Path

import pytest

from curse_of_memory.diagnose import CHECKS, check_layer, diagnosis, load_factory
from curse_of_memory.errors import ConfigError
from curse_of_memory.runner.store import read_rows
from curse_of_memory.runner.sweep import reproduce

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "custom_layer.py"
SMALL = {"memory_scales": [1.0, 10.0, 100.0], "T": 256, "batch": 2, "probes": 2}


def test_load_factory_from_a_file_and_a_module():
    factory, digest = load_factory(f"{EXAMPLE}:min_gru")
    assert callable(factory) and len(digest) == 16
    lru, _ = load_factory("curse_of_memory.models:lru")
    assert callable(lru)


@pytest.mark.parametrize(
    "spec, words",
    [
        ("no_colon_here", "MODULE:FACTORY"),
        ("missing/file.py:f", "no such file"),
        ("curse_of_memory.nothing_here:f", "cannot import"),
        (f"{EXAMPLE}:WIDTH", "no callable"),
    ],
)
def test_bad_factory_specs(spec, words):
    with pytest.raises(ConfigError, match=words):
        load_factory(spec)


def test_factories_that_break_the_protocol_name_what_was_expected():
    factory, _ = load_factory(f"{EXAMPLE}:min_gru")
    with pytest.raises(ConfigError, match=r"\(8, 7\).*\(T, width\)"):
        check_layer(factory, 7)
    with pytest.raises(ConfigError, match=r"equinox\.Module"):
        check_layer(lambda key, m: "not a module", 16)
    with pytest.raises(ConfigError, match=r"f\(key, memory_scale\)"):
        check_layer(load_factory("curse_of_memory.models:lru")[0], 16)
    import equinox as eqx

    class Shrinks(eqx.Module):
        def __call__(self, x):
            return x[:, :2]

    with pytest.raises(ConfigError, match=r"to \(8, 2\); expected \(8, 16\)"):
        check_layer(lambda key, m: Shrinks(), 16)


def test_small_diagnosis_of_the_example_layer(tmp_path):
    factory, digest = load_factory(f"{EXAMPLE}:min_gru")
    exp = diagnosis(factory, "min_gru", digest)
    outcome = reproduce(exp, exp.settings("quick", overrides=SMALL), tmp_path)
    rows = read_rows(tmp_path / "diagnose-min_gru" / "results.parquet")
    assert {r["check"] for r in rows} == set(CHECKS)
    groups = {r["group"] for r in rows if r["check"] == "sensitivity"}
    assert groups == {"W_z", "b_z", "W_h", "(hidden variance)"}
    assert {r["group"] for r in rows if r["check"] == "hessian"} == {f"eigenvalue {i}" for i in range(1, 5)}
    eigenvalues = [r["value"] for r in rows if r["check"] == "hessian"]
    assert all(v > 0 for v in eigenvalues), "the Gauss-Newton Hessian at the optimum is positive semi-definite"
    # minGRU's gates follow the memory scale: the memory function stretches with it and
    # nothing explodes (the gated recurrence is normalized, 1 - z + z = 1).
    assert all(c.passed for c in outcome.claims), [c for c in outcome.claims if not c.passed]


def test_diagnosis_flags_the_curse_and_a_layer_that_ignores_its_memory_scale(tmp_path):
    from curse_of_memory.models import complex_diagonal_rnn

    def unnormalized(key, memory_scale):  # the complex diagonal RNN of Fig. 5, |lambda| = 1 - 1/memory_scale
        nu = 1 - 1 / (1 + memory_scale)
        return complex_diagonal_rnn(key, 4, 4, 8, nu_min=nu, nu_max=nu, max_phase=0.0)

    def forgetful(key, memory_scale):
        return complex_diagonal_rnn(key, 4, 4, 8, nu_min=0.5, nu_max=0.5, max_phase=0.0)

    settings = {
        "memory_scales": [1.0, 1000.0],
        "T": 2048,
        "batch": 2,
        "probes": 2,
        "width": 4,
        "checks": ["sensitivity", "memory"],
    }
    cursed = reproduce(
        diagnosis(unnormalized, "cursed"),
        diagnosis(unnormalized, "cursed").settings("quick", overrides=settings),
        tmp_path,
    ).claims
    assert not next(c for c in cursed if "eigenvalue_params" in c.claim or "lambda" in c.claim).passed
    assert next(c for c in cursed if c.claim.startswith("memory")).passed
    exp = diagnosis(forgetful, "forgetful")
    ignored = reproduce(exp, exp.settings("quick", overrides=settings), tmp_path).claims
    assert not next(c for c in ignored if c.claim.startswith("memory")).passed


def test_diagnose_command_line_errors_exit_2(tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "curse_of_memory",
            "diagnose",
            f"{EXAMPLE}:min_gru",
            "--width",
            "5",
            "--out",
            str(tmp_path / "d"),
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2 and "(8, 5)" in out.stderr and "(T, width)" in out.stderr
    assert not (tmp_path / "d").exists()
