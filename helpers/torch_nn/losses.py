"""Loss functions in PyTorch, twins of ``helpers.numpy_nn.losses``; autograd supplies the gradients."""

import torch.nn.functional as F

from helpers.checks import check_array, check_same_shape


def mse_loss(pred, target):
    """Mean squared error. pred, target: tensors of the same shape -> a scalar tensor.

    Unlike ``F.mse_loss``, which only warns, mismatched shapes raise an error here.
    """
    check_array(pred, "pred")
    check_array(target, "target")
    check_same_shape(pred, "pred", target, "target")
    return F.mse_loss(pred, target)
