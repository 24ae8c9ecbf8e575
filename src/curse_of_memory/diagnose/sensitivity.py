"""Check `sensitivity`: how sensitive the layer's hidden state is to each parameter group.

Mean squared derivative of the hidden state per parameter (`diagnostics.group_sensitivity`,
random-probe JVPs) and the state's variance, on white-noise inputs after a burn-in of T / 2:
the curse of memory of Zucchet & Orvieto (2024, Sec. 3) shows as growth with memory. A
`hidden_states(x)` method, if the layer has one, gives the states (its outputs otherwise).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from curse_of_memory.diagnose.curves import growth_claims, plot_groups
from curse_of_memory.diagnostics import group_sensitivity
from curse_of_memory.tasks import white_noise


def _hidden_fn(static):
    """(params, x (batch, T, width)) -> the layer's hidden states, or its outputs."""

    def hidden(params, x):
        module = eqx.combine(params, static)
        return jax.vmap(getattr(module, "hidden_states", module))(x)

    return hidden


def rows(factory, config) -> list[dict]:
    k_layer, k_x, k_probe = jax.random.split(jax.random.PRNGKey(config["seed"]), 3)
    params, static = eqx.partition(factory(k_layer, config["memory_scale"]), eqx.is_inexact_array)
    hidden = _hidden_fn(static)
    x = white_noise(k_x, (config["batch"], config["T"], config["width"]))
    burn_in = config["T"] // 2
    sensitivity = group_sensitivity(hidden, params, x, k_probe, probes=config["probes"], burn_in=burn_in)
    h = jax.jit(hidden)(params, x)[:, burn_in:]
    base = {"check": "sensitivity", "memory_scale": config["memory_scale"]}
    return [{**base, "group": g, "value": v} for g, v in sensitivity.items()] + [
        {**base, "group": "(hidden variance)", "value": float(jnp.mean(jnp.abs(h) ** 2))}
    ]


def claims(rows, settings):
    return growth_claims(rows, "sensitivity")


def draw(ax, rows):
    plot_groups(ax, rows, "sensitivity", "E ||dh/dtheta||^2 per parameter", "hidden-state sensitivity")
