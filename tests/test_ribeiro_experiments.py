"""The Ribeiro et al. (2020) experiments end to end at toy scale, and their claims on rows
that must pass and rows that must fail."""

import numpy as np
import pytest

from curse_of_memory.errors import ConfigError
from curse_of_memory.experiments import get_experiment
from curse_of_memory.runner.store import read_rows
from curse_of_memory.runner.sweep import reproduce

CHAOTIC, SMOOTH, SINE, SYMBOL = (
    get_experiment(f"ribeiro2020-{name}") for name in ("chaotic-lstm", "smoothness", "sine-orbits", "symbol-orbits")
)


@pytest.fixture(scope="module")
def chaotic(tmp_path_factory):
    s = CHAOTIC.settings(
        "quick",
        overrides={
            "grid_points": 600,
            "lyapunov_steps": 500,
            "lyapunov_burn_in": 500,
            "spectrum_steps": 1500,
            "attractor_steps": 1500,
            "newton_starts": 8,
        },
    )
    out = tmp_path_factory.mktemp("chaotic")
    outcome = reproduce(CHAOTIC, s, out)
    return s, read_rows(out / CHAOTIC.id / "results.parquet"), outcome


def test_chaotic_lstm_end_to_end(chaotic):
    _, rows, outcome = chaotic
    assert all(c.passed for c in outcome.claims), [c for c in outcome.claims if not c.passed]
    grid = [r for r in rows if r["kind"] == "slice"]
    assert len(grid) == 601 and sum(r["is_reference"] for r in grid) == 1  # s = 1 added to the grid
    points = {r["s"]: r for r in rows if r["kind"] == "point"}
    assert points[0.8]["period"] == 3 and points[2.0]["period"] == 4
    assert points[0.6]["stable_fixed_points"] >= 1
    assert (outcome.out_dir / "figure.png").stat().st_size > 10_000


def test_chaotic_claims_fail_on_wrong_rows(chaotic):
    s, rows, _ = chaotic

    def failed(rows):
        return {c.claim.split(":")[0] for c in CHAOTIC.claims(rows, s) if not c.passed}

    shifted = [dict(r, loss=r["loss"] + 1e-3) if r["kind"] == "slice" else r for r in rows]
    assert any(c.startswith("V(1) = 0") for c in failed(shifted))
    rng = np.random.default_rng(0)
    noisy = [
        dict(r, loss=r["loss"] * (1 + 0.1 * rng.random()))
        if r["kind"] == "slice" and r["attractor"] == "fixed point"
        else r
        for r in rows
    ]
    assert any(c.startswith("cost flat") for c in failed(noisy))
    smooth = [dict(r, loss=r["s"]) if r["kind"] == "slice" else r for r in rows]
    assert any(c.startswith("cost jagged") for c in failed(smooth))
    wrong = [dict(r, attractor="chaotic") if r["kind"] == "point" else r for r in rows]
    assert sum(c.startswith("attractor from") for c in failed(wrong)) == 3


def test_smoothness_end_to_end_and_failing_rows(tmp_path):
    s = SMOOTH.settings(
        "quick", overrides={"lengths": [20, 40, 80], "points": 7, "lyapunov_steps": 1000, "period_steps": 3000}
    )
    outcome = reproduce(SMOOTH, s, tmp_path)
    rows = read_rows(tmp_path / SMOOTH.id / "results.parquet")
    by_claim = {c.claim.split(":")[0]: c for c in outcome.claims}
    assert by_claim["s = 0.6 (fixed point)"].passed and by_claim["s = 2.0 (periodic)"].passed
    assert any(k.startswith("s = 1.2 (chaotic") and c.passed for k, c in by_claim.items())
    centers = {r["s"]: r for r in rows if r["kind"] == "center"}
    assert centers[1.0]["lipschitz_rate"] > 0.1 and abs(centers[0.6]["lipschitz_rate"]) < 0.05
    # An exploding estimate at the fixed point, or no growth in chaos, must fail.
    blown = [dict(r, lipschitz=1e3) if r["kind"] == "estimate" and r["s"] == 0.6 else r for r in rows]
    assert not next(c for c in SMOOTH.claims(blown, s) if c.claim.startswith("s = 0.6")).passed
    flat = [dict(r, lipschitz_rate=0.001) if r["kind"] == "center" else r for r in rows]
    assert not any(c.passed for c in SMOOTH.claims(flat, s) if "growth rate of log max|dV/ds|" in c.claim)


def test_bad_settings_are_reported():
    with pytest.raises(ConfigError, match="burn_in"):
        CHAOTIC.settings("quick", overrides={"burn_in": 300})
    with pytest.raises(ConfigError, match="lengths"):
        SMOOTH.settings("quick", overrides={"lengths": [0, 10]})
    with pytest.raises(ConfigError, match="orbit_burn_in"):
        SINE.settings("quick", overrides={"orbit_burn_in": 1600})
    with pytest.raises(ConfigError, match="models"):
        SYMBOL.settings("quick", overrides={"models": ["gru"]})
    with pytest.raises(ConfigError, match=r"orbit_every.*divisor of epochs"):
        SYMBOL.settings("quick", overrides={"orbit_every": 7})
    with pytest.raises(ConfigError, match="check_points"):
        CHAOTIC.settings("quick", overrides={"check_points": {"strange": [1.0]}})
    with pytest.raises(ConfigError, match="chaos_threshold"):
        CHAOTIC.settings("quick", overrides={"chaos_threshold": float("nan")})
    with pytest.raises(ConfigError, match="slope_point"):
        SMOOTH.settings("quick", overrides={"slope_point": 0.7})
    with pytest.raises(ConfigError, match="lr"):
        SINE.settings("quick", overrides={"lr": "fast"})
    with pytest.raises(ConfigError, match="train_data_seed"):
        SYMBOL.settings("quick", overrides={"train_data_seed": 2**32})


def test_chaotic_check_points_reach_the_unit_by_increasing_s():
    s = CHAOTIC.settings("quick", overrides={"check_points": {"chaotic": [1.0], "fixed point": [0.6]}})
    assert CHAOTIC.units(s)[1]["check_points"] == [[0.6, "fixed point"], [1.0, "chaotic"]]


TOY_SINE = {
    "d_hidden": 4,
    "epochs": 4,
    "orbit_every": 2,
    "T": 20,
    "n_sequences": 10,
    "batch_size": 5,
    "orbit_steps": 40,
    "orbit_burn_in": 30,
    "steady_steps": 64,
}


def test_sine_end_to_end_keeps_a_diverged_run(tmp_path):
    """A learning rate that blows the head up: the run is kept with its status, nothing crashes."""
    s = SINE.settings("quick", overrides={**TOY_SINE, "models": ["slstm"], "lr": 1e30, "schedule": "constant"})
    outcome = reproduce(SINE, s, tmp_path)
    rows = read_rows(tmp_path / SINE.id / "results.parquet")
    run = next(r for r in rows if r["kind"] == "run")
    assert run["diverged"] and len(run["epoch_loss"]) == 4
    assert any(c.claim.startswith("diverged runs") for c in outcome.claims)
    assert not next(c for c in outcome.claims if c.claim.startswith("sLSTM")).passed
    assert (
        len([r for r in rows if r["kind"] == "snapshot"]) == 2 and len([r for r in rows if r["kind"] == "steady"]) == 40
    )


def test_multistep_schedule_is_pytorchs_multisteplr_per_epoch():
    """Epoch e trains at lr gamma^bisect_right(milestones, e), PyTorch's closed form of
    MultiStepLR stepped once per epoch; before the schedule the update is clipped Adam's."""
    import bisect

    import jax.numpy as jnp

    from curse_of_memory.experiments.ribeiro2020.orbits import multistep_clipped_adam
    from curse_of_memory.training import OPTIMIZERS

    steps_per_epoch, milestones, gamma = 2, [2, 3], 0.5
    scheduled = multistep_clipped_adam(tuple(m * steps_per_epoch for m in milestones), gamma)
    plain = OPTIMIZERS["clipped_adam"]
    params = jnp.zeros(3)
    s1, s2 = scheduled.init(params), plain.init(params)
    for step in range(10):
        grads = jnp.array([0.1, -0.05, 0.02]) * (1 + step)  # crosses the 0.25 clip at step 2
        u1, s1 = scheduled.update(grads, s1)
        u2, s2 = plain.update(grads, s2)
        factor = gamma ** bisect.bisect_right(milestones, step // steps_per_epoch)
        np.testing.assert_allclose(u1, factor * u2, rtol=1e-6)


def sine_rows(period_error, slstm_spread, lstm_loss=0.01, slstm_loss=0.45):
    rows = []
    for m, loss, spread in (("lstm", lstm_loss, 1.0), ("slstm", slstm_loss, slstm_spread)):
        rows.append({"kind": "run", "model": m, "seed": 2, "final_loss": loss, "diverged": False, "max_spread": spread})
    for omega in np.linspace(np.pi / 16, np.pi / 8, 10):
        rows.append(
            {
                "kind": "steady",
                "model": "lstm",
                "seed": 2,
                "omega": omega,
                "initial": 0,
                "amplitude": 1.8,
                "period": 2 * np.pi / omega * (1 + period_error),
                "expected_period": 2 * np.pi / omega,
            }
        )
    return rows


def test_sine_claims_follow_the_rows():
    s = SINE.settings("quick")
    assert all(c.passed for c in SINE.claims(sine_rows(0.03, 1e-6), s))
    failed = [c.claim[:16] for c in SINE.claims(sine_rows(0.2, 0.5, lstm_loss=0.1, slstm_loss=0.01), s) if not c.passed]
    assert failed == ["trained LSTM: st", "sLSTM: orbit a s", "trained LSTM: fi", "trained sLSTM: f"]


def symbol_rows(lstm_acc, slstm_acc, lstm_attractors):
    return [
        {"kind": "run", "model": m, "seed": 2, "validation_accuracy": acc, "attractors": att, "diverged": False}
        for m, acc, att in (("lstm", lstm_acc, lstm_attractors), ("slstm", slstm_acc, [1] * 6), ("ornn", 0.3, [10] * 6))
    ]


def test_symbol_claims_follow_the_rows():
    s = SYMBOL.settings("quick")
    assert all(c.passed for c in SYMBOL.claims(symbol_rows(0.97, 0.3, [2, 2, 4, 3, 4, 2]), s))
    failed = [c.claim[:12] for c in SYMBOL.claims(symbol_rows(0.6, 0.5, [1, 1, 4, 1, 4, 4]), s) if not c.passed]
    assert failed == ["LSTM solves ", "sLSTM cannot", "LSTM orbit d"]


def test_symbol_end_to_end_at_toy_scale(tmp_path):
    s = SYMBOL.settings(
        "quick",
        overrides={
            "d_hidden": 4,
            "epochs": 2,
            "orbit_every": 1,
            "T": 60,
            "n_train": 40,
            "n_validation": 40,
            "batch_size": 10,
            "orbit_steps": 30,
            "orbit_burn_in": 20,
            "orbit_initial": 3,
            "models": ["lstm"],
            "schedule": "multistep",  # the full profile's step decay
            "milestones": [1],
        },
    )
    outcome = reproduce(SYMBOL, s, tmp_path)
    rows = read_rows(tmp_path / SYMBOL.id / "results.parquet")
    run = next(r for r in rows if r["kind"] == "run")
    assert 0 <= run["validation_accuracy"] <= 1 and len(run["attractors"]) == 6
    assert all(1 <= n <= 3 for n in run["attractors"])
    snaps = [r for r in rows if r["kind"] == "snapshot"]
    assert len(snaps) == 2 * 3 and all(len(r["trace"]) == 10 for r in snaps)
    assert {c.claim[:12] for c in outcome.claims} == {"LSTM solves ", "LSTM orbit d"}
