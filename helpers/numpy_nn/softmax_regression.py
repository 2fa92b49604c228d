"""Softmax (multinomial logistic) regression from scratch in NumPy.

Model:     Z = X @ W.T + b  (logits, N x K)        P = softmax(Z), row i = class probabilities
Loss:      cross-entropy, mean over examples of  logsumexp(Z_i) - Z_i[y_i]
Gradient:  dL/dZ = (P - onehot(y)) / N;   dL/dW = dL/dZ.T @ X;   dL/db = sum_i dL/dZ_i

Parameters are kept like ``torch.nn.Linear(D, K)``: ``weight`` (K, D), ``bias`` (K,).
"""

import numpy as np

from helpers.checks import (
    check_array,
    check_labels,
    check_same_length,
    check_two_classes_present,
)
from helpers.numpy_nn import optim
from helpers.numpy_nn.activations import softmax
from helpers.numpy_nn.linear import Linear
from helpers.numpy_nn.losses import cross_entropy, one_hot


class SoftmaxRegression(Linear):
    """A linear classifier for K classes: X (N, D) -> logits (N, K).

    ``weight`` (K, D): row k is the template that scores class k.
    """

    def __init__(self, in_features, num_classes, rng=None):
        super().__init__(in_features, num_classes, bias=True, rng=rng)
        self.num_classes = self.out_features

    def predict_proba(self, X):
        """X: (N, D) -> class probabilities (N, K), rows summing to 1."""
        check_array(X, "X", ndim=2, framework="numpy")
        return softmax(self.forward(X))

    def predict(self, X):
        """X: (N, D) -> the most probable class of each row, (N,) int64."""
        check_array(X, "X", ndim=2, framework="numpy")
        return np.argmax(self.forward(X), axis=1).astype(np.int64)

    def __repr__(self):
        return f"{type(self).__name__}(in_features={self.in_features}, num_classes={self.num_classes})"


def check_multiclass_data(X, y, num_classes):
    """Check X: (N, D) floats and y: (N,) integer labels in 0..num_classes-1 with matching N."""
    check_array(X, "X", ndim=2, framework="numpy")
    check_labels(y, "y", num_classes, framework="numpy")
    check_same_length(X, "X", y, "y")


def cross_entropy_gradient(model, X, y):
    """Gradient of the mean cross-entropy w.r.t. ``weight`` (K, D) and ``bias`` (K,).

    Written out from the formula dL/dZ = (softmax(Z) - onehot(y)) / N.
    X: (N, D); y: (N,) integer labels.
    """
    check_multiclass_data(X, y, model.num_classes)
    dZ = (model.predict_proba(X) - one_hot(y, model.num_classes)) / len(y)  # (N, K)
    return {"weight": dZ.T @ X, "bias": dZ.sum(axis=0)}


def gradient_step(model, X, y, lr):
    """One gradient-descent step on the batch, in place. Returns the loss before the step."""
    check_multiclass_data(X, y, model.num_classes)
    loss = _loss(model, X, y)
    optim.sgd_step(model.parameters(), cross_entropy_gradient(model, X, y), lr)
    return loss


def accuracy_metric(model, X, y):
    """The fraction of rows whose most probable class is the label. X: (N, D), y: (N,) labels."""
    check_multiclass_data(X, y, model.num_classes)
    return float(np.mean(model.predict(X) == y))


def minibatch_sgd(model, X, y, lr, epochs, batch_size, seed=0):
    """Train in place by minibatch SGD on the cross-entropy.

    Returns a ``History`` with ``"loss"`` and ``"accuracy"`` on (X, y) before training and
    after each epoch, and ``"batch_loss"`` per step. Raises an error if y holds fewer than
    two classes, and ``TrainingDivergedError`` on divergence.
    """
    check_multiclass_data(X, y, model.num_classes)
    check_two_classes_present(y)
    return optim.minibatch_sgd(
        model,
        X,
        y,
        _loss,
        cross_entropy_gradient,
        lr,
        epochs,
        batch_size,
        seed,
        metrics={"accuracy": accuracy_metric},
        lower_bound=0.0,
    )


def _loss(model, X, y):
    return cross_entropy(model(X), y)
