"""Figures for sequences (chapter 6): gradients over time, samples of text.

plot_gradient_decay   the norm of dL_t / dh_{t-k} against the distance k, for
                      several recurrent cells on one log axis
plot_text_sample      a sampled text in a fixed-width box, as a figure (for a web
                      page without a kernel)
"""

import textwrap
from collections.abc import Mapping

import numpy as np

from helpers.plot.style import COLORS, _new_ax, _to_numpy, set_log_scale

__all__ = ["plot_gradient_decay", "plot_text_sample"]


def plot_gradient_decay(
    norms,
    ax=None,
    xlabel="distance k (steps back in time)",
    ylabel=r"$\|\partial L_t / \partial h_{t-k}\|$",
    title="How far back the gradient reaches",
):
    """Gradient norms against how many steps back they reach, on a log axis.

    Args:
        norms: ``{label: (K,) norms}``, the norm at distance k = 0 .. K - 1 for each
            cell (say "tanh RNN", "LSTM", "GRU"); or ``{label: (S, K)}`` for S seeds,
            drawn as the median with a band from the smallest to the largest.
        ax: the axes to draw on (default: a new figure).

    Returns:
        the ``Axes``.
    """
    if not isinstance(norms, Mapping) or not norms:
        raise ValueError(
            f"norms must be a non-empty dict {{label: norms}}, got {type(norms).__name__}"
        )
    ax = _new_ax(ax)
    for i, (label, values) in enumerate(norms.items()):
        values = np.asarray(_to_numpy(values), dtype=float)
        if values.ndim == 1:
            values = values[None]
        if values.ndim != 2 or values.shape[1] == 0:
            raise ValueError(
                f"norms of {label!r} must be (K,) or (seeds, K), got shape "
                f"{values.shape}"
            )
        if not np.all(np.isfinite(values)) or (values <= 0).any():
            raise ValueError(
                f"norms of {label!r} must be finite and positive for a log axis, got "
                f"values from {np.nanmin(values):.3g} to {np.nanmax(values):.3g} "
                f"(floor them, e.g. np.maximum(norms, 1e-30))"
            )
        colour = COLORS[i % len(COLORS)]
        k = np.arange(values.shape[1])
        ax.plot(k, np.median(values, axis=0), color=colour, label=str(label))
        if len(values) > 1:
            ax.fill_between(
                k, values.min(axis=0), values.max(axis=0), color=colour, alpha=0.2
            )
    set_log_scale(ax, "y")
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.legend()
    return ax


def plot_text_sample(text, ax=None, title="A sample", width=72, max_lines=14):
    """Draw ``text`` in a fixed-width font on an empty axes, wrapped and cut.

    Lines longer than ``width`` characters are wrapped; after ``max_lines`` lines
    the rest is replaced by an ellipsis. Returns the ``Axes``.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    lines = []
    for line in text.split("\n"):
        lines += textwrap.wrap(line, width) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines] + ["..."]
    ax = _new_ax(ax, figsize=(7.5, 0.3 * max_lines + 0.8))
    ax.text(
        0.01,
        0.98,
        "\n".join(lines),
        family="monospace",
        fontsize=9,
        va="top",
        ha="left",
        transform=ax.transAxes,
    )
    ax.set(xticks=[], yticks=[], title=title)
    for spine in ax.spines.values():  # a light frame all round the text
        spine.set_visible(True)
        spine.set_color("#cccccc")
    return ax
