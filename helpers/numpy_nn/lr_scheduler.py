"""Learning-rate schedules for the NumPy optimisers, like ``torch.optim.lr_scheduler``.

A scheduler sets ``optimizer.param_groups[0]["lr"]`` from a step counter ``t``
(``last_epoch``, torch's name: it counts epochs or steps, whichever you step it with):

    StepLR             lr_t = base_lr * gamma ** (t // step_size)
    CosineAnnealingLR  lr_t = eta_min + (base_lr - eta_min) * (1 + cos(pi t / T)) / 2
    LinearLR           lr_t = base_lr * (s + (e - s) * min(t, n) / n)
    SequentialLR       one schedule until a milestone, the next one after it (warm-up,
                       then cosine), each counting its own t from 0 at its milestone

(T = T_max, s = start_factor, e = end_factor, n = total_iters).

Use it as in torch, once per step (or epoch), after the optimiser:

    optimizer = SGD(net.parameters(), lr=0.1)
    scheduler = CosineAnnealingLR(optimizer, T_max=steps)   # sets lr_0 = base_lr
    for step in range(steps):
        ...
        optimizer.step(net.grads)
        scheduler.step()                                    # lr_1, lr_2, ...

Constructing a scheduler sets the first value (t = 0). Calling ``scheduler.step()``
before any ``optimizer.step()`` raises a ValueError (torch only warns): it would skip
the schedule's first value.

torch computes these sequences by recursions that multiply the current learning rate
(so that schedulers can be chained); the closed forms here give the same numbers, to
rounding, whenever nothing else changes the learning rate. The tests compare 60 steps of
each against torch. ``warmup_cosine`` is warm-up-then-cosine as one formula.
"""

import bisect
import math
from numbers import Integral, Real

from helpers.numpy_nn.optim import Optimizer


class LRScheduler:
    """What every scheduler shares. Subclasses write ``lr_at(t, base_lr) -> float``.

    Args:
        optimizer: a ``helpers.numpy_nn.optim`` optimiser (for a ``torch.optim`` one,
            use ``torch.optim.lr_scheduler``).

    Attributes:
        base_lrs: the learning rate of each param group when the first scheduler was
            attached (kept in the group as ``"initial_lr"``, as torch does).
        last_epoch: t, the number of ``step()`` calls so far (0 after construction).
    """

    def __init__(self, optimizer):
        if not isinstance(optimizer, Optimizer):
            hint = (
                " (for a torch.optim optimiser use torch.optim.lr_scheduler)"
                if type(optimizer).__module__.startswith("torch")
                else ""
            )
            raise TypeError(
                f"optimizer must be an optimiser from helpers.numpy_nn.optim "
                f"such as SGD or Adam, got {type(optimizer).__name__}{hint}"
            )
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = 0
        self._set_lrs()

    def lr_at(self, t, base_lr):
        raise NotImplementedError

    def step(self):
        """Advance t by one and set lr to lr_t. Call it after ``optimizer.step``."""
        _check_optimizer_stepped(self.optimizer, type(self).__name__)
        self.last_epoch += 1
        self._set_lrs()

    def get_last_lr(self):
        """The learning rate of each param group set by the last step: ``[lr_t]``."""
        return list(self._last_lr)

    def _set_lrs(self):
        for group, base_lr in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = self.lr_at(self.last_epoch, base_lr)
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` steps.

        lr_t = base_lr * gamma ** (t // step_size)

    Args:
        optimizer: a NumPy optimiser. step_size: a positive integer.
        gamma: the factor, > 0 (0.1: divide by ten).
    """

    def __init__(self, optimizer, step_size, gamma=0.1):
        self.step_size = _check_count(step_size, "step_size")
        self.gamma = _check_number(gamma, "gamma", low=0, low_open=True)
        super().__init__(optimizer)

    def lr_at(self, t, base_lr):
        return base_lr * self.gamma ** (t // self.step_size)


class CosineAnnealingLR(LRScheduler):
    """Half a cosine from ``base_lr`` down to ``eta_min`` over ``T_max`` steps.

        lr_t = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2

    so lr_0 = base_lr, lr_{T_max / 2} is halfway and lr_{T_max} = eta_min. The decay is
    slow at first and at the end and fastest in the middle. Past T_max the cosine rises
    again, as in torch (``warmup_cosine`` stays at its minimum instead).

    Args:
        optimizer: a NumPy optimiser. T_max: the steps to the minimum, an integer > 0.
        eta_min: the smallest learning rate, >= 0.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0):
        self.T_max = _check_count(T_max, "T_max")
        self.eta_min = _check_number(eta_min, "eta_min", low=0)
        super().__init__(optimizer)

    def lr_at(self, t, base_lr):
        cosine = (1 + math.cos(math.pi * t / self.T_max)) / 2
        return self.eta_min + (base_lr - self.eta_min) * cosine


class LinearLR(LRScheduler):
    """Scale the learning rate linearly from ``start_factor`` to ``end_factor``.

        lr_t = base_lr * (s + (e - s) * min(t, total_iters) / total_iters)

    with s = start_factor and e = end_factor: lr_0 = s * base_lr, and from
    t = total_iters on the learning rate stays at e * base_lr. With s < e: a warm-up.

    Args:
        optimizer: a NumPy optimiser. start_factor: in (0, 1] (torch's range).
        end_factor: in [0, 1]. total_iters: a positive integer.
    """

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5):
        self.start_factor = _check_number(
            start_factor, "start_factor", low=0, high=1, low_open=True
        )
        self.end_factor = _check_number(end_factor, "end_factor", low=0, high=1)
        self.total_iters = _check_count(total_iters, "total_iters")
        super().__init__(optimizer)

    def lr_at(self, t, base_lr):
        progress = min(t, self.total_iters) / self.total_iters
        return base_lr * (
            self.start_factor + (self.end_factor - self.start_factor) * progress
        )


class SequentialLR(LRScheduler):
    """Run ``schedulers[0]`` until ``milestones[0]``, then ``schedulers[1]``, and so on.

        milestones[i-1] <= t < milestones[i]:
            lr_t = schedulers[i].lr_at(t - milestones[i-1], base_lr)

    Each schedule restarts its own count at its milestone, from the same base_lr. The
    usual use is a warm-up then a cosine decay:

        warmup = LinearLR(optimizer, start_factor=0.1, total_iters=W)
        decay = CosineAnnealingLR(optimizer, T_max=total - W)
        scheduler = SequentialLR(optimizer, [warmup, decay], milestones=[W])

    Args:
        optimizer: the NumPy optimiser every one of ``schedulers`` was built for.
        schedulers: a list of schedulers. milestones: ``len(schedulers) - 1`` increasing
            positive integers, the steps where the next schedule takes over.
    """

    def __init__(self, optimizer, schedulers, milestones):
        if not isinstance(schedulers, (list, tuple)) or not schedulers:
            raise ValueError(
                f"schedulers must be a non-empty list of schedulers, got {schedulers!r}"
            )
        for index, scheduler in enumerate(schedulers):
            if not isinstance(scheduler, LRScheduler) or isinstance(
                scheduler, SequentialLR
            ):
                raise TypeError(
                    f"schedulers[{index}] must be a scheduler such as LinearLR "
                    f"or CosineAnnealingLR, got {type(scheduler).__name__}"
                )
            if scheduler.optimizer is not optimizer:
                raise ValueError(
                    f"schedulers[{index}] must belong to the same optimizer as "
                    f"SequentialLR, got one built for another optimiser"
                )
        if (
            not isinstance(milestones, (list, tuple))
            or len(milestones) != len(schedulers) - 1
        ):
            raise ValueError(
                f"milestones must be a list of len(schedulers) - 1 = "
                f"{len(schedulers) - 1} steps, got {milestones!r}"
            )
        milestones = [_check_count(m, "each of milestones") for m in milestones]
        if milestones != sorted(set(milestones)):
            raise ValueError(f"milestones must increase, got {milestones}")
        self.schedulers = list(schedulers)
        self.milestones = milestones
        super().__init__(optimizer)

    def _current(self, t):
        """The scheduler in charge at step t and its own count there."""
        index = bisect.bisect_right(self.milestones, t)
        start = self.milestones[index - 1] if index > 0 else 0
        return self.schedulers[index], t - start

    def lr_at(self, t, base_lr):
        scheduler, local_t = self._current(t)
        return scheduler.lr_at(local_t, base_lr)

    def _set_lrs(self):
        super()._set_lrs()
        scheduler, local_t = self._current(self.last_epoch)
        scheduler.last_epoch = local_t
        scheduler._last_lr = list(self._last_lr)


def warmup_cosine(step, total_steps, warmup_steps, base_lr, min_lr=0.0):
    """The learning rate at ``step`` of a linear warm-up followed by a cosine decay.

        step < warmup_steps:                  lr = base_lr * (step + 1) / warmup_steps
        warmup_steps <= step <= total_steps:  lr = min_lr + (base_lr - min_lr)
                                                   * (1 + cos(pi * p)) / 2,
                                              p = (step - warmup_steps)
                                                  / (total_steps - warmup_steps)
        step > total_steps:                   lr = min_lr

    The warm-up climbs from base_lr / warmup_steps to base_lr at step warmup_steps - 1
    (never 0: a step with learning rate 0 would be wasted); the decay starts at base_lr
    and reaches min_lr at total_steps. For 0 <= step <= total_steps (and warmup_steps
    of 0 or at least 2) this is exactly the sequence of

        warmup = LinearLR(optimizer, start_factor=1 / W, total_iters=W - 1)
        decay = CosineAnnealingLR(optimizer, T_max=total_steps - W, eta_min=min_lr)
        SequentialLR(optimizer, [warmup, decay], milestones=[W])

    with W = warmup_steps; past total_steps it stays at min_lr where the cosine of
    ``CosineAnnealingLR`` would rise again.

    Args:
        step: the step, an integer >= 0. total_steps: a positive integer.
        warmup_steps: an integer in [0, total_steps). base_lr: the peak, > 0.
        min_lr: the final learning rate, in [0, base_lr].

    Returns:
        the learning rate, a float.
    """
    step = _check_count(step, "step", minimum=0)
    total_steps = _check_count(total_steps, "total_steps")
    warmup_steps = _check_count(warmup_steps, "warmup_steps", minimum=0)
    if warmup_steps >= total_steps:
        raise ValueError(
            f"warmup_steps must be smaller than total_steps = {total_steps}, "
            f"got {warmup_steps}"
        )
    base_lr = _check_number(base_lr, "base_lr", low=0, low_open=True)
    min_lr = _check_number(min_lr, "min_lr", low=0, high=base_lr)
    if step < warmup_steps:
        return base_lr * (step + 1) / warmup_steps
    if step > total_steps:
        return min_lr
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return min_lr + (base_lr - min_lr) * (1 + math.cos(math.pi * progress)) / 2


# ------------------------------------------------------------------ argument checks


def _check_optimizer_stepped(optimizer, scheduler_name):
    if optimizer.step_count == 0:
        raise ValueError(
            f"call optimizer.step() before scheduler.step(): {scheduler_name}."
            f"step() was called before any optimizer.step(), which would skip "
            f"the schedule's first learning rate"
        )


def _check_count(value, name, minimum=1):
    """An integer (not a bool, not 4.0) >= ``minimum``."""
    want = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(
            f"{name} must be {want}, got {value!r} of type {type(value).__name__}"
        )
    if value < minimum:
        raise ValueError(f"{name} must be {want}, got {value!r}")
    return int(value)


def _check_number(value, name, low=-math.inf, high=math.inf, low_open=False):
    """A finite real number in [low, high] (or (low, high] with ``low_open``)."""
    if low == 0 and math.isinf(high):
        want = "a positive number" if low_open else "a non-negative number"
    else:
        want = f"a number in {'(' if low_open else '['}{low:g}, {high:g}]"
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(
            f"{name} must be {want}, got {value!r} of type {type(value).__name__}"
        )
    inside = (low < value if low_open else low <= value) and value <= high
    if not math.isfinite(value) or not inside:
        raise ValueError(f"{name} must be {want}, got {value!r}")
    return float(value)
