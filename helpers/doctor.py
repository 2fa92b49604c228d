"""Check that a reader's environment can run the book: ``python -m helpers.doctor``.

Prints one line per check, ``[OK]`` or ``[FAIL]``, and after every failure the
command or step that fixes it:

    [OK]   Python 3.11.7 (the book needs 3.11 or newer)
    [FAIL] numpy 2.1.0 is installed, requirements.txt asks for numpy==2.4.6
           fix: pip install -r requirements.txt
    ...

Required checks: the Python version, every package the book pins (against
``requirements.txt`` in a clone of the repository, else against the
dependencies declared by the installed ``helpers`` package), that ``helpers``
imports, that the bundled data files match their checksums, that PyTorch finds a
device, and that a Jupyter kernel for Python is installed. Optional checks (only
some readers need them) are marked ``(optional)`` and never change the exit code:
Chromium, for the book's browser tests, and bubblewrap, for sandboxed grading.

The exit code is 0 when every required check passes and 1 otherwise, so the
command can gate a script.
"""

import importlib
import importlib.metadata
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

MINIMUM_PYTHON = (3, 11)
REPOSITORY_ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS_FILE = REPOSITORY_ROOT / "requirements.txt"
INSTALL_FIX = "pip install -r requirements.txt   (from the repository root)"


@dataclass
class Check:
    """The outcome of one check: ``ok`` or not, what was found, and how to fix a failure."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True

    def lines(self):
        """The check as printed: ``[OK]   detail`` or ``[FAIL] detail`` with an indented fix."""
        mark = "[OK]  " if self.ok else "[FAIL]"
        optional = " (optional)" if not self.required and not self.ok else ""
        text = [f"{mark} {self.detail}{optional}"]
        if not self.ok and self.fix:
            text.append(f"       fix: {self.fix}")
        return text


# ------------------------------------------------------------------------------------ requirements
def read_requirements(path=REQUIREMENTS_FILE):
    """The pinned packages of a requirements file, as ``packaging`` requirements.

    Comments, blank lines and pip options (``-e .``, ``--index-url ...``) are skipped.
    """
    requirements = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        try:
            requirements.append(Requirement(line))
        except InvalidRequirement as error:
            raise ValueError(
                f"{path}: cannot read the requirement {line!r}: {error}"
            ) from None
    return requirements


def declared_requirements():
    """The dependencies declared by the installed helpers package (used outside a clone)."""
    try:
        declared = importlib.metadata.requires("dlbook-helpers") or []
    except importlib.metadata.PackageNotFoundError:
        return []
    return [Requirement(text) for text in declared if "extra ==" not in text]


def _public_version(version):
    """``2.13.0+cu126`` -> ``2.13.0``: a CUDA build of a pinned version counts as that version."""
    return version.split("+", 1)[0]


def check_requirement(requirement, source):
    """Whether the installed version of one package satisfies ``requirement``."""
    name = requirement.name
    try:
        installed = importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return Check(
            name,
            False,
            f"{name} is not installed ({source} asks for {requirement})",
            INSTALL_FIX,
        )
    if requirement.specifier and not requirement.specifier.contains(
        _public_version(installed), prereleases=True
    ):
        return Check(
            name,
            False,
            f"{name} {installed} is installed, {source} asks for {requirement}",
            INSTALL_FIX,
        )
    return Check(name, True, f"{name} {installed}")


def check_packages(requirements_file=REQUIREMENTS_FILE):
    """One check per pinned package."""
    if Path(requirements_file).is_file():
        return [
            check_requirement(r, Path(requirements_file).name)
            for r in read_requirements(requirements_file)
        ]
    declared = declared_requirements()
    if not declared:
        return [
            Check(
                "packages",
                False,
                "found neither requirements.txt nor an installed helpers package",
                "clone the repository and run: " + INSTALL_FIX,
            )
        ]
    return [check_requirement(r, "helpers") for r in declared]


# ------------------------------------------------------------------------------------- the others
def check_python(version_info=None):
    """The running Python is new enough for the pinned NumPy and SciPy."""
    version = tuple(version_info or sys.version_info[:3])
    text = ".".join(str(v) for v in version[:3])
    need = ".".join(str(v) for v in MINIMUM_PYTHON)
    if version[:2] >= MINIMUM_PYTHON:
        return Check("python", True, f"Python {text} (the book needs {need} or newer)")
    return Check(
        "python",
        False,
        f"Python {text} is too old: the book needs {need} or newer",
        f"install Python {need} or newer and create a fresh virtual environment with it",
    )


def check_helpers_import():
    """``helpers`` and its submodules import, and from which folder."""
    try:
        for module in (
            "helpers.data",
            "helpers.numpy_nn.layers",
            "helpers.torch_nn.layers",
            "helpers.train",
        ):
            importlib.import_module(module)
    except Exception as error:  # any import failure is the finding
        return Check(
            "helpers",
            False,
            f"helpers does not import: {type(error).__name__}: {error}",
            "pip install -e .   (from the repository root)",
        )
    folder = Path(importlib.import_module("helpers").__file__).parent
    return Check("helpers", True, f"helpers imports (from {folder})")


def check_data_files():
    """Every bundled data file is present and matches its sha256."""
    from helpers import data

    try:
        files = data.verify_data_files()
    except data.DataFileError as error:
        message = str(error).split(" The data files ship", 1)[0]
        return Check(
            "data",
            False,
            message,
            "pip install --force-reinstall -e .   or   git checkout -- helpers/datasets",
        )
    return Check(
        "data", True, f"bundled data files verified ({', '.join(sorted(files))})"
    )


def check_device():
    """PyTorch finds a device to compute on, and says which."""
    try:
        from helpers.runtime import describe_device, get_device

        device = get_device()
        return Check("device", True, f"PyTorch computes on {describe_device(device)}")
    except Exception as error:
        return Check(
            "device",
            False,
            f"PyTorch finds no device: {type(error).__name__}: {error}",
            "unset DLBOOK_DEVICE, or reinstall torch: " + INSTALL_FIX,
        )


def check_kernel():
    """A Jupyter kernel for Python is installed, so notebooks and the book can run."""
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        kernels = KernelSpecManager().find_kernel_specs()
    except Exception as error:
        return Check(
            "kernel",
            False,
            f"cannot list Jupyter kernels: {type(error).__name__}: {error}",
            INSTALL_FIX,
        )
    if "python3" not in kernels:
        return Check(
            "kernel",
            False,
            f"no 'python3' Jupyter kernel (found: {sorted(kernels) or 'none'})",
            "python -m ipykernel install --user",
        )
    return Check("kernel", True, "Jupyter kernel 'python3' is installed")


def check_program(name, purpose, fix):
    """An optional program on the PATH."""
    path = shutil.which(name)
    if path:
        return Check(name, True, f"{name} found at {path} ({purpose})", required=False)
    return Check(name, False, f"{name} not found: {purpose}", fix, required=False)


def run_checks(requirements_file=REQUIREMENTS_FILE):
    """Every check, in the order printed: a list of :class:`Check`."""
    checks = [
        check_python(),
        *check_packages(requirements_file),
        check_helpers_import(),
    ]
    if checks[-1].ok:
        checks += [check_data_files(), check_device()]
    checks.append(check_kernel())
    checks.append(
        check_program(
            "chromium",
            "only the book's browser tests need it",
            "sudo apt-get install chromium   (Debian/Ubuntu)",
        )
    )
    checks.append(
        check_program(
            "bwrap",
            "only instructors grading labs in a sandbox need it",
            "sudo apt-get install bubblewrap   (Debian/Ubuntu)",
        )
    )
    return checks


def main(argv=None, requirements_file=REQUIREMENTS_FILE, out=None):
    """Print every check; return 0 if every required check passed, else 1."""
    out = out or sys.stdout
    if argv:
        print("usage: python -m helpers.doctor   (no arguments)", file=out)
        return 2
    checks = run_checks(requirements_file)
    for check in checks:
        for line in check.lines():
            print(line, file=out)
    required = [c for c in checks if c.required]
    failed = [c for c in required if not c.ok]
    print(
        f"\n{len(required) - len(failed)} of {len(required)} required checks passed"
        + (
            f"; fix the {len(failed)} failure(s) above and run this again."
            if failed
            else "."
        ),
        file=out,
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
