"""Li, Han, E & Li, ICLR 2021 / JMLR 2022, "the curse of memory in approximation and
optimization" of linear RNNs: approximation rates, plateaus, Figs 1 and 4
(Figs 1 and 4 share `residual_training`, their student and training settings, and
`training_curves`, how plateaus are read off loss curves)."""
