"""Minibatch stochastic gradient descent for the NumPy models, written out once.

    for each epoch:
        shuffle the examples and cut them into batches
        for each batch:  parameters <- parameters - lr * gradient of the batch loss

The model-specific modules (``linear_regression``, ``logistic_regression``,
``softmax_regression``) call ``minibatch_sgd`` with their own loss and gradient.
"""

import numpy as np

from helpers.checks import check_array, check_positive, check_same_length
from helpers.train import History, batch_indices, check_not_diverged


def sgd_step(parameters, grads, lr):
    """Update each array in ``parameters`` in place: ``p -= lr * grads[name]``.

    parameters, grads: dicts of arrays with the same names and shapes.
    """
    lr = check_positive(lr, "lr")
    if set(grads) != set(parameters):
        raise KeyError(f"grads must have exactly the parameters' names {sorted(parameters)}, got {sorted(grads)}")
    for name, value in parameters.items():
        check_array(grads[name], f"the gradient of {name}", framework="numpy")
        if grads[name].shape != value.shape:
            raise ValueError(f"gradient of {name} has shape {grads[name].shape}, "
                             f"but the parameter has shape {value.shape}")
        value -= lr * grads[name]


def minibatch_sgd(model, X, y, loss_fn, gradient_fn, lr, epochs, batch_size, seed=0,
                  record_path=False, metrics=None, lower_bound=None):
    """Train ``model`` in place; return a ``History``.

    Args:
        model: a NumPy model with ``parameters()`` (a dict of arrays).
        X: (N, ...) inputs; y: (N, ...) targets.
        loss_fn: ``loss_fn(model, X, y) -> float``.
        gradient_fn: ``gradient_fn(model, X, y) -> {name: array}``, the gradient of loss_fn.
        lr: the learning rate; epochs: passes over the data; batch_size: examples per step
            (``len(X)`` gives full-batch gradient descent, 1 gives classic SGD).
        seed: seeds the shuffling, so the same call gives the same result.
        record_path: also log every parameter entry of a small model after every step
            (``"bias"``, ``"weight_0"``, ...), to draw its path on a loss surface.
        metrics: ``{name: fn(model, X, y) -> float}`` logged on the whole set each epoch.
        lower_bound: the smallest value the loss can take (0 for MSE and cross-entropy), or
            None; a batch or epoch loss below it stops training with ``LossBelowBoundError``.

    Returns:
        a ``History`` with ``"loss"`` (and each metric) before training and after each
        epoch (epochs + 1 values), and ``"batch_loss"`` for every step.

    Raises:
        TrainingDivergedError: the loss became non-finite or exploded; its ``history``
            holds the curve so far.
        LossBelowBoundError: the loss fell below ``lower_bound`` (a subclass of the above).
    """
    check_array(X, "X", dtype=None, framework="numpy")
    check_array(y, "y", dtype=None, framework="numpy")
    check_same_length(X, "X", y, "y")
    lr = check_positive(lr, "lr")
    epochs = check_positive(epochs, "epochs", integer=True)
    batch_size = min(check_positive(batch_size, "batch_size", integer=True), len(X))
    rng = np.random.default_rng(seed)
    history = History()

    def log_epoch():
        history.log(loss=loss_fn(model, X, y), **{name: fn(model, X, y) for name, fn in (metrics or {}).items()})

    log_epoch()
    initial_loss = history["loss"][0]
    check_not_diverged(initial_loss, initial_loss, 0, lr, history, lower_bound)
    if record_path:
        log_parameters(history, model)
    step = 0
    for epoch in range(1, epochs + 1):
        for batch in batch_indices(len(X), batch_size, rng):
            step += 1
            batch_loss = loss_fn(model, X[batch], y[batch])
            sgd_step(model.parameters(), gradient_fn(model, X[batch], y[batch]), lr)
            history.log(batch_loss=batch_loss)
            check_not_diverged(batch_loss, initial_loss, step, lr, history, lower_bound)
            if record_path:
                log_parameters(history, model)
        log_epoch()
        check_not_diverged(history.last("loss"), initial_loss, f"{step} (end of epoch {epoch})", lr, history,
                           lower_bound)
    return history


def log_parameters(history, model):
    """Log ``bias`` and ``weight_0``, ``weight_1``, ... of a one-output model."""
    history.log(bias=model.bias[0], **{f"weight_{i}": w for i, w in enumerate(model.weight[0])})
