"""Classification metrics on tensors, twins of ``helpers.numpy_nn.metrics``.

They run on any device; each returns a Python float (or an int64 tensor for the
confusion matrix), so the numbers can be compared with the NumPy ones directly.
"""

import torch

from helpers.checks import check_choice, check_labels, check_same_length


def _check_pair(y_true, y_pred):
    check_labels(y_true, "y_true")
    check_labels(y_pred, "y_pred")
    check_same_length(y_true, "y_true", y_pred, "y_pred")
    if len(y_true) == 0:
        raise ValueError("y_true and y_pred must hold at least one example, got 0")


def accuracy(y_true, y_pred):
    """The fraction of predictions equal to the labels. y_true, y_pred: (N,) -> float."""
    _check_pair(y_true, y_pred)
    return float((y_true == y_pred).double().mean())


def confusion_matrix(y_true, y_pred, num_classes=None):
    """``C[i, j]`` = examples of true class i predicted as j: (K, K) int64 on the labels' device."""
    _check_pair(y_true, y_pred)
    k = num_classes or int(max(y_true.max(), y_pred.max())) + 1
    check_labels(y_true, "y_true", k)
    check_labels(y_pred, "y_pred", k)
    flat = torch.bincount(y_true.long() * k + y_pred.long(), minlength=k * k)
    return flat.reshape(k, k)


def _scores(y_true, y_pred, average, positive):
    check_choice(average, "average", ("binary", "macro"))
    C = confusion_matrix(y_true, y_pred).double()
    if average == "binary":
        if C.shape[0] > 2:
            raise ValueError(f"average='binary' needs labels 0 and 1, got {C.shape[0]} classes; use average='macro'")
        C = torch.nn.functional.pad(C, (0, 2 - C.shape[0], 0, 2 - C.shape[0]))
        classes = [positive]
    else:
        classes = list(range(C.shape[0]))
    tp = C.diagonal()[classes]
    predicted, actual = C[:, classes].sum(dim=0), C[classes, :].sum(dim=1)
    p = torch.where(predicted > 0, tp / predicted.clamp(min=1), torch.zeros_like(tp))
    r = torch.where(actual > 0, tp / actual.clamp(min=1), torch.zeros_like(tp))
    f1 = torch.where(p + r > 0, 2 * p * r / (p + r).clamp(min=1e-300), torch.zeros_like(tp))
    return p, r, f1


def precision(y_true, y_pred, average="binary", positive=1):
    """TP / (TP + FP), as in the NumPy version."""
    return float(_scores(y_true, y_pred, average, positive)[0].mean())


def recall(y_true, y_pred, average="binary", positive=1):
    """TP / (TP + FN), as in the NumPy version."""
    return float(_scores(y_true, y_pred, average, positive)[1].mean())


def f1_score(y_true, y_pred, average="binary", positive=1):
    """Harmonic mean of precision and recall, as in the NumPy version."""
    return float(_scores(y_true, y_pred, average, positive)[2].mean())
