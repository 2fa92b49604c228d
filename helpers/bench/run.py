"""Run benchmarks by name and collect their measured rows.

``run_benchmarks(["linear"], thread_counts=[1, 2])`` builds every case of each named
benchmark, times its NumPy and PyTorch steps side by side at each thread count
(``helpers.bench.timing``), and returns a report: the machine, the settings, one row
per (case, thread count) and the benchmarks' own summary lines. Nothing in a row is
typed in: every time, ratio and GFLOP/s comes out of the measurement.
"""

import numpy as np
from tqdm.auto import tqdm

from helpers.bench.machine import describe_machine, load_average
from helpers.bench.registry import BENCHMARKS
from helpers.bench.timing import fixed_threads, measure_one, measure_pair

# quick: a smoke run of every benchmark in seconds; full: the settings behind the book's table
SETTINGS = {
    "quick": {"repeats": 3, "warmup": 1, "min_repeat_s": 0.002},
    "full": {"repeats": 7, "warmup": 3, "min_repeat_s": 0.05},
}


def check_names(names):
    """Return ``names`` (all benchmarks if empty), or raise a ValueError naming the unknown ones and the known."""
    names = list(names) or list(BENCHMARKS)
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        raise ValueError(
            f"unknown benchmark {', '.join(repr(n) for n in unknown)}; "
            f"known benchmarks: {', '.join(BENCHMARKS)}"
        )
    return names


def measure_row(benchmark, case, steps, threads, settings):
    """Time one case's two steps at ``threads`` threads; one row of the report."""
    numpy_step, torch_step = steps
    if numpy_step is None:  # a PyTorch-only case (e.g. a whole training step): no ratio
        with fixed_threads(threads):
            torch_timing = measure_one(torch_step, **settings)
        row = {
            "benchmark": benchmark.name,
            "case": case.label,
            "threads": threads,
            "numpy": None,
            "torch": torch_timing.as_dict(),
            "flops": case.flops,
            "ratio": None,
            "ratio_q1": None,
            "ratio_q3": None,
        }
        if case.flops is not None:
            row["torch"]["gflops"] = case.flops / torch_timing.median / 1e9
        return row
    with fixed_threads(threads):
        numpy_timing, torch_timing = measure_pair(numpy_step, torch_step, **settings)
    row = {
        "benchmark": benchmark.name,
        "case": case.label,
        "threads": threads,
        "numpy": numpy_timing.as_dict(),
        "torch": torch_timing.as_dict(),
        "flops": case.flops,
    }
    # The repeats alternate, so each NumPy repeat has a PyTorch partner timed right after it. The
    # ratio is the median of these paired ratios: a slow change in the machine's load cancels out.
    paired = np.array(numpy_timing.seconds) / np.array(torch_timing.seconds)
    row["ratio"] = float(np.median(paired))
    row["ratio_q1"], row["ratio_q3"] = (
        float(np.percentile(paired, 25)),
        float(np.percentile(paired, 75)),
    )
    if case.flops is not None:
        row["numpy"]["gflops"] = case.flops / numpy_timing.median / 1e9
        row["torch"]["gflops"] = case.flops / torch_timing.median / 1e9
    return row


def run_benchmarks(
    names=(), quick=False, thread_counts=(1,), repeats=None, progress=True, command=""
):
    """Run the named benchmarks (all if none) and return the report as a dict.

    Args:
        names: benchmark names from ``helpers.bench.registry.BENCHMARKS``.
        quick: small sizes and short timing, for a smoke test in seconds.
        thread_counts: run every case once per thread count, e.g. ``(1, 2)``.
        repeats: override the number of timed repeats of each step.
        progress: show a tqdm progress bar.
        command: the command line that reproduces the run, recorded in the report.

    Returns:
        ``{"machine": {...}, "settings": {...}, "benchmarks": {name: compares},
        "rows": [...], "summary": [...]}``.
    """
    names = check_names(names)
    settings = dict(SETTINGS["quick" if quick else "full"])
    if repeats is not None:
        settings["repeats"] = repeats
    machine = describe_machine()
    benchmarks = [BENCHMARKS[name] for name in names]
    planned = [
        (benchmark, case) for benchmark in benchmarks for case in benchmark.cases(quick)
    ]
    rows = []
    with tqdm(
        total=len(planned) * len(thread_counts),
        desc="helpers.bench",
        unit="case",
        disable=not progress,
    ) as bar:
        for benchmark, case in planned:
            steps = (
                case.make_steps()
            )  # builds the data and checks that both steps agree
            for threads in thread_counts:
                bar.set_postfix_str(
                    f"{benchmark.name}: {case.label}, {threads} thread(s)"
                )
                rows.append(measure_row(benchmark, case, steps, threads, settings))
                bar.update()
    machine["load_average_after"] = load_average()
    summary = []
    for benchmark in benchmarks:
        if benchmark.summarize is not None:
            summary += benchmark.summarize(
                [row for row in rows if row["benchmark"] == benchmark.name]
            )
    return {
        "machine": machine,
        "settings": {
            "quick": quick,
            "thread_counts": list(thread_counts),
            "command": command,
            **settings,
        },
        "benchmarks": {benchmark.name: benchmark.compares for benchmark in benchmarks},
        "rows": rows,
        "summary": summary,
    }
