"""Loss functions in NumPy, each with its gradient beside it.

Mean squared error:
    L = (1/n) * sum_i (pred_i - target_i)**2          (n = number of entries)
    dL/dpred = (2/n) * (pred - target)
"""

import numpy as np

from helpers.checks import check_array, check_same_shape


def mse_loss(pred, target):
    """Mean squared error. pred, target: same shape, e.g. (N,) -> a float.

    The shapes must match exactly: ``(N, 1) - (N,)`` would broadcast to an (N, N)
    matrix and give a wrong loss without any error.
    """
    check_array(pred, "pred")
    check_array(target, "target")
    check_same_shape(pred, "pred", target, "target")
    return float(np.mean((pred - target) ** 2))


def mse_loss_backward(pred, target):
    """Gradient of ``mse_loss`` w.r.t. ``pred``: (2/n) * (pred - target), same shape as pred."""
    check_array(pred, "pred")
    check_array(target, "target")
    check_same_shape(pred, "pred", target, "target")
    return 2.0 * (pred - target) / pred.size
