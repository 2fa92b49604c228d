"""Argument checks shared by every public ``helpers`` function.

Each check raises an error that names the argument, what was expected and what
was given ("``name`` must be ..., got ..."), so that a mistake is found where it
is made and not three layers further down as a puzzling broadcasting result or
a ``nan``.

The NumPy references in ``helpers.numpy_nn`` and their PyTorch twins in
``helpers.torch_nn`` call the same checks, so both accept and reject the same
things with the same messages. ``framework="numpy"`` or ``"torch"`` makes a check
also refuse the other library's arrays, with a hint on how to convert.
"""

import math
from numbers import Integral, Real

import numpy as np


class TrainingDivergedError(FloatingPointError):
    """Training produced a non-finite or exploding loss.

    ``history`` holds what was recorded up to the failure, so a figure can
    still show the diverging curve.
    """

    def __init__(self, message, history=None):
        super().__init__(message)
        self.history = history


class LossBelowBoundError(TrainingDivergedError):
    """The loss fell below the smallest value its formula can take (0 for MSE and cross-entropy).

    A loss that goes below its bound is not the objective that was meant: a forgotten
    square or a sign error makes "minimising" it run off to minus infinity, even when its
    gradient is consistent with it and passes a gradient check. ``history`` as in
    :class:`TrainingDivergedError`.
    """


FRAMEWORKS = (None, "numpy", "torch")


def _shape_text(shape):
    return (
        "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
    )


def _is_torch(x):
    return type(x).__module__.startswith("torch")


def check_framework(x, name, framework):
    """Check that ``x`` is a NumPy array (``framework="numpy"``) or a torch.Tensor (``"torch"``).

    ``framework=None`` accepts either. The message says how to convert, e.g.
    "X must be a NumPy array, got a torch.Tensor (use X.detach().cpu().numpy())".
    """
    check_choice(framework, "framework", FRAMEWORKS)
    if framework == "numpy" and _is_torch(x):
        raise TypeError(
            f"{name} must be a NumPy array, got a torch.Tensor "
            f"(use {name}.detach().cpu().numpy(), or the twin in helpers.torch_nn)"
        )
    if framework == "torch" and isinstance(x, np.ndarray):
        raise TypeError(
            f"{name} must be a torch.Tensor, got a NumPy array "
            f"(use torch.as_tensor({name}), or the twin in helpers.numpy_nn)"
        )
    return x


def check_array(
    x, name, ndim=None, dtype="float", finite=True, framework=None, allow_empty=False
):
    """Check that ``x`` is an array (or tensor) of the right library, rank and kind.

    Args:
        x: a NumPy array or a PyTorch tensor.
        name: the argument's name, used in the message, e.g. ``"X"``.
        ndim: the expected number of dimensions, or a tuple of allowed ones.
        dtype: ``"float"``, ``"int"`` or ``None`` (any numeric type).
        finite: if true, reject ``nan`` and ``inf`` values.
        framework: ``"numpy"``, ``"torch"`` or ``None`` (either), see ``check_framework``.
        allow_empty: if false (the default), reject an array without any entries.

    Returns:
        ``x`` unchanged, so the check can be used inline.
    """
    check_framework(x, name, framework)
    if not (isinstance(x, np.ndarray) or _is_torch(x) and hasattr(x, "shape")):
        want = {
            None: "a NumPy array or a torch.Tensor",
            "numpy": "a NumPy array",
            "torch": "a torch.Tensor",
        }
        raise TypeError(f"{name} must be {want[framework]}, got {type(x).__name__}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if x.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            hint = ""
            if x.ndim == 1 and 2 in allowed:
                hint = " (a single feature needs shape (n, 1): use x.reshape(-1, 1))"
            raise ValueError(
                f"{name} must be {want}, got shape {_shape_text(tuple(x.shape))}{hint}"
            )
    kind = _dtype_kind(x)
    if dtype == "float" and kind != "f":
        raise TypeError(f"{name} must hold floating-point numbers, got dtype {x.dtype}")
    if dtype == "int" and kind not in "iu":
        raise TypeError(f"{name} must hold integers, got dtype {x.dtype}")
    if dtype is None and kind not in "fiub":
        raise TypeError(f"{name} must be numeric, got dtype {x.dtype}")
    if not allow_empty and _size(x) == 0:
        what = (
            "at least one example"
            if x.ndim >= 1 and x.shape[0] == 0
            else "at least one value"
        )
        raise ValueError(
            f"{name} must hold {what}, got an empty array of shape {_shape_text(tuple(x.shape))}"
        )
    if finite and kind == "f":
        bad = int((~(x.isfinite() if _is_torch(x) else np.isfinite(x))).sum())
        if bad:
            raise ValueError(
                f"{name} must be finite, got {bad} nan or inf value(s) in an array of shape "
                f"{_shape_text(tuple(x.shape))}"
            )
    return x


def _size(x):
    return x.numel() if _is_torch(x) else x.size


def _dtype_kind(x):
    if _is_torch(x):
        if x.dtype.is_floating_point:
            return "f"
        if x.dtype.is_complex:
            return "c"
        return "b" if str(x.dtype) == "torch.bool" else "i"
    return x.dtype.kind


def check_same_length(a, a_name, b, b_name):
    """Check that two arrays have the same number of rows (examples)."""
    if a.shape[0] != b.shape[0]:
        raise ValueError(
            f"{a_name} and {b_name} must have the same number of rows (examples): "
            f"{a_name} has shape {_shape_text(tuple(a.shape))}, "
            f"{b_name} has shape {_shape_text(tuple(b.shape))}"
        )


def check_same_shape(a, a_name, b, b_name):
    """Check that two arrays have exactly the same shape (no silent broadcasting)."""
    if tuple(a.shape) != tuple(b.shape):
        raise ValueError(
            f"{a_name} and {b_name} must have the same shape, got "
            f"{_shape_text(tuple(a.shape))} and {_shape_text(tuple(b.shape))}"
        )


def check_integer(value, name, minimum=None):
    """Check a whole number of Python or NumPy integer type (not ``True``, not ``4.0``), at least ``minimum``.

    Returns it as a Python ``int``.
    """
    want = {
        None: "an integer",
        0: "a non-negative integer",
        1: "a positive integer",
    }.get(minimum, f"an integer >= {minimum}")
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(
            f"{name} must be {want}, got {value!r} of type {type(value).__name__}"
        )
    if not isinstance(value, Integral):
        raise ValueError(f"{name} must be {want}, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be {want}, got {value!r}")
    return int(value)


def check_positive(value, name, integer=False):
    """Check a positive number (a learning rate, an epoch count, a batch size).

    With ``integer=True`` the value must be of integer type, see ``check_integer``.
    """
    if integer:
        return check_integer(value, name, minimum=1)
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(
            f"{name} must be a positive number, got {value!r} of type {type(value).__name__}"
        )
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be positive and finite, got {value!r}")
    return float(value)


def check_number(value, name, low=-math.inf, high=math.inf):
    """Check a real number (not a string, not ``True``) in ``[low, high]``; returns it as a float."""
    if low == 0 and high == 1:
        want = "a probability in [0, 1]"
    elif math.isinf(low) and math.isinf(high):
        want = "a finite number"
    else:
        want = f"a number in [{low:g}, {high:g}]"
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(
            f"{name} must be {want}, got {value!r} of type {type(value).__name__}"
        )
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{name} must be {want}, got {value!r}")
    return float(value)


def check_choice(value, name, choices):
    """Check that ``value`` is one of ``choices``."""
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"unknown {name} {value!r}; expected one of {options}")
    return value


def check_rng(rng, name="rng"):
    """Turn ``rng`` into a ``numpy.random.Generator``.

    Accepts a Generator (used as it is), a non-negative integer seed (``np.random.default_rng(seed)``)
    or ``None`` (seed 0, so the default is repeatable). Refuses anything else, e.g. the legacy
    ``np.random.RandomState`` or a torch.Generator.
    """
    if rng is None:
        return np.random.default_rng(0)
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, Integral) and not isinstance(rng, bool):
        return np.random.default_rng(check_integer(rng, name, minimum=0))
    raise TypeError(
        f"{name} must be a numpy.random.Generator or an integer seed, got {type(rng).__name__} "
        f"(make one with np.random.default_rng(seed))"
    )


def check_numpy_float_dtype(dtype, name="dtype"):
    """Check a NumPy floating-point dtype (``np.float32`` or ``np.float64``); return it as ``np.dtype``."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved is None or resolved not in (np.float32, np.float64) or dtype is None:
        got = repr(dtype) if resolved is None or dtype is None else resolved.name
        raise TypeError(f"{name} must be np.float32 or np.float64, got {got}")
    return resolved


def check_torch_float_dtype(dtype, name="dtype"):
    """Check ``None`` (torch's default) or a floating-point ``torch.dtype``; return it unchanged."""
    if dtype is None:
        return None
    if not (
        type(dtype).__name__ == "dtype" and _is_torch(dtype) and dtype.is_floating_point
    ):
        raise TypeError(
            f"{name} must be None or a floating-point torch.dtype such as torch.float32, got {dtype!r}"
        )
    return dtype


def check_regression_data(X, y, framework=None):
    """Check ``X: (N, D)`` and ``y: (N,)``: float, finite, at least one row, same N."""
    check_array(X, "X", ndim=2, framework=framework)
    check_array(y, "y", ndim=1, framework=framework)
    check_same_length(X, "X", y, "y")


def check_labels(y, name="y", num_classes=None, framework=None):
    """Check integer class labels ``y: (N,)`` with values in ``0 .. num_classes - 1``.

    Float arrays are refused even when they hold whole numbers: labels index classes,
    and ``2.0`` where ``2`` is meant usually hides a bug upstream.
    """
    check_array(y, name, ndim=1, dtype=None, framework=framework)
    if _dtype_kind(y) not in "iu":
        sample = np.asarray(y.tolist()).ravel()[:3].tolist()
        raise TypeError(
            f"{name} must hold integer class labels 0..K-1, got dtype {y.dtype} "
            f"(first values {sample}); convert with .astype(int) if they are whole numbers"
        )
    if num_classes is not None:
        num_classes = check_integer(num_classes, "num_classes", minimum=1)
        low, high = int(y.min()), int(y.max())
        if low < 0 or high >= num_classes:
            bad = low if low < 0 else high
            raise ValueError(
                f"{name} must hold labels in 0..{num_classes - 1} for {num_classes} classes, "
                f"got the label {bad}"
            )
    elif int(y.min()) < 0:
        raise ValueError(
            f"{name} must hold non-negative class labels, got the label {int(y.min())}"
        )
    return y


def check_binary_targets(y, name="y", framework=None):
    """Check binary targets ``y: (N,)``: integers or floats, every value 0 or 1."""
    check_array(y, name, ndim=1, dtype=None, framework=framework)
    values = np.unique(np.asarray(y.tolist()))
    if not np.isin(values, [0, 1]).all():
        odd = [v.item() for v in values if v not in (0, 1)][:3]
        raise ValueError(
            f"{name} must hold binary labels 0 and 1, got other values such as {odd}"
        )
    return y


def check_probabilities(p, name="probs", framework=None):
    """Check that every entry of ``p`` is a probability in [0, 1]."""
    check_array(p, name, framework=framework)
    low, high = float(p.min()), float(p.max())
    if low < 0 or high > 1:
        raise ValueError(
            f"{name} must hold probabilities in [0, 1], got values from {low:.4g} to {high:.4g}; "
            f"if these are logits (raw scores), use the *_with_logits version"
        )
    return p


def check_probability_rows(p, name="targets", framework=None):
    """Check ``p: (N, K)``: every row a probability vector (entries in [0, 1] summing to 1)."""
    check_array(p, name, ndim=2, framework=framework)
    check_probabilities(p, name)
    sums = np.asarray(p.sum(axis=1).tolist(), dtype=np.float64)
    tolerance = (
        1e-6 if str(p.dtype).endswith("float64") else 1e-4
    )  # float32 rows carry more rounding
    if not np.allclose(sums, 1.0, rtol=0, atol=tolerance):
        raise ValueError(
            f"{name} rows must each sum to 1 (one-hot or probabilities), "
            f"got row sums from {sums.min():.4g} to {sums.max():.4g}"
        )
    return p


def check_two_classes_present(y, name="y"):
    """A classifier cannot be trained on examples of one class: check at least two occur."""
    values = np.unique(np.asarray(y.tolist()))
    if len(values) < 2:
        raise ValueError(
            f"{name} holds a single class ({values.tolist()}); training a classifier needs "
            f"examples of at least two classes"
        )


def check_layer_sizes(sizes):
    """Check the widths of a multilayer perceptron, input to output: a list of at least two positive integers."""
    if not isinstance(sizes, (list, tuple)):
        raise TypeError(
            f"sizes must be a list of layer widths from input to output such as [784, 128, 10], "
            f"got {sizes!r} of type {type(sizes).__name__}"
        )
    if len(sizes) < 2:
        raise ValueError(
            f"sizes must list at least an input and an output width, got {list(sizes)}"
        )
    return [
        check_integer(size, "each layer size in sizes", minimum=1) for size in sizes
    ]
