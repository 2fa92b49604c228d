"""Tests for helpers.plot and helpers.widgets: the right artists, clear errors, a working explorer."""

import matplotlib

matplotlib.use("Agg")  # no display needed; must come before pyplot is imported

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402

from helpers.numpy_nn.linear_regression import (LinearRegression, fit_closed_form,  # noqa: E402
                                                gradient_descent, minibatch_sgd)
from helpers.plot import (COLORS, PALETTE, _PlainLogFormatter, check_figure, path_of,  # noqa: E402
                          plot_curves, plot_history, plot_loss_contours, plot_regression_fit,
                          set_log_scale, use_book_style)
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
    assert ax.get_yscale() == "log" and ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


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
    ax = plot_curves({"a": ([1, 2, 3], [3, 2, 1]), "b": ([1, 2], [1, 1])}, logx=True, logy=True,
                     xlabel="examples", ylabel="loss", title="t", styles={"b": {"linestyle": "--"}})
    assert len(ax.get_lines()) == 2 and ax.get_xscale() == "log" and legend_texts(ax) == ["a", "b"]
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
    ax = plot_regression_fit(X, y, model, SklearnLinearRegression().fit(X, y), model(X),
                             labels=["mine", "sklearn", "given"])
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
    assert sum(isinstance(c, ContourSet) for c in ax.get_children()) == 2  # filled and lines
    labelled = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert [line.get_label() for line in labelled] == ["GD", "least squares"]
    w, b = path_of(gd_history)
    assert np.allclose(labelled[0].get_xdata(), w) and np.allclose(labelled[0].get_ydata(), b)
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
    assert np.ptp(ax.get_xlim()) < 20  # the frame is not blown up by the far-away points


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
    assert (history["weight_0"][0], history["bias"][0]) == (1.0, -1.0)  # the path begins at the start
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
    explorer = learning_rate_explorer(X, y, lr=0.1, epochs=10)
    assert isinstance(explorer, widgets.VBox)
    controls, output = explorer.children
    lr_slider, epoch_slider, batch_menu = controls.children
    assert isinstance(lr_slider, widgets.FloatLogSlider) and isinstance(output, widgets.Output)
    assert legend_texts(explorer.figure.axes[0]) == ["lr = 0.1"]

    lr_slider.value = 2.0  # the callback retrains and redraws
    assert legend_texts(explorer.figure.axes[0]) == ["lr = 2 (diverged)"]
    lr_slider.value = 0.3
    epoch_slider.value = 5
    batch_menu.value = 8
    first = explorer.figure
    assert legend_texts(first.axes[0]) == ["lr = 0.3"] and "batch size 8" in first.axes[0].get_title()
    assert len(first.axes[0].get_lines()[0].get_xdata()) == 6
    capsys.readouterr()  # outside a notebook, the figure is "displayed" as text


def test_learning_rate_explorer_errors(data):
    X, y = data
    with pytest.raises(ValueError, match="lr_range"):
        learning_rate_explorer(X, y, lr=5.0, lr_range=(0.01, 1.0))
    with pytest.raises(ValueError, match="lr_range"):
        learning_rate_explorer(X, y, lr_range=(0.0, 1.0))
    with pytest.raises(ValueError, match="batch size"):
        learning_rate_explorer(X, y, batch_sizes=(None, 0))
