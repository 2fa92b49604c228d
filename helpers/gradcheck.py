"""Centred finite differences: the referee for every hand-derived gradient.

For a scalar function f and an array x, the partial derivative along entry i is
approximated by

    (f(x + eps * e_i) - f(x - eps * e_i)) / (2 * eps)

whose error shrinks like eps**2 (the one-sided version's shrinks only like eps).
Comparing an analytic gradient against it catches a missing factor of 2, a wrong
sign or a transposed matrix at once. A ``nan`` or ``inf`` anywhere is a failure,
never a match.
"""

import numpy as np

from helpers.checks import check_array, check_positive, check_rng


class GradientCheckError(AssertionError):
    """An analytic gradient disagrees with finite differences (or is not finite)."""


def numerical_gradient(f, x, eps=1e-6, name="x"):
    """Estimate the gradient of the scalar function ``f`` at ``x`` by centred differences.

    Args:
        f: a function of no arguments that reads ``x`` and returns a scalar (a float,
            or an array of shape () or (1,)). ``x`` is changed in place entry by entry
            (and restored), so ``f`` sees each nudge.
        x: float64 NumPy array of any shape and memory layout (a transpose or a slice
            works too), e.g. weights ``(out, in)``.
        eps: the step size.
        name: what ``x`` is called in error messages.

    Returns:
        array with the shape of ``x``: the estimated gradient d f / d x.
    """
    check_array(x, name, dtype="float", framework="numpy")
    if x.dtype != np.float64:
        raise TypeError(
            f"{name} must be float64 for accurate finite differences, got dtype {x.dtype}"
        )
    eps = check_positive(eps, "eps")
    _scalar(f())
    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(
        x.shape
    ):  # writes go through x itself, whatever its strides
        original = x[index]
        x[index] = original + eps
        f_plus = _scalar(f())
        x[index] = original - eps
        f_minus = _scalar(f())
        x[index] = original
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a, b):
    """The relative distance between two gradients: ``||a - b|| / (||a|| + ||b||)``.

    Near 1e-10 or less: the two agree to rounding. Near 1e-2 or more: a bug. Using
    norms, not entry by entry, keeps tiny entries (where finite differences carry
    rounding noise of about 1e-10) from dominating. Two all-zero arrays give 0.

    Raises:
        ValueError: if the shapes differ or either array holds ``nan`` or ``inf``
            (a non-finite gradient is never a match).
    """
    a, b = _as_float64(a, "a"), _as_float64(b, "b")
    if a.shape != b.shape:
        raise ValueError(
            f"cannot compare gradients of different shapes: {a.shape} and {b.shape}"
        )
    for array, name in ((a, "a"), (b, "b")):
        bad = int(np.sum(~np.isfinite(array)))
        if bad:
            raise ValueError(
                f"{name} must be finite to compare gradients, got {bad} nan or inf value(s)"
            )
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / scale) if scale > 0 else 0.0


def check_gradient(f, x, analytic_grad, eps=1e-6, tol=1e-6, name="x"):
    """Assert that ``analytic_grad`` equals the finite-difference gradient of ``f`` at ``x``.

    Args:
        f: a function of no arguments returning a scalar that depends on ``x``.
        x: float64 array, changed in place during the check and restored.
        analytic_grad: the gradient to test, same shape as ``x``.
        tol: the largest relative error accepted.
        name: what ``x`` is called in the error message.

    Returns:
        the relative error (a float) when the check passes.

    Raises:
        GradientCheckError: naming the worst entry, both values and the error, or the
            first entry where either gradient is ``nan`` or ``inf``.
    """
    analytic_grad = _as_float64(analytic_grad, f"the analytic gradient of {name}")
    if analytic_grad.shape != x.shape:
        raise ValueError(
            f"the analytic gradient of {name} must have the shape of {name}, "
            f"{x.shape}, got {analytic_grad.shape}"
        )
    numeric = numerical_gradient(f, x, eps, name=name)
    for gradient, which in (
        (analytic_grad, "the analytic gradient"),
        (numeric, "the finite-difference gradient"),
    ):
        bad = ~np.isfinite(gradient)
        if bad.any():
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            raise GradientCheckError(
                f"gradient check failed for {name}: {which} holds {int(bad.sum())} nan or inf value(s), "
                f"the first at entry {first} ({gradient[first]}); a non-finite gradient is never a match"
            )
    error = relative_error(analytic_grad, numeric)
    if not error <= tol:
        worst = np.unravel_index(np.argmax(np.abs(analytic_grad - numeric)), x.shape)
        raise GradientCheckError(
            f"gradient check failed for {name}: relative error {error:.2e} > tolerance {tol:.0e}; "
            f"worst entry {tuple(int(i) for i in worst)}: analytic {analytic_grad[worst]:.6g}, "
            f"finite differences {numeric[worst]:.6g}"
        )
    return error


def _as_float64(a, name):
    if type(a).__module__.startswith("torch"):
        a = (
            a.detach().cpu().numpy()
        )  # a torch gradient may be compared with a NumPy one
    try:
        return np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be an array of numbers, got {type(a).__name__}"
        ) from None


def _scalar(value):
    """``value`` (a float, or an array of shape () or (1,)) as a Python float."""
    shape = tuple(np.shape(value))
    if shape not in ((), (1,)):
        raise ValueError(
            f"f must return a scalar (a loss), got an array of shape {shape}; "
            f"reduce it first, e.g. with .sum() or .mean()"
        )
    return float(value.item() if hasattr(value, "item") else value)


def check_layer_gradients(layer, x, tol=1e-6, eps=1e-6, rng=None):
    """Check a NumPy layer's ``backward`` against finite differences, for its input and every parameter.

    Uses the scalar ``L = sum(layer.forward(x) * dout)`` with a random upstream gradient
    ``dout``, so that dL/d(output) = dout and ``backward(dout)`` must return dL/dx.

    Args:
        layer: an object with ``forward``, ``backward``, ``parameters()`` and ``grads``,
            whose parameters are float64.
        x: float64 input array, e.g. (N, D).
        rng: a ``numpy.random.Generator`` or a seed for ``dout`` (default: seed 0).

    Returns:
        ``{"x": error, "<param name>": error, ...}``, every relative error below ``tol``.

    Raises:
        GradientCheckError: naming the first array whose gradient is wrong.
    """
    rng = check_rng(rng)
    for method in ("forward", "backward", "parameters"):
        if not callable(getattr(layer, method, None)):
            raise TypeError(
                f"layer must be a NumPy layer with forward, backward and parameters methods, "
                f"got {type(layer).__name__} without {method}"
            )
    check_array(x, "x", framework="numpy")
    if x.dtype != np.float64:
        raise TypeError(
            f"x must be float64 for accurate finite differences, got dtype {x.dtype}"
        )
    for name, value in layer.parameters().items():
        if value.dtype != np.float64:
            raise TypeError(
                f"the layer's parameter {name} must be float64 for accurate finite differences, "
                f"got dtype {value.dtype}; build the layer with dtype=np.float64"
            )
    out = layer.forward(x)
    dout = rng.normal(size=out.shape)
    dx = layer.backward(dout)
    analytic = {"x": dx, **{name: np.array(g) for name, g in layer.grads.items()}}
    arrays = {"x": x, **layer.parameters()}
    loss = lambda: float(np.sum(layer.forward(x) * dout))  # noqa: E731
    return {
        name: check_gradient(
            loss, arrays[name], analytic[name], eps=eps, tol=tol, name=name
        )
        for name in arrays
    }
