"""Initial weight scales that keep signals from shrinking or exploding with depth.

For a Linear layer with fan_in inputs and fan_out outputs:
    Xavier/Glorot (tanh, sigmoid): Var(w) = 2 / (fan_in + fan_out)
        uniform on [-a, a] with a = sqrt(6 / (fan_in + fan_out))
    He/Kaiming (ReLU, which zeroes half its inputs): Var(w) = 2 / fan_in
        normal with std = sqrt(2 / fan_in)
The PyTorch twins are ``torch.nn.init.xavier_uniform_`` and ``torch.nn.init.kaiming_normal_``.
"""

import math

import numpy as np

from helpers.checks import check_array


def _fans(weight):
    check_array(weight, "weight", ndim=2, finite=False)  # about to be overwritten
    fan_out, fan_in = weight.shape  # weight is (out_features, in_features), as in PyTorch
    return fan_in, fan_out


def xavier_uniform_(weight, rng, gain=1.0):
    """Fill ``weight`` (out_features, in_features) in place from U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(weight)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    weight[...] = rng.uniform(-bound, bound, size=weight.shape)
    return weight


def kaiming_normal_(weight, rng):
    """Fill ``weight`` (out_features, in_features) in place from N(0, 2 / fan_in), for ReLU layers."""
    fan_in, _ = _fans(weight)
    weight[...] = rng.normal(0.0, math.sqrt(2.0 / fan_in), size=weight.shape)
    return weight


def init_mlp_(net, scheme, rng):
    """Re-initialise every Linear layer of a ``Sequential``: "xavier" or "he" weights, zero biases."""
    fill = {"xavier": lambda w: xavier_uniform_(w, rng), "he": lambda w: kaiming_normal_(w, rng)}
    if scheme not in fill:
        raise ValueError(f"unknown scheme {scheme!r}; expected 'xavier' or 'he'")
    for layer in net.layers:
        if hasattr(layer, "weight"):
            fill[scheme](layer.weight)
            layer.bias[...] = 0.0
    return net
