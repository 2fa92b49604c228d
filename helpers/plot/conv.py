"""Figures for convolutional networks (Chapter 5): filters, feature maps, mistakes and
receptive fields.

    plot_filters(conv.weight)                  # each kernel of a layer, diverging colours
    plot_feature_maps(image, maps)             # one input and the channels it produced
    plot_misclassified(images, y, predicted)   # the digits a model got wrong
    plot_receptive_field([(5, 1, 1), (2, 2, 1)])   # which inputs one output sees
    receptive_field_intervals(layers)          # the same, as numbers

Images are drawn with ``plot_image_grid`` (``helpers.plot.classification``), so every
grid shares one colour scale and draws ink dark on white.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from helpers.checks import check_integer
from helpers.plot.classification import plot_image_grid
from helpers.plot.style import PALETTE, _to_numpy

__all__ = [
    "plot_filters",
    "plot_feature_maps",
    "plot_misclassified",
    "receptive_field_intervals",
    "plot_receptive_field",
]


def _frame(ax):
    """An image panel: no ticks, a light frame on all four sides."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_color("0.8")


def _finite_array(values, name, ndims):
    array = _to_numpy(values)
    if not isinstance(array, np.ndarray) or array.dtype.kind not in "iuf":
        raise TypeError(
            f"{name} must be an array or tensor of numbers, got {type(values).__name__}"
        )
    if array.ndim not in ndims:
        want = " or ".join(f"{n} axes" for n in ndims)
        raise ValueError(f"{name} must have {want}, got shape {tuple(array.shape)}")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {tuple(array.shape)}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must hold finite numbers")
    return array.astype(np.float64)


def plot_filters(weight, channel=0, ncols=8, suptitle="Filters", panel_size=1.0):
    """Draw each kernel of a convolution layer, centred at zero (red +, blue -).

    Args:
        weight: (F, C, kH, kW) or (F, kH, kW), an array or a tensor (e.g. a
            ``Conv2d``'s ``weight``); with C channels, ``channel`` picks the one shown.
        channel: the input channel to show.
        ncols: kernels per row; suptitle: the figure's title.

    Returns:
        the ``Figure``.
    """
    weight = _finite_array(weight, "weight", (3, 4))
    if weight.ndim == 4:
        channel = check_integer(channel, "channel", minimum=0)
        if channel >= weight.shape[1]:
            raise ValueError(
                f"channel must be below the weight's {weight.shape[1]} input "
                f"channels, got {channel}"
            )
        weight = weight[:, channel]
    titles = [f"filter {f}" for f in range(len(weight))]
    return plot_image_grid(
        weight,
        titles=titles,
        ncols=min(check_integer(ncols, "ncols", minimum=1), len(weight)),
        symmetric=True,
        suptitle=suptitle,
        panel_size=panel_size,
        colorbar_label="weight",
    )


def plot_feature_maps(image, maps, ncols=8, suptitle="Feature maps", names=None):
    """Draw one input image and the feature maps a layer made from it.

    Args:
        image: (H, W) or (1, H, W), the input (drawn first, ink dark on white).
        maps: (C, H', W'), one feature map per channel (drawn on one shared scale,
            centred at zero: red positive, blue negative).
        names: optional title per map (default "map 0", "map 1", ...).

    Returns:
        the ``Figure``.
    """
    image = _finite_array(image, "image", (2, 3))
    if image.ndim == 3:
        if image.shape[0] != 1:
            raise ValueError(
                f"image must have shape (H, W) or (1, H, W), got shape {image.shape}"
            )
        image = image[0]
    maps = _finite_array(maps, "maps", (3,))
    if names is None:
        names = [f"map {c}" for c in range(len(maps))]
    elif len(names) != len(maps):
        raise ValueError(
            f"names must give one title per map ({len(maps)}), got {len(names)}"
        )
    ncols = check_integer(ncols, "ncols", minimum=1)
    nrows = -(-len(maps) // ncols)
    fig = plt.figure(figsize=(1.3 * (ncols + 1.6), 1.35 * nrows + 0.6))
    grid = fig.add_gridspec(nrows, ncols + 2, width_ratios=[1.6, 0.25] + [1] * ncols)
    ax = fig.add_subplot(grid[:, 0])
    ax.imshow(image, cmap="gray_r")
    ax.set_title("input", fontsize=9)
    _frame(ax)
    bound = np.abs(maps).max() or 1.0
    for c, feature in enumerate(maps):
        ax = fig.add_subplot(grid[c // ncols, 2 + c % ncols])
        ax.imshow(feature, cmap="RdBu_r", vmin=-bound, vmax=bound)
        ax.set_title(names[c], fontsize=8)
        _frame(ax)
    fig.suptitle(suptitle, fontweight="bold")
    return fig


def plot_misclassified(images, labels, predicted, max_images=20, ncols=10):
    """Draw the images whose prediction is wrong, titled "true -> predicted".

    Args:
        images: (N, H, W) or (N, 1, H, W); labels, predicted: (N,) integers.
        max_images: draw at most this many (the first mistakes in order).

    Returns:
        ``(fig, index)``: the ``Figure`` (None when nothing is wrong) and the indices
        of all the mistakes, an int array.
    """
    images = _finite_array(images, "images", (3, 4))
    if images.ndim == 4:
        if images.shape[1] != 1:
            raise ValueError(
                f"images must have shape (N, H, W) or (N, 1, H, W), "
                f"got shape {images.shape}"
            )
        images = images[:, 0]
    labels, predicted = _to_numpy(labels), _to_numpy(predicted)
    for name, values in (("labels", labels), ("predicted", predicted)):
        if not isinstance(values, np.ndarray) or values.dtype.kind not in "iu":
            raise TypeError(f"{name} must be integer class labels, got {values!r}")
        if values.shape != (len(images),):
            raise ValueError(
                f"{name} must have shape ({len(images)},), one per image, "
                f"got shape {values.shape}"
            )
    max_images = check_integer(max_images, "max_images", minimum=1)
    wrong = np.flatnonzero(labels != predicted)
    if len(wrong) == 0:
        return None, wrong
    shown = wrong[:max_images]
    fig = plot_image_grid(
        images[shown],
        titles=[f"{labels[i]} -> {predicted[i]}" for i in shown],
        ncols=min(check_integer(ncols, "ncols", minimum=1), len(shown)),
        suptitle=f"Misclassified: {len(wrong)} of {len(images)} "
        f"(true -> predicted), the first {len(shown)}",
        title_colors=[PALETTE["vermillion"]] * len(shown),
    )
    return fig, wrong


def _check_layers(layers):
    if not isinstance(layers, (list, tuple)) or not layers:
        raise TypeError(
            f"layers must be a non-empty list of (kernel_size, stride, dilation) "
            f"triples, got {layers!r}"
        )
    checked = []
    for index, layer in enumerate(layers):
        if not isinstance(layer, (list, tuple)) or len(layer) != 3:
            raise ValueError(
                f"layers[{index}] must be a (kernel_size, stride, dilation) "
                f"triple, got {layer!r}"
            )
        checked.append(
            tuple(
                check_integer(value, f"layers[{index}] {what}", minimum=1)
                for value, what in zip(layer, ("kernel_size", "stride", "dilation"))
            )
        )
    return checked


def receptive_field_intervals(layers, output=0):
    """Which positions of each level one output of a stack depends on (no padding).

    Args:
        layers: ``[(kernel_size, stride, dilation), ...]`` from the input up.
        output: the position of the output, at the top level.

    Returns:
        ``[(first, last), ...]`` from the input (level 0) up to the output (level
        ``len(layers)``): the span of positions at that level that can reach the
        output. Output position i of a layer reads inputs ``i * stride`` to
        ``i * stride + dilation * (kernel_size - 1)``, so the span of level l - 1 is
        ``(first * stride, last * stride + dilation * (kernel_size - 1))``.
        ``last - first + 1`` at level 0 is ``numpy_nn.conv.receptive_field(layers)``.
    """
    layers = _check_layers(layers)
    output = check_integer(output, "output", minimum=0)
    spans = [(output, output)]
    for kernel, stride, dilation in reversed(layers):
        first, last = spans[-1]
        spans.append((first * stride, last * stride + dilation * (kernel - 1)))
    return spans[::-1]


def plot_receptive_field(layers, names=None, output=0, ax=None):
    """Draw a 1-D stack of layers as rows of cells, the receptive field shaded.

    Each row is one level (the input at the bottom); the cells one output of the top
    level depends on are filled, the cells a strided layer skips stay white.

    Args:
        layers: ``[(kernel_size, stride, dilation), ...]`` from the input up.
        names: optional label per level, ``len(layers) + 1`` of them.
        output: the output position whose field is drawn.

    Returns:
        the axes.
    """
    spans = receptive_field_intervals(layers, output)
    layers = _check_layers(layers)
    if names is None:
        names = ["input"] + [f"layer {level}" for level in range(1, len(spans))]
    if len(names) != len(spans):
        raise ValueError(
            f"names must give one label per level ({len(spans)}), got {len(names)}"
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.7 * len(spans) + 1.2))
    width = spans[0][1] + 3
    # the cells of each level that reach the output: level l's cell p is used when
    # it is read by a used cell of level l + 1
    used = [set() for _ in spans]
    used[-1] = {output}
    for level in range(len(layers) - 1, -1, -1):
        kernel, stride, dilation = layers[level]
        used[level] = {
            i * stride + dilation * a for i in used[level + 1] for a in range(kernel)
        }
    for level, (first, last) in enumerate(spans):
        for position in range(width):
            filled = position in used[level]
            ax.add_patch(
                Rectangle(
                    (position, level),
                    0.9,
                    0.7,
                    facecolor=PALETTE["blue"] if filled else "white",
                    edgecolor="0.4" if first <= position <= last else "0.8",
                    linewidth=0.8,
                )
            )
        ax.text(
            last + 1.2,
            level + 0.35,
            f"{last - first + 1} wide" if level < len(spans) - 1 else "one output",
            va="center",
            fontsize=8,
        )
    ax.set_xlim(-0.3, width + 4)
    ax.set_ylim(-0.3, len(spans))
    ax.set_yticks([level + 0.35 for level in range(len(spans))], names)
    ax.set_xlabel("position")
    ax.set_ylabel("level")
    ax.set_title(
        f"Receptive field of one output: {spans[0][1] - spans[0][0] + 1} input positions"
    )
    return ax
