"""li2022-fig4's linear + GD configuration over gradient-descent learning rates, at the full
profile (10 seeds, 20k full-batch steps on the 128 fixed paths), in the filter form.

    PYTHONPATH=src python bench/li2022_fig4_gd_rates.py [--inputs white] [--lrs 0.1 0.03 0.01]

With a linear activation the residual RNN is the causal filter dt C (I + dt W)^s U
(`ResidualRNN.kernel`) plus the bias's offset: training it through a convolution instead of the
sequential scan is ~10x faster on CPU and follows the same gradient descent (the script first
prints the loss and gradient of both forms at seed 0's initialization). Prints, per rate: the
seeds whose loss became NaN, the median loss at epochs 1, 10, 50, 100, 150 and 200 (100 steps
each) and every seed's final loss (docs/findings.md has the full profile's).
"""

from __future__ import annotations

import argparse
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from curse_of_memory.experiments.li2022 import fig4
from curse_of_memory.recurrence import causal_convolution


def filter_output(model, x):
    """y (n, T, 1) of a linear residual RNN for inputs x (n, T, 1), by convolution: the input's
    filter `model.kernel(T)` and the bias's offset, the cumulative sum of the same filter with
    b in place of U."""
    T = x.shape[1]
    bias_filter = eqx.tree_at(lambda m: m.U, model, model.b[:, None]).kernel(T)[:, 0, 0]
    return causal_convolution(model.kernel(T), x) + jnp.cumsum(bias_filter)[None, :, None]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--inputs", default="white", choices=fig4.INPUTS)
    parser.add_argument("--lrs", type=float, nargs="+", default=[0.1, 0.03, 0.01, 0.003])
    args = parser.parse_args()
    s = fig4.PROFILES["full"]
    c = next(u for u in fig4.units(s) if u["inputs"] == args.inputs and u["config"] == "linear+GD")
    task = fig4.build_task(c)
    x = task.paths
    y = task.targets(x)

    def loss(model):
        return 0.5 * jnp.mean((filter_output(model, x) - y) ** 2)

    def init(key):
        return fig4.residual_student(key, width=c["width"], dt=c["dt"], activation="linear")

    models = eqx.filter_vmap(init)(jnp.stack([jax.random.PRNGKey(q) for q in c["seeds"]]))
    first = init(jax.random.PRNGKey(c["seeds"][0]))
    fast, slow = eqx.filter_grad(loss)(first), eqx.filter_grad(lambda m: task.loss(m, x))(first)
    print(
        f"seed {c['seeds'][0]} at init: loss {float(loss(first)):.6g} (filter) vs {float(task.loss(first, x)):.6g}"
        f" (scan); largest |dL/dW| difference {float(jnp.max(jnp.abs(fast.W - slow.W))):.3g}"
        f" of {float(jnp.max(jnp.abs(slow.W))):.3g}"
    )
    params, static = eqx.partition(models, eqx.is_inexact_array)

    def member_loss(p):
        return loss(eqx.combine(p, static))

    for lr in args.lrs:

        @jax.jit
        def run(params, lr=lr):
            def epoch(p, _):
                def step(p, _):
                    g = jax.vmap(jax.grad(member_loss))(p)
                    return jax.tree.map(lambda a, b: a - lr * b, p, g), None

                p, _ = jax.lax.scan(step, p, None, length=c["steps_per_epoch"])
                return p, jax.vmap(member_loss)(p)

            return jax.lax.scan(epoch, params, None, length=c["steps"] // c["steps_per_epoch"])[1]

        start = time.perf_counter()
        losses = np.asarray(run(params))  # (epochs, seeds)
        nan = [q for q, v in zip(c["seeds"], losses[-1], strict=True) if not np.isfinite(v)]
        median = np.nanmedian(losses, axis=1)[[0, 9, 49, 99, 149, 199]]
        print(
            f"lr {lr:g} ({time.perf_counter() - start:.0f} s): NaN seeds {nan}; median at epochs 1, 10, 50, 100, 150,"
            f" 200: {np.round(median, 4).tolist()}; final {np.round(losses[-1], 4).tolist()}"
        )


if __name__ == "__main__":
    main()
