"""Data: input processes and the linear teacher-student task."""

from curse_of_memory.tasks.embeddings import SyntheticEmbeddings, embedding_inputs, load_embeddings
from curse_of_memory.tasks.inputs import ar1, ar1_batches, white_noise
from curse_of_memory.tasks.teacher_student import (
    TeacherStudent,
    dense_teacher,
    teacher_student,
)

__all__ = [
    "SyntheticEmbeddings",
    "TeacherStudent",
    "ar1",
    "ar1_batches",
    "dense_teacher",
    "embedding_inputs",
    "load_embeddings",
    "teacher_student",
    "white_noise",
]
