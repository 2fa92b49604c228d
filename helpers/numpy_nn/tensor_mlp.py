"""A multilayer perceptron built only from the autograd engine's ``Tensor``.

Nothing here has a hand-written backward pass: every layer is a few ``Tensor``
operations (``@``, ``.T``, ``+``, ``relu``/``tanh``), and ``loss.backward()`` on the
result fills ``grad`` of every weight and bias by the engine's chain rule. This is the
payoff of ``helpers.numpy_nn.autograd``: write the forward pass, get the gradients.

The parameters are laid out as in ``torch.nn.Linear`` and named as in
``torch.nn.Sequential(Linear, ReLU, Linear, ...)``:

    TensorMLP([2, 16, 2]).named_parameters()
    -> [("0.weight", (16, 2)), ("0.bias", (16,)), ("2.weight", (2, 16)), ("2.bias", (2,))]

so ``load_state_dict(torch_model.state_dict())`` copies a PyTorch network's weights in.

Shapes: x (N, in_features) -> logits (N, out_features); the engine works in float64.
"""

import math

import numpy as np

from helpers.checks import (
    check_array,
    check_choice,
    check_labels,
    check_layer_sizes,
    check_positive,
)
from helpers.numpy_nn.autograd import Tensor

__all__ = ["TensorLinear", "TensorMLP", "tensor_cross_entropy"]


def _as_input(x, name, in_features):
    """A (N, in_features) input as a Tensor (arrays are wrapped; they get no gradient anyone uses)."""
    if isinstance(x, Tensor):
        data = x.data
    else:
        data = check_array(x, name, ndim=2)
        if not isinstance(data, np.ndarray):
            raise TypeError(
                f"{name} must be a NumPy array or a Tensor, got {type(x).__name__}"
            )
    if data.ndim != 2 or data.shape[1] != in_features:
        raise ValueError(
            f"{name} must have shape (N, {in_features}), got shape {tuple(data.shape)}"
        )
    return x if isinstance(x, Tensor) else Tensor(data)


class TensorLinear:
    """out = x @ weight.T + bias, with ``torch.nn.Linear``'s shapes. x: (N, D) -> out: (N, M).

    Args:
        in_features: D, the size of each input row.
        out_features: M, the size of each output row.
        rng: a ``numpy.random.Generator`` for the initial weights (default: seed 0).

    ``weight`` is a (M, D) ``Tensor`` and ``bias`` a (M,) ``Tensor``, both drawn uniformly
    from ``[-1/sqrt(D), 1/sqrt(D)]`` (PyTorch's default), weight first, exactly as
    ``helpers.numpy_nn.linear.Linear`` draws them from the same generator.
    """

    def __init__(self, in_features, out_features, rng=None):
        self.in_features = check_positive(in_features, "in_features", integer=True)
        self.out_features = check_positive(out_features, "out_features", integer=True)
        rng = np.random.default_rng(0) if rng is None else rng
        if not isinstance(rng, np.random.Generator):
            raise TypeError(
                f"rng must be a numpy.random.Generator, got {type(rng).__name__}"
            )
        bound = 1.0 / math.sqrt(self.in_features)
        self.weight = Tensor(
            rng.uniform(-bound, bound, size=(self.out_features, self.in_features)),
            label="weight",
        )
        self.bias = Tensor(
            rng.uniform(-bound, bound, size=(self.out_features,)), label="bias"
        )

    def __call__(self, x):
        """x: (N, in_features) array or Tensor -> (N, out_features) Tensor."""
        x = _as_input(x, "x", self.in_features)
        return (
            x @ self.weight.T + self.bias
        )  # the (M,) bias is broadcast over the N rows

    def named_parameters(self):
        """``[("weight", (M, D) Tensor), ("bias", (M,) Tensor)]``."""
        return [("weight", self.weight), ("bias", self.bias)]

    def parameters(self):
        """The learnable Tensors, ``[weight, bias]``."""
        return [self.weight, self.bias]

    def __repr__(self):
        return f"TensorLinear(in_features={self.in_features}, out_features={self.out_features})"


class TensorMLP:
    """Linear, activation, Linear, ..., Linear, all made of ``Tensor`` operations.

    Args:
        sizes: layer widths from input to output, e.g. ``[2, 16, 2]``; at least two.
        activation: ``"relu"`` or ``"tanh"``, applied after every Linear except the last.
        rng: a ``numpy.random.Generator`` for the initial weights (default: seed 0);
            layers draw from it in order, as ``helpers.numpy_nn.layers.mlp`` does.

    ``model(x)``: x (N, sizes[0]) -> logits (N, sizes[-1]), a Tensor. Parameters are named
    ``"<position>.weight"`` / ``"<position>.bias"`` with the positions ``torch.nn.Sequential``
    gives the Linear layers when activations sit between them (0, 2, 4, ...).
    """

    ACTIVATIONS = ("relu", "tanh")

    def __init__(self, sizes, activation="relu", rng=None):
        sizes = check_layer_sizes(sizes)
        self.activation = check_choice(activation, "activation", self.ACTIVATIONS)
        rng = np.random.default_rng(0) if rng is None else rng
        self.sizes = sizes
        self.layers = [
            TensorLinear(d_in, d_out, rng=rng)
            for d_in, d_out in zip(sizes[:-1], sizes[1:])
        ]

    def __call__(self, x):
        """x: (N, sizes[0]) array or Tensor -> logits: (N, sizes[-1]) Tensor."""
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = x.relu() if self.activation == "relu" else x.tanh()
        return x

    def named_parameters(self):
        """``[("0.weight", Tensor), ("0.bias", Tensor), ("2.weight", Tensor), ...]``, input side first."""
        return [
            (f"{2 * i}.{name}", tensor)
            for i, layer in enumerate(self.layers)
            for name, tensor in layer.named_parameters()
        ]

    def parameters(self):
        """Every learnable Tensor, in the order of ``named_parameters``."""
        return [tensor for _, tensor in self.named_parameters()]

    def zero_grad(self):
        """Reset the gradient of every parameter to zeros (gradients accumulate otherwise)."""
        for tensor in self.parameters():
            tensor.zero_grad()

    def state_dict(self):
        """Copies of the parameter arrays by name, like ``torch.nn.Module.state_dict``."""
        return {name: tensor.data.copy() for name, tensor in self.named_parameters()}

    def load_state_dict(self, state):
        """Set the parameters from arrays or torch tensors by name (e.g. a torch model's state_dict)."""
        expected = dict(self.named_parameters())
        if set(state) != set(expected):
            raise KeyError(
                f"state must have exactly the keys {sorted(expected)}, got {sorted(state)}"
            )
        for name, tensor in expected.items():
            value = state[name]
            if hasattr(value, "detach"):
                value = value.detach().cpu().numpy()
            value = np.array(value, dtype=np.float64)
            if value.shape != tensor.shape:
                raise ValueError(
                    f"state[{name!r}] must have shape {tensor.shape}, got {value.shape}"
                )
            tensor.data = value
            tensor.zero_grad()

    def __repr__(self):
        return f"TensorMLP(sizes={self.sizes}, activation={self.activation!r})"


def tensor_cross_entropy(logits, y):
    """The mean softmax cross-entropy of ``logits`` against integer labels, as a scalar Tensor.

    Args:
        logits: (N, K) Tensor of raw scores.
        y: (N,) integer labels in 0..K-1 (a NumPy array).

    Returns:
        a Tensor of shape (): ``mean_n [ log sum_k exp(logits[n, k]) - logits[n, y[n]] ]``.

    Each row's largest logit is subtracted first (a constant, so it changes neither the
    value nor the gradient) so that ``exp`` cannot overflow.
    """
    if not isinstance(logits, Tensor):
        raise TypeError(f"logits must be a Tensor, got {type(logits).__name__}")
    if logits.data.ndim != 2:
        raise ValueError(f"logits must be 2-D (N, K), got shape {logits.shape}")
    n, k = logits.shape
    check_labels(y, "y", num_classes=k, framework="numpy")
    if len(y) != n:
        raise ValueError(f"y must have one label per row of logits ({n}), got {len(y)}")
    shifted = logits - logits.data.max(
        axis=1, keepdims=True
    )  # (N, K), a constant shift per row
    one_hot = np.eye(k)[np.asarray(y)]  # (N, K)
    log_sum_exp = shifted.exp().sum(axis=1).log()  # (N,)
    return (log_sum_exp - (shifted * one_hot).sum(axis=1)).mean()
