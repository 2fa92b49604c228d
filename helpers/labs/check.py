"""What is wrong with a submission before grading: ``python -m helpers.labs check LAB``.

Everything here only reads ``submitted/``; nothing runs the student's code.
"""

import nbformat

from . import tamper
from .course import (
    LabError,
    check_lab_id,
    folder,
    is_released,
    lab_ids,
    lab_notebooks,
    students,
)

IGNORED_FILES = {"timestamp.txt", ".ipynb_checkpoints"}


def lab_cells(course, lab_id, name):
    """{grade_id: nbgrader metadata} of the cells of one of the lab's source notebooks."""
    nb = nbformat.read(
        folder(course, course.source_directory, ".", lab_id) / name, as_version=4
    )
    return {
        c.metadata.nbgrader["grade_id"]: dict(c.metadata.nbgrader)
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade_id")
    }


def metadata_problems(nb):
    """(flags, notes) for nbgrader metadata a copied or damaged cell carries.

    A cell copied in JupyterLab keeps its nbgrader id, so the lab's id appears twice; a
    cell can also carry an empty ``"nbgrader": {}``. Either stops nbgrader for the whole
    class; :func:`repair_metadata` makes such cells ordinary ones before grading.
    """
    flags, notes, seen = [], [], {}
    for index, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            continue
        if not isinstance(meta, dict) or not meta.get("grade_id"):
            flags.append("bad_cell_metadata")
            notes.append(
                f"cell {index + 1} has empty or broken nbgrader metadata: graded as an ordinary cell"
            )
        elif meta["grade_id"] in seen:
            flags.append("duplicate_cell_id")
            notes.append(
                f"cells {seen[meta['grade_id']] + 1} and {index + 1} are both {meta['grade_id']} "
                f"(a copied cell?): cell {index + 1} was graded as an ordinary cell"
            )
        else:
            seen[meta["grade_id"]] = index
    return flags, notes


def repair_metadata(nb):
    """The notebook with the nbgrader metadata of broken cells and of second copies removed.

    The cells stay and still run in order, as they did for the student; only the first
    cell with a given id is the lab's.
    """
    seen = set()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            continue
        if (
            not isinstance(meta, dict)
            or not meta.get("grade_id")
            or meta["grade_id"] in seen
        ):
            del cell.metadata["nbgrader"]
        else:
            seen.add(meta["grade_id"])
    return nb


def review_notes(nb, cells):
    """Notes quoting each line of the student's own code that tamper detection flags."""
    found = tamper.suspicious_lines(tamper.students_code(nb, cells))
    return [
        f"cell {index + 1}, line {number}: `{line}` ({reason})"
        for index, number, line, reason in found
    ]


def scan_submission(course, lab_id, student, notebook_names):
    """Flags and notes for one student's folder of one lab: what is wrong before grading.

    notebook_names: the notebooks the lab expects, e.g. ["lab01_linear_regression.ipynb"].
    """
    flags, notes = [], []
    where = folder(course, course.submitted_directory, student, lab_id)
    twins = [
        s
        for s in students(course)
        if s.lower() == student.lower()
        and s != student
        and folder(course, course.submitted_directory, s, lab_id).is_dir()
    ]
    if twins:
        flags.append("duplicate_submission")
        notes.append(
            f"the same student also submitted as {', '.join(twins)}: keep one folder"
        )
    if not where.is_dir():
        notes.append(f"no folder {course.submitted_directory}/{student}/{lab_id}/")
        return flags + ["not_submitted"], notes
    found = sorted(p.name for p in where.glob("*.ipynb"))
    others = sorted(
        p.name + ("/" if p.is_dir() else "")
        for p in where.iterdir()
        if p.suffix != ".ipynb" and p.name not in IGNORED_FILES
    )
    for name in notebook_names:
        if name not in found:
            if found:
                flags.append("wrong_file_name")
                notes.append(
                    f"found {', '.join(found)} instead of {name}: rename it and autograde again"
                )
            else:
                flags.append("not_a_notebook")
                notes.append(
                    f"no notebook in the folder (only {', '.join(others) or 'nothing'})"
                )
            continue
        try:
            nb = nbformat.read(where / name, as_version=4)
        except (
            Exception
        ) as error:  # nbformat raises several kinds for a file that is not a notebook
            flags.append("not_a_notebook")
            notes.append(f"{name} is not a notebook ({type(error).__name__})")
            continue
        more_flags, more_notes = metadata_problems(nb)
        flags, notes = flags + more_flags, notes + more_notes
        review = review_notes(nb, lab_cells(course, lab_id, name))
        if review:
            flags.append("needs_review")
            notes += review
    extra = [n for n in found if n not in notebook_names]
    if extra and len(extra) < len(found):
        flags.append("duplicate_submission")
        notes.append(
            f"graded {', '.join(n for n in found if n in notebook_names)}, "
            f"ignored {', '.join(extra)}"
        )
    if others and found:
        flags.append("extra_files")
        notes.append(f"not given to the grading kernel: {', '.join(others)}")
    return flags, notes


def check(course, lab_id):
    """(students, problems as lines of text) in submitted/ for one lab; LabError if nothing is there."""
    check_lab_id(course, lab_id)
    names = lab_notebooks(course, lab_id)
    who = [
        s
        for s in students(course)
        if folder(course, course.submitted_directory, s, lab_id).is_dir()
    ]
    labs = set(lab_ids(course))
    stray = [
        f"{course.submitted_directory}/{s}/{p.name}/"
        for s in students(course)
        for p in sorted(folder(course, course.submitted_directory, s).iterdir())
        if p.is_dir() and p.name not in labs and not p.name.startswith(".")
    ]
    hint = (
        f" (these folders are not named after a lab: {', '.join(stray)})"
        if stray
        else ""
    )
    if not who:
        raise LabError(
            f"no submissions for {lab_id}: put each student's notebook in "
            f"{course.submitted_directory}/<student>/{lab_id}/ (see the instructor guide){hint}"
        )
    lines = []
    if not is_released(course, lab_id):
        lines.append(
            f"{lab_id} is not in the gradebook: run `nbgrader generate_assignment {lab_id}` "
            "before autograding, or nbgrader cannot grade anyone"
        )
    for student in who:
        flags, notes = scan_submission(course, lab_id, student, names)
        if flags:
            lines.append(
                f"{student}: {', '.join(dict.fromkeys(flags))}: {'; '.join(notes)}"
            )
    lines += [
        f"{path}: not a lab; name the folder after the lab it holds" for path in stray
    ]
    return who, lines
