"""The code is formatted and linted with ruff, with the settings in pyproject.toml.

Run ``ruff format .`` to format and ``ruff check . --fix`` to fix what can be fixed
automatically; these tests fail on anything left, naming the files.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _ruff(*args):
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_code_is_formatted():
    result = _ruff("format", "--check", ".")
    assert result.returncode == 0, (
        "these files need `ruff format`:\n"
        + result.stdout[-4000:]
        + result.stderr[-2000:]
    )


def test_code_passes_lint():
    result = _ruff("check", "--output-format", "concise", ".")
    assert result.returncode == 0, (
        "ruff check found problems:\n" + result.stdout[-4000:] + result.stderr[-2000:]
    )


def test_notebooks_and_labs_are_linted():
    """The settings cover the chapters and the labs, not only the package."""
    result = _ruff("check", "--show-files", ".")
    listed = result.stdout
    for path in (
        "notebooks/01_linear_regression.ipynb",
        "labs/lab01_linear_regression",
    ):
        assert path in listed, f"ruff does not check {path}"
    assert "book/labs/" not in listed, "generated student versions must not be linted"
