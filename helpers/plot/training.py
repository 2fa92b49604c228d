"""Training curves: loss and metric histories, any curves on shared axes, and gradient
norms layer by layer (chapters 1 and 3)."""

from collections.abc import Mapping

import numpy as np

from helpers.plot.style import COLORS, _new_ax, _to_numpy, integer_ticks, set_log_scale


def _as_runs(history):
    """A History, or a mapping {run name: History} -> {run name or None: History}."""
    if isinstance(history, Mapping):
        if not history:
            raise ValueError("history must hold at least one run, got an empty mapping")
        return dict(history)
    if not hasattr(history, "keys") or not hasattr(history, "__getitem__"):
        raise TypeError(
            f"history must be a helpers.train.History or a dict of them, "
            f"got {type(history).__name__}"
        )
    return {None: history}


def _is_path_key(key):
    return key == "bias" or key.startswith("weight_")


def plot_history(
    history,
    keys=None,
    ax=None,
    logy=False,
    start=0,
    xlabel="epoch",
    ylabel="loss",
    title="Training curve",
    labels=None,
):
    """Draw recorded metrics against the epoch (or step) at which they were recorded.

    Args:
        history: a ``helpers.train.History``, or a dict ``{run name: History}`` to
            compare several runs on one axes.
        keys: a metric name or a list of them, e.g. ``["train_loss", "val_loss"]``.
            Default: every recorded metric except the parameter path (``bias``,
            ``weight_0``, ...) and per-step ``batch_loss``.
        ax: the axes to draw on (default: a new figure).
        logy: use a logarithmic loss axis (good for curves that fall by decades).
        start: the x value of the first entry: 0 where the first entry is the loss
            before training (the NumPy training functions), 1 for ``helpers.train.fit``.
        labels: optional ``{key: legend text}``, e.g. ``{"val_loss": "test loss"}``.

    Returns:
        the matplotlib ``Axes``, with one ``Line2D`` per (run, key).
    """
    runs = _as_runs(history)
    if isinstance(keys, str):
        keys = [keys]
    ax = _new_ax(ax)
    for run, hist in runs.items():
        run_keys = (
            keys
            if keys is not None
            else [k for k in hist.keys() if not _is_path_key(k) and k != "batch_loss"]
        )
        if not run_keys:
            raise ValueError(
                f"nothing to plot: the history{'' if run is None else f' {run!r}'} "
                f"records only {sorted(hist.keys())}; pass keys="
            )
        for key in run_keys:
            values = np.asarray(
                hist[key], dtype=float
            )  # a clear KeyError names what was recorded
            name = (labels or {}).get(key, key)
            if run is None:
                label = name
            elif len(run_keys) == 1:
                label = str(run)
            else:
                label = f"{run}: {name}"
            ax.plot(np.arange(start, start + len(values)), values, label=label)
    if logy:
        set_log_scale(ax, "y")
    integer_ticks(ax.xaxis)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if len(ax.get_lines()) > 1:
        ax.legend()
    return ax


def plot_curves(
    curves,
    ax=None,
    logx=False,
    logy=False,
    xlabel="x",
    ylabel="y",
    title=None,
    styles=None,
    legend_loc="best",
):
    """Draw several named curves on one axes.

    Args:
        curves: ``{label: (x, y)}`` with x and y 1-D and of equal length.
        styles: optional ``{label: dict of Line2D keyword arguments}``.
        legend_loc: where the legend goes (any matplotlib ``loc``), when there are several curves.

    Returns:
        the ``Axes``.
    """
    if not isinstance(curves, Mapping) or not curves:
        raise TypeError("curves must be a non-empty dict {label: (x, y)}")
    ax = _new_ax(ax)
    for label, xy in curves.items():
        if len(xy) != 2:
            raise ValueError(f"curve {label!r} must be a pair (x, y)")
        x, y = np.asarray(xy[0], dtype=float), np.asarray(xy[1], dtype=float)
        if x.ndim != 1 or x.shape != y.shape:
            raise ValueError(
                f"curve {label!r}: x and y must be 1-D of equal length, "
                f"got shapes {x.shape} and {y.shape}"
            )
        ax.plot(x, y, label=str(label), **(styles or {}).get(label, {}))
    if logx:
        set_log_scale(ax, "x")
    if logy:
        set_log_scale(ax, "y")
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if len(curves) > 1:
        ax.legend(loc=legend_loc)
    return ax


def plot_gradient_norms(
    norms,
    ax=None,
    logy=True,
    xlabel="layer (1 = nearest the input)",
    ylabel="gradient norm",
    title="Gradient norm per layer",
    styles=None,
):
    """Draw one gradient norm per layer, for one network or several, to show gradients vanishing or exploding.

    Args:
        norms: a sequence of norms ``(L,)``, one per layer from the input side to the output
            side (e.g. the Frobenius norms of each Linear layer's weight gradient), or a dict
            ``{label: sequence}`` to compare networks (say sigmoid, tanh and ReLU) on one axes.
        ax: the axes to draw on (default: a new figure).
        logy: use a logarithmic axis (the default: norms of a deep network span decades).
        styles: optional ``{label: dict of Line2D keyword arguments}``.

    Returns:
        the ``Axes``: one line with a marker per layer for each network; layers are numbered
        1, 2, ... on integer ticks.
    """
    runs = dict(norms) if isinstance(norms, Mapping) else {None: norms}
    if not runs:
        raise ValueError("norms must hold at least one network, got an empty mapping")
    ax = _new_ax(ax)
    for i, (label, values) in enumerate(runs.items()):
        values = np.asarray(_to_numpy(values), dtype=float)
        name = "norms" if label is None else f"norms of {label!r}"
        if values.ndim != 1 or len(values) == 0:
            raise ValueError(
                f"{name} must be a non-empty 1-D sequence, one norm per layer, "
                f"got shape {values.shape}"
            )
        if not np.all(np.isfinite(values)) or (values < 0).any():
            raise ValueError(
                f"{name} must be finite and non-negative, got values from "
                f"{np.nanmin(values):.3g} to {np.nanmax(values):.3g}"
            )
        if logy and (values == 0).any():
            raise ValueError(
                f"{name} contains an exact zero, which a log axis cannot show; "
                f"pass logy=False or floor the norms (e.g. np.maximum(norms, 1e-30))"
            )
        style = {"marker": "o", "markersize": 4, "color": COLORS[i % len(COLORS)]}
        style.update((styles or {}).get(label, {}))
        ax.plot(
            np.arange(1, len(values) + 1),
            values,
            label=None if label is None else str(label),
            **style,
        )
    if logy:
        set_log_scale(ax, "y")
    integer_ticks(ax.xaxis)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if len(runs) > 1 or None not in runs:
        ax.legend()
    return ax
