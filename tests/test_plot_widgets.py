"""Tests for helpers.plot and helpers.widgets: the right artists, clear errors, a working explorer."""

import matplotlib

matplotlib.use("Agg")  # no display needed; must come before pyplot is imported

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402

from helpers.numpy_nn.linear_regression import (
    LinearRegression,
    fit_closed_form,  # noqa: E402
    gradient_descent,
    minibatch_sgd,
)
from helpers.plot import (
    COLORS,
    PALETTE,
    check_figure,
    path_of,  # noqa: E402
    plot_curves,
    plot_history,
    plot_loss_contours,
    plot_regression_fit,
    set_log_scale,
    use_book_style,
)
from helpers.plot.style import _PlainLogFormatter  # noqa: E402
from helpers.train import History  # noqa: E402
from helpers.widgets import learning_rate_explorer, learning_rate_figure, train_from  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def data():
    """One-feature data, X: (60, 1), y: (60,), from y = 1.5 x - 0.5 + noise."""
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(60, 1))
    y = 1.5 * X[:, 0] - 0.5 + 0.3 * rng.standard_normal(60)
    return X, y


def zero_model():
    model = LinearRegression(1)
    model.load_state_dict({"weight": np.zeros((1, 1)), "bias": np.zeros(1)})
    return model


@pytest.fixture(scope="module")
def gd_history(data):
    X, y = data
    return gradient_descent(zero_model(), X, y, lr=0.2, epochs=15, record_path=True)


def legend_texts(ax):
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


# ------------------------------------------------------------------------------------- style


def test_use_book_style_sets_the_colour_blind_safe_cycle():
    with matplotlib.rc_context():
        use_book_style()
        cycle = [to_hex(c) for c in plt.rcParams["axes.prop_cycle"].by_key()["color"]]
        assert cycle == [to_hex(c) for c in COLORS]
        assert not plt.rcParams["axes.spines.top"] and plt.rcParams["axes.grid"]
    assert PALETTE["yellow"] not in COLORS  # too pale on white for lines


def test_log_axis_labels_are_plain_numbers():
    assert _PlainLogFormatter()(0.3) == "0.3"
    assert _PlainLogFormatter()(10000.0) == "10000"
    assert _PlainLogFormatter()(0.0) == ""
    _, ax = plt.subplots()
    ax.plot([1, 2], [0.2, 6])
    set_log_scale(ax, "y")
    assert ax.get_yscale() == "log"
    with pytest.raises(ValueError, match="axis must be"):
        set_log_scale(ax, "z")


# ----------------------------------------------------------------------------------- history


def test_plot_history_defaults_to_metrics_not_the_path(gd_history):
    ax = plot_history(gd_history, logy=True)
    assert [line.get_label() for line in ax.get_lines()] == ["loss"]
    x, values = ax.get_lines()[0].get_data()
    assert np.array_equal(x, np.arange(16)) and np.allclose(values, gd_history["loss"])
    assert (
        ax.get_yscale() == "log"
        and ax.get_title()
        and ax.get_xlabel()
        and ax.get_ylabel()
    )


def test_plot_history_compares_runs_and_shifts_start(gd_history):
    other = History()
    for value in (3.0, 2.0, 1.5):
        other.log(train_loss=value, val_loss=value + 0.5)
    ax = plot_history({"a": gd_history, "b": gd_history}, keys="loss")
    assert legend_texts(ax) == ["a", "b"]
    ax = plot_history(other, start=1, labels={"val_loss": "test loss"})
    assert legend_texts(ax) == ["train_loss", "test loss"]
    assert np.array_equal(ax.get_lines()[0].get_xdata(), [1, 2, 3])


def test_plot_history_errors(gd_history):
    with pytest.raises(KeyError, match="no metric 'accuracy'"):
        plot_history(gd_history, keys="accuracy")
    with pytest.raises(ValueError, match="at least one run"):
        plot_history({})
    with pytest.raises(TypeError, match="History"):
        plot_history([1.0, 2.0])
    with pytest.raises(TypeError, match="Axes"):
        plot_history(gd_history, ax="left")
    path_only = History()
    path_only.log(bias=0.0, weight_0=0.0)
    with pytest.raises(ValueError, match="nothing to plot"):
        plot_history(path_only)


def test_plot_curves():
    ax = plot_curves(
        {"a": ([1, 2, 3], [3, 2, 1]), "b": ([1, 2], [1, 1])},
        logx=True,
        logy=True,
        xlabel="examples",
        ylabel="loss",
        title="t",
        styles={"b": {"linestyle": "--"}},
    )
    assert (
        len(ax.get_lines()) == 2
        and ax.get_xscale() == "log"
        and legend_texts(ax) == ["a", "b"]
    )
    assert ax.get_lines()[1].get_linestyle() == "--"
    with pytest.raises(ValueError, match="equal length"):
        plot_curves({"a": ([1, 2, 3], [1, 2])})
    with pytest.raises(TypeError, match="non-empty dict"):
        plot_curves([([1], [1])])


# ---------------------------------------------------------------------------- regression fit


def test_plot_regression_fit_accepts_models_estimators_and_predictions(data):
    from sklearn.linear_model import LinearRegression as SklearnLinearRegression

    X, y = data
    model = fit_closed_form(X, y)
    ax = plot_regression_fit(
        X,
        y,
        model,
        SklearnLinearRegression().fit(X, y),
        model(X),
        labels=["mine", "sklearn", "given"],
    )
    assert len(ax.collections) == 1 and len(ax.get_lines()) == 3
    assert legend_texts(ax) == ["data", "mine", "sklearn", "given"]
    # all three draw the same line
    for line in ax.get_lines():
        xs, ys = line.get_data()
        assert np.allclose(ys, model(np.asarray(xs)[:, None]))
    check_figure(ax)


def test_plot_regression_fit_errors(data):
    X, y = data
    with pytest.raises(ValueError, match="one label per fit"):
        plot_regression_fit(X, y, fit_closed_form(X, y), labels=["a", "b"])
    with pytest.raises(ValueError, match=r"shape \(N, 1\)"):
        plot_regression_fit(np.hstack([X, X]), y)
    with pytest.raises(ValueError, match="one per example"):
        plot_regression_fit(X, y, np.zeros(3))
    with pytest.raises(ValueError, match=r"x.reshape\(-1, 1\)"):
        plot_regression_fit(X[:, 0], y)


# ---------------------------------------------------------------------------- loss contours


def test_plot_loss_contours_draws_surface_paths_and_optimum(data, gd_history):
    X, y = data
    ax = plot_loss_contours(X, y, paths={"GD": gd_history})
    assert (
        sum(isinstance(c, ContourSet) for c in ax.get_children()) == 2
    )  # filled and lines
    labelled = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert [line.get_label() for line in labelled] == ["GD", "least squares"]
    w, b = path_of(gd_history)
    assert np.allclose(labelled[0].get_xdata(), w) and np.allclose(
        labelled[0].get_ydata(), b
    )
    best = fit_closed_form(X, y)
    (w_lo, w_hi), (b_lo, b_hi) = ax.get_xlim(), ax.get_ylim()
    assert w_lo < best.weight[0, 0] < w_hi and b_lo < best.bias[0] < b_hi
    assert w_lo <= 0 and b_lo <= 0  # the start (0, 0) is in view
    check_figure(ax)


def test_plot_loss_contours_cuts_a_diverging_path(data):
    X, y = data
    history, diverged = train_from(X, y, lr=1.5, epochs=40)
    assert diverged
    ax = plot_loss_contours(X, y, paths=history)  # a single History works too
    line = next(line for line in ax.get_lines() if line.get_label() == "path")
    assert 2 <= len(line.get_xdata()) < len(history["weight_0"])
    assert (
        np.ptp(ax.get_xlim()) < 20
    )  # the frame is not blown up by the far-away points


def test_plot_loss_contours_errors(data):
    X, y = data
    no_path = minibatch_sgd(zero_model(), X, y, lr=0.1, epochs=2, batch_size=10)
    with pytest.raises(ValueError, match="record_path=True"):
        plot_loss_contours(X, y, paths={"SGD": no_path})
    with pytest.raises(ValueError, match="one-feature"):
        plot_loss_contours(np.hstack([X, X]), y)
    with pytest.raises(ValueError, match="low < high"):
        plot_loss_contours(X, y, weights=(1.0, -1.0))
    with pytest.raises(ValueError, match="levels"):
        plot_loss_contours(X, y, levels=0)


def test_check_figure_requires_titles_and_labels():
    _, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    with pytest.raises(AssertionError, match="title, x label, y label"):
        check_figure(ax)
    ax.set(title="t", xlabel="x", ylabel="y")
    assert check_figure(ax.figure) is ax.figure
    with pytest.raises(TypeError):
        check_figure("figure")


# ---------------------------------------------------------------------------------- widgets


def test_train_from_reports_divergence_instead_of_raising(data):
    X, y = data
    history, diverged = train_from(X, y, lr=0.1, epochs=5, start=(1.0, -1.0))
    assert not diverged and len(history["loss"]) == 6
    assert (history["weight_0"][0], history["bias"][0]) == (
        1.0,
        -1.0,
    )  # the path begins at the start
    assert len(history["weight_0"]) == 6  # ... and logs every step after it
    history, diverged = train_from(X, y, lr=2.0, epochs=100)
    assert diverged and 1 < len(history["loss"]) < 101
    history, diverged = train_from(X, y, lr=0.05, epochs=2, batch_size=6)
    assert not diverged and len(history["batch_loss"]) == 20


def test_train_from_errors(data):
    X, y = data
    with pytest.raises(ValueError, match="pair"):
        train_from(X, y, lr=0.1, epochs=1, start=1.0)
    with pytest.raises(ValueError, match="finite"):
        train_from(X, y, lr=0.1, epochs=1, start=(np.nan, 0.0))
    with pytest.raises(ValueError, match="one-feature"):
        train_from(np.hstack([X, X]), y, lr=0.1, epochs=1)
    with pytest.raises(ValueError, match="lr must be positive"):
        train_from(X, y, lr=-0.1, epochs=1)


def test_learning_rate_figure_marks_a_diverging_run(data):
    X, y = data
    fig = learning_rate_figure(X, y, lr=[0.01, 0.3, 2.0], epochs=20)
    ax_loss, ax_path = fig.axes
    assert legend_texts(ax_loss) == ["lr = 0.01", "lr = 0.3", "lr = 2 (diverged)"]
    assert ax_loss.get_yscale() == "log"
    assert sum(isinstance(c, ContourSet) for c in ax_path.get_children()) == 2
    check_figure(fig)
    single = learning_rate_figure(X, y, lr=0.1, epochs=3, batch_size=10)
    assert "batch size 10" in single.axes[0].get_title()


def test_learning_rate_figure_errors(data):
    X, y = data
    with pytest.raises(ValueError, match="lr must be positive"):
        learning_rate_figure(X, y, lr=[0.1, 0.0])
    with pytest.raises(ValueError, match="non-empty"):
        learning_rate_figure(X, y, lr=[])
    with pytest.raises(ValueError, match="epochs"):
        learning_rate_figure(X, y, lr=0.1, epochs=0)


def test_learning_rate_explorer_builds_and_redraws(data, capsys):
    import ipywidgets as widgets

    X, y = data
    explorer = learning_rate_explorer(X, y, lr=0.1, epochs=10, web=False)
    assert isinstance(explorer, widgets.VBox) and explorer.static is None
    sliders, menus, output = explorer.children
    lr_slider, epoch_slider = sliders.children
    (batch_menu,) = menus.children
    assert isinstance(lr_slider, widgets.FloatLogSlider) and isinstance(
        output, widgets.Output
    )
    assert legend_texts(explorer.figure.axes[0]) == ["lr = 0.1"]
    # the menu starts on the full batch, shown as selected (a saved page draws this state)
    assert batch_menu.index == 0 and batch_menu.label == "full batch"
    assert "full batch" in explorer.figure.axes[0].get_title()

    lr_slider.value = 2.0  # the callback retrains and redraws
    assert legend_texts(explorer.figure.axes[0]) == ["lr = 2 (diverged)"]
    lr_slider.value = 0.3
    epoch_slider.value = 5
    batch_menu.value = 8
    first = explorer.figure
    assert (
        legend_texts(first.axes[0]) == ["lr = 0.3"]
        and "batch size 8" in first.axes[0].get_title()
    )
    assert len(first.axes[0].get_lines()[0].get_xdata()) == 6
    batch_menu.label = "full batch"
    assert "full batch" in explorer.figure.axes[0].get_title()
    capsys.readouterr()  # outside a notebook, the figure is "displayed" as text


def test_learning_rate_explorer_is_drawn_in_advance_for_the_web(data):
    from helpers.widgets.static import Fixed, Menu, Slider

    X, y = data
    explorer = learning_rate_explorer(
        X,
        y,
        lr=0.1,
        epochs=10,
        lr_range=(0.01, 2.0),
        web_lrs=(0.01, 2.0),
        web_batch_sizes=(None, 8),
    )
    static = explorer.static
    lr, epochs, batch = static.controls
    assert isinstance(lr, Slider) and lr.values == (
        0.01,
        0.1,
        2.0,
    )  # the start is added
    assert isinstance(epochs, Fixed) and epochs.value == 10 and epochs.span == (1, 200)
    assert isinstance(batch, Menu) and batch.options == {"full batch": None, "8": 8}
    assert batch.unavailable == ("32", "1")  # offered live, greyed out on the page
    assert len(static.frames) == 6 and len(static.images) == 6
    assert static.start() == (1, 0)
    assert static.values_at((2, 1)) == {"lr": "2", "epochs": "10", "batch_size": "8"}
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert (
        "text/html" in bundle
        and "1 (run this notebook to explore)" in bundle["text/html"]
    )
    one_batch = learning_rate_explorer(
        X, y, lr=0.1, epochs=10, web_lrs=(0.01,), web_batch_sizes=(8,)
    ).static
    assert (
        isinstance(one_batch.controls[2], Fixed) and one_batch.controls[2].text() == "8"
    )
    assert len(one_batch.frames) == 2


def test_learning_rate_explorer_web_errors(data):
    X, y = data
    with pytest.raises(ValueError, match=r"web_lrs must lie in lr_range=\(0.01, 1\)"):
        learning_rate_explorer(X, y, lr=0.1, lr_range=(0.01, 1.0), web_lrs=(0.5, 3.0))
    with pytest.raises(ValueError, match="web_lrs must be positive"):
        learning_rate_explorer(X, y, lr=0.1, web_lrs=(-0.5,))
    with pytest.raises(ValueError, match="web_batch_sizes must be some of batch_sizes"):
        learning_rate_explorer(X, y, lr=0.1, web_batch_sizes=(None, 5))
    with pytest.raises(TypeError, match="web_batch_sizes must be a list"):
        learning_rate_explorer(X, y, lr=0.1, web_batch_sizes=8)


def test_learning_rate_explorer_errors(data):
    X, y = data
    with pytest.raises(ValueError, match="lr_range"):
        learning_rate_explorer(X, y, lr=5.0, lr_range=(0.01, 1.0))
    with pytest.raises(ValueError, match="lr_range"):
        learning_rate_explorer(X, y, lr_range=(0.0, 1.0))
    with pytest.raises(ValueError, match="batch size"):
        learning_rate_explorer(X, y, batch_sizes=(None, 0))


# --------------------------------------------------------------- classification (Chapter 2)

import math  # noqa: E402

import torch  # noqa: E402

from helpers.numpy_nn.activations import sigmoid, softmax  # noqa: E402
from helpers.numpy_nn.metrics import auc, precision_recall_curve, roc_curve  # noqa: E402
from helpers.plot import (
    class_colors,
    plot_confusion_matrix,
    plot_decision_boundary,  # noqa: E402
    plot_image_grid,
    plot_pr_curve,
    plot_roc_curve,
)
from helpers.widgets import logistic_explorer, logistic_figure  # noqa: E402


@pytest.fixture(scope="module")
def two_class():
    """Two features, X: (80, 2), labels y: (80,) = 1 where x1 > 0.5 (with a few flipped)."""
    rng = np.random.default_rng(1)
    X = rng.uniform(-2, 2, size=(80, 2))
    y = (X[:, 0] > 0.5).astype(np.int64)
    y[:4] = 1 - y[:4]
    return X, y


def contour_vertices(ax):
    sets = [c for c in ax.get_children() if isinstance(c, ContourSet)]
    assert len(sets) == 1, "expected exactly one set of boundary lines"
    return np.concatenate([path.vertices for path in sets[0].get_paths()])


def test_class_colors():
    assert class_colors(2) == COLORS[:2]
    many = class_colors(10)
    assert len(many) == 10 and len(set(many)) == 10
    with pytest.raises(ValueError, match="num_classes"):
        class_colors(0)


def test_decision_boundary_of_binary_probabilities_sits_at_the_threshold(two_class):
    X, y = two_class
    ax = plot_decision_boundary(
        lambda P: sigmoid(3.0 * (P[:, 0] - 0.5)), X, y, grid_size=101
    )
    assert len(ax.images) == 1 and ax.images[0].get_array().shape == (101, 101, 3)
    step = np.ptp(ax.get_xlim()) / 100
    assert np.allclose(contour_vertices(ax)[:, 0], 0.5, atol=step)
    assert legend_texts(ax) == ["class 0", "class 1", "decision boundary"]
    assert len(ax.collections) >= 2  # one scatter per class
    check_figure(ax)
    # A threshold of 0.8 moves the boundary to the logit of 0.8.
    ax = plot_decision_boundary(
        lambda P: sigmoid(P[:, 0]), X, y, threshold=0.8, grid_size=101
    )
    assert np.allclose(
        contour_vertices(ax)[:, 0], math.log(4.0), atol=np.ptp(ax.get_xlim()) / 100
    )
    assert legend_texts(ax)[-1] == "boundary (p = 0.8)"


def test_decision_boundary_accepts_labels_softmax_and_tensors(two_class):
    X, _ = two_class
    y3 = np.digitize(X[:, 0], [-0.7, 0.7])  # three vertical bands
    W = np.array([[-4.0, 0.0], [0.0, 0.0], [4.0, 0.0]])
    ax = plot_decision_boundary(
        lambda P: softmax(P @ W.T), X, y3, class_names=["left", "middle", "right"]
    )
    assert legend_texts(ax) == ["left", "middle", "right", "decision boundary"]
    assert len(contour_vertices(ax)) > 0
    ax = plot_decision_boundary(lambda P: np.digitize(P[:, 0], [-0.7, 0.7]), X, y3)
    assert len(contour_vertices(ax)) > 0
    ax = plot_decision_boundary(
        lambda P: torch.sigmoid(torch.as_tensor(P[:, 0], dtype=torch.float32)), X
    )
    assert len(ax.images) == 1 and legend_texts(ax) == ["decision boundary"]
    # A constant classifier has no boundary to draw, and that is not an error.
    ax = plot_decision_boundary(
        lambda P: np.zeros(len(P), dtype=np.int64), X, y3, show_regions=False
    )
    assert (
        not [c for c in ax.get_children() if isinstance(c, ContourSet)]
        and not ax.images
    )


def test_decision_boundary_errors(two_class):
    X, y = two_class
    proba = lambda P: sigmoid(P[:, 0])  # noqa: E731
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        plot_decision_boundary(proba, np.hstack([X, X]), y)
    with pytest.raises(TypeError, match="predict_fn must be a function"):
        plot_decision_boundary(np.zeros(3), X, y)
    with pytest.raises(ValueError, match="logits"):
        plot_decision_boundary(lambda P: 5 * P[:, 0], X, y)
    with pytest.raises(ValueError, match="returned shape"):
        plot_decision_boundary(lambda P: proba(P)[:10], X, y)
    with pytest.raises(ValueError, match="rows summing to 1"):
        plot_decision_boundary(lambda P: np.full((len(P), 3), 0.5), X, y)
    with pytest.raises(ValueError, match="threshold"):
        plot_decision_boundary(proba, X, y, threshold=1.0)
    with pytest.raises(TypeError, match="integer class labels"):
        plot_decision_boundary(proba, X, y.astype(float))
    with pytest.raises(ValueError, match="same number of rows"):
        plot_decision_boundary(proba, X, y[:5])
    with pytest.raises(ValueError, match="class_names"):
        plot_decision_boundary(proba, X, y, class_names=["only one"])


def test_plot_confusion_matrix_annotates_every_cell():
    C = np.array([[5, 0, 1], [2, 3, 0], [0, 0, 4]])
    ax = plot_confusion_matrix(C, class_names=["a", "b", "c"])
    assert [t.get_text() for t in ax.texts] == [str(v) for v in C.ravel()]
    assert np.array_equal(ax.images[0].get_array(), C)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    check_figure(ax)
    ax = plot_confusion_matrix(np.vstack([C, [0, 0, 0]])[:, :3][:3], normalize=True)
    assert np.allclose(np.asarray(ax.images[0].get_array()).sum(axis=1), 1.0)
    assert ax.texts[0].get_text() == f"{5 / 6:.2f}"
    empty_row = plot_confusion_matrix(np.array([[2, 1], [0, 0]]), normalize=True)
    assert np.allclose(
        empty_row.images[0].get_array(), [[2 / 3, 1 / 3], [0, 0]]
    )  # no division by zero
    assert np.array_equal(
        plot_confusion_matrix(torch.tensor(C)).images[0].get_array(), C
    )  # tensors too


def test_plot_confusion_matrix_errors():
    with pytest.raises(ValueError, match="square"):
        plot_confusion_matrix(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="non-negative"):
        plot_confusion_matrix(np.array([[1, -1], [0, 2]]))
    with pytest.raises(ValueError, match="class_names"):
        plot_confusion_matrix(np.eye(3, dtype=int), class_names=["a", "b"])


def test_plot_image_grid_draws_each_image_on_a_shared_scale():
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(7, 784))
    fig = plot_image_grid(
        rows,
        titles=[str(i) for i in range(7)],
        ncols=4,
        symmetric=True,
        suptitle="weights",
        colorbar_label="weight",
    )
    images = [ax for ax in fig.axes if ax.images]
    assert len(images) == 7 and images[0].images[0].get_array().shape == (28, 28)
    limit = np.abs(rows).max()
    assert all(ax.images[0].get_clim() == (-limit, limit) for ax in images)
    assert images[0].images[0].get_cmap().name == "RdBu_r"
    assert [ax.get_title() for ax in images] == [str(i) for i in range(7)]
    assert fig.get_suptitle() == "weights"
    assert (
        sum(not ax.get_visible() for ax in fig.axes) == 1
    )  # 2 x 4 grid, one spare panel hidden
    assert any(ax.get_ylabel() == "weight" for ax in fig.axes)  # the colour bar
    fig = plot_image_grid(
        rng.uniform(size=(3, 6)),
        image_shape=(2, 3),
        title_colors=["red", "black", "red"],
        titles=["a", "b", "c"],
    )
    assert (
        fig.axes[0].images[0].get_array().shape == (2, 3)
        and fig.axes[0].images[0].get_cmap().name == "gray_r"
    )
    assert plot_image_grid(torch.zeros(2, 4, 4)).axes[0].images[
        0
    ].get_array().shape == (4, 4)


def test_plot_image_grid_errors():
    with pytest.raises(ValueError, match="image_shape"):
        plot_image_grid(np.zeros((2, 10)))
    with pytest.raises(ValueError, match="does not hold"):
        plot_image_grid(np.zeros((2, 10)), image_shape=(3, 3))
    with pytest.raises(ValueError, match="one title per image"):
        plot_image_grid(np.zeros((2, 4, 4)), titles=["only one"])
    with pytest.raises(ValueError, match=r"\(N, H, W\)"):
        plot_image_grid(np.zeros(16))
    with pytest.raises(ValueError, match="finite"):
        plot_image_grid(np.full((1, 2, 2), np.nan))


@pytest.fixture(scope="module")
def scored():
    rng = np.random.default_rng(2)
    y = (rng.random(300) < 0.2).astype(np.int64)
    return y, y + rng.normal(scale=0.7, size=300)


def test_roc_and_pr_curves_draw_the_metrics(scored):
    y, scores = scored
    fig, (ax_roc, ax_pr) = plt.subplots(1, 2)
    plot_roc_curve(
        y,
        {"model": scores, "noise": np.random.default_rng(3).normal(size=300)},
        ax=ax_roc,
        mark_threshold=0.5,
    )
    fpr, tpr, _ = roc_curve(y, scores)
    model_line = ax_roc.get_lines()[0]
    assert np.allclose(model_line.get_xdata(), fpr) and np.allclose(
        model_line.get_ydata(), tpr
    )
    assert legend_texts(ax_roc)[0] == f"model (AUC {auc(fpr, tpr):.3f})"
    assert "chance (AUC 0.5)" in legend_texts(
        ax_roc
    ) and "threshold 0.5" in legend_texts(ax_roc)
    marked = ax_roc.get_lines()[1]
    called = scores >= 0.5
    assert np.isclose(marked.get_xdata()[0], called[y == 0].mean()) and np.isclose(
        marked.get_ydata()[0], called[y == 1].mean()
    )
    plot_pr_curve(y, scores, ax=ax_pr, mark_threshold=0.5)
    precision, recall, _ = precision_recall_curve(y, scores)
    line = ax_pr.get_lines()[0]
    assert np.allclose(line.get_xdata(), np.r_[0, recall]) and np.allclose(
        line.get_ydata(), np.r_[1, precision]
    )
    assert f"chance (positive rate {y.mean():.2f})" in legend_texts(ax_pr)
    check_figure(fig)


def test_roc_and_pr_curve_errors(scored):
    y, scores = scored
    with pytest.raises(ValueError, match="both classes"):
        plot_roc_curve(np.zeros(5, dtype=np.int64), np.arange(5.0))
    with pytest.raises(ValueError, match="at least one classifier"):
        plot_pr_curve(y, {})
    with pytest.raises(ValueError, match="same number of rows"):
        plot_roc_curve(y, scores[:10])


def test_logistic_figure_shows_the_boundary_the_arrow_and_the_scores(two_class):
    X, y = two_class
    fig = logistic_figure(
        X,
        y,
        weight=np.array([[2.0, 0.0]]),
        bias=np.array([-1.0]),
        threshold=0.5,
        class_names=["no", "yes"],
    )
    ax_map, ax_hist = fig.axes
    assert np.allclose(
        contour_vertices(ax_map)[:, 0], 0.5, atol=np.ptp(ax_map.get_xlim()) / 150
    )
    assert any(
        t.get_text() == "$\\mathbf{w}$" for t in ax_map.texts
    )  # the weight vector is drawn
    predicted = (X @ np.array([2.0, 0.0]) - 1.0 >= 0).astype(np.int64)
    accuracy = np.mean(predicted == y)
    assert f"accuracy {accuracy:.2f} at threshold 0.50" in ax_hist.get_title()
    assert legend_texts(ax_hist)[:2] == ["no", "yes"] and len(ax_hist.patches) > 10
    assert "cut: p = 0.50, z = 0.00" in legend_texts(ax_hist)
    check_figure(fig)
    cautious = logistic_figure(X, y, (2.0, 0.0), -1.0, threshold=0.9)
    cut = 0.5 + math.log(9.0) / 2.0  # 2 x1 - 1 = logit(0.9)
    assert np.allclose(
        contour_vertices(cautious.axes[0])[:, 0],
        cut,
        atol=np.ptp(cautious.axes[0].get_xlim()) / 150,
    )
    flat = logistic_figure(
        X, y, (0.0, 0.0), 0.3
    )  # no weights: no boundary and no arrow, but no error either
    assert not flat.axes[0].texts


def test_logistic_figure_errors(two_class):
    X, y = two_class
    with pytest.raises(ValueError, match="two finite numbers"):
        logistic_figure(X, y, (1.0, 2.0, 3.0), 0.0)
    with pytest.raises(ValueError, match="one finite number"):
        logistic_figure(X, y, (1.0, 2.0), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        logistic_figure(X, y, (1.0, 2.0), 0.0, threshold=1.0)
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        logistic_figure(np.hstack([X, X]), y, (1.0, 2.0), 0.0)
    with pytest.raises(ValueError, match="binary labels"):
        logistic_figure(X, y + 1, (1.0, 2.0), 0.0)


def test_logistic_explorer_builds_and_redraws(two_class, capsys):
    import ipywidgets as widgets

    X, y = two_class
    explorer = logistic_explorer(X, y, weight=(1.0, 0.5), bias=0.0, web=False)
    assert isinstance(explorer, widgets.VBox) and explorer.static is None
    first_row, second_row, output = explorer.children
    w1, w2 = first_row.children
    bias, threshold = second_row.children
    assert isinstance(w1, widgets.FloatSlider) and isinstance(output, widgets.Output)
    assert (w1.value, w2.value, bias.value, threshold.value) == (1.0, 0.5, 0.0, 0.5)
    threshold.value = 0.7
    assert "threshold 0.70" in explorer.figure.axes[1].get_title()
    w2.value = 0.0
    bias.value = -1.0
    assert (
        "(1.00, 0.00)" in explorer.figure.get_suptitle()
        and "$b$ = -1.00" in explorer.figure.get_suptitle()
    )
    capsys.readouterr()


def test_logistic_explorer_is_drawn_in_advance_for_the_web(two_class):
    from helpers.widgets.static import Fixed, Slider

    X, y = two_class
    explorer = logistic_explorer(
        X, y, weight=(1.0, 0.5), bias=0.0, web_biases=(-1.0,), web_thresholds=(0.3, 0.7)
    )
    w1, w2, bias, threshold = explorer.static.controls
    assert isinstance(w1, Fixed) and (w1.text(), w2.text()) == ("1.00", "0.50")
    assert w1.span == (-6.0, 6.0)
    assert isinstance(bias, Slider) and bias.values == (-1.0, 0.0)
    assert threshold.values == (0.3, 0.5, 0.7) and threshold.start_index() == 1
    assert len(explorer.static.frames) == 6
    assert explorer.static.values_at((0, 2)) == {
        "w1": "1.00",
        "w2": "0.50",
        "bias": "-1.00",
        "threshold": "0.70",
    }
    default = logistic_explorer(
        X, y, weight=(1.0, 0.5), bias=5.5, bias_range=(-6, 6), web_thresholds=(0.5,)
    ).static
    assert default.controls[2].values == (
        4.5,
        5.5,
    )  # the start and start - 1 (start + 1 is off the range)
    assert isinstance(default.controls[3], Fixed)
    with pytest.raises(
        ValueError, match=r"web_biases must lie in bias_range=\(-6, 6\)"
    ):
        logistic_explorer(X, y, web_biases=(7.0,))
    with pytest.raises(ValueError, match="threshold must be a probability"):
        logistic_explorer(X, y, web_thresholds=(0.5, 1.5))
    with pytest.raises(ValueError, match="web_thresholds must be a list of numbers"):
        logistic_explorer(X, y, web_thresholds=0.5)


def test_logistic_explorer_errors(two_class):
    X, y = two_class
    with pytest.raises(ValueError, match="outside its slider range"):
        logistic_explorer(X, y, weight=(10.0, 0.0), weight_range=(-5, 5))
    with pytest.raises(ValueError, match="low < high"):
        logistic_explorer(X, y, bias_range=(2.0, -2.0))
    with pytest.raises(ValueError, match="pair"):
        logistic_explorer(X, y, weight_range=3.0)
    with pytest.raises(ValueError, match="binary labels"):
        logistic_explorer(X, y + 2)


# ------------------------------------------------------------------ Chapter 3: gradient norms, graphs, MLP playground

from matplotlib.text import Annotation  # noqa: E402

from helpers.numpy_nn.autograd import Tensor  # noqa: E402
from helpers.plot import plot_computation_graph, plot_gradient_norms  # noqa: E402
from helpers.widgets import mlp_playground, mlp_playground_figure, train_playground_mlp  # noqa: E402


@pytest.fixture(scope="module")
def xor_blobs():
    """Four noisy clusters labelled by the XOR of the signs: X (80, 2), y (80,)."""
    rng = np.random.default_rng(0)
    centres = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    corner = rng.integers(0, 4, size=80)
    return centres[corner] + 0.3 * rng.normal(size=(80, 2)), np.array([0, 1, 1, 0])[
        corner
    ]


def test_plot_gradient_norms_draws_one_line_per_network_on_a_log_axis():
    ax = plot_gradient_norms(
        {"sigmoid": np.logspace(-8, 0, 11), "relu": np.full(11, 0.3)}
    )
    lines = ax.get_lines()
    assert len(lines) == 2 and list(lines[0].get_xdata()) == list(range(1, 12))
    assert ax.get_yscale() == "log" and legend_texts(ax) == ["sigmoid", "relu"]
    check_figure(ax)
    single = plot_gradient_norms(torch.tensor([1.0, 2.0, 3.0]), logy=False)
    assert single.get_legend() is None and single.get_yscale() == "linear"


def test_plot_gradient_norms_errors():
    with pytest.raises(ValueError, match="exact zero"):
        plot_gradient_norms([1.0, 0.0])
    with pytest.raises(ValueError, match="non-empty 1-D"):
        plot_gradient_norms({"a": []})
    with pytest.raises(ValueError, match="finite and non-negative"):
        plot_gradient_norms([1.0, np.nan])
    with pytest.raises(ValueError, match="at least one network"):
        plot_gradient_norms({})


def _boxes(ax):
    return [t.get_text() for t in ax.texts if not isinstance(t, Annotation)]


def test_plot_computation_graph_draws_every_node_with_its_value_and_gradient():
    x, w, b = Tensor(1.5, label="x"), Tensor(0.8, label="w"), Tensor(-0.2, label="b")
    h = (w * x + b).relu()
    h.label = "h"
    loss = h * 3.0
    loss.backward()
    ax = plot_computation_graph(loss, title="tiny")
    boxes = _boxes(ax)
    assert (
        len(boxes) == 7
    )  # x, w, b and four operations; the constant 3 is written inside its operation
    assert "x\n= 1.5\ngrad 2.4" in boxes and "w\n= 0.8\ngrad 4.5" in boxes
    assert "relu \u2192 h\n= 1\ngrad 3" in boxes and boxes[-1].startswith("* 3\n= 3")
    assert (
        sum(isinstance(t, Annotation) for t in ax.texts) == 6
    )  # one arrow per drawn input of each operation
    assert ax.get_title() == "tiny" and not ax.axison
    x_of = {
        text.get_text().split("\n")[0]: text.get_position()[0]
        for text in ax.texts
        if not isinstance(text, Annotation)
    }
    assert (
        x_of["x"] < x_of["*"] < x_of["+"] < x_of["relu \u2192 h"] < x_of["* 3"]
    )  # inputs left, loss right


def test_plot_computation_graph_shows_shapes_constants_and_refuses_other_objects():
    a, b = Tensor(np.ones((2, 3)), label="A"), Tensor(np.ones(3), label="b")
    out = ((a + b) * 2.0).sum()
    ax = plot_computation_graph(out, hide_constants=False, show_grads=False)
    boxes = _boxes(ax)
    assert (
        "A\nshape (2, 3)" in boxes
        and "const\n= 2" in boxes
        and not any("grad" in t for t in boxes)
    )
    with pytest.raises(TypeError, match="autograd Tensor"):
        plot_computation_graph(np.ones(3))


def test_train_playground_mlp_a_hidden_layer_solves_xor_a_linear_model_cannot(
    xor_blobs,
):
    X, y = xor_blobs
    _, linear, diverged = train_playground_mlp(X, y, depth=0, lr=0.5, epochs=100)
    assert not diverged and linear.last("accuracy") < 0.75
    net, history, diverged = train_playground_mlp(
        X, y, width=8, depth=1, lr=0.5, epochs=150
    )
    assert not diverged and history.last("accuracy") > 0.95
    assert (
        len(history["loss"]) == len(history["accuracy"]) == 151
    )  # before training, then every epoch
    assert list(net.parameters()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    _, again, _ = train_playground_mlp(X, y, width=8, depth=1, lr=0.5, epochs=150)
    assert again["loss"] == history["loss"]  # the seed fixes everything
    _, minibatch, _ = train_playground_mlp(
        X,
        y,
        width=4,
        depth=2,
        activation="tanh",
        init="xavier",
        lr=0.1,
        epochs=3,
        batch_size=16,
        seed=3,
    )
    assert len(minibatch["loss"]) == 4


def test_train_playground_mlp_reports_divergence_instead_of_raising(xor_blobs):
    X, y = xor_blobs
    net, history, diverged = train_playground_mlp(
        X, y, width=16, depth=2, lr=1e4, epochs=50
    )
    assert diverged and len(history["loss"]) < 51
    assert all(
        np.isfinite(p).all() for p in net.parameters().values()
    )  # the last finite weights are kept


def test_train_playground_mlp_errors(xor_blobs):
    X, y = xor_blobs
    with pytest.raises(ValueError, match="two-feature"):
        train_playground_mlp(np.hstack([X, X]), y)
    with pytest.raises(ValueError, match="at least two classes"):
        train_playground_mlp(X, np.zeros(len(X), dtype=np.int64))
    with pytest.raises(ValueError, match="depth"):
        train_playground_mlp(X, y, depth=-1)
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        train_playground_mlp(X, y, activation="gelu")
    with pytest.raises(ValueError, match="unknown init 'lecun'"):
        train_playground_mlp(X, y, init="lecun")
    with pytest.raises(ValueError, match="width"):
        train_playground_mlp(X, y, width=0)
    with pytest.raises(TypeError, match="integer class labels"):
        train_playground_mlp(X, y.astype(float))


def test_mlp_playground_figure_draws_the_boundary_and_the_loss(xor_blobs):
    X, y = xor_blobs
    fig = mlp_playground_figure(X, y, width=8, depth=1, lr=0.5, epochs=60)
    ax_map, ax_loss = fig.axes
    assert (
        "1 hidden layer of 8 relu units" in ax_map.get_title()
        and "training accuracy" in ax_map.get_title()
    )
    assert (
        ax_loss.get_yscale() == "log" and len(ax_loss.get_lines()[0].get_xdata()) == 61
    )
    check_figure(fig)
    linear = mlp_playground_figure(X, y, depth=0, epochs=10)
    assert "no hidden layer" in linear.axes[0].get_title()
    diverged = mlp_playground_figure(X, y, width=16, depth=2, lr=1e4, epochs=50)
    assert (
        "diverged" in diverged.axes[0].get_title()
        and "diverged" in diverged.axes[1].get_title()
    )
    check_figure(diverged)


def test_mlp_playground_builds_and_redraws(xor_blobs, capsys):
    import ipywidgets as widgets

    X, y = xor_blobs
    playground = mlp_playground(X, y, width=4, depth=1, lr=0.5, epochs=20, web=False)
    assert isinstance(playground, widgets.VBox) and playground.static is None
    row1, row2, row3, output = playground.children
    width, depth = row1.children
    lr, epochs = row2.children
    activation, init, seed = row3.children
    assert isinstance(width, widgets.IntSlider) and isinstance(
        seed, widgets.BoundedIntText
    )
    assert isinstance(lr, widgets.FloatLogSlider) and isinstance(output, widgets.Output)
    assert "1 hidden layer of 4 relu units" in playground.figure.axes[0].get_title()
    epochs.value = 10
    depth.value = 2
    activation.value = "tanh"
    assert "2 hidden layers of 4 tanh units" in playground.figure.axes[0].get_title()
    assert len(playground.figure.axes[1].get_lines()[0].get_xdata()) == 11
    init.value = "xavier"
    assert "xavier init" in playground.figure.axes[1].get_title()
    capsys.readouterr()


def test_mlp_playground_is_drawn_in_advance_for_the_web(xor_blobs):
    from helpers.widgets.static import Fixed, Slider

    X, y = xor_blobs
    playground = mlp_playground(
        X, y, width=4, depth=1, lr=0.5, epochs=20, web_widths=(2,), web_depths=(1,)
    )
    width, depth, lr, epochs, activation, init, seed = playground.static.controls
    assert (
        isinstance(width, Slider)
        and width.values == (2, 4)
        and width.start_index() == 1
    )
    assert isinstance(depth, Fixed) and depth.value == 1 and depth.span == (0, 5)
    assert [c.text() for c in (lr, epochs, activation, init, seed)] == [
        "0.5",
        "20",
        "relu",
        "default",
        "0",
    ]
    assert len(playground.static.frames) == 2 and len(playground.static.images) == 2
    with pytest.raises(
        ValueError, match=r"web_widths must hold whole numbers from 1 to 64, got \[0\]"
    ):
        mlp_playground(X, y, web_widths=(0, 4))
    with pytest.raises(
        ValueError, match="web_depths must hold whole numbers from 0 to 5"
    ):
        mlp_playground(X, y, web_depths=(1.5,))
    with pytest.raises(TypeError, match="web_depths must be a list"):
        mlp_playground(X, y, web_depths=2)


def test_mlp_playground_errors(xor_blobs):
    X, y = xor_blobs
    with pytest.raises(ValueError, match="must lie on the controls"):
        mlp_playground(X, y, width=100)
    with pytest.raises(ValueError, match="seed"):
        mlp_playground(X, y, seed=-1)
