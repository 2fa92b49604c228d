"""An encoder-decoder transformer on a task that needs alignment: reversing digits.

Chapter 7 trains it to read a string of digits and write it backwards, "4071" ->
"1704". Output position i must copy input digit L - 1 - i, so the decoder's
cross-attention has to learn where to look, and its weights, drawn as a heat map,
show the alignment it learned (an anti-diagonal).

    make_reversal_data      the task: source, decoder input and target, as arrays
    reversal_splits         train / val / test splits with no string in two of them
    Seq2SeqTransformer      encoder-decoder (pre-norm), returns its attention weights
    train_seq2seq           a short AdamW training loop with a time budget
    greedy_decode           generate the output one token at a time
    sequence_accuracy       the fraction of sequences reversed exactly right
    decode_digits           token ids -> the digit string they spell

Token ids: ``PAD = 0``, ``BOS = 1`` (begins the decoder's input), ``EOS = 2`` (ends
the target), ``SEP = 3`` (marks the start of the source) and the digits 0-9 as ids
4..13, so ``VOCAB_SIZE = 14``.

The source is padded on the *left*: a string of L digits of at most ``max_len``
becomes ``[PAD] * (max_len - L) + [SEP] + digits``, so its last digit always sits at
position ``max_len``. Output position i (0-based) then copies source position
``max_len - i`` whatever the length, a fixed anti-diagonal; after the L digits the
anti-diagonal reaches the ``SEP`` marker and the model writes ``EOS``. The targets are
padded on the right and their padding is left out of the loss (``ignore_index``).

Shapes: N sequences, S = max_len + 1 source positions, T = max_len + 1 target
positions, C = d_model features, H heads.
"""

import math
import time
from collections import namedtuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from helpers.checks import check_array, check_integer, check_positive, check_rng

__all__ = [
    "PAD",
    "BOS",
    "EOS",
    "SEP",
    "VOCAB_SIZE",
    "ReversalData",
    "make_reversal_data",
    "reversal_splits",
    "decode_digits",
    "token_labels",
    "Seq2SeqTransformer",
    "train_seq2seq",
    "greedy_decode",
    "sequence_accuracy",
]

PAD, BOS, EOS, SEP = 0, 1, 2, 3
DIGIT0 = 4  # the id of the digit 0; digit d is DIGIT0 + d
VOCAB_SIZE = DIGIT0 + 10

ReversalData = namedtuple("ReversalData", "src tgt_in tgt_out strings")
ReversalData.__doc__ = """One split of the reversal task, as int64 arrays.

    src (N, S): the source, left-padded: PAD..., SEP, digits;
    tgt_in (N, T): the decoder's input, BOS then the reversed digits, right-padded;
    tgt_out (N, T): what to predict, the reversed digits then EOS, right-padded
        (PAD = 0 is ignored by the loss);
    strings: the N digit strings, as str.
"""


def _encode_strings(strings, max_len):
    N, S = len(strings), max_len + 1
    src = np.full((N, S), PAD, dtype=np.int64)
    tgt_in = np.full((N, S), PAD, dtype=np.int64)
    tgt_out = np.full((N, S), PAD, dtype=np.int64)
    for n, s in enumerate(strings):
        digits = [DIGIT0 + int(c) for c in s]
        L = len(digits)
        src[n, S - 1 - L] = SEP
        src[n, S - L :] = digits
        reversed_digits = digits[::-1]
        tgt_in[n, : L + 1] = [BOS, *reversed_digits]
        tgt_out[n, : L + 1] = [*reversed_digits, EOS]
    return src, tgt_in, tgt_out


def _check_lengths(min_len, max_len):
    min_len = check_integer(min_len, "min_len", minimum=1)
    max_len = check_integer(max_len, "max_len", minimum=1)
    if max_len < min_len:
        raise ValueError(
            f"max_len must be at least min_len = {min_len}, got max_len = {max_len}"
        )
    return min_len, max_len


def make_reversal_data(strings, max_len):
    """The arrays of the reversal task for given digit strings.

    Args:
        strings: a list of strings of the digits 0-9, each 1..max_len long.
        max_len: the longest string the arrays hold (S = T = max_len + 1).

    Returns:
        a ``ReversalData`` (src, tgt_in, tgt_out: (N, max_len + 1) int64; strings).
    """
    max_len = check_integer(max_len, "max_len", minimum=1)
    if isinstance(strings, str) or not hasattr(strings, "__len__"):
        raise TypeError(
            f"strings must be a list of digit strings, got {type(strings).__name__}"
        )
    if len(strings) == 0:
        raise ValueError("strings must hold at least one digit string, got none")
    for s in strings:
        if not isinstance(s, str) or not s.isdigit() or not s.isascii():
            raise ValueError(f"strings must hold strings of the digits 0-9, got {s!r}")
        if len(s) > max_len:
            raise ValueError(
                f"strings must each be at most max_len = {max_len} digits long, "
                f"got {s!r} ({len(s)} digits)"
            )
    return ReversalData(*_encode_strings(list(strings), max_len), list(strings))


def reversal_splits(n_train, n_val, n_test, min_len=4, max_len=9, seed=0):
    """Random digit strings, each in one split only, as ``(train, val, test)``.

    Lengths are uniform in min_len..max_len and digits uniform in 0-9; a string is
    drawn again if it is already in any split, so no validation or test string was
    seen in training.

    Returns:
        a ``Splits``-like tuple ``(train, val, test)`` of ``ReversalData``.
    """
    sizes = [
        check_integer(n, name, minimum=1)
        for n, name in ((n_train, "n_train"), (n_val, "n_val"), (n_test, "n_test"))
    ]
    min_len, max_len = _check_lengths(min_len, max_len)
    available = sum(10**L for L in range(min_len, max_len + 1))
    if sum(sizes) > available // 2:
        raise ValueError(
            f"n_train + n_val + n_test must be at most half the {available} strings "
            f"of lengths {min_len}..{max_len}, got {sum(sizes)}"
        )
    rng = check_rng(seed, "seed")
    seen, splits = set(), []
    for size in sizes:
        strings = []
        while len(strings) < size:
            L = int(rng.integers(min_len, max_len + 1))
            s = "".join(str(d) for d in rng.integers(0, 10, size=L))
            if s not in seen:
                seen.add(s)
                strings.append(s)
        splits.append(make_reversal_data(strings, max_len))
    return tuple(splits)


def decode_digits(ids):
    """Token ids -> the digit string they spell, stopping at the first EOS.

    ids: a 1-D sequence of ids (list, array or tensor); BOS, SEP and PAD are skipped.
    """
    if isinstance(ids, torch.Tensor):
        ids = ids.detach().cpu().numpy()
    ids = np.asarray(ids)
    check_array(ids, "ids", ndim=1, dtype="int", framework="numpy")
    out = []
    for i in ids.tolist():
        if i == EOS:
            break
        if not 0 <= i < VOCAB_SIZE:
            raise ValueError(f"ids must be token ids in 0..{VOCAB_SIZE - 1}, got {i}")
        if i >= DIGIT0:
            out.append(str(i - DIGIT0))
    return "".join(out)


_NAMES = {PAD: "·", BOS: "<s>", EOS: "</s>", SEP: "|"}


def token_labels(ids):
    """Token ids -> short labels for a heat map's axes: digits, "·" for PAD, "|" for
    SEP, "<s>" for BOS and "</s>" for EOS. ids: a 1-D sequence -> list of str."""
    if isinstance(ids, torch.Tensor):
        ids = ids.detach().cpu().numpy()
    ids = np.asarray(ids)
    check_array(ids, "ids", ndim=1, dtype="int", framework="numpy")
    labels = []
    for i in ids.tolist():
        if not 0 <= i < VOCAB_SIZE:
            raise ValueError(f"ids must be token ids in 0..{VOCAB_SIZE - 1}, got {i}")
        labels.append(_NAMES.get(i, str(i - DIGIT0)))
    return labels


# ----------------------------------------------------------------------- the model
class _Attention(nn.Module):
    """``nn.MultiheadAttention`` that keeps its last weights, one per head.

    query (N, L, C), key and value (N, S, C) -> (N, L, C); after a forward pass in
    evaluation mode ``self.weights`` is (N, H, L, S). In training mode the weights are
    not returned, so that torch may use its fused attention kernel.
    """

    def __init__(self, d_model, nhead):
        super().__init__()
        self.mha = nn.MultiheadAttention(d_model, nhead, batch_first=True)
        self.weights = None

    def forward(self, query, key, attn_mask=None, key_padding_mask=None):
        out, weights = self.mha(
            query,
            key,
            key,
            attn_mask=attn_mask,
            key_padding_mask=key_padding_mask,
            need_weights=not self.training,  # the fast path while training
            average_attn_weights=False,
        )
        if weights is not None:
            self.weights = weights.detach()
        return out


class _FeedForward(nn.Sequential):
    def __init__(self, d_model, dim_feedforward):
        super().__init__(
            nn.Linear(d_model, dim_feedforward),
            nn.GELU(),
            nn.Linear(dim_feedforward, d_model),
        )


class _EncoderLayer(nn.Module):
    """Pre-norm: x + self_attn(ln(x)), then x + ff(ln(x)). (N, S, C) -> (N, S, C)."""

    def __init__(self, d_model, nhead, dim_feedforward):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.self_attn = _Attention(d_model, nhead)
        self.ff = _FeedForward(d_model, dim_feedforward)

    def forward(self, x, src_padding):
        h = self.ln_1(x)
        x = x + self.self_attn(h, h, key_padding_mask=src_padding)
        return x + self.ff(self.ln_2(x))


class _DecoderLayer(nn.Module):
    """Pre-norm: causal self-attention, cross-attention to the encoder, feed-forward.

    y (N, T, C), memory (N, S, C) -> (N, T, C).
    """

    def __init__(self, d_model, nhead, dim_feedforward):
        super().__init__()
        self.ln_1, self.ln_2, self.ln_3 = (nn.LayerNorm(d_model) for _ in range(3))
        self.self_attn = _Attention(d_model, nhead)
        self.cross_attn = _Attention(d_model, nhead)
        self.ff = _FeedForward(d_model, dim_feedforward)

    def forward(self, y, memory, causal, src_padding):
        h = self.ln_1(y)
        y = y + self.self_attn(h, h, attn_mask=causal)
        y = y + self.cross_attn(self.ln_2(y), memory, key_padding_mask=src_padding)
        return y + self.ff(self.ln_3(y))


class Seq2SeqTransformer(nn.Module):
    """A small pre-norm encoder-decoder transformer that exposes its attention.

        memory = encoder(embed(src) + pos)          self-attention over the source
        y = decoder(embed(tgt_in) + pos, memory)    causal self-attention, then
                                                    cross-attention to memory
        logits = head(ln(y))                        (N, T, vocab_size)

    Every attention is a ``torch.nn.MultiheadAttention`` (its packed
    ``in_proj_weight``); the source's padding is masked in the encoder and in the
    cross-attention, and the decoder's self-attention is causal.

    Args:
        vocab_size: V (default ``VOCAB_SIZE``, the reversal task's).
        d_model: C. nhead: H, dividing C. num_layers: encoder and decoder layers
            (each). dim_feedforward: the hidden width of each feed-forward block.
        max_len: the most positions a source or target may have.
        positions: ``"learned"`` (an embedding per position) or ``"sinusoidal"``
            (Vaswani et al.'s fixed encoding, ``helpers.numpy_nn.attention``).

    ``forward(src, tgt_in)``: src (N, S), tgt_in (N, T) int64 -> logits (N, T, V).
    After a forward pass, ``attention_weights()`` returns the weights of every layer.
    """

    def __init__(
        self,
        vocab_size=VOCAB_SIZE,
        d_model=64,
        nhead=4,
        num_layers=2,
        dim_feedforward=128,
        max_len=16,
        positions="learned",
    ):
        super().__init__()
        self.vocab_size = check_integer(vocab_size, "vocab_size", minimum=2)
        self.d_model = check_integer(d_model, "d_model", minimum=1)
        self.nhead = check_integer(nhead, "nhead", minimum=1)
        if d_model % nhead:
            raise ValueError(
                f"d_model must be divisible by nhead, got d_model = {d_model} and "
                f"nhead = {nhead}"
            )
        self.num_layers = check_integer(num_layers, "num_layers", minimum=1)
        dim_feedforward = check_integer(dim_feedforward, "dim_feedforward", minimum=1)
        self.max_len = check_integer(max_len, "max_len", minimum=1)
        if positions not in ("learned", "sinusoidal"):
            raise ValueError(
                f"positions must be 'learned' or 'sinusoidal', got {positions!r}"
            )
        self.positions = positions
        self.embed = nn.Embedding(vocab_size, d_model)
        if positions == "learned":
            self.src_pos = nn.Parameter(torch.randn(max_len, d_model) * 0.1)
            self.tgt_pos = nn.Parameter(torch.randn(max_len, d_model) * 0.1)
        else:
            from helpers.numpy_nn.attention import sinusoidal_positions

            table = torch.tensor(
                sinusoidal_positions(max_len, d_model), dtype=torch.float32
            )
            self.register_buffer("src_pos", table, persistent=False)
            self.register_buffer("tgt_pos", table.clone(), persistent=False)
        self.encoder = nn.ModuleList(
            _EncoderLayer(d_model, nhead, dim_feedforward) for _ in range(num_layers)
        )
        self.decoder = nn.ModuleList(
            _DecoderLayer(d_model, nhead, dim_feedforward) for _ in range(num_layers)
        )
        self.ln_enc, self.ln_dec = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size)

    def _check_ids(self, ids, name):
        if not isinstance(ids, torch.Tensor):
            raise TypeError(
                f"{name} must be a torch tensor of token ids, got {type(ids).__name__}"
            )
        if ids.ndim != 2 or ids.dtype != torch.int64:
            raise ValueError(
                f"{name} must be a 2-D int64 tensor (N, positions), got shape "
                f"{tuple(ids.shape)} and dtype {ids.dtype}"
            )
        if ids.shape[1] > self.max_len:
            raise ValueError(
                f"{name} must have at most max_len = {self.max_len} positions, got "
                f"{ids.shape[1]}"
            )
        if ids.numel() and (ids.min() < 0 or ids.max() >= self.vocab_size):
            raise ValueError(
                f"{name} must hold token ids in 0..{self.vocab_size - 1}, got values "
                f"from {int(ids.min())} to {int(ids.max())}"
            )

    def encode(self, src):
        """src (N, S) -> memory (N, S, C) and the padding mask (N, S), True = pad."""
        self._check_ids(src, "src")
        padding = src == PAD
        x = self.embed(src) * math.sqrt(self.d_model) + self.src_pos[: src.shape[1]]
        for layer in self.encoder:
            x = layer(x, padding)
        return self.ln_enc(x), padding

    def decode(self, tgt_in, memory, src_padding):
        """tgt_in (N, T), memory (N, S, C) -> logits (N, T, V)."""
        self._check_ids(tgt_in, "tgt_in")
        T = tgt_in.shape[1]
        causal = torch.ones(T, T, dtype=torch.bool, device=tgt_in.device).triu(1)
        y = self.embed(tgt_in) * math.sqrt(self.d_model) + self.tgt_pos[:T]
        for layer in self.decoder:
            y = layer(y, memory, causal, src_padding)
        return self.head(self.ln_dec(y))

    def forward(self, src, tgt_in):
        memory, padding = self.encode(src)
        if tgt_in.shape[0] != src.shape[0]:
            raise ValueError(
                f"tgt_in must have as many sequences as src, {src.shape[0]}, got "
                f"{tgt_in.shape[0]}"
            )
        return self.decode(tgt_in, memory, padding)

    def attention_weights(self):
        """The weights of the last forward pass, per kind, per layer.

        Returns ``{"encoder": [...], "decoder": [...], "cross": [...]}``, each a list
        of ``num_layers`` tensors (N, H, L, S) on the CPU: encoder self-attention
        (S, S), decoder self-attention (T, T) and cross-attention (T, S).
        """
        if self.encoder[0].self_attn.weights is None:
            raise RuntimeError("attention_weights was called before any forward pass")
        return {
            "encoder": [layer.self_attn.weights.cpu() for layer in self.encoder],
            "decoder": [layer.self_attn.weights.cpu() for layer in self.decoder],
            "cross": [layer.cross_attn.weights.cpu() for layer in self.decoder],
        }


def _as_tensors(data, device):
    return tuple(torch.as_tensor(a, device=device) for a in data[:3])


def train_seq2seq(
    model,
    train,
    steps=600,
    batch_size=128,
    lr=3e-3,
    seconds=None,
    seed=0,
    device=None,
):
    """Train with AdamW and a warm-up then cosine schedule; returns the losses.

    Args:
        model: a ``Seq2SeqTransformer``. train: a ``ReversalData``.
        steps: optimiser steps. batch_size: sequences per step. lr: the peak rate.
        seconds: stop early once this many seconds have passed (None: no limit).
        seed: for the batches. device: default the model's.

    Returns:
        a list of the training loss (cross-entropy, nats per token) at each step.
    """
    if not isinstance(model, Seq2SeqTransformer):
        raise TypeError(
            f"model must be a Seq2SeqTransformer, got {type(model).__name__}"
        )
    if not isinstance(train, ReversalData):
        raise TypeError(f"train must be a ReversalData, got {type(train).__name__}")
    steps = check_integer(steps, "steps", minimum=1)
    batch_size = check_integer(batch_size, "batch_size", minimum=1)
    lr = check_positive(lr, "lr")
    if seconds is not None:
        seconds = check_positive(seconds, "seconds")
    device = next(model.parameters()).device if device is None else device
    src, tgt_in, tgt_out = _as_tensors(train, device)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    warmup = max(1, steps // 10)

    def schedule(step):
        if step < warmup:
            return (step + 1) / warmup
        return 0.5 * (1 + math.cos(math.pi * (step - warmup) / (steps - warmup)))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    model.train()
    losses, start = [], time.perf_counter()
    for _ in range(steps):
        rows = torch.randint(0, len(src), (batch_size,), generator=generator).to(device)
        logits = model(src[rows], tgt_in[rows])
        loss = F.cross_entropy(
            logits.reshape(-1, model.vocab_size),
            tgt_out[rows].reshape(-1),
            ignore_index=PAD,
        )
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
        if not math.isfinite(losses[-1]):
            raise RuntimeError(f"the training loss became {losses[-1]}: lower lr")
        if seconds is not None and time.perf_counter() - start > seconds:
            break
    model.eval()
    return losses


@torch.no_grad()
def greedy_decode(model, src, max_new_tokens=None):
    """Generate each sequence's output, one token at a time, taking the likeliest.

    Args:
        model: a ``Seq2SeqTransformer``. src: (N, S) int64 tensor.
        max_new_tokens: how many tokens to generate (default S, enough for the
            reversal task: L digits and EOS).

    Returns:
        (N, max_new_tokens) int64 tensor of generated ids (after the first EOS the
        model keeps generating; ``decode_digits`` stops there). After the call,
        ``model.attention_weights()`` holds the weights of the last step, which
        covers the whole output: row t of a decoder weight matrix is the step that
        produced output t.
    """
    model.eval()
    if max_new_tokens is None:
        max_new_tokens = src.shape[1]
    max_new_tokens = check_integer(max_new_tokens, "max_new_tokens", minimum=1)
    memory, padding = model.encode(src)
    out = torch.full((src.shape[0], 1), BOS, dtype=torch.int64, device=src.device)
    for _ in range(max_new_tokens):
        logits = model.decode(out, memory, padding)
        out = torch.cat([out, logits[:, -1].argmax(dim=-1, keepdim=True)], dim=1)
    # One last pass over the full output so the weights cover every generated step.
    model.decode(out[:, :-1], memory, padding)
    return out[:, 1:]


def sequence_accuracy(model, data, device=None, batch_size=1000):
    """The fraction of ``data``'s strings that ``greedy_decode`` reverses exactly.

    data: a ``ReversalData``. Returns a float in [0, 1].
    """
    if not isinstance(data, ReversalData):
        raise TypeError(f"data must be a ReversalData, got {type(data).__name__}")
    device = next(model.parameters()).device if device is None else device
    src = torch.as_tensor(data.src, device=device)
    correct = 0
    for start in range(0, len(src), batch_size):
        generated = greedy_decode(model, src[start : start + batch_size])
        for row, s in zip(generated, data.strings[start : start + batch_size]):
            correct += decode_digits(row) == s[::-1]
    return correct / len(src)
