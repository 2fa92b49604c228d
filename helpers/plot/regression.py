"""Regression figures: fitted lines against the data, and loss contours with the path
gradient descent takes across them (chapter 1)."""

from collections.abc import Mapping

import numpy as np

from helpers.checks import check_positive, check_regression_data
from helpers.plot.style import COLORS, _new_ax, _view_range


def _predict(fit, x_grid, X, name):
    """Predictions of ``fit`` on ``x_grid`` (M, 1), or its given predictions on X."""
    if callable(fit) or hasattr(fit, "predict"):
        pred = fit.predict(x_grid) if hasattr(fit, "predict") else fit(x_grid)
        return x_grid[:, 0], np.asarray(pred, dtype=float).reshape(-1)
    pred = np.asarray(fit, dtype=float)
    if pred.shape != (len(X),):
        raise ValueError(
            f"{name}: predictions must have shape ({len(X)},), one per example, "
            f"got {pred.shape}"
        )
    order = np.argsort(X[:, 0])
    return X[order, 0], pred[order]


def plot_regression_fit(
    X,
    y,
    *fits,
    labels=None,
    ax=None,
    xlabel="x",
    ylabel="y",
    title="Data and fitted lines",
):
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
        raise ValueError(
            f"plot_regression_fit draws one-feature data: X must have shape (N, 1), "
            f"got {X.shape}"
        )
    if labels is None:
        labels = [f"fit {i + 1}" for i in range(len(fits))]
    elif isinstance(labels, str) or len(labels) != len(fits):
        raise ValueError(
            f"labels must be a list with one label per fit ({len(fits)}), got {labels!r}"
        )
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
        raise ValueError(
            "a path needs 'weight_0' and 'bias' entries: train with record_path=True "
            "(e.g. gradient_descent(model, X, y, lr, epochs, record_path=True))"
        )
    return np.asarray(history["weight_0"], dtype=float), np.asarray(
        history["bias"], dtype=float
    )


def plot_loss_contours(
    X,
    y,
    paths=None,
    ax=None,
    weights=None,
    biases=None,
    levels=14,
    grid_size=150,
    show_optimum=True,
    equal_aspect=True,
    title="Loss surface and paths",
):
    """Contours of the MSE of a one-feature model over (weight, bias), with optimisation paths.

    Args:
        X: (N, 1) inputs; y: (N,) targets.
        paths: a ``History`` or a dict ``{label: History}`` recorded with
            ``record_path=True`` (entries ``"weight_0"`` and ``"bias"``, one per step).
            A path that goes farther from the optimum than 1.5 times its start is drawn
            only up to its first step out there, which leaves the frame.
        weights, biases: (low, high) ranges of the axes; by default they cover the
            least-squares solution and every path (a diverging path leaves the frame
            instead of squashing everything else into a corner).
        levels: the number of contour lines, spaced geometrically above the minimum.
        show_optimum: mark the least-squares solution with a star.
        equal_aspect: draw weight and bias on the same scale (the default), so that
            round contours look round and elongated ones as elongated as they are;
            the view is then a square around the paths and the optimum.

    Returns:
        the ``Axes``: filled and line contours, then one line per path (its start marked
        with an open circle, its end with a square) and the optimum marker.
    """
    from helpers.numpy_nn.linear_regression import fit_closed_form, mse_surface

    check_regression_data(X, y)
    if X.shape[1] != 1:
        raise ValueError(
            f"plot_loss_contours draws one-feature models: X must have shape (N, 1), "
            f"got {X.shape}"
        )
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
    for label, (w, b) in tracks.items():
        ok = np.isfinite(w) & np.isfinite(b)
        w, b = w[ok], b[ok]
        if len(w):
            # A path that runs farther from the optimum than 1.5x its start is diverging: draw it
            # up to its first step out there (which leaves the frame) and frame only what came before.
            reach = 1.5 * np.hypot(w[0] - w_star, b[0] - b_star) + 1e-12
            far = np.flatnonzero(np.hypot(w - w_star, b - b_star) > reach)
            cut = far[0] if len(far) else len(w)
            tracks[label] = (w[: cut + 1], b[: cut + 1])
            near_w.append(w[:cut])
            near_b.append(b[:cut])
    near_w, near_b = np.concatenate(near_w), np.concatenate(near_b)
    w_lo, w_hi = _view_range(w_star, near_w, weights)
    b_lo, b_hi = _view_range(b_star, near_b, biases)
    if (
        equal_aspect and weights is None and biases is None
    ):  # square the view around the optimum
        half = max(w_hi - w_lo, b_hi - b_lo) / 2
        w_mid, b_mid = (w_lo + w_hi) / 2, (b_lo + b_hi) / 2
        w_lo, w_hi, b_lo, b_hi = w_mid - half, w_mid + half, b_mid - half, b_mid + half

    ws, bs = np.linspace(w_lo, w_hi, grid_size), np.linspace(b_lo, b_hi, grid_size)
    losses = mse_surface(X, y, ws, bs)  # (B, W)
    floor = losses.min()
    excess = np.geomspace(1e-3, 1.0, levels) * (losses.max() - floor) + floor
    ax = _new_ax(ax)
    ax.contourf(
        ws,
        bs,
        losses,
        levels=np.concatenate([[floor - 1e-12], excess]),
        cmap="Greys_r",
        alpha=0.25,
    )
    ax.contour(ws, bs, losses, levels=excess, colors="0.45", linewidths=0.7)

    for i, (label, (w, b)) in enumerate(tracks.items()):
        color = COLORS[i % len(COLORS)]
        short = (
            len(w) <= 60
        )  # mark every step of a short path; draw long (noisy) ones thinner
        ax.plot(
            w,
            b,
            color=color,
            marker="." if short else None,
            markersize=4,
            linewidth=1.4 if short else 0.8,
            alpha=1.0 if short else 0.75,
            label="path" if label is None else str(label),
        )
        ax.plot(
            w[:1],
            b[:1],
            "o",
            markerfacecolor="white",
            markeredgecolor=color,
            markersize=7,
            mew=1.5,
        )
        finite = np.isfinite(w) & np.isfinite(b)
        if finite.any():
            ax.plot(w[finite][-1:], b[finite][-1:], "s", color=color, markersize=5)
    if show_optimum:
        ax.plot(
            [w_star],
            [b_star],
            "*",
            color="black",
            markersize=13,
            label="least squares",
            zorder=5,
        )
    ax.set_xlim(w_lo, w_hi)
    ax.set_ylim(b_lo, b_hi)
    if equal_aspect:
        ax.set_aspect("equal", adjustable="box")
    ax.grid(False)
    ax.set(xlabel="weight $w$", ylabel="bias $b$", title=title)
    if tracks or show_optimum:
        ax.legend(loc="best")
    return ax
