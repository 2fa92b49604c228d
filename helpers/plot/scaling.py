"""Chapter 8's figures: a power law on log-log axes and where training memory goes.

plot_power_law         measured losses against size, the fitted line, and
                       published exponents drawn through the same middle point
plot_memory_breakdown  stacked bars of weights, gradients, optimiser states,
                       activations (and a KV cache) per configuration, in GiB
"""

import numpy as np

from helpers.plot.style import COLORS, PALETTE, _new_ax

__all__ = ["plot_power_law", "plot_memory_breakdown", "MEMORY_PARTS"]

MEMORY_PARTS = ("weights", "gradients", "optimizer", "activations", "KV cache")
_PART_COLORS = dict(zip(MEMORY_PARTS, COLORS))


def plot_power_law(n, loss, fit, references=None, ax=None, xlabel=None):
    """Losses against sizes on log-log axes with the fitted power law.

    Args:
        n, loss: (k,) sizes and losses. fit: the dict of
            ``helpers.scale.fit_power_law(n, loss)``.
        references: optional {label: exponent}: lines of those slopes through the
            fit's value at the geometric middle of n, for comparison.
        ax: an Axes to draw on (default: a new figure).

    Returns:
        the Axes.
    """
    ax = _new_ax(ax, figsize=(6, 4))
    n, loss = np.asarray(n, float), np.asarray(loss, float)
    grid = np.geomspace(n.min() / 1.5, n.max() * 1.5, 50)
    ax.loglog(n, loss, "o", color=PALETTE["blue"], label="measured (validation)")
    ax.loglog(
        grid,
        fit["predict"](grid),
        color=PALETTE["blue"],
        label=f"fit: alpha = {fit['alpha']:.3f} +/- {fit['alpha_se']:.3f}",
    )
    middle = float(np.exp(np.log(n).mean()))
    anchor = float(fit["predict"](middle))
    styles = iter(["--", ":", "-."])
    for (label, alpha), color in zip(
        (references or {}).items(), (PALETTE["orange"], PALETTE["green"], "grey")
    ):
        ax.loglog(
            grid,
            anchor * (grid / middle) ** (-alpha),
            next(styles),
            color=color,
            label=f"{label}: alpha = {alpha:g}",
        )
    ax.set_xlabel(xlabel or "parameters N (log scale)")
    ax.set_ylabel("validation loss, nats per character (log scale)")
    ax.legend(fontsize=9)
    return ax


def plot_memory_breakdown(rows, ax=None, unit=2**30, unit_name="GiB"):
    """Horizontal stacked bars: one bar per configuration, one colour per part.

    Args:
        rows: {label: {part: bytes}} with parts among ``MEMORY_PARTS``.
        ax: an Axes (default: a new figure). unit: bytes per unit of the axis.

    Returns:
        the Axes.
    """
    if not isinstance(rows, dict) or not rows:
        raise TypeError(f"rows must be a non-empty dict of dicts, got {rows!r}")
    ax = _new_ax(ax, figsize=(7, 0.7 * len(rows) + 1.5))
    labels = list(rows)
    y = np.arange(len(labels))
    left = np.zeros(len(labels))
    for part in MEMORY_PARTS:
        values = np.array([rows[k].get(part, 0) / unit for k in labels])
        if not values.any():
            continue
        ax.barh(y, values, left=left, color=_PART_COLORS[part], label=part)
        left += values
    for yi, total in zip(y, left):
        ax.text(total, yi, f" {total:,.1f} {unit_name}", va="center", fontsize=9)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, left.max() * 1.3)
    ax.set_xlabel(f"memory ({unit_name})")
    ax.legend(fontsize=8, loc="lower right")
    return ax
