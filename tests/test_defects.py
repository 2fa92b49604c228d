"""Regression tests: each defect found by checking ``helpers`` from its public API, and the lower-bound check.

The numbered tests follow the list of wrong results: 1 NaN gradients, 2 non-contiguous
arrays, 3 losses of shape (1,), 4 averages, 5 float32 backward passes, 6 NumPy arrays
and autograd, 7 corrupted data files. Then the argument errors, then the loss's lower bound.
"""

import os
import re
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn import metrics as sk

from helpers import data
from helpers.checks import LossBelowBoundError, TrainingDivergedError
from helpers.gradcheck import (
    GradientCheckError,
    check_gradient,
    check_layer_gradients,
    numerical_gradient,
    relative_error,
)
from helpers.numpy_nn import init, layers, losses, metrics
from helpers.numpy_nn import linear_regression as nlin
from helpers.numpy_nn import logistic_regression as nlog
from helpers.numpy_nn import optim as noptim
from helpers.numpy_nn import softmax_regression as nsoft
from helpers.numpy_nn.autograd import Tensor
from helpers.numpy_nn.linear import Linear
from helpers.runtime import seed_everything, setup
from helpers.torch_nn import layers as tlayers
from helpers.torch_nn import linear_regression as tlin
from helpers.torch_nn import logistic_regression as tlog
from helpers.torch_nn import losses as tlosses
from helpers.torch_nn import metrics as tmetrics
from helpers.torch_nn import optim as toptim
from helpers.torch_nn import softmax_regression as tsoft
from helpers.train import (
    batch_indices,
    check_not_diverged,
    evaluate,
    fit,
    known_lower_bound,
    make_loader,
)

# --- 1. a non-finite gradient is never a match ----------------------------------------------------


def test_1_relative_error_refuses_nan_and_inf():
    with pytest.raises(ValueError, match="a must be finite.*1 nan or inf"):
        relative_error(np.array([np.nan]), np.array([1.0]))
    with pytest.raises(ValueError, match="b must be finite"):
        relative_error(np.array([1.0, 2.0]), np.array([np.inf, 2.0]))
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0


def test_1_check_gradient_fails_an_all_nan_gradient():
    x = np.array([1.0, -2.0, 0.5])
    f = lambda: float(np.sum(x**2))  # noqa: E731
    with pytest.raises(
        GradientCheckError,
        match=r"analytic gradient holds 3 nan or inf value\(s\), the first at entry \(0,\)",
    ):
        check_gradient(f, x, np.full(3, np.nan))
    with (
        pytest.raises(GradientCheckError, match="finite-difference gradient holds"),
        np.errstate(invalid="ignore"),
    ):
        check_gradient(
            lambda: float(np.sum(np.log(x))), x, 1 / x
        )  # log of a negative entry: nan


# --- 2. non-contiguous arrays ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda rng: rng.normal(size=(3, 4)).T,
        lambda rng: rng.normal(size=(4, 6))[:, ::2],
        lambda rng: np.asfortranarray(rng.normal(size=(2, 3, 2))),
    ],
)
def test_2_numerical_gradient_writes_through_non_contiguous_arrays(make):
    x = make(np.random.default_rng(0))
    before = x.copy()
    grad = numerical_gradient(lambda: float((x**2).sum()), x)
    np.testing.assert_allclose(grad, 2 * before, rtol=1e-7, atol=1e-9)
    np.testing.assert_array_equal(x, before)
    assert check_gradient(lambda: float((x**2).sum()), x, 2 * x) < 1e-8
    with pytest.raises(GradientCheckError):
        check_gradient(lambda: float((x**2).sum()), x, np.zeros_like(x))


# --- 3. a loss of shape (1,) -----------------------------------------------------------------------


def test_3_a_loss_of_shape_1_is_a_scalar():
    x = np.array([1.0, 2.0])
    grad = numerical_gradient(lambda: np.sum(x**2, keepdims=True), x)  # shape (1,)
    np.testing.assert_allclose(grad, [2.0, 4.0], rtol=1e-7)
    assert check_gradient(lambda: (x**3).sum(keepdims=True), x, 3 * x**2) < 1e-8


# --- 4. averages exactly as scikit-learn ---------------------------------------------------------


def test_4_macro_average_counts_only_the_classes_present():
    y_true, y_pred = np.array([0, 2, 2]), np.array([0, 2, 0])
    assert metrics.f1_score(y_true, y_pred, average="macro") == pytest.approx(2 / 3)
    assert tmetrics.f1_score(
        torch.tensor(y_true), torch.tensor(y_pred), average="macro"
    ) == pytest.approx(2 / 3)


@pytest.mark.parametrize("average", ["macro", "micro", "weighted", "binary"])
def test_4_averages_match_scikit_learn_on_many_random_cases(average):
    rng = np.random.default_rng(4)
    pairs = [
        (metrics.precision, tmetrics.precision, sk.precision_score),
        (metrics.recall, tmetrics.recall, sk.recall_score),
        (metrics.f1_score, tmetrics.f1_score, sk.f1_score),
    ]
    for _ in range(60):
        n, k = (
            int(rng.integers(1, 15)),
            (2 if average == "binary" else int(rng.integers(1, 7))),
        )
        y_true, y_pred = rng.integers(0, k, n), rng.integers(0, k, n)
        for ours, twin, theirs in pairs:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                expected = theirs(y_true, y_pred, average=average, zero_division=0)
            assert ours(y_true, y_pred, average=average) == pytest.approx(
                expected, abs=1e-12
            )
            torch_score = twin(
                torch.tensor(y_true), torch.tensor(y_pred), average=average
            )
            assert torch_score == pytest.approx(expected, abs=1e-12)


def test_4_micro_average_of_single_label_data_is_accuracy():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 5, 50), rng.integers(0, 5, 50)
    for score in (metrics.precision, metrics.recall, metrics.f1_score):
        assert score(y_true, y_pred, average="micro") == pytest.approx(
            metrics.accuracy(y_true, y_pred)
        )


# --- 5. float32 backward passes stay float32 --------------------------------------------------------


def test_5_backward_passes_keep_float32():
    logits = np.float32([[1, 2], [0, -1]])
    assert losses.cross_entropy_backward(logits, np.array([0, 1])).dtype == np.float32
    assert (
        losses.cross_entropy_backward(logits, np.float32([[1, 0], [0.5, 0.5]])).dtype
        == np.float32
    )
    z = np.float32([0.5, -1.0])
    assert (
        losses.binary_cross_entropy_with_logits_backward(z, np.array([1, 0])).dtype
        == np.float32
    )
    assert losses.mse_loss_backward(z, np.array([1.0, 0.0])).dtype == np.float32
    net = layers.mlp([3, 4, 2], activation="tanh", dtype=np.float32)
    X = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    loss = layers.CrossEntropyLoss()
    loss(net(X), np.array([0, 1, 1, 0, 1]))
    dx = net.backward(loss.backward())
    assert dx.dtype == np.float32 and all(
        g.dtype == np.float32 for g in net.grads.values()
    )


def test_5_float64_gradients_still_match_torch():
    rng = np.random.default_rng(1)
    logits, y = rng.normal(size=(4, 3)), np.array([0, 2, 1, 2])
    t = torch.tensor(logits, requires_grad=True)
    F.cross_entropy(t, torch.tensor(y)).backward()
    np.testing.assert_allclose(
        losses.cross_entropy_backward(logits, y), t.grad.numpy(), rtol=1e-12, atol=1e-15
    )


# --- 6. NumPy arrays and the autograd engine ------------------------------------------------------


def test_6_a_numpy_array_on_the_left_gives_a_tensor():
    a = np.arange(4.0).reshape(2, 2)
    t = Tensor(np.full((2, 2), 3.0))
    three = np.full((2, 2), 3.0)
    for result, expected in [
        (a * t, a * 3),
        (a + t, a + 3),
        (a - t, a - 3),
        (a / t, a / 3),
        (a @ t, a @ three),
    ]:
        assert isinstance(result, Tensor)
        np.testing.assert_allclose(result.data, expected)
    (a * t).sum().backward()
    np.testing.assert_allclose(t.grad, a)


def test_6_numpy_scalar_exponents_and_clear_broadcasting_errors():
    x = Tensor(2.0)
    y = x ** np.int64(3)
    y.backward()
    assert y.data == 8.0 and x.grad == 12.0
    assert (Tensor(4.0) ** np.float64(0.5)).data == 2.0
    with pytest.raises(TypeError, match="exponent must be a constant number"):
        Tensor(2.0) ** Tensor(3.0)
    with pytest.raises(
        ValueError,
        match=r"operands of \+ must have shapes that broadcast, got \(2, 3\) and \(4,\)",
    ):
        Tensor(np.ones((2, 3))) + Tensor(np.ones(4))
    with pytest.raises(
        ValueError,
        match=r"operands of \* must have shapes that broadcast, got \(2, 3\) and \(2,\)",
    ):
        Tensor(np.ones((2, 3))) * np.ones(2)
    with pytest.raises(TypeError, match="got a torch.Tensor"):
        Tensor(torch.ones(2))


# --- 7. a corrupted data file is reported as corrupted ------------------------------------------------


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    for name in data.CHECKSUMS:
        (tmp_path / name).write_bytes((data.DATA_DIR / name).read_bytes())
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    monkeypatch.setattr(data, "_verified", {})
    return tmp_path


def _flip_a_byte_keeping_size_and_mtime(path):
    stat = path.stat()
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert (
        path.stat().st_size == stat.st_size
        and path.stat().st_mtime_ns == stat.st_mtime_ns
    )


def test_7_a_flipped_byte_with_the_same_size_and_mtime_is_found(data_copy):
    data.load_mnist_subset("test")  # verified and cached
    _flip_a_byte_keeping_size_and_mtime(data_copy / "mnist_5k.npz")
    with pytest.raises(data.DataFileError, match="'mnist_5k.npz' is corrupted"):
        data.load_mnist_subset("test")


@pytest.mark.parametrize(
    "name, load",
    [
        ("mnist_5k.npz", lambda: data.load_mnist_subset("test")),
        ("shakespeare.txt", data.load_shakespeare),
    ],
)
def test_7_a_read_error_behind_a_stale_cache_says_corrupted(data_copy, name, load):
    """Even where the file system's timestamps miss the change, the read error is explained."""
    path = data_copy / name
    _flip_a_byte_keeping_size_and_mtime(path)
    stat = path.stat()
    data._verified[str(path.resolve())] = (
        stat.st_size,
        stat.st_mtime_ns,
        stat.st_ctime_ns,
    )  # a stale "ok"
    with pytest.raises(data.DataFileError, match=f"'{name}' is corrupted") as caught:
        load()
    assert caught.value.__cause__ is not None  # the raw read error is kept as the cause


# --- errors that say what was expected --------------------------------------------------------------


def _raises(error, pattern, fn, *args, **kwargs):
    with pytest.raises(error, match=pattern):
        fn(*args, **kwargs)


def test_empty_inputs_are_refused_by_both_twins():
    empty2, empty1 = np.zeros((0, 3)), np.zeros(0)
    for module, wrap in [(losses, np.asarray), (tlosses, torch.as_tensor)]:
        _raises(
            ValueError,
            r"pred must hold at least one example",
            module.mse_loss,
            wrap(empty1),
            wrap(empty1),
        )
        _raises(
            ValueError,
            r"logits must hold at least one example",
            module.cross_entropy,
            wrap(empty2),
            wrap(np.zeros(0, dtype=np.int64)),
        )
        _raises(
            ValueError,
            r"logits must hold",
            module.binary_cross_entropy_with_logits,
            wrap(empty1),
            wrap(empty1),
        )
    from helpers.numpy_nn import activations
    from helpers.torch_nn import activations as tactivations

    for module, wrap in [(activations, np.asarray), (tactivations, torch.as_tensor)]:
        for fn in (module.softmax, module.logsumexp, module.log_softmax):
            _raises(
                ValueError,
                r"z must hold at least one value, got an empty array of shape \(3, 0\)",
                fn,
                wrap(np.zeros((3, 0))),
            )
    _raises(
        ValueError,
        "y_true must hold at least one example",
        metrics.roc_curve,
        np.zeros(0, dtype=np.int64),
        empty1,
    )
    _raises(
        ValueError,
        "y_true must hold",
        metrics.precision_recall_curve,
        np.zeros(0, dtype=np.int64),
        empty1,
    )


def test_the_wrong_framework_is_named_with_the_fix():
    X, y = np.ones((4, 2)), np.ones(4)
    _raises(
        TypeError,
        r"pred must be a NumPy array, got a torch.Tensor \(use pred.detach\(\).cpu\(\).numpy\(\)",
        losses.mse_loss,
        torch.ones(3),
        np.ones(3),
    )
    _raises(
        TypeError,
        "X must be a NumPy array, got a torch.Tensor",
        nlin.fit_closed_form,
        torch.ones(4, 2),
        y,
    )
    _raises(
        TypeError,
        "x must be a NumPy array, got a torch.Tensor",
        Linear(2, 3).forward,
        torch.ones(4, 2),
    )
    _raises(
        TypeError,
        "y_true must be a NumPy array",
        metrics.accuracy,
        torch.tensor([0, 1]),
        np.array([0, 1]),
    )
    _raises(
        TypeError,
        "probs must be a NumPy array",
        losses.binary_cross_entropy,
        torch.ones(2) / 2,
        np.ones(2),
    )
    _raises(TypeError, "x must be a NumPy array", layers.ReLU().forward, torch.ones(2))
    _raises(
        TypeError,
        r"pred must be a torch.Tensor, got a NumPy array \(use torch.as_tensor\(pred\)",
        tlosses.mse_loss,
        np.ones(3),
        torch.ones(3),
    )
    _raises(
        TypeError, "labels must be a torch.Tensor", tlosses.one_hot, np.array([0, 1]), 2
    )
    _raises(
        TypeError,
        "logits must be a torch.Tensor",
        tlosses.cross_entropy,
        np.ones((2, 2)),
        torch.tensor([0, 1]),
    )
    _raises(
        TypeError,
        "y_true must be a torch.Tensor",
        tmetrics.accuracy,
        np.array([0, 1]),
        torch.tensor([0, 1]),
    )
    _raises(
        TypeError, "X must be a torch.Tensor", tlin.fit_closed_form, X, torch.ones(4)
    )
    _raises(
        TypeError,
        "x must be a NumPy array",
        numerical_gradient,
        lambda: 0.0,
        torch.ones(3, dtype=torch.float64),
    )


def test_batch_indices_checks_its_arguments():
    rng = np.random.default_rng(0)
    for bad in (0, -3):
        _raises(
            ValueError,
            f"batch_size must be a positive integer, got {bad}",
            batch_indices,
            10,
            bad,
            rng,
        )
    _raises(
        ValueError,
        "batch_size must be a positive integer, got 2.5",
        batch_indices,
        10,
        2.5,
        rng,
    )
    _raises(
        ValueError,
        "n_samples must be a non-negative integer, got -1",
        batch_indices,
        -1,
        2,
        rng,
    )
    _raises(
        TypeError,
        "rng must be a numpy.random.Generator, got int",
        batch_indices,
        10,
        2,
        42,
    )
    assert batch_indices(np.int64(5), np.int64(2), rng)[-1].shape == (1,)


def test_rng_may_be_a_seed_but_nothing_else():
    a, b = Linear(3, 2, rng=42), Linear(3, 2, rng=np.random.default_rng(42))
    np.testing.assert_array_equal(a.weight, b.weight)
    np.testing.assert_array_equal(
        layers.mlp([3, 2], rng=7).layers[0].weight,
        layers.mlp([3, 2], rng=np.random.default_rng(7)).layers[0].weight,
    )
    w = init.xavier_uniform_(np.zeros((2, 3)), 5)
    np.testing.assert_array_equal(
        w, init.xavier_uniform_(np.zeros((2, 3)), np.random.default_rng(5))
    )
    for bad in (np.random.RandomState(0), torch.Generator(), "42"):
        _raises(
            TypeError,
            "rng must be a numpy.random.Generator or an integer seed",
            Linear,
            3,
            2,
            rng=bad,
        )
    _raises(
        ValueError, "rng must be a non-negative integer", layers.mlp, [3, 2], rng=-1
    )


def test_dtype_and_size_arguments():
    _raises(
        TypeError,
        "dtype must be np.float32 or np.float64, got int64",
        Linear,
        3,
        2,
        dtype=np.int64,
    )
    _raises(
        TypeError,
        "dtype must be np.float32 or np.float64",
        layers.mlp,
        [3, 2],
        dtype="int8",
    )
    _raises(
        TypeError,
        "dtype must be None or a floating-point torch.dtype",
        tlayers.mlp,
        [3, 2],
        dtype=torch.int64,
    )
    _raises(
        TypeError, r"sizes must be a list of layer widths .*got 784", layers.mlp, 784
    )
    _raises(TypeError, r"sizes must be a list", tlayers.mlp, 784)
    _raises(
        TypeError,
        r"layer 0 of Sequential must be a layer .*got 3 of type int",
        layers.Sequential,
        3,
    )
    for make in (
        tlin.LinearRegression,
        tlog.LogisticRegression,
        nlin.LinearRegression,
        nlog.LogisticRegression,
    ):
        _raises(ValueError, "in_features must be a positive integer, got 0", make, 0)
    _raises(
        ValueError,
        "num_classes must be a positive integer, got 0",
        tsoft.SoftmaxRegression,
        3,
        0,
    )
    _raises(
        ValueError,
        "out_features must be a positive integer, got 0",
        nsoft.SoftmaxRegression,
        3,
        0,
    )


def test_label_and_threshold_arguments():
    y_true, y_pred = np.array([0, 1, 1]), np.array([0, 1, 0])
    for module, wrap in [(metrics, np.asarray), (tmetrics, torch.as_tensor)]:
        for bad in (5, -1):
            for score in (module.precision, module.recall, module.f1_score):
                _raises(
                    ValueError,
                    f"positive must be .*got {bad}",
                    score,
                    wrap(y_true),
                    wrap(y_pred),
                    positive=bad,
                )
        _raises(
            ValueError,
            "num_classes must be a positive integer, got 0",
            module.confusion_matrix,
            wrap(y_true),
            wrap(y_pred),
            num_classes=0,
        )
        _raises(
            ValueError,
            r"y_true must hold labels in 0..0 for 1 classes",
            module.confusion_matrix,
            wrap(y_true),
            wrap(y_pred),
            num_classes=1,
        )
    for module, wrap in [(losses, np.asarray), (tlosses, torch.as_tensor)]:
        labels = wrap(np.array([0, 2]))
        _raises(
            TypeError,
            "num_classes must be a positive integer, got None",
            module.one_hot,
            labels,
            None,
        )
        _raises(
            ValueError,
            "num_classes must be a positive integer, got 4.0",
            module.one_hot,
            labels,
            4.0,
        )
        _raises(
            ValueError,
            "num_classes must be a positive integer, got -1",
            module.one_hot,
            labels,
            -1,
        )
    X = np.random.default_rng(0).normal(size=(4, 2))
    _raises(
        TypeError,
        "threshold must be a probability in",
        nlog.LogisticRegression(2).predict,
        X,
        threshold="0.5",
    )
    _raises(
        TypeError,
        "threshold must be a probability in",
        tlog.LogisticRegression(2).predict,
        torch.tensor(X, dtype=torch.float32),
        threshold="0.5",
    )
    _raises(
        ValueError,
        "threshold must be a probability in",
        nlog.LogisticRegression(2).predict,
        X,
        threshold=1.5,
    )


def test_torch_cross_entropy_refuses_rows_that_do_not_sum_to_one_like_numpy():
    logits, rows = np.zeros((2, 3)), np.array([[0.5, 0.2, 0.1], [1.0, 0.0, 0.0]])
    for module, wrap in [(losses, np.asarray), (tlosses, torch.as_tensor)]:
        _raises(
            ValueError,
            "targets rows must each sum to 1",
            module.cross_entropy,
            wrap(logits),
            wrap(rows),
        )
    good = np.array([[0.5, 0.25, 0.25], [1.0, 0.0, 0.0]])
    assert float(
        tlosses.cross_entropy(torch.tensor(logits), torch.tensor(good))
    ) == pytest.approx(losses.cross_entropy(logits, good), rel=1e-12)


def test_init_mlp_handles_bias_free_layers_and_refuses_torch_networks():
    net = layers.Sequential(Linear(3, 4, bias=False), layers.ReLU(), Linear(4, 2))
    init.init_mlp_(net, "he", 0)
    assert net.layers[0].bias is None and np.all(net.layers[2].bias == 0)
    _raises(
        TypeError,
        r"net must be a helpers.numpy_nn.layers.Sequential, got Sequential \(for a torch network",
        init.init_mlp_,
        tlayers.mlp([3, 2]),
        "he",
        0,
    )


def test_check_layer_gradients_blames_the_float32_parameter_not_x():
    layer = Linear(3, 2, dtype=np.float32)
    _raises(
        TypeError,
        "the layer's parameter weight must be float64",
        check_layer_gradients,
        layer,
        np.ones((2, 3)),
    )
    _raises(
        TypeError,
        "x must be float64",
        check_layer_gradients,
        Linear(3, 2),
        np.ones((2, 3), dtype=np.float32),
    )


def test_seed_accepts_numpy_integers(capsys):
    assert (
        setup(seed=np.int64(3), prefer="cpu").type == "cpu"
        and "seed 3" in capsys.readouterr().out
    )
    _raises(
        TypeError, "seed must be a non-negative integer, got '3'", seed_everything, "3"
    )
    _raises(
        ValueError, "seed must be a non-negative integer, got 2.5", seed_everything, 2.5
    )


def test_sgd_step_checks_the_gradients():
    params = {"w": np.ones(2)}
    _raises(
        KeyError,
        "grads must have exactly the parameters' names",
        noptim.sgd_step,
        params,
        {"v": np.ones(2)},
        0.1,
    )
    _raises(
        TypeError,
        "the gradient of w must be a NumPy array",
        noptim.sgd_step,
        params,
        {"w": torch.ones(2)},
        0.1,
    )
    _raises(
        ValueError,
        "the gradient of w must be finite",
        noptim.sgd_step,
        params,
        {"w": np.array([np.nan, 1])},
        0.1,
    )
    _raises(
        ValueError,
        "lr must be positive",
        noptim.sgd_step,
        params,
        {"w": np.ones(2)},
        -0.1,
    )


# --- the training loop's own errors ---------------------------------------------------------------


def test_evaluate_and_fit_on_an_empty_loader_or_a_model_without_parameters():
    model = torch.nn.Linear(2, 1)
    empty = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.zeros(0, 2), torch.zeros(0, 1))
    )
    _raises(
        ValueError,
        "X must hold at least one example",
        make_loader,
        torch.zeros(0, 2),
        torch.zeros(0, 1),
    )
    _raises(
        ValueError,
        "loader must yield at least one example, got an empty loader",
        evaluate,
        model,
        F.mse_loss,
        empty,
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    _raises(
        ValueError,
        "train_loader must yield at least one example",
        fit,
        model,
        F.mse_loss,
        optimizer,
        empty,
        epochs=1,
        progress=False,
    )
    loader = make_loader(torch.ones(4, 2), torch.ones(4, 2), batch_size=2)
    for call in (
        lambda: fit(
            torch.nn.ReLU(), F.mse_loss, optimizer, loader, epochs=1, progress=False
        ),
        lambda: fit(
            torch.nn.ReLU(),
            F.mse_loss,
            optimizer,
            loader,
            epochs=1,
            device="cpu",
            progress=False,
        ),
        lambda: evaluate(torch.nn.ReLU(), F.mse_loss, loader),
    ):
        _raises(ValueError, "model must have parameters .*got ReLU without any", call)
    assert evaluate(torch.nn.ReLU(), F.mse_loss, loader, device="cpu")["loss"] == 0.0


# --- the loss's lower bound ----------------------------------------------------------------------


def _unsquared_loss(model, X, y):
    """The "forgotten square": the mean residual instead of the mean squared residual."""
    return float(np.mean(model(X) - y))


def _unsquared_gradient(model, X, y):
    """The exact gradient of ``_unsquared_loss``: consistent with it, so a gradient check passes."""
    return {"weight": X.mean(axis=0)[None, :], "bias": np.array([1.0])}


def _regression(n=64, d=2, dtype=np.float64):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, d))
    y = (
        X @ np.array([1.5, -0.5]) - 3.0 + 0.1 * rng.normal(size=n)
    )  # the mean residual starts positive
    return X.astype(dtype), y.astype(dtype)


def test_an_unsquared_loss_passes_a_gradient_check_but_is_caught_below_zero():
    X, y = _regression()
    model = nlin.LinearRegression(2, rng=0)
    grads = _unsquared_gradient(model, X, y)
    for name in ("weight", "bias"):
        check_gradient(
            lambda: _unsquared_loss(model, X, y),
            model.parameters()[name],
            grads[name],
            name=name,
        )
    with pytest.raises(
        LossBelowBoundError,
        match=r"the loss fell to -[\d.]+ at step (\d+).*below its lower bound 0",
    ) as caught:
        noptim.minibatch_sgd(
            model,
            X,
            y,
            _unsquared_loss,
            _unsquared_gradient,
            lr=0.1,
            epochs=20,
            batch_size=16,
            lower_bound=0.0,
        )
    assert isinstance(caught.value, TrainingDivergedError)
    assert "forgotten square" in str(caught.value)
    assert caught.value.history["loss"][0] > 0 > caught.value.history["batch_loss"][-1]
    step = int(re.search(r"at step (\d+)", str(caught.value)).group(1))
    assert step == len(caught.value.history["batch_loss"]) > 1
    # Without the bound nothing stops the run: the "loss" just keeps falling.
    history = noptim.minibatch_sgd(
        nlin.LinearRegression(2, rng=0),
        X,
        y,
        _unsquared_loss,
        _unsquared_gradient,
        lr=0.1,
        epochs=20,
        batch_size=16,
    )
    assert history["loss"][-1] < history["loss"][0] - 1


def test_the_torch_loop_catches_an_unsquared_loss():
    X, y = (torch.tensor(a) for a in _regression())
    model = tlin.LinearRegression(2, dtype=torch.float64)
    with pytest.raises(LossBelowBoundError, match="below its lower bound 0"):
        toptim.minibatch_sgd(
            model,
            X,
            y,
            lambda pred, target: (pred - target).mean(),
            lr=0.1,
            epochs=20,
            batch_size=16,
            lower_bound=0.0,
        )


def test_fit_uses_the_bound_of_known_losses():
    assert (
        known_lower_bound(F.mse_loss)
        == 0.0
        == known_lower_bound(torch.nn.CrossEntropyLoss())
    )
    assert (
        known_lower_bound(tlosses.cross_entropy)
        == 0.0
        == known_lower_bound(torch.nn.BCEWithLogitsLoss())
    )
    assert known_lower_bound(lambda out, t: (out - t).mean()) is None
    X, y = (torch.tensor(a, dtype=torch.float32) for a in _regression())
    y = y[:, None]
    unsquared = lambda out, t: (out - t).mean()  # noqa: E731
    model = torch.nn.Linear(2, 1)
    with pytest.raises(
        LossBelowBoundError, match=r"at step \d+ \(epoch \d+\), below its lower bound 0"
    ):
        fit(
            model,
            unsquared,
            torch.optim.SGD(model.parameters(), lr=0.1),
            make_loader(X, y, batch_size=16),
            epochs=20,
            progress=False,
            lower_bound=0.0,
        )
    model = torch.nn.Linear(2, 1)
    history = fit(
        model,
        unsquared,
        torch.optim.SGD(model.parameters(), lr=0.1),
        make_loader(X, y, batch_size=16),
        epochs=20,
        progress=False,
    )  # "auto": no bound known for this function
    assert history.last("train_loss") < 0
    _raises(
        ValueError,
        "lower_bound must be 'auto', a number or None",
        fit,
        model,
        unsquared,
        torch.optim.SGD(model.parameters(), lr=0.1),
        make_loader(X, y),
        epochs=1,
        lower_bound="zero",
    )


def test_correct_losses_never_trip_the_bound_even_in_float32():
    X, y = _regression(dtype=np.float32)
    history = nlin.minibatch_sgd(
        nlin.LinearRegression(2),
        X.astype(np.float64),
        y.astype(np.float64),
        lr=0.1,
        epochs=8,
        batch_size=8,
    )
    assert min(history["batch_loss"]) >= 0
    Xt, yt = torch.tensor(X), torch.tensor(y)
    tlin.minibatch_sgd(tlin.LinearRegression(2), Xt, yt, lr=0.1, epochs=8, batch_size=8)
    labels = (yt > yt.median()).long()
    tlog.minibatch_sgd(
        tlog.LogisticRegression(2), Xt * 10, labels, lr=1.0, epochs=8, batch_size=8
    )
    tsoft.minibatch_sgd(
        tsoft.SoftmaxRegression(2, 2), Xt * 10, labels, lr=1.0, epochs=8, batch_size=8
    )
    model = torch.nn.Linear(2, 1)
    fit(
        model,
        torch.nn.MSELoss(),
        torch.optim.SGD(model.parameters(), lr=0.1),
        make_loader(Xt, yt[:, None], batch_size=8),
        epochs=8,
        progress=False,
    )
    # A loss a rounding error below zero is not flagged; one clearly below is.
    check_not_diverged(-1e-9, 0.5, 1, 0.1, lower_bound=0.0)
    check_not_diverged(-5e-5, 100.0, 1, 0.1, lower_bound=0.0)
    _raises(
        LossBelowBoundError,
        "the loss fell to -0.001 at step 7",
        check_not_diverged,
        -1e-3,
        0.5,
        7,
        0.1,
        lower_bound=0.0,
    )
