"""The reversal task, the encoder-decoder, its attention figures and its viewer."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from helpers import seq2seq  # noqa: E402
from helpers.plot.attention import (  # noqa: E402
    plot_attention,
    plot_attention_heads,
    plot_score_variance,
)
from helpers.widgets.attention import (  # noqa: E402
    attention_explorer,
    attention_figure,
    collect_attention,
    cross_attention_alignment,
)


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
    plt.close("all")


@pytest.fixture(scope="module")
def splits():
    return seq2seq.reversal_splits(3000, 200, 200, min_len=2, max_len=5, seed=0)


@pytest.fixture(scope="module")
def trained(splits):
    torch.manual_seed(0)
    model = seq2seq.Seq2SeqTransformer(
        d_model=32, nhead=2, num_layers=2, dim_feedforward=64, max_len=6
    )
    losses = seq2seq.train_seq2seq(model, splits[0], steps=300, batch_size=64, lr=5e-3)
    return model, losses


# ------------------------------------------------------------------------- the data
def test_the_arrays_spell_the_task():
    data = seq2seq.make_reversal_data(["407", "12"], max_len=4)
    D = seq2seq.DIGIT0
    P, B, E, S = seq2seq.PAD, seq2seq.BOS, seq2seq.EOS, seq2seq.SEP
    np.testing.assert_array_equal(data.src[0], [P, S, D + 4, D + 0, D + 7])
    np.testing.assert_array_equal(data.src[1], [P, P, S, D + 1, D + 2])
    np.testing.assert_array_equal(data.tgt_in[0], [B, D + 7, D + 0, D + 4, P])
    np.testing.assert_array_equal(data.tgt_out[0], [D + 7, D + 0, D + 4, E, P])
    np.testing.assert_array_equal(data.tgt_out[1], [D + 2, D + 1, E, P, P])
    # the decoder's input is the target shifted right by one, after BOS
    np.testing.assert_array_equal(
        data.tgt_in[:, 1:], np.where(data.tgt_out[:, :-1] == E, P, data.tgt_out[:, :-1])
    )
    assert seq2seq.decode_digits(data.tgt_out[0]) == "704"
    assert seq2seq.token_labels(data.src[1]) == ["·", "·", "|", "1", "2"]


def test_the_last_digit_always_sits_at_the_last_source_position(splits):
    train = splits[0]
    assert np.all(train.src[:, -1] >= seq2seq.DIGIT0)
    lengths = np.array([len(s) for s in train.strings])
    S = train.src.shape[1]
    assert np.all(train.src[np.arange(len(lengths)), S - 1 - lengths] == seq2seq.SEP)


def test_splits_share_no_string_and_are_repeatable(splits):
    train, val, test = (set(s.strings) for s in splits)
    assert not (train & val) and not (train & test) and not (val & test)
    assert len(train) == 3000 and len(val) == 200
    again = seq2seq.reversal_splits(3000, 200, 200, min_len=2, max_len=5, seed=0)
    assert again[1].strings == splits[1].strings
    other = seq2seq.reversal_splits(3000, 200, 200, min_len=2, max_len=5, seed=1)
    assert other[1].strings != splits[1].strings
    lengths = {len(s) for s in splits[0].strings}
    assert lengths == {2, 3, 4, 5}


# ------------------------------------------------------------------------ the model
def test_the_decoder_is_causal():
    torch.manual_seed(0)
    model = seq2seq.Seq2SeqTransformer(d_model=16, nhead=2, max_len=6).eval()
    src = torch.tensor([[3, 5, 6, 7]])
    tgt = torch.tensor([[1, 7, 6, 5]])
    changed = tgt.clone()
    changed[0, 3] = 9
    a, b = model(src, tgt), model(src, changed)
    torch.testing.assert_close(a[:, :3], b[:, :3])
    assert not torch.allclose(a[:, 3], b[:, 3])
    for w in model.attention_weights()["decoder"]:
        assert torch.all(w[..., torch.ones(4, 4).triu(1).bool()] == 0)


def test_padding_gets_no_attention_and_does_not_change_the_output():
    torch.manual_seed(0)
    model = seq2seq.Seq2SeqTransformer(d_model=16, nhead=2, max_len=8).eval()
    short = seq2seq.make_reversal_data(["123"], max_len=3)
    long = seq2seq.make_reversal_data(["123"], max_len=6)  # 3 more pads, on the left
    src_s, src_l = torch.tensor(short.src), torch.tensor(long.src)
    tgt = torch.tensor(short.tgt_in)
    model(src_l, tgt)
    weights = model.attention_weights()
    for w in weights["cross"] + weights["encoder"]:
        assert torch.all(w[..., :3] == 0)  # the three pads
    # with learned positions the pads shift the source, so compare position-free:
    # the same source under both paddings gives rows that sum to one over real keys
    for w in weights["cross"]:
        torch.testing.assert_close(w.sum(-1), torch.ones_like(w.sum(-1)))
    assert model(src_s, tgt).shape == (1, 4, seq2seq.VOCAB_SIZE)


def test_sinusoidal_positions_are_the_fixed_table():
    from helpers.numpy_nn.attention import sinusoidal_positions

    model = seq2seq.Seq2SeqTransformer(
        d_model=16, nhead=2, max_len=6, positions="sinusoidal"
    )
    np.testing.assert_allclose(
        model.src_pos.numpy(), sinusoidal_positions(6, 16), rtol=1e-6, atol=1e-6
    )
    assert "src_pos" not in dict(model.named_parameters())


def test_training_learns_to_reverse(trained, splits):
    model, losses = trained
    assert np.mean(losses[:10]) > 2.0 and np.mean(losses[-10:]) < 0.3
    accuracy = seq2seq.sequence_accuracy(model, splits[1])
    assert accuracy > 0.8
    out = seq2seq.greedy_decode(model, torch.tensor(splits[1].src[:5]))
    for row, s in zip(out, splits[1].strings[:5]):
        assert seq2seq.decode_digits(row) in (s[::-1],) or accuracy < 1


def test_greedy_decoding_equals_teacher_forcing_on_its_own_output(trained, splits):
    model, _ = trained
    src = torch.tensor(splits[1].src[:8])
    out = seq2seq.greedy_decode(model, src)
    tgt_in = torch.cat([torch.full((8, 1), seq2seq.BOS), out[:, :-1]], dim=1)
    with torch.no_grad():
        logits = model(src, tgt_in)
    torch.testing.assert_close(logits.argmax(-1), out)


def test_train_stops_at_its_time_budget(splits):
    model = seq2seq.Seq2SeqTransformer(d_model=8, nhead=2, num_layers=1, max_len=6)
    losses = seq2seq.train_seq2seq(model, splits[0], steps=10_000, seconds=0.5)
    assert 1 <= len(losses) < 10_000


# ------------------------------------------------------ the heat maps and the viewer
def test_the_learned_cross_attention_is_the_anti_diagonal(trained, splits):
    model, _ = trained
    record = collect_attention(model, splits[1], examples=[0, 1, 2])
    assert record.num_layers == 2 and record.num_heads == 2 and record.num_examples == 3
    alignment = cross_attention_alignment(record)  # (3, 2)
    assert alignment.shape == (3, 2)
    best = max(cross_attention_alignment(record, layer).mean() for layer in (0, 1))
    assert best > 0.6  # the centre of attention moves back as the digits are written
    torch.manual_seed(1)
    random_model = seq2seq.Seq2SeqTransformer(d_model=32, nhead=2, max_len=6)
    chance = cross_attention_alignment(collect_attention(random_model, splits[1]))
    assert abs(chance.mean()) < best / 2


def test_the_alignment_of_an_exact_anti_diagonal_is_one():
    from helpers.widgets.attention import AttentionRecord

    S, n = 6, 4  # four digits and the end token
    w = np.zeros((1, 1, 1, S, S))
    for t in range(n + 1):
        w[0, 0, 0, t, S - 1 - t] = 1.0
    record = AttentionRecord(
        weights={"cross": w, "decoder": w, "encoder": w},
        src_labels=[list("·|1234")],
        in_labels=[["<s>", "4", "3", "2", "1"]],
        out_labels=[["4", "3", "2", "1", "</s>"]],
        strings=["1234"],
        outputs=["4321"],
    )
    np.testing.assert_allclose(cross_attention_alignment(record), [[1.0]])
    w[0, 0, 0] = 0
    w[0, 0, 0, :, 2] = 1.0  # always the same source position
    np.testing.assert_allclose(cross_attention_alignment(record), [[0.0]], atol=1e-12)


def test_attention_figure_draws_each_kind(trained, splits):
    model, _ = trained
    record = collect_attention(model, splits[1], examples=[0, 1])
    for kind, rows in (("cross", None), ("decoder", None), ("encoder", 6)):
        fig = attention_figure(record, kind, layer=1, head=1, example=1)
        ax = fig.axes[0]
        n = len(record.out_labels[1]) if rows is None else rows
        assert ax.images[0].get_array().shape[0] == n
        assert kind in ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
        plt.close(fig)


def test_the_viewer_redraws_and_carries_a_version_drawn_in_advance(trained, splits):
    model, _ = trained
    record = collect_attention(model, splits[1], examples=[0, 1])
    box = attention_explorer(record)
    first = box.figure
    box.children[0].children[2].value = 1  # the head slider
    assert box.figure is not first and "head 1" in box.figure.axes[0].get_title()
    assert len(box.static.frames) == 2 * 2 * 2  # layers x heads x examples
    assert "run this notebook to explore" in box.static.to_html()
    assert attention_explorer(record, web=False).static is None


def test_plot_attention_and_heads():
    w = np.full((3, 4), 0.25)
    ax = plot_attention(w, ["a", "b", "c"], list("wxyz"))
    assert [t.get_text() for t in ax.get_xticklabels()] == list("wxyz")
    assert ax.images[0].get_clim() == (0.0, 1.0)
    axes = plot_attention_heads(torch.full((2, 3, 4), 0.25))
    assert len(axes) == 2 and axes[1].get_title() == "head 1"
    ax = plot_score_variance([2, 4, 8], [2.1, 3.9, 8.2], [1.0, 1.0, 1.0])
    assert len(ax.lines) == 3 and ax.get_xscale() == "log"
