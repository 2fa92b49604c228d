"""Attention forward + backward, NumPy against PyTorch, at a small GPT's size.

Two cases, float32, causal (a GPT's self-attention):

* ``scaled_dot_product_attention`` then ``scaled_dot_product_attention_backward`` on
  q, k, v of shape (batch 8, 4 heads, T 128, head dim 32), against torch's
  ``F.scaled_dot_product_attention(q, k, v, is_causal=True).backward(dout)`` with q, k
  and v requiring gradients.
* ``MultiheadAttention(128, 4)`` forward and backward on x (8, 128, 128) (self-attention
  with the causal mask, gradients for x and every parameter), against
  ``torch.nn.MultiheadAttention`` with the same weights (``need_weights=False``, as a
  GPT calls it, so that torch may take its fused attention kernel).

Floating-point operations of the attention itself: q k^T and weights @ v forward
(2 * 2 B H L S D), four matrix products of the same size backward, so 12 B H L S D
(causal attention computes the full matrix and masks it, here as in torch's math).
``--quick`` uses batch 2 and T 32.
"""

import numpy as np
import torch

from helpers.bench.case import Benchmark, Case
from helpers.numpy_nn.attention import (
    MultiheadAttention,
    causal_mask,
    scaled_dot_product_attention,
    scaled_dot_product_attention_backward,
)

BATCH, HEADS, T, HEAD_DIM = 8, 4, 128, 32
QUICK_BATCH, QUICK_T = 2, 32


def make_attention_steps(batch=BATCH, heads=HEADS, T=T, head_dim=HEAD_DIM):
    """Causal attention forward + backward on q, k, v: (batch, heads, T, head_dim)."""
    rng = np.random.default_rng(0)
    shape = (batch, heads, T, head_dim)
    q, k, v, dout = (rng.standard_normal(shape, dtype=np.float32) for _ in range(4))
    q_t, k_t, v_t = (torch.from_numpy(a).requires_grad_() for a in (q, k, v))
    dout_t = torch.from_numpy(dout)

    def numpy_step():
        _, cache = scaled_dot_product_attention(q, k, v, is_causal=True)
        return scaled_dot_product_attention_backward(dout, cache)

    def torch_step():
        for tensor in (q_t, k_t, v_t):
            tensor.grad = None
        out = torch.nn.functional.scaled_dot_product_attention(
            q_t, k_t, v_t, is_causal=True
        )
        out.backward(dout_t)
        return q_t.grad, k_t.grad, v_t.grad

    for mine, theirs in zip(numpy_step(), torch_step()):
        np.testing.assert_allclose(mine, theirs.numpy(), rtol=1e-3, atol=1e-4)
    return numpy_step, torch_step


def make_multihead_steps(batch=BATCH, heads=HEADS, T=T, head_dim=HEAD_DIM):
    """MultiheadAttention(E, heads) forward + backward on x: (batch, T, E), causal."""
    E = heads * head_dim
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, T, E), dtype=np.float32)
    dout = rng.standard_normal((batch, T, E), dtype=np.float32)
    layer = MultiheadAttention(E, heads, batch_first=True, rng=rng, dtype=np.float32)
    twin = torch.nn.MultiheadAttention(E, heads, batch_first=True)
    twin.load_state_dict(
        {n: torch.from_numpy(p) for n, p in layer.state_dict().items()}
    )
    mask = ~causal_mask(T)  # torch's MultiheadAttention convention: True = masked out
    x_t, dout_t, mask_t = (
        torch.from_numpy(x).requires_grad_(),
        torch.from_numpy(dout),
        torch.from_numpy(mask),
    )

    def numpy_step():
        layer.forward(x, x, x, attn_mask=mask, need_weights=False, is_causal=True)
        d_query, d_key, d_value = layer.backward(dout)
        return d_query + d_key + d_value

    def torch_step():
        x_t.grad = None
        twin.zero_grad(set_to_none=True)
        out, _ = twin(
            x_t, x_t, x_t, attn_mask=mask_t, need_weights=False, is_causal=True
        )
        out.backward(dout_t)
        return x_t.grad

    np.testing.assert_allclose(numpy_step(), torch_step().numpy(), rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(
        layer.grads["in_proj_weight"],
        twin.in_proj_weight.grad.numpy(),
        rtol=1e-3,
        atol=1e-3,
    )
    return numpy_step, torch_step


def _attention_flops(batch, heads, T, head_dim):
    return 12.0 * batch * heads * T * T * head_dim


def cases(quick):
    batch, t = (QUICK_BATCH, QUICK_T) if quick else (BATCH, T)
    E = HEADS * HEAD_DIM
    return [
        Case(
            f"attention, causal, ({batch}, {HEADS}, {t}, {HEAD_DIM})",
            lambda: make_attention_steps(batch, HEADS, t, HEAD_DIM),
            flops=_attention_flops(batch, HEADS, t, HEAD_DIM),
        ),
        Case(
            f"MultiheadAttention({E}, {HEADS}), causal, x ({batch}, {t}, {E})",
            lambda: make_multihead_steps(batch, HEADS, t, HEAD_DIM),
        ),
    ]


BENCHMARK = Benchmark(
    name="attention",
    compares="`helpers.numpy_nn.attention` scaled dot-product attention and "
    "MultiheadAttention, forward + backward, against "
    "`torch.nn.functional.scaled_dot_product_attention` and "
    "`torch.nn.MultiheadAttention` with autograd (float32, causal)",
    cases=cases,
)
