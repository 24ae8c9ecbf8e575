"""The linear teacher-student task of Zucchet & Orvieto (2024), Sec. 4.

A dense linear teacher (n = 10 states, d_in = d_out = 1) with eigenvalue magnitudes in about
[nu0, nu0 + 0.76 (1 - nu0)] produces targets y* from i.i.d. N(0, 1) inputs of length T; a
student is trained on L = 1/2 mean_{batch, t} |y_t - y*_t|^2 with fresh inputs every step.

Both teacher and (linear) student are causal filters, so the error is itself a filter with
kernel Delta K = K_student - K_teacher:

- ``sample`` mode draws the inputs and convolves them with Delta K. This is exactly the
  loss of the paper's pipeline (same inputs, same outputs), without ever forming the
  batch x T x hidden state.
- ``population`` mode uses the exact expectation over white-noise inputs (a documented
  alternative, not the paper's protocol): with h_{-1} = 0 and unit-variance inputs,
  E|e_t|^2 = sum_{k<=t} ||Delta K_k||_F^2, so
  L = 1/2 sum_{k<T} (T - k)/T ||Delta K_k||_F^2. No sampling noise at all.

Students without a `kernel` (nonlinear layers) are run on the sampled inputs.
"""

from __future__ import annotations

from functools import partial

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array

from curse_of_memory.models.eigenvalue_init import remap_eigenvalues
from curse_of_memory.models.linear_rnn import LinearRNN
from curse_of_memory.recurrence import causal_convolution
from curse_of_memory.tasks.inputs import white_noise

MODES = ("sample", "population")


def check_nu0(nu0: float) -> None:
    if not 0 <= nu0 < 1:
        raise ValueError(f"nu0 must lie in [0, 1), got {nu0}")


def dense_teacher(
    key: Array,
    nu0: float,
    *,
    n: int = 10,
    max_phase: float = 3.14,
    d_in: int = 1,
    d_out: int = 1,
) -> LinearRNN:
    """The paper's teacher (Sec. 4.1).

    The key is split into four (A, B, C, D). A0 has i.i.d. N(0, 1/n) entries and its
    eigenvalues l become (nu0 + (1 - nu0) tanh|l|) exp(i angle(l) max_phase / pi);
    B ~ N(0, 1), C ~ N(0, 1) / sqrt(n), D ~ N(0, 1).
    """
    check_nu0(nu0)
    k_A, k_B, k_C, k_D = jax.random.split(key, 4)
    A0 = jax.random.normal(k_A, (n, n)) / jnp.sqrt(n)
    return LinearRNN(
        A=remap_eigenvalues(A0, nu0, 1.0, max_phase)[None],
        B=jax.random.normal(k_B, (n, d_in)),
        C=jax.random.normal(k_C, (d_out, n)) / jnp.sqrt(n),
        D=jax.random.normal(k_D, (d_out, d_in)),
    )


def kernel_weights(T: int) -> Array:
    """(T - k) / T for k < T: how often lag k enters the time-averaged loss."""
    return (T - jnp.arange(T)) / T


class TeacherStudent(eqx.Module):
    """The task: `sample(key)` draws one batch, `loss(student, batch)` evaluates it.

    teacher: the LinearRNN teacher; teacher_kernel: its impulse response (T, d_out, d_in).
    student_method: how a linear student is evaluated: "auto" or "convolution" use its
    kernel; "sequential" or "associative" run its recurrence over the batch (as the
    paper's code does: slower, same loss).
    """

    teacher: LinearRNN
    teacher_kernel: Array
    batch_size: int = eqx.field(static=True)
    mode: str = eqx.field(static=True)
    student_method: str = eqx.field(static=True, default="auto")

    @property
    def T(self) -> int:
        return self.teacher_kernel.shape[0]

    def sample(self, key: Array) -> Array:
        """Inputs (batch, T, d_in); an empty array in population mode."""
        if self.mode == "population":
            return jnp.zeros((0,))
        return white_noise(key, (self.batch_size, self.T, self.teacher.d_in))

    def loss(self, student, x: Array) -> Array:
        """1/2 mean over batch and time of the squared output error (summed over outputs)."""
        if hasattr(student, "kernel") and self.student_method in ("auto", "convolution"):
            delta = student.kernel(self.T) - self.teacher_kernel
            if self.mode == "population":
                return 0.5 * jnp.sum(kernel_weights(self.T) * jnp.sum(delta**2, axis=(1, 2)))
            error = causal_convolution(delta, x)
        elif self.mode == "population":
            raise ValueError("population mode needs a linear student evaluated through kernel(T)")
        else:
            run = student if self.student_method == "auto" else partial(student, method=self.student_method)
            error = jax.vmap(run)(x) - causal_convolution(self.teacher_kernel, x)
        return 0.5 * jnp.mean(jnp.sum(error**2, axis=-1))

    def zero_predictor_loss(self) -> Array:
        """1/2 E|y*|^2 under white noise: the loss of always predicting 0."""
        return 0.5 * jnp.sum(kernel_weights(self.T) * jnp.sum(self.teacher_kernel**2, axis=(1, 2)))


def teacher_student(
    nu0: float,
    *,
    teacher_seed: int = 42,
    T: int = 300,
    batch_size: int = 128,
    mode: str = "sample",
    n: int = 10,
    max_phase: float = 3.14,
    student_method: str = "auto",
) -> TeacherStudent:
    """The task at memory nu0 with the teacher drawn from `teacher_seed` (default 42, as in
    the paper, independent of the training seed so every run faces the same teacher)."""
    if T < 1:
        raise ValueError(f"T must be a positive number of steps, got {T}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    teacher = dense_teacher(jax.random.PRNGKey(teacher_seed), nu0, n=n, max_phase=max_phase)
    return TeacherStudent(teacher, teacher.kernel(T), batch_size, mode, student_method)
