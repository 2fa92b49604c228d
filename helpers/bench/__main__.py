"""``python -m helpers.bench [NAME ...] [--quick] [--json FILE] [--markdown FILE] [--threads 1,all]``.

Runs the named benchmarks (all of them if none is named), NumPy and PyTorch side by
side, prints the machine, a progress bar and a table of times and ratios, and writes
the same report as JSON or Markdown if asked.
"""

import argparse
import shlex
import sys

from helpers.bench.machine import available_cores
from helpers.bench.registry import BENCHMARKS
from helpers.bench.report import to_json, to_markdown, to_text
from helpers.bench.run import check_names, run_benchmarks


def parse_threads(text, cores=None):
    """``"1,all"`` -> ``[1, cores]``: thread counts, ``all`` meaning every usable core, repeats dropped."""
    cores = available_cores() if cores is None else cores
    counts = []
    for part in text.split(","):
        part = part.strip().lower()
        if part == "all":
            count = cores
        elif part.isdigit() and int(part) > 0:
            count = int(part)
        else:
            raise ValueError(
                f"--threads must be a comma-separated list of positive integers or 'all', "
                f"got {text!r}"
            )
        if count not in counts:
            counts.append(count)
    return counts


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m helpers.bench",
        description="Time the book's NumPy references against their PyTorch twins, side by side.",
        epilog="benchmarks: "
        + "; ".join(f"{name}: {b.compares}" for name, b in BENCHMARKS.items()),
    )
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"benchmarks to run (default: all of {', '.join(BENCHMARKS)})",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small sizes and short timing: a smoke run in seconds",
    )
    parser.add_argument(
        "--threads",
        default="1,all",
        help="thread counts to run each case with, e.g. '1,all' (the default) or '2'",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="timed repeats of each step (default 7, quick 3)",
    )
    parser.add_argument(
        "--json",
        metavar="FILE",
        help="also write the report, every repeat included, as JSON",
    )
    parser.add_argument(
        "--markdown",
        metavar="FILE",
        help="also write the report as Markdown (for the book)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--list", action="store_true", help="list the benchmarks and exit"
    )
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.list:
        for name, benchmark in BENCHMARKS.items():
            print(f"{name}: {benchmark.compares}")
        return 0
    try:
        names = check_names(args.names)
        thread_counts = parse_threads(args.threads)
    except ValueError as error:
        parser.error(str(error))
    if args.repeats is not None and args.repeats < 1:
        parser.error(f"--repeats must be a positive integer, got {args.repeats}")
    command = shlex.join(["python", "-m", "helpers.bench", *argv])
    report = run_benchmarks(
        names,
        quick=args.quick,
        thread_counts=thread_counts,
        repeats=args.repeats,
        progress=not args.no_progress,
        command=command,
    )
    print(to_text(report), end="")
    for path, render in ((args.json, to_json), (args.markdown, to_markdown)):
        if path:
            with open(path, "w", encoding="utf-8") as f:
                f.write(render(report))
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
