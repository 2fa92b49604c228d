"""A fully connected (affine) layer in NumPy, mirroring ``torch.nn.Linear``.

Forward:   out = x @ weight.T + bias
Backward:  d weight = dout.T @ x,   d bias = dout.sum(0),   dx = dout @ weight

Shapes: x (N, in_features) -> out (N, out_features);
weight (out_features, in_features); bias (out_features,).
"""

import math

import numpy as np

from helpers.checks import (
    check_array,
    check_numpy_float_dtype,
    check_positive,
    check_rng,
)


class Linear:
    """An affine map with the constructor, parameter names and shapes of ``torch.nn.Linear``.

    Args:
        in_features: D, the size of each input row.
        out_features: M, the size of each output row.
        bias: whether to learn an additive bias.
        rng: a ``numpy.random.Generator`` or an integer seed for the initial weights (default: seed 0).
        dtype: of the parameters, ``np.float64`` (exact, for gradient checks) or
            ``np.float32`` (half the memory and about twice as fast).

    Weights start uniform in ``[-1/sqrt(D), 1/sqrt(D)]``, PyTorch's default.
    After ``backward``, ``self.grads`` holds ``"weight"`` and ``"bias"`` gradients.
    """

    def __init__(
        self, in_features, out_features, bias=True, rng=None, dtype=np.float64
    ):
        self.in_features = check_positive(in_features, "in_features", integer=True)
        self.out_features = check_positive(out_features, "out_features", integer=True)
        if not isinstance(bias, (bool, np.bool_)):
            raise TypeError(f"bias must be True or False, got {bias!r}")
        rng = check_rng(rng)
        dtype = check_numpy_float_dtype(dtype)
        bound = 1.0 / math.sqrt(self.in_features)
        self.weight = rng.uniform(
            -bound, bound, size=(self.out_features, self.in_features)
        ).astype(dtype)
        self.bias = (
            rng.uniform(-bound, bound, size=(self.out_features,)).astype(dtype)
            if bias
            else None
        )
        self.grads = {}
        self._x = None  # the input saved by forward for backward

    def parameters(self):
        """The learnable arrays by name: ``{"weight": (M, D), "bias": (M,)}``."""
        params = {"weight": self.weight}
        if self.bias is not None:
            params["bias"] = self.bias
        return params

    def forward(self, x):
        """x: (N, in_features) -> (N, out_features). Saves ``x`` for ``backward``."""
        check_array(x, "x", ndim=2, framework="numpy")
        if x.shape[1] != self.in_features:
            raise ValueError(
                f"{self!r} expects input of shape (N, {self.in_features}), "
                f"got shape {tuple(x.shape)}"
            )
        self._x = x
        out = x @ self.weight.T
        if self.bias is not None:
            out = out + self.bias
        return out

    __call__ = forward

    def backward(self, dout):
        """dout: (N, out_features), the gradient of the loss w.r.t. the output.

        Fills ``self.grads`` and returns dx: (N, in_features).
        """
        if self._x is None:
            raise RuntimeError(f"{self!r}: backward was called before forward")
        check_array(dout, "dout", ndim=2, framework="numpy")
        expected = (self._x.shape[0], self.out_features)
        if dout.shape != expected:
            raise ValueError(
                f"{self!r}: dout must have the output's shape {expected}, got {tuple(dout.shape)}"
            )
        self.grads["weight"] = dout.T @ self._x
        if self.bias is not None:
            self.grads["bias"] = dout.sum(axis=0)
        return dout @ self.weight

    def zero_grad(self):
        """Forget the gradients of the last ``backward``."""
        self.grads = {}

    def state_dict(self):
        """Copies of the parameters by name, like ``torch.nn.Module.state_dict``."""
        return {name: value.copy() for name, value in self.parameters().items()}

    def load_state_dict(self, state):
        """Set the parameters from arrays or tensors by name, e.g. a PyTorch layer's state.

        ``numpy_layer.load_state_dict(torch_layer.state_dict())`` copies weights across.
        The values are copied into the existing arrays, as torch does, so an optimiser
        built on ``parameters()`` before the load keeps updating the layer's weights.
        """
        _copy_state_into(self.parameters(), state)

    def __repr__(self):
        return (
            f"{type(self).__name__}(in_features={self.in_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None})"
        )


def _copy_state_into(parameters, state):
    """Copy ``state`` (arrays or tensors by name) into the arrays of ``parameters``.

    The layers' ``load_state_dict``: the names must match exactly and every value must
    have its parameter's shape; values are cast to the parameter's dtype and copied in
    place, as torch does, so an optimiser holding the arrays keeps updating them.
    """
    if set(state) != set(parameters):
        raise KeyError(
            f"state must have exactly the keys {sorted(parameters)}, got {sorted(state)}"
        )
    for name, current in parameters.items():
        value = state[name]
        if hasattr(value, "detach"):
            value = value.detach().cpu().numpy()
        value = np.array(value, dtype=current.dtype)
        if value.shape != current.shape:
            raise ValueError(
                f"{name} must have shape {current.shape}, got {value.shape}"
            )
        current[...] = value
