import jax
import jax.numpy as jnp
import pytest

from curse_of_memory.diagnostics import as_float64, as_precision


def test_casts_floats_and_complex_and_keeps_the_rest():
    tree = {"w": jnp.ones(3, jnp.float32), "lam": jnp.ones(2, jnp.complex64), "idx": jnp.arange(3), "name": "layer"}
    with jax.enable_x64(True):
        out = as_float64(tree)
        assert out["w"].dtype == jnp.float64 and out["lam"].dtype == jnp.complex128
        assert out["idx"].dtype == tree["idx"].dtype and out["name"] == "layer"
        back = as_precision(out, "float32")
        assert back["w"].dtype == jnp.float32 and back["lam"].dtype == jnp.complex64


def test_unknown_precision_is_named():
    with pytest.raises(ValueError, match="float64"):
        as_precision({}, "float16")
