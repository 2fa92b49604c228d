"""Every public function of ``helpers.numpy_nn`` and ``helpers.torch_nn`` explains bad input.

Each function (and each public method of each class) is fed four kinds of bad array:
an empty one, the other framework's array, the wrong dtype and a ``nan``. It must
raise a ``ValueError`` or ``TypeError`` whose message names the argument.

The list of functions is read from the modules themselves: a new public function
fails ``test_every_public_function_has_a_case`` until it gets a case in ``CASES`` or
an entry in ``EXEMPT`` saying why it takes no array to check.
"""

import importlib
import inspect
import pkgutil
import re

import numpy as np
import pytest
import torch

import helpers.numpy_nn
import helpers.torch_nn

PACKAGES = (helpers.numpy_nn, helpers.torch_nn)
CORRUPTIONS = ("empty", "framework", "dtype", "nonfinite")


def _public_callables():
    """``{"numpy_nn.losses.mse_loss": fn, "numpy_nn.linear.Linear": cls, "numpy_nn.linear.Linear.forward": fn}``.

    Functions and classes defined in each module (not imported into it), and the public methods
    a class defines in helpers (not those it inherits from torch.nn.Module). Methods with no
    argument besides ``self`` that must be given (``parameters()``, ``zero_grad()``, ``relu()``)
    have nothing to check and are left out.
    """
    found = {}
    for package in PACKAGES:
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            prefix = module.__name__.removeprefix("helpers.")
            for name, obj in vars(module).items():
                if (
                    name.startswith("_")
                    or getattr(obj, "__module__", None) != module.__name__
                ):
                    continue
                if inspect.isfunction(obj):
                    found[f"{prefix}.{name}"] = obj
                elif inspect.isclass(obj):
                    found[f"{prefix}.{name}"] = obj
                    for method_name in dir(obj):
                        method = getattr(obj, method_name)
                        if (
                            method_name.startswith("_")
                            or not inspect.isfunction(method)
                            or not method.__module__.startswith("helpers.")
                        ):
                            continue
                        required = [
                            p
                            for p in list(
                                inspect.signature(method).parameters.values()
                            )[1:]
                            if p.default is inspect.Parameter.empty
                        ]
                        if required or method_name == "backward" and name == "Tensor":
                            found[f"{prefix}.{name}.{method_name}"] = method
    return found


# --- valid inputs ----------------------------------------------------------------------------------
# Arrays are written once in NumPy; for the torch twins they become float64 / int64 tensors.
rng = np.random.default_rng(0)
X = rng.normal(size=(6, 2))
Y_REG = rng.normal(size=6)
Y_BIN = np.array([0, 1, 1, 0, 1, 0])
Y_CLS = np.array([0, 1, 2, 1, 0, 2])
LOGITS = rng.normal(size=(6, 3))
SCORES = rng.normal(size=6)
PROBS = np.array([0.1, 0.9, 0.6, 0.3, 0.8, 0.2])
Z = rng.normal(size=(4, 3))
SOFTMAX_Z = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
TORCH64 = {"dtype": torch.float64}


def _model(module, *sizes):
    """The model class of ``module`` (linear_regression, ...), in float64 for the torch twins too."""
    cls = {
        "linear_regression": "LinearRegression",
        "logistic_regression": "LogisticRegression",
        "softmax_regression": "SoftmaxRegression",
    }[module.__name__.rsplit(".", 1)[1]]
    kwargs = TORCH64 if module.__name__.startswith("helpers.torch_nn") else {}
    return getattr(module, cls)(*sizes, **kwargs)


def _after_forward(layer, x):
    layer.forward(x)
    return layer.backward


def _f(kind, value):
    """An array argument: its valid value and its kind."""
    return value, kind


# Each case: module -> (the callable, {argument: (valid NumPy value, kind)}, other keyword arguments).
# Kinds: "float" (floating point), "labels" (integer classes), "binary" (0/1, ints or floats),
# "any" (any numeric array).
SHARED_CASES = {
    "activations.sigmoid": lambda m: (m.sigmoid, {"z": _f("float", Z)}, {}),
    "activations.log_sigmoid": lambda m: (m.log_sigmoid, {"z": _f("float", Z)}, {}),
    "activations.logsumexp": lambda m: (m.logsumexp, {"z": _f("float", Z)}, {}),
    "activations.log_softmax": lambda m: (m.log_softmax, {"z": _f("float", Z)}, {}),
    "activations.softmax": lambda m: (m.softmax, {"z": _f("float", Z)}, {}),
    "losses.mse_loss": lambda m: (
        m.mse_loss,
        {"pred": _f("float", Y_REG), "target": _f("float", SCORES)},
        {},
    ),
    "losses.mse_loss_backward": lambda m: (
        m.mse_loss_backward,
        {"pred": _f("float", Y_REG), "target": _f("float", SCORES)},
        {},
    ),
    "losses.binary_cross_entropy": lambda m: (
        m.binary_cross_entropy,
        {"probs": _f("float", PROBS), "targets": _f("binary", Y_BIN)},
        {},
    ),
    "losses.binary_cross_entropy_with_logits": lambda m: (
        m.binary_cross_entropy_with_logits,
        {"logits": _f("float", SCORES), "targets": _f("binary", Y_BIN)},
        {},
    ),
    "losses.binary_cross_entropy_with_logits_backward": lambda m: (
        m.binary_cross_entropy_with_logits_backward,
        {"logits": _f("float", SCORES), "targets": _f("binary", Y_BIN)},
        {},
    ),
    "losses.one_hot": lambda m: (
        m.one_hot,
        {"labels": _f("labels", Y_CLS)},
        {"num_classes": 3},
    ),
    "losses.cross_entropy": lambda m: (
        m.cross_entropy,
        {"logits": _f("float", LOGITS), "targets": _f("labels", Y_CLS)},
        {},
    ),
    "losses.cross_entropy_backward": lambda m: (
        m.cross_entropy_backward,
        {"logits": _f("float", LOGITS), "targets": _f("labels", Y_CLS)},
        {},
    ),
    "metrics.accuracy": lambda m: (
        m.accuracy,
        {"y_true": _f("labels", Y_CLS), "y_pred": _f("labels", Y_CLS[::-1])},
        {},
    ),
    "metrics.confusion_matrix": lambda m: (
        m.confusion_matrix,
        {"y_true": _f("labels", Y_CLS), "y_pred": _f("labels", Y_CLS[::-1])},
        {},
    ),
    "metrics.precision": lambda m: (
        m.precision,
        {"y_true": _f("labels", Y_CLS), "y_pred": _f("labels", Y_CLS[::-1])},
        {"average": "macro"},
    ),
    "metrics.recall": lambda m: (
        m.recall,
        {"y_true": _f("labels", Y_BIN), "y_pred": _f("labels", Y_BIN[::-1])},
        {},
    ),
    "metrics.f1_score": lambda m: (
        m.f1_score,
        {"y_true": _f("labels", Y_CLS), "y_pred": _f("labels", Y_CLS[::-1])},
        {"average": "weighted"},
    ),
    "metrics.roc_curve": lambda m: (
        m.roc_curve,
        {"y_true": _f("labels", Y_BIN), "scores": _f("float", SCORES)},
        {},
    ),
    "metrics.roc_auc": lambda m: (
        m.roc_auc,
        {"y_true": _f("labels", Y_BIN), "scores": _f("float", SCORES)},
        {},
    ),
    "metrics.precision_recall_curve": lambda m: (
        m.precision_recall_curve,
        {"y_true": _f("labels", Y_BIN), "scores": _f("float", SCORES)},
        {},
    ),
    "metrics.auc": lambda m: (
        m.auc,
        {"x": _f("float", np.linspace(0, 1, 6)), "y": _f("float", PROBS)},
        {},
    ),
    # linear regression
    "linear_regression.LinearRegression.forward": lambda m: (
        _model(m, 2).forward,
        {"X": _f("float", X)},
        {},
    ),
    "linear_regression.LinearRegression.backward": lambda m: (
        _after_forward(_model(m, 2), X),
        {"dout": _f("float", Y_REG)},
        {},
    ),
    "linear_regression.mse_gradient": lambda m: (
        m.mse_gradient,
        {"X": _f("float", X), "y": _f("float", Y_REG)},
        {"model": _model(m, 2)},
    ),
    "linear_regression.fit_closed_form": lambda m: (
        m.fit_closed_form,
        {"X": _f("float", X), "y": _f("float", Y_REG)},
        {},
    ),
    "linear_regression.gradient_step": lambda m: (
        m.gradient_step,
        {"X": _f("float", X), "y": _f("float", Y_REG)},
        {"model": _model(m, 2), "lr": 0.1},
    ),
    "linear_regression.minibatch_sgd": lambda m: (
        m.minibatch_sgd,
        {"X": _f("float", X), "y": _f("float", Y_REG)},
        {"model": _model(m, 2), "lr": 0.1, "epochs": 1, "batch_size": 3},
    ),
    "linear_regression.gradient_descent": lambda m: (
        m.gradient_descent,
        {"X": _f("float", X), "y": _f("float", Y_REG)},
        {"model": _model(m, 2), "lr": 0.1, "epochs": 1},
    ),
    "linear_regression.mse_surface": lambda m: (
        m.mse_surface,
        {
            "X": _f("float", X[:, :1]),
            "y": _f("float", Y_REG),
            "weights": _f("float", np.linspace(-1, 1, 3)),
            "biases": _f("float", np.linspace(-1, 1, 4)),
        },
        {},
    ),
    # logistic regression
    "logistic_regression.LogisticRegression.forward": lambda m: (
        _model(m, 2).forward,
        {"X": _f("float", X)},
        {},
    ),
    "logistic_regression.LogisticRegression.backward": lambda m: (
        _after_forward(_model(m, 2), X),
        {"dout": _f("float", Y_REG)},
        {},
    ),
    "logistic_regression.LogisticRegression.predict": lambda m: (
        _model(m, 2).predict,
        {"X": _f("float", X)},
        {},
    ),
    "logistic_regression.LogisticRegression.predict_proba": lambda m: (
        _model(m, 2).predict_proba,
        {"X": _f("float", X)},
        {},
    ),
    "logistic_regression.check_classification_data": lambda m: (
        m.check_classification_data,
        {"X": _f("float", X), "y": _f("binary", Y_BIN)},
        {},
    ),
    "logistic_regression.bce_gradient": lambda m: (
        m.bce_gradient,
        {"X": _f("float", X), "y": _f("binary", Y_BIN)},
        {"model": _model(m, 2)},
    ),
    "logistic_regression.gradient_step": lambda m: (
        m.gradient_step,
        {"X": _f("float", X), "y": _f("binary", Y_BIN)},
        {"model": _model(m, 2), "lr": 0.1},
    ),
    "logistic_regression.accuracy_metric": lambda m: (
        m.accuracy_metric,
        {"X": _f("float", X), "y": _f("binary", Y_BIN)},
        {"model": _model(m, 2)},
    ),
    "logistic_regression.minibatch_sgd": lambda m: (
        m.minibatch_sgd,
        {"X": _f("float", X), "y": _f("binary", Y_BIN)},
        {"model": _model(m, 2), "lr": 0.1, "epochs": 1, "batch_size": 3},
    ),
    "logistic_regression.gradient_descent": lambda m: (
        m.gradient_descent,
        {"X": _f("float", X), "y": _f("binary", Y_BIN)},
        {"model": _model(m, 2), "lr": 0.1, "epochs": 1},
    ),
    # softmax regression
    "softmax_regression.SoftmaxRegression.forward": lambda m: (
        _model(m, 2, 3).forward,
        {("x" if "numpy" in m.__name__ else "X"): _f("float", X)},
        {},
    ),
    "softmax_regression.SoftmaxRegression.backward": lambda m: (
        _after_forward(_model(m, 2, 3), X),
        {"dout": _f("float", LOGITS)},
        {},
    ),
    "softmax_regression.SoftmaxRegression.predict": lambda m: (
        _model(m, 2, 3).predict,
        {"X": _f("float", X)},
        {},
    ),
    "softmax_regression.SoftmaxRegression.predict_proba": lambda m: (
        _model(m, 2, 3).predict_proba,
        {"X": _f("float", X)},
        {},
    ),
    "softmax_regression.check_multiclass_data": lambda m: (
        m.check_multiclass_data,
        {"X": _f("float", X), "y": _f("labels", Y_CLS)},
        {"num_classes": 3},
    ),
    "softmax_regression.cross_entropy_gradient": lambda m: (
        m.cross_entropy_gradient,
        {"X": _f("float", X), "y": _f("labels", Y_CLS)},
        {"model": _model(m, 2, 3)},
    ),
    "softmax_regression.gradient_step": lambda m: (
        m.gradient_step,
        {"X": _f("float", X), "y": _f("labels", Y_CLS)},
        {"model": _model(m, 2, 3), "lr": 0.1},
    ),
    "softmax_regression.accuracy_metric": lambda m: (
        m.accuracy_metric,
        {"X": _f("float", X), "y": _f("labels", Y_CLS)},
        {"model": _model(m, 2, 3)},
    ),
    "softmax_regression.minibatch_sgd": lambda m: (
        m.minibatch_sgd,
        {"X": _f("float", X), "y": _f("labels", Y_CLS)},
        {"model": _model(m, 2, 3), "lr": 0.1, "epochs": 1, "batch_size": 3},
    ),
}


def _sequence_cases():
    """Recurrent layers, embeddings and gradient clipping (chapter 6)."""
    from helpers.numpy_nn import rnn
    from helpers.numpy_nn.embedding import Embedding

    T, N, D, H, L = 4, 3, 2, 5, 2
    seq, state, top = (
        rng.normal(size=(T, N, D)),
        rng.normal(size=(L, N, H)),
        rng.normal(size=(T, N, H)),
    )
    step_x, step_h = rng.normal(size=(N, D)), rng.normal(size=(N, H))
    ids = np.array([[0, 3, 3], [2, 1, 0]])

    def lstm_forward(x, h_0, c_0):
        return rnn.LSTM(D, H, num_layers=L).forward(x, (h_0, c_0))

    def lstm_cell_forward(x, h_0, c_0):
        return rnn.LSTMCell(D, H).forward(x, (h_0, c_0))

    cases = {
        "embedding.Embedding.forward": lambda m: (
            Embedding(4, 3).forward,
            {"x": _f("labels", ids)},
            {},
        ),
        "embedding.Embedding.backward": lambda m: (
            _after_forward(Embedding(4, 3), ids),
            {"dout": _f("float", rng.normal(size=(2, 3, 3)))},
            {},
        ),
        "clip.clip_grad_norm_": lambda m: (
            m.clip_grad_norm_,
            {"grads": _f("float", Z.copy())},
            {"max_norm": 1.0},
        ),
        "rnn.LSTM.forward": lambda m: (
            lstm_forward,
            {
                "x": _f("float", seq),
                "h_0": _f("float", state),
                "c_0": _f("float", state),
            },
            {},
        ),
        "rnn.LSTM.backward": lambda m: (
            _after_forward(rnn.LSTM(D, H, num_layers=L), seq),
            {
                "d_output": _f("float", top),
                "d_h_n": _f("float", state),
                "d_c_n": _f("float", state),
            },
            {},
        ),
        "rnn.LSTMCell.forward": lambda m: (
            lstm_cell_forward,
            {
                "x": _f("float", step_x),
                "h_0": _f("float", step_h),
                "c_0": _f("float", step_h),
            },
            {},
        ),
        "rnn.LSTMCell.backward": lambda m: (
            _after_forward(rnn.LSTMCell(D, H), step_x),
            {"d_h_next": _f("float", step_h), "d_c_next": _f("float", step_h)},
            {},
        ),
    }
    for name in ("RNN", "GRU"):
        cls = getattr(rnn, name)
        cases[f"rnn.{name}.forward"] = lambda m, cls=cls: (
            cls(D, H, num_layers=L).forward,
            {"x": _f("float", seq), "hx": _f("float", state)},
            {},
        )
        cases[f"rnn.{name}.backward"] = lambda m, cls=cls: (
            _after_forward(cls(D, H, num_layers=L), seq),
            {"d_output": _f("float", top), "d_h_n": _f("float", state)},
            {},
        )
        cell = getattr(rnn, f"{name}Cell")
        cases[f"rnn.{name}Cell.forward"] = lambda m, cell=cell: (
            cell(D, H).forward,
            {"x": _f("float", step_x), "hx": _f("float", step_h)},
            {},
        )
        cases[f"rnn.{name}Cell.backward"] = lambda m, cell=cell: (
            _after_forward(cell(D, H), step_x),
            {"d_h_next": _f("float", step_h)},
            {},
        )
    return cases


def _numpy_only_cases():
    from helpers.numpy_nn import layers
    from helpers.numpy_nn.autograd import Tensor
    from helpers.numpy_nn.linear import Linear

    def mse(model, X, y):
        return float(np.mean((model(X) - y) ** 2))

    def mse_grad(model, X, y):
        r = 2 * (model(X) - y) / len(y)
        return {"weight": (r @ X)[None, :], "bias": np.array([r.sum()])}

    cases = {
        "linear.Linear.forward": lambda m: (
            Linear(2, 3).forward,
            {"x": _f("float", X)},
            {},
        ),
        "linear.Linear.backward": lambda m: (
            _after_forward(Linear(2, 3), X),
            {"dout": _f("float", LOGITS)},
            {},
        ),
        "layers.Sequential.forward": lambda m: (
            layers.mlp([2, 4, 3]).forward,
            {"x": _f("float", X)},
            {},
        ),
        "layers.Sequential.backward": lambda m: (
            _after_forward(layers.mlp([2, 4, 3]), X),
            {"dout": _f("float", LOGITS)},
            {},
        ),
        "layers.CrossEntropyLoss.forward": lambda m: (
            layers.CrossEntropyLoss().forward,
            {"logits": _f("float", LOGITS), "targets": _f("labels", Y_CLS)},
            {},
        ),
        "init.xavier_uniform_": lambda m: (
            m.xavier_uniform_,
            {"weight": _f("float", np.zeros((3, 2)))},
            {"rng": 0},
        ),
        "init.kaiming_normal_": lambda m: (
            m.kaiming_normal_,
            {"weight": _f("float", np.zeros((3, 2)))},
            {"rng": 0},
        ),
        "optim.minibatch_sgd": lambda m: (
            m.minibatch_sgd,
            {"X": _f("any", X), "y": _f("any", Y_REG)},
            {
                "model": _model(
                    importlib.import_module("helpers.numpy_nn.linear_regression"), 2
                ),
                "loss_fn": mse,
                "gradient_fn": mse_grad,
                "lr": 0.1,
                "epochs": 1,
                "batch_size": 3,
            },
        ),
        "activations.softmax_backward": lambda m: (
            m.softmax_backward,
            {"dout": _f("float", Z), "probs": _f("float", SOFTMAX_Z)},
            {},
        ),
        "activations.check_softmax_output": lambda m: (
            m.check_softmax_output,
            {"probs": _f("float", SOFTMAX_Z)},
            {},
        ),
        "layers.Softmax.forward": lambda m: (
            layers.Softmax().forward,
            {"x": _f("float", Z)},
            {},
        ),
        "layers.Softmax.backward": lambda m: (
            _after_forward(layers.Softmax(), Z),
            {"dout": _f("float", Z)},
            {},
        ),
        "tensor_mlp.tensor_cross_entropy": lambda m: (
            m.tensor_cross_entropy,
            {"y": _f("labels", Y_CLS)},
            {"logits": Tensor(LOGITS)},
        ),
        "autograd.Tensor": lambda m: (Tensor, {"data": _f("float", Z)}, {}),
        "autograd.Tensor.backward": lambda m: (
            Tensor(Z).backward,
            {"gradient": _f("float", Z)},
            {},
        ),
        "optim.Optimizer": lambda m: (
            lambda params: m.Optimizer([params], {"lr": 0.1}),
            {"params": _f("float", Z)},
            {},
        ),
    }
    cases.update(_attention_cases())
    from helpers.numpy_nn.dropout import Dropout
    from helpers.numpy_nn.norm import BatchNorm1d, LayerNorm

    for name, make in (
        ("norm.BatchNorm1d", lambda: BatchNorm1d(2)),
        ("norm.LayerNorm", lambda: LayerNorm(2)),
        ("dropout.Dropout", lambda: Dropout(0.5, rng=0)),
    ):
        cases[f"{name}.forward"] = lambda m, make=make: (
            make().forward,
            {"x": _f("float", X)},
            {},
        )
        cases[f"{name}.backward"] = lambda m, make=make: (
            _after_forward(make(), X),
            {"dout": _f("float", X)},
            {},
        )
    # Optimisers take a list (or dict) of arrays; the wrappers put the array in a list.
    for name in ("SGD", "RMSprop", "Adam", "AdamW"):
        cases[f"optim.{name}"] = lambda m, name=name: (
            lambda params: getattr(m, name)([params], lr=0.1),
            {"params": _f("float", Z)},
            {},
        )
        cases[f"optim.{name}.step"] = lambda m, name=name: (
            lambda grads: getattr(m, name)([Z.copy()], lr=0.1).step([grads]),
            {"grads": _f("float", Z)},
            {},
        )
    for name in ("ReLU", "Sigmoid", "Tanh"):
        cls = getattr(layers, name)
        cases[f"layers.{name}.forward"] = lambda m, cls=cls: (
            cls().forward,
            {"x": _f("float", Z)},
            {},
        )
        cases[f"layers.{name}.backward"] = lambda m, cls=cls: (
            _after_forward(cls(), Z),
            {"dout": _f("float", Z)},
            {},
        )
    cases.update(_sequence_cases())
    cases.update(_transformer_cases())
    return cases


def _transformer_cases():
    """The NumPy transformer block (chapter 7)."""
    from helpers.numpy_nn.transformer_block import TransformerBlock

    x = rng.normal(size=(2, 3, 4))
    cases = {
        "transformer_block.gelu": lambda m: (m.gelu, {"x": _f("float", Z)}, {}),
    }
    for method in ("forward", "attention", "mlp"):
        cases[f"transformer_block.TransformerBlock.{method}"] = (
            lambda m, method=method: (
                getattr(TransformerBlock(4, 2), method),
                {"x": _f("float", x)},
                {},
            )
        )
    return cases


def _attention_cases():
    from helpers.numpy_nn import attention

    Q, K = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4))
    V = rng.normal(size=(2, 5, 2))
    QUERY = rng.normal(size=(2, 3, 4))  # (N, L, E) with batch_first
    POSITIONS = np.arange(3)

    def sdpa_backward():
        return lambda dout: attention.scaled_dot_product_attention_backward(
            dout, attention.scaled_dot_product_attention(Q, K, V)[1]
        )

    def mha_backward():
        layer = attention.MultiheadAttention(4, 2, batch_first=True)
        layer.forward(QUERY, QUERY, QUERY)
        return layer.backward

    qkv = {"q": _f("float", Q), "k": _f("float", K), "v": _f("float", V)}
    return {
        "attention.scaled_dot_product_attention": lambda m: (
            m.scaled_dot_product_attention,
            qkv,
            {},
        ),
        "attention.scaled_dot_product_attention_backward": lambda m: (
            sdpa_backward(),
            {"dout": _f("float", rng.normal(size=(2, 3, 2)))},
            {},
        ),
        "attention.padding_mask": lambda m: (
            m.padding_mask,
            {"lengths": _f("labels", np.array([2, 5]))},
            {"S": 5},
        ),
        "attention.MultiheadAttention.forward": lambda m: (
            m.MultiheadAttention(4, 2, batch_first=True).forward,
            {
                "query": _f("float", QUERY),
                "key": _f("float", Q),
                "value": _f("float", Q),
            },
            {},
        ),
        "attention.MultiheadAttention.backward": lambda m: (
            mha_backward(),
            {"dout": _f("float", QUERY)},
            {},
        ),
        "attention.apply_rope": lambda m: (
            m.apply_rope,
            {"x": _f("float", Q), "positions": _f("labels", POSITIONS)},
            {},
        ),
        "attention.apply_rope_backward": lambda m: (
            m.apply_rope_backward,
            {"dout": _f("float", Q), "positions": _f("labels", POSITIONS)},
            {},
        ),
        "attention.blockwise_attention": lambda m: (
            m.blockwise_attention,
            qkv,
            {"block_size": 2},
        ),
    }


def _torch_only_cases():
    def mse(pred, target):
        return ((pred - target) ** 2).mean()

    return {
        "optim.minibatch_sgd": lambda m: (
            m.minibatch_sgd,
            {"X": _f("any", X), "y": _f("any", Y_REG)},
            {
                "model": _model(
                    importlib.import_module("helpers.torch_nn.linear_regression"), 2
                ),
                "loss_fn": mse,
                "lr": 0.1,
                "epochs": 1,
                "batch_size": 3,
            },
        ),
    }


IMAGES = rng.normal(size=(2, 3, 6, 5))  # (N, C, H, W)
CONV_WEIGHT = rng.normal(size=(4, 3, 3, 2))  # (F, C, kH, kW) -> output (2, 4, 4, 4)
SEQUENCES = rng.normal(size=(2, 3, 7))  # (N, C, L)
CONV1D_WEIGHT = rng.normal(size=(4, 3, 3))  # (F, C, k) -> output (2, 4, 5)
CONV_BIAS = rng.normal(size=4)  # (F,)


def _conv_cases():

    images, weight, bias = (
        _f("float", IMAGES),
        _f("float", CONV_WEIGHT),
        _f("float", CONV_BIAS),
    )
    conv_dout = _f("float", rng.normal(size=(2, 4, 4, 4)))
    pool_dout = _f("float", rng.normal(size=(2, 3, 3, 2)))  # 2 x 2 windows
    cases = {
        "conv.conv2d": lambda m: (
            m.conv2d,
            {"x": images, "weight": weight, "bias": bias},
            {},
        ),
        "conv.conv2d_loops": lambda m: (
            m.conv2d_loops,
            {"x": images, "weight": weight, "bias": bias},
            {},
        ),
        "conv.conv1d": lambda m: (
            m.conv1d,
            {"x": _f("float", SEQUENCES), "weight": _f("float", CONV1D_WEIGHT)},
            {},
        ),
        "conv.conv1d_backward": lambda m: (
            m.conv1d_backward,
            {
                "dout": _f("float", rng.normal(size=(2, 4, 5))),
                "x": _f("float", SEQUENCES),
                "weight": _f("float", CONV1D_WEIGHT),
            },
            {},
        ),
        "conv.Conv2d.forward": lambda m: (
            m.Conv2d(3, 4, (3, 2)).forward,
            {"x": images},
            {},
        ),
        "conv.Conv2d.backward": lambda m: (
            _after_forward(m.Conv2d(3, 4, (3, 2)), IMAGES),
            {"dout": conv_dout},
            {},
        ),
        "conv.Conv1d.forward": lambda m: (
            m.Conv1d(3, 4, 3).forward,
            {"x": _f("float", SEQUENCES)},
            {},
        ),
        "conv.Conv1d.backward": lambda m: (
            _after_forward(m.Conv1d(3, 4, 3), SEQUENCES),
            {"dout": _f("float", rng.normal(size=(2, 4, 5)))},
            {},
        ),
        "conv.Flatten.forward": lambda m: (m.Flatten().forward, {"x": images}, {}),
        "conv.Flatten.backward": lambda m: (
            _after_forward(m.Flatten(), IMAGES),
            {"dout": _f("float", rng.normal(size=(2, 90)))},
            {},
        ),
    }
    for name in ("conv2d_backward", "conv2d_loops_backward"):
        cases[f"conv.{name}"] = lambda m, name=name: (
            getattr(m, name),
            {"dout": conv_dout, "x": images, "weight": weight},
            {},
        )
    for name in ("max_pool2d", "max_pool2d_loops", "avg_pool2d", "avg_pool2d_loops"):
        cases[f"conv.{name}"] = lambda m, name=name: (
            getattr(m, name),
            {"x": images},
            {"kernel_size": 2},
        )
        cases[f"conv.{name}_backward"] = lambda m, name=name: (
            getattr(m, f"{name}_backward"),
            {"dout": pool_dout, "x": images},
            {"kernel_size": 2},
        )
    for name in ("MaxPool2d", "AvgPool2d"):
        cases[f"conv.{name}.forward"] = lambda m, name=name: (
            getattr(m, name)(2).forward,
            {"x": images},
            {},
        )
        cases[f"conv.{name}.backward"] = lambda m, name=name: (
            _after_forward(getattr(m, name)(2), IMAGES),
            {"dout": pool_dout},
            {},
        )
    return cases


CASES = {}
for _package, _only in (
    ("numpy_nn", {**_numpy_only_cases(), **_conv_cases()}),
    ("torch_nn", _torch_only_cases()),
):
    for _key, _make in {**SHARED_CASES, **_only}.items():
        _module_name, _, _rest = _key.partition(".")
        try:
            _module = importlib.import_module(f"helpers.{_package}.{_module_name}")
        except ModuleNotFoundError:
            continue
        _target = _module
        for _part in _rest.split("."):
            _target = getattr(_target, _part, None)
        if _target is not None and getattr(_target, "__module__", "").startswith(
            "helpers."
        ):
            CASES[f"{_package}.{_key}"] = (_module, _make)

SCHEDULERS = ("LRScheduler", "StepLR", "CosineAnnealingLR", "LinearLR", "SequentialLR")
# Public callables that take no array to corrupt, or one corruption that does not apply, and why.
NO_ARRAYS = "takes sizes, names or models, not arrays; its argument errors are tested in test_defects.py"
EXEMPT = {
    "numpy_nn.autograd.topological_order": "takes a Tensor and reads only its graph",
    "numpy_nn.autograd.unbroadcast": "the engine's own helper, called only on arrays the engine made",
    "numpy_nn.init.init_mlp_": NO_ARRAYS,
    "numpy_nn.layers.mlp": NO_ARRAYS,
    "numpy_nn.layers.Sequential": NO_ARRAYS,
    "numpy_nn.layers.ReLU": NO_ARRAYS,
    "numpy_nn.layers.Sigmoid": NO_ARRAYS,
    "numpy_nn.layers.Tanh": NO_ARRAYS,
    "numpy_nn.layers.CrossEntropyLoss": NO_ARRAYS,
    "numpy_nn.linear.Linear": NO_ARRAYS,
    "numpy_nn.linear_regression.LinearRegression": NO_ARRAYS,
    "numpy_nn.logistic_regression.LogisticRegression": NO_ARRAYS,
    "numpy_nn.softmax_regression.SoftmaxRegression": NO_ARRAYS,
    "numpy_nn.activations.check_softmax_axis": "takes an integer axis and a rank; tested in test_softmax_jacobian.py",
    "numpy_nn.layers.Softmax": NO_ARRAYS,
    "numpy_nn.tensor_mlp.TensorLinear": NO_ARRAYS,
    "numpy_nn.tensor_mlp.TensorMLP": NO_ARRAYS,
    "numpy_nn.tensor_mlp.TensorMLP.load_state_dict": "takes a dict; names and shapes are checked in test_tensor_mlp.py",
    "numpy_nn.optim.sgd_step": "takes dicts of arrays; test_defects.py checks its gradient checks",
    "numpy_nn.optim.log_parameters": "takes a History and a model, not arrays",
    **{
        f"numpy_nn.lr_scheduler.{name}": "takes an optimiser; see ARGUMENT_CASES"
        for name in SCHEDULERS
    },
    **{
        f"numpy_nn.lr_scheduler.{name}.lr_at": "takes a step and a learning rate"
        for name in SCHEDULERS
    },
    "numpy_nn.lr_scheduler.warmup_cosine": "takes numbers; see ARGUMENT_CASES below",
    "numpy_nn.layers.TrainEvalMixin": "train(), eval(); see ARGUMENT_CASES, test_norm",
    "numpy_nn.norm.BatchNorm1d": NO_ARRAYS,
    "numpy_nn.norm.LayerNorm": NO_ARRAYS,
    "numpy_nn.dropout.Dropout": "takes p and an rng; see ARGUMENT_CASES below",
    "numpy_nn.norm.BatchNorm1d.load_state_dict": "takes a dict; see test_norm.py",
    "numpy_nn.norm.LayerNorm.load_state_dict": "takes a dict; see test_norm.py",
    "numpy_nn.optim.Optimizer.step": "the base class has no update rule",
    **{
        f"numpy_nn.optim.{name}.load_state_dict": "takes a dict; see test_optim.py"
        for name in ("Optimizer", "SGD", "RMSprop", "Adam", "AdamW")
    },
    "numpy_nn.linear.Linear.load_state_dict": "takes a dict; names and shapes are checked in test_linear_regression.py",
    "numpy_nn.layers.Sequential.load_state_dict": "takes a dict; names are checked in test_layers.py",
    "numpy_nn.linear_regression.LinearRegression.load_state_dict": "inherited from Linear, see there",
    "numpy_nn.logistic_regression.LogisticRegression.load_state_dict": "inherited from Linear, see there",
    "numpy_nn.softmax_regression.SoftmaxRegression.load_state_dict": "inherited from Linear, see there",
    "numpy_nn.attention.causal_mask": NO_ARRAYS,
    "numpy_nn.attention.sinusoidal_positions": NO_ARRAYS,
    "numpy_nn.attention.rope_frequencies": NO_ARRAYS,
    "numpy_nn.attention.attention_memory_bytes": NO_ARRAYS,
    "numpy_nn.attention.MultiheadAttention": NO_ARRAYS,
    "numpy_nn.attention.MultiheadAttention.load_state_dict": (
        "takes a dict; see test_attention.py"
    ),
    "numpy_nn.attention.AttentionCache": (
        "a record that scaled_dot_product_attention returns, not built by hand"
    ),
    "torch_nn.layers.mlp": NO_ARRAYS,
    "torch_nn.linear_regression.LinearRegression": NO_ARRAYS,
    "torch_nn.logistic_regression.LogisticRegression": NO_ARRAYS,
    "torch_nn.softmax_regression.SoftmaxRegression": NO_ARRAYS,
    "torch_nn.optim.autograd_gradients": "takes a model and a loss tensor that autograd itself checks",
    "torch_nn.optim.log_parameters": "takes a History and a model, not arrays",
}
# Chapter 6: recurrent layers, embeddings and clipping.
_SEQUENCE_CLASSES = (
    "embedding.Embedding",
    "rnn.RNN",
    "rnn.LSTM",
    "rnn.GRU",
    "rnn.RNNCell",
    "rnn.LSTMCell",
    "rnn.GRUCell",
)
EXEMPT.update({f"numpy_nn.{name}": NO_ARRAYS for name in _SEQUENCE_CLASSES})
_TAKES_A_DICT = "takes a dict; test_rnn.py and test_embedding.py check names and shapes"
EXEMPT.update(
    {f"numpy_nn.{name}.load_state_dict": _TAKES_A_DICT for name in _SEQUENCE_CLASSES}
)
EXEMPT.update(
    {
        "numpy_nn.transformer_block.TransformerBlock": NO_ARRAYS,
        "numpy_nn.transformer_block.TransformerBlock.load_state_dict": "takes a dict; test_gpt.py loads a torch Block's state into it",
    }
)
# Chapter 5: convolution, pooling and LeNet-5.
EXEMPT.update(
    {
        "numpy_nn.conv.conv_output_size": "takes integers; test_conv.py checks it",
        "numpy_nn.conv.receptive_field": "takes integer triples; test_conv.py checks it",
        **{
            f"numpy_nn.conv.{name}": NO_ARRAYS
            for name in ("Conv1d", "Conv2d", "MaxPool2d", "AvgPool2d", "Flatten")
        },
        "numpy_nn.conv.Conv1d.load_state_dict": "takes a dict; test_conv.py checks it",
        "numpy_nn.conv.Conv2d.load_state_dict": "takes a dict; test_conv.py checks it",
        "numpy_nn.lenet.lenet5": NO_ARRAYS,
        "torch_nn.lenet.lenet5": NO_ARRAYS,
    }
)
# (case, argument, corruption) -> why that corruption is not an error there.
NOT_AN_ERROR = {
    (
        "numpy_nn.init.xavier_uniform_",
        "weight",
        "nonfinite",
    ): "the values are about to be overwritten",
    (
        "numpy_nn.init.kaiming_normal_",
        "weight",
        "nonfinite",
    ): "the values are about to be overwritten",
    (
        "numpy_nn.linear_regression.mse_surface",
        "weights",
        "framework",
    ): "any sequence of numbers is accepted",
    (
        "numpy_nn.linear_regression.mse_surface",
        "biases",
        "framework",
    ): "any sequence of numbers is accepted",
    (
        "numpy_nn.linear_regression.mse_surface",
        "weights",
        "dtype",
    ): "whole-number weights are fine",
    (
        "numpy_nn.linear_regression.mse_surface",
        "biases",
        "dtype",
    ): "whole-number biases are fine",
    (
        "numpy_nn.autograd.Tensor",
        "data",
        "empty",
    ): "an empty Tensor is a value, as in torch",
    (
        "numpy_nn.autograd.Tensor",
        "data",
        "dtype",
    ): "data is stored as float64 whatever it was",
    (
        "numpy_nn.autograd.Tensor",
        "data",
        "nonfinite",
    ): "nan and inf are values the engine carries, as torch does",
    (
        "numpy_nn.autograd.Tensor.backward",
        "gradient",
        "dtype",
    ): "the gradient is stored as float64 whatever it was",
}
NOT_AN_ERROR.update(
    {
        (
            "numpy_nn.clip.clip_grad_norm_",
            "grads",
            "empty",
        ): "a gradient without entries adds 0 to the norm, as in torch",
        (
            "numpy_nn.clip.clip_grad_norm_",
            "grads",
            "nonfinite",
        ): "as torch by default, a nan gradient gives a nan norm (see error_if_nonfinite)",
    }
)


def test_every_public_function_has_a_case():
    missing = sorted(set(_public_callables()) - set(CASES) - set(EXEMPT))
    assert not missing, (
        f"add a case to CASES (or a reason to EXEMPT) in tests/test_bad_input.py for: {missing}"
    )
    stale = sorted((set(CASES) | set(EXEMPT)) - set(_public_callables()))
    assert not stale, f"CASES or EXEMPT name callables that no longer exist: {stale}"


def _framework(key):
    return "torch" if key.startswith("torch_nn.") else "numpy"


def _to_framework(value, framework):
    if framework == "numpy":
        return value
    return torch.as_tensor(
        value.copy(), dtype=torch.float64 if value.dtype.kind == "f" else torch.int64
    )


def _build(key):
    module, make = CASES[key]
    fn, arrays, others = make(module)
    framework = _framework(key)
    return (
        fn,
        {
            name: (_to_framework(value, framework), kind)
            for name, (value, kind) in arrays.items()
        },
        others,
    )


@pytest.mark.parametrize("key", sorted(CASES))
def test_valid_input_is_accepted(key):
    fn, arrays, others = _build(key)
    fn(**{name: value for name, (value, _) in arrays.items()}, **others)


def _corrupt(value, kind, corruption):
    """The bad version of ``value`` (of the given kind) for one of ``CORRUPTIONS``."""
    is_torch = isinstance(value, torch.Tensor)
    if corruption == "empty":
        return value[:0]
    if corruption == "framework":
        return value.numpy() if is_torch else torch.as_tensor(value.copy())
    if corruption == "dtype":
        wrong = {
            "float": np.int64,
            "labels": np.float64,
            "binary": np.complex128,
            "any": np.complex128,
        }[kind]
        array = np.ones(tuple(value.shape), dtype=wrong)
        return torch.as_tensor(array) if is_torch else array
    bad = (value.numpy() if is_torch else value).astype(np.float64).copy()
    bad.flat[0] = np.nan
    return torch.as_tensor(bad) if is_torch else bad


BAD_CASES = [
    (key, name, corruption)
    for key in sorted(CASES)
    for name, (_, kind) in _build(key)[1].items()
    for corruption in CORRUPTIONS
    if (key, name, corruption) not in NOT_AN_ERROR
    and not (kind == "labels" and corruption == "nonfinite")
]  # integer labels cannot hold nan


@pytest.mark.parametrize("key, name, corruption", BAD_CASES)
def test_bad_input_names_the_argument(key, name, corruption):
    fn, arrays, others = _build(key)
    bad = _corrupt(*arrays[name], corruption)
    kwargs = {arg: value for arg, (value, _) in arrays.items()}
    kwargs[name] = bad
    with pytest.raises((ValueError, TypeError)) as caught:
        fn(**kwargs, **others)
    message = str(caught.value)
    assert re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", message), (
        f"{key}: the error for a bad {name} ({corruption}) does not name it: {type(caught.value).__name__}: {message}"
    )


def test_the_twins_give_the_same_messages():
    """NumPy and torch versions of a function reject the same input with the same words."""
    from helpers.numpy_nn import losses, metrics
    from helpers.torch_nn import losses as tlosses
    from helpers.torch_nn import metrics as tmetrics

    pairs = [
        (lambda m, w: m.mse_loss(w(np.zeros(0)), w(np.zeros(0))), losses, tlosses),
        (lambda m, w: m.one_hot(w(np.array([0, 1])), 2.0), losses, tlosses),
        (
            lambda m, w: m.cross_entropy(w(LOGITS), w(Y_CLS.astype(float))),
            losses,
            tlosses,
        ),
        (lambda m, w: m.f1_score(w(Y_BIN), w(Y_BIN), positive=3), metrics, tmetrics),
        (lambda m, w: m.accuracy(w(Y_BIN), w(Y_BIN[:3])), metrics, tmetrics),
    ]
    for call, numpy_module, torch_module in pairs:
        messages = []
        for module, wrap in (
            (numpy_module, np.asarray),
            (torch_module, torch.as_tensor),
        ):
            with pytest.raises((ValueError, TypeError)) as caught:
                call(module, wrap)
            messages.append(re.sub(r"dtype \S+|torch\.\w+", "", str(caught.value)))
        assert messages[0] == messages[1]


# --- convolution arguments: sizes, channels, strides and ranks ------------------------
def _conv_argument_errors():
    from helpers.numpy_nn import conv

    x, weight = np.ones((2, 3, 4, 4)), np.ones((8, 3, 3, 3))
    return {
        "kernel larger than the input": (
            lambda: conv.conv2d(np.ones((1, 1, 4, 6)), np.ones((1, 1, 5, 5))),
            r"kernel_size must span at most the padded input height \(4 \+ 2 \* 0 = "
            r"4\), got a kernel spanning 5 \(kernel_size 5, dilation 1\)",
        ),
        "kernel larger than the padded input": (
            lambda: conv.Conv2d(1, 1, (3, 7), padding=1)(np.ones((1, 1, 4, 4))),
            r"kernel_size must span at most the padded input width \(4 \+ 2 \* 1 = "
            r"6\), got a kernel spanning 7",
        ),
        "dilated kernel larger than the input": (
            lambda: conv.conv_output_size(5, 3, dilation=3),
            r"padded input \(5 \+ 2 \* 0 = 5\), got a kernel spanning 7 \(kernel_size "
            r"3, dilation 3\)",
        ),
        "pooling window larger than the input": (
            lambda: conv.max_pool2d(np.ones((1, 1, 3, 3)), 4),
            r"kernel_size must span at most the padded input height \(3 \+ 2 \* 0 = "
            r"3\)",
        ),
        "mismatched channels, layer": (
            lambda: conv.Conv2d(3, 8, 3)(np.ones((2, 4, 5, 5))),
            r"x must have 3 channels \(in_channels of Conv2d\(3, 8, .*\)\), got 4 "
            r"channels in shape \(2, 4, 5, 5\)",
        ),
        "mismatched channels, function": (
            lambda: conv.conv2d(np.ones((2, 4, 5, 5)), weight),
            r"x must have 3 channels \(in_channels of weight of shape \(8, 3, 3, "
            r"3\)\), got 4 channels",
        ),
        "mismatched channels, 1-D": (
            lambda: conv.Conv1d(2, 8, 3)(np.ones((2, 5, 9))),
            r"x must have 2 channels \(in_channels of Conv1d\(2, 8, .*\)\), got 5 "
            r"channels",
        ),
        "zero stride": (
            lambda: conv.Conv2d(1, 1, 3, stride=0),
            r"stride must be a positive integer or a pair of them \(height, width\), "
            r"got 0",
        ),
        "non-integer stride": (
            lambda: conv.conv2d(x, weight, stride=1.5),
            r"stride must be a positive integer or a pair of them .*got 1\.5",
        ),
        "a zero in a stride pair": (
            lambda: conv.conv2d(x, weight, stride=(1, 0)),
            r"stride must be a positive integer .*got \(1, 0\)",
        ),
        "text as a stride": (
            lambda: conv.MaxPool2d(2, stride="2"),
            r"stride must be a positive integer .*got '2'",
        ),
        "zero stride, 1-D": (
            lambda: conv.Conv1d(1, 1, 3, stride=0),
            r"stride must be a positive integer, got 0",
        ),
        "zero stride, pooling": (
            lambda: conv.max_pool2d(x, 2, stride=0),
            r"stride must be a positive integer .*got 0",
        ),
        "a triple as a kernel size": (
            lambda: conv.Conv2d(1, 1, (1, 2, 3)),
            r"kernel_size must be a positive integer or a pair of them",
        ),
        "zero kernel size": (
            lambda: conv.AvgPool2d(0),
            r"kernel_size must be a positive integer",
        ),
        "input of rank 2": (
            lambda: conv.Conv2d(1, 1, 3)(np.ones((5, 5))),
            r"x must have shape \(N, C, H, W\), got shape \(5, 5\)",
        ),
        "one image without its batch axis": (
            lambda: conv.conv2d(np.ones((3, 4, 4)), weight),
            r"x must have shape \(N, C, H, W\), got shape \(3, 4, 4\)",
        ),
        "pooling input of rank 3": (
            lambda: conv.MaxPool2d(2)(np.ones((3, 4, 4))),
            r"x must have shape \(N, C, H, W\), got shape \(3, 4, 4\)",
        ),
        "1-D input of rank 4": (
            lambda: conv.Conv1d(1, 1, 3)(np.ones((1, 1, 5, 5))),
            r"x must have shape \(N, C, L\), got shape \(1, 1, 5, 5\)",
        ),
        "negative padding": (
            lambda: conv.Conv2d(1, 1, 3, padding=-1),
            r"padding must be a non-negative integer or a pair of them \(height, "
            r"width\), got -1",
        ),
        "negative padding in a pair": (
            lambda: conv.conv2d(x, weight, padding=(0, -1)),
            r"padding must be a non-negative integer .*got \(0, -1\)",
        ),
        "negative padding, 1-D": (
            lambda: conv.conv1d(np.ones((1, 1, 5)), np.ones((1, 1, 3)), padding=-2),
            r"padding must be a non-negative integer, got -2",
        ),
        "pooling padding over half the window": (
            lambda: conv.MaxPool2d(3, padding=2)(x),
            r"padding must be at most half the \(dilated\) kernel size, \(1, 1\) for "
            r"kernel_size \(3, 3\) and dilation \(1, 1\), got \(2, 2\)",
        ),
        "weight of the wrong rank": (
            lambda: conv.conv2d(x, np.ones((3, 3))),
            r"weight must have shape \(out_channels, in_channels, kH, kW\), got shape "
            r"\(3, 3\)",
        ),
        "1-D weight of the wrong rank": (
            lambda: conv.conv1d(np.ones((1, 1, 5)), np.ones((1, 1, 1, 3))),
            r"weight must have shape \(out_channels, in_channels, kernel_size\), got "
            r"shape \(1, 1, 1, 3\)",
        ),
        "bias of the wrong shape": (
            lambda: conv.conv2d(x, weight, np.ones(3)),
            r"bias must have shape \(out_channels,\) = \(8,\) to match weight of "
            r"shape \(8, 3, 3, 3\), got shape \(3,\)",
        ),
        "weight of the wrong shape in a state dict": (
            lambda: conv.Conv2d(3, 8, 3).load_state_dict(
                {"weight": np.ones((8, 3, 5, 5)), "bias": np.ones(8)}
            ),
            r"weight must have shape \(8, 3, 3, 3\), got \(8, 3, 5, 5\)",
        ),
        "dout of the wrong shape": (
            lambda: conv.conv2d_backward(np.ones((2, 8, 3, 3)), x, weight),
            r"dout must have the output's shape \(2, 8, 2, 2\), got shape \(2, 8, 3, "
            r"3\)",
        ),
        "receptive field of a pair": (
            lambda: conv.receptive_field([(3, 1)]),
            r"layers\[0\] must be a \(kernel_size, stride, dilation\) triple, got "
            r"\(3, 1\)",
        ),
    }


CONV_ARGUMENT_ERRORS = _conv_argument_errors()


@pytest.mark.parametrize("case", sorted(CONV_ARGUMENT_ERRORS))
def test_convolution_arguments_are_explained(case):
    call, message = CONV_ARGUMENT_ERRORS[case]
    with pytest.raises((ValueError, TypeError), match=message) as caught:
        call()
    assert re.match(r"\w[\w\[\]0-9 ]* must (be|have|span)", str(caught.value)), str(
        caught.value
    )


# --- arguments that are not arrays: hyperparameters, probabilities, order of calls ---
def _optimizer_arguments():
    from helpers.numpy_nn import optim

    params = {"w": np.zeros(3)}
    return [
        (
            "Adam(learning_rate=0.1)",
            lambda: optim.Adam(params, learning_rate=0.1),
            TypeError,
            r"Adam got an unexpected keyword argument 'learning_rate'; "
            r"its hyperparameters are lr, betas",
        ),
        (
            "SGD(momentun=0.9)",
            lambda: optim.SGD(params, lr=0.1, momentun=0.9),
            TypeError,
            r"'momentun' \(did you mean 'momentum'\?\)",
        ),
        (
            "SGD(lr=-0.1)",
            lambda: optim.SGD(params, lr=-0.1),
            ValueError,
            r"lr must be a non-negative number, got -0.1",
        ),
        (
            "Adam(lr=-1)",
            lambda: optim.Adam(params, lr=-1),
            ValueError,
            r"lr must be a non-negative",
        ),
        (
            "Adam(betas=(0.9, 1.0))",
            lambda: optim.Adam(params, betas=(0.9, 1.0)),
            ValueError,
            r"betas\[1\] must be in \[0, 1\), got 1.0",
        ),
        (
            "AdamW(betas=(-0.1, 0.9))",
            lambda: optim.AdamW(params, betas=(-0.1, 0.9)),
            ValueError,
            r"betas\[0\] must be in \[0, 1\), got -0.1",
        ),
        (
            "Adam(betas=0.9)",
            lambda: optim.Adam(params, betas=0.9),
            TypeError,
            r"betas must be a pair \(beta1, beta2\)",
        ),
        (
            "Adam(eps=0)",
            lambda: optim.Adam(params, eps=0),
            ValueError,
            r"eps must be positive",
        ),
        (
            "RMSprop(eps=-1e-8)",
            lambda: optim.RMSprop(params, eps=-1e-8),
            ValueError,
            r"eps must be positive",
        ),
        (
            "SGD(momentum=-0.9)",
            lambda: optim.SGD(params, lr=0.1, momentum=-0.9),
            ValueError,
            r"momentum must be a non-negative number, got -0.9",
        ),
        (
            "RMSprop(momentum=-1)",
            lambda: optim.RMSprop(params, momentum=-1),
            ValueError,
            r"momentum must be a non-negative",
        ),
        (
            "SGD(nesterov=True)",
            lambda: optim.SGD(params, lr=0.1, nesterov=True),
            ValueError,
            r"nesterov=True needs momentum > 0 and dampening = 0, got momentum=0",
        ),
        (
            "SGD(weight_decay=-1)",
            lambda: optim.SGD(params, lr=0.1, weight_decay=-1),
            ValueError,
            r"weight_decay must be a non-negative",
        ),
        (
            "step(wrong names)",
            lambda: optim.SGD(params, lr=0.1).step({"v": np.zeros(3)}),
            KeyError,
            r"grads must have exactly the names of params \['w'\], got \['v'\]",
        ),
        (
            "step(wrong shape)",
            lambda: optim.SGD(params, lr=0.1).step({"w": np.zeros(4)}),
            ValueError,
            r"grads\['w'\] must have the shape of params\['w'\], \(3,\), got \(4,\)",
        ),
    ]


def _scheduler_arguments():
    from helpers.numpy_nn import lr_scheduler as sched
    from helpers.numpy_nn import optim

    def fresh():
        return optim.SGD({"w": np.zeros(2)}, lr=0.1)

    def step_too_early():
        sched.StepLR(fresh(), step_size=3).step()

    o = fresh()
    torch_optimizer = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1)
    return [
        (
            "scheduler.step() first",
            step_too_early,
            ValueError,
            r"call optimizer.step\(\) before scheduler.step\(\): "
            r"StepLR.step\(\) was called before",
        ),
        (
            "StepLR(step_size=0)",
            lambda: sched.StepLR(o, step_size=0),
            ValueError,
            r"step_size must be a positive integer, got 0",
        ),
        (
            "StepLR(step_size=2.5)",
            lambda: sched.StepLR(o, step_size=2.5),
            TypeError,
            r"step_size must be a positive integer, got 2.5 of type float",
        ),
        (
            "StepLR(gamma=-1)",
            lambda: sched.StepLR(o, 3, gamma=-1),
            ValueError,
            r"gamma must be a positive number, got -1",
        ),
        (
            "CosineAnnealingLR(T_max=0)",
            lambda: sched.CosineAnnealingLR(o, T_max=0),
            ValueError,
            r"T_max must be a positive integer",
        ),
        (
            "CosineAnnealingLR(eta_min=-0.1)",
            lambda: sched.CosineAnnealingLR(o, 10, eta_min=-0.1),
            ValueError,
            r"eta_min must be a non-negative number, got -0.1",
        ),
        (
            "LinearLR(start_factor=0)",
            lambda: sched.LinearLR(o, start_factor=0),
            ValueError,
            r"start_factor must be a number in \(0, 1\], got 0",
        ),
        (
            "LinearLR(end_factor=1.5)",
            lambda: sched.LinearLR(o, end_factor=1.5),
            ValueError,
            r"end_factor must be a number in \[0, 1\], got 1.5",
        ),
        (
            "SequentialLR(milestones)",
            lambda: sched.SequentialLR(o, [sched.LinearLR(o)], [3]),
            ValueError,
            r"milestones must be a list of len\(schedulers\) - 1 = 0 steps, got \[3\]",
        ),
        (
            "SequentialLR(schedulers)",
            lambda: sched.SequentialLR(o, [sched.LinearLR(o), "cos"], [3]),
            TypeError,
            r"schedulers\[1\] must be a scheduler such as LinearLR.*got str",
        ),
        (
            "SequentialLR(other optimizer)",
            lambda: sched.SequentialLR(o, [sched.LinearLR(fresh())], []),
            ValueError,
            r"schedulers\[0\] must belong to the same optimizer",
        ),
        (
            "StepLR(torch optimizer)",
            lambda: sched.StepLR(torch_optimizer, 3),
            TypeError,
            r"optimizer must be an optimiser from helpers.numpy_nn.optim "
            r".*torch.optim.lr_scheduler",
        ),
        (
            "warmup_cosine(warmup_steps)",
            lambda: sched.warmup_cosine(5, 10, 10, 0.1),
            ValueError,
            r"warmup_steps must be smaller than total_steps = 10, got 10",
        ),
        (
            "warmup_cosine(step=-1)",
            lambda: sched.warmup_cosine(-1, 10, 2, 0.1),
            ValueError,
            r"step must be an integer >= 0, got -1",
        ),
        (
            "warmup_cosine(min_lr)",
            lambda: sched.warmup_cosine(1, 10, 2, 0.1, min_lr=0.2),
            ValueError,
            r"min_lr must be a number in \[0, 0.1\], got 0.2",
        ),
    ]


def _layer_arguments():
    from helpers.numpy_nn.dropout import Dropout
    from helpers.numpy_nn.norm import BatchNorm1d, LayerNorm

    return [
        (
            "BatchNorm1d(4) on (6, 3)",
            lambda: BatchNorm1d(4).forward(np.ones((6, 3))),
            ValueError,
            r"x must have shape \(N, C\) or \(N, C, L\) with C=4 for BatchNorm1d\(4"
            r".*got shape \(6, 3\)",
        ),
        (
            "BatchNorm1d(3) on (2, 3, 4, 5)",
            lambda: BatchNorm1d(3).forward(np.ones((2, 3, 4, 5))),
            ValueError,
            r"x must have shape \(N, C\) or \(N, C, L\) with C=3"
            r".*got shape \(2, 3, 4, 5\)",
        ),
        (
            "BatchNorm1d(3) on (3,)",
            lambda: BatchNorm1d(3).forward(np.ones(3)),
            ValueError,
            r"with C=3 .*got shape \(3,\)",
        ),
        (
            "BatchNorm1d batch of 1",
            lambda: BatchNorm1d(5).forward(np.ones((1, 5))),
            ValueError,
            r"expected more than 1 value per channel when training, "
            r"got input of shape \(1, 5\)",
        ),
        (
            "BatchNorm1d(momentum=2)",
            lambda: BatchNorm1d(3, momentum=2),
            ValueError,
            r"momentum must be a number in \[0, 1\] or None, got 2",
        ),
        (
            "BatchNorm1d(eps=0)",
            lambda: BatchNorm1d(3, eps=0),
            ValueError,
            r"eps must be positive",
        ),
        (
            "LayerNorm(4) on (2, 3)",
            lambda: LayerNorm(4).forward(np.ones((2, 3))),
            ValueError,
            r"x must have shape \(\.\.\., 4\) for LayerNorm.*got shape \(2, 3\)",
        ),
        (
            "LayerNorm('4')",
            lambda: LayerNorm("4"),
            TypeError,
            r"normalized_shape must be an integer or a tuple of integers, got '4'",
        ),
        (
            "Dropout(p=1)",
            lambda: Dropout(1.0),
            ValueError,
            r"p must be a probability in \[0, 1\), got 1.0 "
            r"\(p=1 would drop every unit\)",
        ),
        (
            "Dropout(p=-0.1)",
            lambda: Dropout(-0.1),
            ValueError,
            r"p must be a probability in \[0, 1\)",
        ),
        (
            "Dropout(p='0.5')",
            lambda: Dropout("0.5"),
            TypeError,
            r"p must be a probability.*of type str",
        ),
        (
            "Dropout(rng=RandomState)",
            lambda: Dropout(0.5, rng=np.random.RandomState(0)),
            TypeError,
            r"rng must be a numpy.random.Generator or an integer seed",
        ),
        (
            "Sequential.train('yes')",
            lambda: Dropout(0.5).train("yes"),
            TypeError,
            r"mode must be True or False, got 'yes'",
        ),
    ]


def _attention_arguments():
    from helpers.numpy_nn import attention as at

    def qkv(q=(2, 3, 4), k=(2, 5, 4), v=(2, 5, 2)):
        return np.ones(q), np.ones(k), np.ones(v)

    mha = at.MultiheadAttention(4, 2, batch_first=True)
    x, y = np.ones((2, 3, 4)), np.ones((2, 5, 4))
    return [
        (
            "MultiheadAttention(10, 3)",
            lambda: at.MultiheadAttention(10, 3),
            ValueError,
            r"embed_dim must be divisible by num_heads, got embed_dim=10 and "
            r"num_heads=3",
        ),
        (
            "attention attn_mask (4, 5)",
            lambda: at.scaled_dot_product_attention(
                *qkv(), attn_mask=np.ones((4, 5), dtype=bool)
            ),
            ValueError,
            r"attn_mask must have a shape that broadcasts to the scores' "
            r"\(\.\.\., L, S\) = \(2, 3, 5\), got \(4, 5\)",
        ),
        (
            "attention attn_mask of ints",
            lambda: at.scaled_dot_product_attention(
                *qkv(), attn_mask=np.ones((3, 5), dtype=int)
            ),
            TypeError,
            r"attn_mask must be boolean \(True = may attend\) or float"
            r".*got dtype int64",
        ),
        (
            "attention is_causal with attn_mask",
            lambda: at.scaled_dot_product_attention(
                *qkv(), attn_mask=np.ones((3, 5), dtype=bool), is_causal=True
            ),
            ValueError,
            r"attn_mask must be None when is_causal=True",
        ),
        (
            "attention k of 3 features",
            lambda: at.scaled_dot_product_attention(*qkv(k=(2, 5, 3))),
            ValueError,
            r"k must have the feature size E of q, 4, got 3",
        ),
        (
            "attention v of 4 positions",
            lambda: at.scaled_dot_product_attention(*qkv(v=(2, 4, 2))),
            ValueError,
            r"v must have as many positions S as k, 5, got 4",
        ),
        (
            "attention batch shapes",
            lambda: at.scaled_dot_product_attention(*qkv(q=(3, 3, 4))),
            ValueError,
            r"q, k and v must have the same batch shape .*got q \(3,\), "
            r"k \(2,\) and v \(2,\)",
        ),
        (
            "attention backward with a wrong cache",
            lambda: at.scaled_dot_product_attention_backward(np.ones((2, 3, 2)), None),
            TypeError,
            r"cache must be the AttentionCache .*got NoneType",
        ),
        (
            "MultiheadAttention attn_mask (3, 3)",
            lambda: mha(x, y, y, attn_mask=np.ones((3, 3), dtype=bool)),
            ValueError,
            r"attn_mask must have shape \(L, S\) = \(3, 5\) or "
            r"\(N \* num_heads, L, S\) = \(4, 3, 5\), got \(3, 3\)",
        ),
        (
            "MultiheadAttention key_padding_mask (5, 2)",
            lambda: mha(x, y, y, key_padding_mask=np.ones((5, 2), dtype=bool)),
            ValueError,
            r"key_padding_mask must have shape \(N, S\) = \(2, 5\), got \(5, 2\)",
        ),
        (
            "MultiheadAttention key of 3 features",
            lambda: mha(x, np.ones((2, 5, 3)), np.ones((2, 5, 3))),
            ValueError,
            r"key must have embed_dim = 4 features in its last dimension, "
            r"got shape \(2, 5, 3\)",
        ),
        (
            "MultiheadAttention batch sizes",
            lambda: mha(x, np.ones((3, 5, 4)), np.ones((3, 5, 4))),
            ValueError,
            r"query and key must have the same batch size N \(layout \(N, L, E\)\)",
        ),
        (
            "MultiheadAttention key and value",
            lambda: mha(x, y, np.ones((2, 4, 4))),
            ValueError,
            r"key and value must have the same shape, got \(2, 5, 4\) and \(2, 4, 4\)",
        ),
        (
            "MultiheadAttention backward of a wrong dout",
            lambda: (mha(x, y, y), mha.backward(np.ones((3, 2, 4)))),
            ValueError,
            r"dout must have the output's shape \(2, 3, 4\), got \(3, 2, 4\)",
        ),
        (
            "attention backward of a wrong dout",
            lambda: at.scaled_dot_product_attention_backward(
                np.ones((2, 3, 4)), at.scaled_dot_product_attention(*qkv())[1]
            ),
            ValueError,
            r"dout must have the output's shape \(\.\.\., L, Ev\) = \(2, 3, 2\), "
            r"got \(2, 3, 4\)",
        ),
        (
            "MultiheadAttention backward first",
            lambda: at.MultiheadAttention(4, 2).backward(np.ones((3, 2, 4))),
            RuntimeError,
            r"backward was called before forward",
        ),
        (
            "rope_frequencies(5, 10)",
            lambda: at.rope_frequencies(5, 10),
            ValueError,
            r"head_dim must be even \(RoPE rotates pairs of features\), got 5",
        ),
        (
            "apply_rope odd D",
            lambda: at.apply_rope(np.ones((2, 3, 5)), np.arange(3)),
            ValueError,
            r"x must have shape \(\.\.\., T, D\) with D even .*got shape \(2, 3, 5\)",
        ),
        (
            "apply_rope positions (4,)",
            lambda: at.apply_rope(np.ones((2, 3, 4)), np.arange(4)),
            ValueError,
            r"positions must have shape \(T,\) = \(3,\).*got \(4,\)",
        ),
        (
            "apply_rope negative positions",
            lambda: at.apply_rope(np.ones((3, 4)), np.array([-1, 0, 1])),
            ValueError,
            r"positions must be non-negative, got -1",
        ),
        (
            "blockwise_attention(block_size=0)",
            lambda: at.blockwise_attention(*qkv(), block_size=0),
            ValueError,
            r"block_size must be a positive integer, got 0",
        ),
        (
            "blockwise_attention(block_size=2.5)",
            lambda: at.blockwise_attention(*qkv(), block_size=2.5),
            ValueError,
            r"block_size must be a positive integer, got 2.5",
        ),
        (
            "attention_memory_bytes(block_size=-1)",
            lambda: at.attention_memory_bytes(8, 8, block_size=-1),
            ValueError,
            r"block_size must be a positive integer, got -1",
        ),
        (
            "padding_mask lengths > S",
            lambda: at.padding_mask(np.array([2, 6]), 5),
            ValueError,
            r"lengths must each be in 1..S = 1..5, got values from 2 to 6",
        ),
        (
            "causal_mask(0)",
            lambda: at.causal_mask(0),
            ValueError,
            r"L must be a positive integer, got 0",
        ),
    ]


ARGUMENT_CASES = (
    _optimizer_arguments()
    + _scheduler_arguments()
    + _layer_arguments()
    + _attention_arguments()
)


@pytest.mark.parametrize(
    "label, call, error, pattern", ARGUMENT_CASES, ids=[c[0] for c in ARGUMENT_CASES]
)
def test_bad_arguments_are_named_with_what_was_expected(label, call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def _sequence_errors():
    """Chapter 6's argument errors: (what is wrong, a call making it, the message)."""
    from helpers.numpy_nn import rnn
    from helpers.numpy_nn.clip import clip_grad_norm_
    from helpers.numpy_nn.embedding import Embedding
    from helpers.text import CharVocabulary

    def after_forward(layer, x):
        layer.forward(x)
        return layer

    lstm = rnn.LSTM(3, 4, num_layers=2, batch_first=True)
    x = np.zeros((2, 5, 3))
    return [
        (
            "characters outside the vocabulary",
            lambda: CharVocabulary("abc").encode("cab!"),
            r"text must contain only characters of the vocabulary .* '!' at position 3",
        ),
        (
            "a sequence of the wrong rank",
            lambda: lstm.forward(np.zeros((5, 3))),
            r"x must have shape \(N, T, D\) with batch_first=True, got shape \(5, 3\)",
        ),
        (
            "a sequence of the wrong rank, time first",
            lambda: rnn.RNN(3, 4).forward(np.zeros(3)),
            r"x must have shape \(T, N, D\) with batch_first=False, got shape \(3,\)",
        ),
        (
            "the wrong feature size",
            lambda: lstm.forward(np.zeros((2, 5, 4))),
            r"x must have input_size = 3 features in its last axis, shape \(N, T, 3\)",
        ),
        (
            "a hidden state of the wrong shape",
            lambda: rnn.GRU(3, 4).forward(x.transpose(1, 0, 2), np.zeros((2, 2, 4))),
            r"hx must have shape \(num_layers, N, hidden_size\) = \(1, 2, 4\), "
            r"got \(2, 2, 4\)",
        ),
        (
            "a cell state of the wrong shape",
            lambda: lstm.forward(x, (np.zeros((2, 2, 4)), np.zeros((2, 4)))),
            r"c_0 must have shape \(num_layers, N, hidden_size\) = \(2, 2, 4\), "
            r"got \(2, 4\)",
        ),
        (
            "a cell's hidden state of the wrong shape",
            lambda: rnn.RNNCell(3, 4).forward(np.zeros((2, 3)), np.zeros((3, 4))),
            r"hx must have shape \(N, hidden_size\) = \(2, 4\), got \(3, 4\)",
        ),
        (
            "an output gradient of the wrong shape",
            lambda: after_forward(rnn.RNN(3, 4), x).backward(np.zeros((2, 5, 3))),
            r"d_output must have shape the output's shape \(T, N, hidden_size\) = "
            r"\(2, 5, 4\)",
        ),
        (
            "a negative max_norm",
            lambda: clip_grad_norm_([np.ones(3)], -0.5),
            r"max_norm must be a non-negative number, got -0.5",
        ),
        (
            "token ids out of range",
            lambda: Embedding(10, 2).forward(np.array([[1, 10]])),
            r"x must hold ids in 0..9 for num_embeddings=10, "
            r"got 10 at position \(0, 1\)",
        ),
    ]


@pytest.mark.parametrize(
    "what, call, message",
    _sequence_errors(),
    ids=[case[0] for case in _sequence_errors()],
)
def test_sequence_model_errors_say_what_was_expected(what, call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def _tokenizer_errors():
    """The BPE tokeniser's argument errors: (what is wrong, a call, the message)."""
    from helpers.bpe import ByteBPETokenizer, compression_ratio, train_bpe

    return [
        (
            "a vocabulary smaller than the 256 bytes",
            lambda: train_bpe("some text", 100),
            r"vocab_size must be an integer >= 256 \(the 256 byte tokens plus the "
            r"merges\), got 100",
        ),
        (
            "an empty training text",
            lambda: ByteBPETokenizer().train("", 300),
            r"text must hold at least one character to train on, got ''",
        ),
        (
            "encoding bytes instead of a str",
            lambda: ByteBPETokenizer().encode(b"abc"),
            r"text must be a str, got bytes",
        ),
        (
            "token ids outside the vocabulary",
            lambda: ByteBPETokenizer().decode([65, 256]),
            r"ids must be token ids in 0..255 \(vocab_size = 256\), got 1 outside "
            r"that range: 256 at position 1",
        ),
        (
            "a compression ratio of no tokeniser",
            lambda: compression_ratio("abc", None),
            r"tokenizer must be a ByteBPETokenizer or a tokenizers.Tokenizer, "
            r"got NoneType",
        ),
    ]


@pytest.mark.parametrize(
    "what, call, message",
    _tokenizer_errors(),
    ids=[case[0] for case in _tokenizer_errors()],
)
def test_tokenizer_errors_say_what_was_expected(what, call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()
