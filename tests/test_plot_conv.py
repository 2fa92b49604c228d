"""Tests for the chapter 5 figures (helpers.plot.conv) and the filter explorer
(helpers.widgets.conv)."""

import matplotlib

matplotlib.use("Agg")  # no display needed; must come before pyplot is imported

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from helpers.numpy_nn.conv import receptive_field  # noqa: E402
from helpers.plot import (  # noqa: E402
    plot_feature_maps,
    plot_filters,
    plot_misclassified,
    plot_receptive_field,
    receptive_field_intervals,
)
from helpers.widgets import (  # noqa: E402
    KERNELS,
    filter_explorer,
    filter_figure,
    filter_response,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def digits():
    rng = np.random.default_rng(0)
    images = np.zeros((3, 12, 12))
    images[:, 3:9, 5:7] = 1.0  # a vertical bar in each
    return images + 0.01 * rng.random(images.shape)


def test_plot_filters_draws_every_kernel_of_the_chosen_channel():
    weight = torch.randn(6, 2, 5, 5)
    fig = plot_filters(weight, channel=1, ncols=3)
    shown = [ax.images[0].get_array() for ax in fig.axes if ax.images]
    assert len(shown) == 6
    np.testing.assert_allclose(shown[4], weight[4, 1].numpy(), rtol=1e-6)
    limits = fig.axes[0].images[0].get_clim()
    assert limits[0] == pytest.approx(-limits[1])  # centred at zero
    assert len(plot_filters(np.ones((4, 3, 3))).axes) >= 4


def test_plot_feature_maps_shows_the_input_then_each_map(digits):
    maps = np.random.default_rng(1).normal(size=(5, 8, 8))
    fig = plot_feature_maps(digits[0], maps, ncols=3, names=list("abcde"))
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["input", "a", "b", "c", "d", "e"]
    np.testing.assert_allclose(fig.axes[3].images[0].get_array(), maps[2])


def test_plot_misclassified_shows_only_the_mistakes(digits):
    labels = np.array([1, 2, 3])
    fig, wrong = plot_misclassified(digits, labels, np.array([1, 7, 4]))
    assert wrong.tolist() == [1, 2]
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["2 -> 7", "3 -> 4"]
    assert "2 of 3" in fig._suptitle.get_text()
    none, nothing = plot_misclassified(digits[:, None], labels, labels)
    assert none is None and len(nothing) == 0


@pytest.mark.parametrize(
    "layers",
    [
        [(3, 1, 1)],
        [(5, 1, 1), (2, 2, 1), (5, 1, 1), (2, 2, 1)],
        [(3, 2, 1), (3, 1, 2), (2, 3, 1)],
    ],
)
def test_receptive_field_intervals_agree_with_torch_and_receptive_field(layers):
    spans = receptive_field_intervals(layers, output=1)
    first, last = spans[0]
    assert last - first + 1 == receptive_field(layers)
    # torch: which inputs have a non-zero gradient for output 1 of the stack
    x = torch.ones(1, 1, last + 5, requires_grad=True)
    h = x
    for kernel, stride, dilation in layers:
        h = F.conv1d(h, torch.ones(1, 1, kernel), stride=stride, dilation=dilation)
    h[0, 0, 1].backward()
    touched = torch.nonzero(x.grad[0, 0]).flatten()
    assert (touched.min().item(), touched.max().item()) == (first, last)


def test_plot_receptive_field_fills_the_cells_one_output_reads():
    layers = [(3, 1, 1), (2, 2, 1)]
    ax = plot_receptive_field(layers, names=["x", "conv", "pool"])
    filled = [p for p in ax.patches if p.get_facecolor()[:3] != (1.0, 1.0, 1.0)]
    assert len(filled) == 4 + 2 + 1  # 4 inputs, 2 conv outputs, 1 pooled output
    assert "4 input positions" in ax.get_title()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x", "conv", "pool"]


def test_filter_response_is_a_cross_correlation_with_padding_one(digits):
    kernel = np.arange(9.0).reshape(3, 3)
    out = filter_response(digits, kernel)
    expected = F.conv2d(
        torch.tensor(digits)[:, None], torch.tensor(kernel)[None, None], padding=1
    )[:, 0]
    np.testing.assert_allclose(out, expected.numpy(), rtol=1e-12)
    np.testing.assert_allclose(filter_response(digits, "identity"), digits)
    # a vertical-edge kernel answers at the bar's left and right edges, opposite signs
    edges = filter_response(digits, "vertical edges")[0, 5]
    assert edges[4] > 1 and edges[7] < -1 and abs(edges[0]) < 0.1
    assert set(KERNELS) >= {"vertical edges", "horizontal edges", "blur (box)"}


def test_filter_figure_draws_kernel_images_and_responses(digits):
    fig = filter_figure(digits[:2], "sharpen")
    assert fig._suptitle.get_text() == "Filter: sharpen"
    assert len([ax for ax in fig.axes if ax.images]) == 1 + 2 * 2
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), KERNELS["sharpen"])
    assert "your kernel" in filter_figure(digits[:1], np.eye(3))._suptitle.get_text()


def test_filter_explorer_redraws_and_carries_a_version_drawn_in_advance(digits):
    box = filter_explorer(digits[:2], kernel="blur (box)")
    menu, rows = box.children[0], box.children[1:4]
    sliders = [s for row in rows for s in row.children]
    assert menu.value == "blur (box)" and len(sliders) == 9
    first = box.figure
    menu.value = "vertical edges"
    assert [s.value for s in sliders] == KERNELS["vertical edges"].ravel().tolist()
    assert box.figure is not first
    sliders[4].value = 3.0  # editing an entry makes the kernel custom
    assert menu.value == "custom"
    assert box.figure.axes[0].images[0].get_array()[1, 1] == pytest.approx(3.0)
    static = box.static
    assert len(static.frames) == len(KERNELS)
    assert "Filter explorer" in static.to_html()
    assert filter_explorer(digits[:1], web=False).static is None
