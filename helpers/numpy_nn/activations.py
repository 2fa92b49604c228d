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


# ------------------------------------------------------------------ the softmax's backward pass
# (Its imports sit here, with the code that uses them, so this section reads on its own.)
from helpers.checks import check_probabilities, check_same_shape  # noqa: E402


def softmax_backward(dout, probs, axis=-1):
    """The gradient through a softmax, without forming its Jacobian.

    If ``probs = softmax(z, axis)`` and ``dout`` is dL/d(probs), the chain rule with the
    Jacobian ``J = diag(s) - s s^T`` of each slice ``s`` along ``axis`` (J is symmetric)
    gives

        dL/dz = J dout = s * (dout - sum(dout * s, axis)),

    which costs O(K) per slice of K classes instead of the O(K^2) of building ``J``.

    Args:
        dout: (..., K) float array, the gradient of the loss w.r.t. the softmax's output.
        probs: (..., K) float array of the same shape and dtype, the softmax's output
            (each slice along ``axis`` non-negative and summing to 1).
        axis: the axis the softmax was taken along (default: the last).

    Returns:
        (..., K) array of ``probs``'s dtype: the gradient w.r.t. the softmax's input z.

    Raises:
        TypeError: if either is not a floating-point NumPy array, their dtypes differ,
            or ``axis`` is not an integer.
        ValueError: if the shapes differ, ``axis`` is out of range, a value is not
            finite, or ``probs`` is not a probability distribution along ``axis``.
    """
    check_array(dout, "dout", framework="numpy")
    check_array(probs, "probs", framework="numpy")
    check_same_shape(dout, "dout", probs, "probs")
    if dout.dtype != probs.dtype:
        raise TypeError(
            f"dout must have the dtype of probs, {probs.dtype}, got {dout.dtype}"
        )
    axis = check_softmax_axis(axis, probs.ndim)
    check_softmax_output(probs, axis)
    dot = np.sum(
        dout * probs, axis=axis, keepdims=True
    )  # (..., 1, ...): g . s for every slice
    return probs * (dout - dot)


def check_softmax_axis(axis, ndim):
    """Check an ``axis`` for an array of ``ndim`` >= 1 dimensions; return it as an int in 0..ndim-1."""
    if ndim == 0:
        raise ValueError(
            "the array must have at least one dimension (the classes), got a 0-D array"
        )
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(
            f"axis must be an integer, got {axis!r} of type {type(axis).__name__}"
        )
    if not -ndim <= axis < ndim:
        raise ValueError(
            f"axis must be in {-ndim}..{ndim - 1} for an array of {ndim} dimension(s), got {axis}"
        )
    return int(axis) % ndim


def check_softmax_output(probs, axis=-1):
    """Check that ``probs`` is a softmax's output: in [0, 1] and summing to 1 along ``axis``."""
    check_probabilities(probs, "probs", framework="numpy")
    if probs.size:
        tolerance = 1e-8 if probs.dtype == np.float64 else 1e-3
        worst = float(np.max(np.abs(np.sum(probs, axis=axis, dtype=np.float64) - 1.0)))
        if worst > tolerance:
            raise ValueError(
                f"probs must sum to 1 along axis {axis} (a softmax's output), got a sum off by "
                f"{worst:.3g}; pass the softmax's output, not its input (the logits)"
            )
    return probs
