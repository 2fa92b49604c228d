"""The logistic-regression explorer (chapter 2): two weights, a bias and a threshold, and
the decision boundary, probabilities and metrics they give."""

import math
from numbers import Real

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["logistic_figure", "logistic_explorer"]


def _check_weight_pair(weight):
    w = np.asarray(
        weight.detach().cpu() if hasattr(weight, "detach") else weight, dtype=float
    ).reshape(-1)
    if w.shape != (2,) or not np.isfinite(w).all():
        raise ValueError(
            f"weight must hold two finite numbers (w1, w2), one per feature, got {weight!r}"
        )
    return w


def _check_threshold(threshold):
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, Real)
        or not 0 < threshold < 1
    ):
        raise ValueError(
            f"threshold must be a probability strictly between 0 and 1, got {threshold!r}"
        )
    return float(threshold)


def _check_two_feature_data(X, y, who, check_targets):
    """Check X: (N, 2) and y: (N,) labels (with ``check_targets``); return y as int64 labels."""
    from helpers.checks import check_array, check_same_length

    check_array(X, "X", ndim=2)
    if X.shape[1] != 2:
        raise ValueError(
            f"{who} two-feature data: X must have shape (N, 2), got {X.shape}"
        )
    check_targets(y, "y")
    check_same_length(X, "X", y, "y")
    return np.asarray(y).astype(np.int64)


def logistic_figure(X, y, weight, bias, threshold=0.5, class_names=None, title=None):
    """What a two-feature logistic regression does with given weights, bias and threshold.

    The model is ``z = w1 x1 + w2 x2 + b`` and ``p = sigmoid(z)``; an example is called
    class 1 when ``p >= threshold``, that is when ``z >= log(threshold / (1 - threshold))``.

    Args:
        X: (N, 2) inputs; y: (N,) labels 0/1.
        weight: ``(w1, w2)`` (a pair, a (2,) or (1, 2) array, e.g. a model's ``weight``).
        bias: the bias ``b`` (a number or a (1,) array).
        threshold: the probability above which an example is called class 1, in (0, 1).
        class_names: names of class 0 and class 1 for the legends.
        title: the figure's title (default: the parameters).

    Returns:
        a ``Figure`` with two axes. Left: the data, the probability regions and the boundary
        (``helpers.plot.plot_decision_boundary``) with the weight vector drawn as an arrow
        at right angles to it. Right: histograms of the logits of each class, the cut at
        the threshold, and the counts and scores it gives (accuracy, precision, recall,
        mean binary cross-entropy) in the title and a text box.
    """
    from helpers.checks import check_binary_targets
    from helpers.numpy_nn.activations import sigmoid
    from helpers.numpy_nn.losses import binary_cross_entropy_with_logits
    from helpers.numpy_nn.metrics import accuracy, confusion_matrix, precision, recall
    from helpers.plot import class_colors, plot_decision_boundary

    y = _check_two_feature_data(X, y, "logistic_figure draws", check_binary_targets)
    w = _check_weight_pair(weight)
    b = np.asarray(
        bias.detach().cpu() if hasattr(bias, "detach") else bias, dtype=float
    ).reshape(-1)
    if b.shape != (1,) or not np.isfinite(b).all():
        raise ValueError(f"bias must be one finite number, got {bias!r}")
    b = float(b[0])
    threshold = _check_threshold(threshold)
    names = (
        ["class 0", "class 1"] if class_names is None else [str(n) for n in class_names]
    )
    if len(names) != 2:
        raise ValueError(f"class_names must name the two classes, got {class_names!r}")

    X = np.asarray(X, dtype=np.float64)
    z = X @ w + b
    z_cut = math.log(threshold / (1 - threshold))
    pred = (z >= z_cut).astype(np.int64)
    counts = confusion_matrix(y, pred, num_classes=2)
    scores = {
        "accuracy": accuracy(y, pred),
        "precision": precision(y, pred),
        "recall": recall(y, pred),
        "loss": binary_cross_entropy_with_logits(z, y.astype(np.float64)),
    }

    fig, (ax_map, ax_hist) = plt.subplots(1, 2, figsize=(11, 4.4), layout="constrained")
    plot_decision_boundary(
        lambda P: sigmoid(P @ w + b),
        X,
        y,
        ax=ax_map,
        threshold=threshold,
        class_names=names,
        title="Probability of class 1 and the boundary",
    )
    ax_map.set_aspect(
        "equal", adjustable="box"
    )  # so that w is seen at right angles to the boundary
    norm = float(np.hypot(*w))
    if norm > 0:  # the weight vector, from the boundary point nearest the data's centre
        centre = X.mean(axis=0)
        foot = centre - (centre @ w + b - z_cut) / norm**2 * w
        (x_lo, x_hi), (y_lo, y_hi) = ax_map.get_xlim(), ax_map.get_ylim()
        inside = x_lo <= foot[0] <= x_hi and y_lo <= foot[1] <= y_hi
        if inside:
            length = 0.15 * min(x_hi - x_lo, y_hi - y_lo)
            tip = foot + length * w / norm
            ax_map.annotate(
                "",
                xy=tip,
                xytext=foot,
                arrowprops=dict(arrowstyle="-|>", color="black", lw=1.6),
                zorder=4,
            )
            ax_map.annotate(
                "$\\mathbf{w}$",
                xy=tip,
                xytext=(4, 4),
                textcoords="offset points",
                fontsize=12,
                zorder=4,
            )

    colors = class_colors(2)
    edges = np.histogram_bin_edges(np.r_[z, z_cut], bins=30)
    for k in (0, 1):
        ax_hist.hist(
            z[y == k],
            bins=edges,
            color=colors[k],
            alpha=0.55,
            label=names[k],
            edgecolor="white",
            linewidth=0.5,
        )
    tallest = max(np.histogram(z[y == k], bins=edges)[0].max(initial=0) for k in (0, 1))
    ax_hist.set_ylim(
        0, 1.6 * max(tallest, 1)
    )  # headroom for the text box and the legend
    ax_hist.axvline(
        z_cut,
        color="black",
        linewidth=1.5,
        label=f"cut: p = {threshold:.2f}, z = {z_cut:.2f}",
    )
    ax_hist.axvspan(z_cut, max(edges[-1], z_cut), color=colors[1], alpha=0.08, zorder=0)
    tn, fp, fn, tp = counts.ravel()
    ax_hist.text(
        0.02,
        0.97,
        f"TP {tp}   FP {fp}\nFN {fn}   TN {tn}\n"
        f"precision {scores['precision']:.2f}\nrecall {scores['recall']:.2f}\n"
        f"BCE loss {scores['loss']:.3f}",
        transform=ax_hist.transAxes,
        va="top",
        ha="left",
        fontsize=9,
        family="monospace",
        bbox=dict(boxstyle="round", facecolor="white", edgecolor="0.8"),
    )
    ax_hist.set(
        xlabel="logit $z = w_1 x_1 + w_2 x_2 + b$",
        ylabel="number of examples",
        title=f"Logits by class: accuracy {scores['accuracy']:.2f} at threshold {threshold:.2f}",
    )
    ax_hist.legend(loc="upper right", frameon=True, framealpha=0.9, edgecolor="0.8")
    fig.suptitle(
        title
        if title is not None
        else f"Logistic regression with $w$ = ({w[0]:.2f}, {w[1]:.2f}), $b$ = {b:.2f}",
        fontweight="bold",
    )
    return fig


def logistic_explorer(
    X,
    y,
    weight=(1.0, 1.0),
    bias=0.0,
    threshold=0.5,
    weight_range=(-6.0, 6.0),
    bias_range=(-6.0, 6.0),
    class_names=None,
    web_biases=None,
    web_thresholds=(0.1, 0.3, 0.5, 0.7, 0.9),
    web=True,
):
    """Sliders for the two weights, the bias and the threshold over ``logistic_figure``.

    For a page without a kernel (the web book) the figure is also drawn in advance for
    each of ``web_biases`` x ``web_thresholds`` at the starting weights
    (``helpers.widgets.static``); the page shows the weights greyed out.

    Args:
        X: (N, 2) inputs; y: (N,) labels 0/1.
        weight, bias, threshold: the initial values (e.g. a trained model's).
        weight_range, bias_range: ``(low, high)`` of the sliders; each must contain its
            start.
        web_biases: the biases drawn in advance, inside ``bias_range`` (default: the
            start and the start +-1, inside the range); the start is always added.
        web_thresholds: the thresholds drawn in advance, in (0, 1); the start is always
            added.
        web: ``False`` draws nothing in advance (the live explorer alone).

    Returns:
        an ``ExplorerBox`` (an ``ipywidgets.VBox``, controls above the figure) whose
        ``static`` is the ``StaticExplorer`` drawn in advance (``None`` if not ``web``).
        Its ``redraw()`` method redraws with the current values; ``figure`` holds the
        last ``Figure`` drawn.
    """
    import ipywidgets as widgets
    from IPython.display import display

    from helpers.widgets.static import ExplorerBox

    w = _check_weight_pair(weight)
    b = float(
        np.asarray(
            bias.detach().cpu() if hasattr(bias, "detach") else bias, dtype=float
        ).reshape(-1)[0]
    )
    threshold = _check_threshold(threshold)
    ranges = {}
    for name, given in (("weight_range", weight_range), ("bias_range", bias_range)):
        try:
            low, high = (float(v) for v in given)
        except (TypeError, ValueError):
            raise ValueError(
                f"{name} must be a pair (low, high), got {given!r}"
            ) from None
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(
                f"{name} must be a pair (low, high) with low < high, got {given!r}"
            )
        ranges[name] = (low, high)
    for label, value, (low, high) in (
        ("w1", w[0], ranges["weight_range"]),
        ("w2", w[1], ranges["weight_range"]),
        ("bias", b, ranges["bias_range"]),
    ):
        if not low <= value <= high:
            raise ValueError(
                f"the start {label} = {value:g} lies outside its slider range ({low:g}, {high:g})"
            )
    plt.close(
        logistic_figure(X, y, w, b, threshold, class_names=class_names)
    )  # checks X, y now, not later
    static = None
    if web:
        static = _logistic_static(
            X, y, w, b, threshold, ranges, class_names, web_biases, web_thresholds
        )

    style = {"description_width": "initial"}

    def slider(description, value, low, high, step):
        return widgets.FloatSlider(
            value=value,
            min=low,
            max=high,
            step=step,
            description=description,
            readout_format=".2f",
            continuous_update=False,
            style=style,
        )

    w1 = slider("weight w1", w[0], *ranges["weight_range"], 0.05)
    w2 = slider("weight w2", w[1], *ranges["weight_range"], 0.05)
    bb = slider("bias b", b, *ranges["bias_range"], 0.05)
    th = slider("threshold", threshold, 0.01, 0.99, 0.01)
    output = widgets.Output()
    box = ExplorerBox(
        [widgets.HBox([w1, w2]), widgets.HBox([bb, th]), output], static=static
    )

    def redraw(change=None):
        with output:
            output.clear_output(wait=True)
            fig = logistic_figure(
                X, y, (w1.value, w2.value), bb.value, th.value, class_names=class_names
            )
            display(fig)
            plt.close(fig)
        box.figure = fig

    for control in (w1, w2, bb, th):
        control.observe(redraw, names="value")
    box.redraw = redraw
    redraw()
    return box


def _logistic_static(
    X, y, w, b, threshold, ranges, class_names, web_biases, web_thresholds
):
    """The logistic explorer drawn in advance (see ``logistic_explorer``)."""
    from helpers.widgets.static import Fixed, precompute, slider_or_fixed

    low, high = ranges["bias_range"]
    if web_biases is None:
        web_biases = [v for v in (b - 1.0, b, b + 1.0) if low <= v <= high]
    biases, thresholds = set(), set()
    for name, given, values in (
        ("web_biases", web_biases, biases),
        ("web_thresholds", web_thresholds, thresholds),
    ):
        try:
            values.update(float(v) for v in given)
        except (TypeError, ValueError):
            raise ValueError(
                f"{name} must be a list of numbers, got {given!r}"
            ) from None
    outside = sorted(v for v in biases if not low <= v <= high)
    if outside:
        raise ValueError(
            f"web_biases must lie in bias_range=({low:g}, {high:g}), got {outside}"
        )
    for t in thresholds:
        _check_threshold(t)
    w_low, w_high = ranges["weight_range"]
    controls = [
        Fixed("w1", float(w[0]), label="weight w1", fmt="{:.2f}", span=(w_low, w_high)),
        Fixed("w2", float(w[1]), label="weight w2", fmt="{:.2f}", span=(w_low, w_high)),
        slider_or_fixed(
            "bias",
            sorted(biases | {b}),
            label="bias b",
            start=b,
            fmt="{:.2f}",
            span=(low, high),
        ),
        slider_or_fixed(
            "threshold",
            sorted(thresholds | {threshold}),
            start=threshold,
            fmt="{:.2f}",
            span=(0.01, 0.99),
        ),
    ]

    def draw(w1, w2, bias, threshold):
        return logistic_figure(X, y, (w1, w2), bias, threshold, class_names=class_names)

    return precompute(
        draw,
        controls,
        alt="Two panels for the chosen bias and threshold: left, the data with the "
        "shaded probability of class 1, the decision boundary and the weight vector; "
        "right, histograms of the logits of each class with the cut the threshold "
        "makes and the counts, precision, recall and loss it gives.",
    )
