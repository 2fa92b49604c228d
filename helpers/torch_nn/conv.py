"""Convolution and pooling in PyTorch: ``torch.nn``'s own, twins of ``numpy_nn.conv``.

These names are torch's own classes and functions, re-exported so that a reader finds
each NumPy reference's twin under the same name:

    Conv1d, Conv2d, MaxPool2d, AvgPool2d, Flatten     = torch.nn.Conv1d, ...
    conv1d, conv2d, max_pool2d, avg_pool2d           = torch.nn.functional.conv1d, ...

Same constructor arguments and parameter names and shapes: ``weight`` (F, C, kH, kW),
``bias`` (F,); x: (N, C, H, W) -> (N, F, H_out, W_out). The NumPy backward functions
(``conv2d_backward``, ...) have no twin here: ``torch.autograd`` computes them.
``conv_output_size`` and ``receptive_field`` are arithmetic on integers; use the ones
in ``helpers.numpy_nn.conv``, which hold for both.
"""

from torch.nn import AvgPool2d, Conv1d, Conv2d, Flatten, MaxPool2d
from torch.nn.functional import avg_pool2d, conv1d, conv2d, max_pool2d

__all__ = [
    "AvgPool2d",
    "Conv1d",
    "Conv2d",
    "Flatten",
    "MaxPool2d",
    "avg_pool2d",
    "conv1d",
    "conv2d",
    "max_pool2d",
]
