"""The user's layer: loading `MODULE:FACTORY` and checking it follows the protocol.

A factory f(key, memory_scale) -> equinox.Module whose call maps inputs (T, width) to
outputs (T, width); `memory_scale` is the layer's own notion of how long it remembers at
initialization (for the paper's layers 1 / (1 - |lambda|), or the chrono timescale of a GRU).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import sys
from collections.abc import Callable
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp

from curse_of_memory.errors import ConfigError


def load_factory(spec: str) -> tuple[Callable, str]:
    """MODULE:FACTORY, MODULE a dotted module name or a path to a .py file. Returns the
    factory and a hash of its module's source (so edits invalidate stored results)."""
    module_name, sep, attr = spec.rpartition(":")
    if not sep or not module_name or not attr:
        raise ConfigError(
            f"the layer must be given as MODULE:FACTORY (e.g. examples/custom_layer.py:min_gru), got {spec!r}"
        )
    try:
        if module_name.endswith(".py") or "/" in module_name:
            path = Path(module_name)
            if not path.is_file():
                raise ConfigError(f"no such file {str(path)!r} (from {spec!r})")
            loaded = importlib.util.spec_from_file_location(path.stem, path)
            module = importlib.util.module_from_spec(loaded)
            sys.modules[path.stem] = module
            loaded.loader.exec_module(module)
        else:
            module = importlib.import_module(module_name)
    except ConfigError:
        raise
    except Exception as error:
        raise ConfigError(f"cannot import {module_name!r}: {type(error).__name__}: {error}") from None
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise ConfigError(f"{module_name!r} has no callable {attr!r}")
    source = inspect.getsource(module) if hasattr(module, "__file__") else spec
    return factory, hashlib.sha256(source.encode()).hexdigest()[:16]


def check_layer(factory: Callable, width: int, T: int = 8, memory_scale: float = 1.0) -> None:
    """The factory returns, at `memory_scale`, an Equinox module mapping (T, width) to (T, width)."""
    try:
        layer = factory(jax.random.PRNGKey(0), memory_scale)
    except Exception as error:
        raise ConfigError(
            f"calling the factory as f(key, memory_scale) at memory_scale={memory_scale:g} failed: "
            f"{type(error).__name__}: {error}; "
            "expected a function (key, memory_scale) -> equinox.Module"
        ) from None
    if not isinstance(layer, eqx.Module):
        raise ConfigError(f"the factory must return an equinox.Module, got {type(layer).__name__}")
    try:
        out = jax.eval_shape(layer, jax.ShapeDtypeStruct((T, width), jnp.float32))
    except Exception as error:
        raise ConfigError(
            f"calling the layer (memory_scale={memory_scale:g}) on inputs of shape ({T}, {width}) failed: "
            f"{type(error).__name__}: "
            f"{error}; expected a map (T, width) -> (T, width) (set the width with --width)"
        ) from None
    if getattr(out, "shape", None) != (T, width):
        raise ConfigError(
            f"the layer maps inputs ({T}, {width}) to {getattr(out, 'shape', type(out).__name__)}; "
            f"expected ({T}, {width}): (T, width) -> (T, width) (set the width with --width)"
        )
