"""The fully connected layer: PyTorch's own ``nn.Linear``, twin of ``helpers.numpy_nn.linear.Linear``.

out = x @ weight.T + bias;  x: (N, in_features) -> (N, out_features);
weight (out_features, in_features), bias (out_features,).
"""

from torch.nn import Linear

__all__ = ["Linear"]
