"""The course directory: where nbgrader keeps the labs, the submissions and the gradebook.

Every command of the kit runs from the course root, the folder holding
``nbgrader_config.py`` (the repository root for the book's own labs).
"""

from pathlib import Path

from traitlets.config.loader import PyFileConfigLoader

# Where ``python -m helpers.labs autograde`` keeps its own files, next to nbgrader's folders:
#   .grading/staged/<student>/<lab>/   the notebook that was executed, with its outputs
#   .grading/reports/<lab>/<student>.json   flags and notes from grading that student
GRADING_DIRECTORY = ".grading"

# Every value the gradebook's `status` column can hold (several are joined with ";").
FLAGS = {
    "ok": "graded normally",
    "not_submitted": "no folder submitted/<student>/<lab>/: nothing to grade",
    "not_a_notebook": "the submission holds no readable notebook: not graded",
    "wrong_file_name": "a notebook was submitted under another name: not graded until renamed",
    "duplicate_submission": "two notebooks, or two folders that differ only in case, for one student",
    "extra_files": "files or folders beside the notebook: listed, never given to the grading kernel",
    "duplicate_cell_id": "a cell of the lab appears twice (a copied cell); the copy was graded as an ordinary cell",
    "bad_cell_metadata": "a cell carries empty or broken nbgrader metadata; it was graded as an ordinary cell",
    "missing_cells": "cells of the lab were deleted or their ids changed; locked ones were put back",
    "tampered_tests_restored": "visible tests were edited; graded with the original tests",
    "needs_review": "the student's code does something an honest answer never needs (the note quotes it)",
    "timed_out": "a cell ran past the time limit and was interrupted; the rest was graded",
    "memory_limit": "a cell ran out of the memory allowed per submission; the rest was graded",
    "syntax_error": "a cell of the student's code does not parse; the rest was graded",
    "kernel_died": "the kernel died (os._exit, a crash, the CPU-time limit): not graded",
    "grading_failed": "nbgrader could not grade it; the note quotes its error",
    "not_graded": "submitted but not autograded yet",
    "needs_manual_grading": "some cells wait for a grade by hand",
    "changed_by_hand": "some scores were set by hand (manual score or extra credit): check you gave them",
    "score_out_of_range": "a score in the gradebook is negative or above the cell's maximum",
    "gradebook_mismatch": "a score in the gradebook differs from what the graded notebook earns",
}
UNGRADED = {
    "not_submitted",
    "not_a_notebook",
    "wrong_file_name",
    "kernel_died",
    "grading_failed",
    "not_graded",
}


class LabError(Exception):
    """A problem the instructor has to fix: an unknown lab, no submissions, no sandbox, ..."""


def load_course(root="."):
    """nbgrader's CourseDirectory for the course at ``root``, read from its nbgrader_config.py."""
    from nbgrader.coursedir import CourseDirectory

    root = Path(root).resolve()
    config_file = root / "nbgrader_config.py"
    if not config_file.is_file():
        raise LabError(
            f"{root} has no nbgrader_config.py: run this from the course root"
        )
    config = PyFileConfigLoader(config_file.name, path=str(root)).load_config()
    return CourseDirectory(root=str(root), config=config)


def folder(course, step, student=".", lab="."):
    """A course folder, e.g. folder(course, course.submitted_directory, "alice", "lab01_...")."""
    return Path(course.format_path(step, student, lab))


def grading_folder(course, *parts):
    """A folder under the course's .grading/."""
    return Path(course.root, GRADING_DIRECTORY, *parts)


def lab_ids(course):
    """The labs of a course: the folders in its source directory that hold a notebook."""
    source = folder(course, course.source_directory)
    if not source.is_dir():
        return []
    return sorted(
        p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb"))
    )


def check_lab_id(course, lab_id):
    labs = lab_ids(course)
    if lab_id not in labs:
        raise LabError(
            f"there is no lab {lab_id!r} in {course.source_directory}/ "
            f"(labs: {', '.join(labs) or 'none'})"
        )


def lab_notebooks(course, lab_id):
    """The notebook file names of a lab, e.g. ["lab01_linear_regression.ipynb"]."""
    return sorted(
        p.name
        for p in folder(course, course.source_directory, ".", lab_id).glob("*.ipynb")
    )


def lab_data_files(course, lab_id):
    """The files a lab gives its students besides its notebooks: {relative path: path}.

    Every other file in the lab's source folder counts (a CSV file, a small module); they
    are the only files copied into the grading sandbox next to the student's notebook.
    """
    source = folder(course, course.source_directory, ".", lab_id)
    return {
        str(p.relative_to(source)): p
        for p in sorted(source.rglob("*"))
        if p.is_file()
        and p.suffix != ".ipynb"
        and not any(part in (".ipynb_checkpoints", "__pycache__") for part in p.parts)
    }


def students(course):
    """Every student with a folder in submitted/."""
    submitted = folder(course, course.submitted_directory)
    return (
        sorted(p.name for p in submitted.iterdir() if p.is_dir())
        if submitted.is_dir()
        else []
    )


def cell_id(cell, index):
    return cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index + 1}"


def is_released(course, lab_id):
    """Whether ``nbgrader generate_assignment LAB`` has put the lab into the course's gradebook.

    autograde takes each lab's tests from the gradebook, so it fails for every student of a
    lab that was never generated. The gradebook is only read: a missing file stays missing.
    """
    from nbgrader.api import Gradebook, MissingEntry

    prefix = "sqlite:///"
    if (
        course.db_url.startswith(prefix)
        and not Path(course.db_url[len(prefix) :]).is_file()
    ):
        return False
    with Gradebook(course.db_url) as gradebook:
        try:
            gradebook.find_assignment(lab_id)
        except MissingEntry:
            return False
    return True
