"""The MLP playground (chapter 3): width, depth, activation, initialisation and learning
rate of a small network trained on two moons, and the decision regions it learns."""

from numbers import Real

import matplotlib.pyplot as plt
import numpy as np

from helpers.checks import TrainingDivergedError, check_positive
from helpers.plot import COLORS, integer_ticks, set_log_scale
from helpers.widgets.classification import _check_two_feature_data

__all__ = ["train_playground_mlp", "mlp_playground_figure", "mlp_playground"]


PLAYGROUND_ACTIVATIONS = ("relu", "tanh", "sigmoid")
PLAYGROUND_INITS = ("default", "xavier", "he")


def _check_playground_data(X, y):
    from helpers.checks import check_labels

    y = _check_two_feature_data(X, y, "the MLP playground uses", check_labels)
    if len(np.unique(y)) < 2:
        raise ValueError(
            "y must hold at least two classes for a classifier to separate"
        )
    return np.asarray(X, dtype=np.float64), y


def _check_architecture(width, depth, activation, init):
    from helpers.checks import check_choice

    width = check_positive(width, "width", integer=True)
    if (
        isinstance(depth, bool)
        or not isinstance(depth, Real)
        or int(depth) != depth
        or depth < 0
    ):
        raise ValueError(
            f"depth (the number of hidden layers) must be a whole number >= 0, got {depth!r}"
        )
    check_choice(activation, "activation", PLAYGROUND_ACTIVATIONS)
    check_choice(init, "init", PLAYGROUND_INITS)
    return width, int(depth)


def train_playground_mlp(
    X,
    y,
    width=8,
    depth=2,
    activation="relu",
    lr=0.3,
    epochs=300,
    init="default",
    batch_size=None,
    seed=0,
):
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
    batch_size = (
        len(X)
        if batch_size is None
        else min(check_positive(batch_size, "batch_size", integer=True), len(X))
    )
    num_classes = int(max(y.max() + 1, 2))
    rng = np.random.default_rng(seed)
    net = mlp([2] + [width] * depth + [num_classes], activation, rng=rng)
    if init != "default":
        init_mlp_(net, init, rng)
    loss_layer = CrossEntropyLoss()
    history = History()

    def log_epoch():
        logits = net(X)
        history.log(
            loss=loss_layer(logits, y),
            accuracy=float(np.mean(logits.argmax(axis=1) == y)),
        )

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
                        net.load_state_dict(
                            saved
                        )  # keep the last finite weights, to draw them
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


def mlp_playground_figure(
    X,
    y,
    width=8,
    depth=2,
    activation="relu",
    lr=0.3,
    epochs=300,
    init="default",
    batch_size=None,
    seed=0,
    class_names=None,
):
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
    net, history, diverged = train_playground_mlp(
        X, y, width, depth, activation, lr, epochs, init, batch_size, seed
    )
    accuracy = history.last("accuracy")
    fig, (ax_map, ax_loss) = plt.subplots(
        1,
        2,
        figsize=(11, 4.4),
        layout="constrained",
        gridspec_kw={"width_ratios": [1.15, 1]},
    )
    status = (
        "training diverged" if diverged else f"training accuracy {100 * accuracy:.1f}%"
    )
    title = f"{_playground_title(width, depth, activation)}\n{status}"
    if (
        diverged
    ):  # the last weights may be too large to evaluate on a grid: draw the data alone
        plot_decision_boundary(
            lambda P: np.zeros(len(P), dtype=np.int64),
            X,
            y,
            ax=ax_map,
            show_regions=False,
            class_names=class_names,
            title=title,
        )
    else:
        plot_decision_boundary(
            lambda P: softmax(net(P)),
            X,
            y,
            ax=ax_map,
            class_names=class_names,
            title=title,
        )
    loss = np.asarray(history["loss"], dtype=float)
    finite = np.isfinite(loss) & (loss > 0)
    epochs_done = np.arange(len(loss))
    ax_loss.plot(epochs_done[finite], loss[finite], color=COLORS[0])
    if diverged and finite.any():
        ax_loss.plot(
            epochs_done[finite][-1:],
            loss[finite][-1:],
            "x",
            color=COLORS[3],
            markersize=10,
            mew=2.5,
        )
    set_log_scale(ax_loss, "y")
    integer_ticks(ax_loss.xaxis)
    batch_text = "full batch" if batch_size is None else f"batch size {batch_size}"
    ax_loss.set(
        xlabel="epoch",
        ylabel="training loss (cross-entropy)",
        title=f"Loss per epoch (lr = {lr:g}, {batch_text}, {init} init)"
        + (" \u2014 diverged" if diverged else ""),
    )
    return fig


def mlp_playground(
    X,
    y,
    width=8,
    depth=2,
    activation="relu",
    lr=0.3,
    epochs=300,
    init="default",
    seed=0,
    class_names=None,
    web_widths=(1, 2, 4, 8),
    web_depths=(1, 2),
    web=True,
):
    """Controls for width, depth, activation, initialisation, learning rate and epochs
    over ``mlp_playground_figure``.

    Every change retrains the NumPy MLP from scratch (from the weights that ``seed``
    draws) and redraws the decision boundary and the loss curve. For a page without a
    kernel (the web book) the figure is also drawn in advance for each of
    ``web_widths`` x ``web_depths``, the other controls at their starting values
    (``helpers.widgets.static``); the page shows those greyed out. Each frame trains a
    network, so keep the grid small.

    Args:
        X: (N, 2) inputs; y: (N,) integer labels.
        width, depth, activation, lr, epochs, init, seed: the starting values of the
            controls (width 1-64, depth 0-5, lr 0.001-10 on a log slider, epochs
            10-2000).
        web_widths, web_depths: the widths (1-64) and numbers of hidden layers (0-5)
            drawn in advance; the starting ones are always added.
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

    X, y = _check_playground_data(X, y)
    width, depth = _check_architecture(width, depth, activation, init)
    lr = check_positive(lr, "lr")
    epochs = check_positive(epochs, "epochs", integer=True)
    if not (
        1 <= width <= 64 and depth <= 5 and 1e-3 <= lr <= 10 and 10 <= epochs <= 2000
    ):
        raise ValueError(
            f"the starting values must lie on the controls: width 1-64, depth 0-5, lr 0.001-10, "
            f"epochs 10-2000; got width={width}, depth={depth}, lr={lr:g}, epochs={epochs}"
        )
    if (
        isinstance(seed, bool)
        or not isinstance(seed, Real)
        or int(seed) != seed
        or not 0 <= seed <= 9999
    ):
        raise ValueError(f"seed must be a whole number from 0 to 9999, got {seed!r}")
    settings = dict(
        width=width,
        depth=depth,
        activation=activation,
        lr=lr,
        epochs=epochs,
        init=init,
        seed=int(seed),
    )
    static = None
    if web:
        static = _playground_static(X, y, settings, class_names, web_widths, web_depths)

    style = {"description_width": "initial"}
    width_slider = widgets.IntSlider(
        value=width, min=1, max=64, description="width", continuous_update=False
    )
    depth_slider = widgets.IntSlider(
        value=depth,
        min=0,
        max=5,
        description="hidden layers",
        continuous_update=False,
        style=style,
    )
    menu_layout = widgets.Layout(width="220px")
    activation_menu = widgets.Dropdown(
        options=list(PLAYGROUND_ACTIVATIONS),
        value=activation,
        description="activation",
        style=style,
        layout=menu_layout,
    )
    init_menu = widgets.Dropdown(
        options=list(PLAYGROUND_INITS),
        value=init,
        description="init",
        style=style,
        layout=menu_layout,
    )
    lr_slider = widgets.FloatLogSlider(
        value=lr,
        base=10,
        min=-3,
        max=1,
        step=0.05,
        description="learning rate",
        readout_format=".3g",
        continuous_update=False,
        style=style,
    )
    epoch_slider = widgets.IntSlider(
        value=epochs,
        min=10,
        max=2000,
        step=10,
        description="epochs",
        continuous_update=False,
    )
    seed_box = widgets.BoundedIntText(
        value=int(seed),
        min=0,
        max=9999,
        description="seed",
        style=style,
        layout=widgets.Layout(width="140px"),
    )
    output = widgets.Output()
    # Two sliders or three small controls a row: four in one row squeeze the sliders to
    # nothing in a page as narrow as the book's.
    box = ExplorerBox(
        [
            widgets.HBox([width_slider, depth_slider]),
            widgets.HBox([lr_slider, epoch_slider]),
            widgets.HBox([activation_menu, init_menu, seed_box]),
            output,
        ],
        static=static,
    )

    def redraw(change=None):
        with output:
            output.clear_output(wait=True)
            fig = mlp_playground_figure(
                X,
                y,
                width_slider.value,
                depth_slider.value,
                activation_menu.value,
                lr_slider.value,
                epoch_slider.value,
                init_menu.value,
                seed=seed_box.value,
                class_names=class_names,
            )
            display(fig)
            plt.close(fig)
        box.figure = fig

    for control in (
        width_slider,
        depth_slider,
        activation_menu,
        init_menu,
        lr_slider,
        epoch_slider,
        seed_box,
    ):
        control.observe(redraw, names="value")
    box.redraw = redraw
    redraw()
    return box


def _playground_static(X, y, settings, class_names, web_widths, web_depths):
    """The MLP playground drawn in advance (see ``mlp_playground``)."""
    from helpers.widgets.static import Fixed, precompute, slider_or_fixed

    grids = {}
    for name, given, start, (low, high) in (
        ("web_widths", web_widths, settings["width"], (1, 64)),
        ("web_depths", web_depths, settings["depth"], (0, 5)),
    ):
        try:
            values = set(given)
        except TypeError:
            raise TypeError(
                f"{name} must be a list of whole numbers, got {given!r}"
            ) from None
        bad = [
            v
            for v in values
            if isinstance(v, bool)
            or not isinstance(v, Real)
            or int(v) != v
            or not low <= v <= high
        ]
        if bad:
            raise ValueError(
                f"{name} must hold whole numbers from {low} to {high}, "
                f"got {sorted(bad, key=str)}"
            )
        grids[name] = sorted(int(v) for v in values | {start})
    controls = [
        slider_or_fixed(
            "width", grids["web_widths"], start=settings["width"], span=(1, 64)
        ),
        slider_or_fixed(
            "depth",
            grids["web_depths"],
            label="hidden layers",
            start=settings["depth"],
            span=(0, 5),
        ),
        Fixed("lr", settings["lr"], label="learning rate", fmt="{:.3g}"),
        Fixed("epochs", settings["epochs"], span=(10, 2000)),
        Fixed("activation", settings["activation"]),
        Fixed("init", settings["init"]),
        Fixed("seed", settings["seed"]),
    ]

    def draw(width, depth, lr, epochs, activation, init, seed):
        return mlp_playground_figure(
            X,
            y,
            width,
            depth,
            activation,
            lr,
            epochs,
            init,
            seed=seed,
            class_names=class_names,
        )

    return precompute(
        draw,
        controls,
        alt="Two panels for the chosen width and number of hidden layers: left, the "
        "two moons with the class regions and decision boundary the trained network "
        "draws, titled with its training accuracy; right, its training loss per epoch "
        "on a log scale.",
    )
