"""Classification metrics from scratch in NumPy.

With TP, FP, FN, TN the counts of true/false positives/negatives:
    accuracy  = (TP + TN) / N
    precision = TP / (TP + FP)      of the examples called positive, the share that are
    recall    = TP / (TP + FN)      of the positive examples, the share that were found
    F1        = 2 * precision * recall / (precision + recall)
When a ratio has no examples to count (nothing was called positive, say) it is
reported as 0, as scikit-learn does.

The curves sweep the threshold over every distinct score: an example is called
positive when its score >= the threshold.
"""

import numpy as np

from helpers.checks import (
    check_array,
    check_choice,
    check_integer,
    check_labels,
    check_same_length,
)

AVERAGES = ("binary", "macro", "micro", "weighted")


def _check_pair(y_true, y_pred):
    check_labels(y_true, "y_true", framework="numpy")
    check_labels(y_pred, "y_pred", framework="numpy")
    check_same_length(y_true, "y_true", y_pred, "y_pred")


def accuracy(y_true, y_pred):
    """The fraction of predictions equal to the labels. y_true, y_pred: (N,) ints -> float."""
    _check_pair(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true, y_pred, num_classes=None):
    """Counts ``C[i, j]`` of examples of true class i predicted as class j: (K, K) int64.

    Rows are true classes, columns predictions (scikit-learn's convention), so the
    diagonal holds the correct predictions. K is ``num_classes`` (a positive integer,
    larger than every label) or, by default, 1 + the largest label seen.
    """
    _check_pair(y_true, y_pred)
    if num_classes is None:
        k = int(max(y_true.max(), y_pred.max())) + 1
    else:
        k = check_integer(num_classes, "num_classes", minimum=1)
    check_labels(y_true, "y_true", k)
    check_labels(y_pred, "y_pred", k)
    counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


def _check_average(y_true, y_pred, average, positive):
    """Check the averaging arguments; return the confusion matrix (K, K), at least 2 x 2 for ``"binary"``."""
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
        C = np.pad(C, ((0, 2 - C.shape[0]), (0, 2 - C.shape[0])))
    return C, positive


def _precision_recall_f1(y_true, y_pred, average, positive):
    """Precision, recall and F1 averaged as scikit-learn does (with ``zero_division=0``).

    ``"binary"``: the scores of class ``positive``. Otherwise per class, over the classes that
    occur in ``y_true`` or ``y_pred``: ``"macro"`` is their plain mean, ``"weighted"`` their
    mean weighted by each class's count in ``y_true``, and ``"micro"`` first adds up the
    counts of all classes (for single-label data all three scores then equal accuracy).
    """
    C, positive = _check_average(y_true, y_pred, average, positive)
    tp = np.diag(C).astype(float)  # per class
    predicted, actual = C.sum(axis=0).astype(float), C.sum(axis=1).astype(float)
    if average == "binary":
        classes = [positive]
    else:
        classes = np.flatnonzero(
            predicted + actual > 0
        )  # the labels present in y_true or y_pred
    tp, predicted, actual = tp[classes], predicted[classes], actual[classes]
    if average == "micro":
        tp, predicted, actual = (
            tp.sum(keepdims=True),
            predicted.sum(keepdims=True),
            actual.sum(keepdims=True),
        )
    p, r = _safe_divide(tp, predicted), _safe_divide(tp, actual)
    f1 = _safe_divide(2 * p * r, p + r)
    weights = actual if average == "weighted" else np.ones_like(tp)
    return tuple(
        float(np.sum(score * weights) / np.sum(weights)) for score in (p, r, f1)
    )


def _safe_divide(num, den):
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def precision(y_true, y_pred, average="binary", positive=1):
    """TP / (TP + FP). ``average``: ``"binary"`` scores class ``positive`` (0 or 1); ``"macro"``,
    ``"micro"`` and ``"weighted"`` average over the classes present, exactly as scikit-learn does.
    """
    return _precision_recall_f1(y_true, y_pred, average, positive)[0]


def recall(y_true, y_pred, average="binary", positive=1):
    """TP / (TP + FN). ``average`` as in ``precision``."""
    return _precision_recall_f1(y_true, y_pred, average, positive)[1]


def f1_score(y_true, y_pred, average="binary", positive=1):
    """The harmonic mean of precision and recall, per class, then averaged (``average`` as in ``precision``)."""
    return _precision_recall_f1(y_true, y_pred, average, positive)[2]


def _counts_by_threshold(y_true, scores):
    """For each distinct score s (highest first): TP and FP when calling ``scores >= s`` positive."""
    check_labels(y_true, "y_true", num_classes=2, framework="numpy")
    check_array(scores, "scores", ndim=1, framework="numpy")
    check_same_length(y_true, "y_true", scores, "scores")
    order = np.argsort(-scores, kind="stable")
    sorted_scores, sorted_true = scores[order], y_true[order]
    last_of_each_score = np.r_[np.nonzero(np.diff(sorted_scores))[0], len(scores) - 1]
    tp = np.cumsum(sorted_true)[last_of_each_score].astype(float)
    fp = (last_of_each_score + 1) - tp
    return tp, fp, sorted_scores[last_of_each_score]


def roc_curve(y_true, scores):
    """The receiver operating characteristic: false- and true-positive rates per threshold.

    y_true: (N,) 0/1; scores: (N,) higher = more positive.
    Returns ``fpr, tpr, thresholds``, each (T + 1,): the first point (0, 0) has threshold +inf.
    """
    tp, fp, thresholds = _counts_by_threshold(y_true, scores)
    positives, negatives = tp[-1], fp[-1]
    if positives == 0 or negatives == 0:
        raise ValueError(
            "roc_curve needs both classes in y_true, got only class "
            f"{int(y_true[0])}: one of the rates would divide by zero"
        )
    return (
        np.r_[0.0, fp / negatives],
        np.r_[0.0, tp / positives],
        np.r_[np.inf, thresholds],
    )


def precision_recall_curve(y_true, scores):
    """Precision and recall for every threshold, from the highest score down.

    Returns ``precision, recall, thresholds``, each (T,), thresholds decreasing.
    """
    tp, fp, thresholds = _counts_by_threshold(y_true, scores)
    if tp[-1] == 0:
        raise ValueError(
            "precision_recall_curve needs at least one positive example in y_true"
        )
    return tp / (tp + fp), tp / tp[-1], thresholds


def auc(x, y):
    """The area under the curve through points (x, y) by the trapezoid rule. x must be monotonic."""
    check_array(x, "x", ndim=1, framework="numpy")
    check_array(y, "y", ndim=1, framework="numpy")
    check_same_length(x, "x", y, "y")
    dx = np.diff(x)
    if np.any(dx < 0) and np.any(dx > 0):
        raise ValueError("x must be monotonic (sorted) to compute an area")
    return float(abs(np.sum(dx * (y[1:] + y[:-1]) / 2)))


def roc_auc(y_true, scores):
    """The area under the ROC curve: the chance that a random positive outscores a random negative."""
    fpr, tpr, _ = roc_curve(y_true, scores)
    return auc(fpr, tpr)
