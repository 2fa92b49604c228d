"""Figures the chapters share: one look, one palette, a few reusable plots.

Every function draws on ``ax`` when one is given and otherwise makes a new figure,
and returns the axes it drew on, so figures can be combined::

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    plot_history(history, ax=left, logy=True)
    plot_loss_contours(X, y, paths={"GD": history}, ax=right)

The colours are the Okabe-Ito palette, which stays distinguishable for readers
with the common forms of colour blindness and in greyscale print.
"""

from collections.abc import Mapping

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler

from helpers.checks import check_positive, check_regression_data

# Okabe & Ito (2008), "Color Universal Design". Yellow is left out of the cycle
# because it is hard to see on white.
PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
}
COLORS = [PALETTE[name] for name in ("blue", "orange", "green", "vermillion", "purple", "sky", "black")]


def use_book_style():
    """Set the book's matplotlib look: palette, light grid, no top/right spines, readable fonts.

    Call it once after the imports of a notebook; it changes ``matplotlib.rcParams``
    for the rest of the session. Returns nothing.
    """
    mpl.rcParams.update({
        "axes.prop_cycle": cycler(color=COLORS),
        "figure.figsize": (6.4, 4.0),
        "figure.dpi": 100,
        "savefig.dpi": 150,
        "savefig.bbox": "tight",
        "figure.constrained_layout.use": True,
        "font.size": 10,
        "axes.titlesize": 11,
        "axes.titleweight": "bold",
        "axes.labelsize": 10,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "grid.linewidth": 0.6,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "legend.frameon": False,
        "legend.fontsize": 9,
        "lines.linewidth": 1.8,
        "image.cmap": "viridis",
    })


def _new_ax(ax, figsize=None):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    elif not isinstance(ax, mpl.axes.Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax


def _as_runs(history):
    """A History, or a mapping {run name: History} -> {run name or None: History}."""
    if isinstance(history, Mapping):
        if not history:
            raise ValueError("history must hold at least one run, got an empty mapping")
        return dict(history)
    if not hasattr(history, "keys") or not hasattr(history, "__getitem__"):
        raise TypeError(f"history must be a helpers.train.History or a dict of them, "
                        f"got {type(history).__name__}")
    return {None: history}


def _is_path_key(key):
    return key == "bias" or key.startswith("weight_")


def plot_history(history, keys=None, ax=None, logy=False, start=0, xlabel="epoch", ylabel="loss",
                 title="Training curve"):
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

    Returns:
        the matplotlib ``Axes``, with one ``Line2D`` per (run, key).
    """
    runs = _as_runs(history)
    if isinstance(keys, str):
        keys = [keys]
    ax = _new_ax(ax)
    for run, hist in runs.items():
        run_keys = keys if keys is not None else [k for k in hist.keys()
                                                  if not _is_path_key(k) and k != "batch_loss"]
        if not run_keys:
            raise ValueError(f"nothing to plot: the history{'' if run is None else f' {run!r}'} "
                             f"records only {sorted(hist.keys())}; pass keys=")
        for key in run_keys:
            values = np.asarray(hist[key], dtype=float)  # a clear KeyError names what was recorded
            if run is None:
                label = key
            elif len(run_keys) == 1:
                label = str(run)
            else:
                label = f"{run}: {key}"
            ax.plot(np.arange(start, start + len(values)), values, label=label)
    if logy:
        ax.set_yscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if len(ax.get_lines()) > 1:
        ax.legend()
    return ax


def plot_curves(curves, ax=None, logx=False, logy=False, xlabel="x", ylabel="y", title=None,
                styles=None):
    """Draw several named curves on one axes.

    Args:
        curves: ``{label: (x, y)}`` with x and y 1-D and of equal length.
        styles: optional ``{label: dict of Line2D keyword arguments}``.

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
            raise ValueError(f"curve {label!r}: x and y must be 1-D of equal length, "
                             f"got shapes {x.shape} and {y.shape}")
        ax.plot(x, y, label=str(label), **(styles or {}).get(label, {}))
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if len(curves) > 1:
        ax.legend()
    return ax


def _predict(fit, x_grid, X, name):
    """Predictions of ``fit`` on ``x_grid`` (M, 1), or its given predictions on X."""
    if callable(fit) or hasattr(fit, "predict"):
        pred = fit.predict(x_grid) if hasattr(fit, "predict") else fit(x_grid)
        return x_grid[:, 0], np.asarray(pred, dtype=float).reshape(-1)
    pred = np.asarray(fit, dtype=float)
    if pred.shape != (len(X),):
        raise ValueError(f"{name}: predictions must have shape ({len(X)},), one per example, "
                         f"got {pred.shape}")
    order = np.argsort(X[:, 0])
    return X[order, 0], pred[order]


def plot_regression_fit(X, y, *fits, labels=None, ax=None, xlabel="x", ylabel="y",
                        title="Data and fitted lines"):
    """Scatter one-feature data and draw one or more fitted models over it.

    Args:
        X: (N, 1) inputs; y: (N,) targets.
        *fits: each a model (a callable ``X (M, 1) -> (M,)`` such as the NumPy
            ``LinearRegression``, or an object with ``predict``, such as a
            scikit-learn estimator) or an array (N,) of predictions on ``X``.
        labels: one legend label per fit (default ``"fit 1"``, ``"fit 2"``, ...).

    Returns:
        the ``Axes``: one scatter collection for the data and one line per fit.
    """
    check_regression_data(X, y)
    if X.shape[1] != 1:
        raise ValueError(f"plot_regression_fit draws one-feature data: X must have shape (N, 1), "
                         f"got {X.shape}")
    if labels is None:
        labels = [f"fit {i + 1}" for i in range(len(fits))]
    elif isinstance(labels, str) or len(labels) != len(fits):
        raise ValueError(f"labels must be a list with one label per fit ({len(fits)}), got {labels!r}")
    ax = _new_ax(ax)
    ax.scatter(X[:, 0], y, s=14, color="0.45", alpha=0.6, label="data", zorder=2)
    x_grid = np.linspace(X[:, 0].min(), X[:, 0].max(), 100)[:, None]
    for i, (fit, label) in enumerate(zip(fits, labels)):
        xs, ys = _predict(fit, x_grid, X, f"fit {i + 1}")
        ax.plot(xs, ys, label=label, zorder=3)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.legend()
    return ax


def path_of(history):
    """The parameter path recorded with ``record_path=True``: arrays ``(weights, biases)``, each (S,).

    Accepts a ``History`` (or any mapping) with ``"weight_0"`` and ``"bias"`` entries.
    """
    if not all(key in history for key in ("weight_0", "bias")):
        raise ValueError("a path needs 'weight_0' and 'bias' entries: train with record_path=True "
                         "(e.g. gradient_descent(model, X, y, lr, epochs, record_path=True))")
    return np.asarray(history["weight_0"], dtype=float), np.asarray(history["bias"], dtype=float)


def _view_range(centre, points, given, margin=0.15):
    """(lo, hi) around ``centre`` covering ``points`` unless ``given`` is set."""
    if given is not None:
        lo, hi = (float(v) for v in given)
        if not lo < hi:
            raise ValueError(f"a range must be (low, high) with low < high, got {given!r}")
        return lo, hi
    lo, hi = min(points.min(initial=centre), centre), max(points.max(initial=centre), centre)
    pad = max(hi - lo, 1e-3 * max(1.0, abs(centre))) * margin
    return lo - pad, hi + pad


def plot_loss_contours(X, y, paths=None, ax=None, weights=None, biases=None, levels=14, grid_size=150,
                       show_optimum=True, equal_aspect=False, title="Loss surface and paths"):
    """Contours of the MSE of a one-feature model over (weight, bias), with optimisation paths.

    Args:
        X: (N, 1) inputs; y: (N,) targets.
        paths: a ``History`` or a dict ``{label: History}`` recorded with
            ``record_path=True`` (entries ``"weight_0"`` and ``"bias"``, one per step).
        weights, biases: (low, high) ranges of the axes; by default they cover the
            least-squares solution and every path, except points that run far away
            (a diverging path leaves the frame instead of squashing it).
        levels: the number of contour lines, spaced geometrically above the minimum.
        show_optimum: mark the least-squares solution with a star.
        equal_aspect: draw weight and bias on the same scale, so that elongated
            contours look as elongated as they are.

    Returns:
        the ``Axes``: a contour set, then one line per path (starts marked with a circle,
        ends with a square) and the optimum marker.
    """
    from helpers.numpy_nn.linear_regression import fit_closed_form, mse_surface

    check_regression_data(X, y)
    if X.shape[1] != 1:
        raise ValueError(f"plot_loss_contours draws one-feature models: X must have shape (N, 1), "
                         f"got {X.shape}")
    levels = check_positive(levels, "levels", integer=True)
    grid_size = check_positive(grid_size, "grid_size", integer=True)
    if paths is None:
        paths = {}
    elif not isinstance(paths, Mapping) or "weight_0" in paths:
        paths = {None: paths}
    tracks = {label: path_of(hist) for label, hist in paths.items()}

    best = fit_closed_form(X, y)
    w_star, b_star = float(best.weight[0, 0]), float(best.bias[0])
    near_w, near_b = [np.array([w_star])], [np.array([b_star])]
    for w, b in tracks.values():
        ok = np.isfinite(w) & np.isfinite(b)
        w, b = w[ok], b[ok]
        if len(w):  # keep points no farther from the optimum than 1.5x the start
            reach = 1.5 * np.hypot(w[0] - w_star, b[0] - b_star) + 1e-12
            close = np.hypot(w - w_star, b - b_star) <= reach
            near_w.append(w[close])
            near_b.append(b[close])
    near_w, near_b = np.concatenate(near_w), np.concatenate(near_b)
    w_lo, w_hi = _view_range(w_star, near_w, weights)
    b_lo, b_hi = _view_range(b_star, near_b, biases)
    if equal_aspect and weights is None and biases is None:  # square the view around the optimum
        half = max(w_hi - w_lo, b_hi - b_lo) / 2
        w_mid, b_mid = (w_lo + w_hi) / 2, (b_lo + b_hi) / 2
        w_lo, w_hi, b_lo, b_hi = w_mid - half, w_mid + half, b_mid - half, b_mid + half

    ws, bs = np.linspace(w_lo, w_hi, grid_size), np.linspace(b_lo, b_hi, grid_size)
    losses = mse_surface(X, y, ws, bs)  # (B, W)
    floor = losses.min()
    excess = np.geomspace(1e-3, 1.0, levels) * (losses.max() - floor) + floor
    ax = _new_ax(ax)
    ax.contourf(ws, bs, losses, levels=np.concatenate([[floor - 1e-12], excess]), cmap="Greys_r",
                alpha=0.25)
    ax.contour(ws, bs, losses, levels=excess, colors="0.45", linewidths=0.7)

    for i, (label, (w, b)) in enumerate(tracks.items()):
        color = COLORS[i % len(COLORS)]
        marker = "." if len(w) <= 60 else None
        ax.plot(w, b, color=color, marker=marker, markersize=4, linewidth=1.4,
                label="path" if label is None else str(label))
        ax.plot(w[:1], b[:1], "o", color=color, markersize=6)
        finite = np.isfinite(w) & np.isfinite(b)
        if finite.any():
            ax.plot(w[finite][-1:], b[finite][-1:], "s", color=color, markersize=5)
    if show_optimum:
        ax.plot([w_star], [b_star], "*", color="black", markersize=13, label="least squares", zorder=5)
    ax.set_xlim(w_lo, w_hi)
    ax.set_ylim(b_lo, b_hi)
    if equal_aspect:
        ax.set_aspect("equal", adjustable="box")
    ax.grid(False)
    ax.set(xlabel="weight $w$", ylabel="bias $b$", title=title)
    if tracks or show_optimum:
        ax.legend(loc="best")
    return ax


def check_figure(fig_or_ax):
    """Assert that every axes with content has a title and labelled x and y axes.

    The book's rule for figures, as a check a notebook or a test can call. Returns the figure.
    """
    fig = fig_or_ax.figure if isinstance(fig_or_ax, mpl.axes.Axes) else fig_or_ax
    if not isinstance(fig, mpl.figure.Figure):
        raise TypeError(f"expected a matplotlib Figure or Axes, got {type(fig_or_ax).__name__}")
    for ax in fig.axes:
        if not ax.has_data() or not ax.get_visible() or ax.get_label() == "<colorbar>":
            continue
        missing = [what for what, text in (("title", ax.get_title()), ("x label", ax.get_xlabel()),
                                           ("y label", ax.get_ylabel())) if not text]
        if missing:
            raise AssertionError(f"an axes of the figure has no {', '.join(missing)}")
    return fig


__all__ = ["PALETTE", "COLORS", "use_book_style", "plot_history", "plot_curves", "plot_regression_fit",
           "path_of", "plot_loss_contours", "check_figure"]
