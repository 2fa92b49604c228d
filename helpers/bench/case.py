"""What one benchmark is made of: named cases, each the same work done in NumPy and in PyTorch.

A ``Case`` builds its data and models once (``make_steps``) and hands back two
functions of no arguments, ``numpy_step`` and ``torch_step``, that do the same
computation on the same data; ``helpers.bench.timing`` times them side by side.
A ``Benchmark`` is a name, a sentence saying what it compares, and a function
that lists its cases (smaller ones when ``quick`` is true).
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Case:
    """One side-by-side measurement.

    Args:
        label: what is measured, e.g. ``"Linear(784, 128), batch 64"``.
        make_steps: ``make_steps() -> (numpy_step, torch_step)``; builds the data and
            models, checks once that both steps compute the same result, and returns
            the two functions to time. A case with no NumPy twin (a whole PyTorch
            training step) returns ``(None, torch_step)``: only PyTorch is timed and
            the row has no ratio.
        flops: floating-point operations one step does (multiply and add counted
            separately), so that a time becomes GFLOP/s; ``None`` where it is not
            meaningful.
    """

    label: str
    make_steps: Callable[[], tuple]
    flops: float | None = None


@dataclass
class Benchmark:
    """A named group of cases.

    Args:
        name: the name given on the command line, e.g. ``"linear"``.
        compares: one sentence: which NumPy code is timed against which PyTorch code.
        cases: ``cases(quick) -> [Case, ...]``; ``quick`` asks for small sizes that
            run in a fraction of a second.
        summarize: optional ``summarize(rows) -> [str, ...]``: lines computed from this
            benchmark's measured rows (e.g. the peak GFLOP/s), printed under the table.
    """

    name: str
    compares: str
    cases: Callable[[bool], list]
    summarize: Callable[[list], list] | None = None
