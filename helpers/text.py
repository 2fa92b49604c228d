"""Text as data for language models: characters to integers, splits, batches and units.

A character-level language model sees a text as a long array of integer ids, one per
character, and learns to predict each id from the ones before it. This module holds
the pieces around the model:

    CharVocabulary      a text's sorted characters; encode str -> ids, decode back
    split_plays         the bundled Shakespeare as {title: play text}, eight plays
    split_by_play       train / validation / test text by whole plays
    split_contiguous    train / validation / test by contiguous blocks of one array
    windows             random (B, T) windows and their next-character targets
    sequential_batches  consecutive (B, T) windows for truncated backpropagation
                        through time
    bits_per_char, perplexity   a loss in nats per character in other units
    play_passages       "which play is this passage from?": passages and play labels

Splits are never made by shuffling lines (see ``split_contiguous``): neighbouring
lines of a play share speakers, names and phrases, so a random line split puts
near-copies of validation text into the training set.
"""

import difflib
import math
from numbers import Real

import numpy as np

from helpers.checks import check_array, check_choice, check_integer, check_rng
from helpers.data import SPLITS, Splits

__all__ = [
    "CharVocabulary",
    "split_plays",
    "split_by_play",
    "split_contiguous",
    "windows",
    "sequential_batches",
    "bits_per_char",
    "perplexity",
    "play_passages",
    "DEFAULT_VAL_PLAYS",
    "DEFAULT_TEST_PLAYS",
    "PASSAGE_FRACTIONS",
]

#: The plays ``split_by_play`` holds out by default: two tragedies, like most of the
#: training plays, about 11% and 15% of the text. Every character they use also occurs
#: in the six training plays, so a vocabulary built on the training text encodes them.
DEFAULT_VAL_PLAYS = ("JULIUS CAESAR",)
DEFAULT_TEST_PLAYS = ("OTHELLO, THE MOOR OF VENICE",)

_BYLINE = "by William Shakespeare"
_MAX_LISTED = 5  # how many offending characters or ids an error message lists


def _check_text(text, name="text"):
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a str, got {type(text).__name__}")
    return text


# ----------------------------------------------------------------------- the vocabulary
class CharVocabulary:
    """The characters of a text, sorted, each with an integer id: ``chars[id]``.

    ``CharVocabulary("hello")`` has ``chars = ['e', 'h', 'l', 'o']`` and ``size = 4``;
    ``encode("hole")`` is ``array([1, 3, 2, 0])`` and ``decode`` turns it back.

    Build it from the training text. A character the vocabulary does not hold cannot
    be encoded: ``encode`` raises a ``ValueError`` naming it and where it occurs, rather
    than mapping it silently to some other id.

    Args:
        text: a non-empty ``str``.
    """

    def __init__(self, text):
        _check_text(text)
        if not text:
            raise ValueError(
                "text must hold at least one character, got an empty string"
            )
        self.chars = sorted(set(text))
        self.size = len(self.chars)
        # Sorting characters sorts their Unicode code points, so the code points of
        # ``chars`` are increasing and ``np.searchsorted`` finds a character's id.
        self._codes = np.array([ord(c) for c in self.chars], dtype=np.int64)

    def __len__(self):
        return self.size

    def encode(self, text):
        """text: ``str`` of length L -> (L,) int64, ``ids[i] = chars.index(text[i])``.

        Raises:
            ValueError: if ``text`` holds characters outside the vocabulary, naming them
                and their positions.
        """
        _check_text(text)
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(
            np.int64
        )
        ids = np.searchsorted(self._codes, codes)
        found = ids < self.size
        found[found] = self._codes[ids[found]] == codes[found]
        if not found.all():
            raise ValueError(
                f"text must contain only characters of the vocabulary "
                f"({self.size} characters), got {_unknown_characters(text, found)}"
            )
        return ids

    def decode(self, ids):
        """ids: (L,) integers in ``0 .. size - 1`` -> ``str``, L long."""
        if isinstance(ids, (list, tuple)):
            ids = np.array(ids, dtype=np.int64) if ids else np.zeros(0, dtype=np.int64)
        check_array(
            ids, "ids", ndim=1, dtype="int", framework="numpy", allow_empty=True
        )
        outside = (ids < 0) | (ids >= self.size)
        if outside.any():
            positions = np.flatnonzero(outside)[:_MAX_LISTED]
            listed = ", ".join(f"{int(ids[p])} at position {int(p)}" for p in positions)
            raise ValueError(
                f"ids must be character ids in 0..{self.size - 1}, got "
                f"{int(outside.sum())} outside that range: {listed}"
            )
        return self._codes[ids].astype("<u4").tobytes().decode("utf-32-le")

    def __repr__(self):
        return f"CharVocabulary(size={self.size})"


def _unknown_characters(text, found):
    """ "'é' at positions 3, 9; ..." for the first few characters that are not found."""
    positions = {}
    for position in np.flatnonzero(~found):
        positions.setdefault(text[position], []).append(int(position))
    parts = []
    for char, where in list(positions.items())[:_MAX_LISTED]:
        shown = ", ".join(str(p) for p in where[:_MAX_LISTED]) + (
            ", ..." if len(where) > _MAX_LISTED else ""
        )
        parts.append(f"{char!r} at position{'s' if len(where) > 1 else ''} {shown}")
    more = len(positions) - _MAX_LISTED
    return (
        f"{len(positions)} unknown character(s): "
        + "; ".join(parts)
        + (f"; and {more} more" if more > 0 else "")
    )


# ---------------------------------------------------------------------------- the plays
def split_plays(text):
    """The bundled Shakespeare (``helpers.data.load_shakespeare()``) as {title: play}.

    Each play in the file starts with its title line in capitals, a blank line and
    ``by William Shakespeare``. The play text is what follows the byline, without the
    blank lines around it and ending in one newline; the title and byline are left
    out, so they cannot give a play away. The dict keeps the file's order.

    Args:
        text: the whole text, a ``str``.

    Returns:
        ``{"HAMLET, PRINCE OF DENMARK": "PERSONS REPRESENTED. ...", "MACBETH": ...}``.

    Raises:
        ValueError: if ``text`` holds no play in that layout.
    """
    _check_text(text)
    lines = text.split("\n")
    bylines = [i for i, line in enumerate(lines) if line.strip() == _BYLINE and i >= 2]
    if not bylines:
        raise ValueError(
            f"text must hold plays that each start with a title line, a blank line "
            f"and {_BYLINE!r} (as helpers.data.load_shakespeare() does), got none"
        )
    plays = {}
    for k, byline in enumerate(bylines):
        title = lines[byline - 2].strip()
        end = (
            bylines[k + 1] - 2 if k + 1 < len(bylines) else len(lines)
        )  # the next title line
        plays[title] = "\n".join(lines[byline + 1 : end]).strip("\n") + "\n"
    return plays


def _check_titles(titles, name, known):
    if isinstance(titles, str):
        titles = (titles,)
    titles = tuple(titles)
    for title in titles:
        if title not in known:
            close = [t for t in known if str(title).upper() in t]  # "HAMLET", "lear"
            close = close or difflib.get_close_matches(
                str(title), known, n=1, cutoff=0.4
            )
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(
                f"{name} must name plays of the text, one of {list(known)}, "
                f"got {title!r}{hint}"
            )
    return titles


def split_by_play(text, val_plays=DEFAULT_VAL_PLAYS, test_plays=DEFAULT_TEST_PLAYS):
    """Train, validation and test text made of whole plays.

    A model is then judged on plays it has never seen a line of: the hardest and most
    honest split. Plays are joined, in the file's order, with three blank lines.

    Args:
        text: the bundled Shakespeare, see ``split_plays``.
        val_plays, test_plays: titles (exactly as ``split_plays`` gives them), or a
            single title; disjoint. Every other play is training text.

    Returns:
        ``Splits(train, val, test)`` of three ``str``.
    """
    plays = split_plays(text)
    val_plays = _check_titles(val_plays, "val_plays", list(plays))
    test_plays = _check_titles(test_plays, "test_plays", list(plays))
    both = sorted(set(val_plays) & set(test_plays))
    if both:
        raise ValueError(
            f"val_plays and test_plays must be disjoint, got {both} in both"
        )
    if not val_plays or not test_plays:
        raise ValueError(
            f"val_plays and test_plays must each name at least one play, "
            f"got {list(val_plays)} and {list(test_plays)}"
        )
    train_plays = [title for title in plays if title not in val_plays + test_plays]
    if not train_plays:
        raise ValueError(
            "val_plays and test_plays must leave at least one play for training, "
            "got none left"
        )

    def joined(titles):
        return "\n\n\n".join(plays[title] for title in plays if title in titles)

    return Splits(joined(train_plays), joined(val_plays), joined(test_plays))


def _check_fraction(value, name):
    if isinstance(value, bool) or not isinstance(value, Real) or not 0 < value < 1:
        raise ValueError(
            f"{name} must be a number strictly between 0 and 1, got {value!r}"
        )
    return float(value)


def split_contiguous(ids, val_fraction=0.1, test_fraction=0.1):
    """Cut one long sequence into three contiguous blocks: train, validation, test.

    Why blocks and not random lines or random windows: text is strongly correlated
    over short distances. Neighbouring lines share the speaker, the names, the rhyme
    and often whole phrases, and overlapping windows share most of their characters.
    A random split puts near-copies of every validation line into the training set,
    so the validation loss rewards memorising and looks better than the model is:
    the validation set leaks into training. With contiguous blocks only the few
    characters at the two cuts sit next to the other side.

    Args:
        ids: a ``str`` or a 1-D array (``CharVocabulary.encode(text)``) of length L.
        val_fraction, test_fraction: the shares of the two held-out blocks, each in
            (0, 1), summing to less than 1.

    Returns:
        ``Splits(train, val, test)``: slices of ``ids`` (views for arrays), of lengths
        ``L - n_val - n_test``, ``n_val = round(val_fraction * L)`` and
        ``n_test = round(test_fraction * L)``.
    """
    if not isinstance(ids, str):
        check_array(ids, "ids", ndim=1, dtype=None, framework="numpy")
    val_fraction = _check_fraction(val_fraction, "val_fraction")
    test_fraction = _check_fraction(test_fraction, "test_fraction")
    if val_fraction + test_fraction >= 1:
        raise ValueError(
            f"val_fraction + test_fraction must be less than 1 to leave training data, "
            f"got {val_fraction} + {test_fraction}"
        )
    n = len(ids)
    n_val, n_test = int(round(val_fraction * n)), int(round(test_fraction * n))
    n_train = n - n_val - n_test
    if min(n_train, n_val, n_test) < 1:
        raise ValueError(
            f"ids must be long enough for three non-empty blocks with these fractions, "
            f"got length {n} (train {n_train}, val {n_val}, test {n_test})"
        )
    return Splits(ids[:n_train], ids[n_train : n_train + n_val], ids[n_train + n_val :])


# ---------------------------------------------------------------------------- batches
def _check_ids(ids, name="ids"):
    check_array(ids, name, ndim=1, dtype="int", framework="numpy")
    return ids


def windows(ids, block_size, batch_size, rng=None):
    """A random batch of windows and their targets, the next character everywhere.

    ``x[b] = ids[s_b : s_b + T]`` and ``y[b] = ids[s_b + 1 : s_b + T + 1]`` for random
    starts ``s_b``, so ``y[b, t]`` is the character that follows ``x[b, t]``.
    Windows may overlap; each call draws new starts.

    Args:
        ids: (L,) integer ids, L > block_size.
        block_size: T, the window length.
        batch_size: B, the number of windows.
        rng: a ``numpy.random.Generator`` or an integer seed (default: seed 0).

    Returns:
        ``(x, y)``, two (B, T) int64 arrays.
    """
    _check_ids(ids)
    block_size = check_integer(block_size, "block_size", minimum=1)
    batch_size = check_integer(batch_size, "batch_size", minimum=1)
    rng = check_rng(rng)
    if len(ids) < block_size + 1:
        raise ValueError(
            f"ids must hold more than block_size = {block_size} ids to make a window "
            f"and its "
            f"targets, got {len(ids)}"
        )
    starts = rng.integers(0, len(ids) - block_size, size=batch_size)  # s + T <= L - 1
    positions = starts[:, None] + np.arange(block_size)[None, :]  # (B, T)
    ids = ids.astype(np.int64, copy=False)
    return ids[positions], ids[positions + 1]


def sequential_batches(ids, batch_size, block_size, drop_last=True):
    """Consecutive windows for truncated backpropagation through time (BPTT).

    The text is cut into B equal streams, one per row of the batch; window k holds the
    next T characters of each stream. Row b of window k + 1 continues exactly where row
    b of window k ended, so the hidden state a model ends window k with is the right
    starting state for window k + 1: carry it across (detached from the graph, so the
    gradient is truncated to T steps) instead of starting every window from zeros.

    With ``S = (L - 1) // B`` the stream length, stream b is
    ``ids[b * S : (b + 1) * S]``
    and its targets are the same positions plus one; window k is columns
    ``k * T .. k * T + T - 1`` of every stream.

    Args:
        ids: (L,) integer ids.
        batch_size: B, the number of parallel streams.
        block_size: T, the window length (the truncation length of BPTT).
        drop_last: if true, leave out the last ``S mod T`` columns so every window is
            (B, T); if false, the last window is (B, S mod T) when that is not zero.

    Returns:
        a list of ``(x, y)`` pairs of (B, T) int64 arrays, ``y`` one position ahead.
    """
    _check_ids(ids)
    batch_size = check_integer(batch_size, "batch_size", minimum=1)
    block_size = check_integer(block_size, "block_size", minimum=1)
    if not isinstance(drop_last, (bool, np.bool_)):
        raise TypeError(f"drop_last must be True or False, got {drop_last!r}")
    stream_length = (len(ids) - 1) // batch_size
    if stream_length < block_size:
        raise ValueError(
            f"ids must hold at least batch_size * block_size + 1 = "
            f"{batch_size * block_size + 1} ids for one window per stream, "
            f"got {len(ids)}"
        )
    ids = ids.astype(np.int64, copy=False)
    used = batch_size * stream_length
    x_streams = ids[:used].reshape(batch_size, stream_length)  # (B, S)
    y_streams = ids[1 : used + 1].reshape(
        batch_size, stream_length
    )  # (B, S), one ahead
    batches = []
    for start in range(0, stream_length, block_size):
        stop = start + block_size
        if stop > stream_length and drop_last:
            break
        batches.append((x_streams[:, start:stop], y_streams[:, start:stop]))
    return batches


# ----------------------------------------------------------------------------- units
def _check_nats(nats):
    if isinstance(nats, np.ndarray):
        check_array(nats, "nats", framework="numpy")
        if (nats < 0).any():
            raise ValueError(
                f"nats must be non-negative (a cross-entropy), "
                f"got the value {nats.min()!r}"
            )
        return nats
    if isinstance(nats, bool) or not isinstance(nats, Real):
        raise TypeError(
            f"nats must be a number or a NumPy array of losses, "
            f"got {type(nats).__name__}"
        )
    if not math.isfinite(nats) or nats < 0:
        raise ValueError(
            f"nats must be a non-negative finite number (a cross-entropy), got {nats!r}"
        )
    return float(nats)


def bits_per_char(nats):
    """A loss in nats per character in bits per character: ``nats / ln 2``.

    Cross-entropy with the natural log, what the losses return, is in nats.

    One bit per character means the model is, on average, as unsure as a fair coin
    toss between two characters. Accepts a number or an array of losses.
    """
    return _check_nats(nats) / math.log(2.0)


def perplexity(nats):
    """``exp(nats)``: the number of equally likely characters the model is as unsure as.

    A uniform guess over a vocabulary of V characters has loss ln V, perplexity V.
    Accepts a number or an array of losses.
    """
    nats = _check_nats(nats)
    return np.exp(nats) if isinstance(nats, np.ndarray) else math.exp(nats)


# ------------------------------------------------------------------ which play is this?
#: The shares of each play that ``play_passages`` gives to train, val and test.
PASSAGE_FRACTIONS = (0.6, 0.2, 0.2)


def play_passages(text, length, split="train", seed=0, vocabulary=None):
    """Passages of ``length`` characters, each labelled with the play it comes from.

    Each play (``split_plays``) is cut into three contiguous blocks, its first 60% of
    characters for ``"train"``, the next 20% for ``"val"`` and the last 20% for
    ``"test"``; each block is then cut into non-overlapping passages of ``length``
    characters (a block's last incomplete passage is dropped). So every play appears in
    every split, and no passage shares text with a passage of another split, which a
    random choice of passages would not guarantee (see ``split_contiguous``).

    Labels are indices into ``list(split_plays(text))``: 0 for the first play. Plays
    differ in length, so the classes are not balanced (count them with
    ``np.bincount``). Speaker names (``HAMLET.``) are part of the text and give many
    passages away; a classifier that must read the style has to have them removed.

    Args:
        text: the bundled Shakespeare, see ``split_plays``.
        length: characters per passage, a positive integer.
        split: ``"train"``, ``"val"``, ``"test"``, ``"trainval"`` or ``"all"``.
        seed: the passages are returned in an order shuffled with this seed, so a
            batch mixes plays; the same seed gives the same order.
        vocabulary: a ``CharVocabulary``; if given, passages come back as ids.

    Returns:
        ``(passages, labels)``: a list of M ``str`` (or an (M, length) int64 array
        with a vocabulary) and an (M,) int64 array of play labels.
    """
    plays = split_plays(text)
    length = check_integer(length, "length", minimum=1)
    check_choice(split, "split", SPLITS)
    seed = check_integer(seed, "seed", minimum=0)
    if vocabulary is not None and not isinstance(vocabulary, CharVocabulary):
        raise TypeError(
            f"vocabulary must be a CharVocabulary or None, "
            f"got {type(vocabulary).__name__}"
        )
    wanted = {
        "train": ("train",),
        "val": ("val",),
        "test": ("test",),
        "trainval": ("train", "val"),
        "all": ("train", "val", "test"),
    }[split]
    passages, labels = [], []
    for label, (title, play) in enumerate(plays.items()):
        cut_1 = int(round(PASSAGE_FRACTIONS[0] * len(play)))
        cut_2 = int(round((PASSAGE_FRACTIONS[0] + PASSAGE_FRACTIONS[1]) * len(play)))
        blocks = {"train": play[:cut_1], "val": play[cut_1:cut_2], "test": play[cut_2:]}
        for part in wanted:
            block = blocks[part]
            count = len(block) // length
            if count == 0:
                raise ValueError(
                    f"length must fit in every play's {part} block, "
                    f"got {length} characters "
                    f"but the {part} block of {title!r} has only {len(block)}"
                )
            passages += [block[i * length : (i + 1) * length] for i in range(count)]
            labels += [label] * count
    order = np.random.default_rng(seed).permutation(len(passages))
    passages = [passages[i] for i in order]
    labels = np.array(labels, dtype=np.int64)[order]
    if vocabulary is not None:
        encoded = vocabulary.encode("".join(passages))
        return encoded.reshape(len(passages), length), labels
    return passages, labels
