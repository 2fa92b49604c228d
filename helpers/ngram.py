"""Count-based n-gram language models: the baseline every language model must beat.

An n-gram model predicts the next character from the n - 1 characters before it and
nothing else, with probabilities read off a table of counts:

    p(c | context) = (N(context, c) + k) / (N(context) + k V)

where N counts how often the string ``context + c`` occurs in the training ids,
N(context) is the sum over c, V is the vocabulary size and k > 0 the *add-k
smoothing* (k = 1 is Laplace's rule): every character keeps a little probability, so
a pair never seen in training does not get probability 0 and an infinite loss.

    NGramModel(vocab_size, order=2, k=1.0)     order 1: unigram, 2: bigram, 3: trigram
        .fit(ids)                              count the training ids
        .log_probs()                           the whole table, (V ** (n - 1), V)
        .loss(ids)                             exact mean negative log-likelihood, nats
        .sample(prompt, length, rng, temperature)

The loss is exact: no sampling of windows, every position of the text that has a
full context is scored once. It is in nats per character, the unit of the
cross-entropy losses of the neural models, so the numbers compare directly.
"""

import math
from numbers import Real

import numpy as np

from helpers.checks import check_array, check_integer, check_rng

__all__ = ["NGramModel"]

#: the largest table ``NGramModel`` builds, in entries (V ** order)
MAX_TABLE = 50_000_000


def _check_ids(ids, name, vocab_size, minimum_length):
    check_array(ids, name, ndim=1, dtype="int", framework="numpy", allow_empty=True)
    if len(ids) < minimum_length:
        raise ValueError(
            f"{name} must hold at least {minimum_length} ids (a context of "
            f"{minimum_length - 1} and a next character), got {len(ids)}"
        )
    if len(ids) and (ids.min() < 0 or ids.max() >= vocab_size):
        bad = int(ids.min()) if ids.min() < 0 else int(ids.max())
        raise ValueError(
            f"{name} must hold ids in 0..{vocab_size - 1} for vocab_size = "
            f"{vocab_size}, got {bad}"
        )
    return ids.astype(np.int64, copy=False)


def _check_temperature(temperature):
    if isinstance(temperature, bool) or not isinstance(temperature, Real):
        raise TypeError(f"temperature must be a positive number, got {temperature!r}")
    if not math.isfinite(temperature) or temperature <= 0:
        raise ValueError(
            f"temperature must be a positive number, got {temperature!r} "
            f"(for the most likely character use a small temperature such as 0.01)"
        )
    return float(temperature)


class NGramModel:
    """A character n-gram model with add-k smoothing.

    Args:
        vocab_size: V, the number of character ids.
        order: n, the number of characters in a counted string: 1 (unigram, no
            context), 2 (bigram, one character of context), 3 (trigram, two).
        k: the smoothing count added to every entry, a number > 0.

    Attributes (after ``fit``):
        counts: (V,) * order int64, ``counts[a, b, c]`` = occurrences of ``a b c``.
    """

    def __init__(self, vocab_size, order=2, k=1.0):
        self.vocab_size = check_integer(vocab_size, "vocab_size", minimum=1)
        self.order = check_integer(order, "order", minimum=1)
        if self.vocab_size**self.order > MAX_TABLE:
            raise ValueError(
                f"order must keep the table of vocab_size ** order entries at most "
                f"{MAX_TABLE:,}, got {self.vocab_size} ** {self.order}"
            )
        if isinstance(k, bool) or not isinstance(k, Real):
            raise TypeError(f"k must be a positive number, got {k!r}")
        if not math.isfinite(k) or k <= 0:
            raise ValueError(
                f"k must be a positive number (add-k smoothing), got {k!r}"
            )
        self.k = float(k)
        self.counts = None

    def _flat_index(self, ids):
        """ids: (L,) -> (L - n + 1,) index of each n-gram in the flattened table."""
        n, V = self.order, self.vocab_size
        index = np.zeros(len(ids) - n + 1, dtype=np.int64)
        for j in range(n):
            index = index * V + ids[j : len(ids) - n + 1 + j]
        return index

    def fit(self, ids):
        """Count every n-gram of ``ids``: (L,) ints in 0..V-1, L >= order -> self."""
        ids = _check_ids(ids, "ids", self.vocab_size, self.order)
        size = self.vocab_size**self.order
        counts = np.bincount(self._flat_index(ids), minlength=size)
        self.counts = counts.reshape((self.vocab_size,) * self.order)
        return self

    def _check_fitted(self):
        if self.counts is None:
            raise RuntimeError(f"{self!r} must be fitted (call fit(ids)) first")

    def log_probs(self):
        """The table of log p(c | context): (V ** (order - 1), V), rows sum to 1.

        Row ``r`` is the context whose ids, read as a number in base V, give ``r``
        (for a trigram, ``r = a * V + b``); a unigram has one row.
        """
        self._check_fitted()
        V = self.vocab_size
        counts = self.counts.reshape(-1, V).astype(np.float64) + self.k
        return np.log(counts) - np.log(counts.sum(axis=1, keepdims=True))

    def loss(self, ids):
        """Exact mean negative log-likelihood of ``ids`` in nats per character.

        Every position t >= order - 1 of ``ids`` (L,) is predicted from the
        order - 1 ids before it; the mean is over those L - order + 1 predictions.
        """
        self._check_fitted()
        ids = _check_ids(ids, "ids", self.vocab_size, self.order)
        flat = self.log_probs().reshape(-1)
        return float(-flat[self._flat_index(ids)].mean())

    def sample(self, prompt, length, rng=None, temperature=1.0):
        """Continue ``prompt`` by ``length`` characters drawn from the model.

        Args:
            prompt: (P,) ids, P >= order - 1 (the last order - 1 are the context).
            length: how many ids to draw, >= 0.
            rng: a ``numpy.random.Generator`` or a seed (default 0).
            temperature: > 0; the log-probabilities are divided by it before they
                are normalised again (1: the model's own distribution; below 1:
                sharper; above 1: flatter).

        Returns:
            (P + length,) int64: the prompt and what followed.
        """
        self._check_fitted()
        prompt = _check_ids(prompt, "prompt", self.vocab_size, self.order - 1)
        length = check_integer(length, "length", minimum=0)
        temperature = _check_temperature(temperature)
        rng = check_rng(rng)
        logits = self.log_probs() / temperature  # (rows, V)
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        cumulative = np.cumsum(probs, axis=1)
        out = list(prompt)
        V, context = self.vocab_size, self.order - 1
        for u in rng.random(length):
            row = 0
            for a in out[len(out) - context :] if context else []:
                row = row * V + a
            c = int(np.searchsorted(cumulative[row], u * cumulative[row, -1]))
            out.append(min(c, V - 1))
        return np.array(out, dtype=np.int64)

    def __repr__(self):
        return f"NGramModel(vocab_size={self.vocab_size}, order={self.order}, k={self.k:g})"
