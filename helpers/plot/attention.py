"""Figures for attention (chapter 7): weight heat maps and the variance of scores.

plot_attention(weights, queries, keys)        one (L, S) weight matrix as a heat map
plot_attention_heads(weights, queries, keys)  the H heads of one layer side by side
plot_score_variance(dims, variances)          Var(q . k) against the dimension d
"""

import matplotlib.pyplot as plt
import numpy as np

from helpers.checks import check_array

__all__ = ["plot_attention", "plot_attention_heads", "plot_score_variance"]


def _as_numpy(weights, name, ndim):
    if hasattr(weights, "detach"):
        weights = weights.detach().cpu().numpy()
    check_array(weights, name, ndim=ndim, framework="numpy")
    return weights


def _check_labels(labels, size, name):
    if labels is None:
        return [str(i) for i in range(size)]
    labels = [str(label) for label in labels]
    if len(labels) != size:
        raise ValueError(
            f"{name} must have one label per row or column of the weights, {size}, "
            f"got {len(labels)}"
        )
    return labels


def plot_attention(
    weights,
    queries=None,
    keys=None,
    ax=None,
    title="Attention weights",
    xlabel="key (attended to)",
    ylabel="query (attending)",
    colorbar=True,
):
    """Draw an (L, S) matrix of attention weights: row i is query i's distribution.

    Args:
        weights: (L, S) array or tensor, each row summing to 1 (or 0 if masked out).
        queries: L labels for the rows (default 0..L-1). keys: S labels for the columns.
        ax: draw here (default: a new figure). title, xlabel, ylabel: the axes' text.
        colorbar: add a colour bar for the weight.

    Returns:
        the Axes. Weights are drawn on a fixed scale from 0 to 1, so heat maps side by
        side compare directly.
    """
    weights = _as_numpy(weights, "weights", 2)
    L, S = weights.shape
    queries = _check_labels(queries, L, "queries")
    keys = _check_labels(keys, S, "keys")
    if ax is None:
        _, ax = plt.subplots(figsize=(0.35 * S + 2.2, 0.35 * L + 1.4))
    image = ax.imshow(weights, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(range(S), keys, fontsize=8)
    ax.set_yticks(range(L), queries, fontsize=8)
    ax.grid(False)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="weight")
    return ax


def plot_attention_heads(
    weights,
    queries=None,
    keys=None,
    axes=None,
    title="head",
    xlabel="key",
    ylabel="query",
):
    """The H weight matrices of one layer side by side, one panel per head.

    weights: (H, L, S). queries, keys: labels as in ``plot_attention``. axes: H Axes
    to draw on (default: a new row of panels). Each panel is titled
    ``f"{title} {h}"``. Returns the list of Axes.
    """
    weights = _as_numpy(weights, "weights", 3)
    H = weights.shape[0]
    if axes is None:
        fig, axes = plt.subplots(1, H, figsize=(3.0 * H, 3.0), squeeze=False)
        axes = list(axes[0])
    else:
        axes = list(np.ravel(axes))
        if len(axes) != H:
            raise ValueError(f"axes must hold one Axes per head, {H}, got {len(axes)}")
    for h, ax in enumerate(axes):
        plot_attention(
            weights[h],
            queries,
            keys,
            ax=ax,
            title=f"{title} {h}",
            xlabel=xlabel,
            ylabel=ylabel if h == 0 else " ",
            colorbar=False,
        )
    return axes


def plot_score_variance(dims, variances, scaled_variances=None, ax=None):
    """Var(q . k) of random unit-variance vectors against their dimension d.

    dims: (K,) dimensions; variances: (K,) measured variances of the raw dot products;
    scaled_variances: (K,) of the dot products divided by sqrt(d), if given. Draws the
    line Var = d for reference, on log-log axes. Returns the Axes.
    """
    dims = np.asarray(dims, dtype=float)
    variances = np.asarray(variances, dtype=float)
    check_array(dims, "dims", ndim=1, framework="numpy")
    if variances.shape != dims.shape:
        raise ValueError(
            f"variances must have the shape of dims, {dims.shape}, got "
            f"{variances.shape}"
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.8))
    ax.plot(dims, dims, color="grey", linestyle=":", label="d (theory)")
    ax.plot(dims, variances, marker="o", label=r"$q\cdot k$")
    if scaled_variances is not None:
        ax.plot(
            dims,
            np.asarray(scaled_variances, dtype=float),
            marker="s",
            label=r"$q\cdot k/\sqrt{d}$",
        )
    ax.set_xscale("log", base=2)
    ax.set_yscale("log", base=2)
    ax.set(
        xlabel="dimension d of queries and keys",
        ylabel="variance of the score",
        title="Dot products grow with d; scaling keeps them at 1",
    )
    ax.legend()
    return ax
