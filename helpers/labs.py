"""The few pieces of the instructor kit that nbgrader does not have.

nbgrader releases, autogrades and exports the labs; the book's ``nbgrader_config.py``
plugs the classes below into its own commands:

* :class:`RestoreMissingCells` (``nbgrader autograde``): puts back locked cells, tests
  included, that a student deleted or whose id a student changed, so that the original
  tests still run. (nbgrader's ``OverwriteCells.add_missing_cells`` fails on labs whose
  test cells follow a self-check cell, and a changed id makes nbgrader reject the
  whole notebook.)
* :class:`HideHiddenTests` (``nbgrader generate_feedback``): the feedback shows the
  student's code, outputs and scores, but neither the hidden tests nor the tracebacks
  that would quote them.
* :class:`FlaggedCsvExport` (``nbgrader export``): one row per student and lab, with a
  ``status`` that flags every submission that could not be graded normally (see
  :data:`FLAGS`), so that nothing is silently scored 0.

and a small command line for what happens outside nbgrader's commands::

    python -m helpers.labs check LAB_ID...           # look at submitted/ before grading
    python -m helpers.labs student-versions [--check] # book/labs/<lab_id>.ipynb

The instructor guide (book/instructor_guide.md) walks through all of it.
"""

import argparse
import csv
import re
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.plugins import ExportPlugin
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor
from traitlets import Bool, List
from traitlets.config.loader import PyFileConfigLoader

ROOT = Path(__file__).resolve().parents[1]
BOOK_LABS = Path("book") / "labs"

# Every value the gradebook's `status` column can hold (several are joined with ";").
FLAGS = {
    "ok": "graded normally",
    "not_submitted": "no folder submitted/<student>/<lab>/: nothing to grade",
    "not_a_notebook": "the submission holds no readable notebook: not graded",
    "wrong_file_name": "a notebook was submitted under another name: not graded until renamed",
    "duplicate_submission": "two notebooks, or two folders that differ only in case, for one student",
    "missing_cells": "cells of the lab were deleted or their ids changed; locked ones were put back",
    "tampered_tests_restored": "visible tests were edited; graded with the original tests",
    "timed_out": "a cell ran past the time limit and was interrupted; the rest was graded",
    "syntax_error": "a cell of the student's code does not parse; the rest was graded",
    "kernel_died": "the kernel died (os._exit, a crash, out of memory): not graded",
    "grading_failed": "nbgrader could not grade it; the note quotes its error",
    "not_graded": "submitted but not autograded yet",
    "needs_manual_grading": "some cells wait for a grade by hand",
}
UNGRADED = {"not_submitted", "not_a_notebook", "wrong_file_name", "kernel_died",
            "grading_failed", "not_graded"}
SYNTAX_ERRORS = {"SyntaxError", "IndentationError", "TabError"}
COLUMNS = ["student_id", "last_name", "first_name", "lab", "score", "max_score", "status", "note"]


class LabError(Exception):
    """A problem the instructor has to fix: an unknown lab, no submissions, ..."""


# ---------------------------------------------------------------- the course folder

def load_course(root="."):
    """nbgrader's CourseDirectory for the course at ``root``, read from its nbgrader_config.py."""
    root = Path(root).resolve()
    config_file = root / "nbgrader_config.py"
    if not config_file.is_file():
        raise LabError(f"{root} has no nbgrader_config.py: run this from the course root")
    config = PyFileConfigLoader(config_file.name, path=str(root)).load_config()
    return CourseDirectory(root=str(root), config=config)


def _folder(course, step, student=".", lab="."):
    return Path(course.format_path(step, student, lab))


def lab_ids(course):
    """The labs of a course: the folders in its source directory that hold a notebook."""
    source = _folder(course, course.source_directory)
    if not source.is_dir():
        return []
    return sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def check_lab_id(course, lab_id):
    labs = lab_ids(course)
    if lab_id not in labs:
        raise LabError(f"there is no lab {lab_id!r} in {course.source_directory}/ "
                       f"(labs: {', '.join(labs) or 'none'})")


def _students(course):
    submitted = _folder(course, course.submitted_directory)
    return sorted(p.name for p in submitted.iterdir() if p.is_dir()) if submitted.is_dir() else []


def _cell_id(cell, index):
    return cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index + 1}"


# ---------------------------------------------------------------- submissions, before grading

def scan_submission(course, lab_id, student, notebook_names):
    """Flags and notes for one student's folder of one lab: what is wrong before grading.

    notebook_names: the notebooks the lab expects, e.g. ["lab01_linear_regression.ipynb"].
    """
    flags, notes = [], []
    folder = _folder(course, course.submitted_directory, student, lab_id)
    twins = [s for s in _students(course) if s.lower() == student.lower() and s != student
             and _folder(course, course.submitted_directory, s, lab_id).is_dir()]
    if twins:
        flags.append("duplicate_submission")
        notes.append(f"the same student also submitted as {', '.join(twins)}: keep one folder")
    if not folder.is_dir():
        notes.append(f"no folder {course.submitted_directory}/{student}/{lab_id}/")
        return flags + ["not_submitted"], notes
    found = sorted(p.name for p in folder.glob("*.ipynb"))
    others = sorted(p.name for p in folder.iterdir() if p.suffix != ".ipynb"
                    and p.name not in ("timestamp.txt", ".ipynb_checkpoints"))
    for name in notebook_names:
        if name not in found:
            if found:
                flags.append("wrong_file_name")
                notes.append(f"found {', '.join(found)} instead of {name}: rename it and autograde again")
            else:
                flags.append("not_a_notebook")
                notes.append(f"no notebook in the folder (only {', '.join(others) or 'nothing'})")
            continue
        try:
            nbformat.read(folder / name, as_version=4)
        except Exception as error:  # nbformat raises several kinds for a file that is not a notebook
            flags.append("not_a_notebook")
            notes.append(f"{name} is not a notebook ({type(error).__name__})")
    extra = [n for n in found if n not in notebook_names]
    if extra and len(extra) < len(found):
        flags.append("duplicate_submission")
        notes.append(f"graded {', '.join(n for n in found if n in notebook_names)}, "
                     f"ignored {', '.join(extra)}")
    return flags, notes


def is_released(course, lab_id):
    """Whether ``nbgrader generate_assignment LAB`` has put the lab into the course's gradebook.

    autograde takes each lab's tests from the gradebook, so it fails for every student of a
    lab that was never generated. The gradebook is only read: a missing file stays missing.
    """
    from nbgrader.api import Gradebook, MissingEntry

    prefix = "sqlite:///"
    if course.db_url.startswith(prefix) and not Path(course.db_url[len(prefix):]).is_file():
        return False
    with Gradebook(course.db_url) as gradebook:
        try:
            gradebook.find_assignment(lab_id)
        except MissingEntry:
            return False
    return True


def check(course, lab_id):
    """Problems in submitted/ for one lab, as lines of text; raises LabError if nothing is there."""
    check_lab_id(course, lab_id)
    names = [p.name for p in _folder(course, course.source_directory, ".", lab_id).glob("*.ipynb")]
    students = [s for s in _students(course)
                if _folder(course, course.submitted_directory, s, lab_id).is_dir()]
    labs = set(lab_ids(course))
    stray = [f"{course.submitted_directory}/{s}/{p.name}/" for s in _students(course)
             for p in sorted(_folder(course, course.submitted_directory, s).iterdir())
             if p.is_dir() and p.name not in labs and not p.name.startswith(".")]
    hint = f" (these folders are not named after a lab: {', '.join(stray)})" if stray else ""
    if not students:
        raise LabError(f"no submissions for {lab_id}: put each student's notebook in "
                       f"{course.submitted_directory}/<student>/{lab_id}/ (see the instructor guide){hint}")
    lines = []
    if not is_released(course, lab_id):
        lines.append(f"{lab_id} is not in the gradebook: run `nbgrader generate_assignment {lab_id}` "
                     "before autograding, or nbgrader cannot grade anyone")
    for student in students:
        flags, notes = scan_submission(course, lab_id, student, names)
        if flags:
            lines.append(f"{student}: {', '.join(dict.fromkeys(flags))}: {'; '.join(notes)}")
    lines += [f"{folder}: not a lab; name the folder after the lab it holds" for folder in stray]
    return students, lines


# ---------------------------------------------------------------- submissions, after grading

def grading_failures(course):
    """{(student, lab): last error line} for every submission nbgrader failed to grade, from its log."""
    log = Path(course.root) / ".nbgrader.log"
    failures, current = {}, None
    if not log.is_file():
        return failures
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        match = re.match(r"\[\w+ \| ERROR\] There was an error processing assignment: (.+)$", line)
        if match:
            current = tuple(Path(match.group(1).strip()).parts[-2:])
            failures[current] = "unknown error"
        elif current and line.startswith("[") and "Traceback" not in line:
            current = None
        elif current and line.strip():
            failures[current] = line.strip()
    return failures


def _graded_flags(submitted, autograded, answers):
    """Flags and notes from a submitted notebook, its autograded version and its answer cells' ids."""
    flags, notes = [], []
    given = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in submitted.cells}
    restored = {c.metadata.nbgrader.grade_id: c for c in autograded.cells
                if c.metadata.get("nbgrader", {}).get("grade_id")}
    missing = [gid for gid, cell in restored.items() if cell.cell_type == "code" and gid not in given]
    lost = [gid for gid in answers if gid not in given]
    if missing or lost:
        flags.append("missing_cells")
    if missing:
        notes.append(f"cells missing from the submission, put back before grading: {', '.join(missing)}")
    if lost:
        notes.append(f"answer cells missing (deleted, or their id changed): {', '.join(lost)}")
    tampered = [gid for gid, cell in restored.items() if cell.metadata.nbgrader.get("grade")
                and gid in given and given[gid].source.strip() not in
                (HideHiddenTests.visible(cell.source), cell.source.strip())]
    if tampered:
        flags.append("tampered_tests_restored")
        notes.append(f"edited tests replaced by the originals: {', '.join(tampered)}")
    for flag, names, text in (("timed_out", {"CellTimeoutError"}, "ran past the time limit"),
                              ("syntax_error", SYNTAX_ERRORS, "has a syntax error")):
        cells = [_cell_id(c, i) for i, c in enumerate(autograded.cells) if c.cell_type == "code"
                 and any(o.output_type == "error" and o.ename in names for o in c.outputs)]
        if cells:
            flags.append(flag)
            notes.append(f"{', '.join(cells)} {text}")
    return flags, notes


def grade_submission(course, gradebook, lab_id, student, notebook_names, failures):
    """(score or None, flags, notes) of one student's submission of one lab."""
    flags, notes = scan_submission(course, lab_id, student, notebook_names)
    if set(flags) & UNGRADED:
        return None, flags, notes
    graded = [_folder(course, course.autograded_directory, student, lab_id) / n for n in notebook_names]
    if not all(path.is_file() for path in graded):
        error = failures.get((student, lab_id))
        if error is None:
            return None, flags + ["not_graded"], notes + [f"run: nbgrader autograde {lab_id}"]
        if "DeadKernelError" in error:
            return None, flags + ["kernel_died"], notes + [
                "the kernel died while grading; grade by hand or ask for a fixed notebook"]
        return None, flags + ["grading_failed"], notes + [f"nbgrader: {error}"]
    try:
        submission = gradebook.find_submission(lab_id, student)
    except MissingEntry:
        return None, flags + ["grading_failed"], notes + [
            f"autograded, but not in the gradebook: run nbgrader autograde {lab_id} --force"]
    for name, path in zip(notebook_names, graded):
        answers = [c.name for c in gradebook.find_notebook(Path(name).stem, lab_id).solution_cells]
        submitted = nbformat.read(_folder(course, course.submitted_directory, student, lab_id) / name, 4)
        more_flags, more_notes = _graded_flags(submitted, nbformat.read(path, 4), answers)
        flags, notes = flags + more_flags, notes + more_notes
    if submission.needs_manual_grade:
        flags.append("needs_manual_grading")
    return submission.score, flags, notes


def gradebook_rows(course, gradebook, labs=None, students=None):
    """One dict per student and lab, with the keys in COLUMNS.

    Students: everyone in the gradebook (``nbgrader db student add``) or in submitted/.
    Labs: the given ones, or every lab in the gradebook or in submitted/.
    """
    for lab in labs or []:
        check_lab_id(course, lab)
    people = {s.id: s for s in gradebook.students}
    everyone = sorted(set(_students(course)) | set(people))
    if not everyone:
        raise LabError(f"no students: {course.submitted_directory}/ is empty and the gradebook "
                       "has nobody; collect the submissions first (see the instructor guide)")
    known = lab_ids(course)
    labs = labs or [lab for lab in known if lab in {a.name for a in gradebook.assignments}
                    or any(_folder(course, course.submitted_directory, s, lab).is_dir() for s in everyone)]
    failures = grading_failures(course)
    rows = []
    for lab in labs:
        names = [p.name for p in _folder(course, course.source_directory, ".", lab).glob("*.ipynb")]
        try:
            max_score = f"{gradebook.find_assignment(lab).max_score:g}"
        except MissingEntry:
            max_score = ""
        for student in students or everyone:
            score, flags, notes = grade_submission(course, gradebook, lab, student, names, failures)
            person = people.get(student)
            rows.append({"student_id": student,
                         "last_name": (person and person.last_name) or "",
                         "first_name": (person and person.first_name) or "",
                         "lab": lab, "score": "" if score is None else f"{score:g}", "max_score": max_score,
                         "status": ";".join(dict.fromkeys(flags)) or "ok", "note": "; ".join(notes)})
    return rows


class FlaggedCsvExport(ExportPlugin):
    """``nbgrader export``: one CSV row per student and lab, with a status flag and a note."""

    def export(self, gradebook):
        course = self.parent.coursedir if self.parent is not None else load_course()
        try:
            rows = gradebook_rows(course, gradebook, [str(a) for a in self.assignment],
                                  [str(s) for s in self.student])
        except LabError as error:
            self.log.error(str(error))
            raise SystemExit(1)
        dest = self.to or "grades.csv"
        with open(dest, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        flagged = [r for r in rows if r["status"] != "ok"]
        self.log.info("Wrote %d rows to %s; %d flagged", len(rows), dest, len(flagged))
        for row in flagged:
            self.log.warning("%s / %s: %s (%s)", row["student_id"], row["lab"], row["status"], row["note"])


# ---------------------------------------------------------------- nbgrader preprocessors

class RestoreMissingCells(NbGraderPreprocessor):
    """Autograde: put back the locked cells a student deleted, before nbgrader checks the rest.

    A cell whose nbgrader id the lab does not know (the student changed it) becomes an
    ordinary cell, and the original is put back. Restored cells go where they were: just
    before the next cell of the lab that is still there.
    """

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gradebook:
            lab_nb = gradebook.find_notebook(info["notebook"], info["assignment"])
            cells = [(c.name, c.cell_type, c.source, c.locked, c.checksum) for c in lab_nb.source_cells]
            points = {c.name: c.max_score for c in lab_nb.grade_cells}
        known = {name for name, *_ in cells}
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id is not None and grade_id not in known:
                self.log.warning("Cell %r is not part of the lab; grading it as an ordinary cell", grade_id)
                del cell.metadata["nbgrader"]
        present = [cell.metadata.get("nbgrader", {}).get("grade_id") for cell in nb.cells]
        for k, (name, cell_type, source, locked, checksum) in enumerate(cells):
            if name in present or not locked or cell_type != "code":
                continue
            after = [n for n, *_ in cells[k + 1:] if n in present]
            position = present.index(after[0]) if after else len(nb.cells)
            meta = {"grade": name in points, "grade_id": name, "locked": True, "schema_version": 3,
                    "solution": False, "task": False, "checksum": checksum}
            if name in points:
                meta["points"] = points[name]
            self.log.warning("Cell %r is missing from the submission; putting it back", name)
            nb.cells.insert(position, nbformat.v4.new_code_cell(source, metadata={"nbgrader": meta}))
            present.insert(position, name)
        return nb, resources


class HideHiddenTests(ClearHiddenTests):
    """Feedback: remove the hidden tests from test cells, and the tracebacks that quote them.

    An error in such a cell keeps its message (``AssertionError: ...``) and says whether
    a visible test failed (quoting that line, which the student has) or a hidden one.
    """

    enforce_metadata = Bool(False, help="Hide hidden-test regions in any cell, graded or not").tag(config=True)
    # configurable, as in nbgrader's GetGrades, so the HTML exporter's setting reaches it quietly
    display_data_priority = List(NbGraderPreprocessor.display_data_priority.default_value).tag(config=True)

    @classmethod
    def visible(cls, source):
        """A test cell's source as the student version shows it."""
        cell = nbformat.v4.new_code_cell(source)
        cls()._remove_hidden_test_region(cell)
        return cell.source.strip()

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or self.begin_test_delimeter not in cell.source:
            return cell, resources
        lines, hidden, inside = cell.source.split("\n"), set(), False
        for number, line in enumerate(lines, start=1):
            inside = inside or self.begin_test_delimeter in line
            if inside:
                hidden.add(number)
            inside = inside and self.end_test_delimeter not in line
        cell, resources = super().preprocess_cell(cell, resources, index)
        for output in cell.outputs:
            if output.output_type != "error":
                continue
            plain = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(output.traceback))  # without colours
            frames = re.findall(r"Cell In\[\d+\], line (\d+)", plain)  # the first is this cell's
            line = int(frames[0]) if frames else None
            where = (f"a visible test failed, line {line}: {lines[line - 1].strip()}"
                     if line and line not in hidden and line <= len(lines) else "a hidden test failed")
            if output.ename in ("CellTimeoutError", "KeyboardInterrupt"):
                where = "the tests ran past the time limit"
            output.traceback = [f"{output.ename}: {output.evalue}".rstrip(": "), f"({where})"]
        return cell, resources


# ---------------------------------------------------------------- student versions for the book

def student_versions(root=ROOT):
    """{lab_id: student version}, generated by nbgrader in a temporary copy of the course.

    Each lab must be one notebook, labs/<lab_id>/<lab_id>.ipynb. The book shows these
    notebooks without running them (their stubs raise NotImplementedError).
    """
    from nbgrader.apps import NbGraderAPI

    root = Path(root)
    versions = {}
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(root / "nbgrader_config.py", tmp)
        shutil.copytree(root / "labs", Path(tmp) / "labs",
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        course = load_course(tmp)
        api = NbGraderAPI(coursedir=course, config=course.config)
        for lab in lab_ids(course):
            names = sorted(p.name for p in (Path(tmp) / "labs" / lab).glob("*.ipynb"))
            if names != [f"{lab}.ipynb"]:
                raise LabError(f"labs/{lab}/ must hold exactly one notebook, {lab}.ipynb (found {names})")
            result = api.generate_assignment(lab, force=True)
            if not result["success"]:
                details = result.get("error") or result["log"]
                raise LabError(f"nbgrader generate_assignment {lab} failed:\n{details}")
            nb = nbformat.read(_folder(course, course.release_directory, ".", lab) / f"{lab}.ipynb", 4)
            for cell in nb.cells:
                if cell.cell_type == "code":
                    cell.outputs, cell.execution_count = [], None
            nb.metadata["mystnb"] = {"execution_mode": "off"}  # the book shows it, never runs it
            versions[lab] = nb
    return versions


def same_cells(a, b):
    """Whether two notebooks have the same cells (types and sources)."""
    return [(c.cell_type, c.source) for c in a.cells] == [(c.cell_type, c.source) for c in b.cells]


def stale_student_versions(root, versions):
    """{path: student version} for each book/labs/<lab_id>.ipynb that is missing or out of date."""
    stale = {}
    for lab, nb in versions.items():
        path = Path(root) / BOOK_LABS / f"{lab}.ipynb"
        committed = nbformat.read(path, 4) if path.is_file() else None
        if not (committed and same_cells(committed, nb)
                and committed.metadata.get("mystnb") == nb.metadata["mystnb"]):
            stale[path] = nb
    return stale


# ---------------------------------------------------------------- command line

def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m helpers.labs", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    checker = commands.add_parser("check", help="list problems in submitted/ before autograding")
    checker.add_argument("lab_ids", nargs="+")
    checker.add_argument("--course", default=".", help="course root (default: here)")
    versions = commands.add_parser("student-versions", help="write book/labs/<lab_id>.ipynb")
    versions.add_argument("--check", action="store_true", help="only report which are out of date")
    versions.add_argument("--root", default=str(ROOT), help="repository root")
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            course, problems = load_course(args.course), 0
            for lab in args.lab_ids:
                students, lines = check(course, lab)
                print(f"{lab}: {len(students)} submission(s), {len(lines)} problem(s)")
                print("".join(f"  {line}\n" for line in lines), end="")
                problems += len(lines)
            return 1 if problems else 0
        stale = stale_student_versions(args.root, student_versions(args.root))
        for path, nb in stale.items():
            print(f"{'out of date' if args.check else 'writing'}: {path.relative_to(args.root)}")
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(nb, path)
        if not stale:
            print("all student versions are up to date")
        return 1 if stale and args.check else 0
    except LabError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
