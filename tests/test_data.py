"""Tests for helpers.data: bundled files, generated datasets, checksums and error messages."""

import hashlib
import re
import shutil
import time
import warnings

import numpy as np
import pytest

from helpers import data
from helpers.data import (CHECKSUMS, DATASET_NAMES, DataFileError, RegressionData, load_dataset,
                          load_mnist_subset, load_shakespeare, make_mnist1d, make_regression_data,
                          verify_data_files)


def _rows(X):
    return [row.tobytes() for row in np.asarray(X)]


# ------------------------------------------------------------------------------------------ MNIST
@pytest.mark.parametrize("split, n", [("all", 5000), ("train", 4000), ("test", 1000)])
@pytest.mark.parametrize("flatten", [True, False])
def test_mnist_shapes_dtypes_ranges(split, n, flatten):
    X, y = load_mnist_subset(split=split, flatten=flatten)
    assert X.shape == ((n, 784) if flatten else (n, 28, 28))
    assert X.dtype == np.float32 and y.dtype == np.int64 and y.shape == (n,)
    assert X.min() == 0.0 and X.max() == 1.0
    # pixel values are k/255, not rescaled per image
    assert np.allclose(X * 255, np.round(X * 255), atol=1e-4)
    # background is dark: most pixels of a digit are 0
    assert 0.7 < (X == 0).mean() < 0.9


@pytest.mark.parametrize("split, per_class", [("all", 500), ("train", 400), ("test", 100)])
def test_mnist_class_balance(split, per_class):
    _, y = load_mnist_subset(split)
    assert np.bincount(y, minlength=10).tolist() == [per_class] * 10


def test_mnist_classes_are_interleaved():
    _, y = load_mnist_subset("train")
    assert y[:30].tolist() == list(range(10)) * 3


def test_mnist_train_and_test_are_disjoint_and_make_up_all():
    X_all, y_all = load_mnist_subset("all")
    X_tr, y_tr = load_mnist_subset("train")
    X_te, y_te = load_mnist_subset("test")
    assert not set(_rows(X_tr)) & set(_rows(X_te))
    together = sorted(zip(_rows(X_tr) + _rows(X_te), y_tr.tolist() + y_te.tolist()))
    assert together == sorted(zip(_rows(X_all), y_all.tolist()))


def test_mnist_split_is_fixed():
    X1, y1 = load_mnist_subset("test")
    X2, y2 = load_mnist_subset("test")
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    # the same 1,000 test images on every machine and in every release
    digest = hashlib.sha256(np.round(X1 * 255).astype(np.uint8).tobytes()).hexdigest()
    assert digest == "e496e676b11588f630cde4c38854758c53dfba7fd1c56afd8c4653c07f73d684"


def test_mnist_flatten_is_a_reshape():
    flat, y1 = load_mnist_subset("test", flatten=True)
    square, y2 = load_mnist_subset("test", flatten=False)
    assert np.array_equal(flat, square.reshape(-1, 784)) and np.array_equal(y1, y2)


def test_mnist_labels_match_the_images():
    # A nearest-class-mean classifier reaches ~80% on MNIST; shuffled labels would give ~10%.
    X_tr, y_tr = load_mnist_subset("train")
    X_te, y_te = load_mnist_subset("test")
    means = np.stack([X_tr[y_tr == k].mean(0) for k in range(10)])
    pred = ((X_te[:, None, :] - means[None]) ** 2).sum(-1).argmin(1)
    assert (pred == y_te).mean() > 0.7


def test_mnist_loads_fast():
    load_mnist_subset()
    start = time.perf_counter()
    load_mnist_subset()
    assert time.perf_counter() - start < 0.5


# -------------------------------------------------------------------------------------- MNIST-1D
@pytest.mark.parametrize("split, n", [("all", 5000), ("train", 4000), ("test", 1000)])
def test_mnist1d_shapes_and_dtypes(split, n):
    X, y = make_mnist1d(split)
    assert X.shape == (n, 40) and X.dtype == np.float32
    assert y.shape == (n,) and y.dtype == np.int64
    assert set(np.unique(y).tolist()) == set(range(10))
    assert np.isfinite(X).all()


def test_mnist1d_is_standardised_and_balanced():
    X, y = make_mnist1d("all", n_samples=1000, seed=3)
    assert abs(float(X.mean())) < 1e-4 and abs(float(X.std()) - 1) < 1e-4
    assert np.bincount(y).tolist() == [100] * 10
    assert y[:10].tolist() != sorted(y[:10].tolist())  # shuffled, not grouped by class


def test_mnist1d_train_and_test_make_up_all():
    X, y = make_mnist1d("all", n_samples=200, seed=5, train_fraction=0.75)
    X_tr, y_tr = make_mnist1d("train", n_samples=200, seed=5, train_fraction=0.75)
    X_te, y_te = make_mnist1d("test", n_samples=200, seed=5, train_fraction=0.75)
    assert len(y_tr) == 150 and len(y_te) == 50
    assert np.array_equal(np.concatenate([X_tr, X_te]), X)
    assert np.array_equal(np.concatenate([y_tr, y_te]), y)


def test_mnist1d_is_deterministic_and_seed_dependent():
    state = np.random.get_state()[1].copy()
    X1, y1 = make_mnist1d(seed=7, n_samples=500)
    X2, y2 = make_mnist1d(seed=7, n_samples=500)
    X3, y3 = make_mnist1d(seed=8, n_samples=500)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.allclose(X1, X3) and not np.array_equal(y1, y3)
    assert np.array_equal(np.random.get_state()[1], state), "global NumPy RNG must not be touched"


def test_mnist1d_default_values_are_stable():
    # Pin the default dataset so a change of procedure (or of NumPy's generator) is noticed.
    X, y = make_mnist1d()
    assert y[:12].tolist() == [1, 6, 4, 3, 3, 3, 6, 1, 3, 3, 0, 7]
    assert np.allclose(X[0, :6], [0.30567, 0.72076, 0.97647, 1.02895, 0.99656, 0.48778], atol=1e-4)


def test_mnist1d_is_fast():
    start = time.perf_counter()
    make_mnist1d()
    assert time.perf_counter() - start < 1.0


def test_mnist1d_needs_nonlinearity():
    # Greydanus (2020) reports ~32% for logistic regression and much more for an MLP.
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    X_tr, y_tr = make_mnist1d("train")
    X_te, y_te = make_mnist1d("test")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings
        linear = LogisticRegression(max_iter=300).fit(X_tr, y_tr).score(X_te, y_te)
        mlp = MLPClassifier((64,), max_iter=100, random_state=0).fit(X_tr, y_tr).score(X_te, y_te)
    assert 0.2 < linear < 0.45, linear
    assert mlp > linear + 0.15, (linear, mlp)


# ----------------------------------------------------------------------------------- Shakespeare
def test_shakespeare_text():
    text = load_shakespeare()
    assert isinstance(text, str)
    assert 0.8e6 < len(text.encode("utf-8")) < 1.5e6
    assert "gutenberg" not in text.lower()
    assert "\r" not in text
    assert "To be, or not to be" in text
    assert "Out, damned spot" in text  # Macbeth
    for title in ("HAMLET, PRINCE OF DENMARK", "MACBETH", "ROMEO AND JULIET", "THE TRAGEDY OF KING LEAR",
                  "OTHELLO, THE MOOR OF VENICE", "A MIDSUMMER NIGHT'S DREAM", "JULIUS CAESAR", "THE TEMPEST"):
        assert re.search(r"(^|\n\n\n\n)" + re.escape(title) + r"\n\nby William Shakespeare\n", text), title


# ------------------------------------------------------------------------------------ regression
def test_regression_data_shapes_and_truth():
    d = make_regression_data(n_samples=50, n_features=3, noise_std=0.0, seed=1)
    assert isinstance(d, RegressionData)
    assert d.X.shape == (50, 3) and d.X.dtype == np.float64
    assert d.y.shape == (50,) and d.y.dtype == np.float64
    assert d.weight.shape == (3,) and isinstance(d.bias, float)
    assert np.allclose(d.y, d.X @ d.weight + d.bias)


def test_regression_noise_has_the_requested_std():
    d = make_regression_data(n_samples=20000, n_features=2, noise_std=0.5, seed=2)
    residual = d.y - (d.X @ d.weight + d.bias)
    assert abs(residual.std() - 0.5) < 0.02


def test_regression_is_deterministic_and_seed_dependent():
    a, b, c = (make_regression_data(seed=s) for s in (4, 4, 5))
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    assert not np.array_equal(a.X, c.X)


# ------------------------------------------------------------------------- checksums and errors
def test_checksums_match_sources_md_and_files():
    sources = (data.DATA_DIR / "SOURCES.md").read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| `([^`]+)` \| \d+ \| `([0-9a-f]{64})` \|$", sources, flags=re.M))
    assert table == CHECKSUMS
    for name, expected in CHECKSUMS.items():
        path = data.DATA_DIR / name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == expected, name
        assert re.search(rf"^\| `{re.escape(name)}` \| {path.stat().st_size} \|", sources, flags=re.M)
    assert set(verify_data_files()) == set(CHECKSUMS)


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A copy of the bundled files in a temporary DATA_DIR."""
    for name in CHECKSUMS:
        shutil.copy(data.DATA_DIR / name, tmp_path / name)
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    return tmp_path


def test_copy_in_other_dir_loads(data_copy):
    assert load_shakespeare().startswith("HAMLET")
    assert set(verify_data_files()) == set(CHECKSUMS)


@pytest.mark.parametrize("name, loader", [("shakespeare.txt", load_shakespeare),
                                          ("mnist_5k.npz", load_mnist_subset)])
def test_corrupted_file_raises(data_copy, name, loader):
    path = data_copy / name
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(DataFileError) as info:
        loader()
    message = str(info.value)
    assert isinstance(info.value, OSError)
    assert "corrupted" in message and name in message
    assert CHECKSUMS[name] in message and hashlib.sha256(bytes(raw)).hexdigest() in message
    assert "reinstall" in message
    with pytest.raises(DataFileError, match="corrupted"):
        verify_data_files()


@pytest.mark.parametrize("name, loader", [("shakespeare.txt", load_shakespeare),
                                          ("mnist_5k.npz", load_mnist_subset)])
def test_missing_file_raises(data_copy, name, loader):
    (data_copy / name).unlink()
    with pytest.raises(DataFileError) as info:
        loader()
    assert "missing" in str(info.value) and name in str(info.value) and "reinstall" in str(info.value)


def test_verify_reports_every_bad_file(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    with pytest.raises(DataFileError) as info:
        verify_data_files()
    assert all(name in str(info.value) for name in CHECKSUMS)


def test_a_file_changed_after_verification_is_caught(data_copy):
    assert "To be, or not to be" in load_shakespeare()  # verified and cached
    path = data_copy / "shakespeare.txt"
    path.write_text(path.read_text(encoding="utf-8") + "Exit, pursued by a bear.\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="corrupted"):
        load_shakespeare()


# ---------------------------------------------------------------------------------- dispatcher
def test_load_dataset_dispatches():
    assert set(DATASET_NAMES) == {"mnist_subset", "mnist1d", "shakespeare", "regression"}
    X, y = load_dataset("mnist1d", split="test", n_samples=100, seed=1)
    assert np.array_equal(X, make_mnist1d("test", n_samples=100, seed=1)[0])
    assert load_dataset("mnist_subset", split="test")[0].shape == (1000, 784)
    assert load_dataset("shakespeare") == load_shakespeare()
    assert load_dataset("regression", n_samples=7).X.shape == (7, 1)


def test_unknown_dataset_name():
    with pytest.raises(ValueError) as info:
        load_dataset("mnist_1d")
    message = str(info.value)
    assert "'mnist_1d'" in message and "did you mean 'mnist1d'" in message
    assert all(name in message for name in DATASET_NAMES)
    with pytest.raises(ValueError) as info:
        load_dataset("cifar10")
    assert "did you mean" not in str(info.value) and "'cifar10'" in str(info.value)


@pytest.mark.parametrize("call, error, pattern", [
    (lambda: load_mnist_subset(split="validation"), ValueError, r"'validation'.*'all', 'train', 'test'"),
    (lambda: load_mnist_subset(flatten="no"), TypeError, r"flatten.*'no'"),
    (lambda: make_mnist1d(split="val"), ValueError, r"'val'.*'train'"),
    (lambda: make_mnist1d(n_samples=5005), ValueError, r"multiple of 10.*5005"),
    (lambda: make_mnist1d(n_samples=0), ValueError, r"n_samples.*>= 1.*got 0"),
    (lambda: make_mnist1d(n_samples=100.0), TypeError, r"n_samples.*integer.*100\.0"),
    (lambda: make_mnist1d(train_fraction=1.0), ValueError, r"between 0 and 1.*1\.0"),
    (lambda: make_mnist1d(train_fraction=0), ValueError, r"between 0 and 1.*got 0"),
    (lambda: make_mnist1d(n_samples=10, train_fraction=0.05), ValueError, r"training set empty"),
    (lambda: make_mnist1d(seed=-1), ValueError, r"seed.*-1"),
    (lambda: make_regression_data(noise_std=-0.1), ValueError, r"noise_std.*>= 0.*-0\.1"),
    (lambda: make_regression_data(n_features=0), ValueError, r"n_features.*got 0"),
    (lambda: make_regression_data(n_samples=2.5), TypeError, r"n_samples.*2\.5"),
    (lambda: load_dataset("regression", noise=1.0), TypeError, r"noise"),
    (lambda: load_dataset(3), TypeError, r"string"),
])
def test_bad_arguments(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()
