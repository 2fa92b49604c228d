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

import torch
from tqdm.auto import tqdm

from helpers.checks import TrainingDivergedError, check_positive, check_same_length

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
            raise KeyError(f"no metric {name!r} was recorded; recorded: {sorted(self.metrics)}")
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


def check_not_diverged(loss, initial_loss, step, lr, history=None):
    """Raise ``TrainingDivergedError`` if ``loss`` is not finite or has exploded.

    Args:
        loss: the loss just computed (a float).
        initial_loss: the loss before training, the yardstick for "exploded".
        step: the epoch or step number, for the message.
        lr: the learning rate, for the message.
        history: attached to the error so the curve so far can still be drawn.
    """
    exploded = math.isfinite(loss) and loss > DIVERGENCE_FACTOR * max(initial_loss, 1e-12)
    if not math.isfinite(loss) or exploded:
        raise TrainingDivergedError(
            f"training diverged at step {step}: the loss went from {initial_loss:.4g} to {loss:.4g} "
            f"with learning rate {lr:g}. Try a smaller learning rate (e.g. {lr / 10:g}) "
            f"or standardise the features.", history)


def make_loader(X, y, batch_size=64, shuffle=True, seed=0):
    """Wrap tensors (or arrays) ``X: (N, ...)`` and ``y: (N, ...)`` in a seeded DataLoader."""
    batch_size = check_positive(batch_size, "batch_size", integer=True)
    X, y = torch.as_tensor(X), torch.as_tensor(y)
    check_same_length(X, "X", y, "y")
    generator = torch.Generator().manual_seed(seed)
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=batch_size,
                                       shuffle=shuffle, generator=generator)


@torch.no_grad()
def evaluate(model, loss_fn, loader, device=None, metrics=None):
    """Average ``loss_fn`` and each metric over ``loader``; returns ``{"loss": ..., name: ...}``.

    Averages are weighted by batch size, so they equal the value on the whole set.
    ``metrics`` maps a name to ``fn(outputs, targets) -> float``.
    """
    device = device or next(model.parameters()).device
    model.eval()
    totals, count = {"loss": 0.0}, 0
    for xb, yb in loader:
        xb, yb = xb.to(device), yb.to(device)
        out = model(xb)
        totals["loss"] += float(loss_fn(out, yb)) * len(xb)
        for name, fn in (metrics or {}).items():
            totals[name] = totals.get(name, 0.0) + float(fn(out, yb)) * len(xb)
        count += len(xb)
    return {name: total / count for name, total in totals.items()}


def fit(model, loss_fn, optimizer, train_loader, epochs, val_loader=None, device=None,
        metrics=None, progress=True):
    """Train ``model`` for ``epochs`` passes over ``train_loader``; return a ``History``.

    Records ``train_loss`` (the mean over the epoch's batches) and, with ``val_loader``,
    ``val_loss`` and ``val_<metric>`` for each of ``metrics`` (name -> fn(outputs, targets)).
    Raises ``TrainingDivergedError`` as soon as a batch loss is not finite or explodes.
    """
    epochs = check_positive(epochs, "epochs", integer=True)
    device = device or next(model.parameters()).device
    model.to(device)
    history = History()
    lr = optimizer.param_groups[0]["lr"]
    initial_loss = None
    bar = tqdm(range(1, epochs + 1), desc="epochs", disable=not progress, leave=False)
    for epoch in bar:
        model.train()
        total, count = 0.0, 0
        for xb, yb in train_loader:
            xb, yb = xb.to(device), yb.to(device)
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            value = float(loss.detach())
            initial_loss = value if initial_loss is None else initial_loss
            check_not_diverged(value, initial_loss, epoch, lr, history)
            total += value * len(xb)
            count += len(xb)
        record = {"train_loss": total / count}
        if val_loader is not None:
            scores = evaluate(model, loss_fn, val_loader, device, metrics)
            record.update({f"val_{name}": value for name, value in scores.items()})
        history.log(**record)
        bar.set_postfix({k: f"{v:.4g}" for k, v in record.items()})
    return history


def batch_indices(n_samples, batch_size, rng):
    """Split ``range(n_samples)`` into shuffled batches of at most ``batch_size`` indices.

    Shared by the NumPy and PyTorch training functions, so that with the same ``rng``
    both visit exactly the same minibatches in the same order.
    """
    order = rng.permutation(n_samples)
    return [order[i:i + batch_size] for i in range(0, n_samples, batch_size)]
