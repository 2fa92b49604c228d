"""The optimiser race (Chapter 4): optimisers from ``helpers.numpy_nn.optim`` side by
side on a two-parameter loss surface, with a learning-rate multiplier to see each one
speed up, oscillate or diverge.

    race_paths("valley", lr_scale=1.0)      # {name: (T, 2) path}, each at its own rate
    race_figure("rosenbrock", lr_scale=3.0) # the paths drawn on the contours
    optimiser_race()                        # the live explorer (ipywidgets)
"""

import math
from collections import namedtuple

import matplotlib.pyplot as plt
import numpy as np

from helpers.checks import check_choice, check_positive
from helpers.numpy_nn import optim
from helpers.plot.optim import plot_optimiser_paths

__all__ = ["SURFACES", "OPTIMISERS", "race_paths", "race_figure", "optimiser_race"]

Surface = namedtuple(
    "Surface", ["f", "grad", "start", "xlim", "ylim", "minimum", "steps"]
)
Surface.__doc__ = """A two-parameter test loss: f(w1, w2) on arrays, grad(w: (2,)) ->
(2,), where to start, the window to draw, the minimum and the number of steps each
optimiser takes."""

CURVATURES = (1.0, 25.0)


def _valley(w1, w2):
    return 0.5 * (CURVATURES[0] * w1**2 + CURVATURES[1] * w2**2)


def _valley_grad(w):
    return np.array([CURVATURES[0] * w[0], CURVATURES[1] * w[1]])


def _rosenbrock(w1, w2):
    return (1 - w1) ** 2 + 100 * (w2 - w1**2) ** 2


def _rosenbrock_grad(w):
    return np.array(
        [-2 * (1 - w[0]) - 400 * w[0] * (w[1] - w[0] ** 2), 200 * (w[1] - w[0] ** 2)]
    )


SURFACES = {
    "valley": Surface(
        _valley, _valley_grad, (-9.0, 1.5), (-10.0, 2.0), (-2.0, 2.0), (0.0, 0.0), 40
    ),
    "rosenbrock": Surface(
        _rosenbrock,
        _rosenbrock_grad,
        (-1.2, 1.0),
        (-1.6, 1.6),
        (-0.6, 1.6),
        (1.0, 1.0),
        600,
    ),
}

# Each optimiser's class, its fixed hyperparameters and its learning rate on each
# surface
# (chosen by hand to be near the fastest stable rate), so lr_scale = 1 is a fair race.
OPTIMISERS = {
    "SGD": (optim.SGD, {}, {"valley": 0.075, "rosenbrock": 1.5e-3}),
    "momentum": (optim.SGD, {"momentum": 0.8}, {"valley": 0.02, "rosenbrock": 5e-4}),
    "Nesterov": (
        optim.SGD,
        {"momentum": 0.8, "nesterov": True},
        {"valley": 0.02, "rosenbrock": 5e-4},
    ),
    "RMSprop": (optim.RMSprop, {}, {"valley": 0.1, "rosenbrock": 0.01}),
    "Adam": (optim.Adam, {}, {"valley": 0.3, "rosenbrock": 0.05}),
}
DIVERGED = 1e3  # a path is stopped once |w| exceeds this


def _check_optimisers(optimisers):
    names = tuple(OPTIMISERS) if optimisers is None else tuple(optimisers)
    if not names:
        raise ValueError(
            f"optimisers must name at least one of {list(OPTIMISERS)}, "
            f"got {optimisers!r}"
        )
    for name in names:
        check_choice(name, "optimisers", tuple(OPTIMISERS))
    return names


def race_paths(surface="valley", lr_scale=1.0, optimisers=None, steps=None):
    """Run each optimiser from the surface's start; return ``{name: (T, 2) array}``.

    Args:
        surface: a key of ``SURFACES`` ("valley", "rosenbrock").
        lr_scale: multiplies every optimiser's learning rate (positive).
        optimisers: names from ``OPTIMISERS`` (default: all).
        steps: steps per optimiser (default: the surface's).

    A path that leaves the region ``|w| < 1000`` is cut there (that optimiser diverged).
    """
    check_choice(surface, "surface", tuple(SURFACES))
    lr_scale = check_positive(lr_scale, "lr_scale")
    names = _check_optimisers(optimisers)
    spec = SURFACES[surface]
    steps = (
        spec.steps if steps is None else check_positive(steps, "steps", integer=True)
    )
    paths = {}
    for name in names:
        cls, kwargs, rates = OPTIMISERS[name]
        params = {"w": np.array(spec.start, dtype=float)}
        optimizer = cls(params, lr=rates[surface] * lr_scale, **kwargs)
        path = [params["w"].copy()]
        for _ in range(steps):
            optimizer.step({"w": spec.grad(params["w"])})
            if not np.all(np.abs(params["w"]) < DIVERGED):
                break
            path.append(params["w"].copy())
        paths[name] = np.array(path)
    return paths


def race_figure(surface="valley", lr_scale=1.0, optimisers=None, ax=None, title=None):
    """Draw ``race_paths(surface, lr_scale, optimisers)`` on the surface's contours.

    Each legend entry gives the optimiser's learning rate and its final loss
    ("diverged" if it left the region). Returns the Axes.
    """
    paths = race_paths(surface, lr_scale, optimisers)
    spec = SURFACES[surface]
    labelled = {}
    for name, path in paths.items():
        lr = OPTIMISERS[name][2][surface] * lr_scale
        finished = len(path) == spec.steps + 1
        result = f"loss {spec.f(*path[-1]):.2g}" if finished else "diverged"
        labelled[f"{name}, lr {lr:.2g}: {result}"] = path
    if title is None:
        title = f"{surface}: {spec.steps} steps, learning rates x {lr_scale:g}"
    return plot_optimiser_paths(
        spec.f, labelled, spec.xlim, spec.ylim, ax=ax, minimum=spec.minimum, title=title
    )


WEB_LR_SCALES = (0.1, 0.3, 1.0, 3.0)


def _race_frame(surface, lr_scale, optimisers):
    """One figure of the race, for the explorer drawn in advance."""
    fig, ax = plt.subplots(figsize=(7, 4.6))
    race_figure(surface, lr_scale, list(optimisers), ax=ax)
    return fig


def _race_static(surface, lr_scale, chosen, web_lr_scales):
    """The race drawn in advance for a page without a kernel: surface x lr factor."""
    from helpers.widgets.static import Fixed, Menu, Slider, precompute

    scales = sorted({check_positive(v, "web_lr_scales") for v in web_lr_scales})
    names = [name for name in OPTIMISERS if name in chosen] or ["SGD"]
    return precompute(
        _race_frame,
        [
            Menu("surface", list(SURFACES), label="surface", start=surface),
            Slider(
                "lr_scale",
                scales,
                label="lr x",
                start=min(scales, key=lambda v: abs(math.log(v / lr_scale))),
                log=True,
            ),
            Fixed("optimisers", tuple(names), label="optimisers", fmt="{}"),
        ],
        alt="The paths of several optimisers across the contours of a loss surface, "
        "with each one's learning rate and final loss in the legend.",
    )


def optimiser_race(
    surface="valley",
    lr_scale=1.0,
    optimisers=None,
    web_lr_scales=WEB_LR_SCALES,
    web=True,
):
    """The explorer: pick the surface, the optimisers and a learning-rate factor.

    Live in JupyterLab and Colab; for a page without a kernel (the web book) the race
    is also drawn in advance for both surfaces at each factor in ``web_lr_scales``,
    with the optimisers ticked here fixed (greyed out: run the notebook to change
    them). ``web=False`` draws nothing in advance (the live explorer alone).

    Returns an ``ExplorerBox`` (an ``ipywidgets.VBox``); a notebook shows it when it is
    a cell's last expression.
    """
    import ipywidgets as widgets
    from IPython.display import display

    from helpers.widgets.static import ExplorerBox

    check_choice(surface, "surface", tuple(SURFACES))
    lr_scale = check_positive(lr_scale, "lr_scale")
    chosen = set(_check_optimisers(optimisers))
    static = _race_static(surface, lr_scale, chosen, web_lr_scales) if web else None
    surface_menu = widgets.Dropdown(
        options=list(SURFACES), value=surface, description="surface"
    )
    scale_slider = widgets.FloatLogSlider(
        value=lr_scale,
        base=10,
        min=-1.5,
        max=1,
        step=0.125,
        description="lr x",
        continuous_update=False,
    )
    ticks = {
        name: widgets.Checkbox(value=name in chosen, description=name, indent=False)
        for name in OPTIMISERS
    }
    output = widgets.Output()
    box = ExplorerBox(
        [
            widgets.HBox([surface_menu, scale_slider]),
            widgets.HBox(list(ticks.values())),
            output,
        ],
        static=static,
    )

    def redraw(change=None):
        names = [name for name, tick in ticks.items() if tick.value] or ["SGD"]
        with output:
            output.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(7, 4.6))
            race_figure(surface_menu.value, scale_slider.value, names, ax=ax)
            display(fig)
            plt.close(fig)
        box.figure = fig

    for control in [surface_menu, scale_slider, *ticks.values()]:
        control.observe(redraw, names="value")
    box.redraw = redraw
    redraw()
    return box
