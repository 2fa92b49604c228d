"""The small pieces of the instructor kit that nbgrader does not have, one topic per module.

* :mod:`~helpers.labs.course`: the course directory, the labs, the flags of the gradebook;
* :mod:`~helpers.labs.check`: what is wrong with a submission before grading
  (``python -m helpers.labs check LAB``);
* :mod:`~helpers.labs.tamper`: a static scan of a student's code for what an honest
  answer never needs;
* :mod:`~helpers.labs.sandbox` and :mod:`~helpers.labs.execute`: each student's kernel
  in bubblewrap, run by a worker process;
* :mod:`~helpers.labs.autograde`: ``python -m helpers.labs autograde LAB``, each student
  in isolation, the gradebook written by one process;
* :mod:`~helpers.labs.preprocessors`: nbgrader preprocessors for autograde
  (:class:`RestoreMissingCells`, :class:`StderrIsNotFailure`);
* :mod:`~helpers.labs.feedback`: :class:`HideHiddenTests` for ``nbgrader generate_feedback``;
* :mod:`~helpers.labs.export`: :class:`FlaggedCsvExport` for ``nbgrader export``;
* :mod:`~helpers.labs.student_versions`: the student versions the book shows;
* :mod:`~helpers.labs.cli`: the command line.

The book's ``nbgrader_config.py`` names the nbgrader classes as ``helpers.labs.<Name>``.
The instructor guide (book/instructor_guide.md) walks through all of it.
"""

from .check import check, scan_submission
from .cli import main
from .course import FLAGS, UNGRADED, LabError, is_released, lab_ids, load_course
from .export import COLUMNS, FlaggedCsvExport, gradebook_rows
from .feedback import HideHiddenTests
from .preprocessors import RestoreMissingCells, StderrIsNotFailure
from .student_versions import (
    BOOK_LABS,
    ROOT,
    same_cells,
    stale_student_versions,
    student_versions,
)

__all__ = [
    "BOOK_LABS",
    "COLUMNS",
    "FLAGS",
    "ROOT",
    "UNGRADED",
    "FlaggedCsvExport",
    "HideHiddenTests",
    "LabError",
    "RestoreMissingCells",
    "StderrIsNotFailure",
    "check",
    "gradebook_rows",
    "is_released",
    "lab_ids",
    "load_course",
    "main",
    "same_cells",
    "scan_submission",
    "stale_student_versions",
    "student_versions",
]
