"""Softmax regression in PyTorch: twin of ``helpers.numpy_nn.softmax_regression``.

``nn.Linear(D, K)`` producing logits and ``F.cross_entropy`` (log-softmax inside) as the loss.
"""

import torch
from torch import nn

from helpers.checks import (
    check_array,
    check_labels,
    check_positive,
    check_same_length,
    check_torch_float_dtype,
    check_two_classes_present,
)
from helpers.torch_nn import optim
from helpers.torch_nn.losses import cross_entropy


class SoftmaxRegression(nn.Linear):
    """X (N, D) -> logits (N, K); parameters ``weight`` (K, D), ``bias`` (K,)."""

    def __init__(self, in_features, num_classes, device=None, dtype=None):
        in_features = check_positive(in_features, "in_features", integer=True)
        num_classes = check_positive(num_classes, "num_classes", integer=True)
        super().__init__(
            in_features,
            num_classes,
            bias=True,
            device=device,
            dtype=check_torch_float_dtype(dtype),
        )
        self.num_classes = num_classes

    def forward(self, X):
        """X: (N, D) -> logits: (N, K)."""
        check_array(X, "X", ndim=2, framework="torch")
        if X.shape[1] != self.in_features:
            raise ValueError(
                f"{type(self).__name__}(in_features={self.in_features}) expects X of shape "
                f"(N, {self.in_features}), got {tuple(X.shape)}"
            )
        return super().forward(X)

    @torch.no_grad()
    def predict_proba(self, X):
        """X: (N, D) -> class probabilities (N, K)."""
        return torch.softmax(self.forward(X), dim=1)

    @torch.no_grad()
    def predict(self, X):
        """X: (N, D) -> the most probable class of each row, (N,) int64."""
        return self.forward(X).argmax(dim=1)


def check_multiclass_data(X, y, num_classes):
    """Check X: (N, D) floats and y: (N,) integer labels in 0..num_classes-1 with matching N."""
    check_array(X, "X", ndim=2, framework="torch")
    check_labels(y, "y", num_classes, framework="torch")
    check_same_length(X, "X", y, "y")


def cross_entropy_gradient(model, X, y):
    """Gradient of the mean cross-entropy by autograd: ``{"weight": (K, D), "bias": (K,)}``."""
    check_multiclass_data(X, y, model.num_classes)
    return optim.autograd_gradients(model, cross_entropy(model(X), y))


def accuracy_metric(model, X, y):
    """The fraction of rows whose most probable class is the label. X: (N, D), y: (N,) labels."""
    check_multiclass_data(X, y, model.num_classes)
    return float((model.predict(X) == y).double().mean())


def minibatch_sgd(model, X, y, lr, epochs, batch_size, seed=0):
    """Train in place with ``torch.optim.SGD``; same batches and ``History`` as the NumPy version."""
    check_multiclass_data(X, y, model.num_classes)
    check_two_classes_present(y)
    return optim.minibatch_sgd(
        model,
        X,
        y,
        cross_entropy,
        lr,
        epochs,
        batch_size,
        seed,
        metrics={"accuracy": accuracy_metric},
        lower_bound=0.0,
    )
