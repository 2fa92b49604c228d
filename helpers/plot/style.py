"""The book's look: the colour palette, matplotlib settings and small axis helpers.

The colours are the Okabe-Ito palette, which stays distinguishable for readers
with the common forms of colour blindness and in greyscale print.
"""

import matplotlib as mpl
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
from cycler import cycler

from helpers.checks import check_positive

# Okabe & Ito (2008), "Color Universal Design". Yellow is left out of the cycle
# because it is hard to see on white.
PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
}
COLORS = [
    PALETTE[name]
    for name in ("blue", "orange", "green", "vermillion", "purple", "sky", "black")
]


def use_book_style():
    """Set the book's matplotlib look: palette, light grid, no top/right spines, readable fonts.

    Call it once after the imports of a notebook; it changes ``matplotlib.rcParams``
    for the rest of the session. Returns nothing.
    """
    mpl.rcParams.update(
        {
            "axes.prop_cycle": cycler(color=COLORS),
            "figure.figsize": (6.4, 4.0),
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "savefig.bbox": "tight",
            "figure.constrained_layout.use": True,
            "font.size": 10,
            "axes.titlesize": 11,
            "axes.titleweight": "bold",
            "axes.labelsize": 10,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "grid.linewidth": 0.6,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
            "legend.fontsize": 9,
            "lines.linewidth": 1.8,
            "image.cmap": "viridis",
        }
    )


def _new_ax(ax, figsize=None):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    elif not isinstance(ax, mpl.axes.Axes):
        raise TypeError(
            f"ax must be a matplotlib Axes or None, got {type(ax).__name__}"
        )
    return ax


class _PlainLogFormatter(mticker.Formatter):
    """Tick labels for log axes written as plain numbers (0.3, 2, 10000; 1e+07 only when huge).

    Major ticks (powers of ten) are always labelled. Minor ticks are labelled only when
    the axis spans few decades: all of them up to one decade, the 2s and 5s up to two
    and a half, none beyond (they would crowd).
    """

    def __init__(self, minor=False):
        self.minor = minor

    def __call__(self, value, pos=None):
        if not np.isfinite(value) or value <= 0:
            return ""
        if self.minor:
            low, high = sorted(self.axis.get_view_interval())
            decades = np.log10(high / low) if low > 0 else np.inf
            leading = round(value / 10 ** np.floor(np.log10(value) + 1e-9))
            if decades > 2.5 or (decades > 1 and leading not in (2, 5)):
                return ""
        return f"{value:.6g}"


def set_log_scale(ax, axis="y"):
    """Switch an axis of ``ax`` (``"x"`` or ``"y"``) to a log scale labelled with plain numbers."""
    if axis not in ("x", "y"):
        raise ValueError(f"axis must be 'x' or 'y', got {axis!r}")
    target = ax.yaxis if axis == "y" else ax.xaxis
    (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
    target.set_major_formatter(_PlainLogFormatter())
    target.set_minor_formatter(_PlainLogFormatter(minor=True))


def integer_ticks(axis):
    """Put ticks of an ``Axis`` (e.g. ``ax.xaxis``) at round integers: 0, 5, 10, ... for epochs."""
    axis.set_major_locator(mticker.MaxNLocator(integer=True, steps=[1, 2, 5, 10]))


def class_colors(num_classes):
    """One colour per class: the book's palette for up to six classes, ``tab10``/``tab20`` beyond."""
    num_classes = check_positive(num_classes, "num_classes", integer=True)
    if num_classes <= 6:
        return COLORS[:num_classes]
    cmap = plt.get_cmap("tab10" if num_classes <= 10 else "tab20")
    return [mpl.colors.to_hex(cmap(k % cmap.N)) for k in range(num_classes)]


def _to_numpy(values):
    """A NumPy array from an array, a list or a (possibly GPU, possibly grad-tracking) tensor."""
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    return np.asarray(values)


def check_figure(fig_or_ax):
    """Assert that every axes with content has a title and labelled x and y axes.

    The book's rule for figures, as a check a notebook or a test can call. Returns the figure.
    """
    fig = fig_or_ax.figure if isinstance(fig_or_ax, mpl.axes.Axes) else fig_or_ax
    if not isinstance(fig, mpl.figure.Figure):
        raise TypeError(
            f"expected a matplotlib Figure or Axes, got {type(fig_or_ax).__name__}"
        )
    for ax in fig.axes:
        if not ax.has_data() or not ax.get_visible() or ax.get_label() == "<colorbar>":
            continue
        missing = [
            what
            for what, text in (
                ("title", ax.get_title()),
                ("x label", ax.get_xlabel()),
                ("y label", ax.get_ylabel()),
            )
            if not text
        ]
        if missing:
            raise AssertionError(f"an axes of the figure has no {', '.join(missing)}")
    return fig


def _view_range(centre, points, given, margin=0.15):
    """(lo, hi) around ``centre`` covering ``points`` unless ``given`` is set."""
    if given is not None:
        lo, hi = (float(v) for v in given)
        if not lo < hi:
            raise ValueError(
                f"a range must be (low, high) with low < high, got {given!r}"
            )
        return lo, hi
    lo, hi = (
        min(points.min(initial=centre), centre),
        max(points.max(initial=centre), centre),
    )
    pad = max(hi - lo, 1e-3 * max(1.0, abs(centre))) * margin
    return lo - pad, hi + pad
