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
import matplotlib.ticker as mticker
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


class _PlainLogFormatter(mticker.Formatter):
    """Tick labels for log axes written as plain numbers (0.3, 2, 10000; 1e+07 only when huge).

    Major ticks (powers of ten) are always labelled. Minor ticks are labelled only when
    the axis spans few decades: all of them up to one decade, the 2s and 5s up to two
    and a half, none beyond (they would crowd).
    """

    def __init__(self, minor=False):
        self.minor = minor

    def __call__(self, value, pos=None):
        if not np.isfinite(value) or value <= 0:
            return ""
        if self.minor:
            low, high = sorted(self.axis.get_view_interval())
            decades = np.log10(high / low) if low > 0 else np.inf
            leading = round(value / 10 ** np.floor(np.log10(value) + 1e-9))
            if decades > 2.5 or (decades > 1 and leading not in (2, 5)):
                return ""
        return f"{value:.6g}"


def set_log_scale(ax, axis="y"):
    """Switch an axis of ``ax`` (``"x"`` or ``"y"``) to a log scale labelled with plain numbers."""
    if axis not in ("x", "y"):
        raise ValueError(f"axis must be 'x' or 'y', got {axis!r}")
    target = ax.yaxis if axis == "y" else ax.xaxis
    (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
    target.set_major_formatter(_PlainLogFormatter())
    target.set_minor_formatter(_PlainLogFormatter(minor=True))


def integer_ticks(axis):
    """Put ticks of an ``Axis`` (e.g. ``ax.xaxis``) at round integers: 0, 5, 10, ... for epochs."""
    axis.set_major_locator(mticker.MaxNLocator(integer=True, steps=[1, 2, 5, 10]))


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
                 title="Training curve", labels=None):
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
        run_keys = keys if keys is not None else [k for k in hist.keys()
                                                  if not _is_path_key(k) and k != "batch_loss"]
        if not run_keys:
            raise ValueError(f"nothing to plot: the history{'' if run is None else f' {run!r}'} "
                             f"records only {sorted(hist.keys())}; pass keys=")
        for key in run_keys:
            values = np.asarray(hist[key], dtype=float)  # a clear KeyError names what was recorded
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


def plot_curves(curves, ax=None, logx=False, logy=False, xlabel="x", ylabel="y", title=None,
                styles=None, legend_loc="best"):
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
            raise ValueError(f"curve {label!r}: x and y must be 1-D of equal length, "
                             f"got shapes {x.shape} and {y.shape}")
        ax.plot(x, y, label=str(label), **(styles or {}).get(label, {}))
    if logx:
        set_log_scale(ax, "x")
    if logy:
        set_log_scale(ax, "y")
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if len(curves) > 1:
        ax.legend(loc=legend_loc)
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
                       show_optimum=True, equal_aspect=True, title="Loss surface and paths"):
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
    for label, (w, b) in tracks.items():
        ok = np.isfinite(w) & np.isfinite(b)
        w, b = w[ok], b[ok]
        if len(w):
            # A path that runs farther from the optimum than 1.5x its start is diverging: draw it
            # up to its first step out there (which leaves the frame) and frame only what came before.
            reach = 1.5 * np.hypot(w[0] - w_star, b[0] - b_star) + 1e-12
            far = np.flatnonzero(np.hypot(w - w_star, b - b_star) > reach)
            cut = far[0] if len(far) else len(w)
            tracks[label] = (w[:cut + 1], b[:cut + 1])
            near_w.append(w[:cut])
            near_b.append(b[:cut])
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
        short = len(w) <= 60  # mark every step of a short path; draw long (noisy) ones thinner
        ax.plot(w, b, color=color, marker="." if short else None, markersize=4,
                linewidth=1.4 if short else 0.8, alpha=1.0 if short else 0.75,
                label="path" if label is None else str(label))
        ax.plot(w[:1], b[:1], "o", markerfacecolor="white", markeredgecolor=color, markersize=7, mew=1.5)
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
           "path_of", "plot_loss_contours", "check_figure", "set_log_scale",
           "integer_ticks"]


# ------------------------------------------------------------------ classification (Chapter 2)
# Decision regions, confusion matrices, image grids and ROC / precision-recall curves.
# Every classifier is passed as a plain function of points, so the same figures serve
# NumPy models, PyTorch models (wrapped to take and return arrays) and scikit-learn.

from numbers import Real  # noqa: E402

from helpers.checks import check_array, check_labels, check_same_length  # noqa: E402

CLASS_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "*")


def class_colors(num_classes):
    """One colour per class: the book's palette for up to six classes, ``tab10``/``tab20`` beyond."""
    num_classes = check_positive(num_classes, "num_classes", integer=True)
    if num_classes <= 6:
        return COLORS[:num_classes]
    cmap = plt.get_cmap("tab10" if num_classes <= 10 else "tab20")
    return [mpl.colors.to_hex(cmap(k % cmap.N)) for k in range(num_classes)]


def _to_numpy(values):
    """A NumPy array from an array, a list or a (possibly GPU, possibly grad-tracking) tensor."""
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    return np.asarray(values)


def _class_names(class_names, num_classes):
    if class_names is None:
        return [f"class {k}" for k in range(num_classes)]
    names = [str(name) for name in class_names]
    if len(names) < num_classes:
        raise ValueError(f"class_names must name all {num_classes} classes, got {len(names)}: {names}")
    return names


def _grid_predictions(predict_fn, points):
    """Call ``predict_fn`` on grid points (M, 2); return ``(labels (M,), probabilities (M, K) or None)``."""
    m = len(points)
    out = _to_numpy(predict_fn(points))
    if out.ndim == 2 and out.shape[1] == 1:
        out = out[:, 0]
    if out.shape not in ((m,),) and not (out.ndim == 2 and out.shape[0] == m):
        raise ValueError(f"predict_fn returned shape {out.shape} for {m} points of shape {points.shape}; "
                         f"expected labels or probabilities of class 1, shape ({m},), "
                         f"or class probabilities, shape ({m}, K)")
    if out.dtype.kind in "iub":
        if out.ndim != 1:
            raise ValueError(f"integer output of predict_fn must be class labels of shape ({m},), "
                             f"got shape {out.shape}")
        if out.min() < 0:
            raise ValueError(f"predict_fn returned the negative label {int(out.min())}; labels are 0..K-1")
        return out.astype(np.int64), None
    if out.dtype.kind != "f":
        raise TypeError(f"predict_fn must return numbers, got dtype {out.dtype}")
    if not np.isfinite(out).all():
        raise ValueError("predict_fn returned nan or inf on the plotting grid")
    low, high = float(out.min()), float(out.max())
    if low < -1e-9 or high > 1 + 1e-9:
        raise ValueError(f"predict_fn returned values from {low:.4g} to {high:.4g}, not probabilities in [0, 1]; "
                         f"if these are logits (raw scores), return sigmoid(logits) or softmax(logits), "
                         f"or the predicted labels as integers")
    if out.ndim == 1:
        return None, np.column_stack([1.0 - out, out])
    if out.shape[1] < 2 or not np.allclose(out.sum(axis=1), 1.0, atol=1e-4):
        raise ValueError(f"class probabilities of shape {out.shape} must have K >= 2 columns and rows "
                         f"summing to 1 (softmax output)")
    return None, out


def plot_decision_boundary(predict_fn, X, y=None, ax=None, threshold=0.5, grid_size=200, padding=0.1,
                           xlim=None, ylim=None, class_names=None, show_regions=True, markersize=22,
                           xlabel="$x_1$", ylabel="$x_2$", title="Decision regions"):
    """Shade the plane by the class a classifier predicts, draw its decision boundary and the data.

    Works for any classifier on two features, binary or multi-class, NumPy or PyTorch:
    ``predict_fn`` is called once with a grid of points, an array ``(M, 2)`` of float64,
    and may return (as an array or a tensor)

    - labels ``(M,)`` of integers 0..K-1 (e.g. ``model.predict``);
    - probabilities of class 1 ``(M,)`` in [0, 1] (e.g. a logistic ``predict_proba``); the
      boundary is then drawn where the probability equals ``threshold``;
    - class probabilities ``(M, K)``, rows summing to 1 (e.g. a softmax ``predict_proba``).

    The shade shows the predicted class, deeper where the classifier is more confident
    (white on the boundary). A PyTorch model needs a small wrapper, e.g.
    ``lambda P: model.predict_proba(torch.as_tensor(P, dtype=torch.float32, device=device))``.

    Args:
        predict_fn: the classifier, a function of points ``(M, 2) -> (M,)`` or ``(M, K)``.
        X: (N, 2) data to draw (and to frame the view); y: (N,) integer labels, or ``None``.
        ax: the axes to draw on (default: a new figure).
        threshold: for class-1 probabilities, the level at which the boundary is drawn.
        grid_size: the grid has ``grid_size x grid_size`` points.
        padding: the view extends the data's range by this fraction on every side.
        xlim, ylim: ``(low, high)`` ranges of the view instead of the data's.
        class_names: legend names of the classes (default ``"class 0"``, ...).
        show_regions: shade the regions (else only the boundary and the points).

    Returns:
        the ``Axes``: an image of the regions, the boundary as contour lines (black), and one
        scatter collection per class present in ``y``, each with its own colour and marker.
    """
    check_array(X, "X", ndim=2)
    X = _to_numpy(X).astype(np.float64)
    if X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary draws two-feature data: X must have shape (N, 2), got {X.shape}")
    if len(X) == 0:
        raise ValueError("X must hold at least one point, to frame the view")
    if y is not None:
        check_labels(y, "y")
        check_same_length(X, "X", y, "y")
        y = _to_numpy(y)
    if not callable(predict_fn):
        raise TypeError(f"predict_fn must be a function mapping points (M, 2) to labels or probabilities, "
                        f"e.g. model.predict_proba; got {type(predict_fn).__name__}")
    if isinstance(threshold, bool) or not isinstance(threshold, Real) or not 0 < threshold < 1:
        raise ValueError(f"threshold must be a probability strictly between 0 and 1, got {threshold!r}")
    grid_size = check_positive(grid_size, "grid_size", integer=True)
    if grid_size < 2:
        raise ValueError(f"grid_size must be at least 2, got {grid_size}")
    x_lo, x_hi = _padded(X[:, 0], padding) if xlim is None else _view_range(0.0, X[:, 0], xlim)
    y_lo, y_hi = _padded(X[:, 1], padding) if ylim is None else _view_range(0.0, X[:, 1], ylim)
    xs, ys = np.linspace(x_lo, x_hi, grid_size), np.linspace(y_lo, y_hi, grid_size)
    xx, yy = np.meshgrid(xs, ys)
    points = np.column_stack([xx.ravel(), yy.ravel()])
    labels, probs = _grid_predictions(predict_fn, points)

    binary_probs = probs is not None and probs.shape[1] == 2
    if binary_probs:  # predicted class by the threshold; confidence 0 on the boundary, 1 at p = 0 or 1
        p1 = probs[:, 1]
        labels = (p1 >= threshold).astype(np.int64)
        strength = np.where(labels == 1, (p1 - threshold) / (1 - threshold), (threshold - p1) / threshold)
    elif probs is not None:
        labels = probs.argmax(axis=1)
        k = probs.shape[1]
        strength = (probs.max(axis=1) - 1 / k) / (1 - 1 / k)
    else:
        strength = np.ones(len(points))
    num_classes = int(max(labels.max(), -1 if y is None or len(y) == 0 else y.max(),
                          1 if probs is None else probs.shape[1] - 1)) + 1
    colors = np.array([mpl.colors.to_rgb(c) for c in class_colors(num_classes)])
    names = _class_names(class_names, num_classes)

    ax = _new_ax(ax)
    if show_regions:
        alpha = 0.45 * np.clip(strength, 0.0, 1.0)[:, None] if probs is not None else 0.3
        rgb = (1 - alpha) * 1.0 + alpha * colors[labels]
        ax.imshow(rgb.reshape(grid_size, grid_size, 3), origin="lower", extent=(x_lo, x_hi, y_lo, y_hi),
                  aspect="auto", interpolation="bilinear", zorder=0)
    grid_labels = labels.reshape(grid_size, grid_size)
    if binary_probs:
        field, levels = probs[:, 1].reshape(grid_size, grid_size), [threshold]
    else:
        field, levels = grid_labels, np.arange(num_classes - 1) + 0.5
    if any(field.min() < level < field.max() for level in levels):
        with np.errstate(invalid="ignore"):
            ax.contour(xs, ys, field, levels=levels, colors="black", linewidths=1.4, zorder=1)
    handles = []
    if y is not None:
        for k in np.unique(y):
            mask = y == k
            handles.append(ax.scatter(X[mask, 0], X[mask, 1], s=markersize, color=colors[k],
                                      marker=CLASS_MARKERS[k % len(CLASS_MARKERS)], edgecolors="white",
                                      linewidths=0.5, label=names[k], zorder=2))
    if (labels != labels[0]).any():
        handles.append(mpl.lines.Line2D([], [], color="black", linewidth=1.4,
                                        label="decision boundary" if not binary_probs or threshold == 0.5
                                        else f"boundary (p = {threshold:g})"))
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    ax.grid(False)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if handles:
        ax.legend(handles=handles, loc="best", framealpha=0.8, frameon=True)
    return ax


def _padded(values, fraction):
    lo, hi = float(values.min()), float(values.max())
    pad = max(hi - lo, 1e-3 * max(1.0, abs(lo))) * fraction
    return lo - pad, hi + pad


def plot_confusion_matrix(C, class_names=None, ax=None, normalize=False, cmap="Blues",
                          title="Confusion matrix", xlabel="predicted class", ylabel="true class"):
    """Draw a confusion matrix ``C[i, j]`` (true class i, predicted class j) as annotated cells.

    Args:
        C: (K, K) non-negative counts, e.g. from ``helpers.numpy_nn.metrics.confusion_matrix``
            (an array or a tensor).
        class_names: tick labels, one per class (default 0..K-1).
        normalize: if true, colour and annotate each row as fractions of its true class,
            so that classes of different sizes compare fairly (rows with no examples stay 0).

    Returns:
        the ``Axes``: one image and one text per cell (zeros in grey, to keep the eye on the rest).
    """
    C = _to_numpy(C)
    if C.ndim != 2 or C.shape[0] != C.shape[1] or C.shape[0] == 0:
        raise ValueError(f"C must be a square (K, K) matrix of counts, got shape {C.shape}")
    if C.dtype.kind not in "iuf" or not np.isfinite(C).all() or (C < 0).any():
        raise ValueError("C must hold finite, non-negative counts")
    k = C.shape[0]
    names = [str(i) for i in range(k)] if class_names is None else _class_names(class_names, k)[:k]
    values = C.astype(float)
    if normalize:
        totals = values.sum(axis=1, keepdims=True)
        values = np.divide(values, totals, out=np.zeros_like(values), where=totals > 0)
    ax = _new_ax(ax)
    ax.imshow(values, cmap=cmap, vmin=0, vmax=max(values.max(), 1e-12))
    fontsize = 9 if k <= 6 else 8 if k <= 10 else 6
    for i in range(k):
        for j in range(k):
            if normalize:
                text = f"{values[i, j]:.2f}"
            else:
                text = f"{C[i, j]:.0f}" if C.dtype.kind == "f" else str(C[i, j])
            dark = values[i, j] > 0.6 * values.max()
            color = "white" if dark else "0.55" if C[i, j] == 0 else "black"
            ax.text(j, i, text, ha="center", va="center", color=color, fontsize=fontsize)
    ax.set_xticks(range(k), names, rotation=0 if max(len(n) for n in names) * k <= 40 else 45)
    ax.set_yticks(range(k), names)
    ax.tick_params(length=0)
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    return ax


def plot_image_grid(images, titles=None, ncols=10, image_shape=None, cmap="gray_r", symmetric=False,
                    suptitle=None, panel_size=1.15, colorbar_label=None, title_colors=None):
    """Draw images side by side on a shared colour scale: digits, learned weights, filters.

    Args:
        images: (N, H, W), or (N, D) flattened rows with ``image_shape=(H, W)`` (a square D such
            as 784 needs none); an array or a tensor.
        titles: one short title per image (default none).
        ncols: images per row.
        cmap: the colour map; ``"gray_r"`` draws ink dark on white.
        symmetric: centre the colour scale at zero (``-m .. m`` with m the largest absolute
            value) and default to the diverging ``"RdBu_r"``: for weights, red votes for,
            blue against.
        suptitle: the figure's title.
        colorbar_label: if given, add one shared colour bar with this label.
        title_colors: optional colour per title (e.g. to mark mistakes).

    Returns:
        the ``Figure``; its image axes have no ticks (an image needs no axis labels, so
        ``check_figure`` does not apply to them; the suptitle is the figure's title).
    """
    images = _to_numpy(images)
    if images.ndim not in (2, 3) or len(images) == 0:
        raise ValueError(f"images must have shape (N, H, W) or (N, D) with N >= 1, got {images.shape}")
    if images.dtype.kind not in "iuf" or not np.isfinite(images).all():
        raise ValueError("images must hold finite numbers")
    n = len(images)
    if images.ndim == 2:
        d = images.shape[1]
        if image_shape is None:
            side = int(round(d ** 0.5))
            if side * side != d:
                raise ValueError(f"rows of {d} pixels are not square: pass image_shape=(H, W)")
            image_shape = (side, side)
        if int(np.prod(image_shape)) != d:
            raise ValueError(f"image_shape {tuple(image_shape)} does not hold the {d} pixels of each row")
        images = images.reshape(n, *image_shape)
    if titles is not None and (isinstance(titles, str) or len(titles) != n):
        raise ValueError(f"titles must be a list with one title per image ({n}), got {titles!r}")
    if title_colors is not None and len(title_colors) != n:
        raise ValueError(f"title_colors must give one colour per image ({n})")
    ncols = min(check_positive(ncols, "ncols", integer=True), n)
    nrows = -(-n // ncols)
    if symmetric:
        limit = max(float(np.abs(images).max()), 1e-12)
        vmin, vmax = -limit, limit
        cmap = "RdBu_r" if cmap == "gray_r" else cmap
    else:
        vmin, vmax = float(images.min()), float(images.max())
    title_space = 0.3 if titles is not None else 0.0
    fig, axes = plt.subplots(nrows, ncols, squeeze=False, layout="constrained",
                             figsize=(ncols * panel_size + (0.8 if colorbar_label else 0),
                                      nrows * (panel_size + title_space) + (0.4 if suptitle else 0)))
    for i, ax in enumerate(axes.flat):
        if i >= n:
            ax.set_visible(False)
            continue
        im = ax.imshow(images[i], cmap=cmap, vmin=vmin, vmax=vmax)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(True)
            spine.set_color("0.8")
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=8, fontweight="normal",
                         color="black" if title_colors is None else title_colors[i])
    if colorbar_label:
        fig.colorbar(im, ax=axes, shrink=0.8, label=colorbar_label)
    if suptitle:
        fig.suptitle(suptitle, fontweight="bold")
    return fig


def _as_score_runs(scores):
    if isinstance(scores, Mapping):
        if not scores:
            raise ValueError("scores must hold at least one classifier, got an empty mapping")
        return {str(k): _to_numpy(v) for k, v in scores.items()}
    return {None: _to_numpy(scores)}


def _operating_point(y_true, scores, threshold):
    """(false-positive rate, recall, precision) when calling ``scores >= threshold`` positive."""
    called = scores >= threshold
    positives, negatives = y_true == 1, y_true == 0
    tp = float(np.sum(called & positives))
    fpr = float(np.sum(called & negatives)) / max(int(negatives.sum()), 1)
    recall = tp / max(int(positives.sum()), 1)
    precision = tp / int(called.sum()) if called.any() else 1.0
    return fpr, recall, precision


def plot_roc_curve(y_true, scores, ax=None, mark_threshold=None, title="ROC curve"):
    """The ROC curve (true- against false-positive rate over all thresholds) with its area.

    Args:
        y_true: (N,) labels 0/1.
        scores: (N,) scores, higher meaning more likely positive (probabilities or logits),
            or a dict ``{name: scores}`` to compare classifiers on the same examples.
        mark_threshold: if given, mark the point where ``scores >= mark_threshold`` is called
            positive (e.g. 0.5 for probabilities).

    Returns:
        the ``Axes``: one line per classifier (its AUC in the legend) and the dashed chance line.
    """
    from helpers.numpy_nn.metrics import auc, roc_curve

    runs = _as_score_runs(scores)
    y_true = _to_numpy(y_true)
    ax = _new_ax(ax)
    for i, (name, s) in enumerate(runs.items()):
        fpr, tpr, _ = roc_curve(y_true, s)
        area = auc(fpr, tpr)
        color = COLORS[i % len(COLORS)]
        ax.plot(fpr, tpr, color=color, label=f"{'classifier' if name is None else name} (AUC {area:.3f})")
        if mark_threshold is not None:
            x, r, _ = _operating_point(y_true, s, mark_threshold)
            ax.plot([x], [r], "o", color=color, markersize=7, markeredgecolor="black",
                    label=f"threshold {mark_threshold:g}" if i == 0 else None)
    ax.plot([0, 1], [0, 1], linestyle="--", color="0.5", linewidth=1, label="chance (AUC 0.5)")
    ax.set(xlim=(-0.02, 1.02), ylim=(-0.02, 1.02), xlabel="false-positive rate", ylabel="true-positive rate (recall)",
           title=title)
    ax.set_aspect("equal", adjustable="box")
    ax.legend(loc="lower right")
    return ax


def plot_pr_curve(y_true, scores, ax=None, mark_threshold=None, title="Precision-recall curve"):
    """The precision-recall curve over all thresholds, with the chance level (the positive rate).

    Arguments as in ``plot_roc_curve``. Precision is drawn against recall, starting from
    the highest threshold (recall 0, precision 1).

    Returns:
        the ``Axes``: one line per classifier and the dashed chance line.
    """
    from helpers.numpy_nn.metrics import precision_recall_curve

    runs = _as_score_runs(scores)
    y_true = _to_numpy(y_true)
    ax = _new_ax(ax)
    for i, (name, s) in enumerate(runs.items()):
        precision, recall, _ = precision_recall_curve(y_true, s)
        color = COLORS[i % len(COLORS)]
        ax.plot(np.r_[0.0, recall], np.r_[1.0, precision], color=color, drawstyle="steps-pre",
                label="classifier" if name is None else name)
        if mark_threshold is not None:
            _, r, p = _operating_point(y_true, s, mark_threshold)
            ax.plot([r], [p], "o", color=color, markersize=7, markeredgecolor="black",
                    label=f"threshold {mark_threshold:g}" if i == 0 else None)
    rate = float(np.mean(y_true == 1))
    ax.axhline(rate, linestyle="--", color="0.5", linewidth=1, label=f"chance (positive rate {rate:.2f})")
    ax.set(xlim=(-0.02, 1.02), ylim=(-0.02, 1.02), xlabel="recall", ylabel="precision", title=title)
    ax.set_aspect("equal", adjustable="box")
    ax.legend(loc="lower left")
    return ax


__all__ += ["class_colors", "plot_decision_boundary", "plot_confusion_matrix", "plot_image_grid",
            "plot_roc_curve", "plot_pr_curve"]


# ------------------------------------------------------------------ backpropagation (Chapter 3)
# Gradient norms layer by layer, and drawings of the computational graphs built by
# ``helpers.numpy_nn.autograd``.


def plot_gradient_norms(norms, ax=None, logy=True, xlabel="layer (1 = nearest the input)",
                        ylabel="gradient norm", title="Gradient norm per layer", styles=None):
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
            raise ValueError(f"{name} must be a non-empty 1-D sequence, one norm per layer, "
                             f"got shape {values.shape}")
        if not np.all(np.isfinite(values)) or (values < 0).any():
            raise ValueError(f"{name} must be finite and non-negative, got values from "
                             f"{np.nanmin(values):.3g} to {np.nanmax(values):.3g}")
        if logy and (values == 0).any():
            raise ValueError(f"{name} contains an exact zero, which a log axis cannot show; "
                             f"pass logy=False or floor the norms (e.g. np.maximum(norms, 1e-30))")
        style = {"marker": "o", "markersize": 4, "color": COLORS[i % len(COLORS)]}
        style.update((styles or {}).get(label, {}))
        ax.plot(np.arange(1, len(values) + 1), values, label=None if label is None else str(label), **style)
    if logy:
        set_log_scale(ax, "y")
    integer_ticks(ax.xaxis)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if len(runs) > 1 or None not in runs:
        ax.legend()
    return ax


def _graph_levels(order):
    """Columns for a left-to-right drawing of a graph in topological order (root last).

    The root goes in the column after its longest chain of inputs; every other node goes
    as far right as it can, one column left of its nearest consumer, so that an input
    sits next to the operation that uses it.
    """
    index = {id(node): i for i, node in enumerate(order)}
    consumers = {id(node): [] for node in order}
    for node in order:
        for parent in node._parents:
            consumers[id(parent)].append(node)
    depth = {}
    for node in order:  # inputs come first in a topological order
        depth[id(node)] = 1 + max((depth[id(p)] for p in node._parents), default=-1)
    level = {}
    for node in reversed(order):  # the root first
        users = [level[id(c)] for c in consumers[id(node)]]
        level[id(node)] = min(users) - 1 if users else depth[id(node)]
    shift = min(level.values())
    return {key: value - shift for key, value in level.items()}, consumers, index


def _node_text(node, show_values, show_grads, fmt, hidden):
    if node._parents:
        extras = [f"{c.data.item():{fmt}}" for c in node._parents if id(c) in hidden]
        head = node._op + (" " + ", ".join(extras) if extras else "")
        head = f"{head} \u2192 {node.label}" if node.label else head
    else:
        head = node.label or "const"
    lines = [head]
    if node.data.size == 1:
        if show_values:
            lines.append(f"= {node.data.item():{fmt}}")
        if show_grads:
            lines.append(f"grad {node.grad.item():{fmt}}")
    else:
        lines.append(f"shape {tuple(node.data.shape)}")
    return "\n".join(lines)


def plot_computation_graph(root, ax=None, show_values=True, show_grads=True, fmt=".4g", hide_constants=True,
                           fontsize=9, title="Computational graph"):
    """Draw the computational graph behind an autograd ``Tensor``: inputs on the left, ``root`` on the right.

    Every node is a box. An input (a leaf) shows its label; an operation shows its symbol
    (``+``, ``*``, ``@``, ``relu``, ...) and, after an arrow, its label if it has one. Scalar
    nodes also show their value and, once ``root.backward()`` has run, their gradient
    ``d root / d node``; array nodes show their shape. Arrows run from each input to the
    operation that uses it.

    Args:
        root: a ``helpers.numpy_nn.autograd.Tensor`` (or any object with its ``data``, ``grad``,
            ``label``, ``_op`` and ``_parents`` attributes), usually the loss.
        show_values, show_grads: write the values and the gradients of scalar nodes.
        fmt: the format of those numbers; fontsize: of the text in the boxes.
        hide_constants: leave out unlabelled scalar inputs (the ``-1`` inside ``a - b``, the
            ``0.5`` in ``0.5 * x``) and write their value next to the operation instead.

    Returns:
        the ``Axes``, with its axis lines turned off; each node is an ``ax.texts`` entry and
        each arrow an annotation.
    """
    from helpers.numpy_nn.autograd import topological_order

    for attribute in ("data", "grad", "_parents", "_op", "label"):
        if not hasattr(root, attribute):
            raise TypeError(f"root must be an autograd Tensor (with data, grad, label, _op and _parents), "
                            f"got {type(root).__name__} without {attribute!r}")
    order = topological_order(root)
    hidden = set()
    if hide_constants:
        hidden = {id(n) for n in order if not n._parents and not n.label and n.data.size == 1 and n is not root}
    drawn = [n for n in order if id(n) not in hidden]
    level, consumers, index = _graph_levels(order)

    # Rows: the root in the middle; walking leftwards, each node sits near the mean row of the
    # nodes that consume it, and nodes sharing a column are spread one row apart.
    columns = {}
    for node in drawn:
        columns.setdefault(level[id(node)], []).append(node)
    row = {}
    for col in sorted(columns, reverse=True):
        nodes = columns[col]
        wanted = {id(n): np.mean([row[id(c)] for c in consumers[id(n)] if id(c) in row] or [0.0]) for n in nodes}
        nodes.sort(key=lambda n: (wanted[id(n)], index[id(n)]))
        centre = np.mean(list(wanted.values()))
        for i, n in enumerate(nodes):
            row[id(n)] = centre + (i - (len(nodes) - 1) / 2)
    x_of = {id(n): 1.6 * level[id(n)] for n in drawn}

    n_columns, n_rows = max(level.values()) + 1, max(len(nodes) for nodes in columns.values())
    ax = _new_ax(ax, figsize=(max(6.0, 1.3 * n_columns), max(2.5, 1.0 * n_rows + 1)))
    box = {"boxstyle": "round,pad=0.35", "linewidth": 1.0}
    texts = {}
    for node in drawn:
        face = "#DCEBF5" if not node._parents else ("#FBE3C2" if node is root else "#EFEFEF")
        texts[id(node)] = ax.text(x_of[id(node)], -row[id(node)],
                                  _node_text(node, show_values, show_grads, fmt, hidden), ha="center", va="center",
                                  fontsize=fontsize, zorder=3, bbox={**box, "facecolor": face, "edgecolor": "0.45"})
    for node in drawn:
        for parent in node._parents:
            if id(parent) in hidden:
                continue
            ax.annotate("", xy=(0.0, 0.5), xycoords=texts[id(node)], xytext=(1.0, 0.5),
                        textcoords=texts[id(parent)],
                        arrowprops={"arrowstyle": "->", "color": "0.35", "linewidth": 1.0,
                                    "shrinkA": 6, "shrinkB": 6}, zorder=1)
    xs = [x_of[id(n)] for n in drawn]
    ys = [-row[id(n)] for n in drawn]
    ax.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    ax.set_axis_off()
    ax.set_title(title)
    return ax


__all__ += ["plot_gradient_norms", "plot_computation_graph"]
