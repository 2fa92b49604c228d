"""Figures of Chapter 4 (training deep networks): optimiser paths on 2-D loss
surfaces and the per-layer statistics of a training run.

Every function draws on ``ax`` when one is given and otherwise makes a new figure, and
returns the axes it drew on.
"""

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

from helpers.checks import check_positive

__all__ = ["plot_optimiser_paths", "plot_layer_histograms", "plot_update_ratios"]


def _check_limits(limits, name):
    if not (
        isinstance(limits, (tuple, list))
        and len(limits) == 2
        and all(np.isfinite(v) for v in limits)
        and limits[0] < limits[1]
    ):
        raise ValueError(
            f"{name} must be a pair (low, high) with low < high, got {limits!r}"
        )
    return float(limits[0]), float(limits[1])


def _check_paths(paths):
    if not isinstance(paths, Mapping) or not paths:
        raise TypeError(
            "paths must be a non-empty dict {label: (T, 2) array}, "
            f"got {type(paths).__name__}"
        )
    checked = {}
    for label, path in paths.items():
        path = np.asarray(path, dtype=float)
        if path.ndim != 2 or path.shape[1] != 2 or len(path) < 1:
            raise ValueError(
                f"paths[{label!r}] must have shape (T, 2) with T >= 1, got {path.shape}"
            )
        checked[str(label)] = path
    return checked


def plot_optimiser_paths(
    f,
    paths,
    xlim,
    ylim,
    ax=None,
    minimum=None,
    levels=18,
    grid_size=200,
    title=None,
    styles=None,
    legend_loc="upper right",
):
    """Contours of a two-parameter loss with the paths of optimisers on top.

    Args:
        f: ``f(w1, w2) -> loss``, evaluated on arrays of the same shape (a grid).
        paths: ``{label: (T, 2) array}``, the parameters at every step, start first.
        xlim, ylim: ``(low, high)`` of the window drawn.
        minimum: optional ``(w1, w2)`` of the minimum, drawn as a star.
        levels: number of contour levels, spaced logarithmically above the lowest value.
        styles: optional ``{label: dict of Line2D keyword arguments}``.

    Returns:
        the ``Axes``.
    """
    if not callable(f):
        raise TypeError(
            f"f must be a function f(w1, w2) -> loss, got {type(f).__name__}"
        )
    xlim, ylim = _check_limits(xlim, "xlim"), _check_limits(ylim, "ylim")
    paths = _check_paths(paths)
    levels = check_positive(levels, "levels", integer=True)
    grid_size = check_positive(grid_size, "grid_size", integer=True)
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.4))
    w1, w2 = np.meshgrid(np.linspace(*xlim, grid_size), np.linspace(*ylim, grid_size))
    z = np.asarray(f(w1, w2), dtype=float)
    low = max(z.min(), 0.0)
    span = z.max() - low
    contour_levels = low + span * np.geomspace(1e-4, 1.0, levels)
    ax.contour(w1, w2, z, levels=contour_levels, colors="0.6", linewidths=0.7)
    for label, path in paths.items():
        style = {
            "marker": "o",
            "markersize": 2.5,
            "linewidth": 1.4,
            "markevery": max(1, len(path) // 40),
            **(styles or {}).get(label, {}),
        }
        ax.plot(path[:, 0], path[:, 1], label=label, **style)
    first = next(iter(paths.values()))[0]
    ax.plot(*first, marker="s", color="black", markersize=6, linestyle="none", zorder=5)
    ax.annotate("start", first, xytext=(5, 5), textcoords="offset points", fontsize=9)
    if minimum is not None:
        ax.plot(
            *minimum,
            marker="*",
            color="black",
            markersize=11,
            linestyle="none",
            zorder=5,
        )
    ax.set(xlim=xlim, ylim=ylim, xlabel="$w_1$", ylabel="$w_2$", title=title)
    ax.grid(False)
    if len(paths) > 1:
        ax.legend(loc=legend_loc, fontsize=8)
    return ax


def _layer_colours(n):
    """n colours from dark (layer 1) to light (the last layer)."""
    return plt.get_cmap("viridis")(np.linspace(0.0, 0.85, n))


def plot_layer_histograms(
    values_by_layer, ax=None, bins=60, xlabel="value", title=None
):
    """One outline histogram per layer, layer 1 darkest, normalised to a density.

    Args:
        values_by_layer: a list of 1-D arrays, one per layer (e.g. every activation
            of a batch).
        bins: a number of bins or the bin edges, shared by all layers.

    Returns:
        the ``Axes``.
    """
    if not isinstance(values_by_layer, (list, tuple)) or not values_by_layer:
        raise TypeError(
            "values_by_layer must be a non-empty list of arrays, "
            f"got {type(values_by_layer).__name__}"
        )
    layers = [np.asarray(v, dtype=float).ravel() for v in values_by_layer]
    if ax is None:
        _, ax = plt.subplots()
    for index, (values, colour) in enumerate(
        zip(layers, _layer_colours(len(layers))), start=1
    ):
        ax.hist(
            values,
            bins=bins,
            density=True,
            histtype="step",
            color=colour,
            linewidth=1.4,
            label=f"layer {index}",
        )
    ax.set(xlabel=xlabel, ylabel="density", title=title)
    ax.legend(fontsize=8)
    return ax


def plot_update_ratios(ratios, ax=None, reference=1e-3, title=None):
    """The update-to-weight ratio std(dW) / std(W) of each layer during training.

    Args:
        ratios: (steps, layers) array, one column per layer.
        reference: a value to draw as a dashed line (the rule of thumb 1e-3), or None.

    Returns:
        the ``Axes``.
    """
    ratios = np.asarray(ratios, dtype=float)
    if ratios.ndim != 2 or ratios.shape[0] < 1:
        raise ValueError(f"ratios must have shape (steps, layers), got {ratios.shape}")
    if ax is None:
        _, ax = plt.subplots()
    for index, colour in enumerate(_layer_colours(ratios.shape[1])):
        ax.plot(
            np.arange(1, len(ratios) + 1),
            ratios[:, index],
            color=colour,
            linewidth=1.0,
            label=f"layer {index + 1}",
        )
    if reference is not None:
        ax.axhline(reference, color="0.3", linestyle="--", linewidth=1)
    ax.set_yscale("log")
    ax.set(xlabel="training step", ylabel="std(update) / std(weight)", title=title)
    ax.legend(fontsize=7, ncol=2)
    return ax
