"""Run sanitized submissions in the sandbox, one after another: ``python -m helpers.labs.execute``.

``autograde`` starts one such worker per job slot (``--jobs N``: N workers) and sends it
the path of one JOB.json file per line on its standard input; the worker answers each with
the line ``done``. A kernel that hangs or crashes runs in its own process and sandbox, so
it touches no other student; a worker that stops answering is killed (and its sandbox with
it) and replaced. JOB.json says (all paths absolute)::

    {"notebook": in.ipynb, "output": out.ipynb, "result": result.json, "scratch": folder,
     "timeout": seconds per cell, "iopub_timeout": seconds, "bwrap": path or "" (no sandbox), "memory_mb": ...,
     "cpu_seconds": ..., "threads": ...}

The notebook is executed by nbgrader's own Execute preprocessor (the one ``nbgrader
autograde`` uses: errors recorded per cell, a cell past the timeout interrupted and
recorded as ``CellTimeoutError``), with a :class:`~helpers.labs.sandbox.SandboxedKernelManager`.
This process runs outside the sandbox and writes ``output`` and ``result`` outside the
scratch folder, where the student's code cannot reach them.
"""

import json
import sys
from pathlib import Path

import nbformat
from traitlets.config import Config


def execute(job):
    """Execute job["notebook"] into job["output"]; return {"ok": bool, "error": name, "message": text}."""
    from nbgrader.preprocessors import Execute

    from .sandbox import SandboxedKernelManager

    config = Config()
    config.Execute.timeout = job["timeout"]
    # After a cell's reply, how long to wait for its last outputs: on a busy machine they
    # can lag behind by seconds, and nbgrader (raise_on_iopub_timeout) then fails the notebook.
    config.Execute.iopub_timeout = job.get("iopub_timeout", 30)
    config.SandboxedKernelManager.scratch = job["scratch"]
    config.SandboxedKernelManager.bwrap = job["bwrap"]
    config.SandboxedKernelManager.memory_mb = job["memory_mb"]
    config.SandboxedKernelManager.cpu_seconds = job["cpu_seconds"]
    config.SandboxedKernelManager.threads = job["threads"]
    nb = nbformat.read(job["notebook"], as_version=4)
    executor = Execute(config=config, kernel_manager_class=SandboxedKernelManager)
    resources = {"metadata": {"path": job["scratch"]}, "nbgrader": {}}
    try:
        nb, _ = executor.preprocess(nb, resources)
    except Exception as error:  # DeadKernelError, a kernel that never started, ...
        name = type(error).__name__
        message = str(error).strip().splitlines()[-1:] or [""]
        if (
            name == "CellTimeoutError"
        ):  # nbclient gave up waiting for a cell's last outputs
            message = [
                "a cell ran past the time limit and the kernel did not stop when interrupted"
            ]
        nbformat.write(nb, job["output"])
        return {"ok": False, "error": name, "message": message[0][:500]}
    nbformat.write(nb, job["output"])
    return {"ok": True, "error": "", "message": ""}


def main():
    for line in sys.stdin:
        job = json.loads(Path(line.strip()).read_text(encoding="utf-8"))
        result = execute(job)
        Path(job["result"]).write_text(json.dumps(result), encoding="utf-8")
        print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
