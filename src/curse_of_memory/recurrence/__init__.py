"""Numerical core: linear recurrences by scan, associative scan and causal convolution."""

from curse_of_memory.recurrence.convolution import causal_convolution, toeplitz
from curse_of_memory.recurrence.dense import block_matvec, dense_recurrence
from curse_of_memory.recurrence.diagonal import linear_recurrence, powers

__all__ = [
    "block_matvec",
    "causal_convolution",
    "dense_recurrence",
    "linear_recurrence",
    "powers",
    "toeplitz",
]
