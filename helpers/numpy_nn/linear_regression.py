"""Linear regression from scratch in NumPy.

Model:      y_hat = X @ w + b           X: (N, D), w: (D,), b: scalar -> y_hat: (N,)
Loss:       L = (1/N) * sum_i (y_hat_i - y_i)**2
Gradient:   dL/dw = (2/N) * X.T @ (y_hat - y),   dL/db = (2/N) * sum_i (y_hat_i - y_i)
Closed form: the least-squares solution of [X, 1] @ [w; b] = y.

The model keeps its parameters like ``torch.nn.Linear(D, 1)``: ``weight`` of shape
(1, D) (so w = weight[0]) and ``bias`` of shape (1,), which lets one line copy
weights to and from the PyTorch twin in ``helpers.torch_nn.linear_regression``.
"""

import numpy as np

from helpers.checks import check_array, check_regression_data
from helpers.numpy_nn import optim
from helpers.numpy_nn.linear import Linear
from helpers.numpy_nn.losses import mse_loss


class LinearRegression(Linear):
    """A linear model with one output: X (N, D) -> predictions (N,).

    Parameters: ``weight`` (1, D) and ``bias`` (1,), as in ``torch.nn.Linear(D, 1)``.
    """

    def __init__(self, in_features, rng=None):
        super().__init__(in_features, 1, bias=True, rng=rng)

    def forward(self, X):
        """X: (N, D) -> y_hat: (N,)."""
        check_array(X, "X", ndim=2, framework="numpy")
        return super().forward(X)[:, 0]

    __call__ = forward

    def backward(self, dout):
        """dout: (N,) gradient w.r.t. the predictions -> dX: (N, D); fills ``grads``."""
        return super().backward(dout.reshape(-1, 1))


def mse_gradient(model, X, y):
    """The gradient of the mean squared error w.r.t. the model's parameters.

    Written out from the formula: with residuals r = X @ w + b - y (shape (N,)),
    dL/dw = (2/N) X.T @ r and dL/db = (2/N) sum(r).

    Args:
        model: a ``LinearRegression``.
        X: (N, D) float array; y: (N,) float array.

    Returns:
        ``{"weight": (1, D), "bias": (1,)}``, the shapes of the parameters.
    """
    check_regression_data(X, y, framework="numpy")
    residual = model(X) - y
    n = len(y)
    return {
        "weight": (2.0 / n) * (residual @ X)[None, :],
        "bias": np.array([(2.0 / n) * residual.sum()]),
    }


def fit_closed_form(X, y):
    """Solve least squares exactly; return a ``LinearRegression`` holding the solution.

    Appends a column of ones to X for the bias and calls ``np.linalg.lstsq``, which
    also handles collinear features (it returns the minimum-norm solution).

    X: (N, D), y: (N,).
    """
    check_regression_data(X, y, framework="numpy")
    X1 = np.hstack([X, np.ones((len(X), 1))])  # (N, D + 1)
    solution, *_ = np.linalg.lstsq(X1, y, rcond=None)  # (D + 1,)
    model = LinearRegression(X.shape[1])
    model.weight = solution[None, :-1].copy()
    model.bias = solution[-1:].copy()
    return model


def gradient_step(model, X, y, lr):
    """One step of gradient descent on the batch (X, y), in place. Returns the loss before it."""
    check_regression_data(X, y, framework="numpy")
    loss = mse_loss(model(X), y)
    optim.sgd_step(model.parameters(), mse_gradient(model, X, y), lr)
    return loss


def minibatch_sgd(model, X, y, lr, epochs, batch_size, seed=0, record_path=False):
    """Train ``model`` in place by minibatch stochastic gradient descent.

    Each epoch shuffles the examples (with ``np.random.default_rng(seed)``) and takes one
    gradient step per batch of ``batch_size`` examples. ``batch_size=1`` is classic SGD;
    ``batch_size=len(X)`` is full-batch gradient descent.

    Args:
        model: a ``LinearRegression``; X: (N, D); y: (N,).
        lr: the learning rate; epochs: passes over the data.
        record_path: also log the parameters after every step (``"bias"``,
            ``"weight_0"``, ...), to draw the path on a loss surface.

    Returns:
        a ``History`` with ``"loss"`` on the whole training set before training and after
        each epoch (epochs + 1 values) and ``"batch_loss"`` for every step.

    Raises:
        TrainingDivergedError: the loss became non-finite or exploded (the learning
            rate is too large); the error's ``history`` holds the curve so far.
    """
    check_regression_data(X, y, framework="numpy")
    return optim.minibatch_sgd(
        model,
        X,
        y,
        _loss,
        mse_gradient,
        lr,
        epochs,
        batch_size,
        seed,
        record_path,
        lower_bound=0.0,
    )


def gradient_descent(model, X, y, lr, epochs, record_path=False):
    """Full-batch gradient descent: one step per epoch on all of (X, y). See ``minibatch_sgd``."""
    check_regression_data(X, y, framework="numpy")
    return minibatch_sgd(
        model, X, y, lr, epochs, batch_size=len(X), record_path=record_path
    )


def mse_surface(X, y, weights, biases):
    """The loss of a one-feature model on a grid of (w, b) values, for contour plots.

    X: (N, 1), y: (N,), weights: (W,), biases: (B,) -> losses: (B, W), where
    ``losses[i, j]`` is the MSE of y_hat = X * weights[j] + biases[i].
    """
    check_regression_data(X, y, framework="numpy")
    if X.shape[1] != 1:
        raise ValueError(
            f"mse_surface draws one-feature models: X must have shape (N, 1), got {X.shape}"
        )
    weights = check_array(np.asarray(weights, dtype=float), "weights", ndim=1)
    biases = check_array(np.asarray(biases, dtype=float), "biases", ndim=1)
    pred = (
        X[:, 0][None, None, :] * weights[None, :, None] + biases[:, None, None]
    )  # (B, W, N)
    return np.mean((pred - y) ** 2, axis=-1)


def _loss(model, X, y):
    return mse_loss(model(X), y)
