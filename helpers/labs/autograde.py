"""``python -m helpers.labs autograde LAB``: grade a class, each student in isolation, sandboxed.

For each student, in three steps:

1. **Prepare** (here, reading the gradebook): read ``submitted/<student>/<lab>/<lab>.ipynb``
   and nothing else from that folder; make copied or broken cells ordinary ones
   (:func:`~helpers.labs.check.repair_metadata`); run nbgrader's own sanitizing
   preprocessors from nbgrader_config.py (clear outputs, put back the original tests
   and the locked cells a student deleted).
2. **Execute** (in a worker process, several at once with ``--jobs``): copy that one
   notebook, and the lab's data files, into a fresh scratch folder outside the course,
   and run it with nbgrader's Execute preprocessor and a kernel inside the sandbox
   (:mod:`helpers.labs.sandbox`). The executed notebook is written outside the scratch
   folder, which is then deleted.
3. **Score** (here, one student at a time, so only one process ever writes
   ``gradebook.db``): hand the executed notebook to nbgrader's own ``autograde``
   (:class:`nbgrader.apps.NbGraderAPI`), configured to take the outputs as they are and
   only score them (with :class:`~helpers.labs.preprocessors.StderrIsNotFailure`) and
   save the grades and ``autograded/<student>/<lab>/``.

What went wrong for a student (the kernel died, nbgrader failed) goes to
``.grading/reports/<lab>/<student>.json`` and from there into the export; it never stops
the other students.
"""

import copy
import hashlib
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import nbformat

from .check import repair_metadata, scan_submission
from .course import (
    UNGRADED,
    LabError,
    check_lab_id,
    folder,
    grading_folder,
    is_released,
    lab_data_files,
    lab_notebooks,
    students,
)
from .sandbox import HELPERS, LabSandbox, check_sandbox

STAGED = (
    "staged"  # .grading/staged/<student>/<lab>/: the executed notebooks nbgrader scores
)


def _import(name):
    if not isinstance(name, str):
        return name
    module, _, attr = name.rpartition(".")
    return getattr(__import__(module, fromlist=[attr]), attr)


def sanitize(course, lab_id, student, name, nb):
    """The notebook as nbgrader would run it: nbgrader's sanitize preprocessors, in order."""
    from nbgrader.converters import Autograde

    pipeline = course.config.Autograde.get(
        "sanitize_preprocessors",
        Autograde.class_traits()["sanitize_preprocessors"].default(),
    )
    resources = {
        "nbgrader": {
            "notebook": Path(name).stem,
            "assignment": lab_id,
            "student": student,
            "db_url": course.db_url,
        }
    }
    for preprocessor in pipeline:
        nb, resources = _import(preprocessor)(config=course.config).preprocess(
            nb, resources
        )
    return nb


def score_config(course):
    """nbgrader's configuration for step 3: read the staged notebooks, keep their outputs, score them."""
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute

    config = copy.deepcopy(course.config)
    config.CourseDirectory.root = course.root
    config.CourseDirectory.submitted_directory = os.path.join(
        grading_folder(course).name, STAGED
    )
    config.Autograde.sanitize_preprocessors = []
    default = Autograde.class_traits()["autograde_preprocessors"].default()
    pipeline = list(course.config.Autograde.get("autograde_preprocessors", default))
    names = [
        p if isinstance(p, str) else f"{p.__module__}.{p.__name__}" for p in pipeline
    ]
    config.Autograde.autograde_preprocessors = [
        p
        for p, n in zip(pipeline, names)
        if _import(p) is not Execute and not n.endswith(".Execute")
    ]
    return config


class Workers:
    """One execute worker (python -m helpers.labs.execute) per thread of the pool."""

    def __init__(self, root):
        self.root, self.local, self.all, self.lock = (
            root,
            threading.local(),
            [],
            threading.Lock(),
        )

    def _start(self):
        env = dict(
            os.environ,
            PYTHONPATH=os.pathsep.join(
                filter(None, [str(HELPERS.parent), os.environ.get("PYTHONPATH")])
            ),
        )
        worker = subprocess.Popen(
            [sys.executable, "-m", "helpers.labs.execute"],
            cwd=self.root,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        with self.lock:
            self.all.append(worker)
        return worker

    def run(self, job_file, seconds):
        """Send one job; True when the worker answered within ``seconds``."""
        worker = getattr(self.local, "worker", None)
        if worker is None or worker.poll() is not None:
            worker = self.local.worker = self._start()
        worker.stdin.write(f"{job_file}\n")
        worker.stdin.flush()
        ready, _, _ = select.select([worker.stdout], [], [], seconds)
        if ready and worker.stdout.readline().strip() == "done":
            return True
        worker.kill()  # its sandboxed kernel dies with it (--die-with-parent)
        worker.wait()
        self.local.worker = None
        return False

    def close(self):
        for worker in self.all:
            if worker.poll() is None:
                worker.stdin.close()
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.kill()


def _execute(workers, job, seconds):
    """Step 2 for one notebook, in a pool thread: the result dict of helpers.labs.execute."""
    scratch = Path(job["scratch"])
    try:
        Path(job["job"]).write_text(json.dumps(job), encoding="utf-8")
        if not workers.run(job["job"], seconds):
            return {
                "ok": False,
                "error": "GradingTimeout",
                "message": f"the notebook did not finish within {seconds:.0f} s",
            }
        return json.loads(Path(job["result"]).read_text(encoding="utf-8"))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def autograde(
    course,
    lab_id,
    only=None,
    jobs=1,
    unsafe_no_sandbox=False,
    timeout=None,
    force=False,
    log=print,
):
    """Grade the submissions of one lab; returns {student: (flags, notes)} of those it graded.

    only: student ids (default: everyone with a folder for the lab). force: grade again
    submissions already graded and unchanged since.
    """
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    check_lab_id(course, lab_id)
    if not is_released(course, lab_id):
        raise LabError(
            f"{lab_id} is not in the gradebook: run `nbgrader generate_assignment {lab_id}` first"
        )
    settings = LabSandbox(config=course.config)
    if unsafe_no_sandbox or settings.unsafe_no_sandbox:
        bwrap = ""
        log(
            "WARNING: --unsafe-no-sandbox: students' code runs with your rights, "
            "with the network, and can read and change the whole course"
        )
    else:
        bwrap = check_sandbox(settings)
    timeout = timeout or course.config.Execute.get("timeout", 60)
    names = lab_notebooks(course, lab_id)
    everyone = [
        s
        for s in students(course)
        if folder(course, course.submitted_directory, s, lab_id).is_dir()
    ]
    unknown = sorted(set(only or []) - set(everyone))
    if unknown:
        raise LabError(
            f"no submission of {lab_id} for {', '.join(unknown)} in {course.submitted_directory}/"
        )
    chosen = list(only) if only else everyone
    if not chosen:
        raise LabError(f"no submissions for {lab_id} in {course.submitted_directory}/")
    threads = settings.threads or max(1, (os.cpu_count() or 1) // max(1, jobs))
    reports = grading_folder(course, "reports", lab_id)
    reports.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"dlbook-grading-{lab_id}-"))
    workers = Workers(course.root)
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    outcome, pending = {}, []
    try:
        for student in chosen:
            flags, notes = scan_submission(course, lab_id, student, names)
            submitted = folder(course, course.submitted_directory, student, lab_id)
            digest = {
                n: _sha256(submitted / n) for n in names if (submitted / n).is_file()
            }
            report_file = reports / f"{student}.json"
            if not force and report_file.is_file():
                old = json.loads(report_file.read_text(encoding="utf-8"))
                if old.get("submitted_sha256") == digest and old.get("sandbox") == bool(
                    bwrap
                ):
                    log(
                        f"{student}: already graded and unchanged (use --force to grade again)"
                    )
                    continue
            report = {
                "submitted_sha256": digest,
                "sandbox": bool(bwrap),
                "flags": [],
                "notes": [],
            }
            if set(flags) & UNGRADED:
                report.update(
                    flags=[], notes=[]
                )  # check's flags are found again by the export
                _finish(course, lab_id, student, report, report_file, removed=True)
                outcome[student] = (flags, notes)
                log(f"{student}: not graded ({', '.join(dict.fromkeys(flags))})")
                continue
            staged = grading_folder(course, STAGED, student, lab_id)
            shutil.rmtree(staged, ignore_errors=True)
            staged.mkdir(parents=True)
            if (submitted / "timestamp.txt").is_file():
                shutil.copy(submitted / "timestamp.txt", staged / "timestamp.txt")
            futures = []
            for name in names:
                nb = repair_metadata(nbformat.read(submitted / name, as_version=4))
                try:
                    nb = sanitize(course, lab_id, student, name, nb)
                except Exception as error:  # nbgrader rejects the notebook
                    report["flags"].append("grading_failed")
                    report["notes"].append(
                        f"nbgrader could not prepare {name}: {type(error).__name__}: {error}"
                    )
                    continue
                scratch = Path(tempfile.mkdtemp(prefix="submission-", dir=work))
                for relative, path in lab_data_files(course, lab_id).items():
                    (scratch / relative).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy(path, scratch / relative)
                (scratch / name).write_text(nbformat.writes(nb), encoding="utf-8")
                base = work / f"{scratch.name}"
                job = {
                    "notebook": str(scratch / name),
                    "output": str(staged / name),
                    "result": f"{base}.result.json",
                    "job": f"{base}.job.json",
                    "scratch": str(scratch),
                    "timeout": int(timeout),
                    "iopub_timeout": course.config.Execute.get("iopub_timeout", 30),
                    "bwrap": bwrap,
                    "memory_mb": settings.memory_mb,
                    "cpu_seconds": settings.cpu_seconds,
                    "threads": threads,
                }
                # a notebook may need the time limit for each of its cells, plus starting the kernel
                cells = sum(c.cell_type == "code" for c in nb.cells)
                futures.append(
                    (name, pool.submit(_execute, workers, job, timeout * cells + 120))
                )
            pending.append((student, report, report_file, futures))
        api = NbGraderAPI(
            coursedir=CourseDirectory(config=score_config(course)),
            config=score_config(course),
        )
        for student, report, report_file, futures in pending:
            for name, future in futures:
                result = future.result()
                if not result["ok"]:
                    flag = (
                        "kernel_died"
                        if result["error"] in ("DeadKernelError", "RuntimeError")
                        else "grading_failed"
                    )
                    report["flags"].append(flag)
                    report["notes"].append(
                        f"{name}: the kernel died ({result['message']}): os._exit, a crash, or past the limits "
                        f"of {settings.memory_mb} MiB or {settings.cpu_seconds} s of CPU time"
                        if flag == "kernel_died"
                        else f"{name}: {result['error']}: {result['message']}"
                    )
            if not set(report["flags"]) & UNGRADED:
                result = api.autograde(lab_id, student, force=True, create=True)
                if not result["success"]:
                    lines = (
                        (result.get("error") or result.get("log") or "unknown error")
                        .strip()
                        .splitlines()
                    )
                    report["flags"].append("grading_failed")
                    report["notes"].append(
                        f"nbgrader: {lines[-1] if lines else 'unknown error'}"
                    )
            _finish(
                course,
                lab_id,
                student,
                report,
                report_file,
                removed=bool(set(report["flags"]) & UNGRADED),
            )
            outcome[student] = (report["flags"], report["notes"])
            status = ", ".join(dict.fromkeys(report["flags"])) or "graded"
            log(f"{student}: {status}")
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        workers.close()
        shutil.rmtree(work, ignore_errors=True)
    return outcome


def _finish(course, lab_id, student, report, report_file, removed):
    """Write the report; a submission that could not be graded keeps no stale graded notebook."""
    if removed:
        shutil.rmtree(
            folder(course, course.autograded_directory, student, lab_id),
            ignore_errors=True,
        )
    report["graded_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    report_file.write_text(json.dumps(report, indent=1), encoding="utf-8")
