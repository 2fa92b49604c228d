"""The learning-rate explorer (chapter 1): gradient descent on a linear regression's loss
surface, for one learning rate or several."""

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
        raise ValueError(
            f"the learning-rate figures use one-feature data: X must have shape (N, 1), "
            f"got {X.shape}"
        )
    w0, b0 = _check_start(start)
    model = LinearRegression(1)
    model.weight = np.array([[w0]])
    model.bias = np.array([b0])
    batch_size = len(X) if batch_size is None else batch_size
    try:
        return minibatch_sgd(
            model, X, y, lr, epochs, batch_size, seed=seed, record_path=True
        ), False
    except TrainingDivergedError as error:
        return error.history, True


def _check_start(start):
    try:
        w0, b0 = start
    except (TypeError, ValueError):
        raise ValueError(
            f"start must be a pair (weight, bias), got {start!r}"
        ) from None
    for name, value in (("weight", w0), ("bias", b0)):
        if (
            isinstance(value, bool)
            or not isinstance(value, Real)
            or not math.isfinite(value)
        ):
            raise ValueError(f"start {name} must be a finite number, got {value!r}")
    return float(w0), float(b0)


def _as_lr_list(lr):
    lrs = [lr] if isinstance(lr, Real) and not isinstance(lr, bool) else list(lr)
    if not lrs:
        raise ValueError("lr must be a positive number or a non-empty list of them")
    return [check_positive(value, "lr") for value in lrs]


def learning_rate_figure(
    X, y, lr, epochs=30, start=(0.0, 0.0), batch_size=None, seed=0
):
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
        history, diverged = train_from(
            X, y, value, epochs, start=start, batch_size=batch_size, seed=seed
        )
        loss = history["loss"]
        note = (
            " (diverged)"
            if diverged
            else " (loss growing)"
            if loss[-1] > loss[0]
            else ""
        )
        label = f"lr = {value:.3g}{note}"
        runs[label] = (history, diverged)

    fig, (ax_loss, ax_path) = plt.subplots(
        1, 2, figsize=(11, 4.2), layout="constrained"
    )
    for i, (label, (history, diverged)) in enumerate(runs.items()):
        loss = np.asarray(history["loss"], dtype=float)
        color = COLORS[i % len(COLORS)]
        ax_loss.plot(
            np.arange(len(loss)),
            loss,
            color=color,
            label=label,
            marker="." if len(loss) <= 60 else None,
        )
        if diverged and np.isfinite(loss[-1]):  # a cross where training was stopped
            ax_loss.plot(
                [len(loss) - 1], [loss[-1]], "x", color=color, markersize=10, mew=2.5
            )
    set_log_scale(ax_loss, "y")
    integer_ticks(ax_loss.xaxis)
    ax_loss.set_xlim(-0.03 * epochs, 1.03 * epochs)
    batch_text = "full batch" if batch_size is None else f"batch size {batch_size}"
    ax_loss.set(
        xlabel="epoch",
        ylabel="training loss (MSE)",
        title=f"Loss per epoch ({batch_text})",
    )
    ax_loss.legend()
    plot_loss_contours(
        X,
        y,
        paths={label: history for label, (history, _) in runs.items()},
        ax=ax_path,
        title="Paths from the same start (\u2605 least squares)",
    )
    ax_path.get_legend().remove()  # the left panel's legend names the runs, in the same colours
    return fig


def _default_web_lrs(low, high, lr):
    """1 and 3 per decade inside ``[low, high]``, the two ends, and ``lr``."""
    steps = [m * 10.0**e for e in range(-8, 4) for m in (1, 3)]
    return sorted({v for v in steps if low <= v <= high} | {low, high, lr})


def learning_rate_explorer(
    X,
    y,
    lr=0.1,
    epochs=30,
    lr_range=(1e-3, 3.0),
    start=(0.0, 0.0),
    batch_sizes=(None, 32, 8, 1),
    seed=0,
    web_lrs=None,
    web_batch_sizes=(None, 8),
    web=True,
):
    """Controls for learning rate, epochs and batch size over ``learning_rate_figure``.

    Each change retrains from the same ``start`` with NumPy gradient descent and
    redraws.
    For a page without a kernel (the web book) the figure is also drawn in advance for
    each of ``web_lrs`` x ``web_batch_sizes`` at the starting ``epochs``
    (``helpers.widgets.static``); the page shows those controls, epochs greyed out.

    Args:
        X: (N, 1) inputs; y: (N,) targets.
        lr: the initial learning rate; lr_range: ``(lowest, highest)`` on its log
            slider.
        epochs: the initial number of epochs (the slider goes from 1 to 200).
        batch_sizes: the batch sizes offered; ``None`` stands for the full batch.
        web_lrs: the learning rates drawn in advance, inside ``lr_range`` (default: 1
            and 3 per decade, the ends and ``lr``; ``lr`` is always added).
        web_batch_sizes: the batch sizes drawn in advance, among ``batch_sizes``.
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

    check_regression_data(X, y)
    lr = check_positive(lr, "lr")
    epochs = check_positive(epochs, "epochs", integer=True)
    try:
        low, high = (check_positive(v, "lr_range") for v in lr_range)
    except (TypeError, ValueError) as error:
        raise ValueError(
            "lr_range must be (lowest, highest) positive learning rates, "
            f"got {lr_range!r}"
        ) from error
    if not low <= lr <= high:
        raise ValueError(f"lr={lr:g} must lie in lr_range=({low:g}, {high:g})")
    _check_start(start)
    for b in batch_sizes:
        if b is not None:
            check_positive(b, "batch size in batch_sizes", integer=True)
    static = None
    if web:
        static = _learning_rate_static(
            X,
            y,
            lr,
            epochs,
            (low, high),
            start,
            batch_sizes,
            seed,
            web_lrs,
            web_batch_sizes,
        )
    # The menu's value for the full batch is 0, not None: a Dropdown whose value is None
    # shows no selection at all. redraw() turns 0 back into None.
    options = [("full batch", 0) if b is None else (str(b), b) for b in batch_sizes]

    style = {"description_width": "initial"}
    lr_slider = widgets.FloatLogSlider(
        value=lr,
        base=10,
        min=math.log10(low),
        max=math.log10(high),
        step=0.02,
        description="learning rate",
        readout_format=".3g",
        continuous_update=False,
        style=style,
    )
    epoch_slider = widgets.IntSlider(
        value=min(epochs, 200),
        min=1,
        max=200,
        description="epochs",
        continuous_update=False,
    )
    batch_menu = widgets.Dropdown(
        options=options, value=options[0][1], description="batch size", style=style
    )
    output = widgets.Output()
    # The two sliders in one row and the menu below: three controls in a row leave the
    # sliders too short to use in a page as narrow as the book's.
    box = ExplorerBox(
        [widgets.HBox([lr_slider, epoch_slider]), widgets.HBox([batch_menu]), output],
        static=static,
    )

    def redraw(change=None):
        with output:
            output.clear_output(wait=True)
            fig = learning_rate_figure(
                X,
                y,
                lr_slider.value,
                epochs=epoch_slider.value,
                start=start,
                batch_size=batch_menu.value or None,
                seed=seed,
            )
            display(fig)
            plt.close(fig)  # shown once in the output area, not again by the backend
        box.figure = fig

    for control in (lr_slider, epoch_slider, batch_menu):
        control.observe(redraw, names="value")
    box.redraw = redraw
    redraw()
    return box


def _learning_rate_static(
    X, y, lr, epochs, lr_range, start, batch_sizes, seed, web_lrs, web_batch_sizes
):
    """The learning-rate explorer drawn in advance (see ``learning_rate_explorer``)."""
    from helpers.widgets.static import Fixed, Menu, precompute, slider_or_fixed

    low, high = lr_range
    if web_lrs is None:
        web_lrs = _default_web_lrs(low, high, lr)
    try:
        web_lrs = sorted({check_positive(v, "web_lrs") for v in web_lrs} | {lr})
    except TypeError:
        raise TypeError(
            f"web_lrs must be a list of learning rates, got {web_lrs!r}"
        ) from None
    outside = [v for v in web_lrs if not low <= v <= high]
    if outside:
        raise ValueError(
            f"web_lrs must lie in lr_range=({low:g}, {high:g}), got {outside}"
        )
    try:
        web_batch_sizes = tuple(web_batch_sizes)
    except TypeError:
        raise TypeError(
            f"web_batch_sizes must be a list of batch sizes, got {web_batch_sizes!r}"
        ) from None
    missing = [b for b in web_batch_sizes if b not in batch_sizes]
    if missing or len(web_batch_sizes) == 0:
        raise ValueError(
            f"web_batch_sizes must be some of batch_sizes={tuple(batch_sizes)}, "
            f"got {tuple(web_batch_sizes)}"
        )

    def label(b):
        return "full batch" if b is None else str(b)

    controls = [
        slider_or_fixed(
            "lr", web_lrs, label="learning rate", start=lr, fmt="{:.3g}", log=True
        ),
        Fixed("epochs", min(epochs, 200), span=(1, 200)),
    ]
    unavailable = [label(b) for b in batch_sizes if b not in web_batch_sizes]
    if len(web_batch_sizes) > 1:
        options = {label(b): b for b in web_batch_sizes}
        controls.append(
            Menu("batch_size", options, label="batch size", unavailable=unavailable)
        )
    else:
        controls.append(
            Fixed(
                "batch_size",
                web_batch_sizes[0],
                label="batch size",
                fmt=label(web_batch_sizes[0]),
            )
        )

    def draw(lr, epochs, batch_size):
        return learning_rate_figure(
            X, y, lr, epochs=epochs, start=start, batch_size=batch_size, seed=seed
        )

    return precompute(
        draw,
        controls,
        alt="Two panels for the chosen settings: the training loss per epoch on a log "
        "scale, and the path of the weight and bias from the same start over the "
        "contours of the loss, towards the least-squares solution (a star).",
    )
