"""helpers.plot.scaling and helpers.widgets.scaling: the right numbers are drawn."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers.plot.scaling import plot_memory_breakdown, plot_power_law  # noqa: E402
from helpers.scale import fit_power_law, parameter_count  # noqa: E402
from helpers.widgets.scaling import (  # noqa: E402
    MODELS,
    scaling_explorer,
    scaling_figure,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_power_law_plot_draws_points_fit_and_references():
    n = np.array([1e3, 1e4, 1e5])
    loss = 3 * n**-0.1
    ax = plot_power_law(n, loss, fit_power_law(n, loss), {"Kaplan": 0.076})
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert len(ax.get_lines()) == 3
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), loss)


def test_memory_bars_stack_to_the_total():
    ax = plot_memory_breakdown({"a": {"weights": 2**30, "optimizer": 3 * 2**30}})
    widths = [p.get_width() for p in ax.patches]
    assert widths == [1.0, 3.0]
    with pytest.raises(TypeError, match="rows must be a non-empty dict"):
        plot_memory_breakdown({})


def test_scaling_figure_shows_sixteen_bytes_per_parameter():
    fig = scaling_figure("GPT-2 small", 1024, 8)
    left = fig.axes[0]
    n = parameter_count(MODELS["GPT-2 small"])
    training = [p.get_width() for p in left.patches if p.get_y() < 0.5][:3]
    assert np.isclose(sum(training) * 2**30, 16 * n)
    with pytest.raises(ValueError, match="unknown model"):
        scaling_figure("GPT-5")
    with pytest.raises(ValueError, match="batch must be a positive integer"):
        scaling_figure("GPT-2 small", 1024, 0)


def test_live_explorer_redraws():
    box = scaling_explorer(web=False)
    first = box.figure
    box.redraw()
    assert box.figure is not first and len(box.figure.axes) == 2
