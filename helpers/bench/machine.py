"""Where and with what a benchmark ran: date, CPU model, cores, load, library and BLAS versions.

A time means little without the machine it was measured on, so every report of
``python -m helpers.bench`` starts with ``describe_machine()``. The module imports
PyTorch only inside ``torch_blas``, so that the book's Performance page can print
the machine that built it without paying for the import.
"""

import datetime
import os
import platform
import re
import subprocess
import sys
from importlib.metadata import version

import threadpoolctl


def available_cores():
    """The number of CPU cores this process may run on (its affinity where the OS tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def cpu_model():
    """The processor's name as the operating system reports it, e.g. ``'Intel(R) Xeon(R) Processor'``."""
    if os.path.exists("/proc/cpuinfo"):  # Linux
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if (
                    line.lower().startswith(("model name", "hardware", "processor\t: "))
                    and ":" in line
                ):
                    name = line.split(":", 1)[1].strip()
                    if name and not name.isdigit():
                        return name
    if sys.platform == "darwin":
        try:
            return subprocess.run(
                ["sysctl", "-n", "machdep.cpu.brand_string"],
                capture_output=True,
                text=True,
                timeout=5,
                check=True,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
    return platform.processor() or platform.machine() or "unknown"


def numpy_blas():
    """NumPy's BLAS library and version as ``threadpoolctl`` finds it, e.g. ``'openblas 0.3.31 (SkylakeX)'``."""
    import numpy  # noqa: F401  (threadpoolctl only sees the BLAS of libraries already loaded)

    for pool in threadpoolctl.threadpool_info():
        if pool.get("user_api") == "blas" and "torch" not in pool.get("filepath", ""):
            text = (
                f"{pool.get('internal_api', '?')} {pool.get('version') or ''}".strip()
            )
            if pool.get("architecture"):
                text += f" ({pool['architecture']})"
            return text
    return "unknown"


def torch_blas():
    """The BLAS PyTorch was built with, from ``torch.__config__``, e.g. ``'MKL 2024.2'``."""
    import torch

    info = torch.__config__.parallel_info() + torch.__config__.show()
    mkl = re.search(r"Math Kernel Library Version ([\d.]+)", info)
    if mkl:
        return f"MKL {mkl.group(1)}"
    blas = re.search(r"BLAS_INFO=(\w+)", info)
    return blas.group(1) if blas else "unknown"


def load_average():
    """The 1, 5 and 15 minute load averages (runnable processes), or ``None`` where the OS has none."""
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def describe_machine(blas=True):
    """A dict of facts about this machine and its software, for the head of a benchmark report.

    ``blas=False`` leaves out the BLAS libraries (``None``), which saves importing PyTorch.
    """
    return {
        "date_utc": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": available_cores(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": version("numpy"),
        "numpy_blas": numpy_blas() if blas else None,
        "torch": version("torch"),
        "torch_blas": torch_blas() if blas else None,
        "load_average": load_average(),
    }
