"""Wang, Li & Li, ICLR 2024 (inverse approximation: memory functions, perturbation errors)
and Wang & Li, ICML 2024 (StableSSM: stable reparameterizations)."""
