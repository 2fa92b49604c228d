"""helpers.bench: every benchmark runs in --quick mode, its report is complete and its ratios are sane.

No test here asserts a timing: times depend on the machine and its load. The tests
check the structure of what is measured, that every ratio and throughput is a finite
positive number, and the command line.
"""

import json
import math

import pytest

from helpers.bench.__main__ import main, parse_threads
from helpers.bench.registry import BENCHMARKS
from helpers.bench.report import format_seconds, to_markdown, to_text
from helpers.bench.run import check_names, run_benchmarks
from helpers.bench.timing import Timing, fixed_threads, measure_pair

FIRST_BENCHMARKS = ("matmul", "linear", "mlp_step", "cross_entropy", "autograd")
TORCH_ONLY = ("gpt",)  # benchmarks with a case that has no NumPy twin


@pytest.fixture(scope="module")
def quick_report():
    """Every benchmark, --quick, with one thread and with two (the two differ even on a 1-core machine)."""
    return run_benchmarks(
        quick=True, thread_counts=[1, 2], progress=False, command="pytest"
    )


def _is_positive_number(value):
    return isinstance(value, float) and math.isfinite(value) and value > 0


def test_the_first_benchmarks_are_registered():
    assert set(FIRST_BENCHMARKS) <= set(BENCHMARKS)
    for name, benchmark in BENCHMARKS.items():
        assert benchmark.name == name and benchmark.compares


def test_the_chapter_4_benchmarks_are_registered():
    assert {"adam_step", "batchnorm"} <= set(BENCHMARKS)
    labels = [case.label for case in BENCHMARKS["adam_step"].cases(False)]
    assert labels[0] == "Adam, 1,049,600 parameters"  # the ~1M-parameter set


def test_the_chapter_6_benchmark_is_registered_at_the_character_model_size():
    full, quick = BENCHMARKS["lstm"].cases(False), BENCHMARKS["lstm"].cases(True)
    assert [case.label for case in full] == ["LSTM(64, 128), batch 32, T 64"]
    assert (
        full[0].flops == 6.0 * 4 * 128 * (64 + 128) * 32 * 64
    )  # 6 * 4H(D + H) * N * T
    assert quick[0].flops < full[0].flops / 100  # --quick stays small


def test_the_chapter_7_benchmark_is_registered():
    labels = [case.label for case in BENCHMARKS["attention"].cases(False)]
    assert labels == [
        "attention, causal, (8, 4, 128, 32)",
        "MultiheadAttention(128, 4), causal, x (8, 128, 128)",
    ]
    quick = BENCHMARKS["attention"].cases(True)
    assert quick[0].flops == 12.0 * 2 * 4 * 32 * 32 * 32


def test_the_gpt_benchmark_reports_throughput_and_mfu(quick_report):
    from helpers.bench.gpt import CPU_BATCH, CPU_CONFIG, training_step_flops
    from helpers.gpt import flops_per_token

    full = BENCHMARKS["gpt"].cases(False)
    assert [case.label.split(",")[0] for case in full] == [
        "matmul n = 1024 (the peak for MFU)",
        "one block forward",
        "training step",
    ]
    assert full[2].label == (
        "training step, 4 layers, 4 heads, width 128, T 64, batch 12"
    )
    assert (
        full[2].flops
        == training_step_flops(CPU_CONFIG, CPU_BATCH)
        == (3 * flops_per_token(CPU_CONFIG, 64) * 12 * 64)
    )
    lines = [
        line for line in quick_report["summary"] if line.startswith("GPT training")
    ]
    assert len(lines) == 2  # one per thread count
    assert all(
        "tokens/s" in line and "MFU" in line and "matmul peak" in line for line in lines
    )
    rows = [row for row in quick_report["rows"] if row["benchmark"] == "gpt"]
    assert [row["numpy"] is None for row in rows] == [False] * 4 + [True] * 2
    assert "| gpt | training step" in to_markdown(quick_report)


def test_every_case_of_every_benchmark_is_measured_at_every_thread_count(quick_report):
    expected = [
        (name, case.label, threads)
        for name, benchmark in BENCHMARKS.items()
        for case in benchmark.cases(True)
        for threads in (1, 2)
    ]
    measured = [
        (row["benchmark"], row["case"], row["threads"]) for row in quick_report["rows"]
    ]
    assert measured == expected
    assert set(quick_report["benchmarks"]) == set(BENCHMARKS)


def test_every_row_has_finite_positive_times_and_ratios(quick_report):
    for row in quick_report["rows"]:
        where = f"{row['benchmark']}: {row['case']}, {row['threads']} thread(s)"
        if row["numpy"] is None:  # a PyTorch-only case: no NumPy time, no ratio
            assert row["ratio"] is None and row["benchmark"] in TORCH_ONLY, where
            timing = row["torch"]
            assert timing["repeats"] == 3 and timing["q1_s"] <= timing["median_s"], (
                where
            )
            assert all(_is_positive_number(s) for s in timing["seconds"]), where
            assert _is_positive_number(timing["gflops"]), where
            continue
        assert _is_positive_number(row["ratio"]), where
        for side in ("numpy", "torch"):
            timing = row[side]
            assert timing["repeats"] == 3 and len(timing["seconds"]) == 3, where
            assert timing["calls_per_repeat"] >= 1, where
            assert all(_is_positive_number(s) for s in timing["seconds"]), where
            assert timing["q1_s"] <= timing["median_s"] <= timing["q3_s"], where
            assert timing["iqr_s"] >= 0, where
            if row["flops"] is not None:
                assert _is_positive_number(timing["gflops"]), where
        paired = sorted(
            n / t for n, t in zip(row["numpy"]["seconds"], row["torch"]["seconds"])
        )
        assert math.isclose(row["ratio"], paired[1]), (
            where
        )  # the median of three paired ratios
        assert (
            _is_positive_number(row["ratio_q1"])
            and row["ratio_q1"] <= row["ratio"] <= row["ratio_q3"]
        ), where


def test_matmul_reports_gflops_and_the_peak(quick_report):
    rows = [row for row in quick_report["rows"] if row["benchmark"] == "matmul"]
    assert rows and all(
        row["flops"] == 2.0 * int(row["case"].split("=")[1]) ** 3 for row in rows
    )
    peaks = [
        line for line in quick_report["summary"] if line.startswith("fp32 matmul peak")
    ]
    assert len(peaks) == 2 and "GFLOP/s" in peaks[0]


def test_autograd_summary_states_the_engines_overhead(quick_report):
    lines = [
        line
        for line in quick_report["summary"]
        if line.startswith("autograd engine overhead")
    ]
    assert len(lines) == 4  # two networks, two thread counts
    assert all(
        "hand-written backward" in line and "torch.autograd" in line for line in lines
    )


def test_conv_summary_states_how_much_slower_the_loops_are(quick_report):
    lines = [
        line for line in quick_report["summary"] if line.startswith("conv2d loops")
    ]
    assert len(lines) == 2  # one size, two thread counts
    assert all(
        "x the vectorised NumPy time" in line and "x torch" in line for line in lines
    )
    labels = [row["case"] for row in quick_report["rows"] if row["benchmark"] == "conv"]
    assert any("1->6 5x5, padding 2 on 28x28" in label for label in labels)
    assert any("6->16 5x5 on 14x14" in label for label in labels)


def test_the_report_records_the_machine_and_the_command(quick_report):
    machine, settings = quick_report["machine"], quick_report["settings"]
    for key in (
        "date_utc",
        "cpu",
        "cores",
        "usable_cores",
        "python",
        "numpy",
        "numpy_blas",
        "torch",
        "torch_blas",
    ):
        assert machine[key], key
    assert (
        settings["quick"] is True
        and settings["thread_counts"] == [1, 2]
        and settings["command"] == "pytest"
    )
    text, markdown = to_text(quick_report), to_markdown(quick_report)
    for line in ("CPU:", "Software:", "Threads: 1 and 2", "Command: pytest"):
        assert line in text
    assert "- Command: `pytest`" in markdown
    table = [line for line in markdown.splitlines() if line.startswith("|")]
    assert len(table) == 2 + len(quick_report["rows"])
    assert (
        len({line.count(" | ") for line in table[2:]}) == 1
    )  # every row has the same number of cells


def test_measure_pair_alternates_and_counts_calls():
    calls = []
    numpy_timing, torch_timing = measure_pair(
        lambda: calls.append("n"),
        lambda: calls.append("t"),
        repeats=4,
        warmup=2,
        min_repeat_s=1e-4,
    )
    assert isinstance(numpy_timing, Timing) and len(numpy_timing.seconds) == 4 == len(
        torch_timing.seconds
    )
    assert calls[:4] == ["n", "t", "n", "t"]  # the warm-up alternates too
    assert calls.count("n") >= 2 + 4 * numpy_timing.calls_per_repeat


def test_measure_pair_rejects_a_bad_repeat_count():
    with pytest.raises(ValueError, match="repeats must be a positive integer"):
        measure_pair(lambda: None, lambda: None, repeats=1.5)


def test_fixed_threads_restores_torch_threads():
    import torch

    before = torch.get_num_threads()
    with fixed_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with pytest.raises(ValueError, match="threads must be"):
        with fixed_threads(0):
            pass


def test_parse_threads():
    assert parse_threads("1,all", cores=4) == [1, 4]
    assert parse_threads("all", cores=1) == [1]
    assert parse_threads("1, 2,1", cores=8) == [1, 2]
    with pytest.raises(ValueError, match="--threads must be"):
        parse_threads("one", cores=2)
    with pytest.raises(ValueError, match="--threads must be"):
        parse_threads("0", cores=2)


def test_format_seconds():
    assert format_seconds(1.5) == "1.5 s"
    assert format_seconds(0.00123) == "1.23 ms"
    assert format_seconds(4.56e-5) == "45.6 us"
    assert format_seconds(2e-8) == "20 ns"


def test_an_unknown_name_is_refused_with_the_known_ones():
    with pytest.raises(
        ValueError,
        match="unknown benchmark 'convolution'; known benchmarks: matmul, linear",
    ):
        check_names(["linear", "convolution"])
    assert check_names([]) == list(BENCHMARKS)


def test_cli_unknown_name_exits_with_a_clear_message(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["linear", "no_such_benchmark", "--quick"])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert (
        "unknown benchmark 'no_such_benchmark'; known benchmarks: "
        + ", ".join(BENCHMARKS)
        in error
    )


def test_cli_refuses_bad_thread_counts(capsys):
    with pytest.raises(SystemExit):
        main(["--threads", "none"])
    assert "--threads must be a comma-separated list" in capsys.readouterr().err


def test_cli_lists_the_benchmarks(capsys):
    assert main(["--list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in listed] == list(BENCHMARKS)


def test_cli_writes_json_and_markdown(tmp_path, capsys):
    json_file, markdown_file = tmp_path / "bench.json", tmp_path / "bench.md"
    status = main(
        [
            "cross_entropy",
            "--quick",
            "--threads",
            "1",
            "--no-progress",
            "--json",
            str(json_file),
            "--markdown",
            str(markdown_file),
        ]
    )
    assert status == 0
    printed = capsys.readouterr().out
    assert "cross_entropy" in printed and "NumPy / PyTorch (IQR)" in printed
    report = json.loads(json_file.read_text(encoding="utf-8"))
    assert [row["benchmark"] for row in report["rows"]] == ["cross_entropy"] * 2
    assert report["settings"]["command"] == (
        f"python -m helpers.bench cross_entropy --quick --threads 1 "
        f"--no-progress --json {json_file} --markdown {markdown_file}"
    )
    markdown = markdown_file.read_text(encoding="utf-8")
    assert (
        "| cross_entropy | logits (64, 10) | 1 |" in markdown and "- CPU: " in markdown
    )
