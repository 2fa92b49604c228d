"""helpers.plot.gpt and helpers.widgets.gpt: the sampling figures and explorer."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from helpers.gpt import GPT, GPTConfig, sample_next  # noqa: E402
from helpers.plot import check_figure  # noqa: E402
from helpers.plot.gpt import (  # noqa: E402
    plot_next_token_distribution,
    plot_sample_text,
    sampling_probabilities,
)
from helpers.text import CharVocabulary  # noqa: E402
from helpers.widgets.gpt import sampling_explorer, sampling_figure  # noqa: E402

TEXT = "to be or not to be, that is the question\n"


@pytest.fixture(scope="module")
def model_and_vocabulary():
    vocabulary = CharVocabulary(TEXT)
    torch.manual_seed(0)
    config = GPTConfig(vocabulary.size, block_size=16, n_layer=1, n_head=2, n_embd=16)
    return GPT(config).eval(), vocabulary


def test_sampling_probabilities_are_those_sample_next_draws_from():
    logits = torch.tensor([2.0, 1.0, 0.5, -1.0, 0.0])
    for temperature, top_k in [(1.0, None), (0.5, 2), (2.0, 4), (1.0, 1)]:
        probs = sampling_probabilities(logits, temperature, top_k)
        assert abs(probs.sum() - 1) < 1e-12
        if top_k is not None:
            assert (probs > 0).sum() == top_k
        generator = torch.Generator().manual_seed(0)
        draws = sample_next(
            logits.expand(20_000, 5), temperature, top_k, generator=generator
        )
        frequencies = np.bincount(draws[:, 0].numpy(), minlength=5) / 20_000
        np.testing.assert_allclose(frequencies, probs, atol=0.015)
    # a low temperature sharpens, a high one flattens
    assert sampling_probabilities(logits, 0.1)[0] > 0.99
    assert sampling_probabilities(logits, 100.0).max() < 0.21


def test_sampling_probabilities_refuse_bad_arguments():
    with pytest.raises(ValueError, match="temperature must be a positive number"):
        sampling_probabilities(torch.zeros(3), 0.0)
    with pytest.raises(ValueError, match="top_k must be at most vocab_size = 3"):
        sampling_probabilities(torch.zeros(3), 1.0, 4)
    with pytest.raises(ValueError, match=r"logits must have shape \(V,\)"):
        sampling_probabilities(torch.zeros(2, 3))


def test_the_bar_chart_shows_the_largest_probabilities_first():
    probs = np.array([0.1, 0.6, 0.0, 0.3])
    ax = plot_next_token_distribution(probs, ["a", " ", "\n", "b"], bars=3)
    heights = [bar.get_height() for bar in ax.patches]
    assert heights == [0.6, 0.3, 0.1]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["␣", "b", "a"]
    assert "3 characters > 0" in ax.get_title()
    check_figure(ax)
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="chars must hold one character per"):
        plot_next_token_distribution(probs, ["a"])
    with pytest.raises(TypeError, match="text must be a str"):
        plot_sample_text(3)


def test_the_sampling_figure_shows_the_prompt_and_a_repeatable_sample(
    model_and_vocabulary,
):
    model, vocabulary = model_and_vocabulary
    fig = sampling_figure(model, vocabulary, "to be", 0.8, 5, new_chars=30, seed=1)
    check_figure(fig)
    left, right = fig.axes
    assert len(left.patches) == 15 and "T = 0.8, k = 5" in left.get_title()
    shown = right.texts[0].get_text()
    assert shown.startswith("to be")
    again = sampling_figure(model, vocabulary, "to be", 0.8, 5, new_chars=30, seed=1)
    assert again.axes[1].texts[0].get_text() == shown
    plt.close("all")


def test_the_explorer_is_drawn_in_advance_and_redraws(model_and_vocabulary):
    model, vocabulary = model_and_vocabulary
    box = sampling_explorer(model, vocabulary, "to be", new_chars=20)
    assert box.static is not None
    html = box.static.to_html()
    assert "temperature" in html and "top-k" in html
    assert len(box.static.frames) == 9
    first = box.figure
    box.children[0].children[0].value = 1.5
    assert box.figure is not first
    live_only = sampling_explorer(model, vocabulary, "to be", new_chars=5, web=False)
    assert live_only.static is None
    plt.close("all")


def test_the_explorer_refuses_bad_arguments(model_and_vocabulary):
    model, vocabulary = model_and_vocabulary
    with pytest.raises(ValueError, match="prompt must be a non-empty str"):
        sampling_figure(model, vocabulary, "")
    with pytest.raises(ValueError, match="text must contain only characters"):
        sampling_figure(model, vocabulary, "XYZ")
    with pytest.raises(TypeError, match="model must be a helpers.gpt.GPT"):
        sampling_figure(torch.nn.Linear(2, 2), vocabulary, "to")
    with pytest.raises(TypeError, match="vocabulary must be a helpers.text"):
        sampling_figure(model, "abc", "to")
    with pytest.raises(ValueError, match="vocabulary must have the model's"):
        sampling_figure(model, CharVocabulary("ab"), "ab")
