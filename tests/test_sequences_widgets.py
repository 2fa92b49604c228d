"""helpers.plot.sequences and helpers.widgets.sequences: the chapter-6 figures and the
sampler explorer."""

import matplotlib

matplotlib.use("Agg")  # no display needed; must come before pyplot is imported

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from helpers.char_lstm import CharLSTM, CharLSTMConfig  # noqa: E402
from helpers.plot.sequences import plot_gradient_decay, plot_text_sample  # noqa: E402
from helpers.text import CharVocabulary  # noqa: E402
from helpers.widgets.sequences import (  # noqa: E402
    sample_text,
    sampler_explorer,
    sampler_figure,
)

TEXT = "to be or not to be, that is the question\n"


@pytest.fixture
def model_and_vocab():
    vocab = CharVocabulary(TEXT)
    torch.manual_seed(0)
    model = CharLSTM(
        CharLSTMConfig(vocab_size=vocab.size, block_size=8, n_embd=4, hidden_size=8)
    )
    return model, vocab


def test_gradient_decay_draws_a_median_and_a_band_per_cell():
    norms = {
        "tanh RNN": np.array([[1.0, 0.1, 0.01], [1.0, 0.2, 0.03]]),
        "LSTM": np.array([1.0, 0.9, 0.8]),
    }
    ax = plot_gradient_decay(norms)
    lines = ax.get_lines()
    assert len(lines) == 2
    assert np.allclose(lines[0].get_ydata(), [1.0, 0.15, 0.02])
    assert len(ax.collections) == 1  # one band: only the RNN has several seeds
    assert ax.get_yscale() == "log"
    plt.close(ax.figure)


def test_gradient_decay_errors():
    with pytest.raises(ValueError, match="norms must be a non-empty dict"):
        plot_gradient_decay([1.0, 0.5])
    with pytest.raises(ValueError, match="finite and positive"):
        plot_gradient_decay({"RNN": [1.0, 0.0]})
    with pytest.raises(ValueError, match=r"must be \(K,\) or \(seeds, K\)"):
        plot_gradient_decay({"RNN": np.ones((2, 2, 2))})


def test_text_sample_wraps_and_cuts_long_text():
    ax = plot_text_sample("a" * 200 + "\nline\n" * 30, width=50, max_lines=5)
    shown = ax.texts[0].get_text().split("\n")
    assert shown[:4] == ["a" * 50] * 4 and shown[-1] == "..." and len(shown) == 6
    plt.close(ax.figure)
    with pytest.raises(TypeError, match="text must be a str"):
        plot_text_sample(3)


def test_sample_text_is_repeatable_and_keeps_the_prompt(model_and_vocab):
    model, vocab = model_and_vocab
    a = sample_text(model, vocab, "to be", 30, temperature=0.8, seed=3)
    b = sample_text(model, vocab, "to be", 30, temperature=0.8, seed=3)
    assert a == b and a.startswith("to be") and len(a) == 35
    greedy = {sample_text(model, vocab, "to", 20, top_k=1, seed=s) for s in range(3)}
    assert len(greedy) == 1  # top-1 is greedy: the seed does not matter
    fig = sampler_figure(model, vocab, "to be", 20, 0.5, 3)
    assert "temperature 0.5, top-3" in fig.axes[0].get_title()
    plt.close(fig)


def test_sample_text_errors(model_and_vocab):
    model, vocab = model_and_vocab
    with pytest.raises(ValueError, match="temperature must be a positive number"):
        sample_text(model, vocab, "to", 5, temperature=0)
    with pytest.raises(ValueError, match="'Z' at position 0"):
        sample_text(model, vocab, "Z", 5)
    with pytest.raises(ValueError, match="prompt must be a non-empty str"):
        sample_text(model, vocab, "", 5)
    with pytest.raises(ValueError, match="vocabulary must have the model's vocab_size"):
        sample_text(model, CharVocabulary("ab"), "a", 5)
    with pytest.raises(TypeError, match="model must be a language model"):
        sample_text("model", vocab, "a", 5)


def test_sampler_explorer_is_live_and_drawn_in_advance(model_and_vocab):
    from helpers.widgets.static import Fixed, Menu, Slider

    model, vocab = model_and_vocab
    box = sampler_explorer(
        model,
        vocab,
        ["to be", "the "],
        length=40,
        web_temperatures=(0.5, 1.0),
        web_top_ks=(None, 3),
    )
    prompt, temperature, top_k, length = box.static.controls
    assert isinstance(prompt, Menu) and prompt.values == ("to be", "the ")
    assert isinstance(temperature, Slider) and temperature.values == (0.5, 1.0)
    assert isinstance(top_k, Menu) and top_k.options == {"all": None, "top-3": 3}
    assert isinstance(length, Fixed) and length.value == 40
    assert len(box.static.frames) == 8
    bundle = box._repr_mimebundle_()
    assert "text/html" in bundle
    assert "application/vnd.jupyter.widget-view+json" in bundle
    before = box.figure.axes[0].texts[0].get_text()
    box.children[0].children[0].value = "the "  # the prompt menu redraws
    after = box.figure.axes[0].texts[0].get_text()
    assert before.startswith("to be") and after.startswith("the ")
    live_only = sampler_explorer(model, vocab, ["to", "be"], length=10, web=False)
    assert live_only.static is None


def test_sampler_explorer_errors(model_and_vocab):
    model, vocab = model_and_vocab
    with pytest.raises(ValueError, match="prompts must be a list of at least two"):
        sampler_explorer(model, vocab, ["to be"], web=False)
    with pytest.raises(ValueError, match="unknown character"):
        sampler_explorer(model, vocab, ["to be", "XY"], web=False)
    with pytest.raises(ValueError, match="temperature must be a positive number"):
        sampler_explorer(model, vocab, ["to", "be"], web_temperatures=(0.0, 1.0))
    with pytest.raises(ValueError, match="top_k must be at most"):
        sampler_explorer(model, vocab, ["to", "be"], web_top_ks=(None, 500))
