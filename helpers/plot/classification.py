"""Classification figures (chapter 2): decision regions, confusion matrices, image grids
and ROC / precision-recall curves.

Every classifier is passed as a plain function of points, so the same figures serve
NumPy models, PyTorch models (wrapped to take and return arrays) and scikit-learn.
"""

from collections.abc import Mapping
from numbers import Real

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from helpers.checks import check_array, check_labels, check_positive, check_same_length
from helpers.plot.style import COLORS, _new_ax, _to_numpy, _view_range, class_colors

CLASS_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "*")


def _class_names(class_names, num_classes):
    if class_names is None:
        return [f"class {k}" for k in range(num_classes)]
    names = [str(name) for name in class_names]
    if len(names) < num_classes:
        raise ValueError(
            f"class_names must name all {num_classes} classes, got {len(names)}: {names}"
        )
    return names


def _grid_predictions(predict_fn, points):
    """Call ``predict_fn`` on grid points (M, 2); return ``(labels (M,), probabilities (M, K) or None)``."""
    m = len(points)
    out = _to_numpy(predict_fn(points))
    if out.ndim == 2 and out.shape[1] == 1:
        out = out[:, 0]
    if out.shape not in ((m,),) and not (out.ndim == 2 and out.shape[0] == m):
        raise ValueError(
            f"predict_fn returned shape {out.shape} for {m} points of shape {points.shape}; "
            f"expected labels or probabilities of class 1, shape ({m},), "
            f"or class probabilities, shape ({m}, K)"
        )
    if out.dtype.kind in "iub":
        if out.ndim != 1:
            raise ValueError(
                f"integer output of predict_fn must be class labels of shape ({m},), "
                f"got shape {out.shape}"
            )
        if out.min() < 0:
            raise ValueError(
                f"predict_fn returned the negative label {int(out.min())}; labels are 0..K-1"
            )
        return out.astype(np.int64), None
    if out.dtype.kind != "f":
        raise TypeError(f"predict_fn must return numbers, got dtype {out.dtype}")
    if not np.isfinite(out).all():
        raise ValueError("predict_fn returned nan or inf on the plotting grid")
    low, high = float(out.min()), float(out.max())
    if low < -1e-9 or high > 1 + 1e-9:
        raise ValueError(
            f"predict_fn returned values from {low:.4g} to {high:.4g}, not probabilities in [0, 1]; "
            f"if these are logits (raw scores), return sigmoid(logits) or softmax(logits), "
            f"or the predicted labels as integers"
        )
    if out.ndim == 1:
        return None, np.column_stack([1.0 - out, out])
    if out.shape[1] < 2 or not np.allclose(out.sum(axis=1), 1.0, atol=1e-4):
        raise ValueError(
            f"class probabilities of shape {out.shape} must have K >= 2 columns and rows "
            f"summing to 1 (softmax output)"
        )
    return None, out


def plot_decision_boundary(
    predict_fn,
    X,
    y=None,
    ax=None,
    threshold=0.5,
    grid_size=200,
    padding=0.1,
    xlim=None,
    ylim=None,
    class_names=None,
    show_regions=True,
    markersize=22,
    xlabel="$x_1$",
    ylabel="$x_2$",
    title="Decision regions",
):
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
        raise ValueError(
            f"plot_decision_boundary draws two-feature data: X must have shape (N, 2), got {X.shape}"
        )
    if len(X) == 0:
        raise ValueError("X must hold at least one point, to frame the view")
    if y is not None:
        check_labels(y, "y")
        check_same_length(X, "X", y, "y")
        y = _to_numpy(y)
    if not callable(predict_fn):
        raise TypeError(
            f"predict_fn must be a function mapping points (M, 2) to labels or probabilities, "
            f"e.g. model.predict_proba; got {type(predict_fn).__name__}"
        )
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, Real)
        or not 0 < threshold < 1
    ):
        raise ValueError(
            f"threshold must be a probability strictly between 0 and 1, got {threshold!r}"
        )
    grid_size = check_positive(grid_size, "grid_size", integer=True)
    if grid_size < 2:
        raise ValueError(f"grid_size must be at least 2, got {grid_size}")
    x_lo, x_hi = (
        _padded(X[:, 0], padding) if xlim is None else _view_range(0.0, X[:, 0], xlim)
    )
    y_lo, y_hi = (
        _padded(X[:, 1], padding) if ylim is None else _view_range(0.0, X[:, 1], ylim)
    )
    xs, ys = np.linspace(x_lo, x_hi, grid_size), np.linspace(y_lo, y_hi, grid_size)
    xx, yy = np.meshgrid(xs, ys)
    points = np.column_stack([xx.ravel(), yy.ravel()])
    labels, probs = _grid_predictions(predict_fn, points)

    binary_probs = probs is not None and probs.shape[1] == 2
    if binary_probs:  # predicted class by the threshold; confidence 0 on the boundary, 1 at p = 0 or 1
        p1 = probs[:, 1]
        labels = (p1 >= threshold).astype(np.int64)
        strength = np.where(
            labels == 1,
            (p1 - threshold) / (1 - threshold),
            (threshold - p1) / threshold,
        )
    elif probs is not None:
        labels = probs.argmax(axis=1)
        k = probs.shape[1]
        strength = (probs.max(axis=1) - 1 / k) / (1 - 1 / k)
    else:
        strength = np.ones(len(points))
    num_classes = (
        int(
            max(
                labels.max(),
                -1 if y is None or len(y) == 0 else y.max(),
                1 if probs is None else probs.shape[1] - 1,
            )
        )
        + 1
    )
    colors = np.array([mpl.colors.to_rgb(c) for c in class_colors(num_classes)])
    names = _class_names(class_names, num_classes)

    ax = _new_ax(ax)
    if show_regions:
        alpha = (
            0.45 * np.clip(strength, 0.0, 1.0)[:, None] if probs is not None else 0.3
        )
        rgb = (1 - alpha) * 1.0 + alpha * colors[labels]
        ax.imshow(
            rgb.reshape(grid_size, grid_size, 3),
            origin="lower",
            extent=(x_lo, x_hi, y_lo, y_hi),
            aspect="auto",
            interpolation="bilinear",
            zorder=0,
        )
    grid_labels = labels.reshape(grid_size, grid_size)
    if binary_probs:
        field, levels = probs[:, 1].reshape(grid_size, grid_size), [threshold]
    else:
        field, levels = grid_labels, np.arange(num_classes - 1) + 0.5
    if any(field.min() < level < field.max() for level in levels):
        with np.errstate(invalid="ignore"):
            ax.contour(
                xs, ys, field, levels=levels, colors="black", linewidths=1.4, zorder=1
            )
    handles = []
    if y is not None:
        for k in np.unique(y):
            mask = y == k
            handles.append(
                ax.scatter(
                    X[mask, 0],
                    X[mask, 1],
                    s=markersize,
                    color=colors[k],
                    marker=CLASS_MARKERS[k % len(CLASS_MARKERS)],
                    edgecolors="white",
                    linewidths=0.5,
                    label=names[k],
                    zorder=2,
                )
            )
    if (labels != labels[0]).any():
        handles.append(
            mpl.lines.Line2D(
                [],
                [],
                color="black",
                linewidth=1.4,
                label="decision boundary"
                if not binary_probs or threshold == 0.5
                else f"boundary (p = {threshold:g})",
            )
        )
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


def plot_confusion_matrix(
    C,
    class_names=None,
    ax=None,
    normalize=False,
    cmap="Blues",
    title="Confusion matrix",
    xlabel="predicted class",
    ylabel="true class",
):
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
        raise ValueError(
            f"C must be a square (K, K) matrix of counts, got shape {C.shape}"
        )
    if C.dtype.kind not in "iuf" or not np.isfinite(C).all() or (C < 0).any():
        raise ValueError("C must hold finite, non-negative counts")
    k = C.shape[0]
    names = (
        [str(i) for i in range(k)]
        if class_names is None
        else _class_names(class_names, k)[:k]
    )
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
            ax.text(
                j, i, text, ha="center", va="center", color=color, fontsize=fontsize
            )
    ax.set_xticks(
        range(k), names, rotation=0 if max(len(n) for n in names) * k <= 40 else 45
    )
    ax.set_yticks(range(k), names)
    ax.tick_params(length=0)
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    return ax


def plot_image_grid(
    images,
    titles=None,
    ncols=10,
    image_shape=None,
    cmap="gray_r",
    symmetric=False,
    suptitle=None,
    panel_size=1.15,
    colorbar_label=None,
    title_colors=None,
):
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
        raise ValueError(
            f"images must have shape (N, H, W) or (N, D) with N >= 1, got {images.shape}"
        )
    if images.dtype.kind not in "iuf" or not np.isfinite(images).all():
        raise ValueError("images must hold finite numbers")
    n = len(images)
    if images.ndim == 2:
        d = images.shape[1]
        if image_shape is None:
            side = int(round(d**0.5))
            if side * side != d:
                raise ValueError(
                    f"rows of {d} pixels are not square: pass image_shape=(H, W)"
                )
            image_shape = (side, side)
        if int(np.prod(image_shape)) != d:
            raise ValueError(
                f"image_shape {tuple(image_shape)} does not hold the {d} pixels of each row"
            )
        images = images.reshape(n, *image_shape)
    if titles is not None and (isinstance(titles, str) or len(titles) != n):
        raise ValueError(
            f"titles must be a list with one title per image ({n}), got {titles!r}"
        )
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
    fig, axes = plt.subplots(
        nrows,
        ncols,
        squeeze=False,
        layout="constrained",
        figsize=(
            ncols * panel_size + (0.8 if colorbar_label else 0),
            nrows * (panel_size + title_space) + (0.4 if suptitle else 0),
        ),
    )
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
            ax.set_title(
                str(titles[i]),
                fontsize=8,
                fontweight="normal",
                color="black" if title_colors is None else title_colors[i],
            )
    if colorbar_label:
        fig.colorbar(im, ax=axes, shrink=0.8, label=colorbar_label)
    if suptitle:
        fig.suptitle(suptitle, fontweight="bold")
    return fig


def _as_score_runs(scores):
    if isinstance(scores, Mapping):
        if not scores:
            raise ValueError(
                "scores must hold at least one classifier, got an empty mapping"
            )
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
        ax.plot(
            fpr,
            tpr,
            color=color,
            label=f"{'classifier' if name is None else name} (AUC {area:.3f})",
        )
        if mark_threshold is not None:
            x, r, _ = _operating_point(y_true, s, mark_threshold)
            ax.plot(
                [x],
                [r],
                "o",
                color=color,
                markersize=7,
                markeredgecolor="black",
                label=f"threshold {mark_threshold:g}" if i == 0 else None,
            )
    ax.plot(
        [0, 1],
        [0, 1],
        linestyle="--",
        color="0.5",
        linewidth=1,
        label="chance (AUC 0.5)",
    )
    ax.set(
        xlim=(-0.02, 1.02),
        ylim=(-0.02, 1.02),
        xlabel="false-positive rate",
        ylabel="true-positive rate (recall)",
        title=title,
    )
    ax.set_aspect("equal", adjustable="box")
    ax.legend(loc="lower right")
    return ax


def plot_pr_curve(
    y_true, scores, ax=None, mark_threshold=None, title="Precision-recall curve"
):
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
        ax.plot(
            np.r_[0.0, recall],
            np.r_[1.0, precision],
            color=color,
            drawstyle="steps-pre",
            label="classifier" if name is None else name,
        )
        if mark_threshold is not None:
            _, r, p = _operating_point(y_true, s, mark_threshold)
            ax.plot(
                [r],
                [p],
                "o",
                color=color,
                markersize=7,
                markeredgecolor="black",
                label=f"threshold {mark_threshold:g}" if i == 0 else None,
            )
    rate = float(np.mean(y_true == 1))
    ax.axhline(
        rate,
        linestyle="--",
        color="0.5",
        linewidth=1,
        label=f"chance (positive rate {rate:.2f})",
    )
    ax.set(
        xlim=(-0.02, 1.02),
        ylim=(-0.02, 1.02),
        xlabel="recall",
        ylabel="precision",
        title=title,
    )
    ax.set_aspect("equal", adjustable="box")
    ax.legend(loc="lower left")
    return ax
