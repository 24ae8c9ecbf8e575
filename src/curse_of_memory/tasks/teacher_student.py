"""The linear teacher-student task of Zucchet & Orvieto (2024), Sec. 4.

A dense linear teacher (n = 10 states, d_in = d_out = 1) with eigenvalue magnitudes in about
[nu0, nu0 + 0.76 (1 - nu0)] produces targets y* from i.i.d. N(0, 1) inputs of length T; a
student is trained on L = 1/2 mean_{batch, t} |y_t - y*_t|^2 with fresh inputs every step.

Both teacher and (linear) student are causal filters, so the error is itself a filter with
kernel Delta K = K_student - K_teacher:

- ``sample`` mode draws the inputs and convolves them with Delta K. This is exactly the
  loss of the paper's pipeline (same inputs, same outputs), without ever forming the
  batch x T x hidden state.
  For a linear student the sampled loss is also a quadratic form in Delta K
  (``student_method="gram"``, and `train_members`, where many students share one batch):

      L = 1/(2 B T) sum_{j,k<T} tr(Delta K_j G_jk Delta K_k^T),
      G_jk = sum_b sum_{t >= max(j,k)} x_{b,t-j} x_{b,t-k}^T,

  where the Gram tensor G (T, T, d_in, d_in) depends on the inputs alone (`gram`). Every
  student, learning rate and nu0 that sees the same batch shares one G: O(B T^2) once per
  batch, then O(T^2) per student instead of an O(B T^2) convolution each.
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
STUDENT_METHODS = ("auto", "gram", "convolution", "sequential", "associative")
# "legacy": JAX's PRNG before `jax_threefry_partitionable` became True, the one the paper's
# figures were made with; "current": today's default, which draws another teacher from seed 42.
PRNGS = ("legacy", "current")


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


def gram(x: Array) -> Array:
    """The sufficient statistics of a batch x (B, T, d_in): G (T, T, d_in, d_in) with
    G[j, k] = sum_b sum_{t >= max(j, k)} x[b, t-j] x[b, t-k]^T.

    From M = sum_b x_b x_b^T (T, T, d_in, d_in) flipped in time (R[j, k] = M[T-1-j, T-1-k]),
    G[j, k] = sum_{m >= 0} R[j+m, k+m]: suffix sums along the diagonals of R. Each row j is
    shifted by j (a pad and a reshape), so that a diagonal becomes a column, summed by a
    reversed cumulative sum, then shifted back.
    """
    T = x.shape[-2]
    R = jnp.einsum("bsi,buj->suij", x, x)[::-1, ::-1]
    rest = R.shape[2:]
    pad = [(0, 0)] * len(rest)
    # skewed[j, c] = R[j, T-1-c+j]: column c holds the diagonal k - j = T-1-c.
    skewed = jnp.pad(R[:, ::-1], [(0, 0), (0, T), *pad]).reshape(2 * T * T, *rest)
    skewed = skewed[: T * (2 * T - 1)].reshape(T, 2 * T - 1, *rest)
    summed = jnp.cumsum(skewed[::-1], axis=0)[::-1]
    # Shift back: unskewed[j, c] = summed[j, c + j], and G[j, k] = unskewed[j, T-1-k].
    unskewed = jnp.pad(summed.reshape(T * (2 * T - 1), *rest), [(0, T), *pad]).reshape(T, 2 * T, *rest)
    return unskewed[:, T - 1 :: -1]


def gram_loss(delta: Array, G: Array, batch_size: int) -> Array:
    """1/(2 B T) sum_{j,k} tr(delta_j G_jk delta_k^T): the sampled loss of an error kernel
    delta (T, d_out, d_in) on the batch whose Gram tensor is G (T, T, d_in, d_in)."""
    T = delta.shape[0]
    if delta.shape[2] == 1:  # the teacher-student hot path: one (T, T) matrix product
        e = delta[:, :, 0]
        return jnp.sum(e * (G[:, :, 0, 0] @ e)) / (2 * batch_size * T)
    return jnp.einsum("joi,jkil,kol->", delta, G, delta) / (2 * batch_size * T)


def kernel_weights(T: int) -> Array:
    """(T - k) / T for k < T: how often lag k enters the time-averaged loss."""
    return (T - jnp.arange(T)) / T


class TeacherStudent(eqx.Module):
    """The task: `sample(key)` draws one batch, `loss(student, batch)` evaluates it.

    teacher: the LinearRNN teacher; teacher_kernel: its impulse response (T, d_out, d_in).
    student_method: how a linear student is evaluated: "auto" or "convolution" convolve the
    batch with its error kernel (the reference path); "gram" uses its kernel and the batch's
    Gram tensor (`gram_loss`, the same loss); "sequential" or "associative" run its recurrence
    over the batch (as the paper's code does: slower, same loss).
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
        if hasattr(student, "kernel") and self.student_method in ("auto", "gram", "convolution"):
            delta = student.kernel(self.T) - self.teacher_kernel
            if self.mode == "population":
                return 0.5 * jnp.sum(kernel_weights(self.T) * jnp.sum(delta**2, axis=(1, 2)))
            if self.student_method == "gram":
                return gram_loss(delta, gram(x), x.shape[0])
            # One student per batch: the convolution is faster (bench: 1.8 vs 2.5 ms per LRU
            # step); the Gram tensor pays off when many members share it (`train_members`).
            return 0.5 * jnp.mean(jnp.sum(causal_convolution(delta, x) ** 2, axis=-1))
        if self.mode == "population":
            raise ValueError("population mode needs a linear student evaluated through kernel(T)")
        if self.student_method == "gram":
            raise ValueError("the gram method needs a linear student evaluated through kernel(T)")
        run = student if self.student_method == "auto" else partial(student, method=self.student_method)
        error = jax.vmap(run)(x) - causal_convolution(self.teacher_kernel, x)
        return 0.5 * jnp.mean(jnp.sum(error**2, axis=-1))

    def statistics(self, x: Array) -> Array:
        """The Gram tensor of a batch (`gram`), shared by every task with the same inputs."""
        return gram(x)

    def statistics_loss(self, student, G: Array) -> Array:
        """The sampled loss of a linear student from the batch's Gram tensor G alone."""
        return gram_loss(student.kernel(self.T) - self.teacher_kernel, G, self.batch_size)

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
    prng: str = "legacy",
) -> TeacherStudent:
    """The task at memory nu0 with the teacher drawn from `teacher_seed` (default 42, as in
    the paper, independent of the training seed so every run faces the same teacher).

    prng: "legacy" (default) draws the teacher under JAX's old PRNG
    (`jax.threefry_partitionable(False)`), as the paper's figures did: at nu0 = 0.99 its
    |lambda| span [0.99243, 0.99688] and its zero-predictor loss is 118.7. "current" uses
    today's PRNG, which gives another teacher from the same seed ([0.99356, 0.99753], 310).
    """
    if T < 1:
        raise ValueError(f"T must be a positive number of steps, got {T}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if student_method not in STUDENT_METHODS:
        raise ValueError(f"student_method must be one of {STUDENT_METHODS}, got {student_method!r}")
    if prng not in PRNGS:
        raise ValueError(f"prng must be one of {PRNGS}, got {prng!r}")
    with jax.threefry_partitionable(prng == "current"):
        teacher = dense_teacher(jax.random.PRNGKey(teacher_seed), nu0, n=n, max_phase=max_phase)
    return TeacherStudent(teacher, teacher.kernel(T), batch_size, mode, student_method)
