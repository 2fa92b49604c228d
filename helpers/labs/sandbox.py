"""The sandbox every student's kernel runs in: Debian's bubblewrap (``bwrap``).

``python -m helpers.labs autograde`` copies one submitted notebook (and the lab's data
files) into a scratch folder and executes it with a kernel started by
:class:`SandboxedKernelManager`, whose command is ``bwrap ... prlimit ... python -m
ipykernel_launcher``. Inside the sandbox:

* the file system is read-only and holds only the system, Python with its packages and
  the book's ``helpers`` package; the scratch folder is the one writable place, and the
  course (lab sources, ``release/``, ``submitted/``, ``autograded/``, ``gradebook.db``,
  other students' scratch folders) is not there at all;
* there is no network (a network namespace with nothing in it) and the kernel talks to
  the grader over Unix sockets in the scratch folder;
* the kernel's processes live in their own PID namespace: when the kernel ends, or the
  grader does (``--die-with-parent``), every process a student started ends with it;
* each process may hold ``memory_mb`` of data (``prlimit --data``) and use
  ``cpu_seconds`` of CPU time (``prlimit --cpu``), set in nbgrader_config.py;
* the working folder is not on the import path (``python -P``, IPython's
  ``ignore_cwd``), so a file cannot shadow a real module.

The grader itself (nbclient, which sends the cells and collects the outputs, and
nbgrader, which scores them and writes the gradebook) runs outside the sandbox.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Integer, Unicode
from traitlets.config import Configurable

from .course import LabError

HELPERS = Path(__file__).resolve().parents[1]  # the book's helpers package
# System folders the kernel may read (those missing on a machine are skipped).
SYSTEM_PATHS = [
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/etc/alternatives",
    "/etc/fonts",
    "/etc/ld.so.cache",
    "/etc/localtime",
    "/etc/passwd",
    "/etc/group",
    "/etc/nsswitch.conf",
    "/etc/mime.types",
    "/etc/matplotlibrc",
]


class LabSandbox(Configurable):
    """Limits of the grading sandbox; set them in nbgrader_config.py as c.LabSandbox.<name>."""

    bwrap = Unicode(
        "bwrap",
        help="The bubblewrap program (a name on PATH or a path); "
        "the environment variable DLBOOK_BWRAP overrides it",
    ).tag(config=True)
    memory_mb = Integer(
        4096, help="Memory (data segment) each process of a submission may use, in MiB"
    ).tag(config=True)
    cpu_seconds = Integer(
        900, help="CPU time each process of a submission may use, in seconds"
    ).tag(config=True)
    threads = Integer(
        0, help="Threads for NumPy/PyTorch in each kernel (0: CPU cores / jobs)"
    ).tag(config=True)
    unsafe_no_sandbox = Bool(
        False,
        help="Run students' kernels without bubblewrap "
        "(only for your own code: they can reach everything you can)",
    ).tag(config=True)

    def program(self):
        return os.environ.get("DLBOOK_BWRAP") or self.bwrap


def package_paths():
    """The grader's folders of installed packages (site-packages, dist-packages, the user's)."""
    return [
        p
        for p in sys.path
        if p and Path(p).is_dir() and ("site-packages" in p or "dist-packages" in p)
    ]


def read_paths():
    """Folders the kernel must read: the system, Python and its packages, ``helpers``."""
    paths = [p for p in SYSTEM_PATHS if os.path.lexists(p)]
    for name in ("stdlib", "platstdlib", "purelib", "platlib", "scripts", "data"):
        paths.append(sysconfig.get_paths()[name])
    paths += [
        sys.prefix,
        sys.base_prefix,
        str(Path(sys.executable).resolve().parent),
        str(HELPERS),
    ]
    paths += package_paths()
    unique = []
    for path in sorted(
        set(paths), key=len
    ):  # a folder inside one already bound is covered
        if Path(path).exists() and not any(
            path == u or path.startswith(u.rstrip("/") + "/") for u in unique
        ):
            unique.append(path)
    return unique


def bwrap_command(program, scratch):
    """The bubblewrap command line that runs a command in ``scratch``, sandboxed."""
    command = [
        program,
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
    ]
    for path in read_paths():
        kind = (
            "--symlink"
            if os.path.islink(path) and path in SYSTEM_PATHS
            else "--ro-bind"
        )
        command += (
            [kind, os.readlink(path), path]
            if kind == "--symlink"
            else [kind, path, path]
        )
    return command + ["--bind", str(scratch), str(scratch), "--chdir", str(scratch)]


def kernel_environment(scratch, threads):
    """The kernel's whole environment: nothing of the grader's leaks in."""
    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(scratch),
        "TMPDIR": str(scratch),
        "LANG": "C.UTF-8",
        # helpers first; then packages outside Python's own prefix, which the kernel would
        # not find by itself (a user install: HOME is the scratch folder)
        "PYTHONPATH": os.pathsep.join(
            [str(HELPERS.parent)]
            + [
                p
                for p in package_paths()
                if not p.startswith((sys.prefix, sys.base_prefix))
            ]
        ),
        "MPLCONFIGDIR": str(Path(scratch) / ".matplotlib"),
        "NBGRADER_EXECUTION": "autograde",
        "DLBOOK_DEVICE": "cpu",
        "OMP_NUM_THREADS": str(threads),
        "MKL_NUM_THREADS": str(threads),
        "OPENBLAS_NUM_THREADS": str(threads),
        "JPY_SESSION_NAME": "submission",
    }


def check_sandbox(settings):
    """Raise LabError, saying why and how to fix it, unless bubblewrap can sandbox a command here."""
    program = settings.program()
    found = shutil.which(program)
    fix = (
        "Install bubblewrap (Debian/Ubuntu: `apt-get install bubblewrap`; Fedora: `dnf install "
        "bubblewrap`), or point c.LabSandbox.bwrap in nbgrader_config.py (or the DLBOOK_BWRAP "
        "environment variable) at it. Inside a container bubblewrap needs user namespaces: run the "
        "container with `--security-opt seccomp=unconfined --security-opt apparmor=unconfined` "
        "(Docker) or grade on a machine or VM of your own. Only to grade code you trust, "
        "pass --unsafe-no-sandbox: students' code then runs with your rights."
    )
    if found is None:
        raise LabError(
            f"cannot sandbox the students' kernels: bubblewrap ({program!r}) is not installed. {fix}"
        )
    scratch = Path(os.environ.get("TMPDIR", "/tmp"))
    try:
        result = subprocess.run(
            bwrap_command(found, scratch) + [sys.executable, "-c", "pass"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise LabError(
            f"cannot sandbox the students' kernels: {found} did not run ({error}). {fix}"
        ) from error
    if result.returncode != 0:
        why = (
            result.stderr.strip() or f"exit status {result.returncode}"
        ).splitlines()[-1]
        raise LabError(
            f"cannot sandbox the students' kernels: {found} fails here ({why}). {fix}"
        )
    return found


class SandboxedKernelManager(AsyncKernelManager):
    """A Python kernel started inside bubblewrap, with its sockets in the scratch folder.

    nbclient (and so nbgrader's Execute preprocessor) uses it like any kernel manager;
    set ``scratch`` and the limits before it starts.
    """

    scratch = Unicode(
        help="The submission's scratch folder: the kernel's only writable folder"
    ).tag(config=True)
    bwrap = Unicode("", help="Path of bwrap; empty: no sandbox (unsafe)").tag(
        config=True
    )
    memory_mb = Integer(4096).tag(config=True)
    cpu_seconds = Integer(900).tag(config=True)
    threads = Integer(1).tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Unix sockets instead of TCP: the sandbox has no network, not even loopback.
        self.transport = "ipc"
        self.ip = str(Path(self.scratch) / "kernel")
        self.connection_file = str(Path(self.scratch) / "kernel.json")

    @property
    def kernel_spec(self):
        # interrupt by message: a signal would reach bubblewrap, not the kernel
        return KernelSpec(
            argv=[],
            display_name="Python 3 (sandboxed)",
            language="python",
            interrupt_mode="message",
            env={},
        )

    @property
    def ipykernel(self):
        return True

    def format_kernel_cmd(self, extra_arguments=None):
        limits = [
            "prlimit",
            f"--data={self.memory_mb * 2**20}",
            f"--cpu={self.cpu_seconds}",
            "--",
        ]
        kernel = [
            sys.executable,
            "-P",
            "-m",
            "ipykernel_launcher",
            "-f",
            self.connection_file,
            "--InteractiveShellApp.ignore_cwd=True",
            # the kernel's parent is bubblewrap's init (pid 1 in the sandbox), which
            # ipykernel would take for a dead parent; --die-with-parent does that job
            "--IPKernelApp.parent_handle=0",
            *(extra_arguments or []),
        ]
        prefix = bwrap_command(self.bwrap, self.scratch) if self.bwrap else []
        return prefix + limits + kernel

    async def _async_pre_start_kernel(self, **kwargs):
        kwargs["cwd"] = self.scratch
        kwargs["env"] = kernel_environment(self.scratch, self.threads)
        # the kernel talks to the grader only through its sockets (outputs are messages)
        kwargs["stdin"] = kwargs["stdout"] = kwargs["stderr"] = subprocess.DEVNULL
        return await super()._async_pre_start_kernel(**kwargs)
