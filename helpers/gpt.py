"""A small GPT in one file: a decoder-only transformer for next-token prediction.

Read it top to bottom; each class is one piece of the picture:

    GPTConfig            the sizes: vocabulary, context, layers, heads, width
    CausalSelfAttention  every position looks at itself and the positions before it
    MLP                  a two-layer perceptron applied to each position on its own
    Block                pre-norm: x + attn(ln_1(x)), then x + mlp(ln_2(x))
    GPT                  embeddings -> blocks -> final layer norm -> logits
    KVCache              keys and values kept between generation steps
    parameter_count      the number of parameters from the config alone
    flops_per_token      the forward pass's floating-point operations per token

Shapes use B for the batch, T for the sequence length, C = n_embd for the width,
H = n_head heads of size D = C / H, and V = vocab_size.

The layout follows GPT-2 (Radford et al., 2019) with the parameter names of
Karpathy's nanoGPT, so a reader can set the two side by side: ``transformer.wte``
(token embedding), ``transformer.wpe`` (position embedding), ``transformer.h``
(the blocks), ``transformer.ln_f`` and ``lm_head``. ``train_gpt`` at the end is the
training loop the chapters use.
"""

import math
import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from helpers.checks import check_integer, check_number, check_positive
from helpers.numpy_nn.lr_scheduler import warmup_cosine
from helpers.text import windows
from helpers.train import History, check_not_diverged

__all__ = [
    "GPTConfig",
    "check_heads_and_dropout",
    "CausalSelfAttention",
    "MLP",
    "Block",
    "GPT",
    "KVCache",
    "parameter_count",
    "flops_per_token",
    "train_gpt",
    "estimate_loss",
    "check_token_ids",
    "check_sampling",
    "sample_next",
]


# ------------------------------------------------------------------------ the config
def check_heads_and_dropout(n_embd, n_head, dropout):
    """The checks a transformer config shares: heads that split the width, a dropout in [0, 1).

    n_embd, n_head: positive integers (checked by the caller). Returns ``dropout`` as a
    float; raises ValueError naming both numbers when ``n_head`` does not divide ``n_embd``.
    """
    if n_embd % n_head != 0:
        raise ValueError(
            f"n_embd must be divisible by n_head (each head gets n_embd / n_head "
            f"features), got n_embd = {n_embd} and n_head = {n_head}"
        )
    dropout = check_number(dropout, "dropout", low=0, high=1)
    if dropout == 1:
        raise ValueError("dropout must be a probability in [0, 1), got 1")
    return dropout


@dataclass
class GPTConfig:
    """The sizes of a GPT.

    Args:
        vocab_size: V, the number of token ids (65 characters for Shakespeare).
        block_size: the longest context the model reads (it has this many learned
            position embeddings).
        n_layer: the number of transformer blocks.
        n_head: H, attention heads per block; must divide ``n_embd``.
        n_embd: C, the width of the residual stream.
        dropout: the dropout probability in [0, 1) (0 for small data and no
            regularisation; applied after attention, the MLP and the embeddings).
        bias: give every linear layer and layer norm a bias, as GPT-2 does.
        tie_weights: use the token embedding matrix as the output layer's weight
            (GPT-2 does), which saves V * C parameters.
    """

    vocab_size: int
    block_size: int
    n_layer: int
    n_head: int
    n_embd: int
    dropout: float = 0.0
    bias: bool = True
    tie_weights: bool = True

    def __post_init__(self):
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            setattr(self, name, check_integer(getattr(self, name), name, minimum=1))
        self.dropout = check_heads_and_dropout(self.n_embd, self.n_head, self.dropout)
        for name in ("bias", "tie_weights"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(
                    f"{name} must be True or False, got {getattr(self, name)!r}"
                )

    @property
    def head_size(self):
        """D = n_embd / n_head, the width of one attention head."""
        return self.n_embd // self.n_head


# ------------------------------------------------------------------------ the layers
class CausalSelfAttention(nn.Module):
    """Multi-head self-attention in which position t sees positions 0 .. t only.

    One linear layer ``c_attn`` makes the queries, keys and values of all heads at
    once (C -> 3C); they are split into H heads of width D, attention is
    ``softmax(q k^T / sqrt(D) + mask) v`` per head with the causal mask, the heads are
    put side by side again and ``c_proj`` mixes them (C -> C).

    x: (B, T, C) -> (B, T, C).

    With a ``cache`` (one layer of a ``KVCache``) the keys and values of earlier
    tokens are read from it and those of the new tokens are appended to it, so x
    holds only the new tokens.
    """

    def __init__(self, config):
        super().__init__()
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = config.dropout
        self.resid_dropout = nn.Dropout(config.dropout)

    def forward(self, x, cache=None):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)  # 3 x (B, T, C)
        # (B, T, C) -> (B, H, T, D): each head attends on its own
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        dropout_p = self.dropout if self.training else 0.0
        if cache is None:
            y = F.scaled_dot_product_attention(
                q, k, v, dropout_p=dropout_p, is_causal=True
            )
        else:
            past = cache.length  # tokens already in the cache
            k, v = cache.append(k, v)  # (B, H, past + T, D)
            # new token i sits at position past + i: it sees keys 0 .. past + i
            allowed = torch.ones(T, past + T, dtype=torch.bool, device=x.device)
            allowed = allowed.tril(diagonal=past)
            y = F.scaled_dot_product_attention(
                q, k, v, attn_mask=allowed, dropout_p=dropout_p
            )
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # heads side by side again
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    """Position-wise feed-forward network: C -> 4C, GELU, 4C -> C.

    x: (B, T, C) -> (B, T, C); each position is transformed on its own.
    """

    def __init__(self, config):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x):
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    """One pre-norm transformer block.

        x = x + attn(ln_1(x))     positions exchange information
        x = x + mlp(ln_2(x))      each position computes on what it gathered

    The layer norms sit inside the residual branches ("pre-norm", GPT-2), so the
    residual stream x itself is never normalised and the gradient flows straight
    through the additions. x: (B, T, C) -> (B, T, C).
    """

    def __init__(self, config):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x, cache=None):
        x = x + self.attn(self.ln_1(x), cache)
        x = x + self.mlp(self.ln_2(x))
        return x


class KVCache:
    """The keys and values every layer has computed so far, for fast generation.

    When generating, each new token needs the keys and values of all earlier
    tokens; without a cache they are recomputed at every step. ``layers[i]`` holds
    layer i's keys and values, each (B, H, length, D).
    """

    def __init__(self, n_layer):
        self.layers = [_LayerCache() for _ in range(n_layer)]

    @property
    def length(self):
        """How many tokens the cache holds."""
        return self.layers[0].length


class _LayerCache:
    def __init__(self):
        self.keys = self.values = None

    @property
    def length(self):
        return 0 if self.keys is None else self.keys.shape[2]

    def append(self, k, v):
        """k, v: (B, H, T_new, D) -> all keys and values, (B, H, length + T_new, D)."""
        if self.keys is None:
            self.keys, self.values = k, v
        else:
            self.keys = torch.cat([self.keys, k], dim=2)
            self.values = torch.cat([self.values, v], dim=2)
        return self.keys, self.values


# ------------------------------------------------------------------------- the model
class GPT(nn.Module):
    """A decoder-only transformer language model.

        idx (B, T) token ids
        -> wte(idx) + wpe(0 .. T-1)        (B, T, C)  token and position embeddings
        -> n_layer Blocks                   (B, T, C)
        -> ln_f, lm_head                    (B, T, V)  logits of the next token

    The output layer ``lm_head`` (C -> V, no bias) shares its weight with ``wte``
    when ``config.tie_weights``: a token is read and written with the same vector.

    Initialisation as GPT-2: every linear and embedding weight from N(0, 0.02^2),
    biases 0, and the two projections that write into the residual stream
    (``attn.c_proj``, ``mlp.c_proj``) from N(0, (0.02 / sqrt(2 n_layer))^2), because
    each of the 2 n_layer residual branches adds its output to the stream and the
    stream's variance would otherwise grow with depth.
    """

    def __init__(self, config):
        super().__init__()
        if not isinstance(config, GPTConfig):
            raise TypeError(f"config must be a GPTConfig, got {type(config).__name__}")
        self.config = config
        self.transformer = nn.ModuleDict(
            dict(
                wte=nn.Embedding(config.vocab_size, config.n_embd),
                wpe=nn.Embedding(config.block_size, config.n_embd),
                drop=nn.Dropout(config.dropout),
                h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
                ln_f=nn.LayerNorm(config.n_embd, bias=config.bias),
            )
        )
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        if config.tie_weights:
            self.lm_head.weight = self.transformer.wte.weight  # one tensor, two uses
        self.apply(self._init_weights)
        residual_std = 0.02 / math.sqrt(2 * config.n_layer)
        for name, param in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(param, mean=0.0, std=residual_std)

    @staticmethod
    def _init_weights(module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def num_parameters(self, non_embedding=False):
        """The number of parameters, each shared tensor counted once.

        With ``non_embedding=True`` the position embedding is left out, and the
        token embedding too unless it is tied to the output layer (then it is the
        output layer's weight, which does compute). This is the N of the scaling
        laws (Kaplan et al., 2020), who count the parameters that multiply.
        """
        total = sum(p.numel() for p in self.parameters())  # a tied weight once
        if non_embedding:
            total -= self.transformer.wpe.weight.numel()
            if not self.config.tie_weights:
                total -= self.transformer.wte.weight.numel()
        return total

    def forward(self, idx, targets=None, cache=None):
        """idx: (B, T) int64 token ids -> (logits (B, T, V), loss or None).

        Args:
            idx: token ids in 0 .. V-1, with 1 <= T <= block_size (with a cache,
                cache.length + T <= block_size).
            targets: (B, T) the next token at every position; then ``loss`` is the
                mean cross-entropy in nats per token.
            cache: a ``KVCache`` from earlier calls; idx then holds only new tokens,
                whose positions continue after the cached ones.
        """
        past = 0 if cache is None else cache.length
        check_token_ids(
            idx, "idx", self.config.vocab_size, self.config.block_size, past
        )
        B, T = idx.shape
        positions = torch.arange(past, past + T, device=idx.device)  # (T,)
        x = self.transformer.wte(idx) + self.transformer.wpe(positions)  # (B, T, C)
        x = self.transformer.drop(x)
        for i, block in enumerate(self.transformer.h):
            x = block(x, None if cache is None else cache.layers[i])
        logits = self.lm_head(self.transformer.ln_f(x))  # (B, T, V)
        if targets is None:
            return logits, None
        check_token_ids(
            targets, "targets", self.config.vocab_size, self.config.block_size, past
        )
        if tuple(targets.shape) != (B, T):
            raise ValueError(
                f"targets must have the shape of idx, {(B, T)}, "
                f"got {tuple(targets.shape)}"
            )
        loss = F.cross_entropy(logits.view(B * T, -1), targets.view(B * T))
        return logits, loss

    @torch.no_grad()
    def generate(
        self,
        idx,
        max_new_tokens,
        temperature=1.0,
        top_k=None,
        use_cache=True,
        generator=None,
    ):
        """Continue each prompt by ``max_new_tokens`` sampled tokens.

        At each step the model reads the context (its last ``block_size`` tokens),
        the logits of the last position are divided by ``temperature``, all but the
        ``top_k`` largest are dropped, and the next token is drawn from the softmax.
        ``top_k=1`` is greedy decoding: always the most likely token.

        With ``use_cache`` the keys and values of the tokens already read are kept
        in a ``KVCache``, so each step feeds only the one new token instead of the
        whole context: same tokens, far less work. Position embeddings are
        absolute, so once the context is longer than ``block_size`` and its window
        slides, every cached key belongs to a shifted position: the cache is then
        rebuilt from the cropped context at each step.

        Args:
            idx: (B, T) int64 prompts, T >= 1 (longer than block_size: only the
                last block_size tokens are read).
            max_new_tokens: how many tokens to add, >= 0.
            temperature: > 0; below 1 sharpens the distribution, above 1 flattens.
            top_k: None (all tokens) or an integer in 1 .. vocab_size.
            use_cache: keep keys and values between steps.
            generator: a ``torch.Generator`` for repeatable samples.

        Returns:
            (B, T + max_new_tokens) int64: the prompts and what followed.
        """
        block_size = self.config.block_size
        check_token_ids(idx, "idx", self.config.vocab_size)  # long prompts are cropped
        max_new_tokens, top_k = check_sampling(
            max_new_tokens, temperature, top_k, generator, self.config.vocab_size
        )
        idx = idx.long()
        cache = None
        for _ in range(max_new_tokens):
            if use_cache and cache is not None and cache.length < block_size:
                logits, _ = self(idx[:, -1:], cache=cache)  # only the new token
            else:
                context = idx[:, -block_size:]
                cache = KVCache(self.config.n_layer) if use_cache else None
                logits, _ = self(context, cache=cache)
            next_token = sample_next(logits[:, -1, :], temperature, top_k, generator)
            idx = torch.cat([idx, next_token], dim=1)
        return idx


def check_token_ids(ids, name, vocab_size, block_size=None, past=0):
    """Check a (B, T) tensor of token ids for a language model; raise a clear error.

    ids must be an integer ``torch.Tensor`` of shape (B, T) with B, T >= 1 and values in
    0 .. vocab_size - 1; with ``block_size``, ``past + T`` (``past`` cached tokens)
    must not exceed it. Tensors on the ``meta`` device are not checked for values.
    """
    if not isinstance(ids, torch.Tensor):
        raise TypeError(
            f"{name} must be a torch.Tensor of token ids, got {type(ids).__name__}"
            + (" (use torch.from_numpy)" if isinstance(ids, np.ndarray) else "")
        )
    if ids.dtype not in (torch.int64, torch.int32, torch.uint8, torch.int16):
        raise TypeError(f"{name} must hold integer token ids, got dtype {ids.dtype}")
    if ids.ndim != 2:
        raise ValueError(
            f"{name} must have shape (B, T), got {tuple(ids.shape)}"
            + (" (add a batch axis: ids[None])" if ids.ndim == 1 else "")
        )
    if ids.shape[0] == 0 or ids.shape[1] == 0:
        raise ValueError(
            f"{name} must hold at least one token in each of at least one "
            f"sequence, got shape {tuple(ids.shape)}"
        )
    if block_size is not None and past + ids.shape[1] > block_size:
        held = f" after {past} cached tokens" if past else ""
        raise ValueError(
            f"{name} must be at most block_size = {block_size} tokens long"
            f"{held}, got {ids.shape[1]} tokens (crop it to the last "
            f"{block_size - past})"
        )
    if ids.device.type == "meta" or torch.compiler.is_compiling():
        # no values to read: shapes only, or a graph being traced for export
        return
    low, high = int(ids.min()), int(ids.max())
    if low < 0 or high >= vocab_size:
        bad = low if low < 0 else high
        raise ValueError(
            f"{name} must hold token ids in 0..{vocab_size - 1} for "
            f"vocab_size = {vocab_size}, got {bad}"
        )


def check_sampling(max_new_tokens, temperature, top_k, generator, vocab_size):
    """Check the arguments of a ``generate`` method; returns (max_new_tokens, top_k)."""
    max_new_tokens = check_integer(max_new_tokens, "max_new_tokens", minimum=0)
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)):
        raise TypeError(f"temperature must be a positive number, got {temperature!r}")
    if not math.isfinite(temperature) or temperature <= 0:
        raise ValueError(
            f"temperature must be a positive number, got {temperature!r} "
            f"(for greedy decoding use top_k=1)"
        )
    if top_k is not None:
        top_k = check_integer(top_k, "top_k", minimum=1)
        if top_k > vocab_size:
            raise ValueError(
                f"top_k must be at most vocab_size = {vocab_size}, got {top_k}"
            )
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(
            f"generator must be a torch.Generator, got {type(generator).__name__}"
        )
    return max_new_tokens, top_k


def sample_next(logits, temperature=1.0, top_k=None, generator=None):
    """Draw one token per row from last-position logits: (B, V) -> (B, 1) int64.

    The logits are divided by ``temperature`` first, then all but the ``top_k``
    largest are set to -inf, and the token is drawn from the softmax of the rest
    (``top_k=1``: the most likely token, greedy decoding).
    """
    logits = logits / temperature  # (B, V); before the softmax, never after
    if top_k is not None:
        kth_largest = torch.topk(logits, top_k).values[:, -1:]  # (B, 1)
        logits = logits.masked_fill(logits < kth_largest, float("-inf"))
    probs = F.softmax(logits, dim=-1)
    return torch.multinomial(probs, 1, generator=generator)  # (B, 1)


# ------------------------------------------------------------- counting from the config
def parameter_count(config):
    """The exact number of parameters of ``GPT(config)``, from the sizes alone.

    With C = n_embd, V = vocab_size, L = n_layer, and b = 1 with biases, 0 without:

        token embedding       V * C
        position embedding    block_size * C
        per block:
            ln_1, ln_2        2 * (C + b * C)            weight and bias
            attn.c_attn       C * 3C + b * 3C
            attn.c_proj       C * C + b * C
            mlp.c_fc          C * 4C + b * 4C
            mlp.c_proj        4C * C + b * C
            together          12 C^2 + 2 C + b * 11 C    (13 C with biases)
        ln_f                  C + b * C
        lm_head               V * C, unless tied to the token embedding (no bias)

    GPT-2 small (V 50,257, block 1,024, 12 layers, C 768, tied) has 124,439,808.
    """
    if not isinstance(config, GPTConfig):
        raise TypeError(f"config must be a GPTConfig, got {type(config).__name__}")
    C, V, b = config.n_embd, config.vocab_size, int(config.bias)
    layer_norm = C + b * C
    attention = (C * 3 * C + b * 3 * C) + (C * C + b * C)
    mlp = (C * 4 * C + b * 4 * C) + (4 * C * C + b * C)
    block = 2 * layer_norm + attention + mlp
    embeddings = V * C + config.block_size * C
    head = 0 if config.tie_weights else V * C
    return embeddings + config.n_layer * block + layer_norm + head


def flops_per_token(config, seq_len):
    """Forward-pass floating-point operations per token, in matrix products.

    Counting convention: a multiply and an add are two operations, so a product of
    an (m, k) and a (k, n) matrix costs 2 m k n; only matrix products are counted
    (layer norms, GELU, softmax, additions and the embedding lookups are a few
    operations per number, not per weight, and are left out), as
    ``torch.utils.flop_counter`` does. Per token:

        the weights:   2 * (12 n_layer C^2 + V C)
                       every weight of every linear layer and of the output layer
                       takes part in one multiply-add: this is "2N", with N the
                       parameters that multiply (no embeddings, biases or norms)
        attention:     n_layer * 4 * seq_len * C
                       q k^T and (attention weights) v each cost 2 * seq_len * D
                       per head; counted over the full T x T matrix, as the
                       kernels compute it, although the causal mask zeroes half

    ``torch.utils.flop_counter.FlopCounterMode`` agrees exactly when attention runs
    as plain matrix products (``torch.nn.attention.sdpa_kernel(SDPBackend.MATH)``);
    with PyTorch's fused CPU attention kernel it sees only the weights' part, since
    it has no formula for that kernel.

    A training step costs about three times this (the backward pass does two
    products for each one of the forward: one for the input's gradient and one for
    the weight's), which gives the rule "6 N FLOPs per training token".

    Args:
        config: a ``GPTConfig``. seq_len: the length T of the sequences, 1 ..
            block_size.
    """
    if not isinstance(config, GPTConfig):
        raise TypeError(f"config must be a GPTConfig, got {type(config).__name__}")
    seq_len = check_integer(seq_len, "seq_len", minimum=1)
    if seq_len > config.block_size:
        raise ValueError(
            f"seq_len must be at most block_size = {config.block_size}, got {seq_len}"
        )
    C, L = config.n_embd, config.n_layer
    weights = 2 * (12 * L * C * C + config.vocab_size * C)
    attention = L * 4 * seq_len * C
    return weights + attention


# -------------------------------------------------------------------------- training
@torch.no_grad()
def estimate_loss(model, ids, batch_size, batches, seed=0, device=None):
    """The mean loss (nats per token) of ``model`` on ``batches`` random windows.

    The windows of length block_size come from ``helpers.text.windows`` with a fixed
    ``seed``, so repeated calls score the same text and their values can be compared.

    Args:
        model: a ``GPT`` or a ``CharLSTM``. ids: (L,) int NumPy token ids. batch_size, batches:
            positive integers. device: where the model is (default: its own).
    """
    batches = check_integer(batches, "batches", minimum=1)
    device = device or next(model.parameters()).device
    rng = np.random.default_rng(seed)
    was_training = model.training
    model.eval()
    total = 0.0
    for _ in range(batches):
        x, y = windows(ids, model.config.block_size, batch_size, rng)
        _, loss = model(torch.from_numpy(x).to(device), torch.from_numpy(y).to(device))
        total += loss.item()
    model.train(was_training)
    return total / batches


def train_gpt(
    model,
    train_ids,
    val_ids,
    steps,
    batch_size,
    lr,
    warmup_steps=None,
    min_lr=None,
    weight_decay=0.1,
    betas=(0.9, 0.99),
    grad_clip=1.0,
    device=None,
    time_budget_s=None,
    eval_every=100,
    eval_batches=20,
    seed=0,
    progress=True,
):
    """Train a ``GPT`` (or a ``CharLSTM``) on random windows of token ids -> ``History``.

    Each step draws ``batch_size`` random windows of ``block_size`` tokens
    (``helpers.text.windows``) and takes one AdamW step on the mean cross-entropy,
    with the gradient's norm clipped to ``grad_clip``. Weight decay applies to the
    matrices only (linear and embedding weights), not to biases and layer norms.
    The learning rate warms up linearly for ``warmup_steps`` and then follows a
    cosine down to ``min_lr`` at ``steps`` (``helpers.numpy_nn.lr_scheduler.
    warmup_cosine``). With ``time_budget_s`` training also stops when the time is
    up; the warm-up still counts steps, and the cosine then runs by the larger of
    the step and the time fraction, so it reaches ``min_lr`` when either runs out.

    Every ``eval_every`` steps and at the end it records, in the History:
    ``step``, ``train_loss`` (mean over the steps since the last record),
    ``val_loss`` (``estimate_loss`` on ``eval_batches`` fixed windows of val_ids),
    ``lr``, ``elapsed_s`` (wall time, evaluations included) and ``tokens_per_s``
    (training tokens per second of training time, evaluations excluded). Losses
    are in nats per token, i.e. per character for a character-level model.

    Args:
        model: a ``GPT`` or a ``helpers.char_lstm.CharLSTM`` (same loop, so the two
            can be compared at equal training time). train_ids, val_ids: (L,) int
            NumPy token ids.
        steps, batch_size: positive integers. lr: the peak learning rate.
        warmup_steps: default ``steps // 20``. min_lr: default ``lr / 10``.
        device: default: the model's device. seed: for the training windows.
    """
    from helpers.char_lstm import CharLSTM  # imports this module: import it here

    if not isinstance(model, (GPT, CharLSTM)):
        raise TypeError(
            "model must be a helpers.gpt.GPT or a helpers.char_lstm.CharLSTM, "
            f"got {type(model).__name__}"
        )
    steps = check_integer(steps, "steps", minimum=1)
    batch_size = check_integer(batch_size, "batch_size", minimum=1)
    lr = check_positive(lr, "lr")
    warmup_steps = steps // 20 if warmup_steps is None else warmup_steps
    min_lr = lr / 10 if min_lr is None else min_lr
    warmup_cosine(0, steps, warmup_steps, lr, min_lr)  # checks the schedule
    grad_clip = check_positive(grad_clip, "grad_clip")
    eval_every = check_integer(eval_every, "eval_every", minimum=1)
    if time_budget_s is not None:
        time_budget_s = check_positive(time_budget_s, "time_budget_s")
    device = torch.device(device) if device else next(model.parameters()).device
    model.to(device)
    block_size = model.config.block_size
    for name, ids in (("train_ids", train_ids), ("val_ids", val_ids)):
        if not isinstance(ids, np.ndarray):
            raise TypeError(
                f"{name} must be a NumPy array of token ids, got {type(ids).__name__}"
            )
        if len(ids) <= block_size:
            raise ValueError(
                f"{name} must hold more than block_size = {block_size} "
                f"tokens, got {len(ids)}"
            )

    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": weight_decay},
            {"params": no_decay, "weight_decay": 0.0},
        ],
        lr=lr,
        betas=betas,
    )
    rng = np.random.default_rng(seed)
    history = History()
    start = time.perf_counter()
    train_seconds, tokens, losses, initial_loss = 0.0, 0, [], None
    bar = tqdm(range(1, steps + 1), desc="train_gpt", disable=not progress, leave=False)
    model.train()
    for step in bar:
        elapsed = time.perf_counter() - start
        schedule_step = step - 1
        if time_budget_s is not None and schedule_step >= warmup_steps:
            # after the warm-up, the cosine follows the clock when it runs ahead
            by_time = warmup_steps + elapsed / time_budget_s * (steps - warmup_steps)
            schedule_step = max(schedule_step, int(by_time))
        step_lr = warmup_cosine(
            min(schedule_step, steps), steps, warmup_steps, lr, min_lr
        )
        for group in optimizer.param_groups:
            group["lr"] = step_lr

        step_start = time.perf_counter()
        x, y = windows(train_ids, block_size, batch_size, rng)
        x, y = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)
        _, loss = model(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        value = loss.item()  # waits for the device: the step is done
        train_seconds += time.perf_counter() - step_start
        tokens += batch_size * block_size
        initial_loss = value if initial_loss is None else initial_loss
        check_not_diverged(value, initial_loss, step, step_lr, history, lower_bound=0)
        losses.append(value)

        out_of_time = (
            time_budget_s is not None and time.perf_counter() - start >= time_budget_s
        )
        if step % eval_every == 0 or step == steps or out_of_time:
            val_loss = estimate_loss(
                model, val_ids, batch_size, eval_batches, device=device
            )
            history.log(
                step=step,
                train_loss=sum(losses) / len(losses),
                val_loss=val_loss,
                lr=step_lr,
                elapsed_s=time.perf_counter() - start,
                tokens_per_s=tokens / train_seconds,
            )
            losses = []
            bar.set_postfix(
                train=f"{history.last('train_loss'):.3f}", val=f"{val_loss:.3f}"
            )
        if out_of_time:
            break
    return history
