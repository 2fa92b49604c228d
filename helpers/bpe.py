"""A byte-level BPE tokeniser from scratch, and Hugging Face's for comparison.

Byte-pair encoding (BPE) starts from the 256 possible bytes of UTF-8 text and
learns, one at a time, *merges*: the pair of neighbouring tokens seen most often
in the training text becomes a new token, and every occurrence of the pair is
replaced by it. After ``vocab_size - 256`` merges, common words and word pieces
are single tokens, rare ones are spelled with several, and any string at all can
still be encoded, down to its raw bytes, so nothing is ever "unknown".

    get_pair_counts     how often each pair of neighbouring ids occurs
    merge               replace every occurrence of a pair by a new id
    train_bpe           learn the merges from a text: (merges, vocab)
    ByteBPETokenizer    train / encode / decode / save / load
    compression_ratio   characters (or bytes) per token on a text
    gpt2_bytes_to_unicode, train_hf_byte_level_bpe   Hugging Face's ByteLevel BPE

Pre-splitting. Before counting pairs the text is cut into chunks with a regular
expression, the one GPT-2 uses, so that a merge never joins the end of one word
to the start of the next (``"e t"`` in ``"the tide"``) and the vocabulary is
spent on words and word pieces instead. A chunk is a contraction (``'s``, ``'ll``),
a run of letters, of digits or of other symbols, each with at most one leading
space, or a run of whitespace. GPT-2 writes its pattern with ``\\p{L}`` (any
letter) and ``\\p{N}`` (any number), which Python's ``re`` does not know; here a
letter is ``[^\\W\\d_]`` (a word character that is not a digit or ``_``) and a
number ``\\d``, which is the same on almost all text. The chunks always join back
to the text exactly (every character falls into one of the classes), so the
pre-split cannot lose anything. Pass ``split_pattern=None`` to train on the raw
byte stream, merges across spaces included.

Speed. ``train_bpe`` counts each distinct chunk once, with its number of
occurrences (the 765,000 characters of the Shakespeare training plays are
210,000 chunks but only about 13,600 distinct ones), and after a merge updates
the pair counts of only the chunks that contain the merged pair, instead of
recounting the whole text. ``encode`` encodes each distinct chunk of its input
once and reuses the result.
"""

import json
import math
import re
import warnings
from pathlib import Path

import numpy as np

from helpers.checks import check_array, check_choice, check_integer

__all__ = [
    "GPT2_SPLIT_PATTERN",
    "ByteBPETokenizer",
    "compression_ratio",
    "get_pair_counts",
    "gpt2_bytes_to_unicode",
    "merge",
    "split_into_chunks",
    "train_bpe",
    "train_hf_byte_level_bpe",
]

#: GPT-2's pre-split pattern with ``\p{L}`` as ``[^\W\d_]`` and ``\p{N}`` as ``\d``
#: (see the module docstring). ``_`` is a symbol, as it is for GPT-2.
GPT2_SPLIT_PATTERN = (
    r"'s|'t|'re|'ve|'m|'ll|'d"  # English contractions
    r"| ?[^\W\d_]+"  # a word: letters, with an optional leading space
    r"| ?\d+"  # a number
    r"| ?(?:[^\s\w]|_)+"  # a run of symbols: punctuation, emoji, ...
    r"|\s+(?!\S)"  # whitespace, but not the space that starts the next word
    r"|\s+"  # the whitespace at the end of the text
)

_FORMAT = "helpers.bpe.ByteBPETokenizer"
_FORMAT_VERSION = 1
_MAX_LISTED = 5  # how many offending ids an error message lists


# ----------------------------------------------------------------------- the two steps
def get_pair_counts(ids, counts=None, weight=1):
    """How often each pair of neighbouring ids occurs in ``ids``.

    ``get_pair_counts([1, 2, 3, 1, 2])`` is ``{(1, 2): 2, (2, 3): 1, (3, 1): 1}``.
    Overlapping pairs all count: ``[7, 7, 7]`` holds ``(7, 7)`` twice.

    Args:
        ids: a list of L integers.
        counts: a dict to add the counts to (default: a new one).
        weight: how much each occurrence adds (the number of times this
            sequence occurs in the text, when training on distinct chunks).

    Returns:
        ``{(a, b): count}``, at most L - 1 pairs.
    """
    counts = {} if counts is None else counts
    for pair in zip(ids, ids[1:]):
        counts[pair] = counts.get(pair, 0) + weight
    return counts


def merge(ids, pair, new_id):
    """``ids`` with every occurrence of ``pair`` replaced by ``new_id``.

    Scans left to right and never lets two replacements overlap:
    ``merge([7, 7, 7], (7, 7), 9)`` is ``[9, 7]``, and
    ``merge([1, 2, 3, 1, 2], (1, 2), 9)`` is ``[9, 3, 9]``.

    Args:
        ids: a list of L integers.
        pair: ``(a, b)``, the two ids to join.
        new_id: the id that stands for ``a`` followed by ``b``.

    Returns:
        a new list of at most L integers.
    """
    first, second = pair
    merged = []
    i = 0
    while i < len(ids):
        if i + 1 < len(ids) and ids[i] == first and ids[i + 1] == second:
            merged.append(new_id)
            i += 2
        else:
            merged.append(ids[i])
            i += 1
    return merged


def split_into_chunks(text, split_pattern=GPT2_SPLIT_PATTERN):
    """``text`` cut into the chunks that BPE merges within, joined back = ``text``.

    ``split_into_chunks("Hello, world!")`` is ``["Hello", ",", " world", "!"]``.
    With ``split_pattern=None`` the whole text is one chunk (an empty text none).

    Args:
        text: a ``str``.
        split_pattern: a regular expression (a ``str``) or ``None``.

    Returns:
        a list of non-empty ``str``.
    """
    _check_text(text)
    _check_split_pattern(split_pattern)
    if split_pattern is None:
        return [text] if text else []
    chunks = re.findall(split_pattern, text)
    if "".join(chunks) != text:
        raise ValueError(
            f"split_pattern must cut text into chunks that join back to the text, "
            f"got {split_pattern!r}, which leaves characters out"
        )
    return chunks


# ---------------------------------------------------------------------------- training
def train_bpe(text, vocab_size, split_pattern=GPT2_SPLIT_PATTERN, verbose=False):
    """Learn ``vocab_size - 256`` merges from the UTF-8 bytes of ``text``.

    Each step finds the most frequent pair of neighbouring tokens, counted within
    the chunks of ``split_into_chunks``, gives it the next id (256, 257, ...) and
    merges it everywhere. Ties go to the smaller pair, ``(a, b) < (c, d)`` as
    tuples, so training is repeatable. If no pair is left (a tiny text) training
    stops early with a warning, and the vocabulary is smaller than asked.

    Args:
        text: the training text, a non-empty ``str``.
        vocab_size: 256 byte tokens plus the number of merges, an integer >= 256.
        split_pattern: the pre-split regular expression, or ``None`` for none.
        verbose: if true, print each merge as it is learned.

    Returns:
        ``(merges, vocab)``: ``merges`` is ``{(a, b): new_id}`` in the order
        learned; ``vocab`` is ``{id: bytes}`` for all ``256 + len(merges)`` ids.
    """
    _check_text(text)
    if not text:
        raise ValueError("text must hold at least one character to train on, got ''")
    vocab_size = _check_vocab_size(vocab_size)
    _check_split_pattern(split_pattern)
    if not isinstance(verbose, bool):
        raise TypeError(f"verbose must be True or False, got {verbose!r}")

    # Each distinct chunk once, as a list of byte values, with how often it occurs.
    chunk_counts = {}
    for chunk in split_into_chunks(text, split_pattern):
        chunk_counts[chunk] = chunk_counts.get(chunk, 0) + 1
    words = [list(chunk.encode("utf-8")) for chunk in chunk_counts]
    word_counts = list(chunk_counts.values())

    pair_counts = {}  # (a, b) -> occurrences in the whole text
    words_with_pair = {}  # (a, b) -> indices of the words that (may) contain it
    for w, (word, count) in enumerate(zip(words, word_counts)):
        get_pair_counts(word, pair_counts, weight=count)
        for pair in zip(word, word[1:]):
            words_with_pair.setdefault(pair, set()).add(w)

    merges = {}
    vocab = {i: bytes([i]) for i in range(256)}
    for new_id in range(256, vocab_size):
        if not pair_counts:
            warnings.warn(
                f"train_bpe stopped after {len(merges)} merges: no pair of tokens is "
                f"left to merge, so the vocabulary has {len(vocab)} tokens, not "
                f"vocab_size = {vocab_size}",
                stacklevel=2,
            )
            break
        best_count = max(pair_counts.values())
        pair = min(p for p, c in pair_counts.items() if c == best_count)
        merges[pair] = new_id
        vocab[new_id] = vocab[pair[0]] + vocab[pair[1]]
        if verbose:
            print(
                f"merge {new_id - 255}/{vocab_size - 256}: {pair} -> {new_id} "
                f"{vocab[new_id]!r} ({best_count} occurrences)"
            )
        # Only the words holding the pair change: take their old pairs out of the
        # counts and put their new pairs in.
        for w in words_with_pair.pop(pair):
            old, count = words[w], word_counts[w]
            new = merge(old, pair, new_id)
            if len(new) == len(old):
                continue  # the pair had already gone from this word
            for p in zip(old, old[1:]):
                pair_counts[p] -= count
                if pair_counts[p] == 0:
                    del pair_counts[p]
            get_pair_counts(new, pair_counts, weight=count)
            for p in zip(new, new[1:]):
                words_with_pair.setdefault(p, set()).add(w)
            words[w] = new
    return merges, vocab


# --------------------------------------------------------------------------- the class
class ByteBPETokenizer:
    """A byte-level BPE tokeniser: text -> a list of token ids -> the same text.

    ``tok = ByteBPETokenizer().train(text, vocab_size=512)`` learns 256 merges;
    ``tok.encode("To be")`` is a list of ids in ``0 .. tok.vocab_size - 1`` and
    ``tok.decode`` turns it back. ``decode(encode(s)) == s`` for every string
    ``s`` that is valid Unicode: unseen words and non-ASCII text are spelled with
    smaller pieces, down to single bytes. Untrained, the tokeniser has just the
    256 byte tokens and encodes text as its UTF-8 bytes.

    Encoding applies the learned merges, earliest learned first, within each
    chunk of the pre-split: a chunk becomes bytes, then the pair whose merge was
    learned first is merged, and so on until no learned merge applies.

    Args:
        split_pattern: the pre-split regular expression (default
            ``GPT2_SPLIT_PATTERN``), or ``None`` to let merges cross words. Without
            a pre-split the whole text is one chunk, and training and encoding
            slow down with its length (seconds for 20,000 characters): use it on
            small examples.
    """

    def __init__(self, split_pattern=GPT2_SPLIT_PATTERN):
        _check_split_pattern(split_pattern)
        self.split_pattern = split_pattern
        self.merges = {}  # (a, b) -> new id, in the order learned
        self.vocab = {i: bytes([i]) for i in range(256)}  # id -> bytes

    @property
    def vocab_size(self):
        """256 byte tokens plus one per merge."""
        return len(self.vocab)

    def train(self, text, vocab_size, verbose=False):
        """Learn merges from ``text`` (see ``train_bpe``); returns the tokeniser."""
        self.merges, self.vocab = train_bpe(
            text, vocab_size, split_pattern=self.split_pattern, verbose=verbose
        )
        return self

    def encode(self, text):
        """text: ``str`` -> a list of token ids, each in ``0 .. vocab_size - 1``.

        Raises:
            TypeError: if ``text`` is not a ``str``.
            ValueError: if ``text`` holds a lone surrogate (half of a UTF-16
                pair, e.g. ``"\\ud800"``), which is not text and has no UTF-8.
        """
        _check_text(text)
        _check_encodable(text)
        ids = []
        encoded_chunks = {}  # each distinct chunk is encoded once
        for chunk in split_into_chunks(text, self.split_pattern):
            if chunk not in encoded_chunks:
                encoded_chunks[chunk] = self._encode_chunk(chunk.encode("utf-8"))
            ids.extend(encoded_chunks[chunk])
        return ids

    def _encode_chunk(self, chunk_bytes):
        ids = list(chunk_bytes)
        while len(ids) >= 2:
            # the pair whose merge was learned first (the smallest new id)
            pair = min(zip(ids, ids[1:]), key=lambda p: self.merges.get(p, math.inf))
            if pair not in self.merges:
                break  # no learned merge applies
            ids = merge(ids, pair, self.merges[pair])
        return ids

    def decode(self, ids):
        """ids: L token ids (a list, tuple or 1-D integer array) -> ``str``.

        The ids' bytes are joined and read as UTF-8. A sequence a tokeniser did
        not produce (``[0xE2]``, the first byte of ``"€"`` alone) may not be
        valid UTF-8; its broken bytes become ``"\\ufffd"`` (�), not an error.

        Raises:
            ValueError: if an id is outside ``0 .. vocab_size - 1``.
        """
        ids = self._check_ids(ids)
        return b"".join(self.vocab[i] for i in ids).decode("utf-8", errors="replace")

    def token_bytes(self, token_id):
        """The bytes that ``token_id`` stands for: ``token_bytes(104) == b"h"``."""
        token_id = check_integer(token_id, "token_id", minimum=0)
        if token_id >= self.vocab_size:
            raise ValueError(
                f"token_id must be a token id in 0..{self.vocab_size - 1} "
                f"(vocab_size = {self.vocab_size}), got {token_id}"
            )
        return self.vocab[token_id]

    def save(self, path):
        """Write the split pattern and the merges, in order, to a JSON file."""
        data = {
            "format": _FORMAT,
            "version": _FORMAT_VERSION,
            "split_pattern": self.split_pattern,
            "merges": [list(pair) for pair in self.merges],
        }
        Path(path).write_text(json.dumps(data) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path):
        """A tokeniser read from a file written by ``save``."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ValueError(
                f"path must be a tokeniser file written by ByteBPETokenizer.save, "
                f"got {str(path)!r}, which is not JSON ({error})"
            ) from None
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise ValueError(
                f"path must be a tokeniser file written by ByteBPETokenizer.save, "
                f"got {str(path)!r}, which has no format {_FORMAT!r}"
            )
        if data.get("version") != _FORMAT_VERSION:
            raise ValueError(
                f"path must hold format version {_FORMAT_VERSION}, "
                f"got version {data.get('version')!r} in {str(path)!r}"
            )
        if "split_pattern" not in data or not isinstance(data.get("merges"), list):
            raise ValueError(
                f"path must hold a split_pattern and a list of merges, got the keys "
                f"{sorted(data)} in {str(path)!r}"
            )
        tokenizer = cls(split_pattern=data["split_pattern"])
        for new_id, pair in enumerate(data["merges"], start=256):
            if not (
                isinstance(pair, list)
                and len(pair) == 2
                and all(type(i) is int and 0 <= i < new_id for i in pair)
            ):
                raise ValueError(
                    f"merge {new_id - 256} in {str(path)!r} must be two ids of "
                    f"earlier tokens, in 0..{new_id - 1}, got {pair!r}"
                )
            first, second = pair
            if (first, second) in tokenizer.merges:
                raise ValueError(
                    f"merge {new_id - 256} in {str(path)!r} must be a new pair, "
                    f"got {pair!r}, which merge "
                    f"{tokenizer.merges[(first, second)] - 256} already joins"
                )
            tokenizer.merges[(first, second)] = new_id
            tokenizer.vocab[new_id] = tokenizer.vocab[first] + tokenizer.vocab[second]
        return tokenizer

    def _check_ids(self, ids):
        if isinstance(ids, np.ndarray):
            check_array(
                ids, "ids", ndim=1, dtype="int", framework="numpy", allow_empty=True
            )
            ids = ids.tolist()
        elif isinstance(ids, (list, tuple)):
            for position, i in enumerate(ids):
                if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
                    raise TypeError(
                        f"ids must hold integer token ids, got {i!r} of type "
                        f"{type(i).__name__} at position {position}"
                    )
            ids = [int(i) for i in ids]
        else:
            raise TypeError(
                f"ids must be a list, tuple or 1-D integer array of token ids, "
                f"got {type(ids).__name__}"
            )
        outside = [(p, i) for p, i in enumerate(ids) if not 0 <= i < self.vocab_size]
        if outside:
            listed = ", ".join(f"{i} at position {p}" for p, i in outside[:_MAX_LISTED])
            raise ValueError(
                f"ids must be token ids in 0..{self.vocab_size - 1} "
                f"(vocab_size = {self.vocab_size}), got {len(outside)} outside "
                f"that range: {listed}"
            )
        return ids

    def __repr__(self):
        return f"ByteBPETokenizer(vocab_size={self.vocab_size})"


# ------------------------------------------------------------------ compression ratio
def compression_ratio(text, tokenizer, unit="characters"):
    """How many characters (or UTF-8 bytes) of ``text`` one token holds on average.

    ``len(text) / len(tokens)`` with ``unit="characters"``, the default, and
    ``len(text.encode("utf-8")) / len(tokens)`` with ``unit="bytes"``. Byte tokens
    alone give 1.0 bytes per token; a higher ratio means shorter sequences for a
    model. On plain-ASCII text, such as the bundled Shakespeare, the two are equal.

    Args:
        text: a non-empty ``str``.
        tokenizer: a ``ByteBPETokenizer`` or a Hugging Face ``tokenizers.Tokenizer``.
        unit: ``"characters"`` or ``"bytes"``.

    Returns:
        a ``float``.
    """
    _check_text(text)
    if not text:
        raise ValueError("text must hold at least one character, got ''")
    check_choice(unit, "unit", ("characters", "bytes"))
    if isinstance(tokenizer, ByteBPETokenizer):
        n_tokens = len(tokenizer.encode(text))
    elif type(tokenizer).__module__.startswith("tokenizers"):
        n_tokens = len(tokenizer.encode(text).ids)
    else:
        raise TypeError(
            f"tokenizer must be a ByteBPETokenizer or a tokenizers.Tokenizer, "
            f"got {type(tokenizer).__name__}"
        )
    size = len(text) if unit == "characters" else len(text.encode("utf-8"))
    return size / n_tokens


# ------------------------------------------------------------ Hugging Face tokenizers
def gpt2_bytes_to_unicode():
    """GPT-2's table ``{byte: printable character}``, which Hugging Face uses too.

    Hugging Face's ByteLevel tokenisers work on strings, not bytes, so they first
    write each byte as one printable character: the 188 bytes that are already
    visible Latin-1 characters (``!`` .. ``~``, ``¡`` .. ``¬``, ``®`` .. ``ÿ``)
    stand for themselves, and the 68 others (controls, the space, ``\\x7f`` ..
    ``\\xa0``, the soft hyphen ``\\xad``) become ``chr(256)``, ``chr(257)``, ... in
    order. So the space (byte 32) is ``"Ġ"`` (``chr(288)``) and the newline
    (byte 10) is ``"Ċ"``: a Hugging Face token ``"Ġthe"`` is our ``b" the"``.

    Returns:
        a dict of 256 entries, ``int`` -> one-character ``str``.
    """
    visible = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    table = {byte: chr(byte) for byte in visible}
    stand_in = 256
    for byte in range(256):
        if byte not in table:
            table[byte] = chr(stand_in)
            stand_in += 1
    return dict(sorted(table.items()))


def train_hf_byte_level_bpe(text, vocab_size):
    """Hugging Face's byte-level BPE trained on ``text``, for comparison.

    The same recipe as ``ByteBPETokenizer``: the 256 bytes (written as printable
    characters, see ``gpt2_bytes_to_unicode``), GPT-2's pre-split pattern (with
    the real ``\\p{L}`` and ``\\p{N}``), no special tokens, no leading space added,
    and the same ``vocab_size``. The merges need not be the same as ours, for two
    reasons. Ties: both take the most frequent pair and, among equals, the
    smaller pair of ids, but Hugging Face numbers the 256 bytes in the order of
    their printable characters (``!`` is 0, and the space, ``Ġ``, comes after
    ``ÿ``), so "smaller" is a different pair. Once one tie goes the other way,
    later counts, and so later merges, may differ. And the pre-splits differ on
    the rare characters where ``[^\\W\\d_]`` and ``\\p{L}`` disagree. On the
    bundled Shakespeare the two vocabularies come out nearly or exactly the same,
    with tied merges learned in a different order.

    Args:
        text: the training text, a non-empty ``str``.
        vocab_size: an integer >= 256, as for ``train_bpe``.

    Returns:
        a ``tokenizers.Tokenizer``; ``.encode(s).ids`` and ``.decode(ids)``.
    """
    _check_text(text)
    if not text:
        raise ValueError("text must hold at least one character to train on, got ''")
    vocab_size = _check_vocab_size(vocab_size)
    try:
        from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    except ImportError:
        raise ImportError(
            "train_hf_byte_level_bpe needs Hugging Face's tokenizers package: "
            "pip install -r requirements.txt (or pip install tokenizers)"
        ) from None

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(
        add_prefix_space=False, use_regex=True
    )
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=[],
        show_progress=False,
    )
    tokenizer.train_from_iterator([text], trainer=trainer)
    return tokenizer


# ------------------------------------------------------------------------------ checks
def _check_text(text, name="text"):
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a str, got {type(text).__name__}")
    return text


def _check_encodable(text, name="text"):
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError(
            f"{name} must be valid Unicode text, got a lone surrogate "
            f"{text[error.start]!r} at position {error.start}, which has no UTF-8 "
            f"bytes"
        ) from None


def _check_vocab_size(vocab_size):
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, (int, np.integer)):
        raise TypeError(
            f"vocab_size must be an integer >= 256 (the 256 byte tokens plus the "
            f"merges), got {vocab_size!r} of type {type(vocab_size).__name__}"
        )
    if vocab_size < 256:
        raise ValueError(
            f"vocab_size must be an integer >= 256 (the 256 byte tokens plus the "
            f"merges), got {vocab_size}"
        )
    return int(vocab_size)


def _check_split_pattern(split_pattern):
    if split_pattern is None:
        return None
    if not isinstance(split_pattern, str):
        raise TypeError(
            f"split_pattern must be a regular expression (a str) or None, "
            f"got {type(split_pattern).__name__}"
        )
    try:
        re.compile(split_pattern)
    except re.error as error:
        raise ValueError(
            f"split_pattern must be a valid regular expression, "
            f"got {split_pattern!r} ({error})"
        ) from None
    return split_pattern
