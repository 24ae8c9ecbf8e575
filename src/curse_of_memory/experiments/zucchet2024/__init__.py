"""Zucchet & Orvieto, NeurIPS 2024, "Recurrent neural networks: vanishing and exploding
gradients are not the end of the story": Figs 1 to 15 (`fig1` ... `fig15`), with what
several figures share (`students`, `one_dimensional`, `signal_grid`, `embedding_inputs`...)."""
