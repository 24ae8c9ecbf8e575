"""Check `hessian`: the sharpest curvature of a teacher-student loss at its optimum.

The teacher is the layer itself at the memory scale; the student starts at the teacher (the
optimum, zero loss), with loss 1/2 mean over batch, time and width of (student(x) -
teacher(x))^2 on white-noise inputs. There the Hessian is the Gauss-Newton matrix E[J^T J]
of the outputs' sensitivities, so its top eigenvalues are what Zucchet & Orvieto (2024,
Sec. 3.5, Fig. 4) show exploding with memory for the dense and complex diagonal RNNs.
Computed in float64 by Lanczos on Hessian-vector products (`diagnostics.top_eigenpairs`).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from curse_of_memory.diagnose.curves import growth_claims, plot_groups
from curse_of_memory.diagnostics import top_eigenpairs
from curse_of_memory.diagnostics.precision import as_float64
from curse_of_memory.tasks import white_noise


def rows(factory, config) -> list[dict]:
    k_layer, k_x = jax.random.split(jax.random.PRNGKey(config["seed"]))
    layer = factory(k_layer, config["memory_scale"])
    with jax.enable_x64(True):
        teacher = as_float64(layer)
        x = white_noise(k_x, (config["batch"], config["T"], config["width"])).astype(jnp.float64)
        target = jax.jit(jax.vmap(teacher))(x)

    def loss(student):
        return 0.5 * jnp.mean((jax.vmap(student)(x) - target) ** 2)

    spectrum = top_eigenpairs(loss, teacher, k=config["eigenvalues"])
    base = {"check": "hessian", "memory_scale": config["memory_scale"]}
    return [{**base, "group": f"eigenvalue {i + 1}", "value": float(v)} for i, v in enumerate(spectrum.eigenvalues)]


def claims(rows, settings):
    return growth_claims(rows, "hessian")


def draw(ax, rows):
    plot_groups(ax, rows, "hessian", "Hessian eigenvalue at the optimum", "top Hessian eigenvalues")
