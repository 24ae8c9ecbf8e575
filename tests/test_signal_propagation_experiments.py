"""Figs. 5 and 12-15 of Zucchet & Orvieto (2024) end to end at toy scale, their claims on rows
that must fail, and user-supplied inputs that must be rejected."""

import jax
import numpy as np
import pytest

from curse_of_memory.diagnostics import autocorrelation
from curse_of_memory.errors import ConfigError
from curse_of_memory.experiments import get_experiment
from curse_of_memory.experiments.zucchet2024.fig12 import measured
from curse_of_memory.experiments.zucchet2024.fig15 import final_state_and_sensitivity
from curse_of_memory.models import simple_chrono_gru
from curse_of_memory.runner.store import read_rows
from curse_of_memory.runner.sweep import reproduce
from curse_of_memory.tasks import SyntheticEmbeddings

FIG5, FIG12, FIG13, FIG14, FIG15 = (get_experiment(f"zucchet2024-fig{i}") for i in (5, 12, 13, 14, 15))
TOY_GRID = {"d_model": 4, "n_layers": 2, "T": 24, "n_sequences": 2, "batch_size": 2, "memory_scales": [1.0, 100.0]}


def test_fig5_end_to_end_and_its_claims_fail_on_flat_rows(tmp_path):
    s = FIG5.settings("quick", overrides={**TOY_GRID, "models": ["complex", "gru"]})
    outcome = reproduce(FIG5, s, tmp_path)
    rows = read_rows(tmp_path / "zucchet2024-fig5" / "results.parquet")
    assert {(r["model"], r["norm"]) for r in rows} == {("complex", "none"), ("gru", "none"), ("complex", "layer")}
    assert {r["group"] for r in rows if r["kind"] == "gradient" and r["model"] == "complex"} == {"lambda", "other"}
    assert (tmp_path / "zucchet2024-fig5" / "figure.png").stat().st_size > 1000
    assert len(outcome.claims) == 9
    # Even at toy scale (24 steps) the unnormalized complex RNN's lambda gradient grows with memory.
    lam = next(c for c in outcome.claims if c.claim.startswith("complex diagonal RNN: growth of the lambda"))
    assert float(lam.measured) > 100
    flat = [dict(r, residual=1.0) if r["kind"] == "activation" else dict(r, value=1.0) for r in rows]
    verdicts = {c.claim: c.passed for c in FIG5.claims(flat, s)}
    assert not any(v for c, v in verdicts.items() if "growth" in c)
    assert all(v for c, v in verdicts.items() if "max/min" in c)


def test_fig13_claims_per_layer(tmp_path):
    s = FIG13.settings("quick", overrides={**TOY_GRID, "models": ["complex"]})
    outcome = reproduce(FIG13, s, tmp_path)
    rows = read_rows(tmp_path / "zucchet2024-fig13" / "results.parquet")
    layers = {r["layer"] for r in rows if r["kind"] == "layer_gradient"}
    assert layers == {0, 1}
    assert [c.claim.split(":")[1].strip()[:15] for c in outcome.claims] == [
        "lambda gradient",
        "other gradient ",
        "lambda gradient",
    ]


def test_fig12_chunks_add_up_to_the_whole_autocorrelation(tmp_path):
    s = FIG12.settings("quick", overrides={"n_sequences": 6, "T": 40, "chunk": 4})
    outcome = reproduce(FIG12, s, tmp_path)
    rows = read_rows(tmp_path / "zucchet2024-fig12" / "results.parquet")
    whole = autocorrelation(SyntheticEmbeddings(6, 40))
    np.testing.assert_allclose(measured(rows), whole, rtol=1e-10)
    assert outcome.claims[0].claim.startswith("sharp drop")


def test_fig12_claims_on_rows_that_must_fail(tmp_path):
    """A smooth 0.9^Delta decay fails the synthetic inputs' match with their generating model;
    on a user's embeddings, where the paper's shape is checked, it has neither the sharp drop nor
    a correlation time of a few hundred steps, while a drop onto a slow 0.997^Delta passes both."""
    lags = np.arange(512)

    def chunk(R):
        return [{"kind": "chunk", "start": 0, "stop": 1, "R": R.tolist()}]

    smooth = chunk(0.9**lags)
    assert any(c.checked and not c.passed for c in FIG12.claims(smooth, FIG12.settings("quick")))
    np.save(tmp_path / "user.npy", np.random.default_rng(0).normal(size=(256, 512, 2)).astype(np.float32))
    user = FIG12.settings("quick", overrides={"inputs": str(tmp_path / "user.npy")})

    def verdicts(rows):
        return {c.claim.split(":")[0]: c.passed for c in FIG12.claims(rows, user)}

    assert verdicts(smooth) == {"sharp drop": False, "slow exponential decay": False}
    drop_then_slow = chunk(0.8 * (lags == 0) + 0.2 * 0.997**lags)
    assert verdicts(drop_then_slow) == {"sharp drop": True, "slow exponential decay": True}


def test_fig14_constant_gates_are_exact_at_toy_scale(tmp_path):
    overrides = {"d_hidden": 4, "T": 40, "sample": 1, "time_points": 6, "off_diagonal_entries": 4}
    s = FIG14.settings("quick", overrides=overrides)
    outcome = reproduce(FIG14, s, tmp_path)
    exact = [c for c in outcome.claims if c.claim.startswith("constant gates")]
    assert len(exact) == 7 and all(c.passed for c in exact)
    # A diagonal 1% off z^dt must fail the exactness claims.
    rows = read_rows(tmp_path / "zucchet2024-fig14" / "results.parquet")
    off = [dict(r, diagonal=(1.01 * np.asarray(r["diagonal"])).tolist()) for r in rows]
    assert any(not c.passed for c in FIG14.claims(off, s) if c.claim.startswith("constant gates"))


def test_fig15_sensitivity_paths_agree(x64, rng):
    x = jax.numpy.asarray(rng.normal(size=(30, 3)))
    cell = simple_chrono_gru(jax.random.PRNGKey(0), 3, 5, T_min=1, T_max=20, scale_x=1, scale_h=0)
    h_jvp, dh_jvp = final_state_and_sensitivity(cell, x, True)
    h_full, dh_full = final_state_and_sensitivity(cell, x, False)
    np.testing.assert_allclose(h_jvp, h_full, rtol=1e-12)
    np.testing.assert_allclose(dh_jvp, dh_full, rtol=1e-10)


def test_fig15_claims_fail_when_the_state_ignores_its_timescale():
    """Units whose h and dh/db are the same at every timescale contradict Var h falling with the
    timescale: that claim fails in every regime."""
    s = FIG15.settings("quick")
    bias = np.linspace(-1.0, 5.0, 400)
    same = {"kind": "sample", "sample": 0, "bias": bias.tolist(), "h": [1.0] * 400, "dh": [1.0] * 400}
    rows = [dict(same, scale_x=x, scale_h=h) for x, h in s.regimes]
    falling = [c for c in FIG15.claims(rows, s) if "Var h decreases" in c.claim]
    assert len(falling) == len(s.regimes) and not any(c.passed for c in falling)


@pytest.mark.slow
def test_fig15_end_to_end_at_toy_scale(tmp_path):
    overrides = {"d_hidden": 8, "T": 64, "samples": 2, "chunk": 2, "bins": 2, "min_bin_count": 4, "T_max": 16.0}
    outcome = reproduce(FIG15, FIG15.settings("quick", overrides=overrides), tmp_path)
    assert len(outcome.claims) == 3 * 4
    assert (tmp_path / "zucchet2024-fig15" / "figure.png").stat().st_size > 1000


def test_bad_user_inputs_name_the_expected_shape(tmp_path):
    bad = {
        "rank.npy": np.zeros((4, 30), np.float32),
        "short.npy": np.zeros((300, 10, 3), np.float32),
        "nan.npy": np.full((300, 600, 3), np.nan, np.float32),
    }
    for name, array in bad.items():
        np.save(tmp_path / name, array)
    with pytest.raises(ConfigError, match=r"shape \(N >= 256, T >= 512, d\).*got shape \(4, 30\)"):
        FIG12.settings("quick", overrides={"inputs": str(tmp_path / "rank.npy")})
    with pytest.raises(ConfigError, match=r"shape \(N >= 256, T >= 512, d\).*fewer time steps"):
        FIG12.settings("quick", overrides={"inputs": str(tmp_path / "short.npy")})
    with pytest.raises(ConfigError, match=r"finite array of shape \(N >= 4, T >= 512, d\).*NaN"):
        FIG5.settings("quick", overrides={"inputs": str(tmp_path / "nan.npy")})
