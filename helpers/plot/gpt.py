"""Figures of a language model's sampling (chapter 7b).

sampling_probabilities(logits, temperature, top_k)   the distribution drawn from
plot_next_token_distribution(probs, chars, ax=...)   its largest bars
plot_sample_text(text, ax=...)                       a sample, wrapped, in an axes
"""

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

from helpers.checks import check_array, check_integer
from helpers.gpt import check_sampling

__all__ = [
    "sampling_probabilities",
    "plot_next_token_distribution",
    "plot_sample_text",
]


def sampling_probabilities(logits, temperature=1.0, top_k=None):
    """The distribution ``helpers.gpt.sample_next`` draws from, as NumPy.

    logits: (V,) tensor or array -> (V,) float64 probabilities: softmax of
    logits / temperature over the ``top_k`` largest logits, 0 elsewhere.
    """
    logits = torch.as_tensor(logits, dtype=torch.float64)
    if logits.ndim != 1 or logits.numel() == 0:
        raise ValueError(
            f"logits must have shape (V,) with V >= 1, got {tuple(logits.shape)}"
        )
    _, top_k = check_sampling(0, temperature, top_k, None, logits.numel())
    scaled = logits / temperature
    if top_k is not None:
        kth = torch.topk(scaled, top_k).values[-1]
        scaled = scaled.masked_fill(scaled < kth, float("-inf"))
    return F.softmax(scaled, dim=0).numpy()


def _shown(char):
    return {"\n": "\\n", " ": "␣"}.get(char, char)


def plot_next_token_distribution(probs, chars, bars=15, ax=None, title=None):
    """Bar chart of the ``bars`` most likely next characters.

    probs: (V,) probabilities; chars: the V characters (``CharVocabulary.chars``).
    Spaces are drawn as ␣ and newlines as \\n. Returns the axes.
    """
    check_array(probs, "probs", ndim=1, framework="numpy")
    if len(chars) != len(probs):
        raise ValueError(
            f"chars must hold one character per probability ({len(probs)}), "
            f"got {len(chars)}"
        )
    bars = min(check_integer(bars, "bars", minimum=1), len(probs))
    order = np.argsort(-probs, kind="stable")[:bars]
    ax = ax or plt.subplots(figsize=(6, 3.5))[1]
    ax.bar(range(bars), probs[order], color="C0")
    ax.set_xticks(range(bars), [_shown(chars[i]) for i in order])
    ax.set_ylim(0, 1)
    ax.set_xlabel("next character (most likely first)")
    ax.set_ylabel("probability")
    kept = int((probs > 0).sum())
    ax.set_title(title or f"the distribution sampled from ({kept} characters > 0)")
    return ax


def plot_sample_text(text, ax=None, title="a sample", width=46):
    """Draw ``text`` wrapped to ``width`` columns in an axes without ticks."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    ax = ax or plt.subplots(figsize=(5, 3.5))[1]
    lines = []
    for line in text.split("\n"):
        lines.extend(textwrap.wrap(line, width) or [""])
    ax.text(
        0.02,
        0.97,
        "\n".join(lines[:14]),
        family="monospace",
        fontsize=9,
        va="top",
        transform=ax.transAxes,
    )
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel(f"{len(text)} characters")
    ax.set_ylabel("text")
    ax.set_title(title)
    return ax
