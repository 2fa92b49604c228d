"""A character-level LSTM language model, the recurrent baseline of chapters 6 and 7.

    CharLSTMConfig   the sizes: vocabulary, window length, embedding, hidden, layers
    CharLSTM         embedding -> LSTM -> linear: logits of the next character

Shapes use B for the batch, T for the sequence length, V = vocab_size, E = n_embd,
H = hidden_size and L = num_layers.

The model reads and predicts the same way as ``helpers.gpt.GPT``: ``forward(idx,
targets)`` returns ``(logits, loss)``, ``generate`` takes the same arguments, and
``helpers.gpt.train_gpt`` trains either one with the same loop, so chapter 7 can set
a transformer and this LSTM side by side at equal training time.

Unlike the transformer, the LSTM has no limit on the context it reads: its state is
carried from one character to the next. ``block_size`` is only the length of the
training windows, i.e. how far back backpropagation through time reaches. ``run``
takes and returns that state, for truncated BPTT over consecutive windows and for
generation one character at a time.

This is *not* GPT-2: GPT-2 is a decoder-only transformer reading byte-level BPE
tokens (chapter 7); this is a recurrent network reading characters.
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from helpers.checks import check_integer, check_number
from helpers.gpt import check_sampling, check_token_ids, sample_next

__all__ = ["CharLSTMConfig", "CharLSTM"]


@dataclass
class CharLSTMConfig:
    """The sizes of a ``CharLSTM``.

    Args:
        vocab_size: V, the number of token ids (65 characters for Shakespeare).
        block_size: T, the length of the training windows (how far truncated BPTT
            reaches back); generation is not limited by it.
        n_embd: E, the width of the character embedding.
        hidden_size: H, the width of the LSTM's hidden and cell states.
        num_layers: L, stacked LSTM layers.
        dropout: in [0, 1), between stacked layers and before the output layer.
    """

    vocab_size: int
    block_size: int
    n_embd: int = 64
    hidden_size: int = 256
    num_layers: int = 1
    dropout: float = 0.0

    def __post_init__(self):
        for name in ("vocab_size", "block_size", "n_embd", "hidden_size", "num_layers"):
            setattr(self, name, check_integer(getattr(self, name), name, minimum=1))
        dropout = check_number(self.dropout, "dropout", low=0, high=1)
        if dropout == 1:
            raise ValueError("dropout must be a probability in [0, 1), got 1")
        self.dropout = dropout


class CharLSTM(nn.Module):
    """An LSTM language model over characters.

        idx (B, T) token ids
        -> embedding                 (B, T, E)
        -> LSTM, L layers            (B, T, H)   state (h, c), each (L, B, H)
        -> dropout, linear           (B, T, V)   logits of the next token

    Parameters keep PyTorch's names: ``embedding.weight`` (V, E), ``lstm.weight_ih_l0``
    (4H, E), ``lstm.weight_hh_l0`` (4H, H), ``lstm.bias_ih_l0`` and ``lstm.bias_hh_l0``
    (4H,), ``head.weight`` (V, H) and ``head.bias`` (V,).
    """

    def __init__(self, config):
        super().__init__()
        if not isinstance(config, CharLSTMConfig):
            raise TypeError(
                f"config must be a CharLSTMConfig, got {type(config).__name__}"
            )
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.n_embd)
        self.lstm = nn.LSTM(
            config.n_embd,
            config.hidden_size,
            num_layers=config.num_layers,
            dropout=config.dropout if config.num_layers > 1 else 0.0,
            batch_first=True,
        )
        self.drop = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.hidden_size, config.vocab_size)

    def num_parameters(self):
        """The number of parameters: V E + L (4H (E or H) + 4H H + 8H) + V H + V."""
        return sum(p.numel() for p in self.parameters())

    def _check_state(self, state, batch):
        if state is None:
            return
        expected = (self.config.num_layers, batch, self.config.hidden_size)
        if not (isinstance(state, tuple) and len(state) == 2):
            raise TypeError(
                f"state must be a tuple (h, c) of tensors of shape {expected}, "
                f"got {type(state).__name__}"
            )
        for name, tensor in zip(("h", "c"), state):
            if not isinstance(tensor, torch.Tensor):
                raise TypeError(
                    f"state's {name} must be a torch.Tensor, got {type(tensor).__name__}"
                )
            if tuple(tensor.shape) != expected:
                raise ValueError(
                    f"state's {name} must have shape (num_layers, B, hidden_size) = "
                    f"{expected}, got {tuple(tensor.shape)}"
                )

    def run(self, idx, state=None):
        """idx: (B, T) token ids, state: None or (h, c) -> (logits (B, T, V), state).

        ``state`` is where the previous window ended (None: zeros). Detach it
        (``tuple(s.detach() for s in state)``) before the next window to truncate
        backpropagation through time there.
        """
        check_token_ids(idx, "idx", self.config.vocab_size)
        self._check_state(state, idx.shape[0])
        x = self.embedding(idx.long())  # (B, T, E)
        out, state = self.lstm(x, state)  # (B, T, H)
        return self.head(self.drop(out)), state  # (B, T, V)

    def forward(self, idx, targets=None):
        """idx: (B, T) token ids -> (logits (B, T, V), loss or None).

        Each window starts from the zero state. With ``targets`` (B, T), ``loss`` is
        the mean cross-entropy in nats per token.
        """
        logits, _ = self.run(idx)
        if targets is None:
            return logits, None
        check_token_ids(targets, "targets", self.config.vocab_size)
        if tuple(targets.shape) != tuple(idx.shape):
            raise ValueError(
                f"targets must have the shape of idx, {tuple(idx.shape)}, "
                f"got {tuple(targets.shape)}"
            )
        B, T, V = logits.shape
        loss = F.cross_entropy(logits.reshape(B * T, V), targets.reshape(B * T).long())
        return logits, loss

    @torch.no_grad()
    def generate(
        self, idx, max_new_tokens, temperature=1.0, top_k=None, generator=None
    ):
        """Continue each prompt by ``max_new_tokens`` sampled tokens.

        The prompt is read once; then each new token is fed with the carried state,
        so every step costs the same whatever the length so far. Sampling as in
        ``helpers.gpt.GPT.generate``: logits divided by ``temperature``, the
        ``top_k`` largest kept (``top_k=1``: greedy), drawn from the softmax.

        Args:
            idx: (B, T) int64 prompts, T >= 1.
            max_new_tokens: >= 0. temperature: > 0. top_k: None or 1 .. vocab_size.
            generator: a ``torch.Generator`` for repeatable samples.

        Returns:
            (B, T + max_new_tokens) int64: the prompts and what followed.
        """
        check_token_ids(idx, "idx", self.config.vocab_size)
        max_new_tokens, top_k = check_sampling(
            max_new_tokens, temperature, top_k, generator, self.config.vocab_size
        )
        was_training = self.training
        self.eval()
        idx = idx.long()
        logits, state = self.run(idx)
        for _ in range(max_new_tokens):
            next_token = sample_next(logits[:, -1, :], temperature, top_k, generator)
            idx = torch.cat([idx, next_token], dim=1)
            logits, state = self.run(next_token, state)
        self.train(was_training)
        return idx
