"""helpers.ngram: counts, smoothed probabilities, the exact loss and sampling."""

import math
from collections import Counter

import numpy as np
import pytest

from helpers.ngram import NGramModel
from helpers.text import CharVocabulary

TEXT = "to be or not to be, that is the question: whether 'tis nobler"


def _ids():
    vocab = CharVocabulary(TEXT)
    return vocab, vocab.encode(TEXT)


@pytest.mark.parametrize("order", [1, 2, 3])
def test_counts_equal_counting_substrings(order):
    vocab, ids = _ids()
    model = NGramModel(vocab.size, order=order).fit(ids)
    grams = Counter(TEXT[i : i + order] for i in range(len(TEXT) - order + 1))
    assert model.counts.sum() == len(TEXT) - order + 1
    for gram, count in grams.items():
        assert model.counts[tuple(vocab.encode(gram))] == count


@pytest.mark.parametrize("order, k", [(1, 0.5), (2, 1.0), (3, 0.1)])
def test_loss_is_the_exact_mean_of_smoothed_log_probabilities(order, k):
    vocab, ids = _ids()
    held_out = vocab.encode("not to be nobler, the question")
    model = NGramModel(vocab.size, order=order, k=k).fit(ids)
    V = vocab.size
    grams = Counter(TEXT[i : i + order] for i in range(len(TEXT) - order + 1))
    contexts = Counter(TEXT[i : i + order - 1] for i in range(len(TEXT) - order + 1))
    text = vocab.decode(held_out)
    expected = -np.mean(
        [
            math.log(
                (grams[text[t - order + 1 : t + 1]] + k)
                / (contexts[text[t - order + 1 : t]] + k * V)
            )
            for t in range(order - 1, len(text))
        ]
    )
    assert model.loss(held_out) == pytest.approx(expected, rel=1e-12)
    table = np.exp(model.log_probs())
    assert table.shape == (V ** (order - 1), V)
    assert np.allclose(table.sum(axis=1), 1.0)


def test_heavy_smoothing_tends_to_the_uniform_loss_and_light_to_the_counts():
    vocab, ids = _ids()
    uniform = NGramModel(vocab.size, order=2, k=1e9).fit(ids)
    assert uniform.loss(ids) == pytest.approx(math.log(vocab.size), rel=1e-6)
    light = NGramModel(vocab.size, order=2, k=1e-9).fit(ids)
    # on its own training text an almost unsmoothed bigram beats the unigram
    unigram = NGramModel(vocab.size, order=1, k=1e-9).fit(ids)
    assert light.loss(ids) < unigram.loss(ids) - 0.5


def test_sampling_follows_a_deterministic_bigram_and_keeps_the_prompt():
    vocab = CharVocabulary("abc")
    ids = vocab.encode("abc" * 50)
    model = NGramModel(vocab.size, order=2, k=1e-12).fit(ids)
    out = model.sample(vocab.encode("b"), 9, rng=3)
    assert vocab.decode(out) == "bcabcabcab"


def test_sampled_frequencies_match_the_unigram_probabilities():
    vocab = CharVocabulary("aab")
    model = NGramModel(vocab.size, order=1, k=1.0).fit(vocab.encode("aaaaaaab"))
    p_a = (7 + 1) / (8 + 2)
    out = model.sample(np.zeros(0, dtype=np.int64), 20_000, rng=0)
    assert abs(np.mean(out == 0) - p_a) < 0.01
    # a low temperature sharpens towards the most likely character
    cold = model.sample(np.zeros(0, dtype=np.int64), 2_000, rng=0, temperature=0.2)
    assert np.mean(cold == 0) > 0.99
    hot = model.sample(np.zeros(0, dtype=np.int64), 20_000, rng=0, temperature=100.0)
    assert abs(np.mean(hot == 0) - 0.5) < 0.02


def test_same_seed_same_sample():
    vocab, ids = _ids()
    model = NGramModel(vocab.size, order=3).fit(ids)
    a = model.sample(ids[:5], 40, rng=7)
    b = model.sample(ids[:5], 40, rng=7)
    assert np.array_equal(a, b) and len(a) == 45
