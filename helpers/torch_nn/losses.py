"""Loss functions in PyTorch, twins of ``helpers.numpy_nn.losses``; autograd supplies the gradients."""

import torch
import torch.nn.functional as F

from helpers.checks import (
    check_array,
    check_integer,
    check_labels,
    check_probabilities,
    check_probability_rows,
    check_same_shape,
)


def mse_loss(pred, target):
    """Mean squared error. pred, target: tensors of the same shape -> a scalar tensor.

    Unlike ``F.mse_loss``, which only warns, mismatched shapes raise an error here.
    """
    check_array(pred, "pred", framework="torch")
    check_array(target, "target", framework="torch")
    check_same_shape(pred, "pred", target, "target")
    return F.mse_loss(pred, target)


def binary_cross_entropy(probs, targets):
    """Binary cross-entropy from probabilities (N,) in [0, 1]; logs clamped at -100 by PyTorch."""
    check_probabilities(probs, "probs", framework="torch")
    return F.binary_cross_entropy(probs, _binary_targets(targets, probs, "probs"))


def binary_cross_entropy_with_logits(logits, targets):
    """Binary cross-entropy from logits (N,), computed stably by PyTorch."""
    check_array(logits, "logits", framework="torch")
    return F.binary_cross_entropy_with_logits(
        logits, _binary_targets(targets, logits, "logits")
    )


def one_hot(labels, num_classes):
    """labels: (N,) integers in 0..K-1 -> (N, K) float tensor (torch's default float dtype)."""
    num_classes = check_integer(num_classes, "num_classes", minimum=1)
    check_labels(labels, "labels", num_classes, framework="torch")
    return F.one_hot(labels.long(), num_classes).to(torch.get_default_dtype())


def cross_entropy(logits, targets):
    """Softmax cross-entropy. logits: (N, K); targets: labels (N,) or probability rows (N, K)."""
    check_array(logits, "logits", ndim=2, framework="torch")
    check_array(targets, "targets", ndim=(1, 2), dtype=None, framework="torch")
    if targets.ndim == 1:
        check_labels(targets, "targets", num_classes=logits.shape[1])
        if len(targets) != len(logits):
            raise ValueError(
                f"targets must hold one label per row of logits: logits has shape "
                f"{tuple(logits.shape)}, targets has shape {tuple(targets.shape)}"
            )
        return F.cross_entropy(logits, targets.long())
    check_same_shape(logits, "logits", targets, "targets")
    check_probability_rows(targets, "targets")
    return F.cross_entropy(logits, targets.to(logits.dtype))


def _binary_targets(targets, like, like_name):
    check_array(targets, "targets", dtype=None, framework="torch")
    check_same_shape(like, like_name, targets, "targets")
    targets = targets.to(like.dtype)
    check_probabilities(targets, "targets")
    return targets
