"""Squashing functions in NumPy, written to be numerically stable.

sigmoid(z) = 1 / (1 + exp(-z))                         R -> (0, 1)
softmax(z)_k = exp(z_k) / sum_j exp(z_j)               R^K -> probability vectors
logsumexp(z) = log sum_j exp(z_j) = m + log sum_j exp(z_j - m),  m = max_j z_j

The naive formulas overflow: exp(1000) is inf in float64. Each function here only
ever exponentiates non-positive numbers, so its result is finite for any finite input.
"""

import numpy as np

from helpers.checks import check_array


def sigmoid(z):
    """The logistic function, elementwise. z: any shape -> same shape, values in [0, 1].

    For z >= 0 uses 1 / (1 + exp(-z)); for z < 0 the equal form exp(z) / (1 + exp(z)).
    """
    check_array(z, "z", framework="numpy")
    e = np.exp(-np.abs(z))  # in (0, 1], never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def log_sigmoid(z):
    """log(sigmoid(z)) = -log(1 + exp(-z)), elementwise and stable for large |z|."""
    check_array(z, "z", framework="numpy")
    return -np.logaddexp(0.0, -z)


def logsumexp(z, axis=-1, keepdims=False):
    """log(sum(exp(z), axis)) without overflow. z: (..., K) -> (...) (or (..., 1) with keepdims)."""
    check_array(z, "z", framework="numpy")
    m = np.max(z, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


def log_softmax(z, axis=-1):
    """log(softmax(z)) = z - logsumexp(z). z: (N, K) -> (N, K)."""
    check_array(z, "z", framework="numpy")
    return z - logsumexp(z, axis=axis, keepdims=True)


def softmax(z, axis=-1):
    """Softmax along ``axis``. z: (N, K) -> (N, K), each row non-negative and summing to 1."""
    check_array(z, "z", framework="numpy")
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)
