"""Clear errors for chapter 6's helpers: text, recurrent layers, n-grams, sampling."""

import numpy as np
import pytest
import torch

from helpers.char_lstm import CharLSTM, CharLSTMConfig
from helpers.ngram import NGramModel
from helpers.numpy_nn.rnn import GRU, LSTM, RNN
from helpers.text import CharVocabulary


def test_unknown_characters_are_named_with_their_positions():
    vocab = CharVocabulary("abc")
    with pytest.raises(ValueError, match=r"'z' at position 1.*'é' at position 3"):
        vocab.encode("azaé")


@pytest.mark.parametrize(
    "batch_first, layout", [(True, r"\(N, T, D\)"), (False, r"\(T, N, D\)")]
)
@pytest.mark.parametrize("layer", [RNN, LSTM, GRU])
def test_a_sequence_of_the_wrong_rank_names_the_expected_layout(
    layer, batch_first, layout
):
    net = layer(3, 4, batch_first=batch_first)
    with pytest.raises(
        ValueError, match=rf"x must have shape {layout}.*got shape \(5, 3\)"
    ):
        net.forward(np.zeros((5, 3)))


@pytest.mark.parametrize("layer", [RNN, GRU])
def test_mismatched_hidden_state_shapes(layer):
    net = layer(3, 4, num_layers=2)
    with pytest.raises(ValueError, match=r"hx must have shape.*\(2, 5, 4\).*got"):
        net.forward(np.zeros((6, 5, 3)), np.zeros((1, 5, 4)))


def test_mismatched_lstm_cell_state_shape():
    net = LSTM(3, 4)
    with pytest.raises(ValueError, match=r"c_0 must have shape.*\(1, 5, 4\).*got"):
        net.forward(np.zeros((6, 5, 3)), (np.zeros((1, 5, 4)), np.zeros((1, 5, 3))))


def test_char_lstm_state_of_the_wrong_shape():
    model = CharLSTM(
        CharLSTMConfig(vocab_size=5, block_size=4, n_embd=3, hidden_size=6)
    )
    idx = torch.zeros((2, 4), dtype=torch.int64)
    state = (torch.zeros(1, 3, 6), torch.zeros(1, 3, 6))
    with pytest.raises(ValueError, match=r"state's h must have shape .*\(1, 2, 6\)"):
        model.run(idx, state)


@pytest.mark.parametrize("temperature", [0, -1.0, float("nan")])
def test_temperature_must_be_positive(temperature):
    model = CharLSTM(
        CharLSTMConfig(vocab_size=5, block_size=4, n_embd=3, hidden_size=6)
    )
    with pytest.raises(ValueError, match="temperature must be a positive number"):
        model.generate(
            torch.zeros((1, 2), dtype=torch.int64), 3, temperature=temperature
        )
    ngram = NGramModel(5, order=2).fit(np.arange(5))
    with pytest.raises(ValueError, match="temperature must be a positive number"):
        ngram.sample(np.array([1]), 3, temperature=temperature)


def test_ngram_bad_arguments():
    with pytest.raises(ValueError, match="k must be a positive number"):
        NGramModel(5, order=2, k=0)
    with pytest.raises(TypeError, match="k must be a positive number"):
        NGramModel(5, order=2, k="1")
    with pytest.raises(ValueError, match="order must be"):
        NGramModel(5, order=0)
    with pytest.raises(ValueError, match="order must keep the table"):
        NGramModel(65, order=6)
    model = NGramModel(5, order=3)
    with pytest.raises(RuntimeError, match="must be fitted"):
        model.loss(np.arange(5))
    with pytest.raises(ValueError, match=r"ids must hold ids in 0..4 .* got 7"):
        model.fit(np.array([1, 2, 7]))
    with pytest.raises(ValueError, match="ids must hold at least 3 ids"):
        model.fit(np.array([1, 2]))
    with pytest.raises(TypeError, match="ids must"):
        model.fit([1, 2, 3])
    model.fit(np.arange(5))
    with pytest.raises(ValueError, match="prompt must hold at least 2 ids"):
        model.sample(np.array([1]), 4)
