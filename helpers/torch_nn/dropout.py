"""Dropout in PyTorch: torch's own layer.

The twin of ``helpers.numpy_nn.dropout``: ``Dropout`` here is ``torch.nn.Dropout``.
Both are inverted dropout (kept units scaled by 1 / (1 - p) in training, the identity
in evaluation); their random masks come from different generators and differ.
"""

from torch.nn import Dropout  # noqa: F401  (the twin, re-exported)
