"""The atlas: the curse-of-memory diagnostics across recurrent layers, side by side."""
