"""Where the code runs and how to make it repeatable: device choice, seeding, timing.

Every notebook starts with ``device = setup(seed=0)``: the same cell picks a
CUDA GPU when there is one, else Apple's MPS, else the CPU, and seeds Python,
NumPy and PyTorch so that numbers printed in the book come out the same on
every run.
"""

import os
import random
import time
from contextlib import contextmanager

import numpy as np
import torch

from helpers.checks import check_choice, check_integer

DEVICE_KINDS = ("auto", "cuda", "mps", "cpu")


def get_device(prefer="auto"):
    """Return the ``torch.device`` to compute on.

    Args:
        prefer: ``"auto"`` picks ``cuda``, then ``mps``, then ``cpu``; naming a
            kind asks for that one and fails clearly if it is not there. The
            environment variable ``DLBOOK_DEVICE`` overrides ``"auto"``, e.g. to
            force the CPU on a machine with a GPU.
    """
    check_choice(prefer, "device", DEVICE_KINDS)
    if prefer == "auto":
        prefer = os.environ.get("DLBOOK_DEVICE", "auto")
        check_choice(prefer, "device in DLBOOK_DEVICE", DEVICE_KINDS)
    available = {
        "cuda": torch.cuda.is_available(),
        "mps": hasattr(torch.backends, "mps") and torch.backends.mps.is_available(),
        "cpu": True,
    }
    if prefer == "auto":
        return torch.device(
            next(kind for kind in ("cuda", "mps", "cpu") if available[kind])
        )
    if not available[prefer]:
        found = [kind for kind, ok in available.items() if ok]
        raise RuntimeError(
            f"device {prefer!r} was asked for but is not available here; available: {found}"
        )
    return torch.device(prefer)


def seed_everything(seed=0):
    """Seed Python's ``random``, NumPy's global generator and PyTorch (CPU and GPU).

    Returns a fresh ``numpy.random.Generator`` seeded with ``seed``: notebooks use it
    for every random draw they make, which keeps them repeatable cell by cell.
    """
    seed = check_integer(seed, "seed", minimum=0)  # a Python or NumPy integer
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return np.random.default_rng(seed)


def describe_device(device):
    """A one-line, human description of ``device``, e.g. ``'cpu (2 threads)'``."""
    device = torch.device(device)
    if device.type == "cuda":
        return f"cuda: {torch.cuda.get_device_name(device)}"
    if device.type == "mps":
        return "mps: Apple GPU"
    return f"cpu ({torch.get_num_threads()} threads)"


def setup(seed=0, prefer="auto", verbose=True):
    """Seed everything and choose the device; print what was chosen.

    Args:
        seed: a non-negative integer (Python's or NumPy's).
        prefer: see ``get_device``.
        verbose: print the versions, the seed and the device.

    Returns:
        the ``torch.device`` to use for the rest of the notebook.
    """
    seed = check_integer(seed, "seed", minimum=0)
    seed_everything(seed)
    device = get_device(prefer)
    if verbose:
        print(
            f"PyTorch {torch.__version__}, NumPy {np.__version__}; seed {seed}; "
            f"device {describe_device(device)}"
        )
    return device


@contextmanager
def timer(label=None, results=None):
    """Time a block of code with ``time.perf_counter``.

    Usage::

        with timer("closed form") as t:
            fit_closed_form(X, y)
        t.seconds  # elapsed time

    If ``label`` is given the time is printed; if ``results`` (a dict) is given it is
    stored there under ``label``.
    """

    class _Elapsed:
        seconds = float("nan")

    elapsed = _Elapsed()
    start = time.perf_counter()
    try:
        yield elapsed
    finally:
        elapsed.seconds = time.perf_counter() - start
        if results is not None and label is not None:
            results[label] = elapsed.seconds
        if label is not None:
            print(f"{label}: {elapsed.seconds * 1000:.1f} ms")
