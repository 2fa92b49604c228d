"""Classification metrics on tensors, twins of ``helpers.numpy_nn.metrics``.

They run on any device; each returns a Python float (or an int64 tensor for the
confusion matrix), so the numbers can be compared with the NumPy ones directly.
The averages (``"binary"``, ``"macro"``, ``"micro"``, ``"weighted"``) mean exactly
what they mean in the NumPy version and in scikit-learn.
"""

import torch

from helpers.checks import check_choice, check_integer, check_labels, check_same_length

AVERAGES = ("binary", "macro", "micro", "weighted")


def _check_pair(y_true, y_pred):
    check_labels(y_true, "y_true", framework="torch")
    check_labels(y_pred, "y_pred", framework="torch")
    check_same_length(y_true, "y_true", y_pred, "y_pred")


def accuracy(y_true, y_pred):
    """The fraction of predictions equal to the labels. y_true, y_pred: (N,) -> float."""
    _check_pair(y_true, y_pred)
    return float((y_true == y_pred).double().mean())


def confusion_matrix(y_true, y_pred, num_classes=None):
    """``C[i, j]`` = examples of true class i predicted as j: (K, K) int64 on the labels' device."""
    _check_pair(y_true, y_pred)
    if num_classes is None:
        k = int(max(y_true.max(), y_pred.max())) + 1
    else:
        k = check_integer(num_classes, "num_classes", minimum=1)
    check_labels(y_true, "y_true", k)
    check_labels(y_pred, "y_pred", k)
    flat = torch.bincount(y_true.long() * k + y_pred.long(), minlength=k * k)
    return flat.reshape(k, k)


def _check_average(y_true, y_pred, average, positive):
    check_choice(average, "average", AVERAGES)
    positive = check_integer(positive, "positive", minimum=0)
    if positive > 1:
        raise ValueError(
            f"positive must be 0 or 1 (the class scored by average='binary'), got {positive}"
        )
    C = confusion_matrix(y_true, y_pred)
    if average == "binary":
        if C.shape[0] > 2:
            raise ValueError(
                f"average='binary' needs labels 0 and 1, got {C.shape[0]} classes; "
                f"use average='macro', 'micro' or 'weighted'"
            )
        C = torch.nn.functional.pad(C, (0, 2 - C.shape[0], 0, 2 - C.shape[0]))
    return C, positive


def _safe_divide(num, den):
    return torch.where(den > 0, num / den.clamp(min=1e-300), torch.zeros_like(num))


def _precision_recall_f1(y_true, y_pred, average, positive):
    """Precision, recall and F1, averaged as in ``helpers.numpy_nn.metrics``."""
    C, positive = _check_average(y_true, y_pred, average, positive)
    C = C.double()
    tp, predicted, actual = C.diagonal(), C.sum(dim=0), C.sum(dim=1)
    if average == "binary":
        classes = torch.tensor([positive], device=C.device)
    else:
        classes = torch.nonzero(
            predicted + actual > 0
        ).flatten()  # the labels present in y_true or y_pred
    tp, predicted, actual = tp[classes], predicted[classes], actual[classes]
    if average == "micro":
        tp, predicted, actual = (
            tp.sum(dim=0, keepdim=True),
            predicted.sum(dim=0, keepdim=True),
            actual.sum(dim=0, keepdim=True),
        )
    p, r = _safe_divide(tp, predicted), _safe_divide(tp, actual)
    f1 = _safe_divide(2 * p * r, p + r)
    weights = actual if average == "weighted" else torch.ones_like(tp)
    return tuple(float((score * weights).sum() / weights.sum()) for score in (p, r, f1))


def precision(y_true, y_pred, average="binary", positive=1):
    """TP / (TP + FP), as in the NumPy version."""
    return _precision_recall_f1(y_true, y_pred, average, positive)[0]


def recall(y_true, y_pred, average="binary", positive=1):
    """TP / (TP + FN), as in the NumPy version."""
    return _precision_recall_f1(y_true, y_pred, average, positive)[1]


def f1_score(y_true, y_pred, average="binary", positive=1):
    """Harmonic mean of precision and recall, as in the NumPy version."""
    return _precision_recall_f1(y_true, y_pred, average, positive)[2]
