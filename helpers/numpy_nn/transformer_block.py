"""One pre-norm transformer block in NumPy, forward only: ``helpers.gpt.Block``'s twin.

    x = x + attn(ln_1(x))       causal multi-head self-attention
    x = x + mlp(ln_2(x))        Linear(C, 4C), GELU, Linear(4C, C)

It keeps its parameters under the names of the PyTorch block
(``ln_1.weight``, ``attn.c_attn.weight``, ``mlp.c_proj.bias``, ...), so
``numpy_block.load_state_dict(torch_block.state_dict())`` copies the weights across
and the two outputs can be compared. The pieces are the book's own: layer norms from
``helpers.numpy_nn.norm``, linear layers from ``helpers.numpy_nn.linear`` and causal
scaled dot-product attention from ``helpers.numpy_nn.attention``.

Shapes: x (B, T, C) -> (B, T, C), with H heads of width D = C / H.
"""

import numpy as np
from scipy.special import erf

from helpers.checks import check_array, check_integer
from helpers.numpy_nn.attention import scaled_dot_product_attention
from helpers.numpy_nn.linear import Linear
from helpers.numpy_nn.norm import LayerNorm


def gelu(x):
    """GELU(x) = x * Phi(x) = x * (1 + erf(x / sqrt 2)) / 2, torch's exact form.

    x: any shape -> the same shape.
    """
    check_array(x, "x", framework="numpy")
    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


class TransformerBlock:
    """A pre-norm transformer block (GPT-2's), forward only.

    Args:
        n_embd: C, the width. n_head: H, which must divide C.
        bias: linear layers and layer norms with biases (as ``GPTConfig.bias``).
        dtype: of the parameters.

    Parameters (``parameters()``, torch's names and shapes): ``ln_1.weight`` (C,),
    ``attn.c_attn.weight`` (3C, C), ``attn.c_proj.weight`` (C, C), ``ln_2.weight``
    (C,), ``mlp.c_fc.weight`` (4C, C), ``mlp.c_proj.weight`` (C, 4C), and a ``.bias``
    beside each with ``bias=True``.
    """

    def __init__(self, n_embd, n_head, bias=True, dtype=np.float64):
        C = self.n_embd = check_integer(n_embd, "n_embd", minimum=1)
        self.n_head = check_integer(n_head, "n_head", minimum=1)
        if C % self.n_head != 0:
            raise ValueError(
                f"n_embd must be divisible by n_head, got n_embd = {C} and "
                f"n_head = {self.n_head}"
            )
        self.layers = {
            "ln_1": LayerNorm(C, bias=bias, dtype=dtype),
            "attn.c_attn": Linear(C, 3 * C, bias=bias, dtype=dtype),
            "attn.c_proj": Linear(C, C, bias=bias, dtype=dtype),
            "ln_2": LayerNorm(C, bias=bias, dtype=dtype),
            "mlp.c_fc": Linear(C, 4 * C, bias=bias, dtype=dtype),
            "mlp.c_proj": Linear(4 * C, C, bias=bias, dtype=dtype),
        }

    def parameters(self):
        """``{"ln_1.weight": (C,), "attn.c_attn.weight": (3C, C), ...}``."""
        return {
            f"{layer_name}.{name}": value
            for layer_name, layer in self.layers.items()
            for name, value in layer.parameters().items()
        }

    def load_state_dict(self, state):
        """Set every parameter from arrays or tensors, e.g. ``Block.state_dict()``."""
        expected = self.parameters()
        if set(state) != set(expected):
            raise KeyError(
                f"state must have exactly the keys {sorted(expected)}, "
                f"got {sorted(state)}"
            )
        for layer_name, layer in self.layers.items():
            layer.load_state_dict(
                {name: state[f"{layer_name}.{name}"] for name in layer.parameters()}
            )

    def _linear(self, name, x):
        """A linear layer applied at every position: (B, T, in) -> (B, T, out)."""
        B, T, _ = x.shape
        return self.layers[name].forward(x.reshape(B * T, -1)).reshape(B, T, -1)

    def attention(self, x):
        """Causal multi-head self-attention. x: (B, T, C) -> (B, T, C)."""
        self._check_input(x)
        B, T, C = x.shape
        H, D = self.n_head, C // self.n_head
        qkv = self._linear("attn.c_attn", x)  # (B, T, 3C)
        q, k, v = np.split(qkv, 3, axis=2)  # 3 x (B, T, C)
        # (B, T, C) -> (B, H, T, D)
        q, k, v = (a.reshape(B, T, H, D).transpose(0, 2, 1, 3) for a in (q, k, v))
        y, _ = scaled_dot_product_attention(q, k, v, is_causal=True)  # (B, H, T, D)
        y = y.transpose(0, 2, 1, 3).reshape(B, T, C)  # heads side by side
        return self._linear("attn.c_proj", y)

    def mlp(self, x):
        """x: (B, T, C) -> (B, T, C): C -> 4C, GELU, 4C -> C at each position."""
        self._check_input(x)
        return self._linear("mlp.c_proj", gelu(self._linear("mlp.c_fc", x)))

    def _check_input(self, x):
        check_array(x, "x", ndim=3, framework="numpy")
        if x.shape[2] != self.n_embd:
            raise ValueError(
                f"x must have shape (B, T, {self.n_embd}) for n_embd = {self.n_embd}, "
                f"got shape {tuple(x.shape)}"
            )

    def forward(self, x):
        """x: (B, T, C) -> (B, T, C)."""
        self._check_input(x)
        x = x + self.attention(self.layers["ln_1"].forward(x))
        x = x + self.mlp(self.layers["ln_2"].forward(x))
        return x

    __call__ = forward

    def __repr__(self):
        return f"TransformerBlock(n_embd={self.n_embd}, n_head={self.n_head})"
