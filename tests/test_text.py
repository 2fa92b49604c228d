"""helpers.text: vocabulary, splits by play and by block, batches, units, passages."""

import math

import numpy as np
import pytest

from helpers import text as T
from helpers.data import load_shakespeare

TITLES = [
    "HAMLET, PRINCE OF DENMARK",
    "MACBETH",
    "ROMEO AND JULIET",
    "THE TRAGEDY OF KING LEAR",
    "OTHELLO, THE MOOR OF VENICE",
    "A MIDSUMMER NIGHT'S DREAM",
    "JULIUS CAESAR",
    "THE TEMPEST",
]


@pytest.fixture(scope="module")
def shakespeare():
    return load_shakespeare()


@pytest.fixture(scope="module")
def plays(shakespeare):
    return T.split_plays(shakespeare)


# --- vocabulary -----------------------------------------------------------------------
def test_vocabulary_is_the_sorted_characters_and_round_trips():
    vocab = T.CharVocabulary("hello world")
    assert vocab.chars == [" ", "d", "e", "h", "l", "o", "r", "w"]
    assert vocab.size == len(vocab) == 8
    ids = vocab.encode("hole")
    assert ids.dtype == np.int64 and ids.tolist() == [3, 5, 4, 2]
    assert vocab.decode(ids) == "hole"
    assert vocab.decode([7, 5]) == "wo" and vocab.decode([]) == ""
    assert vocab.encode("").shape == (0,)


def test_vocabulary_of_shakespeare(shakespeare):
    vocab = T.CharVocabulary(shakespeare)
    assert vocab.size == 76 and vocab.chars[0] == "\n"
    ids = vocab.encode(shakespeare)
    assert ids.shape == (len(shakespeare),) and ids.min() == 0 and ids.max() == 75
    assert vocab.decode(ids) == shakespeare
    # the same ids as the obvious dictionary lookup
    lookup = {c: i for i, c in enumerate(vocab.chars)}
    assert ids[:5000].tolist() == [lookup[c] for c in shakespeare[:5000]]


def test_vocabulary_handles_non_ascii_text():
    vocab = T.CharVocabulary("naïve café ☕ 𝄞")
    sample = "☕ café 𝄞"
    assert vocab.decode(vocab.encode(sample)) == sample


def test_unknown_characters_are_named_with_positions():
    vocab = T.CharVocabulary("abc ")
    with pytest.raises(
        ValueError,
        match=r"text must contain only characters of the vocabulary "
        r"\(4 characters\), got 2 unknown character\(s\): "
        r"'é' at positions 1, 4; 'z' at position 3",
    ):
        vocab.encode("aé zé")
    beyond = "".join(chr(0x4E00 + i) for i in range(8))
    with pytest.raises(ValueError, match="8 unknown character.*and 3 more"):
        vocab.encode(beyond)
    with pytest.raises(
        ValueError,
        match=r"ids must be character ids in 0..3, got 2 outside that "
        r"range: 4 at position 1, -1 at position 2",
    ):
        vocab.decode(np.array([0, 4, -1]))
    with pytest.raises(TypeError, match="text must be a str, got list"):
        vocab.encode(["a"])
    with pytest.raises(TypeError, match="ids must hold integers"):
        vocab.decode(np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="text must hold at least one character"):
        T.CharVocabulary("")


# --- plays ----------------------------------------------------------------------------
def test_split_plays_finds_the_eight_plays(shakespeare, plays):
    assert list(plays) == TITLES
    for title, play in plays.items():
        assert 90_000 < len(play) < 180_000, title
        assert play.endswith("\n") and not play.startswith("\n")
        assert not play.startswith(title)  # the title line is left out
        assert "by William Shakespeare" not in play
        assert play.strip() in shakespeare
    assert sum(len(p) for p in plays.values()) > 0.99 * len(shakespeare)
    assert plays["MACBETH"].startswith("Persons Represented")
    assert plays["THE TEMPEST"].rstrip().endswith("Let your indulgence set me free.")


def test_split_plays_refuses_text_without_plays():
    with pytest.raises(ValueError, match="text must hold plays"):
        T.split_plays("To be, or not to be")


def test_split_by_play(shakespeare, plays):
    train, val, test = T.split_by_play(shakespeare)
    assert (
        val == plays["JULIUS CAESAR"] and test == plays["OTHELLO, THE MOOR OF VENICE"]
    )
    assert (
        len(train)
        == sum(
            len(plays[t])
            for t in TITLES
            if t not in ("JULIUS CAESAR", "OTHELLO, THE MOOR OF VENICE")
        )
        + 5 * 3
    )
    assert (
        plays["HAMLET, PRINCE OF DENMARK"] in train
        and val not in train
        and test not in train
    )
    # every character of the held-out plays is in the training vocabulary
    vocab = T.CharVocabulary(train)
    vocab.encode(val), vocab.encode(test)
    split = T.split_by_play(
        shakespeare, val_plays=["MACBETH", "THE TEMPEST"], test_plays="JULIUS CAESAR"
    )
    assert split.val == plays["MACBETH"] + "\n\n\n" + plays["THE TEMPEST"]
    assert split.test == plays["JULIUS CAESAR"]


def test_split_by_play_errors(shakespeare):
    with pytest.raises(
        ValueError,
        match=r"val_plays must name plays.*got 'HAMLET'.*did you mean "
        r"'HAMLET, PRINCE OF DENMARK'",
    ):
        T.split_by_play(shakespeare, val_plays="HAMLET")
    with pytest.raises(
        ValueError, match=r"must be disjoint, got \['MACBETH'\] in both"
    ):
        T.split_by_play(shakespeare, val_plays="MACBETH", test_plays=["MACBETH"])
    with pytest.raises(ValueError, match="leave at least one play for training"):
        T.split_by_play(shakespeare, val_plays=TITLES[:4], test_plays=TITLES[4:])


def test_split_contiguous_blocks_in_order():
    ids = np.arange(1000)
    train, val, test = T.split_contiguous(ids)
    assert (len(train), len(val), len(test)) == (800, 100, 100)
    assert np.array_equal(np.concatenate([train, val, test]), ids)
    assert train.max() < val.min() and val.max() < test.min()  # contiguous and in order
    parts = T.split_contiguous("abcdefghij", val_fraction=0.2, test_fraction=0.3)
    assert parts == ("abcde", "fg", "hij")
    with pytest.raises(
        ValueError, match="val_fraction must be a number strictly between 0 and 1"
    ):
        T.split_contiguous(ids, val_fraction=0)
    with pytest.raises(
        ValueError, match="val_fraction \\+ test_fraction must be less than 1"
    ):
        T.split_contiguous(ids, 0.5, 0.5)
    with pytest.raises(ValueError, match="ids must be long enough"):
        T.split_contiguous(np.arange(5))
    with pytest.raises(ValueError, match="ids must be 1-D"):
        T.split_contiguous(np.zeros((10, 2), dtype=np.int64))


# --- batches --------------------------------------------------------------------------
def test_windows_targets_are_shifted_by_one():
    ids = np.arange(100) * 7 % 101  # every value tells its position
    x, y = T.windows(ids, block_size=8, batch_size=5, rng=np.random.default_rng(3))
    assert x.shape == y.shape == (5, 8) and x.dtype == y.dtype == np.int64
    position = {int(v): i for i, v in enumerate(ids)}
    for row_x, row_y in zip(x, y):
        start = position[int(row_x[0])]
        assert row_x.tolist() == ids[start : start + 8].tolist()
        assert row_y.tolist() == ids[start + 1 : start + 9].tolist()
    again = T.windows(ids, 8, 5, rng=3)
    assert np.array_equal(again[0], x) and np.array_equal(again[1], y)  # seeded
    # the last possible window is reachable, and never runs past the end
    starts = T.windows(np.arange(10), 9, 200, rng=0)[0][:, 0]
    assert set(starts.tolist()) == {0}
    with pytest.raises(ValueError, match="ids must hold more than block_size = 10 ids"):
        T.windows(np.arange(10), 10, 2)
    with pytest.raises(
        ValueError, match="block_size must be a positive integer, got 0"
    ):
        T.windows(np.arange(10), 0, 2)
    with pytest.raises(TypeError, match="ids must hold integers"):
        T.windows(np.arange(10.0), 3, 2)


def test_sequential_batches_continue_each_stream():
    ids = np.arange(103)
    batches = T.sequential_batches(ids, batch_size=4, block_size=5)
    stream_length = (103 - 1) // 4  # 25
    assert len(batches) == 5
    for k, (x, y) in enumerate(batches):
        assert x.shape == y.shape == (4, 5) and x.dtype == np.int64
        assert np.array_equal(y, x + 1)  # targets one ahead
        assert np.array_equal(x[:, 0], np.arange(4) * stream_length + 5 * k)
        if k:  # row b of window k starts right after row b of window k - 1
            assert np.array_equal(x[:, 0], batches[k - 1][0][:, -1] + 1)
    whole = np.concatenate([x for x, _ in batches], axis=1)
    assert np.array_equal(
        whole.ravel(), np.arange(100)
    )  # every stream read once, in order
    last = T.sequential_batches(ids, 4, 7, drop_last=False)
    assert [x.shape[1] for x, _ in last] == [7, 7, 7, 4]
    assert [x.shape[1] for x, _ in T.sequential_batches(ids, 4, 7)] == [7, 7, 7]
    with pytest.raises(
        ValueError, match=r"at least batch_size \* block_size \+ 1 = 41 ids"
    ):
        T.sequential_batches(np.arange(40), 4, 10)


# --- units ----------------------------------------------------------------------------
def test_units():
    assert T.bits_per_char(math.log(2)) == pytest.approx(1.0)
    assert T.perplexity(math.log(76)) == pytest.approx(76.0)
    losses = np.array([math.log(4), math.log(8)])
    np.testing.assert_allclose(T.bits_per_char(losses), [2.0, 3.0])
    np.testing.assert_allclose(T.perplexity(losses), [4.0, 8.0])
    with pytest.raises(ValueError, match="nats must be a non-negative finite number"):
        T.perplexity(-0.1)
    with pytest.raises(TypeError, match="nats must be a number"):
        T.bits_per_char("1.2")
    with pytest.raises(ValueError, match="nats must be finite"):
        T.bits_per_char(np.array([np.nan]))


# --- passages -------------------------------------------------------------------------
def test_play_passages_split_by_blocks_inside_each_play(shakespeare, plays):
    parts = {
        split: T.play_passages(shakespeare, 200, split)
        for split in ("train", "val", "test")
    }
    for passages, labels in parts.values():
        assert len(passages) == len(labels) and labels.dtype == np.int64
        assert set(labels.tolist()) == set(range(8))  # every play in every split
        assert all(len(p) == 200 for p in passages)
    train, val, test = (set(parts[s][0]) for s in ("train", "val", "test"))
    assert not train & val and not train & test and not val & test
    for split, (passages, labels) in parts.items():  # each passage from the right block
        for passage, label in list(zip(passages, labels))[:50]:
            play = plays[TITLES[label]]
            where = play.find(passage) / len(play)
            low, high = {"train": (0, 0.6), "val": (0.6, 0.8), "test": (0.8, 1.0)}[
                split
            ]
            assert low <= where < high, (split, TITLES[label], where)
    counts = np.bincount(parts["train"][1])
    assert (
        counts[0] == len(plays[TITLES[0]][: round(0.6 * len(plays[TITLES[0]]))]) // 200
    )
    everything = T.play_passages(shakespeare, 200, "all")[1]
    assert len(everything) == sum(len(parts[s][1]) for s in parts)
    again = T.play_passages(shakespeare, 200, "val", seed=0)
    assert again[0] == parts["val"][0]
    other = T.play_passages(shakespeare, 200, "val", seed=1)
    assert other[0] != again[0] and sorted(other[0]) == sorted(again[0])


def test_play_passages_as_ids(shakespeare):
    vocab = T.CharVocabulary(shakespeare)
    ids, labels = T.play_passages(shakespeare, 64, "test", vocabulary=vocab)
    passages, same_labels = T.play_passages(shakespeare, 64, "test")
    assert ids.shape == (len(passages), 64) and ids.dtype == np.int64
    assert vocab.decode(ids[3]) == passages[3] and np.array_equal(labels, same_labels)
    with pytest.raises(ValueError, match="unknown split 'validation'"):
        T.play_passages(shakespeare, 64, "validation")
    with pytest.raises(ValueError, match="length must fit in every play's val block"):
        T.play_passages(shakespeare, 50_000, "val")
    with pytest.raises(TypeError, match="vocabulary must be a CharVocabulary"):
        T.play_passages(shakespeare, 64, vocabulary=vocab.chars)
