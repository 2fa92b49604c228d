"""Bad input to chapter 7's attention helpers: each refusal names what was expected.

Issue 17's list: head counts that do not divide the width, masks of the wrong shape,
context longer than a model takes, tokens outside the vocabulary; and the other
arguments of ``helpers.numpy_nn.attention``, ``helpers.numpy_nn.transformer_block``,
``helpers.bpe``, ``helpers.seq2seq``, ``helpers.plot.attention`` and
``helpers.widgets.attention``.
"""

import numpy as np
import pytest
import torch

from helpers import seq2seq
from helpers.bpe import ByteBPETokenizer
from helpers.numpy_nn import attention as A
from helpers.numpy_nn.transformer_block import TransformerBlock
from helpers.plot.attention import plot_attention, plot_attention_heads
from helpers.widgets.attention import attention_figure, collect_attention

RNG = np.random.default_rng(0)
Q = RNG.normal(size=(2, 3, 4))
K = RNG.normal(size=(2, 5, 4))
V = RNG.normal(size=(2, 5, 6))


def _tiny_model():
    torch.manual_seed(0)
    return seq2seq.Seq2SeqTransformer(
        d_model=8, nhead=2, num_layers=1, dim_feedforward=8, max_len=6
    )


def _tiny_data():
    return seq2seq.make_reversal_data(["12", "345"], max_len=5)


BAD_CALLS = [
    # --- head counts
    (
        "MultiheadAttention: embed_dim not divisible by num_heads",
        lambda: A.MultiheadAttention(10, 4),
        ValueError,
        r"embed_dim must be divisible by num_heads, got embed_dim=10 and num_heads=4",
    ),
    (
        "MultiheadAttention: no heads",
        lambda: A.MultiheadAttention(8, 0),
        ValueError,
        r"num_heads must be a positive integer, got 0",
    ),
    (
        "TransformerBlock: n_embd not divisible by n_head",
        lambda: TransformerBlock(n_embd=10, n_head=3),
        ValueError,
        r"n_embd must be divisible by n_head, got n_embd = 10 and n_head = 3",
    ),
    (
        "Seq2SeqTransformer: d_model not divisible by nhead",
        lambda: seq2seq.Seq2SeqTransformer(d_model=10, nhead=4),
        ValueError,
        r"d_model must be divisible by nhead, got d_model = 10 and nhead = 4",
    ),
    # --- masks of the wrong shape or kind
    (
        "attention: a mask of the wrong shape",
        lambda: A.scaled_dot_product_attention(
            Q, K, V, attn_mask=np.ones((3, 4), bool)
        ),
        ValueError,
        r"attn_mask must have a shape that broadcasts to the scores' "
        r"\(\.\.\., L, S\) = \(2, 3, 5\), got \(3, 4\)",
    ),
    (
        "attention: an integer mask",
        lambda: A.scaled_dot_product_attention(Q, K, V, attn_mask=np.ones((3, 5), int)),
        TypeError,
        r"attn_mask must be boolean \(True = may attend\) or float",
    ),
    (
        "attention: a list as the mask",
        lambda: A.scaled_dot_product_attention(Q, K, V, attn_mask=[[True] * 5] * 3),
        TypeError,
        r"attn_mask must be a NumPy array \(boolean or float\), got list",
    ),
    (
        "attention: a mask and is_causal together",
        lambda: A.scaled_dot_product_attention(
            Q, K, V, attn_mask=np.ones((3, 5), bool), is_causal=True
        ),
        ValueError,
        r"attn_mask must be None when is_causal=True",
    ),
    (
        "attention: nan in a float mask",
        lambda: A.scaled_dot_product_attention(
            Q, K, V, attn_mask=np.full((3, 5), np.nan)
        ),
        ValueError,
        r"attn_mask must not hold nan",
    ),
    (
        "MultiheadAttention: attn_mask of the wrong shape",
        lambda: A.MultiheadAttention(4, 2, batch_first=True)(
            Q, K, K, attn_mask=np.zeros((5, 3), bool)
        ),
        ValueError,
        r"attn_mask must have shape \(L, S\) = \(3, 5\)",
    ),
    (
        "MultiheadAttention: key_padding_mask of the wrong shape",
        lambda: A.MultiheadAttention(4, 2, batch_first=True)(
            Q, K, K, key_padding_mask=np.zeros((2, 3), bool)
        ),
        ValueError,
        r"key_padding_mask must have shape",
    ),
    (
        "padding_mask: a length longer than the sequence",
        lambda: A.padding_mask(np.array([2, 7]), 5),
        ValueError,
        r"lengths must each be in 1..S = 1..5, got values from 2 to 7",
    ),
    (
        "padding_mask: float lengths",
        lambda: A.padding_mask(np.array([2.0, 3.0]), 5),
        TypeError,
        r"lengths must hold integers, got dtype float64",
    ),
    (
        "causal_mask: zero queries",
        lambda: A.causal_mask(0),
        ValueError,
        r"L must be a positive integer, got 0",
    ),
    # --- shapes of q, k, v and the framework
    (
        "attention: keys of another width",
        lambda: A.scaled_dot_product_attention(Q, K[..., :3], V),
        ValueError,
        r"k must have the feature size E of q, 4, got 3",
    ),
    (
        "attention: values for fewer keys",
        lambda: A.scaled_dot_product_attention(Q, K, V[:, :4]),
        ValueError,
        r"v must have as many positions S as k, 5, got 4",
    ),
    (
        "attention: a 1-D query",
        lambda: A.scaled_dot_product_attention(Q[0, 0], K, V),
        ValueError,
        r"q must have at least 2 dimensions",
    ),
    (
        "attention: torch tensors",
        lambda: A.scaled_dot_product_attention(
            torch.from_numpy(Q), torch.from_numpy(K), torch.from_numpy(V)
        ),
        TypeError,
        r"q must be a NumPy array",
    ),
    (
        "attention: a negative scale",
        lambda: A.scaled_dot_product_attention(Q, K, V, scale=-1.0),
        ValueError,
        r"scale must be positive and finite, got -1.0",
    ),
    (
        "attention backward: dout of the wrong shape",
        lambda: A.scaled_dot_product_attention_backward(
            np.ones((2, 3, 5)), A.scaled_dot_product_attention(Q, K, V)[1]
        ),
        ValueError,
        r"dout must have the output's shape \(\.\.\., L, Ev\) = \(2, 3, 6\)",
    ),
    (
        "blockwise attention: block_size 0",
        lambda: A.blockwise_attention(Q, K, V, block_size=0),
        ValueError,
        r"block_size must be a positive integer, got 0",
    ),
    (
        "MultiheadAttention: input of the wrong width",
        lambda: A.MultiheadAttention(8, 2, batch_first=True)(Q, Q, Q),
        ValueError,
        r"must have embed_dim = 8 features",
    ),
    (
        "TransformerBlock: input of the wrong width",
        lambda: TransformerBlock(n_embd=8, n_head=2)(np.zeros((1, 3, 4))),
        ValueError,
        r"x must have shape \(B, T, 8\) for n_embd = 8, got shape \(1, 3, 4\)",
    ),
    # --- positions
    (
        "RoPE: an odd head dimension",
        lambda: A.apply_rope(np.zeros((3, 5)), np.arange(3)),
        ValueError,
        r"x must have shape \(\.\.\., T, D\) with D even",
    ),
    (
        "RoPE: positions of the wrong length",
        lambda: A.apply_rope(np.zeros((3, 4)), np.arange(4)),
        ValueError,
        r"positions must have shape \(T,\) = \(3,\)",
    ),
    (
        "RoPE: negative positions",
        lambda: A.apply_rope(np.zeros((3, 4)), np.array([-1, 0, 1])),
        ValueError,
        r"positions must be non-negative, got -1",
    ),
    (
        "sinusoidal positions: no positions",
        lambda: A.sinusoidal_positions(0, 8),
        ValueError,
        r"max_len must be a positive integer, got 0",
    ),
    # --- tokens outside the vocabulary, and context too long
    (
        "BPE decode: an id outside the vocabulary",
        lambda: ByteBPETokenizer().decode([104, 300]),
        ValueError,
        r"ids must be token ids in 0..255",
    ),
    (
        "BPE encode: bytes instead of text",
        lambda: ByteBPETokenizer().encode(b"abc"),
        TypeError,
        r"text must be a str, got bytes",
    ),
    (
        "seq2seq: a token outside the vocabulary",
        lambda: _tiny_model()(torch.tensor([[3, 4, 99]]), torch.tensor([[1, 4]])),
        ValueError,
        r"src must hold token ids in 0..13, got values from 3 to 99",
    ),
    (
        "seq2seq: a source longer than max_len",
        lambda: _tiny_model()(torch.full((1, 7), 4), torch.tensor([[1, 4]])),
        ValueError,
        r"src must have at most max_len = 6 positions, got 7",
    ),
    (
        "seq2seq: float ids",
        lambda: _tiny_model()(torch.zeros(1, 3), torch.tensor([[1, 4]])),
        ValueError,
        r"src must be a 2-D int64 tensor",
    ),
    (
        "seq2seq: NumPy ids",
        lambda: _tiny_model()(np.zeros((1, 3), np.int64), torch.tensor([[1]])),
        TypeError,
        r"src must be a torch tensor of token ids, got ndarray",
    ),
    (
        "seq2seq: batches of different sizes",
        lambda: _tiny_model()(torch.tensor([[3, 4]]), torch.tensor([[1], [1]])),
        ValueError,
        r"tgt_in must have as many sequences as src, 1, got 2",
    ),
    (
        "seq2seq: weights before any forward pass",
        lambda: _tiny_model().attention_weights(),
        RuntimeError,
        r"attention_weights was called before any forward pass",
    ),
    (
        "seq2seq: a string with a letter",
        lambda: seq2seq.make_reversal_data(["12a"], max_len=5),
        ValueError,
        r"strings must hold strings of the digits 0-9, got '12a'",
    ),
    (
        "seq2seq: a string longer than max_len",
        lambda: seq2seq.make_reversal_data(["123456"], max_len=5),
        ValueError,
        r"strings must each be at most max_len = 5 digits long",
    ),
    (
        "seq2seq: no strings",
        lambda: seq2seq.make_reversal_data([], max_len=5),
        ValueError,
        r"strings must hold at least one digit string, got none",
    ),
    (
        "seq2seq: one string instead of a list",
        lambda: seq2seq.make_reversal_data("123", max_len=5),
        TypeError,
        r"strings must be a list of digit strings, got str",
    ),
    (
        "seq2seq splits: more strings than exist",
        lambda: seq2seq.reversal_splits(40, 10, 10, min_len=2, max_len=2),
        ValueError,
        r"n_train \+ n_val \+ n_test must be at most half the 100 strings",
    ),
    (
        "seq2seq splits: max_len below min_len",
        lambda: seq2seq.reversal_splits(1, 1, 1, min_len=5, max_len=3),
        ValueError,
        r"max_len must be at least min_len = 5, got max_len = 3",
    ),
    (
        "seq2seq: decoding an id outside the vocabulary",
        lambda: seq2seq.decode_digits([4, 20]),
        ValueError,
        r"ids must be token ids in 0..13, got 20",
    ),
    (
        "seq2seq: unknown positions",
        lambda: seq2seq.Seq2SeqTransformer(positions="rotary"),
        ValueError,
        r"positions must be 'learned' or 'sinusoidal', got 'rotary'",
    ),
    (
        "seq2seq training: not a ReversalData",
        lambda: seq2seq.train_seq2seq(_tiny_model(), (1, 2, 3)),
        TypeError,
        r"train must be a ReversalData, got tuple",
    ),
    (
        "seq2seq training: a negative learning rate",
        lambda: seq2seq.train_seq2seq(_tiny_model(), _tiny_data(), lr=-1.0),
        ValueError,
        r"lr must be positive and finite, got -1.0",
    ),
    # --- figures and the viewer
    (
        "plot_attention: a 3-D array",
        lambda: plot_attention(np.zeros((2, 3, 4))),
        ValueError,
        r"weights must be 2-D",
    ),
    (
        "plot_attention: too few labels",
        lambda: plot_attention(np.zeros((2, 3)), keys=["a", "b"]),
        ValueError,
        r"keys must have one label per row or column of the weights, 3, got 2",
    ),
    (
        "plot_attention_heads: a 2-D array",
        lambda: plot_attention_heads(np.zeros((2, 3))),
        ValueError,
        r"weights must be 3-D",
    ),
    (
        "viewer: an unknown kind",
        lambda: attention_figure(
            collect_attention(_tiny_model(), _tiny_data(), [0]), kind="self"
        ),
        ValueError,
        r"unknown kind 'self'; expected one of 'cross', 'decoder', 'encoder'",
    ),
    (
        "viewer: a head the model does not have",
        lambda: attention_figure(
            collect_attention(_tiny_model(), _tiny_data(), [0]), head=2
        ),
        ValueError,
        r"head must be in 0..1, got 2",
    ),
    (
        "viewer: an example index past the data",
        lambda: collect_attention(_tiny_model(), _tiny_data(), [5]),
        ValueError,
        r"examples must be indices below len\(data\) = 2, got 5",
    ),
    (
        "viewer: no model",
        lambda: collect_attention("model", _tiny_data()),
        TypeError,
        r"model must be a Seq2SeqTransformer, got str",
    ),
]


@pytest.mark.parametrize(
    "what, call, error, message", BAD_CALLS, ids=[case[0] for case in BAD_CALLS]
)
def test_bad_input_is_named_with_what_was_expected(what, call, error, message):
    with pytest.raises(error, match=message):
        call()
