"""Gradient clipping for PyTorch: torch's own.

The twin of ``helpers.numpy_nn.clip``: ``clip_grad_norm_`` here is
``torch.nn.utils.clip_grad_norm_``, called with ``model.parameters()`` after
``loss.backward()``; the NumPy version takes a dict or list of gradient arrays and
computes the same global norm and the same scaling.
"""

from torch.nn.utils import clip_grad_norm_  # noqa: F401  (re-exported)
