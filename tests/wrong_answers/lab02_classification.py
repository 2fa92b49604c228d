"""Plausible wrong answers, and correct alternatives, for lab 2 (run by tests/test_lab_answers.py).

Each source replaces the solution region of the named cell (ex4_solution holds three regions:
softmax, softmax_cross_entropy, softmax_cross_entropy_grad; None keeps a region's solution).
"""

COUNTS = (
    "tp = float(np.sum((y_true == 1) & (y_pred == 1)))\n"
    "fp = float(np.sum((y_true == 0) & (y_pred == 1)))\n"
    "fn = float(np.sum((y_true == 1) & (y_pred == 0)))\n"
)
SAFE_F1 = "f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0\n"
TRAIN = (
    "val_accuracies = []\nfor lr, epochs, batch_size in candidates:\n"
    "    W, b, _ = train_softmax(X_train, y_train, 10, lr, epochs, batch_size)\n"
)

WRONG_ANSWERS = {
    "ex1_solution": [
        ("the naive formula", "return 1.0 / (1.0 + np.exp(-z))"),
        (
            "np.where over both unstable branches",
            "return np.where(z >= 0, 1.0 / (1.0 + np.exp(-z)), np.exp(z) / (1.0 + np.exp(z)))",
        ),
        ("clipped logits", "z = np.clip(z, -30, 30)\nreturn 1.0 / (1.0 + np.exp(-z))"),
    ],
    "ex4_solution": [
        (
            "softmax without the max shift",
            ["E = np.exp(Z)\nreturn E / E.sum(axis=1, keepdims=True)", None, None],
        ),
        (
            "log of the softmax",
            [
                None,
                "P = softmax(Z)\nreturn float(np.mean(-np.log(P[np.arange(len(y)), y])))",
                None,
            ],
        ),
        (
            "gradient without 1/N",
            [
                None,
                None,
                "G = softmax(Z)\nG[np.arange(Z.shape[0]), y] -= 1.0\nreturn G",
            ],
        ),
        (
            "gradient changes Z in place",
            [
                None,
                None,
                "Z -= Z.max(axis=1, keepdims=True)\nG = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)\n"
                "G[np.arange(Z.shape[0]), y] -= 1.0\nreturn G / Z.shape[0]",
            ],
        ),
    ],
    "ex5_solution": [
        (
            "scikit-learn imported in the cell",
            "from sklearn.metrics import precision_score, recall_score, f1_score\n"
            "return (float(precision_score(y_true, y_pred, zero_division=0)), "
            "float(recall_score(y_true, y_pred, zero_division=0)), float(f1_score(y_true, y_pred, zero_division=0)))",
        ),
        (
            "scikit-learn imported inside a helper function",
            "def scores(a, b):\n    import sklearn.metrics as m\n"
            "    return (m.precision_score(a, b, zero_division=0), m.recall_score(a, b, zero_division=0),\n"
            "            m.f1_score(a, b, zero_division=0))\nreturn tuple(float(s) for s in scores(y_true, y_pred))",
        ),
        (
            "the book's reference",
            "from helpers.numpy_nn import metrics\n"
            "return (float(metrics.precision(y_true, y_pred)), float(metrics.recall(y_true, y_pred)), "
            "float(metrics.f1_score(y_true, y_pred)))",
        ),
        (
            "nan on zero division",
            COUNTS
            + "with np.errstate(all='ignore'):\n    precision = float(np.float64(tp) / (tp + fp))\n"
            "    recall = float(np.float64(tp) / (tp + fn))\n    f1 = float(2 * precision * recall / (precision + recall))\n"
            "return precision, recall, f1",
        ),
        (
            "precision and recall swapped",
            COUNTS
            + "precision = tp / (tp + fn) if tp + fn > 0 else 0.0\nrecall = tp / (tp + fp) if tp + fp > 0 else 0.0\n"
            + SAFE_F1
            + "return precision, recall, f1",
        ),
        (
            "F1 as the arithmetic mean",
            COUNTS
            + "precision = tp / (tp + fp) if tp + fp > 0 else 0.0\nrecall = tp / (tp + fn) if tp + fn > 0 else 0.0\n"
            "return precision, recall, (precision + recall) / 2",
        ),
    ],
    "ex6_solution": [
        ("only the diagonal of the Jacobian", "S = softmax(Z)\nreturn S * (1 - S) * G"),
        ("elementwise, no coupling between classes", "return softmax(Z) * G"),
        (
            "sums over the batch instead of the classes",
            "S = softmax(Z)\nreturn S * (G - np.sum(G * S, axis=0, keepdims=True))",
        ),
        (
            "forgets the softmax weights in the sum",
            "S = softmax(Z)\nreturn S * (G - np.sum(G, axis=1, keepdims=True))",
        ),
        (
            "builds the Jacobians (right values, K times the memory)",
            "S = softmax(Z)\nJ = S[:, :, None] * np.eye(Z.shape[1])[None] - S[:, :, None] * S[:, None, :]\n"
            "return np.einsum('nk,nkj->nj', G, J)",
        ),
    ],
    "ex7_solution": [
        ("the given loop, called", "return roc_auc_loop(y_true, scores)"),
        (
            "ties count as wins",
            "y_true, scores = np.asarray(y_true), np.asarray(scores, dtype=float)\n"
            "pos, neg = scores[y_true == 1], scores[y_true == 0]\nif len(pos) == 0 or len(neg) == 0:\n"
            "    raise ValueError('one class is missing')\nreturn float(np.mean(pos[:, None] >= neg[None, :]))",
        ),
        (
            "ties ignored",
            "y_true, scores = np.asarray(y_true), np.asarray(scores, dtype=float)\n"
            "pos, neg = scores[y_true == 1], scores[y_true == 0]\nif len(pos) == 0 or len(neg) == 0:\n"
            "    raise ValueError('one class is missing')\nreturn float(np.mean(pos[:, None] > neg[None, :]))",
        ),
        (
            "ranks without averaging ties",
            "y_true, scores = np.asarray(y_true), np.asarray(scores, dtype=float)\n"
            "P, Q = int(np.sum(y_true == 1)), int(np.sum(y_true == 0))\nif P == 0 or Q == 0:\n"
            "    raise ValueError('one class is missing')\nranks = np.empty(len(scores))\n"
            "ranks[np.argsort(scores, kind='stable')] = np.arange(1, len(scores) + 1)\n"
            "return float((ranks[y_true == 1].sum() - P * (P + 1) / 2) / (P * Q))",
        ),
        (
            "accuracy at a threshold",
            "y_true, scores = np.asarray(y_true), np.asarray(scores, dtype=float)\n"
            "if y_true.min() == y_true.max():\n    raise ValueError('one class is missing')\n"
            "return float(np.mean((scores > np.median(scores)) == y_true))",
        ),
        (
            "scikit-learn",
            "from sklearn.metrics import roc_auc_score\nreturn float(roc_auc_score(y_true, scores))",
        ),
        (
            "nan instead of an error",
            "y_true, scores = np.asarray(y_true), np.asarray(scores, dtype=float)\n"
            "pos, neg = scores[y_true == 1], scores[y_true == 0]\nwith np.errstate(all='ignore'):\n"
            "    return float(np.mean(pos[:, None] > neg[None, :]) + 0.5 * np.mean(pos[:, None] == neg[None, :]))",
        ),
    ],
    "ex8_solution": [
        (
            "a new generator every epoch",
            "W, b = np.zeros((num_classes, X.shape[1])), np.zeros(num_classes)\nlosses = [softmax_cross_entropy(X @ W.T + b, y)]\n"
            "for _ in range(epochs):\n    for idx in batch_indices(len(X), batch_size, np.random.default_rng(seed)):\n"
            "        G = softmax_cross_entropy_grad(X[idx] @ W.T + b, y[idx])\n        W -= lr * (G.T @ X[idx])\n"
            "        b -= lr * G.sum(axis=0)\n    losses.append(softmax_cross_entropy(X @ W.T + b, y))\nreturn W, b, losses",
        ),
        (
            "weights (D, K) transposed",
            "W, b = np.zeros((X.shape[1], num_classes)), np.zeros(num_classes)\nrng = np.random.default_rng(seed)\n"
            "losses = [softmax_cross_entropy(X @ W + b, y)]\nfor _ in range(epochs):\n"
            "    for idx in batch_indices(len(X), batch_size, rng):\n        G = softmax_cross_entropy_grad(X[idx] @ W + b, y[idx])\n"
            "        W -= lr * (X[idx].T @ G)\n        b -= lr * G.sum(axis=0)\n"
            "    losses.append(softmax_cross_entropy(X @ W + b, y))\nreturn W, b, losses",
        ),
        (
            "bias gradient averaged again",
            "W, b = np.zeros((num_classes, X.shape[1])), np.zeros(num_classes)\nrng = np.random.default_rng(seed)\n"
            "losses = [softmax_cross_entropy(X @ W.T + b, y)]\nfor _ in range(epochs):\n"
            "    for idx in batch_indices(len(X), batch_size, rng):\n        G = softmax_cross_entropy_grad(X[idx] @ W.T + b, y[idx])\n"
            "        W -= lr * (G.T @ X[idx])\n        b -= lr * G.mean(axis=0)\n"
            "    losses.append(softmax_cross_entropy(X @ W.T + b, y))\nreturn W, b, losses",
        ),
    ],
    "ex9_solution": [
        (
            "picks the lowest validation accuracy",
            TRAIN
            + "    val_accuracies.append(float(np.mean(np.argmax(X_val @ W.T + b, axis=1) == y_val)))\n"
            "return candidates[int(np.argmin(val_accuracies))], val_accuracies",
        ),
        (
            "scores on the training set",
            TRAIN
            + "    val_accuracies.append(float(np.mean(np.argmax(X_train @ W.T + b, axis=1) == y_train)))\n"
            "return candidates[int(np.argmax(val_accuracies))], val_accuracies",
        ),
        (
            "scores on the global test set",
            TRAIN
            + "    val_accuracies.append(float(np.mean(np.argmax(X_test @ W.T + b, axis=1) == y_test)))\n"
            "return candidates[int(np.argmax(val_accuracies))], val_accuracies",
        ),
        (
            "returns the index, not the candidate",
            TRAIN
            + "    val_accuracies.append(float(np.mean(np.argmax(X_val @ W.T + b, axis=1) == y_val)))\n"
            "return int(np.argmax(val_accuracies)), val_accuracies",
        ),
        (
            "validation loss confused with accuracy",
            TRAIN
            + "    val_accuracies.append(softmax_cross_entropy(X_val @ W.T + b, y_val))\n"
            "return candidates[int(np.argmax(val_accuracies))], val_accuracies",
        ),
    ],
    "ex9_candidates": [
        (
            "full-batch only",
            "CANDIDATES = [(0.2, 10, 3000), (1.0, 10, 3000), (2.0, 10, 3000)]",
        ),
        (
            "tiny learning rates",
            "CANDIDATES = [(0.001, 3, 64), (0.003, 3, 64), (0.005, 3, 64)]",
        ),
        ("too many epochs", "CANDIDATES = [(0.2, 11, 32), (0.5, 2, 32), (0.1, 2, 32)]"),
        ("batches of one", "CANDIDATES = [(0.01, 1, 1), (0.02, 1, 1), (0.05, 1, 1)]"),
    ],
}

RIGHT_ANSWERS = {
    "ex5_solution": [
        (
            "a confusion matrix with np.bincount",
            "counts = np.bincount(2 * np.asarray(y_true) + np.asarray(y_pred), minlength=4)\n"
            "tn, fp, fn, tp = (float(c) for c in counts)\n"
            "precision = tp / (tp + fp) if tp + fp else 0.0\nrecall = tp / (tp + fn) if tp + fn else 0.0\n"
            "f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0\nreturn precision, recall, f1",
        ),
        (
            "np.divide with a where mask, and a warning for an empty positive class",
            "import warnings\n"
            + COUNTS
            + "if tp + fn == 0:\n    warnings.warn('y_true has no positive example: recall is reported as 0')\n"
            "num, den = np.array([tp, tp, 2 * tp]), np.array([tp + fp, tp + fn, 2 * tp + fp + fn])\n"
            "out = np.divide(num, den, out=np.zeros(3), where=den > 0)\nreturn float(out[0]), float(out[1]), float(out[2])",
        ),
    ],
    "ex6_solution": [
        (
            "through einsum, without the Jacobian",
            "S = softmax(Z)\nreturn S * G - S * np.einsum('nk,nk->n', S, G)[:, None]",
        ),
        (
            "subtracting the row's weighted mean in two steps",
            "S = softmax(Z)\nweighted = (G * S).sum(axis=1)\nreturn S * (G - weighted[:, None])",
        ),
    ],
    "ex7_solution": [
        (
            "average ranks (Mann-Whitney U)",
            "from scipy.stats import rankdata\ny_true, scores = np.asarray(y_true), np.asarray(scores, dtype=float)\n"
            "P, Q = int(np.sum(y_true == 1)), int(np.sum(y_true == 0))\nif P == 0 or Q == 0:\n"
            "    raise ValueError('roc_auc needs both classes')\nranks = rankdata(scores)\n"
            "return float((ranks[y_true == 1].sum() - P * (P + 1) / 2) / (P * Q))",
        ),
        (
            "sorted negatives and searchsorted",
            "y_true, scores = np.asarray(y_true), np.asarray(scores, dtype=float)\n"
            "pos, neg = scores[y_true == 1], np.sort(scores[y_true == 0])\nif len(pos) == 0 or len(neg) == 0:\n"
            "    raise ValueError('roc_auc needs both classes')\nbelow = np.searchsorted(neg, pos, side='left')\n"
            "at_or_below = np.searchsorted(neg, pos, side='right')\n"
            "return float((below + 0.5 * (at_or_below - below)).sum() / (len(pos) * len(neg)))",
        ),
    ],
    "ex9_solution": [
        (
            "a tqdm bar over the candidates",
            "from tqdm.auto import tqdm\nval_accuracies = []\nfor lr, epochs, batch_size in tqdm(candidates, leave=False):\n"
            "    W, b, _ = train_softmax(X_train, y_train, 10, lr, epochs, batch_size)\n"
            "    val_accuracies.append(float(np.mean(np.argmax(X_val @ W.T + b, axis=1) == y_val)))\n"
            "best = max(range(len(candidates)), key=lambda i: (val_accuracies[i], -i))\n"
            "return candidates[best], val_accuracies",
        ),
    ],
    "ex9_candidates": [
        (
            "a different grid",
            "CANDIDATES = [(0.1, 8, 32), (0.3, 4, 64), (1.0, 4, 256)]",
        ),
    ],
}
