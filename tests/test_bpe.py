"""helpers.bpe: merges, training, round trips, save/load, Hugging Face, bad input."""

import json
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import bpe
from helpers.bpe import ByteBPETokenizer, get_pair_counts, merge, train_bpe
from helpers.data import load_shakespeare
from helpers.text import split_by_play

#: ours and Hugging Face's compression ratios on the validation play must agree to 2%
RATIO_TOLERANCE = 0.02


@pytest.fixture(scope="module")
def splits():
    return split_by_play(load_shakespeare())


@pytest.fixture(scope="module")
def tokenizer_512(splits):
    return ByteBPETokenizer().train(splits.train, 512)


@pytest.fixture(scope="module")
def hf_512(splits):
    return bpe.train_hf_byte_level_bpe(splits.train, 512)


# --- the two steps --------------------------------------------------------------------
def test_pair_counts_count_overlapping_pairs():
    assert get_pair_counts([1, 2, 3, 1, 2]) == {(1, 2): 2, (2, 3): 1, (3, 1): 1}
    assert get_pair_counts([7, 7, 7]) == {(7, 7): 2}
    assert get_pair_counts([5]) == {} and get_pair_counts([]) == {}
    counts = get_pair_counts([1, 2], weight=3)
    assert get_pair_counts([1, 2, 1], counts) == {(1, 2): 4, (2, 1): 1}


def test_merge_is_left_to_right_and_never_overlaps():
    assert merge([1, 2, 3, 1, 2], (1, 2), 9) == [9, 3, 9]
    a = ord("a")
    assert merge([a, a, a], (a, a), 256) == [256, a]  # "aaa": the first two join
    assert merge([a, a, a, a], (a, a), 256) == [256, 256]
    assert merge([a, a, a, a, a], (a, a), 256) == [256, 256, a]
    assert merge([1, 2], (2, 1), 9) == [1, 2]  # order matters
    assert merge([1], (1, 1), 9) == [1] and merge([], (1, 2), 9) == []
    ids = [3, 1, 2]
    merge(ids, (1, 2), 9)
    assert ids == [3, 1, 2]  # the input is left alone


def test_chunks_join_back_and_keep_words_apart():
    assert bpe.split_into_chunks("Hello, world!") == ["Hello", ",", " world", "!"]
    assert bpe.split_into_chunks("I'll go  now\n\n") == [
        "I",
        "'ll",
        " go",
        " ",
        " now",
        "\n\n",
    ]
    assert bpe.split_into_chunks("snake_case 42x") == ["snake", "_", "case", " 42", "x"]
    assert bpe.split_into_chunks("no split", split_pattern=None) == ["no split"]
    assert bpe.split_into_chunks("") == []


# --- training -------------------------------------------------------------------------
def test_training_on_the_textbook_example_gives_its_merges():
    # "aaabdaaabac": aa (4 times, overlaps counted) -> 256; then ab and (256, a) tie at
    # 2 and the smaller pair, ab, wins -> 257; then (256, 257) -> 258: "XdXac".
    a, b = ord("a"), ord("b")
    merges, vocab = train_bpe("aaabdaaabac", 259, split_pattern=None)
    assert list(merges.items()) == [((a, a), 256), ((a, b), 257), ((256, 257), 258)]
    assert vocab[258] == b"aaab" and len(vocab) == 259
    tokenizer = ByteBPETokenizer(split_pattern=None).train("aaabdaaabac", 259)
    assert tokenizer.encode("aaabdaaabac") == [258, ord("d"), 258, a, ord("c")]


def test_training_on_a_toy_corpus_gives_the_expected_first_merges():
    # hug x10, pug x5, pun x12, bun x4, hugs x5, one word per line:
    # "ug" occurs 20 times, then "un" 16, then "h" + "ug" 15.
    words = ["hug"] * 10 + ["pug"] * 5 + ["pun"] * 12 + ["bun"] * 4 + ["hugs"] * 5
    merges, vocab = train_bpe("\n".join(words), 259)
    assert [vocab[i] for i in merges.values()] == [b"ug", b"un", b"hug"]
    u, g = ord("u"), ord("g")
    assert list(merges)[:2] == [(u, g), (u, ord("n"))]
    assert list(merges)[2] == (ord("h"), 256)


def test_incremental_counts_give_the_same_merges_as_recounting():
    # the plain algorithm: recount every pair of every chunk before each merge
    text = "the cat sat on the mat; the rat ate the cat's hat. " * 3 + "ééé 你好你好"
    chunks = [list(c.encode("utf-8")) for c in bpe.split_into_chunks(text)]
    expected = []
    for new_id in range(256, 300):
        counts = {}
        for chunk in chunks:
            get_pair_counts(chunk, counts)
        if not counts:
            break
        best = max(counts.values())
        pair = min(p for p, c in counts.items() if c == best)
        expected.append(pair)
        chunks = [merge(chunk, pair, new_id) for chunk in chunks]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        merges, _ = train_bpe(text, 300)
    assert list(merges) == expected


def test_merges_stay_inside_words(tokenizer_512):
    # a token is whitespace only, or has whitespace at most as its first byte
    for token in tokenizer_512.vocab.values():
        inner_space = any(bytes([c]).isspace() for c in token[1:])
        assert token.isspace() or not inner_space, token
    # without the pre-split, merges run across spaces
    crossing = ByteBPETokenizer(split_pattern=None).train("the end. " * 20, 265)
    assert any(b" " in token[1:] for token in crossing.vocab.values())


def test_training_on_a_tiny_text_stops_early_with_a_warning():
    with pytest.warns(UserWarning, match="stopped after 1 merges"):
        tokenizer = ByteBPETokenizer().train("ab", 300)
    assert tokenizer.vocab_size == 257 and tokenizer.encode("ab") == [256]
    with pytest.warns(UserWarning, match="stopped after 0 merges"):
        merges, vocab = train_bpe("x", 257)
    assert merges == {} and len(vocab) == 256


def test_verbose_prints_each_merge(capsys):
    train_bpe("aaabdaaabac", 258, split_pattern=None, verbose=True)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[0].startswith("merge 1/2: (97, 97) -> 256 b'aa'")


# --- round trips ----------------------------------------------------------------------
def test_round_trip_on_the_unseen_play_and_hard_strings(splits, tokenizer_512):
    tokenizer = tokenizer_512
    assert tokenizer.vocab_size == 512
    val_ids = tokenizer.encode(splits.val)
    assert tokenizer.decode(val_ids) == splits.val
    assert all(0 <= i < 512 for i in val_ids)
    hard = [
        "",
        " ",
        "   \t\n\n  \r\n ",
        "naïve café, Ærø, São Paulo, Straße",
        "机器学习很有趣。深度学习！",
        "emoji 🙂👍🏽 👨‍👩‍👧 ☕",
        "e\u0301 combining acute, 🇫🇷 flag, \x00 nul, \x7f del",
        "trailing spaces   ",
        "'s'll'VE'd 123 4.5e-6 snake_case __init__",
    ]
    for text in hard:
        ids = tokenizer.encode(text)
        assert tokenizer.decode(ids) == text, text
        assert tokenizer.decode(np.array(ids, dtype=np.int64)) == text
    assert tokenizer.encode("") == [] and tokenizer.decode([]) == ""
    # an unseen word is spelled in pieces, an unseen script in single bytes
    assert len(tokenizer.encode("深")) == 3 == len("深".encode())


@settings(max_examples=300, deadline=None, database=None)
@given(st.text())
def test_round_trip_on_random_strings(text):
    tokenizer = _small_tokenizer()
    assert tokenizer.decode(tokenizer.encode(text)) == text
    assert "".join(bpe.split_into_chunks(text)) == text


_SMALL = {}


def _small_tokenizer():
    """One tokeniser, trained once, for the random strings (with merges on UTF-8)."""
    if not _SMALL:
        text = "the theme then there, naïve café 你好你好 🙂🙂 " * 20 + "x_1 = 42\n" * 5
        _SMALL["tokenizer"] = ByteBPETokenizer().train(text, 280)
    return _SMALL["tokenizer"]


def test_encoding_merges_in_the_order_learned():
    tokenizer = ByteBPETokenizer(split_pattern=None).train("abcabcabc bc", 258)
    # learned: (b, c) first, then (a, bc); "abc" must use both
    assert list(tokenizer.merges) == [(98, 99), (97, 256)]
    assert tokenizer.encode("abc") == [257] and tokenizer.encode("bca") == [256, 97]
    assert tokenizer.token_bytes(257) == b"abc" and tokenizer.token_bytes(104) == b"h"


def test_decoding_a_broken_byte_sequence_replaces_it():
    tokenizer = ByteBPETokenizer()  # untrained: the 256 bytes
    euro = list("€".encode())
    assert tokenizer.encode("€") == euro and tokenizer.decode(euro) == "€"
    assert tokenizer.decode(euro[:1]) == "\ufffd"
    assert tokenizer.decode([104, 0xFF, 105]) == "h\ufffdi"


# --- save and load --------------------------------------------------------------------
def test_save_and_load_give_the_same_tokenizer(tmp_path, splits, tokenizer_512):
    path = tmp_path / "shakespeare_512.json"
    tokenizer_512.save(path)
    data = json.loads(path.read_text())
    assert (
        len(data["merges"]) == 256 and data["split_pattern"] == bpe.GPT2_SPLIT_PATTERN
    )
    loaded = ByteBPETokenizer.load(path)
    assert loaded.merges == tokenizer_512.merges and loaded.vocab == tokenizer_512.vocab
    sample = splits.val[:20_000] + " 你好 🙂"
    assert loaded.encode(sample) == tokenizer_512.encode(sample)
    assert loaded.decode(loaded.encode(sample)) == sample
    # a tokeniser without pre-split keeps that too
    raw = ByteBPETokenizer(split_pattern=None).train("aaabdaaabac", 259)
    raw.save(tmp_path / "raw.json")
    again = ByteBPETokenizer.load(str(tmp_path / "raw.json"))
    assert again.split_pattern is None and again.merges == raw.merges


def test_load_refuses_files_it_did_not_write(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("not json")
    with pytest.raises(ValueError, match="path must be a tokeniser file .* not JSON"):
        ByteBPETokenizer.load(path)
    path.write_text(json.dumps({"merges": []}))
    with pytest.raises(ValueError, match="which has no format"):
        ByteBPETokenizer.load(path)
    good = {
        "format": "helpers.bpe.ByteBPETokenizer",
        "version": 1,
        "split_pattern": None,
        "merges": [[97, 97], [256, 300]],
    }
    path.write_text(json.dumps(good))
    with pytest.raises(
        ValueError,
        match=r"merge 1 .* must be two ids of earlier "
        r"tokens, in 0..256, got \[256, 300\]",
    ):
        ByteBPETokenizer.load(path)
    path.write_text(json.dumps({**good, "merges": [[97, 97], [97, 97]]}))
    with pytest.raises(
        ValueError,
        match=r"merge 1 .* must be a new pair, got "
        r"\[97, 97\], which merge 0 already joins",
    ):
        ByteBPETokenizer.load(path)
    path.write_text(json.dumps({"format": good["format"], "version": 1}))
    with pytest.raises(
        ValueError,
        match=r"path must hold a split_pattern and a "
        r"list of merges, got the keys \['format', 'version'\]",
    ):
        ByteBPETokenizer.load(path)
    path.write_text(json.dumps({**good, "version": 2}))
    with pytest.raises(
        ValueError, match="path must hold format version 1, got version 2"
    ):
        ByteBPETokenizer.load(path)


# --- compression and Hugging Face -----------------------------------------------------
def test_compression_ratio(splits, tokenizer_512):
    assert bpe.compression_ratio("hello", ByteBPETokenizer()) == 1.0
    assert bpe.compression_ratio("é", ByteBPETokenizer()) == 0.5  # 2 bytes
    assert bpe.compression_ratio("é", ByteBPETokenizer(), unit="bytes") == 1.0
    ratio = bpe.compression_ratio(splits.val, tokenizer_512)
    assert ratio == len(splits.val) / len(tokenizer_512.encode(splits.val))
    assert 1.7 < ratio < 2.1  # Shakespeare at 512 tokens: about 1.87 characters


def test_byte_table_is_the_one_hugging_face_uses():
    from tokenizers import pre_tokenizers

    table = bpe.gpt2_bytes_to_unicode()
    assert sorted(table.values()) == sorted(pre_tokenizers.ByteLevel.alphabet())
    assert len(set(table.values())) == 256
    assert table[ord(" ")] == "Ġ" and table[ord("\n")] == "Ċ" and table[ord("a")] == "a"


def test_hugging_face_learns_nearly_the_same_vocabulary(splits, tokenizer_512, hf_512):
    ours, theirs = tokenizer_512, hf_512
    assert theirs.get_vocab_size() == 512
    for text in (splits.val, "naïve café 你好 🙂", "", "  \n\t "):
        assert theirs.decode(theirs.encode(text).ids) == text
        assert ours.decode(ours.encode(text)) == text
    our_ratio = bpe.compression_ratio(splits.val, ours)
    their_ratio = bpe.compression_ratio(splits.val, theirs)
    assert abs(our_ratio - their_ratio) <= RATIO_TOLERANCE * their_ratio
    # their tokens as bytes, through the byte table
    byte_of = {char: byte for byte, char in bpe.gpt2_bytes_to_unicode().items()}
    their_tokens = {bytes(byte_of[c] for c in t) for t in theirs.get_vocab()}
    shared = set(ours.vocab.values()) & their_tokens
    assert len(shared) >= 0.95 * 512
    # the first merges, before any tie, are the same
    first = [bytes(byte_of[c] for c in theirs.id_to_token(i)) for i in range(256, 266)]
    assert first == [ours.token_bytes(i) for i in range(256, 266)]


# --- bad input ------------------------------------------------------------------------
BAD_CALLS = [
    (
        "vocab_size below 256",
        lambda: train_bpe("abc", 255),
        ValueError,
        (
            r"vocab_size must be an integer >= 256 \(the 256 byte tokens plus the "
            r"merges\), got 255"
        ),
    ),
    (
        "vocab_size a float",
        lambda: ByteBPETokenizer().train("abc", 300.0),
        TypeError,
        r"vocab_size must be an integer >= 256 .*got 300.0 of type float",
    ),
    (
        "vocab_size True",
        lambda: train_bpe("abc", True),
        TypeError,
        r"vocab_size must be an integer >= 256 .*of type bool",
    ),
    (
        "empty training text",
        lambda: ByteBPETokenizer().train("", 300),
        ValueError,
        r"text must hold at least one character to train on, got ''",
    ),
    (
        "training text of bytes",
        lambda: train_bpe(b"abc", 300),
        TypeError,
        r"text must be a str, got bytes",
    ),
    (
        "verbose not a bool",
        lambda: train_bpe("abc", 300, verbose="yes"),
        TypeError,
        r"verbose must be True or False, got 'yes'",
    ),
    (
        "encode a list",
        lambda: ByteBPETokenizer().encode(["a"]),
        TypeError,
        r"text must be a str, got list",
    ),
    (
        "encode None",
        lambda: ByteBPETokenizer().encode(None),
        TypeError,
        r"text must be a str, got NoneType",
    ),
    (
        "encode a lone surrogate",
        lambda: ByteBPETokenizer().encode("ab\ud800c"),
        ValueError,
        (
            r"text must be valid Unicode text, got a lone surrogate "
            r"'\\ud800' at position 2"
        ),
    ),
    (
        "decode an id too large",
        lambda: ByteBPETokenizer().decode([104, 256, 300]),
        ValueError,
        (
            r"ids must be token ids in 0..255 \(vocab_size = 256\), got 2 "
            r"outside that range: 256 at position 1, 300 at position 2"
        ),
    ),
    (
        "decode a negative id",
        lambda: ByteBPETokenizer().decode(np.array([-1])),
        ValueError,
        r"ids must be token ids in 0..255 .*-1 at position 0",
    ),
    (
        "decode a string",
        lambda: ByteBPETokenizer().decode("hello"),
        TypeError,
        r"ids must be a list, tuple or 1-D integer array of token ids, got str",
    ),
    (
        "decode floats",
        lambda: ByteBPETokenizer().decode([1.0, 2.0]),
        TypeError,
        r"ids must hold integer token ids, got 1.0 of type float at position 0",
    ),
    (
        "decode a float array",
        lambda: ByteBPETokenizer().decode(np.ones(3)),
        TypeError,
        r"ids must hold integers, got dtype float64",
    ),
    (
        "decode a 2-D array",
        lambda: ByteBPETokenizer().decode(np.ones((2, 2), int)),
        ValueError,
        r"ids must be 1-D, got shape \(2, 2\)",
    ),
    (
        "token_bytes out of range",
        lambda: ByteBPETokenizer().token_bytes(256),
        ValueError,
        r"token_id must be a token id in 0..255 \(vocab_size = 256\), got 256",
    ),
    (
        "split_pattern not a str",
        lambda: ByteBPETokenizer(split_pattern=3),
        TypeError,
        r"split_pattern must be a regular expression \(a str\) or None, got int",
    ),
    (
        "split_pattern invalid",
        lambda: ByteBPETokenizer(split_pattern="(a"),
        ValueError,
        r"split_pattern must be a valid regular expression, got '\(a'",
    ),
    (
        "split_pattern that drops text",
        lambda: bpe.split_into_chunks("a b", r"\w+"),
        ValueError,
        r"split_pattern must cut text into chunks that join back to the text",
    ),
    (
        "compression of an empty text",
        lambda: bpe.compression_ratio("", ByteBPETokenizer()),
        ValueError,
        r"text must hold at least one character, got ''",
    ),
    (
        "compression with no tokenizer",
        lambda: bpe.compression_ratio("ab", "gpt2"),
        TypeError,
        (
            r"tokenizer must be a ByteBPETokenizer or a tokenizers.Tokenizer, "
            r"got str"
        ),
    ),
    (
        "compression in words",
        lambda: bpe.compression_ratio("ab", ByteBPETokenizer(), unit="words"),
        ValueError,
        r"unknown unit 'words'; expected one of 'characters', 'bytes'",
    ),
    (
        "Hugging Face vocab_size below 256",
        lambda: bpe.train_hf_byte_level_bpe("abc", 100),
        ValueError,
        r"vocab_size must be an integer >= 256",
    ),
    (
        "Hugging Face empty text",
        lambda: bpe.train_hf_byte_level_bpe("", 300),
        ValueError,
        r"text must hold at least one character to train on",
    ),
]


@pytest.mark.parametrize(
    "what, call, error, message", BAD_CALLS, ids=[case[0] for case in BAD_CALLS]
)
def test_bad_input_is_named_with_what_was_expected(what, call, error, message):
    with pytest.raises(error, match=message):
        call()
