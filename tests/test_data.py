"""Tests for helpers.data: bundled files, generated datasets, checksums and error messages."""

import hashlib
import re
import shutil
import time
import warnings

import numpy as np
import pytest

from helpers import data
from helpers.data import (
    CHECKSUMS,
    DATASET_NAMES,
    SPLITS,
    DataFileError,
    RegressionData,
    Splits,
    load_dataset,
    load_diabetes,
    load_mnist_subset,
    load_shakespeare,
    make_mnist1d,
    make_regression_data,
    make_two_moons,
    split_indices,
    train_val_test_split,
    verify_data_files,
)


def _rows(X):
    return [row.tobytes() for row in np.asarray(X)]


# ------------------------------------------------------------------------------------------ MNIST
@pytest.mark.parametrize(
    "split, n",
    [("all", 5000), ("train", 3000), ("val", 1000), ("test", 1000), ("trainval", 4000)],
)
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


@pytest.mark.parametrize(
    "split, per_class",
    [("all", 500), ("train", 300), ("val", 100), ("test", 100), ("trainval", 400)],
)
def test_mnist_class_balance(split, per_class):
    _, y = load_mnist_subset(split)
    assert np.bincount(y, minlength=10).tolist() == [per_class] * 10


def test_mnist_classes_are_interleaved():
    _, y = load_mnist_subset("train")
    assert y[:30].tolist() == list(range(10)) * 3


def test_mnist_train_val_test_are_disjoint_and_make_up_all():
    X_all, y_all = load_mnist_subset("all")
    parts = {name: load_mnist_subset(name) for name in ("train", "val", "test")}
    rows = {name: set(_rows(X)) for name, (X, _) in parts.items()}
    assert (
        not rows["train"] & rows["val"]
        and not rows["train"] & rows["test"]
        and not rows["val"] & rows["test"]
    )
    together = sorted(
        pair for X, y in parts.values() for pair in zip(_rows(X), y.tolist())
    )
    assert together == sorted(zip(_rows(X_all), y_all.tolist()))
    X_tv, y_tv = load_mnist_subset("trainval")
    assert set(_rows(X_tv)) == rows["train"] | rows["val"]


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
@pytest.mark.parametrize(
    "split, n",
    [("all", 5000), ("train", 3000), ("val", 1000), ("test", 1000), ("trainval", 4000)],
)
def test_mnist1d_shapes_and_dtypes(split, n):
    X, y = make_mnist1d(split)
    assert X.shape == (n, 40) and X.dtype == np.float32
    assert y.shape == (n,) and y.dtype == np.int64
    assert set(np.unique(y).tolist()) == set(range(10))
    assert np.isfinite(X).all()


def test_mnist1d_is_standardised_on_train_and_balanced():
    X, y = make_mnist1d("train", n_samples=1000, seed=3)
    assert (
        abs(float(X.mean())) < 1e-5 and abs(float(X.std()) - 1) < 1e-5
    )  # train statistics only
    X_all, y_all = make_mnist1d("all", n_samples=1000, seed=3)
    assert abs(float(X_all.mean())) < 0.05 and abs(float(X_all.std()) - 1) < 0.05
    assert np.bincount(y_all).tolist() == [100] * 10
    for split, per_class in (("train", 60), ("val", 20), ("test", 20)):
        assert (
            np.bincount(make_mnist1d(split, n_samples=1000, seed=3)[1]).tolist()
            == [per_class] * 10
        )
    assert y_all[:10].tolist() != sorted(
        y_all[:10].tolist()
    )  # shuffled, not grouped by class


def test_mnist1d_parts_are_disjoint_and_make_up_all():
    X, y = make_mnist1d(
        "all", n_samples=200, seed=5, val_fraction=0.25, test_fraction=0.25
    )
    parts = {
        s: make_mnist1d(s, n_samples=200, seed=5, val_fraction=0.25, test_fraction=0.25)
        for s in ("train", "val", "test", "trainval")
    }
    assert [len(parts[s][1]) for s in ("train", "val", "test")] == [100, 50, 50]
    joined = sorted(
        pair
        for s in ("train", "val", "test")
        for pair in zip(_rows(parts[s][0]), parts[s][1].tolist())
    )
    assert joined == sorted(zip(_rows(X), y.tolist()))
    assert np.array_equal(
        parts["trainval"][0], np.concatenate([parts["train"][0], parts["val"][0]])
    )


def test_mnist1d_is_deterministic_and_seed_dependent():
    state = np.random.get_state()[1].copy()
    X1, y1 = make_mnist1d(seed=7, n_samples=500)
    X2, y2 = make_mnist1d(seed=7, n_samples=500)
    X3, y3 = make_mnist1d(seed=8, n_samples=500)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.allclose(X1, X3) and not np.array_equal(y1, y3)
    assert np.array_equal(np.random.get_state()[1], state), (
        "global NumPy RNG must not be touched"
    )


PINNED_MNIST1D_TEST_LABELS = [9, 7, 5, 5, 3, 8, 5, 6, 4, 3, 0, 1]
PINNED_MNIST1D_TEST_ROW = [2.10349, 1.23254, 0.31953, -0.07509, 0.28615, 0.84932]


def test_mnist1d_default_values_are_stable():
    # Pin the default dataset so a change of procedure (or of NumPy's generator) is noticed.
    X, y = make_mnist1d("test")
    assert y[:12].tolist() == PINNED_MNIST1D_TEST_LABELS
    assert np.allclose(X[0, :6], PINNED_MNIST1D_TEST_ROW, atol=1e-4)


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
        mlp = (
            MLPClassifier((64,), max_iter=100, random_state=0)
            .fit(X_tr, y_tr)
            .score(X_te, y_te)
        )
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
    for title in (
        "HAMLET, PRINCE OF DENMARK",
        "MACBETH",
        "ROMEO AND JULIET",
        "THE TRAGEDY OF KING LEAR",
        "OTHELLO, THE MOOR OF VENICE",
        "A MIDSUMMER NIGHT'S DREAM",
        "JULIUS CAESAR",
        "THE TEMPEST",
    ):
        assert re.search(
            r"(^|\n\n\n\n)" + re.escape(title) + r"\n\nby William Shakespeare\n", text
        ), title


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
    table = dict(
        re.findall(r"^\| `([^`]+)` \| \d+ \| `([0-9a-f]{64})` \|$", sources, flags=re.M)
    )
    assert table == CHECKSUMS
    for name, expected in CHECKSUMS.items():
        path = data.DATA_DIR / name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == expected, name
        assert re.search(
            rf"^\| `{re.escape(name)}` \| {path.stat().st_size} \|", sources, flags=re.M
        )
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


@pytest.mark.parametrize(
    "name, loader",
    [("shakespeare.txt", load_shakespeare), ("mnist_5k.npz", load_mnist_subset)],
)
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
    assert (
        CHECKSUMS[name] in message and hashlib.sha256(bytes(raw)).hexdigest() in message
    )
    assert "reinstall" in message
    with pytest.raises(DataFileError, match="corrupted"):
        verify_data_files()


@pytest.mark.parametrize(
    "name, loader",
    [("shakespeare.txt", load_shakespeare), ("mnist_5k.npz", load_mnist_subset)],
)
def test_missing_file_raises(data_copy, name, loader):
    (data_copy / name).unlink()
    with pytest.raises(DataFileError) as info:
        loader()
    assert (
        "missing" in str(info.value)
        and name in str(info.value)
        and "reinstall" in str(info.value)
    )


def test_verify_reports_every_bad_file(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    with pytest.raises(DataFileError) as info:
        verify_data_files()
    assert all(name in str(info.value) for name in CHECKSUMS)


def test_a_file_changed_after_verification_is_caught(data_copy):
    assert "To be, or not to be" in load_shakespeare()  # verified and cached
    path = data_copy / "shakespeare.txt"
    path.write_text(
        path.read_text(encoding="utf-8") + "Exit, pursued by a bear.\n",
        encoding="utf-8",
    )
    with pytest.raises(DataFileError, match="corrupted"):
        load_shakespeare()


# ---------------------------------------------------------------------------------- dispatcher
def test_load_dataset_dispatches():
    assert set(DATASET_NAMES) == {
        "mnist_subset",
        "mnist1d",
        "shakespeare",
        "regression",
        "diabetes",
        "moons",
    }
    assert np.array_equal(
        load_dataset("diabetes", split="val")[1], load_diabetes("val")[1]
    )
    assert np.array_equal(
        load_dataset("moons", split="test")[0], make_two_moons("test")[0]
    )
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


@pytest.mark.parametrize(
    "call, error, pattern",
    [
        (
            lambda: load_mnist_subset(split="validation"),
            ValueError,
            r"'validation'.*'all', 'train', 'val', 'test'",
        ),
        (lambda: load_mnist_subset(flatten="no"), TypeError, r"flatten.*'no'"),
        (lambda: make_mnist1d(split="valid"), ValueError, r"'valid'.*'train'"),
        (lambda: make_mnist1d(n_samples=5005), ValueError, r"multiple of 10.*5005"),
        (lambda: make_mnist1d(n_samples=0), ValueError, r"n_samples.*>= 1.*got 0"),
        (
            lambda: make_mnist1d(n_samples=100.0),
            TypeError,
            r"n_samples.*integer.*100\.0",
        ),
        (
            lambda: make_mnist1d(val_fraction=1.0),
            ValueError,
            r"val_fraction.*between 0 and 1.*1\.0",
        ),
        (
            lambda: make_mnist1d(test_fraction=0),
            ValueError,
            r"test_fraction.*between 0 and 1.*got 0",
        ),
        (
            lambda: make_mnist1d(val_fraction=0.5, test_fraction=0.5),
            ValueError,
            r"less than 1",
        ),
        (
            lambda: make_mnist1d(n_samples=10, val_fraction=0.01),
            ValueError,
            r"val and test part.*empty",
        ),
        (lambda: load_diabetes(split="dev"), ValueError, r"'dev'"),
        (lambda: make_two_moons(noise=-1), ValueError, r"noise.*>= 0"),
        (lambda: make_two_moons(n_samples=4), ValueError, r"n_samples.*>= 10"),
        (lambda: make_regression_data(split="training"), ValueError, r"'training'"),
        (lambda: split_indices(10, seed=1.5), TypeError, r"seed.*1\.5"),
        (
            lambda: split_indices(4, labels=np.array([0.0, 1, 0, 1])),
            ValueError,
            r"labels must be integer",
        ),
        (
            lambda: train_val_test_split(np.zeros((5, 2)), np.zeros(4)),
            ValueError,
            r"same number of rows",
        ),
        (lambda: make_mnist1d(seed=-1), ValueError, r"seed.*-1"),
        (
            lambda: make_regression_data(noise_std=-0.1),
            ValueError,
            r"noise_std.*>= 0.*-0\.1",
        ),
        (lambda: make_regression_data(n_features=0), ValueError, r"n_features.*got 0"),
        (lambda: make_regression_data(n_samples=2.5), TypeError, r"n_samples.*2\.5"),
        (lambda: load_dataset("regression", noise=1.0), TypeError, r"noise"),
        (lambda: load_dataset(3), TypeError, r"string"),
    ],
)
def test_bad_arguments(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


# ------------------------------------------------------------------------ train / val / test splits
@pytest.mark.parametrize(
    "n, labels",
    [
        (101, None),
        (1000, None),
        (90, np.repeat([0, 1, 2], 30)),
        (57, np.r_[np.zeros(40, int), np.ones(17, int)]),
    ],
)
def test_split_indices_are_disjoint_and_cover_everything(n, labels):
    parts = split_indices(n, seed=3, labels=labels)
    assert isinstance(parts, Splits)
    joined = np.concatenate(parts)
    assert len(joined) == n and sorted(joined.tolist()) == list(range(n))
    assert all(part.dtype == np.int64 and len(part) > 0 for part in parts)
    assert abs(len(parts.test) - 0.2 * n) <= (
        1 if labels is None else len(np.unique(labels))
    )


def test_split_indices_are_stratified():
    labels = np.r_[np.zeros(500, int), np.ones(300, int), np.full(200, 2)]
    parts = split_indices(
        len(labels), val_fraction=0.1, test_fraction=0.3, seed=0, labels=labels
    )
    assert np.bincount(labels[parts.test]).tolist() == [150, 90, 60]
    assert np.bincount(labels[parts.val]).tolist() == [50, 30, 20]
    assert np.bincount(labels[parts.train]).tolist() == [300, 180, 120]
    # a random (unstratified) split of the same data does not keep the proportions exactly
    shares = [
        np.bincount(
            labels[split_indices(len(labels), 0.1, 0.3, seed=s).test], minlength=3
        )
        for s in range(5)
    ]
    assert any(share.tolist() != [150, 90, 60] for share in shares)


def test_split_indices_are_seeded():
    a, b, c = (split_indices(200, seed=s) for s in (7, 7, 8))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a.test, c.test)
    state = np.random.get_state()[1].copy()
    split_indices(200, seed=1)
    assert np.array_equal(np.random.get_state()[1], state), (
        "global NumPy RNG must not be touched"
    )


def test_train_val_test_split_keeps_rows_together():
    X = np.arange(40.0).reshape(20, 2)
    y = np.arange(20) % 2
    (X_tr, y_tr), (X_va, y_va), (X_te, y_te) = train_val_test_split(
        X, y, seed=1, stratify=True
    )
    for X_part, y_part in ((X_tr, y_tr), (X_va, y_va), (X_te, y_te)):
        assert np.array_equal(
            X_part[:, 0] / 2 % 2, y_part
        )  # each row still has its own label
    assert len(y_tr) == 12 and len(y_va) == 4 and len(y_te) == 4
    assert np.bincount(y_te).tolist() == [2, 2]


@pytest.mark.parametrize(
    "loader, kwargs",
    [
        (load_diabetes, {}),
        (make_two_moons, {}),
        (make_mnist1d, {"n_samples": 500}),
        (lambda split: tuple(make_regression_data(50, 2, split=split)[:2]), {}),
    ],
)
def test_every_dataset_has_disjoint_seeded_parts(loader, kwargs):
    full_X, full_y = loader(split="all", **kwargs)
    parts = {s: loader(split=s, **kwargs) for s in ("train", "val", "test")}
    sizes = [len(parts[s][1]) for s in ("train", "val", "test")]
    assert sum(sizes) == len(full_y) and min(sizes) > 0
    rows = [set(_rows(parts[s][0])) for s in ("train", "val", "test")]
    assert not rows[0] & rows[1] and not rows[0] & rows[2] and not rows[1] & rows[2]
    assert (
        rows[0] | rows[1] | rows[2] == set(_rows(full_X))
        if loader is not make_mnist1d
        else True
    )
    again = loader(split="test", **kwargs)
    assert np.array_equal(again[0], parts["test"][0])
    trainval = loader(split="trainval", **kwargs)
    assert np.array_equal(
        trainval[0], np.concatenate([parts["train"][0], parts["val"][0]])
    )


def test_the_book_splits_have_the_documented_sizes():
    assert [len(load_diabetes(s)[1]) for s in ("train", "val", "test")] == [266, 88, 88]
    assert [
        np.bincount(make_two_moons(s)[1]).tolist() for s in ("train", "val", "test")
    ] == [[120, 120], [40, 40], [40, 40]]
    assert set(SPLITS) == {"all", "train", "val", "test", "trainval"}
