"""The li2022-* and wang2024-* experiments end to end at toy scale, and their claims on rows
that must fail."""

import numpy as np
import pytest

from curse_of_memory.errors import ConfigError
from curse_of_memory.experiments import get_experiment
from curse_of_memory.runner.store import read_rows
from curse_of_memory.runner.sweep import reproduce

APPROX, PLATEAU, FIG1, FIG4, MEMORY, PERTURB, STABLE = (
    get_experiment(i)
    for i in (
        "li2022-approximation",
        "li2022-plateau",
        "li2022-fig1",
        "li2022-fig4",
        "wang2024-memory-function",
        "wang2024-perturbation",
        "wang2024-stablessm",
    )
)


def _by_claim(claims, prefix):
    return [c for c in claims if c.claim.startswith(prefix)]


def test_approximation_end_to_end_and_claims_fail_without_a_curse(tmp_path):
    s = APPROX.settings(
        "quick",
        overrides={
            "Ts": [60],
            "free_fit_Ts": [60],
            "free_fit_iterations": 20,
            "widths": [2, 4, 8],
            "rate_units": 7,
            "omegas": [1.0, 0.1],
            "tolerances": [0.5],
        },
    )
    outcome = reproduce(APPROX, s, tmp_path)
    rows = read_rows(tmp_path / "li2022-approximation" / "results.parquet")
    assert len(rows) == 5 * 3 and all(r["free_error"] <= r["fixed_error"] for r in rows)
    assert _by_claim(outcome.claims, "E1.1")[0].passed

    # If polynomial memory were learned as fast as exponential memory, E1.1 and E1.3 fail.
    def fast(field):
        return [
            dict(r, **{field: select_error(rows, "0.9^t", r["width"])}) if r["target"] == "pol0.1" else r for r in rows
        ]

    claims = APPROX.claims(fast("fixed_error"), s)
    assert not _by_claim(claims, "E1.1")[0].passed
    assert not next(c for c in _by_claim(claims, "E1.3") if "(1+t)" in c.claim).passed
    # E1.3 is about the best approximation: free rates that learn it fast fail it too.
    claims = APPROX.claims(fast("free_error"), s)
    assert not next(c for c in _by_claim(claims, "E1.3") if "(1+t)" in c.claim).passed
    with pytest.raises(ConfigError, match="free_fit_Ts"):
        APPROX.settings("quick", overrides={"free_fit_Ts": [5]})


def select_error(rows, target, width):
    return next(r["fixed_error"] for r in rows if r["target"] == target and r["width"] == width)


def test_plateau_end_to_end_and_flat_hitting_times_fail(tmp_path):
    s = PLATEAU.settings("quick", overrides={"grid": {"2": [6.0, 8.0, 10.0]}})
    outcome = reproduce(PLATEAU, s, tmp_path)
    assert all(c.passed for c in _by_claim(outcome.claims, "E2.1")), outcome.claims
    rows = read_rows(tmp_path / "li2022-plateau" / "results.parquet")
    flat = [dict(r, tau_loss=1.0 + 0.01 * i, tau_separation=1.0) for i, r in enumerate(rows)]
    failed = [c.claim for c in PLATEAU.claims(flat, s) if not c.passed]
    assert any(f.startswith("E2.2 slope of ln tau_0'") for f in failed)
    with pytest.raises(ConfigError, match="grid"):
        PLATEAU.settings("quick", overrides={"grid": {"two": [6]}})


def test_fig1_end_to_end_keeps_diverged_runs(tmp_path):
    s = FIG1.settings(
        "quick",
        overrides={"seeds": 2, "steps": 400, "learning_rates": [0.1, 1e3], "horizon": 1.0, "airy_delays": [0.5]},
    )
    outcome = reproduce(FIG1, s, tmp_path)
    rows = read_rows(tmp_path / "li2022-fig1" / "results.parquet")
    assert len(rows) == 2 * 2 * 2
    assert all(r["diverged"] for r in rows if r["lr"] == 1e3)
    assert any(c.claim.startswith("E3.1") for c in outcome.claims)
    assert (tmp_path / "li2022-fig1" / "figure.png").stat().st_size > 1000


def test_fig4_claims_need_plateaus_and_an_earlier_adam_escape():
    s = FIG4.settings("quick")
    flat = np.r_[np.full(60, 0.5), np.geomspace(0.5, 1e-3, 40)]
    late = np.r_[np.full(80, 0.5), np.geomspace(0.5, 1e-3, 20)]

    def rows(adam_curve):
        return [
            {
                "inputs": "white",
                "config": k,
                "seed": i,
                "lr": 0.1,
                "diverged": False,
                "epoch_loss": list(adam_curve if k == "tanh+Adam" else late),
            }
            for k in ("linear+GD", "tanh+GD", "tanh+Adam")
            for i in range(3)
        ]

    assert all(c.passed for c in FIG4.claims(rows(flat), s) if c.checked)
    slow = _by_claim(FIG4.claims(rows(late), s), "E3.5")[0]
    assert not slow.passed
    smooth = _by_claim(FIG4.claims(rows(np.geomspace(1, 1e-4, 100)), s), "E3.4 white noise, tanh+Adam")[0]
    assert not smooth.passed


def test_fig4_end_to_end_at_toy_scale(tmp_path):
    s = FIG4.settings(
        "quick", overrides={"seeds": 1, "steps": 200, "horizon": 1.0, "memory": 0.5, "paths": 4, "width": 4}
    )
    reproduce(FIG4, s, tmp_path)
    rows = read_rows(tmp_path / "li2022-fig4" / "results.parquet")
    assert {r["config"] for r in rows} == {"linear+GD", "tanh+GD", "tanh+Adam"} and len(rows[0]["epoch_loss"]) == 2


def test_memory_function_claims_fail_for_a_slow_nonlinear_model():
    t = np.arange(1024)
    lin = {
        "model": "lin",
        "family": "linear",
        "trained": False,
        "memory": list(0.9**t),
        "impulse": list(0.9**t),
        "kernel_abs": list(0.9**t),
    }
    fast = {"model": "tanh x1", "family": "tanh", "trained": False, "memory": list(np.maximum(0.5**t, 1e-16))}
    slow = {"model": "gru x1", "family": "gru", "trained": False, "memory": list(1 / (1 + t) ** 2)}
    claims = MEMORY.claims([lin, fast, slow], MEMORY.settings("quick"))
    verdict = {c.claim.split(":")[0]: c.passed for c in claims}
    assert verdict["E4.2 tanh x1 (random)"] and not verdict["E4.2 gru x1 (random)"]
    assert all(c.passed for c in _by_claim(claims, "E4.1"))
    wrong = dict(lin, memory=list(0.9**t * (1 + 1e-6)))
    assert not _by_claim(MEMORY.claims([wrong], MEMORY.settings("quick")), "E4.1 Heaviside")[0].passed


def test_perturbation_end_to_end_at_toy_scale(tmp_path):
    s = PERTURB.settings(
        "quick",
        overrides={"widths": [2, 4], "steps": 200, "beta_doublings": 3, "draws": 2, "T": 20, "learning_rates": [0.01]},
    )
    outcome = reproduce(PERTURB, s, tmp_path)
    rows = read_rows(tmp_path / "wang2024-perturbation" / "results.parquet")
    assert len(rows) == 2 * 2 * 2 and all(
        np.all(np.array(r["envelope"][1:]) >= np.array(r["envelope"][:-1])) for r in rows
    )
    assert {c.claim[:4] for c in outcome.claims} >= {"E5.1", "E5.2", "E5.3"}
    # Widths that do not lower the unperturbed error must fail E5.1.
    flat = [dict(r, envelope=[1.0] * len(r["envelope"])) for r in rows]
    assert not any(c.passed for c in _by_claim(PERTURB.claims(flat, s), "E5.1"))


def _stablessm_rows(best_diverges: bool, scale_error: float = 1e-13):
    """Digits sweep rows where `direct` diverges above lr 1e-3, and `best` with it or not."""
    rows = [{"kind": "scales", "max_relative_error": scale_error}]
    for lr in (1e-3, 1e-2, 1e-1):
        for p in ("direct", "best"):
            diverged = lr > 1e-3 and (p == "direct" or best_diverges)
            rows.append(
                {
                    "kind": "sweep",
                    "task": "digits",
                    "parametrization": p,
                    "lr": lr,
                    "seed": 0,
                    "diverged": diverged,
                    "nonfinite": diverged,
                    "final_loss": np.inf if diverged else 0.1,
                }
            )
    return rows


def test_stablessm_claims_follow_the_rows():
    """Checked claims pass where `best` trains at the rates where `direct` diverges, and fail where
    it diverges with it, or where the closed-form gradient scales disagree with autodiff."""
    s = STABLE.settings("quick")

    def verdicts(rows):
        return {c.claim[:4]: c.passed for c in STABLE.claims(rows, s) if c.checked}

    assert verdicts(_stablessm_rows(best_diverges=False)) == {"grad": True, "E6.1": True, "E6.2": True, "E6.4": True}
    assert verdicts(_stablessm_rows(best_diverges=True)) == {"grad": True, "E6.1": False, "E6.2": False, "E6.4": True}
    assert not verdicts(_stablessm_rows(best_diverges=False, scale_error=1e-3))["grad"]


TOY_STABLESSM = {
    "channels": 2,
    "state_size": 2,
    "steps": 100,
    "seeds": 1,
    "batch_size": 8,
    "learning_rates": [50.0, 1e-3],
    "evaluation_size": 8,
}


def _stablessm_at_toy_scale(tmp_path, **overrides):
    s = STABLE.settings("quick", overrides={**TOY_STABLESSM, **overrides})
    outcome = reproduce(STABLE, s, tmp_path)
    assert outcome.claims[0].passed, outcome.claims[0]  # gradient scales match autodiff
    rows = read_rows(tmp_path / "wang2024-stablessm" / "results.parquet")
    sweep = [r for r in rows if r["kind"] == "sweep"]
    assert len(sweep) == len(s.tasks) * len(s.parametrizations) * 2 and any(r["diverged"] for r in sweep)
    assert all(0 <= r["accuracy"] <= 1 for r in sweep if r["task"] == "digits" and not r["nonfinite"])


def test_stablessm_end_to_end_on_digits_keeps_diverged_runs(tmp_path):
    _stablessm_at_toy_scale(tmp_path, tasks=["digits"], parametrizations=["direct", "best"])
    with pytest.raises(ConfigError, match="best_b"):
        STABLE.settings("quick", overrides={"best_b": 3.0})


@pytest.mark.slow
def test_stablessm_end_to_end_every_task_and_map(tmp_path):
    _stablessm_at_toy_scale(tmp_path)
