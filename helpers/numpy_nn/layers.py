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
whole network in one line (buffers such as a batch norm's ``running_mean`` included).

Training and evaluation modes, as in torch: ``net.train()`` and ``net.eval()`` set
``training`` on the network and on every layer that has modes (``BatchNorm1d`` and
``Dropout`` behave differently in the two; the other layers do not care).
"""

import numpy as np

from helpers.checks import (
    check_array,
    check_choice,
    check_layer_sizes,
    check_numpy_float_dtype,
    check_rng,
)
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
            raise ValueError(
                f"{self!r}: dout must have the output's shape {self._saved.shape}, got {dout.shape}"
            )
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
        return 1.0 - out**2


class TrainEvalMixin:
    """``train()`` and ``eval()`` as in ``torch.nn.Module``: they set ``training``.

    A layer that behaves differently while training (batch norm's batch statistics,
    dropout's random mask) inherits this and reads ``self.training`` in ``forward``.
    Layers start in training mode.
    """

    training = True

    def train(self, mode=True):
        """Training mode (``mode=True``) or evaluation mode (False); returns self."""
        if not isinstance(mode, (bool, np.bool_)):
            raise TypeError(f"mode must be True or False, got {mode!r}")
        self.training = bool(mode)
        return self

    def eval(self):
        """Evaluation mode, the same as ``train(False)``; returns the layer."""
        return self.train(False)


class Sequential(TrainEvalMixin):
    """Layers applied one after another: ``Sequential(Linear(784, 64), ReLU(), Linear(64, 10))``.

    forward: x (N, D) -> the last layer's output; backward: walks the layers in reverse.
    ``train()`` / ``eval()`` set the mode of every layer that has one.
    """

    def train(self, mode=True):
        """Set training (True) or evaluation (False) mode here and in every layer."""
        super().train(mode)
        for layer in self.layers:
            if callable(getattr(layer, "train", None)):
                layer.train(mode)
        return self

    def __init__(self, *layers):
        if not layers:
            raise ValueError("Sequential needs at least one layer")
        for index, layer in enumerate(layers):
            if not all(
                callable(getattr(layer, method, None))
                for method in ("forward", "backward", "parameters")
            ):
                raise TypeError(
                    f"layer {index} of Sequential must be a layer with forward, backward and "
                    f"parameters methods (such as Linear or ReLU), got {layer!r} of type "
                    f"{type(layer).__name__}"
                )
        self.layers = list(layers)

    def forward(self, x):
        """x: (N, D) -> the last layer's output."""
        check_array(x, "x", framework="numpy")
        for index, layer in enumerate(self.layers):
            try:
                x = layer.forward(x)
            except ValueError as error:
                raise ValueError(
                    f"Sequential layer {index} ({layer!r}) got input of shape {tuple(x.shape)}: "
                    f"{error}"
                ) from None
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
        return {
            f"{i}.{name}": value
            for i, layer in enumerate(self.layers)
            for name, value in layer.parameters().items()
        }

    @property
    def grads(self):
        """The gradients of the last ``backward`` under the names of ``parameters()``."""
        return {
            f"{i}.{name}": value
            for i, layer in enumerate(self.layers)
            for name, value in layer.grads.items()
        }

    def zero_grad(self):
        for layer in self.layers:
            layer.zero_grad()

    def buffers(self):
        """Arrays that are state but not learned, e.g. ``{"1.running_mean": (C,)}``."""
        return {
            f"{i}.{name}": value
            for i, layer in enumerate(self.layers)
            for name, value in _layer_buffers(layer).items()
        }

    def state_dict(self):
        """Copies of the parameters and buffers by name, like torch's ``state_dict``."""
        state = {**self.parameters(), **self.buffers()}
        return {name: np.copy(value) for name, value in state.items()}

    def load_state_dict(self, state):
        """Copy parameters and buffers from arrays or tensors by name.

        ``net.load_state_dict(torch_net.state_dict())`` copies a torch Sequential.
        """
        expected = set(self.parameters()) | set(self.buffers())
        if set(state) != expected:
            raise KeyError(
                f"state must have exactly the keys {sorted(expected)}, got {sorted(state)}"
            )
        for i, layer in enumerate(self.layers):
            names = list(layer.parameters()) + list(_layer_buffers(layer))
            own = {name: state[f"{i}.{name}"] for name in names}
            if own:
                layer.load_state_dict(own)

    def __repr__(self):
        inner = "\n".join(f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential(\n{inner}\n)"


def _layer_buffers(layer):
    """A layer's buffers (``running_mean``, ...), or none for a layer without them."""
    return layer.buffers() if callable(getattr(layer, "buffers", None)) else {}


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


# ------------------------------------------------------------------------------ Softmax as a layer
# (Its imports sit here, with the code that uses them, so this section reads on its own.)
from helpers.numpy_nn.activations import check_softmax_axis, softmax, softmax_backward  # noqa: E402


class Softmax:
    """Softmax as a layer of its own, like ``torch.nn.Softmax(dim=-1)``: no parameters.

    forward:  x (..., K) -> out (..., K), out = softmax(x) along ``dim``; saves ``out``.
    backward: dout (..., K) -> dx (..., K), dx = out * (dout - sum(dout * out, dim)),
              the product with the Jacobian diag(out) - out out^T, never formed.

    Use it where the probabilities themselves feed the next computation (attention
    weights). Before a cross-entropy loss use ``CrossEntropyLoss`` on the logits
    instead, which is stable and cheaper.

    Args:
        dim: the axis the probabilities sum to 1 along (default: the last), as in PyTorch.
    """

    def __init__(self, dim=-1):
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
            raise TypeError(
                f"dim must be an integer axis, got {dim!r} of type {type(dim).__name__}"
            )
        self.dim = int(dim)
        self.grads = {}
        self._saved = None

    def parameters(self):
        return {}

    def zero_grad(self):
        pass

    def forward(self, x):
        """x: (..., K) float array -> (..., K) probabilities of x's dtype along ``dim``."""
        check_array(x, "x")
        if not isinstance(x, np.ndarray):
            raise TypeError(
                f"x must be a NumPy array, got {type(x).__name__}; use torch.nn.Softmax for tensors"
            )
        axis = check_softmax_axis(self.dim, x.ndim)
        out = softmax(x, axis=axis)
        self._saved = out
        return out

    __call__ = forward

    def backward(self, dout):
        """dout: (..., K), the gradient w.r.t. the output -> (..., K), the gradient w.r.t. x."""
        if self._saved is None:
            raise RuntimeError(f"{self!r}: backward was called before forward")
        return softmax_backward(dout, self._saved, axis=self.dim)

    def __repr__(self):
        return f"Softmax(dim={self.dim})"
