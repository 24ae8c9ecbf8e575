"""The selective SSM and gated linear attention of the atlas on CPU: one loss-and-gradient
evaluation with `__call__` (the sequential scan of `step` on CPU) against `parallel` (the
parallel scan), printed as JSON: seconds, best of 3 after a compiling run.

Sizes: width 16 (the atlas's), a training batch (160 sequences x 300 steps: the atlas's 32
sequences for 5 members of its ensemble) and a check batch (8 x 2048).
Run: PYTHONPATH=src python bench/atlas_scans.py
"""

import json
import time

import equinox as eqx
import jax
import jax.numpy as jnp

from curse_of_memory.models.gated_linear_attention import gated_linear_attention
from curse_of_memory.models.selective_ssm import selective_ssm

WIDTH = 16
LAYERS = {"selective_ssm": selective_ssm, "gla": gated_linear_attention}
SIZES = {"training": (160, 300), "check": (8, 2048)}


def seconds(layer, form, x):
    loss = lambda m: jnp.mean(jax.vmap(getattr(m, form) if form == "parallel" else m)(x) ** 2)  # noqa: E731
    evaluate = eqx.filter_jit(eqx.filter_value_and_grad(loss))
    jax.block_until_ready(evaluate(layer))
    times = []
    for _ in range(3):
        start = time.perf_counter()
        jax.block_until_ready(evaluate(layer))
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    out = {"date": time.strftime("%Y-%m-%d"), "jax": jax.__version__, "backend": jax.default_backend()}
    for name, build in LAYERS.items():
        layer = build(jax.random.PRNGKey(0), WIDTH)
        for size, (batch, T) in SIZES.items():
            x = jax.random.normal(jax.random.PRNGKey(1), (batch, T, WIDTH))
            out[f"{name}/{size}"] = {form: round(seconds(layer, form, x), 4) for form in ("call", "parallel")}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
