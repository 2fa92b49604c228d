"""Timing two functions side by side: warm-up, repeats, median and spread, fixed threads.

``measure_pair(numpy_step, torch_step)`` warms both up, picks for each how many
calls make one repeat last at least ``min_repeat_s`` (so that short steps are not
lost in the timer's resolution), then alternates the repeats, NumPy, PyTorch,
NumPy, PyTorch, ..., so that a change in the machine's load during the run
touches both alike. Each repeat gives one time per call; we report the median
and the interquartile range (the middle half of the repeats).

``fixed_threads(n)`` runs a block with NumPy's BLAS (through ``threadpoolctl``)
and PyTorch's intra-op pool (``torch.set_num_threads``) both limited to ``n``.
"""

import time
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from helpers.checks import check_positive


@contextmanager
def fixed_threads(threads):
    """Limit NumPy's BLAS and PyTorch to ``threads`` threads inside the block, then restore them."""
    threads = check_positive(threads, "threads", integer=True)
    torch_before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with threadpool_limits(limits=threads, user_api="blas"):
            yield
    finally:
        torch.set_num_threads(torch_before)


@dataclass
class Timing:
    """The measured seconds per call of one function, one entry per repeat."""

    seconds: list
    calls_per_repeat: int

    @property
    def median(self):
        return float(np.median(self.seconds))

    @property
    def q1(self):
        return float(np.percentile(self.seconds, 25))

    @property
    def q3(self):
        return float(np.percentile(self.seconds, 75))

    @property
    def iqr(self):
        """The interquartile range q3 - q1: how far apart the middle half of the repeats lie."""
        return self.q3 - self.q1

    def as_dict(self):
        return {
            "median_s": self.median,
            "q1_s": self.q1,
            "q3_s": self.q3,
            "iqr_s": self.iqr,
            "repeats": len(self.seconds),
            "calls_per_repeat": self.calls_per_repeat,
            "seconds": list(self.seconds),
        }


def _seconds_per_call(step, calls):
    start = time.perf_counter()
    for _ in range(calls):
        step()
    return (time.perf_counter() - start) / calls


def calls_for(step, min_repeat_s, max_calls=100_000):
    """How many calls of ``step`` take at least ``min_repeat_s`` seconds.

    Tries 1, 2, 5, 10, 20, 50, ... calls, as ``timeit`` does, until one batch of calls
    lasts long enough; a busy machine then gets fewer calls per repeat, not more.
    """
    calls = 1
    while calls < max_calls:
        for factor in (1, 2, 5):
            number = calls * factor
            if number * _seconds_per_call(step, number) >= min_repeat_s:
                return number
        calls *= 10
    return max_calls


def measure_pair(numpy_step, torch_step, repeats=7, warmup=3, min_repeat_s=0.05):
    """Time two steps alternately; returns ``(numpy Timing, torch Timing)`` in seconds per call.

    Args:
        numpy_step, torch_step: functions of no arguments doing the same work.
        repeats: how many timed repeats of each (the median is taken over them).
        warmup: untimed calls of each first (caches, thread pools, allocators).
        min_repeat_s: each repeat makes enough calls to last at least this long.
    """
    repeats = check_positive(repeats, "repeats", integer=True)
    min_repeat_s = check_positive(min_repeat_s, "min_repeat_s")
    for _ in range(warmup):
        numpy_step()
        torch_step()
    numpy_calls = calls_for(numpy_step, min_repeat_s)
    torch_calls = calls_for(torch_step, min_repeat_s)
    numpy_seconds, torch_seconds = [], []
    for _ in range(repeats):
        numpy_seconds.append(_seconds_per_call(numpy_step, numpy_calls))
        torch_seconds.append(_seconds_per_call(torch_step, torch_calls))
    return Timing(numpy_seconds, numpy_calls), Timing(torch_seconds, torch_calls)


def measure_one(step, repeats=7, warmup=3, min_repeat_s=0.05):
    """Time one step on its own (a case with no NumPy twin); returns its ``Timing``.

    Same warm-up, calls per repeat and repeats as ``measure_pair``.
    """
    repeats = check_positive(repeats, "repeats", integer=True)
    min_repeat_s = check_positive(min_repeat_s, "min_repeat_s")
    for _ in range(warmup):
        step()
    calls = calls_for(step, min_repeat_s)
    return Timing([_seconds_per_call(step, calls) for _ in range(repeats)], calls)
