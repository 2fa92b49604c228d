"""Gradient clipping by the global norm, as ``torch.nn.utils.clip_grad_norm_`` does it.

One norm is computed over all the gradients together, as if they were one long
vector:

    total_norm = sqrt(sum over every gradient g of sum(g ** 2))

and when it exceeds ``max_norm`` every gradient is multiplied by the same factor
``max_norm / (total_norm + 1e-6)``. The direction of the update is kept and only its
length is cut, which is what makes the exploding gradients of a recurrent network
harmless. Clipping each gradient separately would change the direction.
"""

import math
from numbers import Real

import numpy as np

from helpers.checks import check_array


def _named_gradients(grads):
    """grads (a dict, a list or tuple of arrays, or one array) as (name, array)."""
    if isinstance(grads, dict):
        return [(f"grads[{name!r}]", g) for name, g in grads.items()]
    if isinstance(grads, (list, tuple)):
        return [(f"grads[{i}]", g) for i, g in enumerate(grads)]
    return [("grads", grads)]


def clip_grad_norm_(grads, max_norm, error_if_nonfinite=False):
    """Scale gradients in place so that their global 2-norm is at most ``max_norm``.

    Args:
        grads: the gradients, float NumPy arrays of any shapes: a dict such as a
            layer's ``grads``, a list of arrays or a single array.
        max_norm: the largest global norm allowed, a non-negative number.
        error_if_nonfinite: if true, raise when the total norm is ``nan`` or ``inf``;
            if false (the default, as in torch) the gradients become non-finite.

    Returns:
        the total norm *before* clipping, a float (what to log to watch for explosions).
    """
    if isinstance(max_norm, bool) or not isinstance(max_norm, Real):
        raise TypeError(
            f"max_norm must be a non-negative number, got {max_norm!r} "
            f"of type {type(max_norm).__name__}"
        )
    if math.isnan(max_norm) or max_norm < 0:
        raise ValueError(f"max_norm must be a non-negative number, got {max_norm!r}")
    named = _named_gradients(grads)
    for name, g in named:
        check_array(g, name, framework="numpy", finite=False, allow_empty=True)
    total_norm = math.sqrt(
        sum(float(np.sum(np.square(g, dtype=np.float64))) for _, g in named)
    )
    if error_if_nonfinite and not math.isfinite(total_norm):
        raise RuntimeError(
            f"the total norm of the gradients is {total_norm}, so they cannot be "
            f"clipped; set error_if_nonfinite=False to clip anyway"
        )
    scale = max_norm / (total_norm + 1e-6)
    if scale < 1 or math.isnan(
        scale
    ):  # a nan norm makes every gradient nan, as in torch
        for _, g in named:
            g *= scale
    return total_norm
