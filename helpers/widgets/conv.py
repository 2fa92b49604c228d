"""The filter explorer (Chapter 5): pick or set a 3 x 3 kernel, see what it finds in
digits.

    KERNELS                                   # named kernels: edges, blur, sharpen, ...
    filter_response(images, kernel)           # (N, H, W) -> (N, H, W), padding 1
    filter_figure(images, "vertical edges")   # the kernel, the digits, the responses
    filter_explorer(images)                   # the live explorer (ipywidgets)

The response is a cross-correlation, as in every convolution layer: the kernel is laid
on the image without flipping, ``response[i, j] = sum_{a, b} kernel[a, b] *
image[i + a - 1, j + b - 1]``, with zeros outside the image, computed by
``helpers.numpy_nn.conv.conv2d``.
"""

import matplotlib.pyplot as plt
import numpy as np

from helpers.checks import check_choice
from helpers.numpy_nn.conv import conv2d
from helpers.plot.conv import _frame
from helpers.plot.style import _to_numpy

__all__ = ["KERNELS", "filter_response", "filter_figure", "filter_explorer"]

KERNELS = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "vertical edges": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],  # Sobel, d/dx
    "horizontal edges": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],  # Sobel, d/dy
    "diagonal edges": [[0, 1, 2], [-1, 0, 1], [-2, -1, 0]],
    "outline (Laplacian)": [[0, -1, 0], [-1, 4, -1], [0, -1, 0]],
    "blur (box)": [[1 / 9] * 3] * 3,
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "shift right": [[0, 0, 0], [1, 0, 0], [0, 0, 0]],
}
KERNELS = {name: np.array(kernel, dtype=np.float64) for name, kernel in KERNELS.items()}


def _kernel(kernel):
    """A kernel name from ``KERNELS`` or a (3, 3) array of finite numbers."""
    if isinstance(kernel, str):
        check_choice(kernel, "kernel", tuple(KERNELS))
        return KERNELS[kernel]
    array = _to_numpy(kernel)
    if array.dtype.kind not in "iuf":
        raise TypeError(
            f"kernel must be a name from KERNELS or a (3, 3) array of numbers, "
            f"got {kernel!r}"
        )
    if array.shape != (3, 3):
        raise ValueError(f"kernel must have shape (3, 3), got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError("kernel must hold finite numbers")
    return array.astype(np.float64)


def _images(images):
    array = _to_numpy(images)
    if array.dtype.kind not in "iuf":
        raise TypeError(f"images must be an array of numbers, got {type(images)}")
    if array.ndim == 4 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 3 or len(array) == 0 or min(array.shape[1:]) < 3:
        raise ValueError(
            f"images must have shape (N, H, W) or (N, 1, H, W) with N >= 1 and "
            f"H, W >= 3, got shape {array.shape}"
        )
    if not np.isfinite(array).all():
        raise ValueError("images must hold finite numbers")
    return array.astype(np.float64)


def filter_response(images, kernel):
    """The kernel's response on each image: images (N, H, W) -> (N, H, W).

    ``kernel``: a name from ``KERNELS`` or a (3, 3) array. Zero padding of 1 keeps
    the size; the kernel is not flipped (a cross-correlation, as ``conv2d``).
    """
    images, kernel = _images(images), _kernel(kernel)
    return conv2d(images[:, None], kernel[None, None], padding=1)[:, 0]


def filter_figure(images, kernel="vertical edges", title=None):
    """The kernel (with its numbers), the images and their responses, in one figure.

    Args:
        images: (N, H, W) or (N, 1, H, W), a few digits (N from 1 to 8 reads well).
        kernel: a name from ``KERNELS`` or a (3, 3) array.
        title: the figure's title (default: the kernel's name).

    Returns:
        the ``Figure``: the kernel on the left, the images on the top row and their
        responses below, red positive and blue negative on one shared scale.
    """
    name = kernel if isinstance(kernel, str) else "your kernel"
    images, kernel = _images(images), _kernel(kernel)
    responses = filter_response(images, kernel)
    n = len(images)
    fig = plt.figure(figsize=(2.2 + 1.35 * n, 3.3))
    grid = fig.add_gridspec(2, n + 2, width_ratios=[1.6, 0.2] + [1] * n)
    ax = fig.add_subplot(grid[:, 0])
    bound = np.abs(kernel).max() or 1.0
    ax.imshow(kernel, cmap="RdBu_r", vmin=-bound, vmax=bound)
    for (a, b), value in np.ndenumerate(kernel):
        ax.text(b, a, f"{value:.2g}", ha="center", va="center", fontsize=9)
    ax.set_title("kernel", fontsize=10)
    _frame(ax)
    scale = np.abs(responses).max() or 1.0
    for i in range(n):
        top = fig.add_subplot(grid[0, 2 + i])
        top.imshow(images[i], cmap="gray_r")
        top.set_title(f"digit {i + 1}", fontsize=8)
        bottom = fig.add_subplot(grid[1, 2 + i])
        bottom.imshow(responses[i], cmap="RdBu_r", vmin=-scale, vmax=scale)
        bottom.set_title("response", fontsize=8)
        for ax in (top, bottom):
            _frame(ax)
    fig.suptitle(title or f"Filter: {name}", fontweight="bold")
    return fig


def _filter_static(images, kernel):
    from helpers.widgets.static import Menu, precompute

    start = kernel if isinstance(kernel, str) else None
    return precompute(
        lambda kernel: filter_figure(images, kernel),
        [Menu("kernel", {name: name for name in KERNELS}, label="kernel", start=start)],
        alt="A 3 x 3 kernel with its nine numbers, a row of handwritten digits and "
        "below each digit the kernel's response, red where it is positive and blue "
        "where it is negative.",
        title="Filter explorer",
        note="Run this notebook to set the nine entries with sliders.",
    )


def filter_explorer(images, kernel="vertical edges", web=True):
    """The explorer: a menu of named kernels and nine sliders for the entries.

    Choosing a name sets the sliders to that kernel; moving a slider redraws with the
    edited kernel. Live in JupyterLab and Colab; for the web book every named kernel
    is also drawn in advance (``web=False``: the live explorer alone).

    Returns an ``ExplorerBox`` (an ``ipywidgets.VBox``); ``box.redraw()`` redraws and
    ``box.figure`` is the last figure drawn.
    """
    import ipywidgets as widgets
    from IPython.display import display

    from helpers.widgets.static import ExplorerBox

    images = _images(images)
    start = _kernel(kernel)
    static = _filter_static(images, kernel) if web else None
    menu = widgets.Dropdown(
        options=list(KERNELS) + ["custom"],
        value=kernel if isinstance(kernel, str) else "custom",
        description="kernel",
    )
    sliders = [
        widgets.FloatSlider(
            value=float(start[a, b]),
            min=-5,
            max=5,
            step=0.1,
            description=f"[{a},{b}]",
            continuous_update=False,
            layout=widgets.Layout(width="230px"),
        )
        for a in range(3)
        for b in range(3)
    ]
    output = widgets.Output()
    rows = [widgets.HBox(sliders[3 * a : 3 * a + 3]) for a in range(3)]
    box = ExplorerBox([menu, *rows, output], static=static)
    setting = {"from_menu": False}

    def current_kernel():
        return np.array([s.value for s in sliders]).reshape(3, 3)

    def redraw(change=None):
        if setting["from_menu"]:
            return
        with output:
            output.clear_output(wait=True)
            chosen = menu.value if menu.value != "custom" else current_kernel()
            fig = filter_figure(images, chosen)
            display(fig)
            plt.close(fig)
        box.figure = fig

    def on_menu(change):
        if menu.value == "custom":
            return
        setting["from_menu"] = True
        for slider, value in zip(sliders, KERNELS[menu.value].ravel()):
            slider.value = float(value)
        setting["from_menu"] = False
        redraw()

    def on_slider(change):
        if setting["from_menu"]:
            return
        if menu.value != "custom" and not np.allclose(
            current_kernel(), KERNELS[menu.value], atol=0.05
        ):
            setting["from_menu"] = True
            menu.value = "custom"
            setting["from_menu"] = False
        redraw()

    menu.observe(on_menu, names="value")
    for slider in sliders:
        slider.observe(on_slider, names="value")
    box.redraw = redraw
    redraw()
    return box
