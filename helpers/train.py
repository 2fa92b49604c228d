"""One small training loop for PyTorch models, with a progress bar and a history.

    history = fit(model, loss_fn, optimizer, train_loader, epochs=10,
                  val_loader=val_loader, device=device)
    history["train_loss"]      # one float per epoch

The loop is written out plainly on purpose: zero the gradients, forward, loss,
backward, step. The NumPy training functions in ``helpers.numpy_nn`` record
their progress in the same ``History`` and stop the same way when training
diverges.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from helpers.checks import (
    LossBelowBoundError,
    TrainingDivergedError,
    check_array,
    check_integer,
    check_number,
    check_positive,
    check_same_length,
)

# A loss this many times larger than where it started counts as diverged.
DIVERGENCE_FACTOR = 1e6


class History:
    """Named lists of numbers recorded during training, one entry per epoch (or step).

    ``history.log(train_loss=0.3, val_loss=0.4)`` appends; ``history["train_loss"]``
    reads a list; ``history.last("val_loss")`` reads the latest value.
    """

    def __init__(self):
        self.metrics = {}

    def log(self, **values):
        for name, value in values.items():
            self.metrics.setdefault(name, []).append(float(value))

    def __getitem__(self, name):
        if name not in self.metrics:
            raise KeyError(
                f"no metric {name!r} was recorded; recorded: {sorted(self.metrics)}"
            )
        return self.metrics[name]

    def __contains__(self, name):
        return name in self.metrics

    def keys(self):
        return self.metrics.keys()

    def last(self, name):
        return self[name][-1]

    def __len__(self):
        return max((len(v) for v in self.metrics.values()), default=0)

    def __repr__(self):
        latest = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.metrics.items())
        return f"History({len(self)} entries; latest: {latest})"


def check_not_diverged(loss, initial_loss, step, lr, history=None, lower_bound=None):
    """Raise an error if ``loss`` is not finite, has exploded, or is below its lower bound.

    Args:
        loss: the loss just computed (a float).
        initial_loss: the loss before training, the yardstick for "exploded".
        step: the epoch or step number, for the message.
        lr: the learning rate, for the message.
        history: attached to the error so the curve so far can still be drawn.
        lower_bound: the smallest value the loss can take (0 for MSE and cross-entropy), or
            None for no bound. A loss below it, by more than rounding
            (1e-6 * max(1, |initial_loss|)), raises ``LossBelowBoundError``.

    Raises:
        TrainingDivergedError: the loss is ``nan`` or ``inf``, or 1e6 times its start.
        LossBelowBoundError: the loss fell below ``lower_bound`` (a subclass of the above).
    """
    exploded = math.isfinite(loss) and loss > DIVERGENCE_FACTOR * max(
        initial_loss, 1e-12
    )
    if not math.isfinite(loss) or exploded:
        raise TrainingDivergedError(
            f"training diverged at step {step}: the loss went from {initial_loss:.4g} to {loss:.4g} "
            f"with learning rate {lr:g}. Try a smaller learning rate (e.g. {lr / 10:g}) "
            f"or standardise the features.",
            history,
        )
    if lower_bound is not None:
        lower_bound = check_number(lower_bound, "lower_bound")
        tolerance = (
            1e-6 * max(1.0, abs(initial_loss)) if math.isfinite(initial_loss) else 1e-6
        )
        if loss < lower_bound - tolerance:
            raise LossBelowBoundError(
                f"the loss fell to {loss:.4g} at step {step}, below its lower bound {lower_bound:g}: "
                f"a loss that can go below its bound is not the objective you meant (a forgotten square? "
                f"a sign error?). A gradient check only proves that the gradient matches the loss "
                f"as written, not that the loss is right.",
                history,
            )


LOSSES_AT_LEAST_ZERO = (
    nn.MSELoss,
    nn.L1Loss,
    nn.CrossEntropyLoss,
    nn.BCELoss,
    nn.BCEWithLogitsLoss,
    F.mse_loss,
    F.l1_loss,
    F.cross_entropy,
    F.binary_cross_entropy,
    F.binary_cross_entropy_with_logits,
)


def known_lower_bound(loss_fn):
    """0.0 for a loss known to be >= 0 (torch's MSE, L1, cross-entropy and BCE losses, and the
    ``helpers.torch_nn.losses`` twins); None for any other function."""
    from helpers.torch_nn import (
        losses,
    )  # imported here: helpers.torch_nn imports this module

    at_least_zero = LOSSES_AT_LEAST_ZERO + (
        losses.mse_loss,
        losses.cross_entropy,
        losses.binary_cross_entropy,
        losses.binary_cross_entropy_with_logits,
    )
    if isinstance(loss_fn, nn.Module):
        return 0.0 if type(loss_fn) in at_least_zero else None
    return 0.0 if any(loss_fn is known for known in at_least_zero) else None


def make_loader(X, y, batch_size=64, shuffle=True, seed=0):
    """Wrap tensors (or arrays) ``X: (N, ...)`` and ``y: (N, ...)`` in a seeded DataLoader."""
    batch_size = check_positive(batch_size, "batch_size", integer=True)
    X, y = torch.as_tensor(X), torch.as_tensor(y)
    check_array(X, "X", dtype=None)
    check_array(y, "y", dtype=None)
    check_same_length(X, "X", y, "y")
    generator = torch.Generator().manual_seed(seed)
    return torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(X, y),
        batch_size=batch_size,
        shuffle=shuffle,
        generator=generator,
    )


@torch.no_grad()
def evaluate(model, loss_fn, loader, device=None, metrics=None):
    """Average ``loss_fn`` and each metric over ``loader``; returns ``{"loss": ..., name: ...}``.

    Averages are weighted by batch size, so they equal the value on the whole set.
    ``metrics`` maps a name to ``fn(outputs, targets) -> float``.
    """
    device = device or _model_device(model, "to find its device (or pass device=)")
    model.eval()
    totals, count = {"loss": 0.0}, 0
    for xb, yb in loader:
        xb, yb = xb.to(device), yb.to(device)
        out = model(xb)
        totals["loss"] += float(loss_fn(out, yb)) * len(xb)
        for name, fn in (metrics or {}).items():
            totals[name] = totals.get(name, 0.0) + float(fn(out, yb)) * len(xb)
        count += len(xb)
    if count == 0:
        raise ValueError("loader must yield at least one example, got an empty loader")
    return {name: total / count for name, total in totals.items()}


def fit(
    model,
    loss_fn,
    optimizer,
    train_loader,
    epochs,
    val_loader=None,
    device=None,
    metrics=None,
    progress=True,
    lower_bound="auto",
):
    """Train ``model`` for ``epochs`` passes over ``train_loader``; return a ``History``.

    Records ``train_loss`` (the mean over the epoch's batches) and, with ``val_loader``,
    ``val_loss`` and ``val_<metric>`` for each of ``metrics`` (name -> fn(outputs, targets)).
    Raises ``TrainingDivergedError`` as soon as a batch loss is not finite or explodes, and
    ``LossBelowBoundError`` when it falls below ``lower_bound``: ``"auto"`` (the default) is 0
    for torch's and ``helpers.torch_nn``'s MSE, L1, cross-entropy and BCE losses and no bound
    for any other ``loss_fn``; pass a number, or None for no bound.
    """
    epochs = check_positive(epochs, "epochs", integer=True)
    if isinstance(lower_bound, str):
        if lower_bound != "auto":
            raise ValueError(
                f"lower_bound must be 'auto', a number or None, got {lower_bound!r}"
            )
        lower_bound = known_lower_bound(loss_fn)
    elif lower_bound is not None:
        lower_bound = check_number(lower_bound, "lower_bound")
    parameters_device = _model_device(
        model, "to train"
    )  # checked even with device=: nothing to train without
    device = device or parameters_device
    model.to(device)
    history = History()
    lr = optimizer.param_groups[0]["lr"]
    initial_loss, step = None, 0
    bar = tqdm(range(1, epochs + 1), desc="epochs", disable=not progress, leave=False)
    for epoch in bar:
        model.train()
        total, count = 0.0, 0
        for xb, yb in train_loader:
            step += 1
            xb, yb = xb.to(device), yb.to(device)
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            value = float(loss.detach())
            initial_loss = value if initial_loss is None else initial_loss
            check_not_diverged(
                value, initial_loss, f"{step} (epoch {epoch})", lr, history, lower_bound
            )
            total += value * len(xb)
            count += len(xb)
        if count == 0:
            raise ValueError(
                "train_loader must yield at least one example, got an empty loader"
            )
        record = {"train_loss": total / count}
        if val_loader is not None:
            scores = evaluate(model, loss_fn, val_loader, device, metrics)
            record.update({f"val_{name}": value for name, value in scores.items()})
        history.log(**record)
        bar.set_postfix({k: f"{v:.4g}" for k, v in record.items()})
    return history


def _model_device(model, purpose):
    """The device of ``model``'s first parameter; a clear error for a model without parameters."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    first = next(model.parameters(), None)
    if first is None:
        raise ValueError(
            f"model must have parameters {purpose}, got {type(model).__name__} without any"
        )
    return first.device


def batch_indices(n_samples, batch_size, rng):
    """Split ``range(n_samples)`` into shuffled batches of at most ``batch_size`` indices.

    Shared by the NumPy and PyTorch training functions, so that with the same ``rng``
    both visit exactly the same minibatches in the same order.

    Args:
        n_samples: a non-negative integer; batch_size: a positive integer;
        rng: a ``numpy.random.Generator``.
    """
    n_samples = check_integer(n_samples, "n_samples", minimum=0)
    batch_size = check_integer(batch_size, "batch_size", minimum=1)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator, got {type(rng).__name__} "
            f"(make one with np.random.default_rng(seed))"
        )
    order = rng.permutation(n_samples)
    return [order[i : i + batch_size] for i in range(0, n_samples, batch_size)]
