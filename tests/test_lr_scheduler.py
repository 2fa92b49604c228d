"""NumPy learning-rate schedulers = torch.optim.lr_scheduler, value for value.

Each test builds the same schedule on a NumPy optimiser and on a torch optimiser,
steps both (optimiser first, then scheduler) 60 times and compares every learning
rate, including past the end of a cosine (where torch's rises again).
"""

import math
import warnings

import numpy as np
import pytest
import torch

from helpers.numpy_nn import lr_scheduler as sched
from helpers.numpy_nn import optim

STEPS = 60
BASE_LR = 0.1


def _numpy_optimizer():
    return optim.SGD({"w": np.zeros(2)}, lr=BASE_LR, momentum=0.9)


def _torch_optimizer():
    return torch.optim.SGD(
        [torch.zeros(2, requires_grad=True)], lr=BASE_LR, momentum=0.9
    )


def _sequence(optimizer, scheduler, step_optimizer):
    lrs = [scheduler.get_last_lr()[0]]
    assert optimizer.param_groups[0]["lr"] == lrs[0]
    for _ in range(STEPS):
        step_optimizer()
        scheduler.step()
        lrs.append(scheduler.get_last_lr()[0])
        assert optimizer.param_groups[0]["lr"] == lrs[-1]
    return np.array(lrs)


def _numpy_sequence(make):
    optimizer = _numpy_optimizer()
    scheduler = make(sched, optimizer)
    return _sequence(optimizer, scheduler, lambda: optimizer.step({"w": np.ones(2)}))


def _torch_sequence(make):
    optimizer = _torch_optimizer()
    scheduler = make(torch.optim.lr_scheduler, optimizer)

    def step():
        optimizer.param_groups[0]["params"][0].grad = torch.ones(2)
        optimizer.step()

    return _sequence(optimizer, scheduler, step)


SCHEDULES = {
    "StepLR(7, 0.5)": lambda m, o: m.StepLR(o, step_size=7, gamma=0.5),
    "StepLR(1, 0.9)": lambda m, o: m.StepLR(o, step_size=1, gamma=0.9),
    "StepLR(10)": lambda m, o: m.StepLR(o, 10),
    "Cosine(20, 1e-3)": lambda m, o: m.CosineAnnealingLR(o, T_max=20, eta_min=1e-3),
    "Cosine(50)": lambda m, o: m.CosineAnnealingLR(o, T_max=50),
    "Cosine(7)": lambda m, o: m.CosineAnnealingLR(o, 7),
    "Linear()": lambda m, o: m.LinearLR(o),
    "Linear(0.1, 1, 10)": lambda m, o: m.LinearLR(o, start_factor=0.1, total_iters=10),
    "Linear(1, 0, 30)": lambda m, o: m.LinearLR(
        o, start_factor=1.0, end_factor=0.0, total_iters=30
    ),
    "Linear(0.5, 0.25, 80)": lambda m, o: m.LinearLR(o, 0.5, 0.25, 80),
    "warm-up 5 + cosine 45": lambda m, o: m.SequentialLR(
        o,
        [
            m.LinearLR(o, start_factor=0.1, total_iters=5),
            m.CosineAnnealingLR(o, T_max=45, eta_min=1e-4),
        ],
        milestones=[5],
    ),
    "warm-up, step, cosine": lambda m, o: m.SequentialLR(
        o,
        [
            m.LinearLR(o, start_factor=0.25, total_iters=4),
            m.StepLR(o, 5, gamma=0.5),
            m.CosineAnnealingLR(o, T_max=20),
        ],
        milestones=[4, 19],
    ),
    "cosine then linear": lambda m, o: m.SequentialLR(
        o,
        [
            m.CosineAnnealingLR(o, T_max=10, eta_min=0.01),
            m.LinearLR(o, start_factor=0.5, end_factor=0.1, total_iters=30),
        ],
        milestones=[12],
    ),
}


@pytest.mark.parametrize("name", SCHEDULES)
def test_same_learning_rates_as_torch(name):
    mine = _numpy_sequence(SCHEDULES[name])
    theirs = _torch_sequence(SCHEDULES[name])
    assert len(mine) == STEPS + 1
    np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-15)
    assert np.ptp(mine) > 0  # the schedule really changed the learning rate


def test_the_closed_forms_by_hand():
    lrs = _numpy_sequence(SCHEDULES["StepLR(7, 0.5)"])
    assert lrs[6] == BASE_LR and lrs[7] == BASE_LR / 2 and lrs[14] == BASE_LR / 4
    lrs = _numpy_sequence(SCHEDULES["Cosine(20, 1e-3)"])
    assert lrs[0] == BASE_LR and lrs[20] == pytest.approx(1e-3, abs=1e-15)
    assert lrs[10] == pytest.approx((BASE_LR + 1e-3) / 2)
    lrs = _numpy_sequence(SCHEDULES["Linear(0.1, 1, 10)"])
    np.testing.assert_allclose(lrs[:11], BASE_LR * np.linspace(0.1, 1, 11), rtol=1e-12)
    assert np.all(lrs[10:] == lrs[10])


@pytest.mark.parametrize("warmup, total", [(0, 40), (2, 30), (5, 50), (10, 12)])
def test_warmup_cosine_is_sequential_linear_then_cosine(warmup, total):
    def make(m, o):
        decay = m.CosineAnnealingLR(o, T_max=total - warmup, eta_min=0.002)
        if warmup == 0:
            return decay
        warm = m.LinearLR(o, start_factor=1 / warmup, total_iters=warmup - 1)
        return m.SequentialLR(o, [warm, decay], milestones=[warmup])

    theirs = _torch_sequence(make)[: total + 1]
    mine = [
        sched.warmup_cosine(t, total, warmup, BASE_LR, min_lr=0.002)
        for t in range(total + 1)
    ]
    np.testing.assert_allclose(mine, theirs, rtol=1e-12)
    assert mine[-1] == pytest.approx(0.002)
    if warmup:
        assert mine[0] == pytest.approx(BASE_LR / warmup)
        assert mine[warmup - 1] == mine[warmup] == pytest.approx(BASE_LR)
    # Past the end it stays at min_lr, where torch's cosine climbs back.
    assert sched.warmup_cosine(total + 5, total, warmup, BASE_LR, 0.002) == 0.002


def test_warmup_cosine_halfway_and_monotone():
    lrs = [sched.warmup_cosine(t, 100, 10, 1.0) for t in range(101)]
    assert lrs[55] == pytest.approx(0.5)
    assert np.all(np.diff(lrs[:10]) > 0) and np.all(np.diff(lrs[10:]) < 0)


def test_stepping_the_scheduler_before_the_optimizer_raises_where_torch_warns():
    optimizer = _numpy_optimizer()
    scheduler = sched.CosineAnnealingLR(optimizer, T_max=10)  # construction is fine
    with pytest.raises(
        ValueError, match=r"call optimizer.step\(\) before scheduler.step\(\)"
    ):
        scheduler.step()
    assert scheduler.last_epoch == 0 and optimizer.param_groups[0]["lr"] == BASE_LR
    optimizer.step({"w": np.ones(2)})
    scheduler.step()
    assert scheduler.last_epoch == 1

    torch_optimizer = _torch_optimizer()
    torch_scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
        torch_optimizer, T_max=10
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch_scheduler.step()
    assert any("before `optimizer.step()`" in str(w.message) for w in caught)


def test_initial_lr_and_base_lrs_as_in_torch():
    optimizer = _numpy_optimizer()
    scheduler = sched.LinearLR(optimizer, start_factor=0.5, total_iters=4)
    assert optimizer.param_groups[0]["initial_lr"] == BASE_LR
    assert scheduler.base_lrs == [BASE_LR]
    assert optimizer.param_groups[0]["lr"] == BASE_LR * 0.5
    assert scheduler.last_epoch == 0


def test_the_torch_twins_are_torchs_own():
    from helpers.torch_nn import lr_scheduler as torch_sched

    for name in ("StepLR", "CosineAnnealingLR", "LinearLR", "SequentialLR"):
        assert getattr(torch_sched, name) is getattr(torch.optim.lr_scheduler, name)
    assert torch_sched.warmup_cosine is sched.warmup_cosine
    assert math.isclose(torch_sched.warmup_cosine(0, 10, 2, 1.0), 0.5)
