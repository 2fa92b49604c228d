"""Argument checks, device choice and seeding, and the PyTorch training loop."""

import numpy as np
import pytest
import torch

from helpers import checks
from helpers.checks import TrainingDivergedError
from helpers.runtime import describe_device, get_device, seed_everything, setup, timer
from helpers.train import History, batch_indices, evaluate, fit, make_loader

# --- checks -------------------------------------------------------------------------------


def test_check_array_accepts_numpy_and_torch_and_names_the_problem():
    checks.check_array(np.ones((2, 3)), "X", ndim=2)
    checks.check_array(torch.ones(2, 3), "X", ndim=2)
    with pytest.raises(
        TypeError, match="X must be a NumPy array or a torch.Tensor, got list"
    ):
        checks.check_array([[1.0]], "X")
    with pytest.raises(ValueError, match=r"X must be 2-D or 3-D, got shape \(4,\)"):
        checks.check_array(np.ones(4), "X", ndim=(2, 3))
    with pytest.raises(ValueError, match="X must be finite, got 2 nan or inf"):
        checks.check_array(torch.tensor([float("nan"), float("inf"), 1.0]), "X")
    with pytest.raises(TypeError, match="y must hold integers, got dtype float64"):
        checks.check_array(np.ones(3), "y", dtype="int")


def test_scalar_checks():
    assert checks.check_positive(3, "epochs", integer=True) == 3
    with pytest.raises(ValueError, match="epochs must be a positive integer, got 2.5"):
        checks.check_positive(2.5, "epochs", integer=True)
    with pytest.raises(TypeError, match="lr must be a positive number, got '0.1'"):
        checks.check_positive("0.1", "lr")
    with pytest.raises(TypeError):
        checks.check_positive(True, "lr")
    with pytest.raises(
        ValueError, match="unknown device 'gpu'; expected one of 'auto', 'cuda'"
    ):
        checks.check_choice("gpu", "device", ("auto", "cuda"))


# --- runtime --------------------------------------------------------------------------------


def test_auto_device_picks_what_is_there(monkeypatch):
    monkeypatch.delenv("DLBOOK_DEVICE", raising=False)
    expected = (
        "cuda"
        if torch.cuda.is_available()
        else ("mps" if torch.backends.mps.is_available() else "cpu")
    )
    assert get_device().type == expected
    monkeypatch.setenv("DLBOOK_DEVICE", "cpu")
    assert get_device().type == "cpu"
    assert get_device("cpu").type == "cpu"
    assert describe_device("cpu").startswith("cpu (")


def test_asking_for_a_missing_device_fails_clearly(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(
        RuntimeError, match="device 'cuda' was asked for but is not available here"
    ):
        get_device("cuda")
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        get_device("tpu")
    monkeypatch.setenv("DLBOOK_DEVICE", "gpu")
    with pytest.raises(ValueError, match="DLBOOK_DEVICE"):
        get_device()


def test_seeding_makes_numpy_and_torch_repeatable(capsys):
    rng = seed_everything(5)
    a = (np.random.rand(), torch.rand(1).item(), rng.normal())
    rng = seed_everything(5)
    assert a == (np.random.rand(), torch.rand(1).item(), rng.normal())
    device = setup(seed=1, prefer="cpu")
    assert device.type == "cpu" and "seed 1" in capsys.readouterr().out
    with pytest.raises(ValueError, match="seed must be a non-negative integer, got -1"):
        seed_everything(-1)


def test_timer_records_elapsed_time():
    results = {}
    with timer("work", results) as t:
        sum(range(10000))
    assert 0 < t.seconds < 5 and results["work"] == t.seconds


# --- training loop ------------------------------------------------------------------------


def test_history_records_and_explains_missing_keys():
    h = History()
    h.log(loss=2.0, acc=0.5)
    h.log(loss=1.0)
    assert (
        h["loss"] == [2.0, 1.0] and h.last("acc") == 0.5 and len(h) == 2 and "acc" in h
    )
    with pytest.raises(
        KeyError,
        match=r"no metric 'val_loss' was recorded; recorded: \['acc', 'loss'\]",
    ):
        h["val_loss"]


def test_batch_indices_cover_every_example_once():
    batches = batch_indices(10, 4, np.random.default_rng(0))
    assert [len(b) for b in batches] == [4, 4, 2]
    assert sorted(np.concatenate(batches)) == list(range(10))


def _regression_problem(n=128):
    g = torch.Generator().manual_seed(0)
    X = torch.randn(n, 3, generator=g)
    y = X @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.3
    return X, y


def test_fit_trains_a_model_and_records_history():
    torch.manual_seed(0)
    X, y = _regression_problem()
    model = torch.nn.Linear(3, 1)
    loader = make_loader(X, y, batch_size=16, seed=0)
    history = fit(
        model,
        torch.nn.functional.mse_loss,
        torch.optim.SGD(model.parameters(), lr=0.1),
        loader,
        epochs=30,
        val_loader=make_loader(X, y, batch_size=64, shuffle=False),
        metrics={"max_error": lambda out, t: (out - t).abs().max()},
        progress=False,
    )
    assert len(history["train_loss"]) == 30
    assert history["train_loss"][-1] < 1e-4 < history["train_loss"][0]
    assert history.last("val_loss") < 1e-4 and "val_max_error" in history
    scores = evaluate(model, torch.nn.functional.mse_loss, loader)
    assert scores["loss"] == pytest.approx(history.last("val_loss"), rel=1e-3, abs=1e-7)


def test_fit_reports_divergence():
    torch.manual_seed(0)
    X, y = _regression_problem()
    model = torch.nn.Linear(3, 1)
    with pytest.raises(TrainingDivergedError, match="learning rate 10") as caught:
        fit(
            model,
            torch.nn.functional.mse_loss,
            torch.optim.SGD(model.parameters(), lr=10.0),
            make_loader(X, y, batch_size=16),
            epochs=50,
            progress=False,
        )
    assert isinstance(caught.value.history, History)


def test_make_loader_checks_lengths():
    with pytest.raises(ValueError, match="X and y must have the same number of rows"):
        make_loader(torch.ones(5, 2), torch.ones(4))
