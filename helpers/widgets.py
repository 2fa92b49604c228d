"""Interactive explorers for the notebooks, each built on a plain figure function.

Every explorer here is a thin ipywidgets shell around a function that takes
ordinary arguments and returns a matplotlib ``Figure``. The notebook calls that
function directly for the static figure the web book shows, the tests call it
too, and the widget calls it again whenever a control moves. So what a reader
sees on the web is exactly what the slider would draw.

    learning_rate_figure(X, y, lr=[0.01, 0.3, 0.8], epochs=30)   # static figure
    learning_rate_explorer(X, y)                                 # the same, with a slider
"""

import math
from numbers import Real

import matplotlib.pyplot as plt
import numpy as np

from helpers.checks import TrainingDivergedError, check_positive, check_regression_data
from helpers.numpy_nn.linear_regression import LinearRegression, minibatch_sgd
from helpers.plot import COLORS, integer_ticks, plot_loss_contours, set_log_scale

__all__ = ["train_from", "learning_rate_figure", "learning_rate_explorer"]


def train_from(X, y, lr, epochs, start=(0.0, 0.0), batch_size=None, seed=0):
    """Train a one-feature NumPy ``LinearRegression`` from a given start; never raise on divergence.

    Args:
        X: (N, 1) inputs; y: (N,) targets.
        lr: the learning rate; epochs: passes over the data.
        start: the starting ``(weight, bias)``, the same for every run so runs compare fairly.
        batch_size: examples per step; ``None`` means full-batch gradient descent.
        seed: seeds the shuffling of minibatches.

    Returns:
        ``(history, diverged)``: the ``History`` of ``minibatch_sgd`` recorded with
        ``record_path=True`` (``"loss"``, ``"batch_loss"``, ``"weight_0"``, ``"bias"``) and
        whether training stopped with ``TrainingDivergedError``; then ``history`` holds
        the curve up to that point.
    """
    check_regression_data(X, y)
    if X.shape[1] != 1:
        raise ValueError(f"the learning-rate figures use one-feature data: X must have shape (N, 1), "
                         f"got {X.shape}")
    w0, b0 = _check_start(start)
    model = LinearRegression(1)
    model.weight = np.array([[w0]])
    model.bias = np.array([b0])
    batch_size = len(X) if batch_size is None else batch_size
    try:
        return minibatch_sgd(model, X, y, lr, epochs, batch_size, seed=seed, record_path=True), False
    except TrainingDivergedError as error:
        return error.history, True


def _check_start(start):
    try:
        w0, b0 = start
    except (TypeError, ValueError):
        raise ValueError(f"start must be a pair (weight, bias), got {start!r}") from None
    for name, value in (("weight", w0), ("bias", b0)):
        if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
            raise ValueError(f"start {name} must be a finite number, got {value!r}")
    return float(w0), float(b0)


def _as_lr_list(lr):
    lrs = [lr] if isinstance(lr, Real) and not isinstance(lr, bool) else list(lr)
    if not lrs:
        raise ValueError("lr must be a positive number or a non-empty list of them")
    return [check_positive(value, "lr") for value in lrs]


def learning_rate_figure(X, y, lr, epochs=30, start=(0.0, 0.0), batch_size=None, seed=0):
    """Train from the same start with each learning rate; draw the loss curves and the paths.

    Args:
        X: (N, 1) inputs; y: (N,) targets.
        lr: one learning rate or a list of them.
        epochs: passes over the data (with full-batch descent, one step each).
        start: the common starting ``(weight, bias)``.
        batch_size: ``None`` for full-batch gradient descent, else minibatch SGD.

    Returns:
        a ``Figure`` with two axes: the training loss per epoch on a log scale (left) and
        the paths over the loss contours (right). A run that diverges is drawn up to
        where it was stopped, its label ends in ``"(diverged)"`` and a cross marks the end; one
        whose loss ended above where it started, without exploding yet, ends in
        ``"(loss growing)"``.
    """
    lrs = _as_lr_list(lr)
    epochs = check_positive(epochs, "epochs", integer=True)
    runs = {}
    for value in lrs:
        history, diverged = train_from(X, y, value, epochs, start=start, batch_size=batch_size, seed=seed)
        loss = history["loss"]
        note = " (diverged)" if diverged else " (loss growing)" if loss[-1] > loss[0] else ""
        label = f"lr = {value:.3g}{note}"
        runs[label] = (history, diverged)

    fig, (ax_loss, ax_path) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    for i, (label, (history, diverged)) in enumerate(runs.items()):
        loss = np.asarray(history["loss"], dtype=float)
        color = COLORS[i % len(COLORS)]
        ax_loss.plot(np.arange(len(loss)), loss, color=color, label=label,
                     marker="." if len(loss) <= 60 else None)
        if diverged and np.isfinite(loss[-1]):  # a cross where training was stopped
            ax_loss.plot([len(loss) - 1], [loss[-1]], "x", color=color, markersize=10, mew=2.5)
    set_log_scale(ax_loss, "y")
    integer_ticks(ax_loss.xaxis)
    ax_loss.set_xlim(-0.03 * epochs, 1.03 * epochs)
    batch_text = "full batch" if batch_size is None else f"batch size {batch_size}"
    ax_loss.set(xlabel="epoch", ylabel="training loss (MSE)", title=f"Loss per epoch ({batch_text})")
    ax_loss.legend()
    plot_loss_contours(X, y, paths={label: history for label, (history, _) in runs.items()},
                       ax=ax_path, title="Paths from the same start (\u2605 least squares)")
    ax_path.get_legend().remove()  # the left panel's legend names the runs, in the same colours
    return fig


def learning_rate_explorer(X, y, lr=0.1, epochs=30, lr_range=(1e-3, 3.0), start=(0.0, 0.0),
                           batch_sizes=(None, 32, 8, 1), seed=0):
    """A slider for the learning rate (and controls for epochs and batch size) over ``learning_rate_figure``.

    Each change retrains from the same ``start`` with NumPy gradient descent and redraws.

    Args:
        X: (N, 1) inputs; y: (N,) targets.
        lr: the initial learning rate; lr_range: ``(lowest, highest)`` on the log slider.
        epochs: the initial number of epochs (the slider goes from 1 to 200).
        batch_sizes: the batch sizes offered; ``None`` stands for the full batch.

    Returns:
        an ``ipywidgets.VBox`` (controls above the figure). Its ``redraw()`` method
        redraws with the current values; ``figure`` holds the last ``Figure`` drawn.
    """
    import ipywidgets as widgets
    from IPython.display import display

    check_regression_data(X, y)
    lr = check_positive(lr, "lr")
    epochs = check_positive(epochs, "epochs", integer=True)
    try:
        low, high = (check_positive(v, "lr_range") for v in lr_range)
    except (TypeError, ValueError) as error:
        raise ValueError(f"lr_range must be (lowest, highest) positive learning rates, got {lr_range!r}") \
            from error
    if not low <= lr <= high:
        raise ValueError(f"lr={lr:g} must lie in lr_range=({low:g}, {high:g})")
    _check_start(start)
    for b in batch_sizes:
        if b is not None:
            check_positive(b, "batch size in batch_sizes", integer=True)
    # The menu's value for the full batch is 0, not None: a Dropdown whose value is None
    # shows no selection at all. redraw() turns 0 back into None.
    options = [("full batch", 0) if b is None else (str(b), b) for b in batch_sizes]

    lr_slider = widgets.FloatLogSlider(value=lr, base=10, min=math.log10(low), max=math.log10(high),
                                       step=0.02, description="learning rate", readout_format=".3g",
                                       continuous_update=False, style={"description_width": "initial"})
    epoch_slider = widgets.IntSlider(value=min(epochs, 200), min=1, max=200, description="epochs",
                                     continuous_update=False)
    batch_menu = widgets.Dropdown(options=options, value=options[0][1], description="batch size",
                                  style={"description_width": "initial"})
    output = widgets.Output()
    # The two sliders in one row and the menu below: three controls in a row leave the
    # sliders too short to use in a page as narrow as the book's.
    box = widgets.VBox([widgets.HBox([lr_slider, epoch_slider]), widgets.HBox([batch_menu]), output])

    def redraw(change=None):
        with output:
            output.clear_output(wait=True)
            fig = learning_rate_figure(X, y, lr_slider.value, epochs=epoch_slider.value, start=start,
                                       batch_size=batch_menu.value or None, seed=seed)
            display(fig)
            plt.close(fig)  # shown once in the output area, not again by the notebook backend
        box.figure = fig

    for control in (lr_slider, epoch_slider, batch_menu):
        control.observe(redraw, names="value")
    box.redraw = redraw
    redraw()
    return box


# ------------------------------------------------------------------ logistic regression (Chapter 2)

def _check_weight_pair(weight):
    w = np.asarray(weight.detach().cpu() if hasattr(weight, "detach") else weight, dtype=float).reshape(-1)
    if w.shape != (2,) or not np.isfinite(w).all():
        raise ValueError(f"weight must hold two finite numbers (w1, w2), one per feature, got {weight!r}")
    return w


def _check_threshold(threshold):
    if isinstance(threshold, bool) or not isinstance(threshold, Real) or not 0 < threshold < 1:
        raise ValueError(f"threshold must be a probability strictly between 0 and 1, got {threshold!r}")
    return float(threshold)


def _check_two_feature_data(X, y, who, check_targets):
    """Check X: (N, 2) and y: (N,) labels (with ``check_targets``); return y as int64 labels."""
    from helpers.checks import check_array, check_same_length

    check_array(X, "X", ndim=2)
    if X.shape[1] != 2:
        raise ValueError(f"{who} two-feature data: X must have shape (N, 2), got {X.shape}")
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
    b = np.asarray(bias.detach().cpu() if hasattr(bias, "detach") else bias, dtype=float).reshape(-1)
    if b.shape != (1,) or not np.isfinite(b).all():
        raise ValueError(f"bias must be one finite number, got {bias!r}")
    b = float(b[0])
    threshold = _check_threshold(threshold)
    names = ["class 0", "class 1"] if class_names is None else [str(n) for n in class_names]
    if len(names) != 2:
        raise ValueError(f"class_names must name the two classes, got {class_names!r}")

    X = np.asarray(X, dtype=np.float64)
    z = X @ w + b
    z_cut = math.log(threshold / (1 - threshold))
    pred = (z >= z_cut).astype(np.int64)
    counts = confusion_matrix(y, pred, num_classes=2)
    scores = {"accuracy": accuracy(y, pred), "precision": precision(y, pred), "recall": recall(y, pred),
              "loss": binary_cross_entropy_with_logits(z, y.astype(np.float64))}

    fig, (ax_map, ax_hist) = plt.subplots(1, 2, figsize=(11, 4.4), layout="constrained")
    plot_decision_boundary(lambda P: sigmoid(P @ w + b), X, y, ax=ax_map, threshold=threshold,
                           class_names=names, title="Probability of class 1 and the boundary")
    ax_map.set_aspect("equal", adjustable="box")  # so that w is seen at right angles to the boundary
    norm = float(np.hypot(*w))
    if norm > 0:  # the weight vector, from the boundary point nearest the data's centre
        centre = X.mean(axis=0)
        foot = centre - (centre @ w + b - z_cut) / norm ** 2 * w
        (x_lo, x_hi), (y_lo, y_hi) = ax_map.get_xlim(), ax_map.get_ylim()
        inside = x_lo <= foot[0] <= x_hi and y_lo <= foot[1] <= y_hi
        if inside:
            length = 0.15 * min(x_hi - x_lo, y_hi - y_lo)
            tip = foot + length * w / norm
            ax_map.annotate("", xy=tip, xytext=foot, arrowprops=dict(arrowstyle="-|>", color="black", lw=1.6),
                            zorder=4)
            ax_map.annotate("$\\mathbf{w}$", xy=tip, xytext=(4, 4), textcoords="offset points", fontsize=12,
                            zorder=4)

    colors = class_colors(2)
    edges = np.histogram_bin_edges(np.r_[z, z_cut], bins=30)
    for k in (0, 1):
        ax_hist.hist(z[y == k], bins=edges, color=colors[k], alpha=0.55, label=names[k],
                     edgecolor="white", linewidth=0.5)
    tallest = max(np.histogram(z[y == k], bins=edges)[0].max(initial=0) for k in (0, 1))
    ax_hist.set_ylim(0, 1.6 * max(tallest, 1))  # headroom for the text box and the legend
    ax_hist.axvline(z_cut, color="black", linewidth=1.5,
                    label=f"cut: p = {threshold:.2f}, z = {z_cut:.2f}")
    ax_hist.axvspan(z_cut, max(edges[-1], z_cut), color=colors[1], alpha=0.08, zorder=0)
    tn, fp, fn, tp = counts.ravel()
    ax_hist.text(0.02, 0.97, f"TP {tp}   FP {fp}\nFN {fn}   TN {tn}\n"
                 f"precision {scores['precision']:.2f}\nrecall {scores['recall']:.2f}\n"
                 f"BCE loss {scores['loss']:.3f}",
                 transform=ax_hist.transAxes, va="top", ha="left", fontsize=9, family="monospace",
                 bbox=dict(boxstyle="round", facecolor="white", edgecolor="0.8"))
    ax_hist.set(xlabel="logit $z = w_1 x_1 + w_2 x_2 + b$", ylabel="number of examples",
                title=f"Logits by class: accuracy {scores['accuracy']:.2f} at threshold {threshold:.2f}")
    ax_hist.legend(loc="upper right", frameon=True, framealpha=0.9, edgecolor="0.8")
    fig.suptitle(title if title is not None else
                 f"Logistic regression with $w$ = ({w[0]:.2f}, {w[1]:.2f}), $b$ = {b:.2f}", fontweight="bold")
    return fig


def logistic_explorer(X, y, weight=(1.0, 1.0), bias=0.0, threshold=0.5, weight_range=(-6.0, 6.0),
                      bias_range=(-6.0, 6.0), class_names=None):
    """Sliders for the two weights, the bias and the threshold over ``logistic_figure``.

    Args:
        X: (N, 2) inputs; y: (N,) labels 0/1.
        weight, bias, threshold: the initial values (e.g. a trained model's).
        weight_range, bias_range: ``(low, high)`` of the sliders; each must contain its start.

    Returns:
        an ``ipywidgets.VBox`` (controls above the figure). Its ``redraw()`` method redraws
        with the current values; ``figure`` holds the last ``Figure`` drawn.
    """
    import ipywidgets as widgets
    from IPython.display import display

    w = _check_weight_pair(weight)
    b = float(np.asarray(bias.detach().cpu() if hasattr(bias, "detach") else bias, dtype=float).reshape(-1)[0])
    threshold = _check_threshold(threshold)
    ranges = {}
    for name, given in (("weight_range", weight_range), ("bias_range", bias_range)):
        try:
            low, high = (float(v) for v in given)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a pair (low, high), got {given!r}") from None
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(f"{name} must be a pair (low, high) with low < high, got {given!r}")
        ranges[name] = (low, high)
    for label, value, (low, high) in (("w1", w[0], ranges["weight_range"]), ("w2", w[1], ranges["weight_range"]),
                                      ("bias", b, ranges["bias_range"])):
        if not low <= value <= high:
            raise ValueError(f"the start {label} = {value:g} lies outside its slider range ({low:g}, {high:g})")
    plt.close(logistic_figure(X, y, w, b, threshold, class_names=class_names))  # checks X, y now, not later

    style = {"description_width": "initial"}

    def slider(description, value, low, high, step):
        return widgets.FloatSlider(value=value, min=low, max=high, step=step, description=description,
                                   readout_format=".2f", continuous_update=False, style=style)

    w1 = slider("weight w1", w[0], *ranges["weight_range"], 0.05)
    w2 = slider("weight w2", w[1], *ranges["weight_range"], 0.05)
    bb = slider("bias b", b, *ranges["bias_range"], 0.05)
    th = slider("threshold", threshold, 0.01, 0.99, 0.01)
    output = widgets.Output()
    box = widgets.VBox([widgets.HBox([w1, w2]), widgets.HBox([bb, th]), output])

    def redraw(change=None):
        with output:
            output.clear_output(wait=True)
            fig = logistic_figure(X, y, (w1.value, w2.value), bb.value, th.value, class_names=class_names)
            display(fig)
            plt.close(fig)
        box.figure = fig

    for control in (w1, w2, bb, th):
        control.observe(redraw, names="value")
    box.redraw = redraw
    redraw()
    return box


__all__ += ["logistic_figure", "logistic_explorer"]


# ------------------------------------------------------------------ multilayer perceptrons (Chapter 3)

PLAYGROUND_ACTIVATIONS = ("relu", "tanh", "sigmoid")
PLAYGROUND_INITS = ("default", "xavier", "he")


def _check_playground_data(X, y):
    from helpers.checks import check_labels

    y = _check_two_feature_data(X, y, "the MLP playground uses", check_labels)
    if len(np.unique(y)) < 2:
        raise ValueError("y must hold at least two classes for a classifier to separate")
    return np.asarray(X, dtype=np.float64), y


def _check_architecture(width, depth, activation, init):
    from helpers.checks import check_choice

    width = check_positive(width, "width", integer=True)
    if isinstance(depth, bool) or not isinstance(depth, Real) or int(depth) != depth or depth < 0:
        raise ValueError(f"depth (the number of hidden layers) must be a whole number >= 0, got {depth!r}")
    check_choice(activation, "activation", PLAYGROUND_ACTIVATIONS)
    check_choice(init, "init", PLAYGROUND_INITS)
    return width, int(depth)


def train_playground_mlp(X, y, width=8, depth=2, activation="relu", lr=0.3, epochs=300, init="default",
                         batch_size=None, seed=0):
    """Train a small NumPy multilayer perceptron on two-feature data; never raise on divergence.

    The network is ``helpers.numpy_nn.layers.mlp([2] + [width] * depth + [K])`` with softmax
    cross-entropy on K classes: ``depth=0`` is a linear (softmax-regression) classifier. It is
    trained by gradient descent from weights drawn with ``seed``.

    Args:
        X: (N, 2) inputs; y: (N,) integer labels 0..K-1.
        width: units per hidden layer; depth: the number of hidden layers (0 or more).
        activation: ``"relu"``, ``"tanh"`` or ``"sigmoid"``.
        lr: the learning rate; epochs: passes over the data.
        init: ``"default"`` (PyTorch's uniform scale), ``"xavier"`` or ``"he"``
            (``helpers.numpy_nn.init.init_mlp_``).
        batch_size: examples per step; ``None`` means full-batch gradient descent.
        seed: seeds the initial weights and the shuffling.

    Returns:
        ``(net, history, diverged)``: the trained ``Sequential``; a ``History`` with the loss and
        the accuracy on ``(X, y)`` before training and after each epoch (``"loss"``,
        ``"accuracy"``); and whether training stopped because the loss became non-finite or
        exploded (then ``history`` ends where it stopped and ``net`` holds the last finite weights).
    """
    from helpers.numpy_nn.init import init_mlp_
    from helpers.numpy_nn.layers import CrossEntropyLoss, mlp
    from helpers.numpy_nn.optim import sgd_step
    from helpers.train import History, batch_indices, check_not_diverged

    X, y = _check_playground_data(X, y)
    width, depth = _check_architecture(width, depth, activation, init)
    lr = check_positive(lr, "lr")
    epochs = check_positive(epochs, "epochs", integer=True)
    batch_size = len(X) if batch_size is None else min(check_positive(batch_size, "batch_size", integer=True), len(X))
    num_classes = int(max(y.max() + 1, 2))
    rng = np.random.default_rng(seed)
    net = mlp([2] + [width] * depth + [num_classes], activation, rng=rng)
    if init != "default":
        init_mlp_(net, init, rng)
    loss_layer = CrossEntropyLoss()
    history = History()

    def log_epoch():
        logits = net(X)
        history.log(loss=loss_layer(logits, y), accuracy=float(np.mean(logits.argmax(axis=1) == y)))

    log_epoch()
    initial = history["loss"][0]
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            for epoch in range(1, epochs + 1):
                for batch in batch_indices(len(X), batch_size, rng):
                    saved = net.state_dict()
                    batch_loss = loss_layer(net(X[batch]), y[batch])
                    check_not_diverged(batch_loss, initial, epoch, lr, history)
                    net.backward(loss_layer.backward())
                    sgd_step(net.parameters(), net.grads, lr)
                    if not all(np.isfinite(p).all() for p in net.parameters().values()):
                        net.load_state_dict(saved)  # keep the last finite weights, to draw them
                        raise TrainingDivergedError("the weights overflowed", history)
                log_epoch()
                check_not_diverged(history.last("loss"), initial, epoch, lr, history)
    except TrainingDivergedError:
        return net, history, True
    return net, history, False


def _playground_title(width, depth, activation):
    if depth == 0:
        return "no hidden layer (a linear classifier)"
    layers = "1 hidden layer" if depth == 1 else f"{depth} hidden layers"
    return f"{layers} of {width} {activation} units"


def mlp_playground_figure(X, y, width=8, depth=2, activation="relu", lr=0.3, epochs=300, init="default",
                          batch_size=None, seed=0, class_names=None):
    """Train one MLP with ``train_playground_mlp`` and draw what it learned.

    Arguments as in ``train_playground_mlp``; ``class_names`` names the classes in the legend.

    Returns:
        a ``Figure`` with two axes. Left: the data, the predicted class regions and the decision
        boundary (``helpers.plot.plot_decision_boundary``), titled with the architecture and the
        training accuracy. Right: the training loss per epoch on a log scale. A run that
        diverged is drawn up to where it stopped, with ``"diverged"`` in the titles.
    """
    from helpers.numpy_nn.activations import softmax
    from helpers.plot import plot_decision_boundary

    X, y = _check_playground_data(X, y)
    width, depth = _check_architecture(width, depth, activation, init)
    net, history, diverged = train_playground_mlp(X, y, width, depth, activation, lr, epochs, init,
                                                  batch_size, seed)
    accuracy = history.last("accuracy")
    fig, (ax_map, ax_loss) = plt.subplots(1, 2, figsize=(11, 4.4), layout="constrained",
                                          gridspec_kw={"width_ratios": [1.15, 1]})
    status = "training diverged" if diverged else f"training accuracy {100 * accuracy:.1f}%"
    title = f"{_playground_title(width, depth, activation)}\n{status}"
    if diverged:  # the last weights may be too large to evaluate on a grid: draw the data alone
        plot_decision_boundary(lambda P: np.zeros(len(P), dtype=np.int64), X, y, ax=ax_map, show_regions=False,
                               class_names=class_names, title=title)
    else:
        plot_decision_boundary(lambda P: softmax(net(P)), X, y, ax=ax_map, class_names=class_names, title=title)
    loss = np.asarray(history["loss"], dtype=float)
    finite = np.isfinite(loss) & (loss > 0)
    epochs_done = np.arange(len(loss))
    ax_loss.plot(epochs_done[finite], loss[finite], color=COLORS[0])
    if diverged and finite.any():
        ax_loss.plot(epochs_done[finite][-1:], loss[finite][-1:], "x", color=COLORS[3], markersize=10, mew=2.5)
    set_log_scale(ax_loss, "y")
    integer_ticks(ax_loss.xaxis)
    batch_text = "full batch" if batch_size is None else f"batch size {batch_size}"
    ax_loss.set(xlabel="epoch", ylabel="training loss (cross-entropy)",
                title=f"Loss per epoch (lr = {lr:g}, {batch_text}, {init} init)"
                      + (" \u2014 diverged" if diverged else ""))
    return fig


def mlp_playground(X, y, width=8, depth=2, activation="relu", lr=0.3, epochs=300, init="default", seed=0,
                   class_names=None):
    """Controls for width, depth, activation, initialisation, learning rate and epochs over ``mlp_playground_figure``.

    Every change retrains the NumPy MLP from scratch (from the weights that ``seed`` draws) and
    redraws the decision boundary and the loss curve.

    Args:
        X: (N, 2) inputs; y: (N,) integer labels.
        width, depth, activation, lr, epochs, init, seed: the starting values of the controls
            (width 1-64, depth 0-5, lr 0.001-10 on a log slider, epochs 10-2000).

    Returns:
        an ``ipywidgets.VBox`` (controls above the figure). Its ``redraw()`` method redraws with
        the current values; ``figure`` holds the last ``Figure`` drawn.
    """
    import ipywidgets as widgets
    from IPython.display import display

    X, y = _check_playground_data(X, y)
    width, depth = _check_architecture(width, depth, activation, init)
    lr = check_positive(lr, "lr")
    epochs = check_positive(epochs, "epochs", integer=True)
    if not (1 <= width <= 64 and depth <= 5 and 1e-3 <= lr <= 10 and 10 <= epochs <= 2000):
        raise ValueError(f"the starting values must lie on the controls: width 1-64, depth 0-5, lr 0.001-10, "
                         f"epochs 10-2000; got width={width}, depth={depth}, lr={lr:g}, epochs={epochs}")
    if isinstance(seed, bool) or not isinstance(seed, Real) or int(seed) != seed or not 0 <= seed <= 9999:
        raise ValueError(f"seed must be a whole number from 0 to 9999, got {seed!r}")

    style = {"description_width": "initial"}
    width_slider = widgets.IntSlider(value=width, min=1, max=64, description="width", continuous_update=False)
    depth_slider = widgets.IntSlider(value=depth, min=0, max=5, description="hidden layers",
                                     continuous_update=False, style=style)
    menu_layout = widgets.Layout(width="220px")
    activation_menu = widgets.Dropdown(options=list(PLAYGROUND_ACTIVATIONS), value=activation,
                                       description="activation", style=style, layout=menu_layout)
    init_menu = widgets.Dropdown(options=list(PLAYGROUND_INITS), value=init, description="init", style=style,
                                 layout=menu_layout)
    lr_slider = widgets.FloatLogSlider(value=lr, base=10, min=-3, max=1, step=0.05, description="learning rate",
                                       readout_format=".3g", continuous_update=False, style=style)
    epoch_slider = widgets.IntSlider(value=epochs, min=10, max=2000, step=10, description="epochs",
                                     continuous_update=False)
    seed_box = widgets.BoundedIntText(value=int(seed), min=0, max=9999, description="seed", style=style,
                                      layout=widgets.Layout(width="140px"))
    output = widgets.Output()
    # Two sliders or three small controls a row: four in one row squeeze the sliders to
    # nothing in a page as narrow as the book's.
    box = widgets.VBox([widgets.HBox([width_slider, depth_slider]),
                        widgets.HBox([lr_slider, epoch_slider]),
                        widgets.HBox([activation_menu, init_menu, seed_box]), output])

    def redraw(change=None):
        with output:
            output.clear_output(wait=True)
            fig = mlp_playground_figure(X, y, width_slider.value, depth_slider.value, activation_menu.value,
                                        lr_slider.value, epoch_slider.value, init_menu.value, seed=seed_box.value,
                                        class_names=class_names)
            display(fig)
            plt.close(fig)
        box.figure = fig

    for control in (width_slider, depth_slider, activation_menu, init_menu, lr_slider, epoch_slider, seed_box):
        control.observe(redraw, names="value")
    box.redraw = redraw
    redraw()
    return box


__all__ += ["train_playground_mlp", "mlp_playground_figure", "mlp_playground"]
