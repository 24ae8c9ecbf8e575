"""Ribeiro, Tiels, Aguirre & Schön, AISTATS 2020, "Beyond exploding and vanishing gradients:
analysing RNN training using attractors and smoothness": the chaotic LSTM, smoothness
constants, and orbit diagrams during training (`orbits` is what the two training studies share)."""
