"""Loss functions in NumPy, each with its gradient beside it.

Mean squared error (n = number of entries):
    L = (1/n) * sum_i (pred_i - target_i)**2
    dL/dpred = (2/n) * (pred - target)

Binary cross-entropy from logits z and targets t in [0, 1] (N examples):
    L = (1/N) * sum_i [ log(1 + exp(z_i)) - t_i * z_i ]
      = (1/N) * sum_i [ max(z_i, 0) - t_i * z_i + log(1 + exp(-|z_i|)) ]   (stable form)
    dL/dz = (sigmoid(z) - t) / N

Cross-entropy from logits Z (N, K) and labels y (or one-hot rows T):
    L = (1/N) * sum_i [ logsumexp(Z_i) - Z_i[y_i] ]
    dL/dZ = (softmax(Z) - T) / N
"""

import numpy as np

from helpers.checks import (
    check_array,
    check_integer,
    check_labels,
    check_probabilities,
    check_probability_rows,
    check_same_shape,
)
from helpers.numpy_nn.activations import log_softmax, sigmoid, softmax


def mse_loss(pred, target):
    """Mean squared error. pred, target: same shape, e.g. (N,) -> a float.

    The shapes must match exactly: ``(N, 1) - (N,)`` would broadcast to an (N, N)
    matrix and give a wrong loss without any error.
    """
    check_array(pred, "pred", framework="numpy")
    check_array(target, "target", framework="numpy")
    check_same_shape(pred, "pred", target, "target")
    return float(np.mean((pred - target) ** 2))


def mse_loss_backward(pred, target):
    """Gradient of ``mse_loss`` w.r.t. ``pred``: (2/n) * (pred - target), same shape as pred."""
    check_array(pred, "pred", framework="numpy")
    check_array(target, "target", framework="numpy")
    check_same_shape(pred, "pred", target, "target")
    return (2.0 * (pred - target) / pred.size).astype(
        pred.dtype, copy=False
    )  # float32 stays float32


def binary_cross_entropy(probs, targets):
    """Binary cross-entropy from probabilities. probs, targets: (N,) in [0, 1] -> a float.

    -mean(t * log(p) + (1 - t) * log(1 - p)), with each log clamped at -100 as PyTorch
    does, so a confident wrong answer costs a lot but not ``inf``. Prefer
    ``binary_cross_entropy_with_logits``: it never needs the clamp.
    """
    check_probabilities(probs, "probs", framework="numpy")
    targets = _check_binary_targets(targets, probs, "probs")
    with np.errstate(divide="ignore"):  # log(0) = -inf, then clamped
        log_p = np.maximum(np.log(probs), -100.0)
        log_1mp = np.maximum(np.log1p(-probs), -100.0)
    return float(-np.mean(targets * log_p + (1.0 - targets) * log_1mp))


def binary_cross_entropy_with_logits(logits, targets):
    """Binary cross-entropy computed from logits, stably. logits, targets: (N,) -> a float.

    Uses ``max(z, 0) - t * z + log(1 + exp(-|z|))``, finite for any finite logit.
    """
    check_array(logits, "logits", framework="numpy")
    targets = _check_binary_targets(targets, logits, "logits")
    loss = (
        np.maximum(logits, 0.0) - targets * logits + np.log1p(np.exp(-np.abs(logits)))
    )
    return float(np.mean(loss))


def binary_cross_entropy_with_logits_backward(logits, targets):
    """Gradient of ``binary_cross_entropy_with_logits`` w.r.t. the logits: (sigmoid(z) - t) / N."""
    check_array(logits, "logits", framework="numpy")
    targets = _check_binary_targets(targets, logits, "logits")
    return (
        sigmoid(logits) - targets
    ) / logits.size  # targets were cast to logits' dtype


def one_hot(labels, num_classes):
    """labels: (N,) integers in 0..K-1 -> (N, K) float64 array with a single 1 per row."""
    num_classes = check_integer(num_classes, "num_classes", minimum=1)
    check_labels(labels, "labels", num_classes, framework="numpy")
    out = np.zeros((len(labels), num_classes))
    out[np.arange(len(labels)), labels] = 1.0
    return out


def cross_entropy(logits, targets):
    """Softmax cross-entropy from logits. logits: (N, K); targets: labels (N,) or rows (N, K) -> a float.

    ``targets`` may be integer labels in 0..K-1 or probability rows (e.g. one-hot); both
    give the same loss for the same classes. Computed with log-softmax (log-sum-exp), so
    logits of any size give a finite loss.
    """
    check_array(logits, "logits", ndim=2, framework="numpy")
    targets = _target_rows(targets, logits)
    return float(-np.mean(np.sum(targets * log_softmax(logits), axis=1)))


def cross_entropy_backward(logits, targets):
    """Gradient of ``cross_entropy`` w.r.t. the logits: (softmax(Z) - T) / N, shape (N, K)."""
    check_array(logits, "logits", ndim=2, framework="numpy")
    targets = _target_rows(targets, logits)
    return (softmax(logits) - targets) / len(
        logits
    )  # targets were cast to logits' dtype


def _check_binary_targets(targets, like, like_name):
    check_array(targets, "targets", dtype=None, framework="numpy")
    check_same_shape(like, like_name, targets, "targets")
    targets = targets.astype(like.dtype)  # so a float32 backward stays float32
    check_probabilities(targets, "targets")
    return targets


def _target_rows(targets, logits):
    """Turn labels (N,) or rows (N, K) into (N, K) rows of logits' dtype, checking them against logits (N, K)."""
    n, k = logits.shape
    check_array(targets, "targets", ndim=(1, 2), dtype=None, framework="numpy")
    if targets.ndim == 1:
        check_labels(targets, "targets", num_classes=k)
        if len(targets) != n:
            raise ValueError(
                f"targets must hold one label per row of logits: logits has shape {logits.shape}, "
                f"targets has shape {targets.shape}"
            )
        return one_hot(targets, k).astype(logits.dtype)
    check_same_shape(logits, "logits", targets, "targets")
    check_probability_rows(targets, "targets")
    return targets.astype(logits.dtype, copy=False)
