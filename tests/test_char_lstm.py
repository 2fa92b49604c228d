"""helpers.char_lstm: the character LSTM language model of chapters 6 and 7."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers.char_lstm import CharLSTM, CharLSTMConfig
from helpers.gpt import sample_next, train_gpt


def _model(seed=0, **sizes):
    torch.manual_seed(seed)
    config = dict(vocab_size=11, block_size=8, n_embd=6, hidden_size=10)
    config.update(sizes)
    return CharLSTM(CharLSTMConfig(**config))


def test_parameter_names_and_count_follow_pytorch():
    model = _model(num_layers=2)
    shapes = {name: tuple(p.shape) for name, p in model.named_parameters()}
    assert shapes["embedding.weight"] == (11, 6)
    assert shapes["lstm.weight_ih_l0"] == (40, 6)
    assert shapes["lstm.weight_hh_l0"] == (40, 10)
    assert shapes["lstm.weight_ih_l1"] == (40, 10)
    assert shapes["lstm.bias_ih_l1"] == (40,) and shapes["lstm.bias_hh_l1"] == (40,)
    assert shapes["head.weight"] == (11, 10)
    V, E, H = 11, 6, 10
    by_formula = V * E + (4 * H * E + 4 * H * H + 8 * H) + (4 * H * H * 2 + 8 * H)
    assert model.num_parameters() == by_formula + V * H + V


def test_loss_is_the_mean_cross_entropy_of_the_logits():
    model = _model()
    idx = torch.randint(0, 11, (3, 8), generator=torch.Generator().manual_seed(1))
    targets = torch.roll(idx, -1, dims=1)
    logits, loss = model(idx, targets)
    assert logits.shape == (3, 8, 11)
    expected = F.cross_entropy(logits.reshape(-1, 11), targets.reshape(-1))
    assert torch.allclose(loss, expected)
    # an untrained model is close to uniform over the vocabulary
    assert abs(loss.item() - np.log(11)) < 0.3


def test_carried_state_equals_reading_the_whole_sequence():
    model = _model(num_layers=2).eval()
    idx = torch.randint(0, 11, (2, 12), generator=torch.Generator().manual_seed(2))
    whole, _ = model.run(idx)
    first, state = model.run(idx[:, :5])
    second, _ = model.run(idx[:, 5:], state)
    assert torch.allclose(torch.cat([first, second], dim=1), whole, atol=1e-6)


def test_greedy_generation_equals_the_argmax_of_rereading_the_context():
    model = _model().eval()
    prompt = torch.tensor([[1, 2, 3]])
    out = model.generate(prompt, 6, top_k=1)
    assert out.shape == (1, 9) and torch.equal(out[:, :3], prompt)
    for t in range(3, 9):
        logits, _ = model(out[:, :t])
        assert out[0, t].item() == logits[0, -1].argmax().item()


def test_generation_is_repeatable_with_a_generator_and_not_cut_at_block_size():
    model = _model()
    prompt = torch.zeros(2, 1, dtype=torch.long)
    a = model.generate(prompt, 20, generator=torch.Generator().manual_seed(0))
    b = model.generate(prompt, 20, generator=torch.Generator().manual_seed(0))
    assert torch.equal(a, b) and a.shape == (2, 21)  # longer than block_size 8
    assert model.training  # generate restores the mode


def test_sample_next_divides_by_temperature_before_the_softmax():
    logits = torch.tensor([[2.0, 1.0, 0.0]])
    draws = torch.cat(
        [
            sample_next(logits, 0.5, generator=torch.Generator().manual_seed(s))
            for s in range(3000)
        ]
    )
    frequencies = torch.bincount(draws[:, 0], minlength=3).float() / 3000
    expected = torch.softmax(logits[0] / 0.5, dim=0)
    assert torch.allclose(frequencies, expected, atol=0.03)
    top1 = sample_next(logits, 5.0, top_k=1, generator=torch.Generator())
    assert top1.item() == 0


def test_train_gpt_trains_the_lstm_below_the_uniform_loss():
    text = np.tile(np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 60)
    model = _model()
    history = train_gpt(
        model, text, text, steps=60, batch_size=8, lr=1e-2, progress=False
    )
    assert history.last("val_loss") < 0.5 * np.log(11)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda m: m.run(torch.tensor([1, 2])), r"shape \(B, T\), got \(2,\)"),
        (lambda m: m.run(torch.tensor([[1, 11]])), "token ids in 0..10"),
        (lambda m: m.run(torch.tensor([[1.0, 2.0]])), "integer token ids"),
        (
            lambda m: m.run(torch.tensor([[1, 2]] * 3), (torch.zeros(1, 1, 10),) * 2),
            r"state's h must have shape \(num_layers, B, hidden_size\) = \(1, 3, 10\)",
        ),
        (
            lambda m: m.run(torch.tensor([[1, 2]]), torch.zeros(1, 1, 10)),
            "state must be a tuple",
        ),
        (lambda m: m.generate(torch.tensor([[1]]), 3, temperature=0), "temperature"),
        (lambda m: m.generate(torch.tensor([[1]]), 3, top_k=12), "top_k must be"),
        (lambda m: m.generate(torch.zeros(1, 0, dtype=torch.long), 3), "at least"),
    ],
)
def test_bad_input_is_named(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call(_model())


def test_bad_config_is_named():
    with pytest.raises(ValueError, match="hidden_size"):
        CharLSTMConfig(vocab_size=5, block_size=4, hidden_size=0)
    with pytest.raises(ValueError, match="dropout"):
        CharLSTMConfig(vocab_size=5, block_size=4, dropout=1.0)
    with pytest.raises(TypeError, match="CharLSTMConfig"):
        CharLSTM({"vocab_size": 5})
