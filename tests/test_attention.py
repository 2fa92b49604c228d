"""Attention: NumPy = torch (values and gradients, float64), analytic gradients =
centred finite differences, masks that do what they say, RoPE's relative-position
property, and blockwise (online-softmax) attention = full attention, on awkward
sizes."""

import tracemalloc

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers.gradcheck import check_gradient
from helpers.numpy_nn.attention import (
    AttentionCache,
    MultiheadAttention,
    apply_rope,
    apply_rope_backward,
    attention_memory_bytes,
    blockwise_attention,
    causal_mask,
    padding_mask,
    rope_frequencies,
    scaled_dot_product_attention,
    scaled_dot_product_attention_backward,
    sinusoidal_positions,
)

TIGHT = {"rtol": 1e-10, "atol": 1e-12}


@pytest.fixture(autouse=True)
def one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _t(a, grad=False):
    return torch.tensor(a, requires_grad=grad)


def _qkv(rng, batch, L, S, E, Ev):
    return (
        rng.normal(size=(*batch, L, E)),
        rng.normal(size=(*batch, S, E)),
        rng.normal(size=(*batch, S, Ev)),
    )


def _torch_attention(q, k, v, dout, **kwargs):
    """torch's output and (dq, dk, dv) for the same inputs."""
    tensors = [_t(a, grad=True) for a in (q, k, v)]
    kwargs = {
        name: _t(value) if isinstance(value, np.ndarray) else value
        for name, value in kwargs.items()
    }
    out = F.scaled_dot_product_attention(*tensors, **kwargs)
    out.backward(_t(dout))
    return out.detach().numpy(), [t.grad.numpy() for t in tensors]


# (batch shape, L, S, E, Ev): L = 1, S = 1, S != L both ways, odd E, batch of 1, heads
SHAPES = [
    ((1,), 1, 1, 1, 1),
    ((2,), 1, 7, 3, 2),
    ((1,), 5, 3, 3, 4),
    ((2, 3), 4, 6, 5, 3),
    ((3,), 6, 6, 8, 8),
    ((2, 1), 7, 2, 1, 5),
]


@pytest.mark.parametrize("batch, L, S, E, Ev", SHAPES)
@pytest.mark.parametrize("mask_kind", ["none", "causal", "bool", "float", "padding"])
def test_attention_equals_torch(batch, L, S, E, Ev, mask_kind):
    rng = np.random.default_rng(L * 100 + S)
    q, k, v = _qkv(rng, batch, L, S, E, Ev)
    dout = rng.normal(size=(*batch, L, Ev))
    kwargs = {}
    if mask_kind == "causal":
        kwargs["is_causal"] = True
    elif mask_kind == "bool":
        mask = rng.random((L, S)) < 0.7
        mask[:, 0] = True  # every query sees at least one key
        kwargs["attn_mask"] = mask
    elif mask_kind == "float":
        kwargs["attn_mask"] = rng.normal(size=(*batch, L, S))
    elif mask_kind == "padding":
        lengths = rng.integers(1, S + 1, size=batch[0])
        kwargs["attn_mask"] = padding_mask(lengths, S).reshape(
            batch[0], *[1] * (len(batch) - 1), 1, S
        )
    out, cache = scaled_dot_product_attention(q, k, v, **kwargs)
    grads = scaled_dot_product_attention_backward(dout, cache)
    out_torch, grads_torch = _torch_attention(q, k, v, dout, **kwargs)
    np.testing.assert_allclose(out, out_torch, **TIGHT)
    for name, mine, theirs in zip("qkv", grads, grads_torch):
        np.testing.assert_allclose(mine, theirs, **TIGHT, err_msg=f"d{name}")
    np.testing.assert_allclose(cache.weights.sum(axis=-1), 1.0, rtol=1e-12)


def test_a_custom_scale_and_an_unbatched_call_equal_torch():
    rng = np.random.default_rng(1)
    q, k, v = _qkv(rng, (), 3, 4, 5, 2)
    dout = rng.normal(size=(3, 2))
    out, cache = scaled_dot_product_attention(q, k, v, scale=0.3)
    grads = scaled_dot_product_attention_backward(dout, cache)
    out_torch, grads_torch = _torch_attention(q, k, v, dout, scale=0.3)
    np.testing.assert_allclose(out, out_torch, **TIGHT)
    for mine, theirs in zip(grads, grads_torch):
        np.testing.assert_allclose(mine, theirs, **TIGHT)


@pytest.mark.parametrize("mask_kind", ["none", "causal", "padding"])
def test_attention_gradients_equal_finite_differences(mask_kind):
    rng = np.random.default_rng(2)
    q, k, v = _qkv(rng, (2,), 3, 4, 3, 2)
    dout = rng.normal(size=(2, 3, 2))
    kwargs = {"is_causal": True} if mask_kind == "causal" else {}
    if mask_kind == "padding":
        kwargs["attn_mask"] = padding_mask(np.array([4, 2]), 4)[:, None, :]
    _, cache = scaled_dot_product_attention(q, k, v, **kwargs)
    grads = scaled_dot_product_attention_backward(dout, cache)

    def loss():
        return float(np.sum(scaled_dot_product_attention(q, k, v, **kwargs)[0] * dout))

    for name, x, grad in zip("qkv", (q, k, v), grads):
        check_gradient(loss, x, grad, tol=1e-7, name=name)


def test_causal_attention_never_looks_at_the_future():
    rng = np.random.default_rng(3)
    q, k, v = _qkv(rng, (2, 2), 6, 6, 4, 3)
    out, cache = scaled_dot_product_attention(q, k, v, is_causal=True)
    future = np.triu(np.ones((6, 6), dtype=bool), k=1)
    assert np.all(cache.weights[..., future] == 0.0)
    assert np.all(cache.weights[..., ~future] > 0.0)
    # Changing the keys and values of positions after t leaves outputs 0..t unchanged.
    for t in range(5):
        k2, v2 = k.copy(), v.copy()
        k2[..., t + 1 :, :] = rng.normal(size=k2[..., t + 1 :, :].shape)
        v2[..., t + 1 :, :] = rng.normal(size=v2[..., t + 1 :, :].shape)
        out2, _ = scaled_dot_product_attention(q, k2, v2, is_causal=True)
        np.testing.assert_array_equal(out2[..., : t + 1, :], out[..., : t + 1, :])
    # And an output's gradient reaches no key or value after its own position.
    dout = np.zeros_like(out)
    dout[..., 2, :] = 1.0
    _, dk, dv = scaled_dot_product_attention_backward(dout, cache)
    assert np.all(dk[..., 3:, :] == 0) and np.all(dv[..., 3:, :] == 0)
    assert np.all(np.abs(dv[..., :3, :]) > 0)


def test_masks():
    np.testing.assert_array_equal(causal_mask(3), [[1, 0, 0], [1, 1, 0], [1, 1, 1]])
    np.testing.assert_array_equal(causal_mask(2, 4), [[1, 0, 0, 0], [1, 1, 0, 0]])
    assert causal_mask(1).tolist() == [[True]]
    np.testing.assert_array_equal(
        padding_mask(np.array([3, 1]), 4), [[1, 1, 1, 0], [1, 0, 0, 0]]
    )
    assert padding_mask(np.array([2]), 2).dtype == bool


def test_padding_keys_get_no_weight_and_do_not_change_the_output():
    rng = np.random.default_rng(4)
    q, k, v = _qkv(rng, (2,), 3, 5, 4, 2)
    lengths = np.array([5, 2])
    out, cache = scaled_dot_product_attention(
        q, k, v, attn_mask=padding_mask(lengths, 5)[:, None, :]
    )
    assert np.all(cache.weights[1, :, 2:] == 0)
    short, _ = scaled_dot_product_attention(q[1], k[1, :2], v[1, :2])
    np.testing.assert_allclose(out[1], short, **TIGHT)


def test_a_fully_masked_row_gives_zeros_as_torch():
    rng = np.random.default_rng(5)
    q, k, v = _qkv(rng, (2,), 3, 4, 3, 2)
    dout = rng.normal(size=(2, 3, 2))
    mask = np.ones((3, 4), dtype=bool)
    mask[1] = False  # query 1 may see no key
    float_mask = np.where(mask, 0.0, -np.inf)
    for attn_mask in (mask, float_mask):
        out, cache = scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
        grads = scaled_dot_product_attention_backward(dout, cache)
        out_torch, grads_torch = _torch_attention(q, k, v, dout, attn_mask=attn_mask)
        assert np.all(out[:, 1] == 0) and np.all(cache.weights[:, 1] == 0)
        np.testing.assert_allclose(out, out_torch, **TIGHT)
        for mine, theirs in zip(grads, grads_torch):
            assert np.all(np.isfinite(mine))
            np.testing.assert_allclose(mine, theirs, **TIGHT)
        assert np.all(grads[0][:, 1] == 0)


def test_attention_without_scaling_saturates():
    """Why 1/sqrt(E): unscaled scores have variance E, and the softmax turns one-hot."""
    rng = np.random.default_rng(6)
    E = 256
    q, k, v = _qkv(rng, (8,), 16, 16, E, 4)
    scaled = scaled_dot_product_attention(q, k, v)[1].weights
    unscaled = scaled_dot_product_attention(q, k, v, scale=1.0)[1].weights
    assert 0.5 < np.var(q @ k.swapaxes(-1, -2) / np.sqrt(E)) < 2.0
    assert np.mean(unscaled.max(axis=-1)) > 0.8  # nearly one-hot rows
    assert np.mean(scaled.max(axis=-1)) < 0.5


def test_float32_attention_stays_float32():
    rng = np.random.default_rng(7)
    q, k, v = (a.astype(np.float32) for a in _qkv(rng, (2,), 4, 4, 8, 8))
    out, cache = scaled_dot_product_attention(q, k, v, is_causal=True)
    grads = scaled_dot_product_attention_backward(np.ones_like(out), cache)
    assert out.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)


# -------------------------------------------------------------------------- multi-head


def _mha_twins(E, H, batch_first, bias=True, seed=0):
    layer = MultiheadAttention(E, H, bias=bias, batch_first=batch_first, rng=seed)
    torch.manual_seed(seed)
    twin = torch.nn.MultiheadAttention(
        E, H, bias=bias, batch_first=batch_first, dtype=torch.float64
    )
    with torch.no_grad():  # random biases too, so that they are tested
        for parameter in twin.parameters():
            parameter.normal_()
    layer.load_state_dict(twin.state_dict())
    return layer, twin


def _layout(x, batch_first):
    """(N, T, E) data -> the layer's layout."""
    return x if batch_first else np.ascontiguousarray(x.swapaxes(0, 1))


MHA_CASES = [  # (E, H, N, L, S, self-attention)
    (6, 2, 2, 4, 4, True),  # head_dim 3: odd
    (5, 1, 1, 1, 3, False),  # one head, batch 1, L = 1
    (8, 4, 3, 5, 2, False),  # cross-attention, S < L
    (4, 2, 1, 3, 6, False),  # S > L
]


@pytest.mark.parametrize("E, H, N, L, S, self_attention", MHA_CASES)
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("masks", ["none", "bool", "float", "causal"])
def test_multihead_attention_equals_torch(
    E, H, N, L, S, self_attention, batch_first, masks
):
    rng = np.random.default_rng(E + N + L + S)
    layer, twin = _mha_twins(E, H, batch_first)
    query = rng.normal(size=(N, L, E))
    key = query if self_attention else rng.normal(size=(N, S, E))
    value = query if self_attention else rng.normal(size=(N, S, E))
    S = key.shape[1]
    kwargs = {}
    if masks == "bool":
        kwargs["attn_mask"] = rng.random((L, S)) < 0.3  # True = masked out
        kwargs["attn_mask"][:, 0] = False
        lengths = rng.integers(1, S + 1, size=N)
        kwargs["key_padding_mask"] = ~padding_mask(lengths, S)
    elif masks == "float":
        kwargs["attn_mask"] = rng.normal(size=(N * H, L, S))
        kwargs["key_padding_mask"] = rng.normal(size=(N, S))
    elif masks == "causal":
        kwargs["attn_mask"] = ~causal_mask(L, S)
        kwargs["is_causal"] = True
    args = [_layout(x, batch_first) for x in (query, key, value)]
    dout = rng.normal(size=args[0].shape)
    for average in (True, False):
        out, weights = layer.forward(*args, **kwargs, average_attn_weights=average)
        grads = layer.backward(dout)
        tensors = [_t(x, grad=True) for x in args]
        if self_attention:
            tensors = [tensors[0]] * 3
        torch_kwargs = {
            name: _t(value) if isinstance(value, np.ndarray) else value
            for name, value in kwargs.items()
        }
        twin.zero_grad()
        out_torch, weights_torch = twin(
            *tensors, **torch_kwargs, average_attn_weights=average
        )
        out_torch.backward(_t(dout))
        np.testing.assert_allclose(out, out_torch.detach().numpy(), **TIGHT)
        np.testing.assert_allclose(weights, weights_torch.detach().numpy(), **TIGHT)
        if self_attention:
            np.testing.assert_allclose(sum(grads), tensors[0].grad.numpy(), **TIGHT)
        else:
            for mine, tensor in zip(grads, tensors):
                np.testing.assert_allclose(mine, tensor.grad.numpy(), **TIGHT)
        for name, parameter in twin.named_parameters():
            np.testing.assert_allclose(
                layer.grads[name], parameter.grad.numpy(), **TIGHT, err_msg=name
            )


def test_multihead_attention_without_bias_unbatched_and_without_weights():
    rng = np.random.default_rng(8)
    layer, twin = _mha_twins(6, 3, batch_first=False, bias=False)
    assert (
        set(layer.state_dict())
        == set(twin.state_dict())
        == {"in_proj_weight", "out_proj.weight"}
    )
    x, y = rng.normal(size=(4, 6)), rng.normal(size=(5, 6))  # unbatched (L, E), (S, E)
    head_masks = rng.normal(size=(3, 4, 5))  # (num_heads, L, S) when unbatched
    out, weights = layer(x, y, y, attn_mask=head_masks)
    out_torch, weights_torch = twin(_t(x), _t(y), _t(y), attn_mask=_t(head_masks))
    assert out.shape == (4, 6) and weights.shape == (4, 5)
    np.testing.assert_allclose(out, out_torch.detach().numpy(), **TIGHT)
    np.testing.assert_allclose(weights, weights_torch.detach().numpy(), **TIGHT)
    out, none = layer(x, y, y, need_weights=False)
    out_torch, _ = twin(_t(x), _t(y), _t(y), need_weights=False)
    assert none is None
    np.testing.assert_allclose(out, out_torch.detach().numpy(), **TIGHT)
    dout = rng.normal(size=(4, 6))
    d_query, d_key, d_value = layer.backward(dout)
    assert d_query.shape == (4, 6) and d_key.shape == d_value.shape == (5, 6)


def test_multihead_attention_gradients_equal_finite_differences():
    rng = np.random.default_rng(9)
    layer = MultiheadAttention(4, 2, batch_first=True, rng=1)
    for value in layer.parameters().values():
        value[...] = rng.normal(size=value.shape)
    query, key, value = (
        rng.normal(size=shape) for shape in ((2, 3, 4), (2, 5, 4), (2, 5, 4))
    )
    mask = ~padding_mask(np.array([5, 3]), 5)
    dout = rng.normal(size=(2, 3, 4))
    layer.forward(query, key, value, key_padding_mask=mask)
    d_inputs = layer.backward(dout)

    def loss():
        return float(
            np.sum(layer.forward(query, key, value, key_padding_mask=mask)[0] * dout)
        )

    for name, x, grad in zip(("query", "key", "value"), (query, key, value), d_inputs):
        check_gradient(loss, x, grad, tol=1e-7, name=name)
    grads = dict(layer.grads)
    for name, parameter in layer.parameters().items():
        check_gradient(loss, parameter, grads[name], tol=1e-7, name=name)


def test_multihead_fully_masked_query_gives_zeros_where_torch_gives_nan():
    rng = np.random.default_rng(10)
    layer, twin = _mha_twins(4, 2, batch_first=True)
    x = rng.normal(size=(1, 3, 4))
    all_padding = np.ones((1, 3), dtype=bool)
    out, weights = layer(x, x, x, key_padding_mask=all_padding)
    assert np.all(weights == 0)
    np.testing.assert_allclose(out, np.broadcast_to(layer.out_proj.bias, out.shape))
    out_torch, _ = twin(
        _t(x), _t(x), _t(x), key_padding_mask=_t(all_padding), need_weights=False
    )
    np.testing.assert_allclose(out, out_torch.detach().numpy(), **TIGHT)
    out_torch, _ = twin(_t(x), _t(x), _t(x), key_padding_mask=_t(all_padding))
    assert torch.isnan(out_torch).all()  # what torch does with need_weights=True
    assert all(np.all(np.isfinite(g)) for g in layer.backward(np.ones_like(out)))


def test_multihead_is_causal_is_a_checked_hint():
    layer = MultiheadAttention(4, 2)
    x = np.ones((3, 1, 4))
    with pytest.raises(ValueError, match="attn_mask must be given when is_causal=True"):
        layer(x, x, x, is_causal=True)
    with pytest.raises(ValueError, match="attn_mask must mask every future key"):
        layer(x, x, x, attn_mask=np.zeros((3, 3), dtype=bool), is_causal=True)


def test_multihead_initialisation_follows_torch():
    layer = MultiheadAttention(64, 4, rng=0)
    twin = torch.nn.MultiheadAttention(64, 4)
    for name, value in twin.state_dict().items():
        mine = layer.parameters()[name]
        assert mine.shape == tuple(value.shape), name
        assert np.isclose(
            np.abs(mine).max(), value.abs().max().item(), rtol=0.05, atol=1e-12
        ), name


def test_load_state_dict_refuses_wrong_keys_and_shapes():
    layer = MultiheadAttention(4, 2)
    state = layer.state_dict()
    with pytest.raises(KeyError, match="state must have exactly the keys"):
        layer.load_state_dict({**state, "extra": np.zeros(1)})
    with pytest.raises(ValueError, match=r"in_proj_weight must have shape \(12, 4\)"):
        layer.load_state_dict({**state, "in_proj_weight": np.zeros((4, 4))})


# --------------------------------------------------------------------------- positions


def test_sinusoidal_positions_follow_the_formula():
    pe = sinusoidal_positions(50, 6)
    p, i = 7, 1
    assert pe.shape == (50, 6)
    assert np.isclose(pe[p, 2 * i], np.sin(p / 10000 ** (2 * i / 6)))
    assert np.isclose(pe[p, 2 * i + 1], np.cos(p / 10000 ** (2 * i / 6)))
    np.testing.assert_array_equal(pe[0], [0, 1, 0, 1, 0, 1])
    assert sinusoidal_positions(4, 5).shape == (4, 5)
    # PE[p + k] = PE[p] rotated pair by pair by k * frequency, the same for every p.
    k, frequencies = 5, 10000.0 ** (-np.arange(0, 6, 2) / 6)
    rotated = np.empty_like(pe[:-k])
    c, s = np.cos(k * frequencies), np.sin(k * frequencies)
    rotated[:, 0::2] = pe[:-k, 0::2] * c + pe[:-k, 1::2] * s
    rotated[:, 1::2] = pe[:-k, 1::2] * c - pe[:-k, 0::2] * s
    np.testing.assert_allclose(rotated, pe[k:], atol=1e-12)


def test_rope_rotates_pairs_as_complex_numbers():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(2, 5, 8))
    positions = np.arange(5)
    angles = rope_frequencies(8, 5)
    assert angles.shape == (5, 4)
    np.testing.assert_allclose(angles[3], 3 * 10000.0 ** (-np.arange(0, 8, 2) / 8))
    as_complex = (x[..., 0::2] + 1j * x[..., 1::2]) * np.exp(1j * angles)
    out = apply_rope(x, positions)
    np.testing.assert_allclose(out[..., 0::2], as_complex.real, **TIGHT)
    np.testing.assert_allclose(out[..., 1::2], as_complex.imag, **TIGHT)
    np.testing.assert_allclose(np.linalg.norm(out, axis=-1), np.linalg.norm(x, axis=-1))
    np.testing.assert_array_equal(out[:, 0], x[:, 0])  # position 0: no rotation
    # Per-example positions (N, T), e.g. after caches of different lengths.
    offsets = np.array([[0], [3]]) + positions
    out2 = apply_rope(x, offsets)
    np.testing.assert_allclose(out2[1], apply_rope(x[1:], positions + 3)[0], **TIGHT)


def test_rope_scores_depend_only_on_the_relative_position():
    rng = np.random.default_rng(12)
    D, T = 16, 40
    q, k = rng.normal(size=D), rng.normal(size=D)
    queries = apply_rope(np.tile(q, (T, 1)), np.arange(T))  # q at every position m
    keys = apply_rope(np.tile(k, (T, 1)), np.arange(T))  # k at every position n
    scores = queries @ keys.T  # scores[m, n]
    for offset in range(-T + 1, T):  # constant along each diagonal m - n = offset
        diagonal = np.diagonal(scores, offset=-offset)
        np.testing.assert_allclose(diagonal, diagonal[0], atol=1e-12)
    assert np.ptp(np.diagonal(scores)) < 1e-12 < np.ptp(scores[0])
    # The same q and k with sinusoidal positions added instead: not relative.
    pe = sinusoidal_positions(T, D)
    absolute = (q + pe) @ (k + pe).T
    assert np.ptp(np.diagonal(absolute)) > 0.1


def test_rope_backward_equals_finite_differences_and_torch():
    rng = np.random.default_rng(13)
    x = rng.normal(size=(2, 3, 4, 6))
    positions = np.array([0, 2, 5, 9])
    dout = rng.normal(size=x.shape)
    dx = apply_rope_backward(dout, positions)
    check_gradient(
        lambda: float(np.sum(apply_rope(x, positions) * dout)), x, dx, tol=1e-8
    )
    x_torch = _t(x, grad=True)  # the same rotation written in torch
    angles = _t(rope_frequencies(6, 10)[positions])
    even, odd = x_torch[..., 0::2], x_torch[..., 1::2]
    out = torch.stack(
        [
            even * angles.cos() - odd * angles.sin(),
            even * angles.sin() + odd * angles.cos(),
        ],
        dim=-1,
    ).flatten(-2)
    out.backward(_t(dout))
    np.testing.assert_allclose(apply_rope(x, positions), out.detach().numpy(), **TIGHT)
    np.testing.assert_allclose(dx, x_torch.grad.numpy(), **TIGHT)
    np.testing.assert_allclose(
        apply_rope_backward(apply_rope(x, positions), positions), x, **TIGHT
    )


# --------------------------------------------------------------------------- blockwise


@pytest.mark.parametrize("batch, L, S, E, Ev", SHAPES)
@pytest.mark.parametrize("is_causal", [False, True])
def test_blockwise_attention_equals_full_attention(batch, L, S, E, Ev, is_causal):
    rng = np.random.default_rng(14)
    q, k, v = _qkv(rng, batch, L, S, E, Ev)
    full, _ = scaled_dot_product_attention(q, k, v, is_causal=is_causal)
    for block_size in sorted({1, 2, 3, S, S + 4}):
        out = blockwise_attention(q, k, v, block_size, is_causal=is_causal)
        np.testing.assert_allclose(out, full, **TIGHT, err_msg=f"block {block_size}")


def test_blockwise_attention_is_stable_and_keeps_float32():
    rng = np.random.default_rng(15)
    q, k, v = _qkv(rng, (2,), 8, 12, 4, 3)
    q *= 300.0  # scores in the thousands: exp would overflow without the running max
    full, _ = scaled_dot_product_attention(q, k, v)
    np.testing.assert_allclose(blockwise_attention(q, k, v, 5), full, **TIGHT)
    q32, k32, v32 = (a.astype(np.float32) for a in (q / 300.0, k, v))
    out32 = blockwise_attention(q32, k32, v32, 4, is_causal=True)
    assert out32.dtype == np.float32
    np.testing.assert_allclose(
        out32,
        scaled_dot_product_attention(q32, k32, v32, is_causal=True)[0],
        rtol=1e-5,
        atol=1e-6,
    )


def _peak_bytes(function):
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_blockwise_attention_never_holds_the_score_matrix():
    rng = np.random.default_rng(16)
    T, E, block = 1024, 8, 64
    q, k, v = _qkv(rng, (), T, T, E, E)
    full_scores = attention_memory_bytes(T, T, dtype=np.float64)
    block_scores = attention_memory_bytes(T, T, dtype=np.float64, block_size=block)
    assert full_scores == T * T * 8 and block_scores == T * (block + 2) * 8
    full_peak = _peak_bytes(lambda: scaled_dot_product_attention(q, k, v))
    block_peak = _peak_bytes(lambda: blockwise_attention(q, k, v, block))
    assert full_peak >= full_scores
    assert block_peak < full_scores / 4
    assert block_peak < 6 * block_scores  # a few (L, B) temporaries at once, no more


def test_attention_memory_grows_quadratically_or_linearly():
    full = [attention_memory_bytes(T, T, batch_size=8, num_heads=4) for T in (128, 256)]
    block = [attention_memory_bytes(T, T, 8, 4, block_size=32) for T in (128, 256)]
    assert full == [8 * 4 * 128 * 128 * 4, 8 * 4 * 256 * 256 * 4]
    assert full[1] == 4 * full[0] and block[1] == 2 * block[0]
    assert attention_memory_bytes(10, 3, block_size=8) == 10 * 5 * 4  # block > S


def test_attention_cache_holds_the_weights():
    rng = np.random.default_rng(17)
    q, k, v = _qkv(rng, (1,), 2, 3, 2, 2)
    _, cache = scaled_dot_product_attention(q, k, v)
    assert isinstance(cache, AttentionCache) and cache.weights.shape == (1, 2, 3)
    assert cache.scale == pytest.approx(1 / np.sqrt(2))


def test_the_last_rows_of_the_causal_mask_serve_queries_after_a_cache():
    """New queries at the last L of S positions: causal_mask(S, S)[-L:]."""
    rng = np.random.default_rng(18)
    q, k, v = _qkv(rng, (2,), 7, 7, 4, 3)
    full, _ = scaled_dot_product_attention(q, k, v, is_causal=True)
    last, _ = scaled_dot_product_attention(
        q[:, -2:], k, v, attn_mask=causal_mask(7, 7)[-2:]
    )
    np.testing.assert_allclose(last, full[:, -2:], **TIGHT)


def test_rope_attention_weights_do_not_change_when_every_position_shifts():
    rng = np.random.default_rng(19)
    q, k, v = _qkv(rng, (2, 2), 5, 5, 8, 3)
    positions = np.arange(5)
    weights = [
        scaled_dot_product_attention(
            apply_rope(q, positions + shift),
            apply_rope(k, positions + shift),
            v,
            is_causal=True,
        )[1].weights
        for shift in (0, 17)
    ]
    np.testing.assert_allclose(weights[0], weights[1], atol=1e-12)
