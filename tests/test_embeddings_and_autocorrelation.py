"""Synthetic embeddings, user-supplied input arrays, and the autocorrelation diagnostic."""

import jax
import numpy as np
import pytest

from curse_of_memory.diagnostics import autocorrelation, fit_exponential
from curse_of_memory.tasks import SyntheticEmbeddings, embedding_inputs, load_embeddings
from curse_of_memory.tasks.embeddings import model_autocorrelation


def test_synthetic_rows_do_not_depend_on_batching_or_precision():
    inputs = SyntheticEmbeddings(6, T=40, d=5, seed=3)
    whole = inputs[0:6]
    assert whole.shape == (6, 40, 5) and whole.dtype == np.float32
    np.testing.assert_array_equal(inputs[2:4], whole[2:4])
    np.testing.assert_array_equal(inputs[5], whole[5])
    with jax.enable_x64(True):
        np.testing.assert_array_equal(inputs[1:3], whole[1:3])
    assert not np.array_equal(SyntheticEmbeddings(6, T=40, d=5, seed=4)[0:1], whole[0:1])


def test_synthetic_inputs_follow_the_papers_autocorrelation():
    inputs = SyntheticEmbeddings(64, T=128, d=64)
    R = autocorrelation(inputs, max_lag=100, batch_size=16)
    model = model_autocorrelation(np.arange(101))
    assert model[0] == pytest.approx(0.332 + 0.04306)
    # 64 x 64 independent sequences: sampling errors of a few percent at most.
    np.testing.assert_allclose(R, model, rtol=0.08)
    assert R[0] / R[1] > 5


def test_autocorrelation_matches_the_definition(rng):
    x = rng.normal(size=(5, 30, 3)) + 0.5  # a mean, which is not subtracted
    R = autocorrelation(x, max_lag=28, batch_size=2)
    loop = [np.mean(x**2)] + [np.mean(x[:, lag:] * x[:, :-lag]) for lag in range(1, 29)]
    np.testing.assert_allclose(R, loop, rtol=1e-12)
    np.testing.assert_allclose(autocorrelation(x, rows=range(1, 4)), autocorrelation(x[1:4]), rtol=1e-12)
    with pytest.raises(ValueError, match="max_lag"):
        autocorrelation(x, max_lag=30)
    with pytest.raises(ValueError, match="rows"):
        autocorrelation(x, rows=range(3, 9))


def test_exponential_fit_recovers_an_exponential():
    lags = np.arange(200)
    fit = fit_exponential(0.044 * 0.997**lags)
    assert fit.amplitude == pytest.approx(0.044, rel=1e-10) and fit.rate == pytest.approx(0.997, rel=1e-12)
    assert fit.timescale == pytest.approx(-1 / np.log(0.997))
    with pytest.raises(ValueError, match="positive"):
        fit_exponential(np.array([1.0, 0.5, -0.1]))


def test_user_arrays_are_checked(tmp_path):
    good = np.random.default_rng(0).normal(size=(4, 20, 3)).astype(np.float32)
    np.save(tmp_path / "good.npy", good)
    loaded = embedding_inputs(str(tmp_path / "good.npy"), 3, 16)
    np.testing.assert_array_equal(loaded[0:3], good[:3, :16])
    np.save(tmp_path / "flat.npy", good[0])
    with pytest.raises(ValueError, match=r"must have shape \(N >= 2, T >= 16, d\).*got shape \(20, 3\)"):
        load_embeddings(tmp_path / "flat.npy", 2, 16)
    with pytest.raises(ValueError, match="fewer time steps than asked for"):
        load_embeddings(tmp_path / "good.npy", 2, 21)
    with pytest.raises(ValueError, match="fewer sequences"):
        load_embeddings(tmp_path / "good.npy", 5, 10)
    bad = good.copy()
    bad[1, 3, 2] = np.nan
    np.save(tmp_path / "nan.npy", bad)
    with pytest.raises(ValueError, match="NaN"):
        load_embeddings(tmp_path / "nan.npy", 2, 16)
    load_embeddings(tmp_path / "nan.npy", 1, 16)  # the NaN lies outside the rows used
    (tmp_path / "text.npy").write_text("not an array")
    with pytest.raises(ValueError, match="cannot read"):
        load_embeddings(tmp_path / "text.npy", 1, 1)
    with pytest.raises(ValueError, match="cannot read"):
        load_embeddings(tmp_path / "missing.npy", 1, 1)
