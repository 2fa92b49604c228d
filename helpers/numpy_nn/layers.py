"""Layers with a forward and a backward pass, mirroring ``torch.nn``.

Each layer's ``forward`` saves what its ``backward`` needs; ``backward(dout)``
takes the gradient of the loss w.r.t. the layer's output and returns the gradient
w.r.t. its input, filling ``grads`` for any parameters on the way.

    ReLU     out = max(x, 0)            dx = dout * (x > 0)
    Sigmoid  out = 1 / (1 + e^-x)       dx = dout * out * (1 - out)
    Tanh     out = tanh(x)              dx = dout * (1 - out^2)
    Linear   see ``helpers.numpy_nn.linear``
    CrossEntropyLoss  L = mean_i [logsumexp(Z_i) - Z_i[y_i]]   dZ = (softmax(Z) - onehot(y)) / N

``Sequential`` names parameters like ``torch.nn.Sequential`` ("0.weight", "0.bias",
"2.weight", ...), so ``numpy_net.load_state_dict(torch_net.state_dict())`` copies a
whole network in one line.
"""

import numpy as np

from helpers.checks import check_array, check_choice, check_layer_sizes, check_numpy_float_dtype, check_rng
from helpers.numpy_nn.activations import sigmoid
from helpers.numpy_nn.linear import Linear
from helpers.numpy_nn.losses import cross_entropy, cross_entropy_backward


class _Activation:
    """A layer without parameters that applies a function elementwise. x: any shape -> same shape."""

    def __init__(self):
        self.grads = {}
        self._saved = None

    def parameters(self):
        return {}

    def zero_grad(self):
        pass

    def forward(self, x):
        """x: any shape -> the same shape."""
        check_array(x, "x", framework="numpy")
        out = self._function(x)
        self._saved = out if self._saves_output else x
        return out

    __call__ = forward

    def backward(self, dout):
        """dout: the gradient w.r.t. the output, its shape -> the gradient w.r.t. the input."""
        if self._saved is None:
            raise RuntimeError(f"{self!r}: backward was called before forward")
        check_array(dout, "dout", framework="numpy")
        if dout.shape != self._saved.shape:
            raise ValueError(f"{self!r}: dout must have the output's shape {self._saved.shape}, got {dout.shape}")
        return dout * self._local_derivative(self._saved)

    def __repr__(self):
        return f"{type(self).__name__}()"


class ReLU(_Activation):
    """max(x, 0); the derivative is 1 where x > 0 and 0 elsewhere."""
    _saves_output = False

    def _function(self, x):
        return np.maximum(x, 0.0)

    def _local_derivative(self, x):
        return (x > 0).astype(x.dtype)


class Sigmoid(_Activation):
    """1 / (1 + exp(-x)); the derivative is out * (1 - out), at most 1/4."""
    _saves_output = True

    def _function(self, x):
        return sigmoid(x)

    def _local_derivative(self, out):
        return out * (1.0 - out)


class Tanh(_Activation):
    """tanh(x); the derivative is 1 - out^2, at most 1."""
    _saves_output = True

    def _function(self, x):
        return np.tanh(x)

    def _local_derivative(self, out):
        return 1.0 - out ** 2


class Sequential:
    """Layers applied one after another: ``Sequential(Linear(784, 64), ReLU(), Linear(64, 10))``.

    forward: x (N, D) -> the last layer's output; backward: walks the layers in reverse.
    """

    def __init__(self, *layers):
        if not layers:
            raise ValueError("Sequential needs at least one layer")
        for index, layer in enumerate(layers):
            if not all(callable(getattr(layer, method, None)) for method in ("forward", "backward", "parameters")):
                raise TypeError(f"layer {index} of Sequential must be a layer with forward, backward and "
                                f"parameters methods (such as Linear or ReLU), got {layer!r} of type "
                                f"{type(layer).__name__}")
        self.layers = list(layers)

    def forward(self, x):
        """x: (N, D) -> the last layer's output."""
        check_array(x, "x", framework="numpy")
        for index, layer in enumerate(self.layers):
            try:
                x = layer.forward(x)
            except ValueError as error:
                raise ValueError(f"Sequential layer {index} ({layer!r}) got input of shape {tuple(x.shape)}: "
                                 f"{error}") from None
        return x

    __call__ = forward

    def backward(self, dout):
        """dout: the gradient w.r.t. the output -> the gradient w.r.t. the input x."""
        check_array(dout, "dout", framework="numpy")
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def parameters(self):
        """All parameters by PyTorch-style name, e.g. ``{"0.weight": (H, D), "0.bias": (H,), ...}``."""
        return {f"{i}.{name}": value for i, layer in enumerate(self.layers)
                for name, value in layer.parameters().items()}

    @property
    def grads(self):
        """The gradients of the last ``backward`` under the names of ``parameters()``."""
        return {f"{i}.{name}": value for i, layer in enumerate(self.layers) for name, value in layer.grads.items()}

    def zero_grad(self):
        for layer in self.layers:
            layer.zero_grad()

    def state_dict(self):
        return {name: value.copy() for name, value in self.parameters().items()}

    def load_state_dict(self, state):
        """Copy parameters from arrays or tensors by name, e.g. from a ``torch.nn.Sequential``."""
        expected = set(self.parameters())
        if set(state) != expected:
            raise KeyError(f"state must have exactly the keys {sorted(expected)}, got {sorted(state)}")
        for i, layer in enumerate(self.layers):
            own = {name: state[f"{i}.{name}"] for name in layer.parameters()}
            if own:
                layer.load_state_dict(own)

    def __repr__(self):
        inner = "\n".join(f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential(\n{inner}\n)"


class CrossEntropyLoss:
    """Softmax cross-entropy as a layer: ``forward(logits (N, K), y (N,)) -> float``; ``backward() -> (N, K)``."""

    def __init__(self):
        self._saved = None

    def forward(self, logits, targets):
        loss = cross_entropy(logits, targets)
        self._saved = (logits, targets)
        return loss

    __call__ = forward

    def backward(self):
        """The gradient of the loss w.r.t. the logits, (softmax(Z) - onehot(y)) / N."""
        if self._saved is None:
            raise RuntimeError("CrossEntropyLoss: backward was called before forward")
        return cross_entropy_backward(*self._saved)

    def __repr__(self):
        return "CrossEntropyLoss()"


ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh}


def mlp(sizes, activation="relu", rng=None, dtype=np.float64):
    """A multilayer perceptron: ``mlp([784, 128, 10])`` = Linear(784, 128), ReLU(), Linear(128, 10).

    Args:
        sizes: layer widths from input to output, at least two.
        activation: "relu", "sigmoid" or "tanh", placed between Linear layers.
        rng: a ``numpy.random.Generator`` or an integer seed for the initial weights (default: seed 0).
        dtype: of the parameters (``np.float64`` or ``np.float32``).
    """
    sizes = check_layer_sizes(sizes)
    check_choice(activation, "activation", tuple(ACTIVATIONS))
    rng = check_rng(rng)
    dtype = check_numpy_float_dtype(dtype)
    layers = []
    for i, (d_in, d_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Linear(d_in, d_out, rng=rng, dtype=dtype))
        if i < len(sizes) - 2:
            layers.append(ACTIVATIONS[activation]())
    return Sequential(*layers)
