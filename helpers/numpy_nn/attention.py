"""Attention in NumPy, forward and backward, mirroring torch.nn.functional and torch.nn.

Scaled dot-product attention: each of L queries looks up S keys and returns the
average of their values, weighted by how well the query matches each key,

    scores  = q k^T * scale                    (..., L, S), scale = 1 / sqrt(E)
    weights = softmax(scores + mask, over S)   (..., L, S), each row sums to 1
    out     = weights v                        (..., L, Ev)

Shapes: q (..., L, E), k (..., S, E), v (..., S, Ev); "..." is any batch shape
(batch, heads), the same for all three.

Sections of this file, each readable on its own:
    masks               causal_mask, padding_mask
    dot-product         scaled_dot_product_attention and its backward
    multi-head          MultiheadAttention (torch's packed parameter layout)
    positions           sinusoidal_positions; rotary embeddings (RoPE), their backward
    blockwise           blockwise_attention (the online softmax), attention_memory_bytes

Mask conventions differ between the two torch functions, and we follow each:
``scaled_dot_product_attention`` takes a boolean mask where True means "may attend"
(as ``torch.nn.functional.scaled_dot_product_attention``); ``MultiheadAttention``
takes boolean masks where True means "masked out" (as ``torch.nn.MultiheadAttention``).
A float mask is added to the scores in both.
"""

import math
from collections import namedtuple

import numpy as np

from helpers.checks import (
    check_array,
    check_numpy_float_dtype,
    check_positive,
    check_rng,
)
from helpers.numpy_nn.init import xavier_uniform_
from helpers.numpy_nn.linear import Linear


def _shape(shape):
    return (
        "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
    )


# ---------------------------------------------------------------------------- masks


def causal_mask(L, S=None):
    """The causal mask: query i may attend to keys 0..i and to no later one.

    Args:
        L: the number of queries. S: the number of keys (default: L).

    Returns:
        (L, S) boolean array, True where query i may attend to key j (j <= i): the
        lower triangle, aligned at the top-left corner as torch's ``is_causal=True``.
        With S > L the last S - L keys are seen by no query; for generation with a
        cache of past keys, where the L new queries are the *last* L positions, use
        ``causal_mask(S, S)[-L:]`` instead.
    """
    L = check_positive(L, "L", integer=True)
    S = L if S is None else check_positive(S, "S", integer=True)
    return np.tril(np.ones((L, S), dtype=bool))


def padding_mask(lengths, S):
    """Which key positions hold real tokens in a batch of sequences padded to length S.

    Args:
        lengths: (N,) integer array, the true length of each sequence, each in 1..S.
        S: the padded length.

    Returns:
        (N, S) boolean array, True at the real positions (j < lengths[n]), in the
        "True = may attend" convention of ``scaled_dot_product_attention``; broadcast it
        over the queries with ``mask[:, None, :]`` (or ``mask[:, None, None, :]`` with a
        heads axis). ``MultiheadAttention``'s ``key_padding_mask`` wants the opposite,
        True at the padding: pass ``~padding_mask(lengths, S)``.
    """
    check_array(lengths, "lengths", ndim=1, dtype="int", framework="numpy")
    S = check_positive(S, "S", integer=True)
    if lengths.min() < 1 or lengths.max() > S:
        raise ValueError(
            f"lengths must each be in 1..S = 1..{S}, got values from "
            f"{int(lengths.min())} to {int(lengths.max())}"
        )
    return np.arange(S)[None, :] < lengths[:, None]


# --------------------------------------------------------- scaled dot-product attention

AttentionCache = namedtuple("AttentionCache", "q k v weights out scale")
AttentionCache.__doc__ = """What ``scaled_dot_product_attention_backward`` needs.

    q (..., L, E), k (..., S, E), v (..., S, Ev): the inputs (not copies);
    weights (..., L, S): the attention weights, the softmax's output (a row of zeros
        where every key was masked); plot them as a heat map;
    out (..., L, Ev): the output, weights @ v;
    scale: the factor the scores were multiplied by.
"""


def _check_qkv(q, k, v):
    """Check q (..., L, E), k (..., S, E), v (..., S, Ev): float, same batch shape."""
    for x, name in ((q, "q"), (k, "k"), (v, "v")):
        check_array(x, name, framework="numpy")
        if x.ndim < 2:
            raise ValueError(
                f"{name} must have at least 2 dimensions (..., positions, "
                f"features), got shape {_shape(x.shape)}"
            )
    if k.shape[-1] != q.shape[-1]:
        raise ValueError(
            f"k must have the feature size E of q, {q.shape[-1]}, got "
            f"{k.shape[-1]} (q has shape {_shape(q.shape)}, k "
            f"{_shape(k.shape)})"
        )
    if v.shape[-2] != k.shape[-2]:
        raise ValueError(
            f"v must have as many positions S as k, {k.shape[-2]}, got "
            f"{v.shape[-2]} (k has shape {_shape(k.shape)}, v "
            f"{_shape(v.shape)})"
        )
    if not q.shape[:-2] == k.shape[:-2] == v.shape[:-2]:
        raise ValueError(
            f"q, k and v must have the same batch shape (all but the last "
            f"two dimensions), got q {_shape(q.shape[:-2])}, k "
            f"{_shape(k.shape[:-2])} and v {_shape(v.shape[:-2])}"
        )
    if not q.dtype == k.dtype == v.dtype:
        raise TypeError(
            f"q, k and v must have the same dtype, got {q.dtype}, {k.dtype} "
            f"and {v.dtype}"
        )


def _check_scale(scale, E):
    return 1.0 / math.sqrt(E) if scale is None else check_positive(scale, "scale")


def _check_mask(mask, scores_shape, name="attn_mask"):
    """A boolean or float NumPy mask broadcastable to the scores' shape (..., L, S)."""
    if not isinstance(mask, np.ndarray):
        raise TypeError(
            f"{name} must be a NumPy array (boolean or float), got "
            f"{type(mask).__name__}"
        )
    if mask.dtype != bool and mask.dtype.kind != "f":
        raise TypeError(
            f"{name} must be boolean (True = may attend) or float (added to "
            f"the scores), got dtype {mask.dtype}"
        )
    try:
        fits = np.broadcast_shapes(mask.shape, scores_shape) == tuple(scores_shape)
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"{name} must have a shape that broadcasts to the scores' "
            f"(..., L, S) = {_shape(scores_shape)}, got {_shape(mask.shape)}"
        )
    if mask.dtype.kind == "f" and np.isnan(mask).any():
        raise ValueError(f"{name} must not hold nan (use -inf to mask a position)")


def _masked_softmax(scores):
    """Softmax over the last axis that gives a row of zeros where every score is -inf.

    scores: (..., L, S), changed in place -> weights (..., L, S). The plain softmax
    would give 0 / 0 = nan for such a row (a query allowed to see no key);
    ``torch.nn.functional.scaled_dot_product_attention`` returns 0 there, and so do we.
    """
    row_max = scores.max(axis=-1, keepdims=True)
    row_max[np.isneginf(row_max)] = 0.0  # a fully masked row: exp(-inf - 0) = 0
    scores -= row_max
    weights = np.exp(scores, out=scores)
    row_sum = weights.sum(axis=-1, keepdims=True)
    row_sum[row_sum == 0] = 1.0  # 0 / 1 = 0 for a fully masked row
    weights /= row_sum
    return weights


def scaled_dot_product_attention(q, k, v, attn_mask=None, is_causal=False, scale=None):
    """softmax(q k^T * scale + mask) v, as torch's ``F.scaled_dot_product_attention``.

    Args:
        q: (..., L, E) queries. k: (..., S, E) keys. v: (..., S, Ev) values; the batch
            shape "..." (e.g. (N, num_heads)) is the same for all three.
        attn_mask: None, or an array broadcastable to (..., L, S): boolean, True where a
            query may attend to a key (False positions get weight 0), or float, added to
            the scores (use -inf to mask).
        is_causal: mask every key after the query (``causal_mask(L, S)``); not together
            with ``attn_mask``, as in torch.
        scale: the factor on the scores, default 1 / sqrt(E). Without it the scores'
            variance grows like E and the softmax saturates.

    Returns:
        out: (..., L, Ev), and ``cache``, an ``AttentionCache`` holding what the
        backward pass needs; ``cache.weights`` (..., L, S) are the attention weights.

    A query that may attend to no key at all (a fully masked row) gets weights 0 and
    output 0, and passes no gradient, as in torch's function (torch's
    ``nn.MultiheadAttention`` returns nan there when ``need_weights=True``; see
    ``MultiheadAttention``).
    """
    _check_qkv(q, k, v)
    if not isinstance(is_causal, (bool, np.bool_)):
        raise TypeError(f"is_causal must be True or False, got {is_causal!r}")
    scale = _check_scale(scale, q.shape[-1])
    L, S = q.shape[-2], k.shape[-2]
    scores = (q * q.dtype.type(scale)) @ k.swapaxes(-1, -2)  # (..., L, S)
    if is_causal:
        if attn_mask is not None:
            raise ValueError(
                "attn_mask must be None when is_causal=True, got an array "
                "(combine the causal mask into attn_mask instead)"
            )
        attn_mask = causal_mask(L, S)
    if attn_mask is not None:
        _check_mask(attn_mask, scores.shape)
        if attn_mask.dtype == bool:
            attn_mask = np.where(attn_mask, 0.0, -np.inf).astype(scores.dtype)
        scores += attn_mask  # 0 where allowed, -inf where masked, or the float mask
    weights = _masked_softmax(scores)
    out = weights @ v  # (..., L, Ev)
    return out, AttentionCache(q, k, v, weights, out, scale)


def scaled_dot_product_attention_backward(dout, cache):
    """The gradients of the loss w.r.t. q, k and v, through the softmax's Jacobian.

    With W the weights and P = q k^T * scale (+ mask) the scores, out = W v, so

        dv = W^T dout                                  (..., S, Ev)
        dW = dout v^T                                  (..., L, S)
        dP = W * (dW - sum(dW * W, over S))            the softmax backward, row by row
        dq = dP k * scale                              (..., L, E)
        dk = dP^T q * scale                            (..., S, E)

    dP is the product of each row's Jacobian diag(w) - w w^T with its row of dW
    (``helpers.numpy_nn.activations.softmax_backward``, written out here because a fully
    masked row of zeros is not a probability vector that function accepts; for such a
    row it gives 0). A float mask added to the scores would receive dP itself.

    One saving, which FlashAttention's backward pass uses too: the row sums
    sum_j dW_ij W_ij = sum_j (dout_i . v_j) W_ij = dout_i . out_i, a sum over the Ev
    features of the output instead of over the S keys of the (L, S) matrix.

    Args:
        dout: (..., L, Ev), the gradient w.r.t. the output.
        cache: the ``AttentionCache`` returned by ``scaled_dot_product_attention``.

    Returns:
        (dq, dk, dv) with the shapes of q, k and v.
    """
    if not isinstance(cache, AttentionCache):
        raise TypeError(
            f"cache must be the AttentionCache returned by "
            f"scaled_dot_product_attention, got {type(cache).__name__}"
        )
    q, k, v, weights, out, scale = cache
    check_array(dout, "dout", framework="numpy")
    expected = weights.shape[:-1] + v.shape[-1:]
    if dout.shape != expected:
        raise ValueError(
            f"dout must have the output's shape (..., L, Ev) = "
            f"{_shape(expected)}, got {_shape(dout.shape)}"
        )
    dv = weights.swapaxes(-1, -2) @ dout
    d_weights = dout @ v.swapaxes(-1, -2)
    row_dot = np.sum(dout * out, axis=-1, keepdims=True)  # = sum(dW * W, over S)
    d_scores = d_weights
    d_scores -= row_dot
    d_scores *= weights  # dP, (..., L, S)
    scale = q.dtype.type(scale)
    dq = (d_scores @ k) * scale
    dk = (d_scores.swapaxes(-1, -2) @ q) * scale
    return dq, dk, dv


# --------------------------------------------------------------- multi-head attention


class MultiheadAttention:
    """Multi-head attention with the parameters and behaviour of torch's.

    The twin of ``torch.nn.MultiheadAttention``.

    Each of H = ``num_heads`` heads attends in its own subspace of D = E / H features:

        Q = query Wq^T + bq,  K = key Wk^T + bk,  V = value Wv^T + bv     (N, L|S, E)
        split the E features into H heads of D:                          (N, H, L|S, D)
        A = scaled_dot_product_attention(Q, K, V, masks), scale 1/sqrt(D)  (N, H, L, D)
        concatenate the heads back:                                       (N, L, E)
        output = A Wo^T + bo                                              (N, L, E)

    The packed layout. torch keeps the three input projections in one matrix,
    ``in_proj_weight`` (3E, E), rows 0..E-1 = Wq, E..2E-1 = Wk, 2E..3E-1 = Wv, and
    ``in_proj_bias`` (3E,) = [bq, bk, bv]; within each block, rows h*D..(h+1)*D-1
    belong to head h. The output projection is a Linear layer ``out_proj``
    (``out_proj.weight`` (E, E), ``out_proj.bias`` (E,)). We keep the same names and
    shapes, so ``numpy_mha.load_state_dict(torch_mha.state_dict())`` copies a torch
    layer and ``parameters()`` / ``grads`` use these four names.

    Args:
        embed_dim: E, the features of query, key and value (there is no kdim, vdim).
        num_heads: H; E must be divisible by H.
        bias: learn ``in_proj_bias`` and ``out_proj.bias`` (both start at 0, as torch).
        batch_first: inputs and outputs are (N, L, E) if True, else (L, N, E) as torch's
            default. 2-D inputs (L, E) are one unbatched sequence.
        rng: a ``numpy.random.Generator`` or an integer seed (default: seed 0).
        dtype: of the parameters.

    Initial weights as torch's: ``in_proj_weight`` Xavier-uniform over the whole
    (3E, E) matrix, ``out_proj.weight`` uniform in [-1/sqrt(E), 1/sqrt(E)]. Dropout
    on the weights, ``add_bias_kv``, ``add_zero_attn``, ``kdim`` and ``vdim`` are not
    provided; the other arguments are keyword-only so that none lands in torch's
    third positional slot (``dropout``) by mistake.
    """

    def __init__(
        self,
        embed_dim,
        num_heads,
        *,
        bias=True,
        batch_first=False,
        rng=None,
        dtype=np.float64,
    ):
        self.embed_dim = check_positive(embed_dim, "embed_dim", integer=True)
        self.num_heads = check_positive(num_heads, "num_heads", integer=True)
        if self.embed_dim % self.num_heads:
            raise ValueError(
                f"embed_dim must be divisible by num_heads, got embed_dim="
                f"{self.embed_dim} and num_heads={self.num_heads}"
            )
        self.head_dim = self.embed_dim // self.num_heads
        for flag, name in ((bias, "bias"), (batch_first, "batch_first")):
            if not isinstance(flag, (bool, np.bool_)):
                raise TypeError(f"{name} must be True or False, got {flag!r}")
        self.batch_first = bool(batch_first)
        rng = check_rng(rng)
        dtype = check_numpy_float_dtype(dtype)
        E = self.embed_dim
        self.in_proj_weight = xavier_uniform_(np.empty((3 * E, E), dtype=dtype), rng)
        self.in_proj_bias = np.zeros(3 * E, dtype=dtype) if bias else None
        self.out_proj = Linear(E, E, bias=bool(bias), rng=rng, dtype=dtype)
        if bias:
            self.out_proj.bias[...] = 0.0
        self.grads = {}
        self._saved = None

    def parameters(self):
        """The learnable arrays by torch's names and shapes.

        ``{"in_proj_weight": (3E, E), "in_proj_bias": (3E,), "out_proj.weight": (E, E),
        "out_proj.bias": (E,)}``, without the biases when ``bias=False``.
        """
        params = {"in_proj_weight": self.in_proj_weight}
        if self.in_proj_bias is not None:
            params["in_proj_bias"] = self.in_proj_bias
        params.update(
            {
                f"out_proj.{name}": value
                for name, value in self.out_proj.parameters().items()
            }
        )
        return params

    def zero_grad(self):
        """Forget the gradients of the last ``backward``."""
        self.grads = {}

    def state_dict(self):
        """Copies of the parameters, with torch's names."""
        return {name: value.copy() for name, value in self.parameters().items()}

    def load_state_dict(self, state):
        """Copy parameters in place from arrays or tensors.

        ``numpy_mha.load_state_dict(torch_mha.state_dict())`` copies a torch layer.
        """
        expected = self.parameters()
        if set(state) != set(expected):
            raise KeyError(
                f"state must have exactly the keys {sorted(expected)}, got "
                f"{sorted(state)}"
            )
        for name, current in expected.items():
            value = state[name]
            if hasattr(value, "detach"):
                value = value.detach().cpu().numpy()
            value = np.asarray(value)
            if value.shape != current.shape:
                raise ValueError(
                    f"{name} must have shape {_shape(current.shape)}, got "
                    f"{_shape(value.shape)}"
                )
            current[...] = value

    # -- forward

    def _to_batch_first(self, x):
        """(L, N, E) -> (N, L, E) unless batch_first; (L, E) -> (1, L, E)."""
        if x.ndim == 2:
            return x[None]
        return x if self.batch_first else x.swapaxes(0, 1)

    def _from_batch_first(self, x, unbatched):
        if unbatched:
            return x[0]
        return x if self.batch_first else x.swapaxes(0, 1)

    def _check_inputs(self, query, key, value):
        for x, name in ((query, "query"), (key, "key"), (value, "value")):
            check_array(x, name, ndim=(2, 3), framework="numpy")
            if x.shape[-1] != self.embed_dim:
                raise ValueError(
                    f"{name} must have embed_dim = {self.embed_dim} features "
                    f"in its last dimension, got shape {_shape(x.shape)}"
                )
        if not query.ndim == key.ndim == value.ndim:
            raise ValueError(
                f"query, key and value must all be batched (3-D) or all "
                f"unbatched (2-D), got {query.ndim}-D, {key.ndim}-D and "
                f"{value.ndim}-D"
            )
        if key.shape != value.shape:
            raise ValueError(
                f"key and value must have the same shape, got "
                f"{_shape(key.shape)} and {_shape(value.shape)}"
            )
        batch_axis = 0 if self.batch_first else 1
        if query.ndim == 3 and query.shape[batch_axis] != key.shape[batch_axis]:
            layout = "(N, L, E)" if self.batch_first else "(L, N, E)"
            raise ValueError(
                f"query and key must have the same batch size N (layout "
                f"{layout}), got shapes {_shape(query.shape)} and "
                f"{_shape(key.shape)}"
            )

    def _combined_mask(
        self, attn_mask, key_padding_mask, N, L, S, unbatched, is_causal
    ):
        """torch's masks (True = masked out, or float) -> one float mask.

        The result broadcasts to the scores' (N, H, L, S), or is None.
        """
        H = self.num_heads
        if is_causal and attn_mask is None:
            raise ValueError(
                "attn_mask must be given when is_causal=True (is_causal is "
                "only a hint, as in torch); pass causal masks as "
                "attn_mask=~causal_mask(L)"
            )
        combined = None
        if attn_mask is not None:
            _check_mha_mask(attn_mask, "attn_mask")
            shapes = [(L, S), (H, L, S)] if unbatched else [(L, S), (N * H, L, S)]
            if attn_mask.shape not in shapes:
                raise ValueError(
                    f"attn_mask must have shape (L, S) = {_shape(shapes[0])} "
                    f"or ({'num_heads' if unbatched else 'N * num_heads'}, "
                    f"L, S) = {_shape(shapes[1])}, got "
                    f"{_shape(attn_mask.shape)}"
                )
            if is_causal:
                future = ~causal_mask(L, S)
                allowed = _as_additive(attn_mask) > -np.inf
                if (allowed & future).any():
                    raise ValueError(
                        "attn_mask must mask every future key when "
                        "is_causal=True, got a mask that lets a query see a "
                        "later key"
                    )
            combined = _as_additive(attn_mask).reshape(
                (-1, H, L, S) if attn_mask.ndim == 3 else (L, S)
            )
        if key_padding_mask is not None:
            _check_mha_mask(key_padding_mask, "key_padding_mask")
            expected = (S,) if unbatched else (N, S)
            if key_padding_mask.shape != expected:
                raise ValueError(
                    f"key_padding_mask must have shape "
                    f"{'(S,)' if unbatched else '(N, S)'} = "
                    f"{_shape(expected)}, got {_shape(key_padding_mask.shape)}"
                )
            padding = _as_additive(key_padding_mask).reshape(-1, 1, 1, S)
            combined = padding if combined is None else combined + padding
        return combined

    def forward(
        self,
        query,
        key,
        value,
        attn_mask=None,
        key_padding_mask=None,
        need_weights=True,
        average_attn_weights=True,
        is_causal=False,
    ):
        """Attend from query to key/value, as ``torch.nn.MultiheadAttention.forward``.

        Args:
            query: (L, N, E), or (N, L, E) with ``batch_first``, or (L, E) unbatched.
            key, value: (S, N, E) (or (N, S, E), or (S, E)); for self-attention pass the
                same array three times.
            attn_mask: None, or (L, S) or (N * num_heads, L, S) ((num_heads, L, S)
                unbatched): boolean, True where attention is NOT allowed (torch's
                convention here, the opposite of ``scaled_dot_product_attention``), or
                float, added to the scores.
            key_padding_mask: None, or (N, S) ((S,) unbatched): boolean, True at padding
                keys to ignore, or float, added.
            need_weights: also return the attention weights.
            average_attn_weights: average the weights over the heads.
            is_causal: a hint that ``attn_mask`` is the causal mask (which must then be
                given, as in torch); here it is checked to be one.

        Returns:
            output: the layout of query, e.g. (L, N, E); and the weights, (N, L, S) when
            averaged, (N, num_heads, L, S) if not, (L, S) or (num_heads, L, S)
            unbatched, or None without ``need_weights``.

        A query whose keys are all masked gets weights 0 and attention output 0 (so its
        output is ``out_proj.bias``). torch gives the same with ``need_weights=False``,
        but nan with ``need_weights=True``.
        """
        self._check_inputs(query, key, value)
        for flag, name in (
            (need_weights, "need_weights"),
            (average_attn_weights, "average_attn_weights"),
            (is_causal, "is_causal"),
        ):
            if not isinstance(flag, (bool, np.bool_)):
                raise TypeError(f"{name} must be True or False, got {flag!r}")
        unbatched = query.ndim == 2
        q_in, k_in, v_in = (self._to_batch_first(x) for x in (query, key, value))
        N, L, E = q_in.shape
        S = k_in.shape[1]
        H, D = self.num_heads, self.head_dim
        mask = self._combined_mask(
            attn_mask, key_padding_mask, N, L, S, unbatched, is_causal
        )
        w_q, w_k, w_v = np.split(self.in_proj_weight, 3)
        b_q, b_k, b_v = (
            np.split(self.in_proj_bias, 3)
            if self.in_proj_bias is not None
            else (0.0, 0.0, 0.0)
        )
        # (N, L, E) -> (N, L, H, D) -> (N, H, L, D): head h has features h*D..(h+1)*D-1
        q = (q_in @ w_q.T + b_q).reshape(N, L, H, D).transpose(0, 2, 1, 3)
        k = (k_in @ w_k.T + b_k).reshape(N, S, H, D).transpose(0, 2, 1, 3)
        v = (v_in @ w_v.T + b_v).reshape(N, S, H, D).transpose(0, 2, 1, 3)
        heads, cache = scaled_dot_product_attention(q, k, v, attn_mask=mask)
        concatenated = heads.transpose(0, 2, 1, 3).reshape(N * L, E)
        output = self.out_proj.forward(concatenated).reshape(N, L, E)
        self._saved = (q_in, k_in, v_in, cache, unbatched)
        weights = None
        if need_weights:
            weights = (
                cache.weights.mean(axis=1) if average_attn_weights else cache.weights
            )
            weights = weights[0] if unbatched else weights
        return self._from_batch_first(output, unbatched), weights

    __call__ = forward

    def backward(self, dout):
        """dout: the gradient w.r.t. ``output``, its shape -> (d query, d key, d value).

        Fills ``grads`` under the names of ``parameters()``. The steps of ``forward``
        in reverse: the output projection (a Linear layer), the attention of each head
        (``scaled_dot_product_attention_backward``), then the three input projections,
        whose weight gradients are stacked into the packed (3E, E) layout. For
        self-attention, where query, key and value were one array x, dL/dx is the sum
        of the three returned gradients. The returned weights get no gradient.
        """
        if self._saved is None:
            raise RuntimeError(f"{self!r}: backward was called before forward")
        q_in, k_in, v_in, cache, unbatched = self._saved
        N, L, E = q_in.shape
        S = k_in.shape[1]
        H, D = self.num_heads, self.head_dim
        check_array(dout, "dout", framework="numpy")
        if unbatched:
            expected = (L, E)
        else:
            expected = (N, L, E) if self.batch_first else (L, N, E)
        if dout.shape != expected:
            raise ValueError(
                f"dout must have the output's shape {_shape(expected)}, got "
                f"{_shape(dout.shape)}"
            )
        dout = self._to_batch_first(dout).reshape(N * L, E)
        d_concatenated = self.out_proj.backward(dout)
        d_heads = d_concatenated.reshape(N, L, H, D).transpose(0, 2, 1, 3)
        dq, dk, dv = scaled_dot_product_attention_backward(d_heads, cache)
        # (N, H, L, D) -> (N, L, E): the heads side by side again
        dq = dq.transpose(0, 2, 1, 3).reshape(N * L, E)
        dk = dk.transpose(0, 2, 1, 3).reshape(N * S, E)
        dv = dv.transpose(0, 2, 1, 3).reshape(N * S, E)
        w_q, w_k, w_v = np.split(self.in_proj_weight, 3)
        self.grads = {
            "in_proj_weight": np.concatenate(
                [
                    dq.T @ q_in.reshape(N * L, E),
                    dk.T @ k_in.reshape(N * S, E),
                    dv.T @ v_in.reshape(N * S, E),
                ]
            )
        }
        if self.in_proj_bias is not None:
            self.grads["in_proj_bias"] = np.concatenate(
                [dq.sum(axis=0), dk.sum(axis=0), dv.sum(axis=0)]
            )
        for name, grad in self.out_proj.grads.items():
            self.grads[f"out_proj.{name}"] = grad
        d_query = (dq @ w_q).reshape(N, L, E)
        d_key = (dk @ w_k).reshape(N, S, E)
        d_value = (dv @ w_v).reshape(N, S, E)
        return tuple(
            self._from_batch_first(g, unbatched) for g in (d_query, d_key, d_value)
        )

    def __repr__(self):
        return (
            f"MultiheadAttention(embed_dim={self.embed_dim}, num_heads="
            f"{self.num_heads}, bias={self.in_proj_bias is not None}, "
            f"batch_first={self.batch_first})"
        )


def _check_mha_mask(mask, name):
    if not isinstance(mask, np.ndarray):
        raise TypeError(
            f"{name} must be a NumPy array (boolean or float), got "
            f"{type(mask).__name__}"
        )
    if mask.dtype != bool and mask.dtype.kind != "f":
        raise TypeError(
            f"{name} must be boolean (True = masked out) or float (added to "
            f"the scores), got dtype {mask.dtype}"
        )


def _as_additive(mask):
    """A boolean MultiheadAttention mask (True = masked out) as 0 / -inf; float as is.

    mask: any shape -> float array of its shape.
    """
    if mask.dtype == bool:
        return np.where(mask, -np.inf, 0.0)
    return mask


# --------------------------------------------------------------------------- positions


def sinusoidal_positions(max_len, dim):
    """The sinusoidal positional encoding of Vaswani et al. (2017).

        PE[p, 2i]     = sin(p / 10000^(2i / dim))
        PE[p, 2i + 1] = cos(p / 10000^(2i / dim))

    Each pair of columns is a clock at its own frequency, from one turn every 2 pi
    positions down to one every 10000 * 2 pi, so PE[p + k] is a fixed rotation of
    PE[p] for every p: a linear map that depends only on the offset k.

    Args:
        max_len: the number of positions. dim: the model width (an odd one drops the
            last cosine column).

    Returns:
        (max_len, dim) float64 array, added to the token embeddings.
    """
    max_len = check_positive(max_len, "max_len", integer=True)
    dim = check_positive(dim, "dim", integer=True)
    positions = np.arange(max_len)[:, None]
    inverse_frequencies = 10000.0 ** (-np.arange(0, dim, 2) / dim)  # (ceil(dim/2),)
    angles = positions * inverse_frequencies  # (max_len, ceil(dim/2))
    pe = np.empty((max_len, dim))
    pe[:, 0::2] = np.sin(angles)
    pe[:, 1::2] = np.cos(angles[:, : dim // 2])
    return pe


def rope_frequencies(head_dim, max_len, base=10000.0):
    """The rotation angles of rotary position embeddings (RoPE, Su et al. 2021).

    Features are taken in pairs (x[2i], x[2i+1]), i = 0..D/2-1, and the pair at
    position p is rotated by the angle p * theta_i, theta_i = base^(-2i / D): fast
    rotations for the first pairs, slow ones for the last.

    Args:
        head_dim: D, the features per head; must be even.
        max_len: the number of positions 0..max_len-1.
        base: sets the slowest frequency (10000 in the paper).

    Returns:
        (max_len, D / 2) float64 array of angles, angles[p, i] = p * theta_i.
    """
    head_dim = check_positive(head_dim, "head_dim", integer=True)
    if head_dim % 2:
        raise ValueError(
            f"head_dim must be even (RoPE rotates pairs of features), got {head_dim}"
        )
    max_len = check_positive(max_len, "max_len", integer=True)
    base = check_positive(base, "base")
    theta = base ** (-np.arange(0, head_dim, 2) / head_dim)  # (D/2,)
    return np.arange(max_len)[:, None] * theta[None, :]


def _rope_angles(x, positions, base, x_name):
    """Check x (..., T, D) and positions; the angles broadcasting to (..., T, D/2)."""
    check_array(x, x_name, framework="numpy")
    if x.ndim < 2 or x.shape[-1] % 2:
        raise ValueError(
            f"{x_name} must have shape (..., T, D) with D even (RoPE rotates "
            f"pairs of features), got shape {_shape(x.shape)}"
        )
    check_array(positions, "positions", dtype="int", framework="numpy")
    T = x.shape[-2]
    try:
        fits = (
            positions.ndim >= 1
            and positions.shape[-1] == T
            and np.broadcast_shapes(positions.shape, x.shape[:-1]) == x.shape[:-1]
        )
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"positions must have shape (T,) = ({T},), or one that broadcasts "
            f"to {x_name}'s {_shape(x.shape[:-1])}, got "
            f"{_shape(positions.shape)}"
        )
    if positions.min() < 0:
        raise ValueError(f"positions must be non-negative, got {int(positions.min())}")
    table = rope_frequencies(x.shape[-1], int(positions.max()) + 1, base)
    return table[positions]  # (..., T, D/2)


def _rotate_pairs(x, angles):
    """Rotate each pair (x[..., 2i], x[..., 2i+1]) by angles[..., i].

    x (..., D), angles broadcasting to (..., D/2) -> (..., D).
    """
    cos, sin = np.cos(angles).astype(x.dtype), np.sin(angles).astype(x.dtype)
    even, odd = x[..., 0::2], x[..., 1::2]
    out = np.empty(
        np.broadcast_shapes(x.shape, (*angles.shape[:-1], x.shape[-1])), dtype=x.dtype
    )
    out[..., 0::2] = even * cos - odd * sin
    out[..., 1::2] = even * sin + odd * cos
    return out


def apply_rope(x, positions, base=10000.0):
    """Rotary position embedding: rotate each feature pair of x by its position's angle.

        [x'_2i  ]   [cos(p theta_i)  -sin(p theta_i)] [x_2i  ]
        [x'_2i+1] = [sin(p theta_i)   cos(p theta_i)] [x_2i+1]

    Applied to the queries and keys (not the values) of each head. A rotation by m
    theta for the query and n theta for the key leaves their dot product depending on
    m - n only: q'_m . k'_n = q . R((n - m) theta) k. Attention scores then see
    relative positions, and nothing is added to the token embeddings.

    Pairs here are neighbours (x[2i], x[2i+1]), as in the RoFormer paper. Some code
    (GPT-NeoX, LLaMA's Hugging Face port) pairs x[i] with x[i + D/2] instead: the same
    idea on permuted features, so weights do not carry over between the two unchanged.

    Args:
        x: (..., T, D) float array, D even (e.g. queries (N, H, T, D)).
        positions: integer array (T,), or one broadcasting to x's (..., T): the position
            of each row, e.g. ``np.arange(T)`` (or ``np.arange(T) + offset`` for new
            tokens after a cache of ``offset`` earlier ones).
        base: see ``rope_frequencies``.

    Returns:
        (..., T, D) array of x's dtype.
    """
    return _rotate_pairs(x, _rope_angles(x, positions, base, "x"))


def apply_rope_backward(dout, positions, base=10000.0):
    """The gradient through ``apply_rope``: rotate dout by the negative angles.

    A rotation R is orthogonal, so the gradient of x' = R x is dx = R^T dout, and
    R^T = R(-angle). dout: (..., T, D) -> dx: (..., T, D).
    """
    return _rotate_pairs(dout, -_rope_angles(dout, positions, base, "dout"))


# ------------------------------------------------ attention without the (L, S) matrix


def blockwise_attention(q, k, v, block_size, is_causal=False, scale=None):
    """Attention over blocks of keys with the online softmax (FlashAttention's idea).

    The (L, S) score matrix is never formed: keys and values are read ``block_size``
    at a time, and for every query row we keep three running quantities,

        m    (..., L, 1)   the largest score seen so far
        l    (..., L, 1)   sum of exp(score - m) so far
        acc  (..., L, Ev)  sum of exp(score - m) * value so far

    A new block with scores s (..., L, B) raises the maximum to m_new = max(m, max s);
    what was summed under the old maximum is rescaled by exp(m - m_new):

        l   <- l   * exp(m - m_new) + sum(exp(s - m_new))
        acc <- acc * exp(m - m_new) + exp(s - m_new) @ v_block

    and at the end out = acc / l, the same softmax-weighted average as
    ``scaled_dot_product_attention``. Memory for scores: (..., L, B) at a time instead
    of (..., L, S). (FlashAttention also blocks the queries and keeps each block in fast
    on-chip memory; on a GPU that, not the arithmetic, is what makes it fast.)

    Args:
        q (..., L, E), k (..., S, E), v (..., S, Ev): as in full attention.
        block_size: keys per block, a positive integer.
        is_causal: mask keys after the query (top-left aligned, as ``causal_mask``);
            blocks that start after the last query are skipped entirely.
        scale: default 1 / sqrt(E).

    Returns:
        out: (..., L, Ev) (no cache: there is no backward pass here).
    """
    _check_qkv(q, k, v)
    block_size = check_positive(block_size, "block_size", integer=True)
    if not isinstance(is_causal, (bool, np.bool_)):
        raise TypeError(f"is_causal must be True or False, got {is_causal!r}")
    scale = _check_scale(scale, q.shape[-1])
    L, S = q.shape[-2], k.shape[-2]
    batch = q.shape[:-2]
    q_scaled = q * q.dtype.type(scale)
    running_max = np.full((*batch, L, 1), -np.inf, dtype=q.dtype)
    running_sum = np.zeros((*batch, L, 1), dtype=q.dtype)
    accumulator = np.zeros((*batch, L, v.shape[-1]), dtype=q.dtype)
    query_index = np.arange(L)[:, None]
    for start in range(0, S, block_size):
        if is_causal and start > L - 1:
            break  # no query may see these keys, nor any later ones
        stop = min(start + block_size, S)
        scores = q_scaled @ k[..., start:stop, :].swapaxes(-1, -2)  # (..., L, B)
        if is_causal:
            key_index = np.arange(start, stop)[None, :]
            scores = np.where(key_index <= query_index, scores, -np.inf)
        new_max = np.maximum(running_max, scores.max(axis=-1, keepdims=True))
        # A row that has seen only masked keys still has maximum -inf: shift by 0 there.
        shift = np.where(np.isneginf(new_max), 0.0, new_max).astype(q.dtype)
        correction = np.exp(running_max - shift)  # exp(-inf) = 0 on the first block
        scores -= shift
        block_weights = np.exp(
            scores, out=scores
        )  # (..., L, B), unnormalised, in place
        running_sum = running_sum * correction + block_weights.sum(
            axis=-1, keepdims=True
        )
        accumulator = accumulator * correction + block_weights @ v[..., start:stop, :]
        running_max = new_max
    # A query that saw no key has running_sum 0: output 0, as the full version.
    return accumulator / np.where(running_sum == 0, 1.0, running_sum)


def attention_memory_bytes(
    L, S, batch_size=1, num_heads=1, dtype=np.float32, block_size=None
):
    """Bytes of attention scores held at once: the full (L, S) matrix, or one block.

    Full attention keeps batch_size * num_heads * L * S scores (the weights overwrite
    them in ``scaled_dot_product_attention``). ``blockwise_attention`` keeps
    L * min(block_size, S) scores of one block plus the running maximum and sum (2 L
    numbers) per row. Neither counts q, k, v or the output, which both need.

    Args:
        L, S: queries and keys. batch_size, num_heads: the leading dimensions.
        dtype: of the scores. block_size: None for full attention.

    Returns:
        an int, the number of bytes. Grows like L * S for full attention and like
        L * block_size blockwise: linear in the sequence length when L = S.
    """
    L = check_positive(L, "L", integer=True)
    S = check_positive(S, "S", integer=True)
    batch_size = check_positive(batch_size, "batch_size", integer=True)
    num_heads = check_positive(num_heads, "num_heads", integer=True)
    itemsize = check_numpy_float_dtype(dtype).itemsize
    if block_size is None:
        per_row = S
    else:
        per_row = min(check_positive(block_size, "block_size", integer=True), S) + 2
    return batch_size * num_heads * L * per_row * itemsize
