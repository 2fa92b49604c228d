"""The gradebook export: ``nbgrader export --to grades.csv`` through :class:`FlaggedCsvExport`.

One row per student and lab, with a ``status`` that flags every submission that could
not be graded normally, or that needs a look (see :data:`~helpers.labs.course.FLAGS`),
so that nothing is silently scored 0 and no score is trusted blindly:

* what ``check`` finds in the submission (tamper detection included) and what
  ``autograde`` recorded when it ran it in the sandbox (.grading/reports/);
* what the graded notebook shows (cells that timed out, ran out of memory, did not parse);
* the gradebook's integrity: a score below 0 or above the cell's maximum, a score that
  differs from what the graded notebook earns (the gradebook was changed outside
  nbgrader), and scores set by hand (manual scores, extra credit), to confirm.
"""

import csv
import json
import re
from pathlib import Path

import nbformat
from nbgrader.api import MissingEntry
from nbgrader.plugins import ExportPlugin
from nbgrader.utils import determine_grade

from .check import scan_submission
from .course import (
    UNGRADED,
    LabError,
    cell_id,
    check_lab_id,
    folder,
    grading_folder,
    lab_ids,
    lab_notebooks,
    load_course,
)
from .course import students as course_students
from .feedback import HideHiddenTests

SYNTAX_ERRORS = {"SyntaxError", "IndentationError", "TabError"}
COLUMNS = [
    "student_id",
    "last_name",
    "first_name",
    "lab",
    "score",
    "max_score",
    "status",
    "note",
]


def read_report(course, lab_id, student):
    """What autograde recorded for one submission ({} if it never graded it)."""
    path = grading_folder(course, "reports", lab_id, f"{student}.json")
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def grading_failures(course):
    """{(student, lab): last error line} for every submission nbgrader failed to grade, from its log."""
    log = Path(course.root) / ".nbgrader.log"
    failures, current = {}, None
    if not log.is_file():
        return failures
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        match = re.match(
            r"\[\w+ \| ERROR\] There was an error processing assignment: (.+)$", line
        )
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
    restored = {
        c.metadata.nbgrader.grade_id: c
        for c in autograded.cells
        if c.metadata.get("nbgrader", {}).get("grade_id")
    }
    missing = [
        gid
        for gid, cell in restored.items()
        if cell.cell_type == "code" and gid not in given
    ]
    lost = [gid for gid in answers if gid not in given]
    if missing or lost:
        flags.append("missing_cells")
    if missing:
        notes.append(
            f"cells missing from the submission, put back before grading: {', '.join(missing)}"
        )
    if lost:
        notes.append(
            f"answer cells missing (deleted, or their id changed): {', '.join(lost)}"
        )
    tampered = [
        gid
        for gid, cell in restored.items()
        if cell.metadata.nbgrader.get("grade")
        and gid in given
        and given[gid].source.strip()
        not in (HideHiddenTests.visible(cell.source), cell.source.strip())
    ]
    if tampered:
        flags.append("tampered_tests_restored")
        notes.append(f"edited tests replaced by the originals: {', '.join(tampered)}")
    for flag, names, text in (
        ("timed_out", {"CellTimeoutError"}, "ran past the time limit"),
        ("memory_limit", {"MemoryError"}, "ran out of memory"),
        ("syntax_error", SYNTAX_ERRORS, "has a syntax error"),
    ):
        cells = [
            cell_id(c, i)
            for i, c in enumerate(autograded.cells)
            if c.cell_type == "code"
            and any(o.output_type == "error" and o.ename in names for o in c.outputs)
        ]
        if cells:
            flags.append(flag)
            notes.append(f"{', '.join(cells)} {text}")
    return flags, notes


def integrity_problems(submission_notebook, autograded):
    """(flags, notes) where the gradebook's scores for one notebook cannot be trusted as they are.

    submission_notebook: nbgrader's SubmissionNotebook; autograded: the graded notebook.
    """
    flags, notes = [], []
    cells = {
        c.metadata.nbgrader.grade_id: c
        for c in autograded.cells
        if c.metadata.get("nbgrader", {}).get("grade")
    }
    for grade in submission_notebook.grades:
        top = grade.max_score
        values = [v for v in (grade.auto_score, grade.manual_score) if v is not None]
        if any(v < 0 or v > top for v in values) or (grade.extra_credit or 0) < 0:
            flags.append("score_out_of_range")
            notes.append(
                f"{grade.name}: score {grade.score:g} of {top:g} "
                f"(auto {grade.auto_score}, manual {grade.manual_score}, extra {grade.extra_credit})"
            )
        cell = cells.get(grade.name)
        if cell is not None and cell.metadata.nbgrader.get("solution") is not True:
            earned, _ = determine_grade(cell)
            if (
                earned is not None
                and grade.auto_score is not None
                and abs(earned - grade.auto_score) > 1e-9
            ):
                flags.append("gradebook_mismatch")
                notes.append(
                    f"{grade.name}: the gradebook says {grade.auto_score:g}, the graded "
                    f"notebook earns {earned:g}; regrade with autograde --force"
                )
        if grade.manual_score is not None or grade.extra_credit:
            flags.append("changed_by_hand")
            notes.append(
                f"{grade.name}: manual score {grade.manual_score}, extra credit "
                f"{grade.extra_credit or 0:g}: confirm you gave it"
            )
    return flags, notes


def grade_submission(course, gradebook, lab_id, student, notebook_names, failures):
    """(score or None, flags, notes) of one student's submission of one lab."""
    flags, notes = scan_submission(course, lab_id, student, notebook_names)
    if set(flags) & UNGRADED:
        return None, flags, notes
    report = read_report(course, lab_id, student)
    graded = [
        folder(course, course.autograded_directory, student, lab_id) / n
        for n in notebook_names
    ]
    if report.get("flags") and set(report["flags"]) & UNGRADED:
        return None, flags + report["flags"], notes + report["notes"]
    if not all(path.is_file() for path in graded):
        error = failures.get((student, lab_id))
        if error is None:
            return (
                None,
                flags + ["not_graded"],
                notes + [f"run: python -m helpers.labs autograde {lab_id}"],
            )
        if "DeadKernelError" in error:
            return (
                None,
                flags + ["kernel_died"],
                notes
                + [
                    "the kernel died while grading; grade by hand or ask for a fixed notebook"
                ],
            )
        return None, flags + ["grading_failed"], notes + [f"nbgrader: {error}"]
    try:
        submission = gradebook.find_submission(lab_id, student)
    except MissingEntry:
        return (
            None,
            flags + ["grading_failed"],
            notes
            + [
                f"autograded, but not in the gradebook: run python -m helpers.labs autograde {lab_id} --force"
            ],
        )
    for name, path in zip(notebook_names, graded):
        answers = [
            c.name
            for c in gradebook.find_notebook(Path(name).stem, lab_id).solution_cells
        ]
        submitted = nbformat.read(
            folder(course, course.submitted_directory, student, lab_id) / name, 4
        )
        autograded = nbformat.read(path, 4)
        more_flags, more_notes = _graded_flags(submitted, autograded, answers)
        flags, notes = flags + more_flags, notes + more_notes
        more_flags, more_notes = integrity_problems(
            gradebook.find_submission_notebook(Path(name).stem, lab_id, student),
            autograded,
        )
        flags, notes = flags + more_flags, notes + more_notes
    flags, notes = flags + report.get("flags", []), notes + report.get("notes", [])
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
    everyone = sorted(set(course_students(course)) | set(people))
    if not everyone:
        raise LabError(
            f"no students: {course.submitted_directory}/ is empty and the gradebook "
            "has nobody; collect the submissions first (see the instructor guide)"
        )
    known = lab_ids(course)
    labs = labs or [
        lab
        for lab in known
        if lab in {a.name for a in gradebook.assignments}
        or any(
            folder(course, course.submitted_directory, s, lab).is_dir()
            for s in everyone
        )
    ]
    failures = grading_failures(course)
    rows = []
    for lab in labs:
        names = lab_notebooks(course, lab)
        try:
            max_score = f"{gradebook.find_assignment(lab).max_score:g}"
        except MissingEntry:
            max_score = ""
        for student in students or everyone:
            score, flags, notes = grade_submission(
                course, gradebook, lab, student, names, failures
            )
            person = people.get(student)
            rows.append(
                {
                    "student_id": student,
                    "last_name": (person and person.last_name) or "",
                    "first_name": (person and person.first_name) or "",
                    "lab": lab,
                    "score": "" if score is None else f"{score:g}",
                    "max_score": max_score,
                    "status": ";".join(dict.fromkeys(flags)) or "ok",
                    "note": "; ".join(notes),
                }
            )
    return rows


class FlaggedCsvExport(ExportPlugin):
    """``nbgrader export``: one CSV row per student and lab, with a status flag and a note."""

    def export(self, gradebook):
        course = self.parent.coursedir if self.parent is not None else load_course()
        try:
            rows = gradebook_rows(
                course,
                gradebook,
                [str(a) for a in self.assignment],
                [str(s) for s in self.student],
            )
        except LabError as error:
            self.log.error(str(error))
            raise SystemExit(1) from None
        dest = self.to or "grades.csv"
        with open(dest, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        flagged = [r for r in rows if r["status"] != "ok"]
        self.log.info("Wrote %d rows to %s; %d flagged", len(rows), dest, len(flagged))
        for row in flagged:
            self.log.warning(
                "%s / %s: %s (%s)",
                row["student_id"],
                row["lab"],
                row["status"],
                row["note"],
            )
