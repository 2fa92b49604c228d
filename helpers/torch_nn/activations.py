"""Squashing functions in PyTorch, twins of ``helpers.numpy_nn.activations``.

PyTorch's built-ins are already stable; these add the same argument checks.
"""

import torch
import torch.nn.functional as F

from helpers.checks import check_array


def sigmoid(z):
    """Elementwise logistic function; z: any shape -> same shape."""
    return torch.sigmoid(check_array(z, "z", framework="torch"))


def log_sigmoid(z):
    """log(sigmoid(z)), stable."""
    return F.logsigmoid(check_array(z, "z", framework="torch"))


def logsumexp(z, axis=-1, keepdims=False):
    """log(sum(exp(z), axis)) without overflow; z: (..., K) -> (...)."""
    return torch.logsumexp(
        check_array(z, "z", framework="torch"), dim=axis, keepdim=keepdims
    )


def log_softmax(z, axis=-1):
    """z - logsumexp(z); z: (N, K) -> (N, K)."""
    return torch.log_softmax(check_array(z, "z", framework="torch"), dim=axis)


def softmax(z, axis=-1):
    """Rows of non-negative numbers summing to 1; z: (N, K) -> (N, K)."""
    return torch.softmax(check_array(z, "z", framework="torch"), dim=axis)
