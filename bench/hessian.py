"""Curvature diagnostics timings (issue 3 targets), printed as JSON.

- `dense_hessian_25`: the full float64 Hessian of the Fig. 4 dense RNN at its teacher (25
  parameters, one batch of 64 x 300): first call (includes compilation) and warm calls.
- `top10_eigenpairs_4k`: the top-10 Hessian eigenpairs of a dense linear RNN with d_hidden =
  64 (4225 parameters) on the teacher-student loss (batch 128 x 300) by Lanczos on
  Hessian-vector products (scipy eigsh), never forming the 4225^2 matrix.
- `directional_sharpness_4k`: g^T H g / |g|^2 for the same model (one gradient, one HVP).

Run: PYTHONPATH=src python bench/hessian.py
"""

import json
import time

import jax
import jax.numpy as jnp

from curse_of_memory.diagnostics import directional_sharpness, hessian, top_eigenpairs
from curse_of_memory.experiments.zucchet2024.curvature_at_optimum import fixed_batch, hand_built_teacher
from curse_of_memory.models import dense_rnn_from, linear_rnn
from curse_of_memory.tasks import teacher_student, white_noise
from curse_of_memory.tasks.teacher_student import TeacherStudent


def timed(fn, repeats):
    """(first call seconds, best of `repeats` later calls, last result)."""
    start = time.perf_counter()
    result = fn()
    first = time.perf_counter() - start
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return first, min(times), result


def main():
    out = {"date": time.strftime("%Y-%m-%d"), "jax": jax.__version__, "devices": str(jax.devices())}

    teacher, _ = hand_built_teacher(0)
    x = fixed_batch(300, 64)
    with jax.enable_x64(True):
        small = TeacherStudent(teacher, teacher.kernel(300), 64, "sample")

    def small_loss(model):
        return small.loss(model, x)

    student = dense_rnn_from(teacher)
    first, warm, H = timed(lambda: hessian(small_loss, student), repeats=5)
    out["dense_hessian_25"] = {"parameters": len(H.labels), "first_call_s": round(first, 3), "warm_s": round(warm, 4)}

    task = teacher_student(0.99)
    with jax.enable_x64(True):
        task = TeacherStudent(
            dense_rnn_from(task.teacher), jnp.asarray(task.teacher_kernel, jnp.float64), 128, "sample"
        )
        batch = white_noise(jax.random.PRNGKey(0), (128, 300, 1), jnp.float64)
    model = linear_rnn(jax.random.PRNGKey(0), 1, 1, 64)

    def loss(m):
        return task.loss(m, batch)

    first, warm, top = timed(lambda: top_eigenpairs(loss, model, k=10), repeats=2)
    out["top10_eigenpairs_4k"] = {
        "parameters": 4225,
        "first_call_s": round(first, 2),
        "warm_s": round(warm, 2),
        "top_eigenvalue": float(top.eigenvalues[0]),
    }
    first, warm, value = timed(lambda: directional_sharpness(loss, model), repeats=3)
    out["directional_sharpness_4k"] = {"first_call_s": round(first, 2), "warm_s": round(warm, 3), "value": value}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
