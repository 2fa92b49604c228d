"""Tests for the chapter 4 figures (helpers.plot.optim) and the optimiser race
(helpers.widgets.optim)."""

import matplotlib

matplotlib.use("Agg")  # no display needed; must come before pyplot is imported

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402

from helpers.numpy_nn import optim  # noqa: E402
from helpers.plot import (  # noqa: E402
    plot_layer_histograms,
    plot_optimiser_paths,
    plot_update_ratios,
)
from helpers.widgets import (  # noqa: E402
    SURFACES,
    optimiser_race,
    race_figure,
    race_paths,
)
from helpers.widgets.optim import OPTIMISERS  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def bowl(w1, w2):
    return w1**2 + 3 * w2**2


def test_paths_are_drawn_over_contours():
    paths = {
        "a": np.array([[1.0, 1.0], [0.5, 0.4], [0.1, 0.0]]),
        "b": np.array([[1.0, 1.0], [0.0, 0.0]]),
    }
    ax = plot_optimiser_paths(
        bowl, paths, (-2, 2), (-2, 2), minimum=(0, 0), title="bowl"
    )
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[:2] == ["a", "b"]
    assert np.allclose(ax.get_lines()[0].get_xydata(), paths["a"])
    assert any(isinstance(c, ContourSet) for c in ax.collections) or ax.collections
    assert ax.get_title() == "bowl" and ax.get_xlim() == (-2.0, 2.0)
    assert ax.get_legend() is not None


@pytest.mark.parametrize(
    "paths, error",
    [
        ({}, TypeError),
        ([[0, 0]], TypeError),
        ({"a": np.zeros((3, 3))}, ValueError),
        ({"a": np.zeros(4)}, ValueError),
    ],
)
def test_bad_paths_are_refused(paths, error):
    with pytest.raises(error, match="paths"):
        plot_optimiser_paths(bowl, paths, (-1, 1), (-1, 1))


def test_bad_limits_and_function_are_refused():
    path = {"a": np.zeros((2, 2))}
    with pytest.raises(ValueError, match="xlim must be a pair"):
        plot_optimiser_paths(bowl, path, (1, -1), (-1, 1))
    with pytest.raises(ValueError, match="ylim must be a pair"):
        plot_optimiser_paths(bowl, path, (-1, 1), (0,))
    with pytest.raises(TypeError, match="f must be a function"):
        plot_optimiser_paths("bowl", path, (-1, 1), (-1, 1))


def test_layer_histograms_one_outline_per_layer():
    rng = np.random.default_rng(0)
    values = [rng.normal(scale=s, size=500) for s in (1.0, 0.5, 0.25)]
    ax = plot_layer_histograms(
        values, bins=np.linspace(-3, 3, 31), xlabel="value", title="t"
    )
    assert len(ax.patches) == 3
    assert [text.get_text() for text in ax.get_legend().get_texts()] == [
        "layer 1",
        "layer 2",
        "layer 3",
    ]
    with pytest.raises(TypeError, match="values_by_layer"):
        plot_layer_histograms([])


def test_update_ratios_log_scale_and_reference():
    ratios = np.full((10, 4), 1e-3) * np.arange(1, 5)
    ax = plot_update_ratios(ratios, title="t")
    assert (
        ax.get_yscale() == "log" and len(ax.get_lines()) == 5
    )  # four layers and the reference line
    assert np.allclose(ax.get_lines()[3].get_ydata(), 4e-3)
    with pytest.raises(ValueError, match="ratios must have shape"):
        plot_update_ratios(np.ones(5))


def test_race_paths_follow_the_helpers_optimisers():
    paths = race_paths("valley")
    assert set(paths) == set(OPTIMISERS)
    steps = SURFACES["valley"].steps
    assert all(len(path) == steps + 1 for path in paths.values())
    assert np.allclose(paths["SGD"][0], SURFACES["valley"].start)
    params = {"w": np.array(SURFACES["valley"].start)}
    adam = optim.Adam(params, lr=OPTIMISERS["Adam"][2]["valley"])
    for _ in range(steps):
        adam.step({"w": SURFACES["valley"].grad(params["w"])})
    assert np.allclose(paths["Adam"][-1], params["w"])
    final = {name: SURFACES["valley"].f(*path[-1]) for name, path in paths.items()}
    assert final["momentum"] < final["SGD"]


def test_race_paths_are_cut_where_they_diverge():
    paths = race_paths("valley", lr_scale=3.0)
    steps = SURFACES["valley"].steps
    assert len(paths["SGD"]) < steps + 1 and len(paths["Adam"]) == steps + 1
    assert np.all(np.abs(paths["SGD"]) < 1e3)
    ax = race_figure("valley", lr_scale=3.0)
    assert any("diverged" in text.get_text() for text in ax.get_legend().get_texts())


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"surface": "bowl"}, "surface"),
        ({"lr_scale": -1.0}, "lr_scale"),
        ({"optimisers": ["SGD", "LBFGS"]}, "optimisers"),
        ({"optimisers": []}, "optimisers"),
        ({"steps": 0}, "steps"),
    ],
)
def test_race_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        race_paths(**kwargs)


def test_race_explorer_builds_its_controls():
    box = optimiser_race(surface="rosenbrock", lr_scale=0.5, optimisers=["Adam"])
    controls, ticks, _ = box.children
    surface, scale = controls.children
    assert surface.value == "rosenbrock" and scale.value == pytest.approx(0.5)
    assert [t.value for t in ticks.children] == [name == "Adam" for name in OPTIMISERS]


def test_race_explorer_redraws_when_a_control_moves():
    box = optimiser_race()
    first = box.figure
    box.children[0].children[1].value = 3.0  # the learning-rate factor
    assert box.figure is not first
    titles = [ax.get_title() for ax in box.figure.axes]
    assert any("x 3" in title for title in titles)


def test_race_explorer_carries_a_version_drawn_in_advance():
    box = optimiser_race(optimisers=["SGD", "Adam"], web_lr_scales=(0.3, 1.0))
    static = box.static
    assert static is not None
    # both surfaces at both learning-rate factors
    assert len(static.frames) == 2 * 2
    html = static.to_html()
    assert "run this notebook to explore" in html
    assert optimiser_race(web=False).static is None


def test_race_explorer_refuses_bad_web_factors():
    with pytest.raises(ValueError, match="web_lr_scales"):
        optimiser_race(web_lr_scales=(0.3, -1.0))
