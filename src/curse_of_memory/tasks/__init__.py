"""Data: input processes, the linear teacher-student task, and the dynamical tasks of
Ribeiro et al. (2020) (sine generator, symbol classification, the chaotic LSTM)."""

from curse_of_memory.tasks.chaotic_lstm import (
    chaotic_lstm,
    chaotic_lstm_map,
    chaotic_lstm_outputs,
    chaotic_weight_hh,
)
from curse_of_memory.tasks.inputs import ar1, ar1_batches, white_noise
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
    "SineGenerator",
    "SymbolClassification",
    "TeacherStudent",
    "ar1",
    "ar1_batches",
    "chaotic_lstm",
    "chaotic_lstm_map",
    "chaotic_lstm_outputs",
    "chaotic_weight_hh",
    "dense_teacher",
    "sine_generator",
    "sine_targets",
    "symbol_classification",
    "symbol_sequences",
    "teacher_student",
    "white_noise",
]
