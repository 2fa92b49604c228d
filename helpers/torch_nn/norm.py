"""Batch and layer normalisation in PyTorch: torch's own layers.

The twins of ``helpers.numpy_nn.norm``: ``BatchNorm1d`` and ``LayerNorm`` here are
``torch.nn.BatchNorm1d`` and ``torch.nn.LayerNorm`` (``helpers.torch_nn.norm.BatchNorm1d
is torch.nn.BatchNorm1d``), with the same arguments, parameters (``weight``, ``bias``)
and buffers (``running_mean``, ``running_var``, ``num_batches_tracked``) as the NumPy
versions, so ``numpy_layer.load_state_dict(torch_layer.state_dict())`` copies one.
"""

from torch.nn import BatchNorm1d, LayerNorm  # noqa: F401  (the twins, re-exported)
