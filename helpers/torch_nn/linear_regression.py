"""Linear regression in PyTorch: twin of ``helpers.numpy_nn.linear_regression``.

Same names, same parameter shapes (``weight`` (1, D), ``bias`` (1,)); gradients come
from autograd and the updates from ``torch.optim.SGD``. Works on any device: move the
data and the model there first.
"""

import torch
from torch import nn

from helpers.checks import (
    check_array,
    check_positive,
    check_regression_data,
    check_torch_float_dtype,
)
from helpers.torch_nn import optim
from helpers.torch_nn.losses import mse_loss


class LinearRegression(nn.Linear):
    """``nn.Linear(in_features, 1)`` whose output is squeezed: X (N, D) -> (N,)."""

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
        """X: (N, D) -> y_hat: (N,)."""
        check_array(X, "X", ndim=2, framework="torch")
        if X.shape[1] != self.in_features:
            raise ValueError(
                f"{type(self).__name__}(in_features={self.in_features}) expects X of shape "
                f"(N, {self.in_features}), got {tuple(X.shape)}"
            )
        return super().forward(X).squeeze(-1)


def mse_gradient(model, X, y):
    """The gradient of the MSE w.r.t. the parameters, by autograd.

    X: (N, D), y: (N,) -> ``{"weight": (1, D), "bias": (1,)}`` (detached tensors).
    """
    check_regression_data(X, y, framework="torch")
    return optim.autograd_gradients(model, mse_loss(model(X), y))


def fit_closed_form(X, y):
    """Least squares by ``torch.linalg.lstsq``; returns a ``LinearRegression`` on X's device.

    X: (N, D), y: (N,). X should have full column rank (on a GPU, lstsq has no
    minimum-norm solver for rank-deficient problems).
    """
    check_regression_data(X, y, framework="torch")
    X1 = torch.cat(
        [X, torch.ones(len(X), 1, dtype=X.dtype, device=X.device)], dim=1
    )  # (N, D + 1)
    solution = torch.linalg.lstsq(X1, y[:, None]).solution[:, 0]  # (D + 1,)
    model = LinearRegression(X.shape[1], device=X.device, dtype=X.dtype)
    with torch.no_grad():
        model.weight.copy_(solution[None, :-1])
        model.bias.copy_(solution[-1:])
    return model


def minibatch_sgd(model, X, y, lr, epochs, batch_size, seed=0, record_path=False):
    """Train in place with ``torch.optim.SGD`` on shuffled minibatches.

    The batches are drawn exactly as in the NumPy version (same ``seed``, same order), so
    from the same starting weights the two produce the same trajectory. Returns a
    ``History`` with ``"loss"`` (epochs + 1 values) and ``"batch_loss"``; raises
    ``TrainingDivergedError`` if the loss explodes.
    """
    check_regression_data(X, y, framework="torch")
    return optim.minibatch_sgd(
        model,
        X,
        y,
        mse_loss,
        lr,
        epochs,
        batch_size,
        seed,
        record_path,
        lower_bound=0.0,
    )


def gradient_descent(model, X, y, lr, epochs, record_path=False):
    """Full-batch gradient descent: one step per epoch on all of (X, y). See ``minibatch_sgd``."""
    check_regression_data(X, y, framework="torch")
    return minibatch_sgd(
        model, X, y, lr, epochs, batch_size=len(X), record_path=record_path
    )
