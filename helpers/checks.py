"""Argument checks shared by every public ``helpers`` function.

Each check raises an error that names the argument, what was expected and what
was given, so that a mistake is found where it is made and not three layers
further down as a puzzling broadcasting result or a ``nan``.

The checks accept NumPy arrays and PyTorch tensors alike: both have ``shape``,
``ndim`` and ``dtype``.
"""

import math
from numbers import Real

import numpy as np


class TrainingDivergedError(FloatingPointError):
    """Training produced a non-finite or exploding loss.

    ``history`` holds what was recorded up to the failure, so a figure can
    still show the diverging curve.
    """

    def __init__(self, message, history=None):
        super().__init__(message)
        self.history = history


def _shape_text(shape):
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _is_torch(x):
    return type(x).__module__.startswith("torch")


def check_array(x, name, ndim=None, dtype="float", finite=True):
    """Check that ``x`` is an array (or tensor) of the right rank and kind.

    Args:
        x: a NumPy array or a PyTorch tensor.
        name: the argument's name, used in the message, e.g. ``"X"``.
        ndim: the expected number of dimensions, or a tuple of allowed ones.
        dtype: ``"float"``, ``"int"`` or ``None`` (any numeric type).
        finite: if true, reject ``nan`` and ``inf`` values.

    Returns:
        ``x`` unchanged, so the check can be used inline.
    """
    if not (isinstance(x, np.ndarray) or _is_torch(x) and hasattr(x, "shape")):
        raise TypeError(f"{name} must be a NumPy array or a torch.Tensor, got {type(x).__name__}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if x.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            hint = ""
            if x.ndim == 1 and 2 in allowed:
                hint = " (a single feature needs shape (n, 1): use x.reshape(-1, 1))"
            raise ValueError(f"{name} must be {want}, got shape {_shape_text(tuple(x.shape))}{hint}")
    kind = _dtype_kind(x)
    if dtype == "float" and kind != "f":
        raise TypeError(f"{name} must hold floating-point numbers, got dtype {x.dtype}")
    if dtype == "int" and kind not in "iu":
        raise TypeError(f"{name} must hold integers, got dtype {x.dtype}")
    if dtype is None and kind not in "fiub":
        raise TypeError(f"{name} must be numeric, got dtype {x.dtype}")
    if finite and kind == "f":
        bad = int((~(x.isfinite() if _is_torch(x) else np.isfinite(x))).sum())
        if bad:
            raise ValueError(f"{name} must be finite, got {bad} nan or inf value(s) in an array of shape "
                             f"{_shape_text(tuple(x.shape))}")
    return x


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
        raise ValueError(f"{a_name} and {b_name} must have the same number of rows (examples): "
                         f"{a_name} has shape {_shape_text(tuple(a.shape))}, "
                         f"{b_name} has shape {_shape_text(tuple(b.shape))}")


def check_same_shape(a, a_name, b, b_name):
    """Check that two arrays have exactly the same shape (no silent broadcasting)."""
    if tuple(a.shape) != tuple(b.shape):
        raise ValueError(f"{a_name} and {b_name} must have the same shape, got "
                         f"{_shape_text(tuple(a.shape))} and {_shape_text(tuple(b.shape))}")


def check_positive(value, name, integer=False):
    """Check a positive number (a learning rate, an epoch count, a batch size)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a positive number, got {value!r} of type {type(value).__name__}")
    if integer and int(value) != value:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be positive and finite, got {value!r}")
    return int(value) if integer else float(value)


def check_choice(value, name, choices):
    """Check that ``value`` is one of ``choices``."""
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"unknown {name} {value!r}; expected one of {options}")
    return value


def check_regression_data(X, y):
    """Check ``X: (N, D)`` and ``y: (N,)``: float, finite, at least one row, same N."""
    check_array(X, "X", ndim=2)
    check_array(y, "y", ndim=1)
    check_same_length(X, "X", y, "y")
    if X.shape[0] == 0:
        raise ValueError("X and y must hold at least one example, got 0 rows")


def check_labels(y, name="y", num_classes=None):
    """Check integer class labels ``y: (N,)`` with values in ``0 .. num_classes - 1``.

    Float arrays are refused even when they hold whole numbers: labels index classes,
    and ``2.0`` where ``2`` is meant usually hides a bug upstream.
    """
    check_array(y, name, ndim=1, dtype=None)
    if _dtype_kind(y) not in "iu":
        sample = np.asarray(y.tolist()).ravel()[:3].tolist()
        raise TypeError(f"{name} must hold integer class labels 0..K-1, got dtype {y.dtype} "
                        f"(first values {sample}); convert with .astype(int) if they are whole numbers")
    if len(y) and num_classes is not None:
        low, high = int(y.min()), int(y.max())
        if low < 0 or high >= num_classes:
            bad = low if low < 0 else high
            raise ValueError(f"{name} must hold labels in 0..{num_classes - 1} for {num_classes} classes, "
                             f"got the label {bad}")
    elif len(y) and int(y.min()) < 0:
        raise ValueError(f"{name} must hold non-negative class labels, got the label {int(y.min())}")
    return y


def check_binary_targets(y, name="y"):
    """Check binary targets ``y: (N,)``: integers or floats, every value 0 or 1."""
    check_array(y, name, ndim=1, dtype=None)
    values = np.unique(np.asarray(y.tolist()))
    if not np.isin(values, [0, 1]).all():
        odd = [v.item() for v in values if v not in (0, 1)][:3]
        raise ValueError(f"{name} must hold binary labels 0 and 1, got other values such as {odd}")
    return y


def check_probabilities(p, name="probs"):
    """Check that every entry of ``p`` is a probability in [0, 1]."""
    check_array(p, name)
    low, high = float(p.min()), float(p.max())
    if low < 0 or high > 1:
        raise ValueError(f"{name} must hold probabilities in [0, 1], got values from {low:.4g} to {high:.4g}; "
                         f"if these are logits (raw scores), use the *_with_logits version")
    return p


def check_two_classes_present(y, name="y"):
    """A classifier cannot be trained on examples of one class: check at least two occur."""
    values = np.unique(np.asarray(y.tolist()))
    if len(values) < 2:
        raise ValueError(f"{name} holds a single class ({values.tolist()}); training a classifier needs "
                         f"examples of at least two classes")


def check_layer_sizes(sizes):
    """Check the widths of a multilayer perceptron, input to output: at least two positive integers."""
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least an input and an output width, got {list(sizes)}")
    return [check_positive(size, "each layer size", integer=True) for size in sizes]
