"""Bad input to the chapter 5 helpers: convolution arguments beyond those of
tests/test_bad_input.py, and the figures and explorer of helpers.plot.conv and
helpers.widgets.conv. Every error names the argument and says what it must be."""

import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers.numpy_nn import conv  # noqa: E402
from helpers.plot import conv as plot_conv  # noqa: E402
from helpers.widgets import conv as widget_conv  # noqa: E402

X = np.ones((2, 3, 5, 5))
WEIGHT = np.ones((8, 3, 3, 3))
DIGITS = np.zeros((2, 8, 8))

CASES = {
    # the list: kernel larger than the padded input, in 1-D too
    "1-D kernel larger than the padded input": (
        lambda: conv.Conv1d(1, 1, 7, padding=1)(np.ones((1, 1, 4))),
        ValueError,
        r"kernel_size must span at most the padded input length \(4 \+ 2 \* 1 = 6\), "
        r"got a kernel spanning 7",
    ),
    "dilated pooling window larger than the input": (
        lambda: conv.MaxPool2d(2, dilation=4)(np.ones((1, 1, 4, 4))),
        ValueError,
        r"kernel_size must span at most the padded input height .*spanning 5",
    ),
    # mismatched channels, naming both counts, and channels-last images
    "channels-last images": (
        lambda: conv.Conv2d(3, 8, 3)(np.ones((2, 5, 5, 3))),
        ValueError,
        r"x must have 3 channels .*got 5 channels in shape \(2, 5, 5, 3\); channels "
        r"last\? these layers take \(N, C, H, W\): x.transpose\(0, 3, 1, 2\)",
    ),
    "channels-last images, function": (
        lambda: conv.conv2d(np.ones((2, 5, 5, 3)), WEIGHT),
        ValueError,
        r"x must have 3 channels .*channels last\?",
    ),
    "no hint when the last axis is not the channels": (
        lambda: conv.conv2d(np.ones((2, 4, 5, 5)), WEIGHT),
        ValueError,
        r"got 4 channels in shape \(2, 4, 5, 5\)$",
    ),
    "dout with the wrong channels": (
        lambda: conv.conv2d_loops_backward(np.ones((2, 7, 3, 3)), X, WEIGHT),
        ValueError,
        r"dout must have the output's shape \(2, 8, 3, 3\), got shape \(2, 7, 3, 3\)",
    ),
    # non-integer or zero stride, and the other integer arguments
    "stride True": (
        lambda: conv.Conv2d(1, 1, 3, stride=True),
        TypeError,
        r"stride must be a positive integer or a pair of them .*got True",
    ),
    "float stride, pooling": (
        lambda: conv.max_pool2d(X, 2, stride=2.5),
        ValueError,
        r"stride must be a positive integer or a pair of them .*got 2\.5",
    ),
    "float stride, 1-D": (
        lambda: conv.conv1d(np.ones((1, 1, 5)), np.ones((1, 1, 3)), stride=1.5),
        ValueError,
        r"stride must be a positive integer, got 1\.5",
    ),
    "zero stride in a receptive field": (
        lambda: conv.receptive_field([(3, 0, 1)]),
        ValueError,
        r"layers\[0\] stride must be a positive integer, got 0",
    ),
    "zero dilation in a pair": (
        lambda: conv.conv2d(X, WEIGHT, dilation=(1, 0)),
        ValueError,
        r"dilation must be a positive integer or a pair of them .*got \(1, 0\)",
    ),
    "float size": (
        lambda: conv.conv_output_size(5.0, 3),
        ValueError,
        r"size must be a positive integer, got 5\.0",
    ),
    "zero in_channels": (
        lambda: conv.Conv2d(0, 1, 3),
        ValueError,
        r"in_channels must be a positive integer, got 0",
    ),
    "padding by name": (
        lambda: conv.Conv2d(1, 1, 3, padding="same"),
        TypeError,
        r"padding must be a non-negative integer or a pair of them .*got 'same': "
        r"padding='same' .* not supported here; for an odd kernel size k, "
        r"padding=k // 2 keeps the size",
    ),
    # wrong rank
    "pooling input of rank 2": (
        lambda: conv.avg_pool2d(np.ones((4, 4)), 2),
        ValueError,
        r"x must have shape \(N, C, H, W\), got shape \(4, 4\)",
    ),
    "1-D input of rank 2": (
        lambda: conv.conv1d(np.ones((1, 5)), np.ones((1, 1, 3))),
        ValueError,
        r"x must have shape \(N, C, L\), got shape \(1, 5\)",
    ),
    "integer images": (
        lambda: conv.conv2d(np.ones((1, 3, 4, 4), dtype=int), WEIGHT),
        TypeError,
        r"x must hold floating-point numbers, got dtype int64",
    ),
    # the figures
    "filters of rank 2": (
        lambda: plot_conv.plot_filters(np.ones((3, 3))),
        ValueError,
        r"weight must have 3 axes or 4 axes, got shape \(3, 3\)",
    ),
    "filters: a channel the layer lacks": (
        lambda: plot_conv.plot_filters(np.ones((4, 2, 3, 3)), channel=2),
        ValueError,
        r"channel must be below the weight's 2 input channels, got 2",
    ),
    "filters that are not finite": (
        lambda: plot_conv.plot_filters(np.full((2, 1, 3, 3), np.nan)),
        ValueError,
        r"weight must hold finite numbers",
    ),
    "filters as text": (
        lambda: plot_conv.plot_filters("conv1"),
        TypeError,
        r"weight must be an array or tensor of numbers, got str",
    ),
    "feature maps of rank 2": (
        lambda: plot_conv.plot_feature_maps(DIGITS[0], np.ones((4, 4))),
        ValueError,
        r"maps must have 3 axes, got shape \(4, 4\)",
    ),
    "feature maps with too few names": (
        lambda: plot_conv.plot_feature_maps(DIGITS[0], np.ones((3, 4, 4)), names=["a"]),
        ValueError,
        r"names must give one title per map \(3\), got 1",
    ),
    "an image with three channels": (
        lambda: plot_conv.plot_feature_maps(np.ones((3, 8, 8)), np.ones((2, 4, 4))),
        ValueError,
        r"image must have shape \(H, W\) or \(1, H, W\), got shape \(3, 8, 8\)",
    ),
    "misclassified: labels of another length": (
        lambda: plot_conv.plot_misclassified(DIGITS, np.array([1]), np.array([1, 2])),
        ValueError,
        r"labels must have shape \(2,\), one per image, got shape \(1,\)",
    ),
    "misclassified: float predictions": (
        lambda: plot_conv.plot_misclassified(
            DIGITS, np.array([1, 2]), np.array([1.0, 2.0])
        ),
        TypeError,
        r"predicted must be integer class labels",
    ),
    "receptive field of nothing": (
        lambda: plot_conv.receptive_field_intervals([]),
        TypeError,
        r"layers must be a non-empty list of \(kernel_size, stride, dilation\) "
        r"triples, got \[\]",
    ),
    "receptive field of a pair": (
        lambda: plot_conv.plot_receptive_field([(3, 1)]),
        ValueError,
        r"layers\[0\] must be a \(kernel_size, stride, dilation\) triple, got \(3, 1\)",
    ),
    "receptive field with a negative output": (
        lambda: plot_conv.receptive_field_intervals([(3, 1, 1)], output=-1),
        ValueError,
        r"output must be a non-negative integer, got -1",
    ),
    "receptive field with too few names": (
        lambda: plot_conv.plot_receptive_field([(3, 1, 1)], names=["x"]),
        ValueError,
        r"names must give one label per level \(2\), got 1",
    ),
    # the explorer
    "a kernel that is not named": (
        lambda: widget_conv.filter_response(DIGITS, "emboss"),
        ValueError,
        r"unknown kernel 'emboss'; expected one of 'identity', 'vertical edges'",
    ),
    "a 5 x 5 kernel": (
        lambda: widget_conv.filter_response(DIGITS, np.ones((5, 5))),
        ValueError,
        r"kernel must have shape \(3, 3\), got shape \(5, 5\)",
    ),
    "a kernel with nan": (
        lambda: widget_conv.filter_figure(DIGITS, np.full((3, 3), np.nan)),
        ValueError,
        r"kernel must hold finite numbers",
    ),
    "images of rank 2": (
        lambda: widget_conv.filter_response(np.ones((8, 8)), "identity"),
        ValueError,
        r"images must have shape \(N, H, W\) or \(N, 1, H, W\) with N >= 1 and H, "
        r"W >= 3, got shape \(8, 8\)",
    ),
    "images as text": (
        lambda: widget_conv.filter_explorer("digits", web=False),
        TypeError,
        r"images must be an array of numbers",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_explained(case):
    call, kind, message = CASES[case]
    with pytest.raises(kind, match=message) as caught:
        call()
    assert re.match(
        r"(\w[\w\[\]0-9 ]* must (be|have|span|hold|give|not)|unknown \w+ )",
        str(caught.value),
    )
