"""Binary logistic regression in PyTorch: twin of ``helpers.numpy_nn.logistic_regression``.

``nn.Linear(D, 1)`` producing logits, ``F.binary_cross_entropy_with_logits`` as the loss,
autograd for the gradient and ``torch.optim.SGD`` for the steps.
"""

import torch
from torch import nn

from helpers.checks import (
    check_array,
    check_binary_targets,
    check_number,
    check_positive,
    check_same_length,
    check_torch_float_dtype,
    check_two_classes_present,
)
from helpers.torch_nn import optim
from helpers.torch_nn.losses import binary_cross_entropy_with_logits


class LogisticRegression(nn.Linear):
    """X (N, D) -> logits (N,); parameters ``weight`` (1, D), ``bias`` (1,)."""

    def __init__(self, in_features, device=None, dtype=None):
        in_features = check_positive(in_features, "in_features", integer=True)
        super().__init__(
            in_features,
            1,
            bias=True,
            device=device,
            dtype=check_torch_float_dtype(dtype),
        )

    def forward(self, X):
        """X: (N, D) -> logits: (N,)."""
        check_array(X, "X", ndim=2, framework="torch")
        if X.shape[1] != self.in_features:
            raise ValueError(
                f"{type(self).__name__}(in_features={self.in_features}) expects X of shape "
                f"(N, {self.in_features}), got {tuple(X.shape)}"
            )
        return super().forward(X).squeeze(-1)

    @torch.no_grad()
    def predict_proba(self, X):
        """X: (N, D) -> P(y = 1 | x): (N,)."""
        return torch.sigmoid(self.forward(X))

    @torch.no_grad()
    def predict(self, X, threshold=0.5):
        """X: (N, D) -> labels 0/1: (N,) int64."""
        threshold = check_number(threshold, "threshold", low=0, high=1)
        return (self.predict_proba(X) >= threshold).long()


def check_classification_data(X, y):
    """Check X: (N, D) floats and y: (N,) binary labels with matching N."""
    check_array(X, "X", ndim=2, framework="torch")
    check_binary_targets(y, "y", framework="torch")
    check_same_length(X, "X", y, "y")


def bce_gradient(model, X, y):
    """Gradient of the mean binary cross-entropy by autograd: ``{"weight": (1, D), "bias": (1,)}``."""
    check_classification_data(X, y)
    return optim.autograd_gradients(
        model, binary_cross_entropy_with_logits(model(X), y)
    )


def accuracy_metric(model, X, y):
    """The fraction of examples classified correctly at threshold 0.5. X: (N, D), y: (N,) of 0/1."""
    check_classification_data(X, y)
    return float((model.predict(X) == y).double().mean())


def minibatch_sgd(model, X, y, lr, epochs, batch_size, seed=0, record_path=False):
    """Train in place with ``torch.optim.SGD``; same batches and ``History`` as the NumPy version."""
    check_classification_data(X, y)
    check_two_classes_present(y)
    check_positive(batch_size, "batch_size", integer=True)
    return optim.minibatch_sgd(
        model,
        X,
        y,
        binary_cross_entropy_with_logits,
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
