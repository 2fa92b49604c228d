"""Minibatch SGD for the small PyTorch models, twin of ``helpers.numpy_nn.optim``.

Gradients come from autograd and updates from ``torch.optim.SGD``; the batches are
drawn exactly as in the NumPy version, so from the same weights and seed the two
follow the same trajectory.

The optimisers ``SGD``, ``RMSprop``, ``Adam`` and ``AdamW`` here are torch's own
(``helpers.torch_nn.optim.Adam is torch.optim.Adam``): the NumPy classes in
``helpers.numpy_nn.optim`` are written to follow them step for step.
"""

import numpy as np
import torch
from torch.optim import SGD, Adam, AdamW, RMSprop  # noqa: F401  (the twins, re-exported)

from helpers.checks import check_array, check_positive, check_same_length
from helpers.train import History, batch_indices, check_not_diverged


def minibatch_sgd(
    model,
    X,
    y,
    loss_fn,
    lr,
    epochs,
    batch_size,
    seed=0,
    record_path=False,
    metrics=None,
    lower_bound=None,
):
    """Train ``model`` in place; return a ``History`` like the NumPy version's.

    Args:
        model: a ``torch.nn.Module`` on X's device.
        X: (N, ...) tensor; y: (N, ...) tensor.
        loss_fn: ``loss_fn(model(X), y) -> scalar tensor``.
        metrics: ``{name: fn(model, X, y) -> float}`` logged on the whole set each epoch.
        lower_bound: the smallest value the loss can take (0 for MSE and cross-entropy), or None;
            a batch or epoch loss below it stops training with ``LossBelowBoundError``.
        Other arguments as in ``helpers.numpy_nn.optim.minibatch_sgd``.
    """
    check_array(X, "X", dtype=None, framework="torch")
    check_array(y, "y", dtype=None, framework="torch")
    check_same_length(X, "X", y, "y")
    lr = check_positive(lr, "lr")
    epochs = check_positive(epochs, "epochs", integer=True)
    batch_size = min(check_positive(batch_size, "batch_size", integer=True), len(X))
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    history = History()

    def log_epoch():
        with torch.no_grad():
            history.log(
                loss=float(loss_fn(model(X), y)),
                **{name: fn(model, X, y) for name, fn in (metrics or {}).items()},
            )

    log_epoch()
    initial_loss = history["loss"][0]
    check_not_diverged(initial_loss, initial_loss, 0, lr, history, lower_bound)
    if record_path:
        log_parameters(history, model)
    step = 0
    for epoch in range(1, epochs + 1):
        for batch in batch_indices(len(X), batch_size, rng):
            step += 1
            batch = torch.as_tensor(batch, device=X.device)
            optimizer.zero_grad()
            loss = loss_fn(model(X[batch]), y[batch])
            loss.backward()
            optimizer.step()
            batch_loss = float(loss.detach())
            history.log(batch_loss=batch_loss)
            check_not_diverged(batch_loss, initial_loss, step, lr, history, lower_bound)
            if record_path:
                log_parameters(history, model)
        log_epoch()
        check_not_diverged(
            history.last("loss"),
            initial_loss,
            f"{step} (end of epoch {epoch})",
            lr,
            history,
            lower_bound,
        )
    return history


def autograd_gradients(model, loss):
    """Backpropagate ``loss`` and return ``{name: gradient}`` for every parameter (detached copies)."""
    model.zero_grad()
    loss.backward()
    grads = {name: p.grad.detach().clone() for name, p in model.named_parameters()}
    model.zero_grad()
    return grads


def log_parameters(history, model):
    """Log ``bias`` and ``weight_0``, ``weight_1``, ... of a one-output model."""
    weight = model.weight.detach().cpu()[0]
    history.log(
        bias=float(model.bias.detach().cpu()[0]),
        **{f"weight_{i}": float(w) for i, w in enumerate(weight)},
    )
