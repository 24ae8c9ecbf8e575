"""Data: input processes, the linear teacher-student task, memory-kernel functionals,
sequential digits, text-embedding-like inputs, and the dynamical
tasks of Ribeiro et al. (2020) (sine generator, symbol classification, the chaotic LSTM)."""

from curse_of_memory.tasks.chaotic_lstm import (
    chaotic_lstm,
    chaotic_lstm_map,
    chaotic_lstm_outputs,
    chaotic_weight_hh,
)
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
from curse_of_memory.tasks.sine_generator import SineGenerator, sine_generator, sine_targets
from curse_of_memory.tasks.symbol_classification import (
    SymbolClassification,
    symbol_classification,
    symbol_sequences,
)
from curse_of_memory.tasks.teacher_student import (
    TeacherStudent,
    dense_teacher,
    teacher_student,
)

__all__ = [
    "KERNELS",
    "MemoryTask",
    "SequentialDigits",
    "SineGenerator",
    "SymbolClassification",
    "SyntheticEmbeddings",
    "TeacherStudent",
    "ar1",
    "ar1_batches",
    "chaotic_lstm",
    "chaotic_lstm_map",
    "chaotic_lstm_outputs",
    "chaotic_weight_hh",
    "check_integrable",
    "cosine_noise",
    "dense_teacher",
    "discretize",
    "embedding_inputs",
    "load_embeddings",
    "memory_kernel",
    "memory_task",
    "sequential_digits",
    "sine_generator",
    "sine_targets",
    "symbol_classification",
    "symbol_sequences",
    "task_from_filter",
    "teacher_student",
    "white_noise",
]
