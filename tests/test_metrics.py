"""Metrics from scratch against scikit-learn, and the PyTorch twins against the NumPy ones."""

import numpy as np
import pytest
import torch
from sklearn import metrics as sk

from helpers.numpy_nn import metrics as M
from helpers.torch_nn import metrics as TM


def _binary_predictions(n=200, seed=0):
    rng = np.random.default_rng(seed)
    y_true = (rng.random(n) < 0.3).astype(np.int64)
    scores = y_true + rng.normal(scale=0.8, size=n)
    scores[:20] = np.round(scores[:20])  # ties, which the curves must handle
    return y_true, scores, (scores >= 0.5).astype(np.int64)


def test_binary_metrics_match_scikit_learn_and_torch():
    y_true, _, y_pred = _binary_predictions()
    t_true, t_pred = torch.tensor(y_true), torch.tensor(y_pred)
    for ours, theirs, twin in [
        (M.accuracy, sk.accuracy_score, TM.accuracy),
        (M.precision, sk.precision_score, TM.precision),
        (M.recall, sk.recall_score, TM.recall),
        (M.f1_score, sk.f1_score, TM.f1_score),
    ]:
        assert ours(y_true, y_pred) == pytest.approx(theirs(y_true, y_pred), abs=1e-12)
        assert twin(t_true, t_pred) == pytest.approx(ours(y_true, y_pred), abs=1e-12)
    np.testing.assert_array_equal(
        M.confusion_matrix(y_true, y_pred), sk.confusion_matrix(y_true, y_pred)
    )
    np.testing.assert_array_equal(
        TM.confusion_matrix(t_true, t_pred).numpy(), sk.confusion_matrix(y_true, y_pred)
    )


def test_confusion_matrix_by_hand():
    y_true = np.array([0, 0, 1, 1, 1, 2])
    y_pred = np.array([0, 1, 1, 1, 0, 2])
    expected = np.array([[1, 1, 0], [1, 2, 0], [0, 0, 1]])
    np.testing.assert_array_equal(M.confusion_matrix(y_true, y_pred), expected)
    assert M.precision(y_true[:5], y_pred[:5]) == pytest.approx(2 / 3)  # TP 2, FP 1
    assert M.recall(y_true[:5], y_pred[:5]) == pytest.approx(2 / 3)  # TP 2, FN 1


def test_macro_averages_match_scikit_learn():
    rng = np.random.default_rng(1)
    y_true, y_pred = rng.integers(0, 4, 100), rng.integers(0, 4, 100)
    for ours, theirs, twin in [
        (M.precision, sk.precision_score, TM.precision),
        (M.recall, sk.recall_score, TM.recall),
        (M.f1_score, sk.f1_score, TM.f1_score),
    ]:
        expected = theirs(y_true, y_pred, average="macro")
        assert ours(y_true, y_pred, average="macro") == pytest.approx(
            expected, abs=1e-12
        )
        assert twin(
            torch.tensor(y_true), torch.tensor(y_pred), average="macro"
        ) == pytest.approx(expected, abs=1e-12)


def test_zero_division_gives_zero_like_scikit_learn():
    y_true, y_pred = np.array([1, 1, 0]), np.array([0, 0, 0])
    assert (
        M.precision(y_true, y_pred)
        == 0.0
        == sk.precision_score(y_true, y_pred, zero_division=0)
    )
    assert M.f1_score(y_true, y_pred) == 0.0


def test_roc_curve_and_auc_match_scikit_learn():
    y_true, scores, _ = _binary_predictions()
    fpr, tpr, thresholds = M.roc_curve(y_true, scores)
    sk_fpr, sk_tpr, sk_thr = sk.roc_curve(y_true, scores, drop_intermediate=False)
    np.testing.assert_allclose(fpr, sk_fpr)
    np.testing.assert_allclose(tpr, sk_tpr)
    np.testing.assert_allclose(thresholds[1:], sk_thr[1:])
    assert M.roc_auc(y_true, scores) == pytest.approx(
        sk.roc_auc_score(y_true, scores), abs=1e-12
    )


def test_precision_recall_curve_matches_scikit_learn():
    y_true, scores, _ = _binary_predictions()
    precision, recall, thresholds = M.precision_recall_curve(y_true, scores)
    sk_p, sk_r, sk_t = sk.precision_recall_curve(
        y_true, scores, drop_intermediate=False
    )
    # scikit-learn lists thresholds increasing and appends the point (recall 0, precision 1).
    np.testing.assert_allclose(precision, sk_p[:-1][::-1])
    np.testing.assert_allclose(recall, sk_r[:-1][::-1])
    np.testing.assert_allclose(thresholds, sk_t[::-1])


def test_accuracy_misleads_on_imbalanced_classes():
    y_true = np.r_[np.ones(5, dtype=np.int64), np.zeros(95, dtype=np.int64)]
    always_negative = np.zeros(100, dtype=np.int64)
    assert M.accuracy(y_true, always_negative) == 0.95
    assert (
        M.recall(y_true, always_negative) == 0.0
        and M.f1_score(y_true, always_negative) == 0.0
    )


def test_bad_input_is_explained():
    with pytest.raises(ValueError, match="same number of rows"):
        M.accuracy(np.array([0, 1]), np.array([0]))
    with pytest.raises(TypeError, match="integer class labels"):
        M.precision(np.array([0.0, 1.0]), np.array([0, 1]))
    with pytest.raises(
        ValueError, match="average='binary' needs labels 0 and 1, got 3 classes"
    ):
        M.recall(np.array([0, 1, 2]), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="unknown average 'samples'"):
        M.f1_score(np.array([0, 1]), np.array([0, 1]), average="samples")
    with pytest.raises(ValueError, match="needs both classes"):
        M.roc_curve(np.zeros(4, dtype=np.int64), np.arange(4.0))
    with pytest.raises(ValueError, match="labels in 0..1"):
        M.roc_curve(np.array([0, 1, 2]), np.arange(3.0))
    with pytest.raises(ValueError, match="monotonic"):
        M.auc(np.array([0.0, 1.0, 0.5]), np.array([0.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match="at least one example"):
        M.accuracy(np.array([], dtype=np.int64), np.array([], dtype=np.int64))
