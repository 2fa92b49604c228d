"""The embedding layer for PyTorch: torch's own.

The twin of ``helpers.numpy_nn.embedding``: ``Embedding`` here is
``torch.nn.Embedding``; the NumPy version has the same ``weight`` (V, D), the same
N(0, 1) initialisation, and the same outputs and gradients.
"""

from torch.nn import Embedding  # noqa: F401  (re-exported)
