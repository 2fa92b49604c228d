"""Linear regression in PyTorch: twin of ``helpers.numpy_nn.linear_regression``.

Same names, same parameter shapes (``weight`` (1, D), ``bias`` (1,)); gradients come
from autograd and the updates from ``torch.optim.SGD``. Works on any device: move the
data and the model there first.
"""

import numpy as np
import torch
from torch import nn

from helpers.checks import check_positive, check_regression_data
from helpers.torch_nn.losses import mse_loss
from helpers.train import History, batch_indices, check_not_diverged


class LinearRegression(nn.Linear):
    """``nn.Linear(in_features, 1)`` whose output is squeezed: X (N, D) -> (N,)."""

    def __init__(self, in_features, device=None, dtype=None):
        super().__init__(in_features, 1, bias=True, device=device, dtype=dtype)

    def forward(self, X):
        """X: (N, D) -> y_hat: (N,)."""
        if X.ndim != 2 or X.shape[1] != self.in_features:
            raise ValueError(f"{type(self).__name__}(in_features={self.in_features}) expects X of shape "
                             f"(N, {self.in_features}), got {tuple(X.shape)}")
        return super().forward(X).squeeze(-1)


def mse_gradient(model, X, y):
    """The gradient of the MSE w.r.t. the parameters, by autograd.

    X: (N, D), y: (N,) -> ``{"weight": (1, D), "bias": (1,)}`` (detached tensors).
    """
    check_regression_data(X, y)
    model.zero_grad()
    mse_loss(model(X), y).backward()
    grads = {name: p.grad.detach().clone() for name, p in model.named_parameters()}
    model.zero_grad()
    return grads


def fit_closed_form(X, y):
    """Least squares by ``torch.linalg.lstsq``; returns a ``LinearRegression`` on X's device.

    X: (N, D), y: (N,). X should have full column rank (on a GPU, lstsq has no
    minimum-norm solver for rank-deficient problems).
    """
    check_regression_data(X, y)
    X1 = torch.cat([X, torch.ones(len(X), 1, dtype=X.dtype, device=X.device)], dim=1)  # (N, D + 1)
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
    check_regression_data(X, y)
    lr = check_positive(lr, "lr")
    epochs = check_positive(epochs, "epochs", integer=True)
    batch_size = min(check_positive(batch_size, "batch_size", integer=True), len(X))
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    history = History()
    with torch.no_grad():
        initial_loss = float(mse_loss(model(X), y))
    history.log(loss=initial_loss)
    if record_path:
        _log_parameters(history, model)
    step = 0
    for epoch in range(1, epochs + 1):
        for batch in batch_indices(len(X), batch_size, rng):
            step += 1
            batch = torch.as_tensor(batch, device=X.device)
            optimizer.zero_grad()
            loss = mse_loss(model(X[batch]), y[batch])
            loss.backward()
            optimizer.step()
            batch_loss = float(loss.detach())
            history.log(batch_loss=batch_loss)
            check_not_diverged(batch_loss, initial_loss, step, lr, history)
            if record_path:
                _log_parameters(history, model)
        with torch.no_grad():
            epoch_loss = float(mse_loss(model(X), y))
        history.log(loss=epoch_loss)
        check_not_diverged(epoch_loss, initial_loss, epoch, lr, history)
    return history


def gradient_descent(model, X, y, lr, epochs, record_path=False):
    """Full-batch gradient descent: one step per epoch on all of (X, y). See ``minibatch_sgd``."""
    check_regression_data(X, y)
    return minibatch_sgd(model, X, y, lr, epochs, batch_size=len(X), record_path=record_path)


def _log_parameters(history, model):
    weight = model.weight.detach().cpu()[0]
    history.log(bias=float(model.bias.detach().cpu()[0]),
                **{f"weight_{i}": float(w) for i, w in enumerate(weight)})
