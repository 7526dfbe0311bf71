"""nnexp: neural-network experiments from first principles, in NumPy."""

__version__ = "0.1.0"
