"""Recurrent layers in NumPy: one-step cells and whole sequences, mirroring torch.nn.

Each cell turns an input x_t (N, D) and the previous state into the next state. Its
gates add an *input part* and a *hidden part*, each with its own bias, exactly as
PyTorch stores them:

    gi = x_t @ weight_ih.T + bias_ih        (N, G)   G = H (RNN), 4H (LSTM), 3H (GRU)
    gh = h   @ weight_hh.T + bias_hh        (N, G)

    RNNCell   h' = tanh(gi + gh)                       (or relu)
    LSTMCell  i, f, g, o = split(gi + gh)   in PyTorch's order: input, forget, cell, out
              i, f, o = sigmoid(i, f, o); g = tanh(g)
              c' = f * c + i * g;   h' = o * tanh(c')
    GRUCell   r, z, n: r = sigmoid(gi_r + gh_r), z = sigmoid(gi_z + gh_z)
              n = tanh(gi_n + r * gh_n)                 (r multiplies W_hn h + b_hn)
              h' = (1 - z) * n + z * h

Each cell writes its forward step (``_step``) and its backward step
(``_step_backward``) side by side, gate by gate. The backward step turns the
gradient of the new state into the gradients of ``gi`` and ``gh`` (and of the old
state where it reaches it directly, like the LSTM's ``c`` and the GRU's ``z * h``);
the matrix products with the weights are shared code.

``RNN``, ``LSTM`` and ``GRU`` run a cell over a whole sequence, for one or more
stacked layers, with torch's constructor arguments and parameter names
(``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0``, ``bias_hh_l0``, then ``_l1``...),
so ``numpy_layer.load_state_dict(torch_layer.state_dict())`` copies weights across.
Their ``backward`` is backpropagation through time (BPTT): the loop over time run
backwards, carrying the gradient of the hidden state from step t to step t - 1.

Two things make the sequence layers fast without changing the maths: the input part
``gi`` does not depend on the hidden state, so it is computed for all T steps in one
matrix product before the loop; and in the backward pass the weight gradients,
sums over time of per-step outer products, are one matrix product after the loop.
Only ``h @ weight_hh.T`` and its backward must stay inside the loop.

Shapes: x (T, N, D), or (N, T, D) with ``batch_first=True``; hidden states
(num_layers, N, H); output (T, N, H) or (N, T, H), the top layer's h at every step.
"""

import math

import numpy as np

from helpers.checks import (
    check_array,
    check_choice,
    check_numpy_float_dtype,
    check_positive,
    check_rng,
)


def _sigmoid(z):
    """1 / (1 + exp(-z)), written as (1 + tanh(z / 2)) / 2: equal, and never overflows.

    (The gates call it thousands of times per sequence, on arrays that are already
    checked, so it skips the checks of ``helpers.numpy_nn.activations.sigmoid``.)
    """
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _blocks(a, count):
    """a: (N, count * H) -> ``count`` views (N, H), its column blocks."""
    H = a.shape[1] // count
    return [a[:, k * H : (k + 1) * H] for k in range(count)]


def _shape(shape):
    return (
        "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
    )


def _check_bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _check_state(h, name, expected, what):
    """Check a float array of exactly the shape ``expected`` (``what`` in words)."""
    check_array(h, name, framework="numpy")
    if tuple(h.shape) != expected:
        raise ValueError(
            f"{name} must have shape {what} = {_shape(expected)}, got {_shape(h.shape)}"
        )
    return h


# ============================================================================ the cells
class _Cell:
    """What the three cells share: parameters, input and hidden parts, weight gradients.

    ``gates`` is the number of H-sized blocks in the gate vector: 1, 4 or 3.
    """

    gates = 1

    def __init__(self, input_size, hidden_size, bias=True, rng=None, dtype=np.float64):
        self.input_size = check_positive(input_size, "input_size", integer=True)
        self.hidden_size = check_positive(hidden_size, "hidden_size", integer=True)
        self.bias = _check_bool(bias, "bias")
        rng = check_rng(rng)
        dtype = check_numpy_float_dtype(dtype)
        G, H, D = self.gates * self.hidden_size, self.hidden_size, self.input_size
        bound = 1.0 / math.sqrt(
            H
        )  # PyTorch: every parameter uniform in [-1/sqrt(H), 1/sqrt(H)]
        shapes = {"weight_ih": (G, D), "weight_hh": (G, H)}
        if self.bias:
            shapes.update(bias_ih=(G,), bias_hh=(G,))
        for name, shape in shapes.items():
            setattr(self, name, rng.uniform(-bound, bound, size=shape).astype(dtype))
        if not self.bias:
            self.bias_ih = self.bias_hh = None
        self.grads = {}
        self._saved = None

    # --- parameters -----------------------------------------------------------
    def parameters(self):
        """The parameters by name.

        ``{"weight_ih": (G, D), "weight_hh": (G, H), "bias_ih": (G,),
        "bias_hh": (G,)}``.
        """
        names = ("weight_ih", "weight_hh") + (
            ("bias_ih", "bias_hh") if self.bias else ()
        )
        return {name: getattr(self, name) for name in names}

    def zero_grad(self):
        """Forget the gradients of the last ``backward``."""
        self.grads = {}

    def state_dict(self):
        """Copies of the parameters by name, like ``torch.nn.Module.state_dict``."""
        return {name: value.copy() for name, value in self.parameters().items()}

    def load_state_dict(self, state):
        """Set the parameters from arrays or tensors by name, e.g. a torch cell's."""
        expected = self.parameters()
        if set(state) != set(expected):
            raise KeyError(
                f"state must have exactly the keys {sorted(expected)}, "
                f"got {sorted(state)}"
            )
        for name, current in expected.items():
            value = state[name]
            if hasattr(value, "detach"):
                value = value.detach().cpu().numpy()
            value = np.array(value, dtype=current.dtype)
            if value.shape != current.shape:
                raise ValueError(
                    f"{name} must have shape {_shape(current.shape)}, "
                    f"got {_shape(value.shape)}"
                )
            setattr(self, name, value)

    # --- the two affine parts and their gradients -----------------------------
    def _input_part(self, x):
        """x: (..., D) -> gi (..., G) = x @ weight_ih.T + bias_ih."""
        # (T, N, D) as one (T * N, D) matrix: one large product, which BLAS does fastest
        gi = (x.reshape(-1, x.shape[-1]) @ self.weight_ih.T).reshape(
            x.shape[:-1] + (-1,)
        )
        return gi + self.bias_ih if self.bias else gi

    def _hidden_part(self, h):
        """h: (N, H) -> gh (N, G) = h @ weight_hh.T + bias_hh."""
        gh = h @ self.weight_hh.T
        return gh + self.bias_hh if self.bias else gh

    def _weight_gradients(self, x, h_prev, d_gi, d_gh):
        """Gradients of the four parameters, summed over every step and example.

        x: (..., D) inputs, h_prev: (..., H) previous hidden states, d_gi and d_gh:
        (..., G), for one step (N, ...) or a whole sequence (T, N, ...).
        """
        G = d_gi.shape[-1]
        d_gi, d_gh = d_gi.reshape(-1, G), d_gh.reshape(-1, G)
        grads = {
            "weight_ih": d_gi.T @ x.reshape(-1, x.shape[-1]),
            "weight_hh": d_gh.T @ h_prev.reshape(-1, h_prev.shape[-1]),
        }
        if self.bias:
            grads.update(bias_ih=d_gi.sum(axis=0), bias_hh=d_gh.sum(axis=0))
        return grads

    # --- one step as a layer ----------------------------------------------------------
    def _check_step_input(self, x):
        check_array(x, "x", framework="numpy")
        if x.ndim != 2 or x.shape[1] != self.input_size:
            raise ValueError(
                f"x must have shape (N, input_size) = (N, {self.input_size}), "
                f"got {_shape(x.shape)}"
            )
        return x

    def _forward_one_step(self, x, state):
        """x: (N, D), state: a tuple of (N, H) -> the new state; saves for backward."""
        gi, gh = self._input_part(x), self._hidden_part(state[0])
        new_state, cache = self._step(gi, gh, state)
        self._saved = (x, state[0], cache)
        return new_state

    def _backward_one_step(self, d_new_state):
        """d_new_state: a tuple of (N, H) -> (dx (N, D), d_state); fills ``grads``."""
        if self._saved is None:
            raise RuntimeError(f"{self!r}: backward was called before forward")
        x, h, cache = self._saved
        d_gi, d_gh, d_state = self._step_backward(d_new_state, cache)
        self.grads = self._weight_gradients(x, h, d_gi, d_gh)
        dx = d_gi @ self.weight_ih
        d_state = (d_state[0] + d_gh @ self.weight_hh,) + tuple(d_state[1:])
        return dx, d_state

    def _check_d_state(self, d, name):
        """d: the gradient w.r.t. one part of the new state, (N, H) like that state."""
        if self._saved is None:
            raise RuntimeError(f"{self!r}: backward was called before forward")
        expected = (self._saved[0].shape[0], self.hidden_size)
        return _check_state(d, name, expected, "(N, hidden_size)")

    def __repr__(self):
        return (
            f"{type(self).__name__}({self.input_size}, {self.hidden_size}"
            f"{'' if self.bias else ', bias=False'})"
        )


class RNNCell(_Cell):
    """One step of a vanilla (Elman) RNN, like ``torch.nn.RNNCell``: h' = tanh(gi + gh).

    Args:
        input_size: D. hidden_size: H.
        bias: whether to learn ``bias_ih`` and ``bias_hh``.
        nonlinearity: ``"tanh"`` or ``"relu"``.
        rng: a ``numpy.random.Generator`` or an integer seed (default: seed 0).
        dtype: of the parameters, ``np.float64`` or ``np.float32``.

    Parameters: ``weight_ih`` (H, D), ``weight_hh`` (H, H), ``bias_ih`` (H,),
    ``bias_hh`` (H,).
    """

    gates = 1

    def __init__(
        self,
        input_size,
        hidden_size,
        bias=True,
        nonlinearity="tanh",
        rng=None,
        dtype=np.float64,
    ):
        self.nonlinearity = check_choice(nonlinearity, "nonlinearity", ("tanh", "relu"))
        super().__init__(input_size, hidden_size, bias=bias, rng=rng, dtype=dtype)

    def _step(self, gi, gh, state):
        """gi, gh: (N, H); state = (h,) -> ((h',), cache)."""
        pre = gi + gh
        h_new = np.tanh(pre) if self.nonlinearity == "tanh" else np.maximum(pre, 0.0)
        return (h_new,), h_new

    def _step_backward(self, d_state_new, h_new):
        """((dh',), cache) -> (d_gi, d_gh, (0,)): h reaches h' only through gh."""
        (dh_new,) = d_state_new
        if self.nonlinearity == "tanh":
            d_pre = dh_new * (1.0 - h_new**2)  # tanh' = 1 - tanh^2
        else:
            d_pre = dh_new * (h_new > 0)  # relu' = 1 where the output is positive
        return d_pre, d_pre, (np.zeros_like(dh_new),)

    def forward(self, x, hx=None):
        """x: (N, D), hx: (N, H) or None (zeros) -> h': (N, H)."""
        self._check_step_input(x)
        N = x.shape[0]
        h = (
            np.zeros((N, self.hidden_size), dtype=self.weight_hh.dtype)
            if hx is None
            else _check_state(hx, "hx", (N, self.hidden_size), "(N, hidden_size)")
        )
        (h_new,) = self._forward_one_step(x, (h,))
        return h_new

    __call__ = forward

    def backward(self, d_h_next):
        """d_h_next: (N, H), the gradient w.r.t. h' -> (dx (N, D), d_hx (N, H)).

        Fills ``grads``.
        """
        self._check_d_state(d_h_next, "d_h_next")
        dx, (dh,) = self._backward_one_step((d_h_next,))
        return dx, dh

    def __repr__(self):
        extra = "" if self.nonlinearity == "tanh" else ", nonlinearity='relu'"
        return super().__repr__()[:-1] + extra + ")"


class LSTMCell(_Cell):
    """One step of a long short-term memory cell, like ``torch.nn.LSTMCell``.

    Gates in PyTorch's order i (input), f (forget), g (cell candidate), o (output),
    stacked in the rows of ``weight_ih`` (4H, D), ``weight_hh`` (4H, H), ``bias_ih``
    (4H,) and ``bias_hh`` (4H,): rows 0..H-1 are i, H..2H-1 are f, and so on.

    The state is a pair (h, c). The cell state c is changed only by elementwise
    products and a sum, c' = f * c + i * g, so its gradient flows back through time
    multiplied by the forget gate f, not by a weight matrix: the path that keeps
    gradients from vanishing.

    Args: as ``RNNCell``, without ``nonlinearity``.
    """

    gates = 4

    def _step(self, gi, gh, state):
        """gi, gh: (N, 4H); state = (h, c) -> ((h', c'), cache)."""
        h, c = state
        i, f, g, o = _blocks(gi + gh, 4)
        i, f, g, o = _sigmoid(i), _sigmoid(f), np.tanh(g), _sigmoid(o)
        c_new = f * c + i * g
        tanh_c = np.tanh(c_new)
        h_new = o * tanh_c
        return (h_new, c_new), (i, f, g, o, c, tanh_c)

    def _step_backward(self, d_state_new, cache):
        """((dh', dc'), cache) -> (d_gi, d_gh, (0, dc)): c reaches c' through f."""
        dh_new, dc_new = d_state_new
        i, f, g, o, c, tanh_c = cache
        do = dh_new * tanh_c  # h' = o * tanh(c')
        dc_total = dc_new + dh_new * o * (
            1.0 - tanh_c**2
        )  # c' feeds h' and the next step
        di, df, dg = dc_total * g, dc_total * c, dc_total * i  # c' = f * c + i * g
        dc = dc_total * f
        d_gates = np.concatenate(
            [
                di * i * (1.0 - i),  # sigmoid' = s (1 - s)
                df * f * (1.0 - f),
                dg * (1.0 - g**2),  # tanh' = 1 - tanh^2
                do * o * (1.0 - o),
            ],
            axis=1,
        )
        return d_gates, d_gates, (np.zeros_like(dh_new), dc)

    def forward(self, x, hx=None):
        """x: (N, D), hx: (h_0, c_0) each (N, H) or None (zeros) -> (h', c') (N, H)."""
        self._check_step_input(x)
        N, H = x.shape[0], self.hidden_size
        if hx is None:
            h = c = np.zeros((N, H), dtype=self.weight_hh.dtype)
        else:
            h, c = _check_pair(hx)
            _check_state(h, "h_0", (N, H), "(N, hidden_size)")
            _check_state(c, "c_0", (N, H), "(N, hidden_size)")
        return self._forward_one_step(x, (h, c))

    __call__ = forward

    def backward(self, d_h_next, d_c_next=None):
        """d_h_next, d_c_next: (N, H) or None (zero) -> (dx (N, D), (d_h, d_c)).

        Fills ``grads``.
        """
        self._check_d_state(d_h_next, "d_h_next")
        if d_c_next is None:
            d_c_next = np.zeros_like(d_h_next)
        self._check_d_state(d_c_next, "d_c_next")
        dx, (dh, dc) = self._backward_one_step((d_h_next, d_c_next))
        return dx, (dh, dc)


class GRUCell(_Cell):
    """One step of a gated recurrent unit, like ``torch.nn.GRUCell``.

    Gates in PyTorch's order r (reset), z (update), n (new), stacked in the rows of
    ``weight_ih`` (3H, D), ``weight_hh`` (3H, H), ``bias_ih`` (3H,), ``bias_hh`` (3H,).
    PyTorch applies the reset gate to the whole hidden part of n, bias included:
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn)); that is why both bias vectors are
    needed (with r outside the bracket, b_hn is not the same as a second b_in).

    Args: as ``RNNCell``, without ``nonlinearity``.
    """

    gates = 3

    def _step(self, gi, gh, state):
        """gi, gh: (N, 3H); state = (h,) -> ((h',), cache)."""
        (h,) = state
        gi_r, gi_z, gi_n = _blocks(gi, 3)
        gh_r, gh_z, gh_n = _blocks(gh, 3)
        r = _sigmoid(gi_r + gh_r)
        z = _sigmoid(gi_z + gh_z)
        n = np.tanh(gi_n + r * gh_n)
        h_new = (1.0 - z) * n + z * h
        return (h_new,), (r, z, n, gh_n, h)

    def _step_backward(self, d_state_new, cache):
        """((dh',), cache) -> (d_gi, d_gh, (z * dh',)): h reaches h' through z too."""
        (dh_new,) = d_state_new
        r, z, n, gh_n, h = cache
        dn = dh_new * (1.0 - z)  # h' = (1 - z) * n + z * h
        dz = dh_new * (h - n)
        dh_direct = dh_new * z
        dn_pre = dn * (1.0 - n**2)  # n = tanh(gi_n + r * gh_n)
        dr = dn_pre * gh_n
        dr_pre = dr * r * (1.0 - r)
        dz_pre = dz * z * (1.0 - z)
        d_gi = np.concatenate([dr_pre, dz_pre, dn_pre], axis=1)
        d_gh = np.concatenate([dr_pre, dz_pre, dn_pre * r], axis=1)  # r scales gh_n
        return d_gi, d_gh, (dh_direct,)

    def forward(self, x, hx=None):
        """x: (N, D), hx: (N, H) or None (zeros) -> h': (N, H)."""
        self._check_step_input(x)
        N = x.shape[0]
        h = (
            np.zeros((N, self.hidden_size), dtype=self.weight_hh.dtype)
            if hx is None
            else _check_state(hx, "hx", (N, self.hidden_size), "(N, hidden_size)")
        )
        (h_new,) = self._forward_one_step(x, (h,))
        return h_new

    __call__ = forward

    def backward(self, d_h_next):
        """d_h_next: (N, H), the gradient w.r.t. h' -> (dx (N, D), d_hx (N, H)).

        Fills ``grads``.
        """
        self._check_d_state(d_h_next, "d_h_next")
        dx, (dh,) = self._backward_one_step((d_h_next,))
        return dx, dh


def _check_pair(hx, what="hx"):
    if not isinstance(hx, (tuple, list)) or len(hx) != 2:
        raise TypeError(
            f"{what} must be a pair (h_0, c_0) of arrays for an LSTM, or None, "
            f"got {type(hx).__name__}"
        )
    return hx


# ====================================================================== whole sequences
class _Recurrent:
    """Stacked cells run over a sequence: what RNN, LSTM and GRU share."""

    cell_class = None
    state_names = ("h",)  # the LSTM's state is ("h", "c")

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        rng=None,
        dtype=np.float64,
        **cell_options,
    ):
        self.input_size = check_positive(input_size, "input_size", integer=True)
        self.hidden_size = check_positive(hidden_size, "hidden_size", integer=True)
        self.num_layers = check_positive(num_layers, "num_layers", integer=True)
        self.bias = _check_bool(bias, "bias")
        self.batch_first = _check_bool(batch_first, "batch_first")
        rng = check_rng(rng)
        # layer 0 reads the input; layer k > 0 reads the hidden states of layer k - 1
        self.cells = [
            self.cell_class(
                self.input_size if k == 0 else self.hidden_size,
                self.hidden_size,
                bias=bias,
                rng=rng,
                dtype=dtype,
                **cell_options,
            )
            for k in range(self.num_layers)
        ]
        self.grads = {}
        self._saved = None

    # --- parameters -----------------------------------------------------------
    def parameters(self):
        """The parameters by torch's names, layer by layer.

        ``{"weight_ih_l0": (G, D), "weight_hh_l0": (G, H), "bias_ih_l0": (G,),
        "bias_hh_l0": (G,), "weight_ih_l1": (G, H), ...}``.
        """
        return {
            f"{name}_l{k}": value
            for k, cell in enumerate(self.cells)
            for name, value in cell.parameters().items()
        }

    def zero_grad(self):
        """Forget the gradients of the last ``backward``."""
        self.grads = {}

    def state_dict(self):
        """Copies of the parameters by torch's names."""
        return {name: value.copy() for name, value in self.parameters().items()}

    def load_state_dict(self, state):
        """Set the parameters by name: ``load_state_dict(torch_layer.state_dict())``."""
        expected = set(self.parameters())
        if set(state) != expected:
            raise KeyError(
                f"state must have exactly the keys {sorted(expected)}, "
                f"got {sorted(state)}"
            )
        for k, cell in enumerate(self.cells):
            cell.load_state_dict(
                {name: state[f"{name}_l{k}"] for name in cell.parameters()}
            )

    # --- checks ---------------------------------------------------------------
    def _layout(self):
        return "(N, T, D)" if self.batch_first else "(T, N, D)"

    def _check_input(self, x):
        """x: (T, N, D) or (N, T, D) -> the same data as (T, N, D)."""
        check_array(x, "x", framework="numpy")
        layout = self._layout()
        if x.ndim != 3:
            hint = (
                " (a single sequence needs a batch axis of size 1)"
                if x.ndim == 2
                else ""
            )
            raise ValueError(
                f"x must have shape {layout} with batch_first={self.batch_first}, "
                f"got shape {_shape(x.shape)}{hint}"
            )
        if x.shape[2] != self.input_size:
            raise ValueError(
                f"x must have input_size = {self.input_size} features in its last "
                f"axis, "
                f"shape {layout.replace('D', str(self.input_size))} with "
                f"batch_first={self.batch_first}, got shape {_shape(x.shape)}"
            )
        return x.transpose(1, 0, 2) if self.batch_first else x

    def _state_shape(self, N):
        return (self.num_layers, N, self.hidden_size)

    def _initial_state(self, arrays, N):
        """arrays: (L, N, H) or None for each part of the state -> a state per layer."""
        shape = self._state_shape(N)
        parts = []
        for name, array in zip(self.state_names, arrays):
            if array is None:
                array = np.zeros(shape, dtype=self.cells[0].weight_hh.dtype)
            else:
                _check_state(
                    array,
                    self._state_argument(name),
                    shape,
                    "(num_layers, N, hidden_size)",
                )
            parts.append(array)
        return [tuple(part[k] for part in parts) for k in range(self.num_layers)]

    def _state_argument(self, name):
        return "hx" if self.state_names == ("h",) else f"{name}_0"

    # --- forward: the loop over time, layer by layer ----------------------------------
    def _forward(self, x, initial):
        """x: (T, N, D) or (N, T, D); initial: tuple of (L, N, H) arrays or Nones.

        Returns the output (T, N, H) or (N, T, H) and the final state, a tuple of
        (L, N, H) arrays.
        """
        layer_input = self._check_input(x)  # (T, N, D), whatever the layout
        T, N, _ = layer_input.shape
        states = self._initial_state(initial, N)
        self._saved, finals = [], []
        for cell, state in zip(self.cells, states):
            dtype = np.result_type(layer_input.dtype, cell.weight_hh.dtype)
            gi_all = cell._input_part(
                layer_input
            )  # (T, N, G): the input part of every step
            outputs = np.empty((T, N, self.hidden_size), dtype=dtype)
            h_prev = np.empty((T, N, self.hidden_size), dtype=dtype)
            caches = []
            for t in range(T):
                h_prev[t] = state[0]
                state, cache = cell._step(gi_all[t], cell._hidden_part(state[0]), state)
                outputs[t] = state[0]
                caches.append(cache)
            self._saved.append((layer_input, h_prev, caches))
            finals.append(state)
            layer_input = outputs  # the next layer reads these
        output = layer_input.transpose(1, 0, 2) if self.batch_first else layer_input
        final = tuple(
            np.stack([state[j] for state in finals])
            for j in range(len(self.state_names))
        )
        return output, final

    # --- backward: backpropagation through time ---------------------------------------
    def _backward(self, d_output, d_final):
        """d_output like the output; d_final: a tuple of (L, N, H) arrays or Nones.

        Returns dx (like x) and the gradient of the initial state, a tuple of (L, N, H).
        """
        if self._saved is None:
            raise RuntimeError(f"{self!r}: backward was called before forward")
        T, N, _ = self._saved[0][0].shape
        out_shape = (
            (N, T, self.hidden_size) if self.batch_first else (T, N, self.hidden_size)
        )
        layout = "(N, T, hidden_size)" if self.batch_first else "(T, N, hidden_size)"
        _check_state(d_output, "d_output", out_shape, f"the output's shape {layout}")
        dtype = self._saved[0][1].dtype  # that of the hidden states
        d_final = [
            np.zeros(self._state_shape(N), dtype=dtype)
            if d is None
            else _check_state(
                d, f"d_{name}_n", self._state_shape(N), "(num_layers, N, hidden_size)"
            )
            for name, d in zip(self.state_names, d_final)
        ]
        d_layer_output = (
            d_output.transpose(1, 0, 2) if self.batch_first else d_output
        )  # (T, N, H)
        grads, d_initial = {}, [None] * self.num_layers
        for k in reversed(range(self.num_layers)):
            cell = self.cells[k]
            layer_input, h_prev, caches = self._saved[k]
            G = cell.gates * self.hidden_size
            d_gi_all = np.empty((T, N, G), dtype=h_prev.dtype)
            d_gh_all = np.empty((T, N, G), dtype=h_prev.dtype)
            d_state = tuple(
                d[k] for d in d_final
            )  # the gradient arriving from after step T
            for t in reversed(range(T)):
                # h_t feeds the output at step t (or the layer above) and step t + 1
                d_state = (d_state[0] + d_layer_output[t],) + d_state[1:]
                d_gi, d_gh, d_direct = cell._step_backward(d_state, caches[t])
                d_gi_all[t], d_gh_all[t] = d_gi, d_gh
                # the gradient w.r.t. h_{t-1}: through gh = h_{t-1} @ weight_hh.T,
                # and directly
                d_state = (d_direct[0] + d_gh @ cell.weight_hh,) + tuple(d_direct[1:])
            for name, g in cell._weight_gradients(
                layer_input, h_prev, d_gi_all, d_gh_all
            ).items():
                grads[f"{name}_l{k}"] = g
            d_initial[k] = d_state
            d_layer_output = (d_gi_all.reshape(T * N, G) @ cell.weight_ih).reshape(
                T, N, -1
            )
            # (T, N, D_k): the gradient w.r.t. this layer's input, into the layer below
        self.grads = {name: grads[name] for name in self.parameters()}  # torch's order
        dx = d_layer_output.transpose(1, 0, 2) if self.batch_first else d_layer_output
        d_initial_state = tuple(
            np.stack([d[j] for d in d_initial]) for j in range(len(self.state_names))
        )
        return dx, d_initial_state

    def __repr__(self):
        options = [f"num_layers={self.num_layers}"] if self.num_layers > 1 else []
        options += [] if self.bias else ["bias=False"]
        options += ["batch_first=True"] if self.batch_first else []
        return (
            f"{type(self).__name__}({self.input_size}, {self.hidden_size}"
            + "".join(", " + option for option in options)
            + ")"
        )


class RNN(_Recurrent):
    """A vanilla RNN over a sequence, like ``torch.nn.RNN``.

    Each layer computes h_t = tanh(gi_t + gh_{t-1}) (or relu) at every step.

    Args:
        input_size: D. hidden_size: H. num_layers: stacked layers L.
        nonlinearity: ``"tanh"`` or ``"relu"``.
        bias: whether to learn ``bias_ih_lk`` and ``bias_hh_lk``.
        batch_first: inputs and outputs as (N, T, ...) instead of (T, N, ...).
        rng: a ``numpy.random.Generator`` or an integer seed (default: seed 0).
        dtype: of the parameters, ``np.float64`` or ``np.float32``.

    Parameters, for each layer k: ``weight_ih_lk`` (H, D or H), ``weight_hh_lk`` (H, H),
    ``bias_ih_lk`` (H,), ``bias_hh_lk`` (H,), uniform in [-1/sqrt(H), 1/sqrt(H)] as
    in torch.
    """

    cell_class = RNNCell

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        nonlinearity="tanh",
        bias=True,
        batch_first=False,
        rng=None,
        dtype=np.float64,
    ):
        super().__init__(
            input_size,
            hidden_size,
            num_layers,
            bias=bias,
            batch_first=batch_first,
            rng=rng,
            dtype=dtype,
            nonlinearity=nonlinearity,
        )
        self.nonlinearity = nonlinearity

    def forward(self, x, hx=None):
        """x: (T, N, D) or (N, T, D), hx: (L, N, H) or None (zeros) -> (output, h_n).

        output: (T, N, H) or (N, T, H), the top layer's hidden state at every step;
        h_n: (L, N, H), every layer's last hidden state.
        """
        output, (h_n,) = self._forward(x, (hx,))
        return output, h_n

    __call__ = forward

    def backward(self, d_output, d_h_n=None):
        """Backpropagation through time.

        d_output: like the output; d_h_n: (L, N, H) or None (zero).
        Returns (dx like x, d_hx (L, N, H)) and fills ``grads`` by parameter name.
        """
        dx, (d_h_0,) = self._backward(d_output, (d_h_n,))
        return dx, d_h_0

    def __repr__(self):
        extra = "" if self.nonlinearity == "tanh" else ", nonlinearity='relu'"
        return super().__repr__()[:-1] + extra + ")"


class LSTM(_Recurrent):
    """An LSTM over a sequence, like ``torch.nn.LSTM``; gates i, f, g, o (``LSTMCell``).

    Args: as ``RNN``, without ``nonlinearity``. Parameters as ``RNN``'s with 4H rows.
    """

    cell_class = LSTMCell
    state_names = ("h", "c")

    def forward(self, x, hx=None):
        """x: (T, N, D) or (N, T, D), hx: (h_0, c_0), each (L, N, H), or None (zeros).

        Returns (output, (h_n, c_n)): output (T, N, H) or (N, T, H); h_n, c_n (L, N, H).
        """
        initial = (None, None) if hx is None else tuple(_check_pair(hx))
        output, (h_n, c_n) = self._forward(x, initial)
        return output, (h_n, c_n)

    __call__ = forward

    def backward(self, d_output, d_h_n=None, d_c_n=None):
        """Backpropagation through time.

        d_output: like the output; d_h_n, d_c_n: (L, N, H) or None (zero).

        Returns (dx like x, (d_h_0, d_c_0), each (L, N, H)) and fills ``grads``.
        """
        dx, (d_h_0, d_c_0) = self._backward(d_output, (d_h_n, d_c_n))
        return dx, (d_h_0, d_c_0)


class GRU(_Recurrent):
    """A GRU over a sequence, like ``torch.nn.GRU``; gates r, z, n as in ``GRUCell``.

    Args: as ``RNN``, without ``nonlinearity``. Parameters as ``RNN``'s with 3H rows.
    """

    cell_class = GRUCell

    def forward(self, x, hx=None):
        """x: (T, N, D) or (N, T, D), hx: (L, N, H) or None (zeros) -> (output, h_n)."""
        output, (h_n,) = self._forward(x, (hx,))
        return output, h_n

    __call__ = forward

    def backward(self, d_output, d_h_n=None):
        """Backpropagation through time, as ``RNN.backward``: -> (dx, d_hx)."""
        dx, (d_h_0,) = self._backward(d_output, (d_h_n,))
        return dx, d_h_0
