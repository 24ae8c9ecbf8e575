"""curse-of-memory: why recurrent networks struggle to learn long memory, in JAX."""

__version__ = "0.1.0"
