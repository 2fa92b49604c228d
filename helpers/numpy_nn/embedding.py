"""A lookup table of learned vectors, mirroring ``torch.nn.Embedding``.

Forward:   out[n, t] = weight[x[n, t]]          (row x[n, t] of the table)
Backward:  d weight[v] = sum of dout[n, t] over every (n, t) with x[n, t] = v

Shapes: x (N, T) integer ids in 0 .. V - 1 -> out (N, T, D); weight (V, D).
(Any shape of ids works: x (...) -> out (..., D).)

An embedding is a linear layer applied to one-hot vectors, ``onehot(x) @ weight``,
computed without building the one-hot matrix. The backward pass must *add* the
gradients of every position that used a row: ``grad[x] += dout`` with NumPy's fancy
indexing keeps only one of the repeated rows, so it uses ``np.add.at``, which adds
once per occurrence. There is no gradient with respect to the integer ids.
"""

import numpy as np

from helpers.checks import (
    check_array,
    check_numpy_float_dtype,
    check_positive,
    check_rng,
)


class Embedding:
    """``num_embeddings`` vectors of size ``embedding_dim``, as ``torch.nn.Embedding``.

    Args:
        num_embeddings: V, the vocabulary size.
        embedding_dim: D, the size of each vector.
        rng: a ``numpy.random.Generator`` or an integer seed (default: seed 0).
        dtype: of the table, ``np.float64`` or ``np.float32``.

    The table starts standard normal, N(0, 1), PyTorch's default. After
    ``backward``, ``self.grads["weight"]`` is the (V, D) gradient of the table.
    """

    def __init__(self, num_embeddings, embedding_dim, rng=None, dtype=np.float64):
        self.num_embeddings = check_positive(
            num_embeddings, "num_embeddings", integer=True
        )
        self.embedding_dim = check_positive(
            embedding_dim, "embedding_dim", integer=True
        )
        rng = check_rng(rng)
        dtype = check_numpy_float_dtype(dtype)
        self.weight = rng.standard_normal(
            (self.num_embeddings, self.embedding_dim)
        ).astype(dtype)
        self.grads = {}
        self._x = None  # the ids saved by forward for backward

    def parameters(self):
        """``{"weight": (V, D)}``."""
        return {"weight": self.weight}

    def forward(self, x):
        """x: (N, T) integer ids in 0 .. V - 1 -> (N, T, D), the rows they pick."""
        check_array(x, "x", dtype="int", framework="numpy")
        low, high = int(x.min()), int(x.max())
        if low < 0 or high >= self.num_embeddings:
            bad = low if low < 0 else high
            where = tuple(int(i) for i in np.argwhere(x == bad)[0])
            raise ValueError(
                f"x must hold ids in 0..{self.num_embeddings - 1} for "
                f"num_embeddings={self.num_embeddings}, got {bad} at position {where}"
            )
        self._x = x
        return self.weight[x]

    __call__ = forward

    def backward(self, dout):
        """dout: (N, T, D), the gradient w.r.t. the output.

        Fills ``self.grads["weight"]`` (V, D) and returns ``None``: integer ids have
        no gradient.
        """
        if self._x is None:
            raise RuntimeError(f"{self!r}: backward was called before forward")
        check_array(dout, "dout", framework="numpy")
        expected = self._x.shape + (self.embedding_dim,)
        if dout.shape != expected:
            raise ValueError(
                f"dout must have the output's shape {expected}, got {tuple(dout.shape)}"
            )
        grad = np.zeros_like(self.weight)
        np.add.at(grad, self._x, dout)  # adds once per occurrence of each id
        self.grads["weight"] = grad
        return None

    def zero_grad(self):
        """Forget the gradients of the last ``backward``."""
        self.grads = {}

    def state_dict(self):
        """A copy of the table, ``{"weight": (V, D)}``."""
        return {"weight": self.weight.copy()}

    def load_state_dict(self, state):
        """Set the table from ``{"weight": array or tensor of shape (V, D)}``."""
        if set(state) != {"weight"}:
            raise KeyError(
                f"state must have exactly the keys ['weight'], got {sorted(state)}"
            )
        value = state["weight"]
        if hasattr(value, "detach"):
            value = value.detach().cpu().numpy()
        value = np.array(value, dtype=self.weight.dtype)
        if value.shape != self.weight.shape:
            raise ValueError(
                f"weight must have shape {self.weight.shape}, got {value.shape}"
            )
        self.weight = value

    def __repr__(self):
        return f"Embedding({self.num_embeddings}, {self.embedding_dim})"
