"""Where and with what a benchmark ran: date, CPU model, cores, load, library and BLAS versions.

A time means little without the machine it was measured on, so every report of
``python -m helpers.bench`` starts with ``describe_machine()``.
"""

import datetime
import os
import platform
import re
import subprocess
import sys

import numpy as np
import threadpoolctl
import torch

from helpers.bench.timing import available_cores


def cpu_model():
    """The processor's name as the operating system reports it, e.g. ``'Intel(R) Xeon(R) Processor'``."""
    if os.path.exists("/proc/cpuinfo"):  # Linux
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.lower().startswith(("model name", "hardware", "processor\t: ")) and ":" in line:
                    name = line.split(":", 1)[1].strip()
                    if name and not name.isdigit():
                        return name
    if sys.platform == "darwin":
        try:
            return subprocess.run(["sysctl", "-n", "machdep.cpu.brand_string"], capture_output=True,
                                  text=True, timeout=5, check=True).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
    return platform.processor() or platform.machine() or "unknown"


def numpy_blas():
    """NumPy's BLAS library and version as ``threadpoolctl`` finds it, e.g. ``'openblas 0.3.31 (SkylakeX)'``."""
    for pool in threadpoolctl.threadpool_info():
        if pool.get("user_api") == "blas" and "torch" not in pool.get("filepath", ""):
            text = f"{pool.get('internal_api', '?')} {pool.get('version') or ''}".strip()
            if pool.get("architecture"):
                text += f" ({pool['architecture']})"
            return text
    return "unknown"


def torch_blas():
    """The BLAS PyTorch was built with, from ``torch.__config__``, e.g. ``'MKL 2024.2'``."""
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


def describe_machine():
    """A dict of facts about this machine and its software, for the head of a benchmark report."""
    return {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": available_cores(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numpy_blas": numpy_blas(),
        "torch": torch.__version__,
        "torch_blas": torch_blas(),
        "load_average": load_average(),
    }
