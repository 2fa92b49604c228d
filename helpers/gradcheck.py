"""Centred finite differences: the referee for every hand-derived gradient.

For a scalar function f and an array x, the partial derivative along entry i is
approximated by

    (f(x + eps * e_i) - f(x - eps * e_i)) / (2 * eps)

whose error shrinks like eps**2 (the one-sided version's shrinks only like eps).
Comparing an analytic gradient against it catches a missing factor of 2, a wrong
sign or a transposed matrix at once.
"""

import numpy as np

from helpers.checks import check_array, check_positive


class GradientCheckError(AssertionError):
    """An analytic gradient disagrees with finite differences."""


def numerical_gradient(f, x, eps=1e-6):
    """Estimate the gradient of the scalar function ``f`` at ``x`` by centred differences.

    Args:
        f: a function of no arguments that reads ``x`` and returns a scalar. ``x`` is
            changed in place entry by entry (and restored), so ``f`` sees each nudge.
        x: float64 array of any shape, e.g. weights ``(out, in)``.
        eps: the step size.

    Returns:
        array with the shape of ``x``: the estimated gradient d f / d x.
    """
    check_array(x, "x", dtype="float")
    if x.dtype != np.float64:
        raise TypeError(f"x must be float64 for accurate finite differences, got dtype {x.dtype}")
    eps = check_positive(eps, "eps")
    _check_scalar(f())
    grad = np.zeros_like(x)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)  # views into x and grad
    for i in range(flat_x.size):
        original = flat_x[i]
        flat_x[i] = original + eps
        f_plus = float(f())
        flat_x[i] = original - eps
        f_minus = float(f())
        flat_x[i] = original
        flat_grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a, b):
    """The relative distance between two gradients: ``||a - b|| / (||a|| + ||b||)``.

    Near 1e-10 or less: the two agree to rounding. Near 1e-2 or more: a bug. Using
    norms, not entry by entry, keeps tiny entries (where finite differences carry
    rounding noise of about 1e-10) from dominating.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"cannot compare gradients of different shapes: {a.shape} and {b.shape}")
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
        GradientCheckError: naming the worst entry, both values and the error.
    """
    analytic_grad = np.asarray(analytic_grad)
    if analytic_grad.shape != x.shape:
        raise ValueError(f"the analytic gradient of {name} must have the shape of {name}, "
                         f"{x.shape}, got {analytic_grad.shape}")
    numeric = numerical_gradient(f, x, eps)
    error = relative_error(analytic_grad, numeric)
    if not error <= tol:
        worst = np.unravel_index(np.argmax(np.abs(analytic_grad - numeric)), x.shape)
        raise GradientCheckError(
            f"gradient check failed for {name}: relative error {error:.2e} > tolerance {tol:.0e}; "
            f"worst entry {tuple(int(i) for i in worst)}: analytic {analytic_grad[worst]:.6g}, "
            f"finite differences {numeric[worst]:.6g}")
    return error


def _check_scalar(value):
    shape = np.shape(value)
    if shape not in ((), (1,)):
        raise ValueError(f"f must return a scalar (a loss), got an array of shape {shape}; "
                         f"reduce it first, e.g. with .sum() or .mean()")


def check_layer_gradients(layer, x, tol=1e-6, eps=1e-6, rng=None):
    """Check a NumPy layer's ``backward`` against finite differences, for its input and every parameter.

    Uses the scalar ``L = sum(layer.forward(x) * dout)`` with a random upstream gradient
    ``dout``, so that dL/d(output) = dout and ``backward(dout)`` must return dL/dx.

    Args:
        layer: an object with ``forward``, ``backward``, ``parameters()`` and ``grads``.
        x: float64 input array, e.g. (N, D).

    Returns:
        ``{"x": error, "<param name>": error, ...}``, every relative error below ``tol``.

    Raises:
        GradientCheckError: naming the first array whose gradient is wrong.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    out = layer.forward(x)
    dout = rng.normal(size=out.shape)
    dx = layer.backward(dout)
    analytic = {"x": dx, **{name: np.array(g) for name, g in layer.grads.items()}}
    arrays = {"x": x, **layer.parameters()}
    loss = lambda: float(np.sum(layer.forward(x) * dout))  # noqa: E731
    return {name: check_gradient(loss, arrays[name], analytic[name], eps=eps, tol=tol, name=name)
            for name in arrays}
