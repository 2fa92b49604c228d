"""Binary logistic regression from scratch in NumPy.

Model:     z = X @ w + b  (the logits, or log-odds)      p = sigmoid(z) = P(y = 1 | x)
Loss:      binary cross-entropy, computed from z for stability
Gradient:  dL/dw = (1/N) X.T @ (p - y),   dL/db = (1/N) sum(p - y)

Parameters are kept like ``torch.nn.Linear(D, 1)``: ``weight`` (1, D), ``bias`` (1,).
"""

import numpy as np

from helpers.checks import (
    check_array,
    check_binary_targets,
    check_number,
    check_positive,
    check_same_length,
    check_two_classes_present,
)
from helpers.numpy_nn import optim
from helpers.numpy_nn.activations import sigmoid
from helpers.numpy_nn.linear import Linear
from helpers.numpy_nn.losses import binary_cross_entropy_with_logits


class LogisticRegression(Linear):
    """A linear classifier for two classes: X (N, D) -> logits (N,).

    ``predict_proba`` gives P(y = 1 | x); ``predict`` thresholds it.
    """

    def __init__(self, in_features, rng=None):
        super().__init__(in_features, 1, bias=True, rng=rng)

    def forward(self, X):
        """X: (N, D) -> logits z: (N,)."""
        check_array(X, "X", ndim=2, framework="numpy")
        return super().forward(X)[:, 0]

    __call__ = forward

    def backward(self, dout):
        """dout: (N,) gradient w.r.t. the logits -> dX: (N, D); fills ``grads``."""
        return super().backward(dout.reshape(-1, 1))

    def predict_proba(self, X):
        """X: (N, D) -> P(y = 1 | x): (N,)."""
        return sigmoid(self.forward(X))

    def predict(self, X, threshold=0.5):
        """X: (N, D) -> class labels 0/1 (N,), int64: 1 where the probability >= threshold."""
        threshold = check_number(threshold, "threshold", low=0, high=1)
        return (self.predict_proba(X) >= threshold).astype(np.int64)


def check_classification_data(X, y):
    """Check X: (N, D) floats and y: (N,) binary labels with matching N."""
    check_array(X, "X", ndim=2, framework="numpy")
    check_binary_targets(y, "y", framework="numpy")
    check_same_length(X, "X", y, "y")


def bce_gradient(model, X, y):
    """Gradient of the mean binary cross-entropy w.r.t. ``weight`` (1, D) and ``bias`` (1,).

    Written out from the formula: with p = sigmoid(X @ w + b), dL/dw = (1/N) X.T @ (p - y)
    and dL/db = (1/N) sum(p - y). X: (N, D); y: (N,) of 0/1.
    """
    check_classification_data(X, y)
    error = model.predict_proba(X) - y  # (N,)
    n = len(y)
    return {"weight": (error @ X)[None, :] / n, "bias": np.array([error.sum() / n])}


def gradient_step(model, X, y, lr):
    """One gradient-descent step on the batch, in place. Returns the loss before the step."""
    check_classification_data(X, y)
    loss = _loss(model, X, y)
    optim.sgd_step(model.parameters(), bce_gradient(model, X, y), lr)
    return loss


def accuracy_metric(model, X, y):
    """The fraction of examples classified correctly at threshold 0.5. X: (N, D), y: (N,) of 0/1."""
    check_classification_data(X, y)
    return float(np.mean(model.predict(X) == y))


def minibatch_sgd(model, X, y, lr, epochs, batch_size, seed=0, record_path=False):
    """Train in place by minibatch SGD on the binary cross-entropy.

    Returns a ``History`` with ``"loss"`` and ``"accuracy"`` on (X, y) before training and
    after each epoch, and ``"batch_loss"`` per step (see ``helpers.numpy_nn.optim``).
    Raises an error if y holds a single class, and ``TrainingDivergedError`` on divergence.
    """
    check_classification_data(X, y)
    check_two_classes_present(y)
    check_positive(batch_size, "batch_size", integer=True)
    return optim.minibatch_sgd(
        model,
        X,
        y,
        _loss,
        bce_gradient,
        lr,
        epochs,
        batch_size,
        seed,
        record_path,
        metrics={"accuracy": accuracy_metric},
        lower_bound=0.0,
    )


def gradient_descent(model, X, y, lr, epochs, record_path=False):
    """Full-batch gradient descent; see ``minibatch_sgd``."""
    check_classification_data(X, y)
    return minibatch_sgd(
        model, X, y, lr, epochs, batch_size=len(X), record_path=record_path
    )


def _loss(model, X, y):
    return binary_cross_entropy_with_logits(model(X), y)
