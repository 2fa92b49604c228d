"""A benchmark report as a text table (the terminal), JSON (machines) or Markdown (the book).

Times are seconds per step, shown as the median over the repeats with the interquartile
range (IQR) beside it. The ratio NumPy / PyTorch pairs each NumPy repeat with the
PyTorch repeat timed right after it and takes the median of these paired ratios, with
their quartiles beside it: above 1, NumPy is slower by that factor; below 1, faster.
"""

import json

COLUMNS = (
    "Benchmark",
    "Case",
    "Threads",
    "NumPy (IQR)",
    "PyTorch (IQR)",
    "NumPy / PyTorch (IQR)",
    "GFLOP/s NumPy, PyTorch",
)


def format_seconds(seconds):
    """A time with a unit a reader takes in at a glance: ``'12.3 us'``, ``'4.56 ms'``, ``'1.23 s'``."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds * 1e9:.3g} ns"


def _cells(row):
    if row["numpy"] is None:  # a PyTorch-only case
        gflops = "" if row["flops"] is None else f"-, {row['torch']['gflops']:.1f}"
        return (
            row["benchmark"],
            row["case"],
            str(row["threads"]),
            "-",
            f"{format_seconds(row['torch']['median_s'])} "
            f"({format_seconds(row['torch']['iqr_s'])})",
            "-",
            gflops,
        )
    gflops = (
        ""
        if row["flops"] is None
        else f"{row['numpy']['gflops']:.1f}, {row['torch']['gflops']:.1f}"
    )
    return (
        row["benchmark"],
        row["case"],
        str(row["threads"]),
        f"{format_seconds(row['numpy']['median_s'])} ({format_seconds(row['numpy']['iqr_s'])})",
        f"{format_seconds(row['torch']['median_s'])} ({format_seconds(row['torch']['iqr_s'])})",
        f"{row['ratio']:.2f} ({row['ratio_q1']:.2f}-{row['ratio_q3']:.2f})",
        gflops,
    )


def machine_lines(report):
    """The facts a reader needs to judge the numbers: when, where, with what, how to rerun."""
    m, s = report["machine"], report["settings"]
    load = (
        "not available"
        if m["load_average"] is None
        else f"{m['load_average'][0]} before, {m['load_average_after'][0]} after (1-minute load average)"
    )
    threads = " and ".join(str(n) for n in s["thread_counts"])
    return [
        f"Measured: {m['date_utc']}",
        f"CPU: {m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable), {m['os']}",
        f"Load: {load}",
        f"Software: Python {m['python']}, NumPy {m['numpy']} ({m['numpy_blas']}), "
        f"PyTorch {m['torch']} ({m['torch_blas']})",
        f"Threads: {threads}; {s['repeats']} repeats of at least {s['min_repeat_s'] * 1000:g} ms each "
        f"after {s['warmup']} warm-up call{'s' if s['warmup'] != 1 else ''}{'; --quick' if s['quick'] else ''}",
        f"Command: {s['command']}",
    ]


def to_text(report):
    """The report as a plain table with aligned columns, for the terminal."""
    table = [COLUMNS] + [_cells(row) for row in report["rows"]]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    lines = machine_lines(report) + [""]
    for i, line in enumerate(table):
        lines.append(
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip()
        )
        if i == 0:
            lines.append("  ".join("-" * width for width in widths))
    lines += [""] + report["summary"]
    lines.append(
        "NumPy / PyTorch: the median ratio of paired repeats (quartiles in brackets); "
        "above 1, NumPy is slower."
    )
    return "\n".join(lines) + "\n"


def _markdown_cell(text):
    return text.replace("|", "\\|")


def to_markdown(report):
    """The report as Markdown: the facts as a list, the table, what each benchmark compares, the summary."""
    lines = [
        f"- {line}"
        if not line.startswith("Command:")
        else f"- Command: `{report['settings']['command']}`"
        for line in machine_lines(report)
    ]
    lines += [
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|"
        + "|".join(
            " ---: " if column in ("Threads", COLUMNS[5]) else " --- "
            for column in COLUMNS
        )
        + "|",
    ]
    lines += [
        "| " + " | ".join(_markdown_cell(cell) for cell in _cells(row)) + " |"
        for row in report["rows"]
    ]
    lines += [
        "",
        "Times are the median seconds per step over the repeats, with the interquartile range (IQR) in "
        "brackets. NumPy / PyTorch is the median, over the repeats, of the ratio of each NumPy repeat to "
        "the PyTorch repeat timed right after it, with the quartiles of that ratio in brackets: above 1, "
        "NumPy is slower by that factor.",
        "",
    ]
    lines += [
        f"- `{name}`: {compares}" for name, compares in report["benchmarks"].items()
    ]
    if report["summary"]:
        lines += [""] + [f"- {line}" for line in report["summary"]]
    return "\n".join(lines) + "\n"


def to_json(report):
    """The whole report, every repeat's time included, as indented JSON."""
    return json.dumps(report, indent=2) + "\n"
