"""A small reverse-mode automatic differentiation engine for NumPy arrays.

Every operation builds a new ``Tensor`` that remembers its inputs and a small
function, ``_backward``, that knows the operation's local derivative: given the
gradient of the final result w.r.t. the output (``out.grad``) it adds the gradient
w.r.t. each input (the chain rule). ``backward()`` orders the graph so that every
node comes after everything it feeds into, then calls those functions from the
output back to the inputs.

Broadcasting: when an input was stretched to a bigger shape (a bias (H,) added to
(N, H)), its gradient is summed back over the stretched axes (``unbroadcast``).

A NumPy array may stand on either side of an operator: ``np.ones(3) * t`` gives a
``Tensor``, as ``t * np.ones(3)`` does (``__array_ufunc__ = None`` tells NumPy to
leave the operation to ``Tensor``).

Like PyTorch, gradients accumulate in the leaves (the tensors you created) across
``backward`` calls until you reset them with ``zero_grad``.
"""

from numbers import Real

import numpy as np


def unbroadcast(grad, shape):
    """Sum ``grad`` over the axes that broadcasting added or stretched, to get ``shape`` back."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


class Tensor:
    """An array that records how it was computed so gradients can flow back to its inputs.

    Args:
        data: anything ``np.asarray`` accepts; stored as float64.
        label: an optional name, shown in ``repr`` and in graph drawings.

    Attributes:
        data: the values, any shape.
        grad: d(output)/d(this tensor) after ``backward``, same shape as ``data``.
    """

    __array_ufunc__ = (
        None  # NumPy arrays defer to Tensor's operators: np.ones(2) * t is a Tensor
    )

    def __init__(self, data, label="", _parents=(), _op=""):
        if type(data).__module__.startswith("torch"):
            raise TypeError(
                "data must be a number, a list or a NumPy array, got a torch.Tensor "
                "(use data.detach().cpu().numpy())"
            )
        if isinstance(data, Tensor):
            raise TypeError(
                "data must be a number, a list or a NumPy array, got a Tensor (use its .data)"
            )
        self.data = np.asarray(data, dtype=np.float64)
        self.grad = np.zeros_like(self.data)
        self.label = label
        self._parents = _parents
        self._op = _op
        self._backward = lambda: None

    # -- bookkeeping ------------------------------------------------------------------------

    @property
    def shape(self):
        return self.data.shape

    @property
    def is_leaf(self):
        return not self._parents

    def __repr__(self):
        name = f" {self.label!r}" if self.label else ""
        return f"Tensor{name}(shape={self.shape}, op={self._op or 'leaf'!r})"

    def zero_grad(self):
        """Reset this tensor's gradient to zeros."""
        self.grad = np.zeros_like(self.data)

    @staticmethod
    def _lift(other):
        return other if isinstance(other, Tensor) else Tensor(other)

    def _broadcast_shape(self, other, op):
        """The shape of ``self <op> other``; a clear error when the two shapes do not broadcast."""
        try:
            return np.broadcast_shapes(self.shape, other.shape)
        except ValueError:
            raise ValueError(
                f"the operands of {op} must have shapes that broadcast, got {self.shape} and "
                f"{other.shape} (sizes must match or be 1, aligned from the right)"
            ) from None

    # -- elementwise arithmetic (with broadcasting) -------------------------------------------

    def __add__(self, other):
        other = self._lift(other)
        self._broadcast_shape(other, "+")
        out = Tensor(self.data + other.data, _parents=(self, other), _op="+")

        def _backward():
            self.grad += unbroadcast(out.grad, self.shape)
            other.grad += unbroadcast(out.grad, other.shape)

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = self._lift(other)
        self._broadcast_shape(other, "*")
        out = Tensor(self.data * other.data, _parents=(self, other), _op="*")

        def _backward():
            self.grad += unbroadcast(out.grad * other.data, self.shape)
            other.grad += unbroadcast(out.grad * self.data, other.shape)

        out._backward = _backward
        return out

    def __pow__(self, exponent):
        if isinstance(exponent, bool) or not isinstance(exponent, Real):
            raise TypeError(
                f"the exponent must be a constant number (an int or a float, NumPy's too), "
                f"got {type(exponent).__name__}"
            )
        exponent = (
            exponent.item() if isinstance(exponent, np.generic) else exponent
        )  # np.int64(3) -> 3
        out = Tensor(self.data**exponent, _parents=(self,), _op=f"**{exponent}")

        def _backward():
            self.grad += out.grad * exponent * self.data ** (exponent - 1)

        out._backward = _backward
        return out

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-self._lift(other))

    def __rsub__(self, other):
        return self._lift(other) + (-self)

    def __truediv__(self, other):
        return self * self._lift(other) ** -1.0

    def __rtruediv__(self, other):
        return self._lift(other) * self**-1.0

    __radd__ = __add__
    __rmul__ = __mul__

    # -- matrix product --------------------------------------------------------------------------

    def __rmatmul__(self, other):
        """``array @ tensor``: the same product with a NumPy array on the left."""
        return self._lift(other) @ self

    def __matmul__(self, other):
        """(N, D) @ (D, M) -> (N, M); also (D,) vectors as in NumPy."""
        other = self._lift(other)
        if self.data.ndim not in (1, 2) or other.data.ndim not in (1, 2):
            raise ValueError(
                f"matmul supports 1-D and 2-D tensors, got shapes {self.shape} and {other.shape}"
            )
        if self.shape[-1] != other.shape[0]:
            raise ValueError(
                f"matmul shapes do not fit: {self.shape} @ {other.shape} "
                f"(inner sizes {self.shape[-1]} and {other.shape[0]} differ)"
            )
        out = Tensor(self.data @ other.data, _parents=(self, other), _op="@")

        def _backward():
            a, b, g = self.data, other.data, out.grad
            a2 = a[None, :] if a.ndim == 1 else a  # treat vectors as matrices ...
            b2 = b[:, None] if b.ndim == 1 else b
            g2 = g.reshape(a2.shape[0], b2.shape[1])
            self.grad += (g2 @ b2.T).reshape(a.shape)  # ... and reshape back
            other.grad += (a2.T @ g2).reshape(b.shape)

        out._backward = _backward
        return out

    @property
    def T(self):
        """The transpose of a 2-D tensor."""
        out = Tensor(self.data.T, _parents=(self,), _op="T")

        def _backward():
            self.grad += out.grad.T

        out._backward = _backward
        return out

    # -- reductions --------------------------------------------------------------------------------

    def sum(self, axis=None, keepdims=False):
        out = Tensor(
            self.data.sum(axis=axis, keepdims=keepdims), _parents=(self,), _op="sum"
        )

        def _backward():
            g = out.grad
            if axis is not None and not keepdims:
                g = np.expand_dims(g, axis)
            self.grad += np.broadcast_to(g, self.shape)

        out._backward = _backward
        return out

    def mean(self, axis=None, keepdims=False):
        count = (
            self.data.size
            if axis is None
            else np.prod([self.shape[a] for a in np.atleast_1d(axis)])
        )
        return self.sum(axis=axis, keepdims=keepdims) * (1.0 / count)

    # -- elementwise functions ----------------------------------------------------------------------

    def _unary(self, value, local_derivative, op):
        out = Tensor(value, _parents=(self,), _op=op)

        def _backward():
            self.grad += out.grad * local_derivative(out.data)

        out._backward = _backward
        return out

    def exp(self):
        return self._unary(np.exp(self.data), lambda e: e, "exp")  # d/dx e^x = e^x

    def log(self):
        if np.any(self.data <= 0):
            raise ValueError(
                f"log of non-positive values (smallest is {self.data.min():.4g})"
            )
        x = self.data
        return self._unary(np.log(x), lambda _: 1.0 / x, "log")

    def relu(self):
        return self._unary(
            np.maximum(self.data, 0.0), lambda r: (r > 0).astype(np.float64), "relu"
        )

    def tanh(self):
        return self._unary(np.tanh(self.data), lambda t: 1.0 - t**2, "tanh")

    def sigmoid(self):
        e = np.exp(-np.abs(self.data))
        s = np.where(self.data >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        return self._unary(s, lambda s: s * (1.0 - s), "sigmoid")

    # -- backpropagation ------------------------------------------------------------------------------

    def backward(self, gradient=None):
        """Fill ``grad`` of every tensor this one depends on, by the chain rule.

        Args:
            gradient: d(final)/d(self). Needed unless ``self`` is a scalar (then it is 1).

        Gradients accumulate in leaf tensors across calls (reset with ``zero_grad``);
        the gradients of intermediate tensors are recomputed from zero each call.
        """
        if gradient is None:
            if self.data.size != 1:
                raise ValueError(
                    f"backward() without a gradient needs a scalar, but this tensor has shape "
                    f"{self.shape}; reduce it first (e.g. .sum() or .mean()) or pass gradient="
                )
            gradient = np.ones_like(self.data)
        if type(gradient).__module__.startswith("torch"):
            raise TypeError(
                "gradient must be a NumPy array, got a torch.Tensor (use gradient.detach().cpu().numpy())"
            )
        gradient = np.asarray(gradient, dtype=np.float64)
        if not np.all(np.isfinite(gradient)):
            raise ValueError(
                f"gradient must be finite, got {int(np.sum(~np.isfinite(gradient)))} nan or inf value(s)"
            )
        if gradient.shape != self.shape:
            raise ValueError(
                f"gradient must have this tensor's shape {self.shape}, got {gradient.shape}"
            )

        order = topological_order(self)
        for node in order:
            if not node.is_leaf:
                node.grad = np.zeros_like(node.data)
        self.grad = self.grad + gradient if self.is_leaf else gradient.copy()
        for node in reversed(order):
            node._backward()


def topological_order(root):
    """Every tensor ``root`` depends on, each listed after all of its inputs (root last)."""
    order, seen = [], set()
    stack = [(root, False)]
    while (
        stack
    ):  # an explicit stack: deep graphs would overflow Python's recursion limit
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend(
                (parent, False) for parent in node._parents if id(parent) not in seen
            )
    return order
