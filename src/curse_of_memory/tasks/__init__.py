"""Data: input processes, the linear teacher-student task, memory-kernel functionals,
sequential digits, and text-embedding-like inputs."""

from curse_of_memory.tasks.digits import SequentialDigits, sequential_digits
from curse_of_memory.tasks.embeddings import SyntheticEmbeddings, embedding_inputs, load_embeddings
from curse_of_memory.tasks.inputs import ar1, ar1_batches, white_noise
from curse_of_memory.tasks.memory_functional import (
    MemoryTask,
    cosine_noise,
    memory_task,
    task_from_filter,
)
from curse_of_memory.tasks.memory_kernels import KERNELS, check_integrable, discretize, memory_kernel
from curse_of_memory.tasks.teacher_student import (
    TeacherStudent,
    dense_teacher,
    teacher_student,
)

__all__ = [
    "KERNELS",
    "MemoryTask",
    "check_integrable",
    "cosine_noise",
    "discretize",
    "memory_kernel",
    "memory_task",
    "task_from_filter",
    "SequentialDigits",
    "SyntheticEmbeddings",
    "TeacherStudent",
    "ar1",
    "ar1_batches",
    "dense_teacher",
    "sequential_digits",
    "embedding_inputs",
    "load_embeddings",
    "teacher_student",
    "white_noise",
]
