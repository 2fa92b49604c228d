"""Datasets for the book: bundled with the package or generated from a seed, always offline.

Nothing here downloads anything. Two small files ship inside ``helpers/datasets``
(see ``SOURCES.md`` there for where they came from, their licences and what was
done to them); every other dataset is generated in code from a seed.

- ``mnist_subset``: 5,000 MNIST digits, 500 per class (bundled) -> ``X (N, 784)``, ``y (N,)``
- ``mnist1d``: MNIST-1D, 1-D digit signals of length 40 (generated) -> ``X (N, 40)``, ``y (N,)``
- ``shakespeare``: about 1 MB of text, eight plays (bundled) -> ``str``
- ``regression``: a noisy linear relation with known weights (generated) -> ``RegressionData``

Every loader checks its file's sha256 against ``CHECKSUMS`` before reading it.
A missing or damaged file raises :class:`DataFileError` saying which file and how
to restore it; nothing is ever regenerated or substituted behind your back.
"""

import difflib
import hashlib
import math
import zipfile
import zlib
from collections import namedtuple
from contextlib import contextmanager
from numbers import Integral, Real
from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter1d

from helpers.checks import check_choice

__all__ = [
    "DATA_DIR", "CHECKSUMS", "DATASET_NAMES", "SPLITS", "DataFileError", "RegressionData",
    "verify_data_files", "load_mnist_subset", "load_shakespeare", "make_mnist1d",
    "make_regression_data", "load_dataset",
]

#: Folder holding the bundled data files (looked up at call time, so tests may point it elsewhere).
DATA_DIR = Path(__file__).resolve().parent / "datasets"

#: sha256 of every bundled file, as recorded in ``helpers/datasets/SOURCES.md``.
CHECKSUMS = {
    "mnist_5k.npz": "63818dc867dd7ee1181196c2588842f34debadc19cc80dc16b1dc1401cbb62c4",
    "shakespeare.txt": "e60c4492bc3e0c7c21c63c011397692375d780a2475f3b17db24b5b03ea164ff",
}

DATASET_NAMES = ("mnist_subset", "mnist1d", "shakespeare", "regression")
SPLITS = ("all", "train", "test")

_RESTORE_HINT = ("The data files ship with the helpers package and are never downloaded or rebuilt at "
                 "run time. Restore it by reinstalling helpers (from the repository root: "
                 "pip install --force-reinstall -e .), or with `git checkout -- helpers/datasets` in "
                 "your clone, or by cloning the repository again.")


class DataFileError(OSError):
    """A bundled data file is missing, or its sha256 does not match ``CHECKSUMS``.

    The message names the file, says ``missing`` or ``corrupted`` (with the expected
    and the actual sha256), and says how to restore it.
    """


# ------------------------------------------------------------------------------ verification
_verified = {}  # resolved path -> (size, mtime_ns, ctime_ns) of the copy whose sha256 matched

# What reading a damaged file can raise (np.load of a broken .npz, a text file with a bad byte).
_READ_ERRORS = (OSError, EOFError, ValueError, KeyError, zlib.error, zipfile.BadZipFile)


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _problem(filename):
    """Check one bundled file; return ``None`` if it is fine, else a sentence saying what is wrong."""
    path = Path(DATA_DIR) / filename
    expected = CHECKSUMS[filename]
    try:
        stat = path.stat()
    except FileNotFoundError:
        return f"bundled data file {filename!r} is missing: expected it at {path}."
    key = str(path.resolve())
    # ctime changes on every write, even when the modification time is set back afterwards.
    fingerprint = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
    if _verified.get(key) == fingerprint:
        return None
    actual = _sha256(path)
    if actual != expected:
        _verified.pop(key, None)
        return (f"bundled data file {filename!r} is corrupted: its sha256 is {actual}, "
                f"expected {expected} ({path}).")
    _verified[key] = fingerprint
    return None


def _checked_path(filename):
    """Path of a bundled file whose sha256 matches ``CHECKSUMS``; raise :class:`DataFileError` otherwise."""
    problem = _problem(filename)
    if problem:
        raise DataFileError(f"{problem} {_RESTORE_HINT}")
    return Path(DATA_DIR) / filename


@contextmanager
def _reading(filename):
    """``with _reading(name) as path:`` read a bundled file whose sha256 matched.

    If reading it fails anyway (the file changed after it was verified, with its size and
    timestamps looking the same), it is hashed again: a corrupted file raises
    :class:`DataFileError` saying so, instead of a raw zlib or zip error.
    """
    path = _checked_path(filename)
    try:
        yield path
    except _READ_ERRORS as error:
        if isinstance(error, DataFileError):
            raise
        _verified.pop(str(path.resolve()), None)
        problem = _problem(filename)
        if problem:
            raise DataFileError(f"{problem} {_RESTORE_HINT}") from error
        raise


def verify_data_files():
    """Check every bundled file against its sha256 in ``CHECKSUMS``.

    A file whose size and modification time have not changed since it last
    matched is not hashed again, so calling this often is cheap.

    Returns:
        dict ``{filename: Path}`` of the verified files.

    Raises:
        DataFileError: listing every file that is missing or corrupted.
    """
    problems = [p for p in (_problem(name) for name in CHECKSUMS) if p]
    if problems:
        raise DataFileError(" ".join(problems) + " " + _RESTORE_HINT)
    return {name: Path(DATA_DIR) / name for name in CHECKSUMS}


# ---------------------------------------------------------------------------- argument checks
def _check_int(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {value!r} of type {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r} of type {type(value).__name__}")
    return bool(value)


# ---------------------------------------------------------------------------------------- MNIST
def _mnist_test_mask(labels):
    """Boolean (N,): within each class, every fifth image (positions 4, 9, 14, ... in file order) is test."""
    position_in_class = np.zeros(len(labels), dtype=np.int64)
    for digit in range(10):
        where = np.flatnonzero(labels == digit)
        position_in_class[where] = np.arange(len(where))
    return position_in_class % 5 == 4, position_in_class


def load_mnist_subset(split="all", flatten=True):
    """Load the bundled 5,000-image MNIST subset (500 images of each digit).

    The split is a fixed rule, identical on every machine and in every call and
    using no random numbers: within each digit, taken in the file's order, every
    fifth image is a test image. So ``"train"`` holds 4,000 images (400 per digit)
    and ``"test"`` 1,000 (100 per digit); together they are ``"all"``.
    Images come interleaved by class (0, 1, ..., 9, 0, 1, ...), so any slice of
    the result is nearly balanced; still shuffle the training set for SGD.

    Args:
        split: ``"all"`` (5,000), ``"train"`` (4,000) or ``"test"`` (1,000).
        flatten: if true, each image is a row of 784 pixels; else a 28 x 28 array.

    Returns:
        ``(X, y)``: ``X`` float32 in [0, 1] (0 is the background, 1 full ink), shape
        ``(N, 784)`` or ``(N, 28, 28)``; ``y`` int64 labels 0-9, shape ``(N,)``.

    Raises:
        DataFileError: if ``mnist_5k.npz`` is missing or corrupted.
    """
    check_choice(split, "split", SPLITS)
    flatten = _check_bool(flatten, "flatten")
    with _reading("mnist_5k.npz") as path, np.load(path, allow_pickle=False) as archive:
        images, labels = archive["images"], archive["labels"].astype(np.int64)
    is_test, position = _mnist_test_mask(labels)
    keep = {"all": np.ones(len(labels), dtype=bool), "train": ~is_test, "test": is_test}[split]
    index = np.flatnonzero(keep)
    index = index[np.lexsort((labels[index], position[index]))]  # interleave the classes
    X = images[index].astype(np.float32) / np.float32(255.0)
    if flatten:
        X = X.reshape(len(index), 28 * 28)
    return X, labels[index]


# ---------------------------------------------------------------------------------- Shakespeare
def load_shakespeare():
    """Load about 1 MB of Shakespeare as one string.

    Eight plays (Hamlet, Macbeth, Romeo and Juliet, King Lear, Othello, A Midsummer
    Night's Dream, Julius Caesar, The Tempest), Project Gutenberg texts with the
    distributor's header and licence removed. Each play starts with its title line
    in capitals followed by ``by William Shakespeare``; plays are separated by three
    blank lines. Lines end in ``\\n``.

    Returns:
        ``str`` of about 1.04 million characters (plain ASCII).

    Raises:
        DataFileError: if ``shakespeare.txt`` is missing or corrupted.
    """
    with _reading("shakespeare.txt") as path:
        return path.read_text(encoding="utf-8")


# -------------------------------------------------------------------------------------- MNIST-1D
# The ten digit templates that define MNIST-1D, 12 points each, as published with the dataset
# (Greydanus 2020, "Scaling down deep learning", arXiv:2011.14439; the `mnist1d` package,
# Apache-2.0). Everything below the table is this module's own implementation of the procedure.
_MNIST1D_TEMPLATES = np.array([
    [5, 6, 6.5, 6.75, 7, 7, 7, 7, 6.75, 6.5, 6, 5],          # 0
    [5, 3, 3, 3.4, 3.8, 4.2, 4.6, 5, 5.4, 5.8, 5, 5],        # 1
    [5, 6, 6.5, 6.5, 6, 5.25, 4.75, 4, 3.5, 3.5, 4, 5],      # 2
    [5, 6, 6.5, 6.5, 6, 5, 5, 6, 6.5, 6.5, 6, 5],            # 3
    [5, 4.4, 3.8, 3.2, 2.6, 2.6, 5, 5, 5, 5, 5, 5],          # 4
    [5, 3, 3, 3, 3, 5, 6, 6.5, 6.5, 6, 4.5, 5],              # 5
    [5, 4, 3.5, 3.25, 3, 3, 3, 3, 3.25, 3.5, 4, 5],          # 6
    [5, 7, 7, 6.6, 6.2, 5.8, 5.4, 5, 4.6, 4.2, 5, 5],        # 7
    [5, 4, 3.5, 3.5, 4, 5, 5, 4, 3.5, 3.5, 4, 5],            # 8
    [5, 4, 3.5, 3.5, 4, 5, 5, 5, 5, 4.7, 4.3, 5],            # 9
])
_M1D = dict(padding=(36, 60), mid_length=72, scale_range=0.4, max_shift=48, corr_noise=0.25,
            corr_sigma=2.0, iid_noise=0.02, shear=0.75, length=40)


def _mnist1d_templates():
    """(10, 12): each template standardised, shifted to start (and end) at 0, then divided by 6."""
    t = _MNIST1D_TEMPLATES - _MNIST1D_TEMPLATES.mean(axis=1, keepdims=True)
    t = t / t.std(axis=1, keepdims=True)
    return (t - t[:, :1]) / 6.0


def _resample(rows, lengths, n_out):
    """Linearly resample each row's first ``lengths[i]`` values onto ``n_out`` evenly spaced points.

    rows: (N, W) with W > max(lengths); lengths: (N,) ints >= 2 -> values (N, n_out) and the
    fractional source positions (N, n_out) each output point was read from.
    """
    position = np.linspace(0.0, 1.0, n_out)[None, :] * (lengths[:, None] - 1)
    left = np.minimum(np.floor(position).astype(np.int64), lengths[:, None] - 2)
    frac = position - left
    a = np.take_along_axis(rows, left, axis=1)
    b = np.take_along_axis(rows, left + 1, axis=1)
    return (1.0 - frac) * a + frac * b, position


def make_mnist1d(split="all", n_samples=5000, seed=42, train_fraction=0.8):
    """Generate MNIST-1D: ten 1-D "digit" signals, made hard by padding, shifts, noise and shear.

    MNIST-1D is Greydanus (2020), "Scaling down deep learning" (arXiv:2011.14439). The
    ten 12-point templates are the published ones (from the Apache-2.0 `mnist1d`
    package); the generator is this module's own NumPy/SciPy code following the
    published procedure, so it gives the same kind of data, not the same numbers as
    the dataset file distributed by the authors. For every example of digit ``d``:

    1. take template ``d`` and append a random number (36 to 60) of zeros;
    2. linearly resample that to 72 points;
    3. scale it by a random factor in [0.8, 1.2);
    4. shift it circularly to the right by a random 0 to 47 steps;
    5. where the signal is zero (the padding), put correlated noise: Gaussian noise
       of std 0.25 smoothed by a Gaussian filter of sigma 2;
    6. add independent Gaussian noise of std 0.02 everywhere;
    7. add a random linear shear (a ramp with slope uniform in [-0.375, 0.375));
    8. resample to 40 points.

    The examples (``n_samples / 10`` per digit) are then shuffled, the whole set is
    standardised to mean 0 and standard deviation 1, and the first
    ``train_fraction`` of them form the training set. Only a local
    ``np.random.default_rng(seed)`` is used: the same seed gives the same data, and
    global random state is neither read nor changed. Logistic regression reaches
    about a third of test accuracy on the default set, while an MLP and, better, a
    CNN do clearly better, which is what makes it a good teaching dataset.

    Args:
        split: ``"all"``, ``"train"`` (the first ``train_fraction``) or ``"test"`` (the rest).
        n_samples: total number of examples, a positive multiple of 10 (classes are balanced).
        seed: non-negative integer seed.
        train_fraction: fraction in (0, 1) of the examples that are training examples.

    Returns:
        ``(X, y)``: ``X`` float32, shape ``(N, 40)``; ``y`` int64 labels 0-9, shape ``(N,)``,
        where ``N`` is ``n_samples``, ``int(n_samples * train_fraction)`` or the rest.
    """
    check_choice(split, "split", SPLITS)
    n = _check_int(n_samples, "n_samples", 1)
    if n % 10:
        raise ValueError(f"n_samples must be a positive multiple of 10 (ten balanced classes), got {n}")
    seed = _check_int(seed, "seed", 0)
    if isinstance(train_fraction, bool) or not isinstance(train_fraction, Real) \
            or not 0 < train_fraction < 1:
        raise ValueError(f"train_fraction must be a number strictly between 0 and 1, got {train_fraction!r}")
    n_train = int(n * train_fraction)
    if n_train == 0 or n_train == n:
        raise ValueError(f"train_fraction={train_fraction!r} of n_samples={n} leaves the "
                         f"{'training' if n_train == 0 else 'test'} set empty; "
                         f"use more samples or a fraction nearer 0.5")

    p = _M1D
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(10, dtype=np.int64), n // 10)
    templates = _mnist1d_templates()
    n_template = templates.shape[1]

    # 1-2: pad with zeros, resample to 72 points; remember which points fall on the template
    pad = rng.integers(p["padding"][0], p["padding"][1] + 1, size=n)
    rows = np.zeros((n, n_template + p["padding"][1] + 1))
    rows[:, :n_template] = templates[labels]
    x, position = _resample(rows, n_template + pad, p["mid_length"])
    on_signal = position < n_template  # points between two padding zeros are exactly 0
    # 3: scale
    x *= 1.0 + p["scale_range"] * (rng.random(n)[:, None] - 0.5)
    # 4: circular shift to the right
    shift = rng.integers(0, p["max_shift"], size=n)
    source = (np.arange(p["mid_length"])[None, :] - shift[:, None]) % p["mid_length"]
    x = np.take_along_axis(x, source, axis=1)
    on_signal = np.take_along_axis(on_signal, source, axis=1)
    # 5-6: correlated noise where there is no signal, independent noise everywhere
    smooth = gaussian_filter1d(p["corr_noise"] * rng.standard_normal(x.shape), p["corr_sigma"], axis=1)
    x = np.where(on_signal, x, smooth)
    x += p["iid_noise"] * rng.standard_normal(x.shape)
    # 7: shear
    slope = p["shear"] * (rng.random(n)[:, None] - 0.5)
    x -= slope * np.linspace(-0.5, 0.5, p["mid_length"])[None, :]
    # 8: resample to the final length
    x, _ = _resample(x, np.full(n, p["mid_length"]), p["length"])

    order = rng.permutation(n)
    x, labels = x[order], labels[order]
    x = ((x - x.mean()) / x.std()).astype(np.float32)
    part = {"all": slice(None), "train": slice(None, n_train), "test": slice(n_train, None)}[split]
    return x[part], labels[part]


# ------------------------------------------------------------------------------------ regression
RegressionData = namedtuple("RegressionData", ["X", "y", "weight", "bias"])
RegressionData.__doc__ = """A synthetic linear-regression problem with known true parameters.

Fields: ``X`` float64 (N, D); ``y`` float64 (N,) = ``X @ weight + bias + noise``;
``weight`` float64 (D,), the true weights; ``bias`` float, the true intercept."""


def make_regression_data(n_samples=100, n_features=1, noise_std=0.5, seed=0):
    """Generate ``y = X @ weight + bias + noise`` with known ``weight`` and ``bias``.

    The true weights are drawn uniformly from [-3, 3] and the bias from [-2, 2], both
    rounded to one decimal so they read well in a printout; the features are uniform
    on [-2, 2); the noise is Gaussian with standard deviation ``noise_std``. Everything
    comes from a local ``np.random.default_rng(seed)``.

    Args:
        n_samples: number of examples N, a positive integer.
        n_features: number of features D, a positive integer.
        noise_std: standard deviation of the noise added to ``y``, >= 0 (0: exact line).
        seed: non-negative integer seed.

    Returns:
        ``RegressionData(X, y, weight, bias)``: ``X`` float64 (N, D), ``y`` float64 (N,),
        ``weight`` float64 (D,), ``bias`` float.
    """
    n = _check_int(n_samples, "n_samples", 1)
    d = _check_int(n_features, "n_features", 1)
    if isinstance(noise_std, bool) or not isinstance(noise_std, Real) or not math.isfinite(noise_std) \
            or noise_std < 0:
        raise ValueError(f"noise_std must be a finite number >= 0, got {noise_std!r}")
    seed = _check_int(seed, "seed", 0)
    rng = np.random.default_rng(seed)
    weight = np.round(rng.uniform(-3.0, 3.0, size=d), 1)
    bias = float(np.round(rng.uniform(-2.0, 2.0), 1))
    X = rng.uniform(-2.0, 2.0, size=(n, d))
    y = X @ weight + bias + float(noise_std) * rng.standard_normal(n)
    return RegressionData(X, y, weight, bias)


# ----------------------------------------------------------------------------------- dispatcher
_LOADERS = {
    "mnist_subset": load_mnist_subset,
    "mnist1d": make_mnist1d,
    "shakespeare": load_shakespeare,
    "regression": make_regression_data,
}


def load_dataset(name, **kwargs):
    """Load or generate a dataset by name; keyword arguments go to its function.

    ``"mnist_subset"`` -> :func:`load_mnist_subset`, ``"mnist1d"`` -> :func:`make_mnist1d`,
    ``"shakespeare"`` -> :func:`load_shakespeare`, ``"regression"`` -> :func:`make_regression_data`;
    see those for shapes and dtypes. E.g. ``load_dataset("mnist1d", split="train")``.

    Raises:
        ValueError: for a name not in ``DATASET_NAMES`` (suggesting the closest one).
    """
    if not isinstance(name, str):
        raise TypeError(f"dataset name must be a string, one of {DATASET_NAMES}, got {name!r}")
    if name not in _LOADERS:
        close = difflib.get_close_matches(name.lower(), DATASET_NAMES, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"unknown dataset {name!r}; known datasets: {', '.join(DATASET_NAMES)}{hint}")
    return _LOADERS[name](**kwargs)
