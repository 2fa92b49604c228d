"""``python -m helpers.doctor``: one [OK]/[FAIL] line per check, a fix for each failure, exit code 1 on failure."""

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import data, doctor

ROOT = Path(__file__).resolve().parents[1]


def _run(**kwargs):
    out = io.StringIO()
    code = doctor.main([], out=out, **kwargs)
    return code, out.getvalue()


def test_this_environment_passes():
    code, text = _run()
    assert code == 0, text
    assert "[FAIL]" not in "\n".join(
        line for line in text.splitlines() if "(optional)" not in line
    )
    for expected in (
        "Python 3.",
        "numpy 2.",
        "torch 2.",
        "helpers imports",
        "data files verified",
        "PyTorch computes on",
        "Jupyter kernel",
    ):
        assert expected in text


def test_every_line_is_ok_or_fail():
    _, text = _run()
    body = [line for line in text.splitlines() if line.strip()][
        :-1
    ]  # the last line is the summary
    assert all(line.startswith(("[OK]", "[FAIL]", "       fix:")) for line in body), (
        body
    )


def test_command_line_entry_point():
    result = subprocess.run(
        [sys.executable, "-m", "helpers.doctor"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "required checks passed." in result.stdout


def test_a_missing_package_is_reported_with_the_fix(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        (ROOT / "requirements.txt").read_text() + "\nno-such-package-dlbook==1.0\n"
    )
    code, text = _run(requirements_file=requirements)
    assert code == 1
    line = next(line for line in text.splitlines() if "no-such-package-dlbook" in line)
    assert line.startswith("[FAIL]") and "is not installed" in line
    assert "pip install -r requirements.txt" in text.split(line, 1)[1].splitlines()[1]


def test_a_wrong_version_is_reported(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("numpy==1.0.0\n")
    code, text = _run(requirements_file=requirements)
    assert code == 1
    assert any(
        line.startswith("[FAIL] numpy") and "asks for numpy==1.0.0" in line
        for line in text.splitlines()
    )


def test_a_cuda_build_of_the_pinned_torch_counts_as_pinned():
    from packaging.requirements import Requirement

    assert doctor._public_version("2.13.0+cu126") == "2.13.0"
    assert Requirement("torch==2.13.0").specifier.contains(
        doctor._public_version("2.13.0+cu126")
    )


def test_a_corrupted_data_file_is_reported(tmp_path, monkeypatch):
    for name in data.CHECKSUMS:
        shutil.copy(data.DATA_DIR / name, tmp_path / name)
    damaged = bytearray((tmp_path / "shakespeare.txt").read_bytes())
    damaged[1000] ^= 0x01
    (tmp_path / "shakespeare.txt").write_bytes(bytes(damaged))
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    code, text = _run()
    assert code == 1
    line = next(line for line in text.splitlines() if "shakespeare.txt" in line)
    assert line.startswith("[FAIL]") and "corrupted" in line
    assert "fix:" in text.split(line, 1)[1].splitlines()[1]


def test_a_missing_data_file_is_reported(tmp_path, monkeypatch):
    shutil.copy(data.DATA_DIR / "shakespeare.txt", tmp_path / "shakespeare.txt")
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    code, text = _run()
    assert code == 1
    assert any(
        line.startswith("[FAIL]") and "mnist_5k.npz" in line and "missing" in line
        for line in text.splitlines()
    )


def test_an_old_python_is_reported():
    check = doctor.check_python((3, 9, 18))
    assert (
        not check.ok
        and "3.9.18" in check.detail
        and "3.11" in check.detail
        and check.fix
    )


def test_an_optional_program_never_fails_the_run(monkeypatch):
    monkeypatch.setattr(doctor.shutil, "which", lambda name: None)
    code, text = _run()
    assert code == 0, text
    line = next(line for line in text.splitlines() if "chromium" in line)
    assert line.startswith("[FAIL]") and line.endswith("(optional)")


def test_arguments_are_refused():
    assert doctor.main(["--fix"], out=io.StringIO()) == 2


@pytest.mark.parametrize(
    "line", ["-e .", "# a comment", "", "--index-url https://example.invalid/simple"]
)
def test_requirement_lines_that_are_not_packages_are_skipped(tmp_path, line):
    path = tmp_path / "r.txt"
    path.write_text(f"{line}\nnumpy==2.4.6\n")
    assert [r.name for r in doctor.read_requirements(path)] == ["numpy"]


def test_the_supported_python_is_the_same_everywhere():
    """pyproject.toml, the doctor's check line and the README name one minimum Python."""
    import tomllib

    need = ".".join(str(v) for v in doctor.MINIMUM_PYTHON)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"
    ]
    assert project["requires-python"] == f">={need}", project["requires-python"]
    assert f"Python {need} or newer" in (ROOT / "README.md").read_text(encoding="utf-8")
    line = doctor.check_python().lines()[0]
    assert line.startswith("[OK]") and f"needs {need} or newer" in line, line
    old = doctor.check_python((3, doctor.MINIMUM_PYTHON[1] - 1, 0))
    assert not old.ok and f"needs {need} or newer" in old.detail, old.detail
