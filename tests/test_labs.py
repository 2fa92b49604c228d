"""Every lab in labs/<lab_id>/ through nbgrader itself.

For each lab, in a temporary course directory (never in the repository):

1. ``nbgrader generate_assignment`` makes the student version from the source;
2. the SOURCE notebook is submitted as student "solution" and the untouched STUDENT
   version as student "blank", and ``nbgrader autograde`` grades both;
3. the gradebook must give "solution" every point of every graded cell and "blank"
   zero on every graded cell;
4. the student version must hold no solution code and no hidden tests.

A new lab is covered as soon as its folder exists. The labs import ``helpers``, so the
kernels nbgrader starts get the repository root on ``PYTHONPATH``.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
LABS = ROOT / "labs"
CONFIG = ROOT / "nbgrader_config.py"

LAB_IDS = sorted(p.name for p in LABS.iterdir() if p.is_dir() and list(p.glob("*.ipynb"))) if LABS.is_dir() else []

REGIONS = {"solution": ("BEGIN SOLUTION", "END SOLUTION"),
           "hidden tests": ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")}


def _notebooks(folder):
    return sorted(p.name for p in folder.glob("*.ipynb"))


def _nbgrader(args, course):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def _split_regions(source):
    """Lines of a cell inside solution / hidden-test regions, and the lines outside them."""
    inside, outside, open_region = [], [], None
    for line in source.splitlines():
        starts = [name for name, (begin, _) in REGIONS.items() if begin in line]
        if open_region is None and starts:
            open_region = starts[0]
        elif open_region is not None and REGIONS[open_region][1] in line:
            open_region = None
        elif open_region is not None:
            inside.append(line.strip())
        else:
            outside.append(line.strip())
    assert open_region is None, f"a {open_region} region is not closed in:\n{source}"
    return inside, outside


def _nbgrader_meta(cell):
    return cell.metadata.get("nbgrader", {})


@pytest.fixture(scope="module", params=LAB_IDS)
def graded_lab(request, tmp_path_factory):
    """Generate and autograde one lab; returns its id, the course folder and the notebooks."""
    lab_id = request.param
    course = tmp_path_factory.mktemp(lab_id)
    shutil.copy(CONFIG, course / "nbgrader_config.py")
    shutil.copytree(LABS / lab_id, course / "labs" / lab_id,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    _nbgrader(["generate_assignment", lab_id, "--force"], course)
    release = course / "release" / lab_id
    for student, folder in (("solution", course / "labs" / lab_id), ("blank", release)):
        target = course / "submitted" / student / lab_id
        target.mkdir(parents=True)
        for name in _notebooks(folder):
            shutil.copy(folder / name, target / name)
    _nbgrader(["autograde", lab_id, "--force"], course)
    return lab_id, course


def _grades(course, lab_id, student):
    """{(notebook, grade_id): (score, max_score)} read from nbgrader's gradebook."""
    from nbgrader.api import Gradebook

    grades = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for name in _notebooks(course / "release" / lab_id):
            notebook = gradebook.find_submission_notebook(Path(name).stem, lab_id, student)
            for grade in notebook.grades:
                assert not grade.needs_manual_grade, f"{name}:{grade.name} needs manual grading"
                grades[(name, grade.name)] = (grade.score, grade.max_score)
    assert grades, f"lab {lab_id} has no graded cells"
    return grades


def test_source_notebooks_are_clean(graded_lab):
    """Stored without outputs; nbgrader metadata complete; every solution cell has a region."""
    lab_id, _ = graded_lab
    for name in _notebooks(LABS / lab_id):
        nb = nbformat.read(LABS / lab_id / name, as_version=4)
        ids = []
        for cell in nb.cells:
            meta = _nbgrader_meta(cell)
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{name}: outputs stored"
            if not meta:
                continue
            ids.append(meta["grade_id"])
            if meta.get("solution") and cell.cell_type == "code":
                assert "BEGIN SOLUTION" in cell.source, f"{name}:{meta['grade_id']} has no solution region"
            if meta.get("grade"):
                assert meta.get("points", 0) > 0, f"{name}:{meta['grade_id']} has no points"
        assert len(ids) == len(set(ids)), f"{name}: duplicate grade_id"


def test_student_version_hides_solutions_and_hidden_tests(graded_lab):
    lab_id, course = graded_lab
    release = course / "release" / lab_id
    assert _notebooks(release) == _notebooks(LABS / lab_id)
    for name in _notebooks(release):
        source = nbformat.read(LABS / lab_id / name, as_version=4)
        student = nbformat.read(release / name, as_version=4)
        secret, public = set(), set()
        for cell in source.cells:
            inside, outside = _split_regions(cell.source)
            secret.update(inside)
            public.update(outside)
        secret -= public | {""}  # a line that is also shown elsewhere is no secret
        student_lines = {line.strip() for cell in student.cells for line in cell.source.splitlines()}
        leaked = sorted(secret & student_lines)
        assert not leaked, f"{name}: the student version shows solution or hidden-test lines: {leaked}"
        text = "\n".join(cell.source for cell in student.cells)
        for begin, end in REGIONS.values():
            assert begin not in text and end not in text, f"{name}: '{begin}' markers left in"
        for cell in student.cells:
            if _nbgrader_meta(cell).get("solution") and cell.cell_type == "code":
                assert re.search(r"raise NotImplementedError\(\)", cell.source), cell.source


def test_source_gets_full_marks(graded_lab):
    lab_id, course = graded_lab
    grades = _grades(course, lab_id, "solution")
    short = {cell: score for cell, score in grades.items() if score[0] != score[1]}
    assert not short, f"the source of {lab_id} loses points (score, max): {short}"
    # Self-checks and given cells must run cleanly too, not only the graded ones.
    for name in _notebooks(LABS / lab_id):
        nb = nbformat.read(course / "autograded" / "solution" / lab_id / name, as_version=4)
        errors = [(cell.get("id"), out.get("ename"), out.get("evalue")) for cell in nb.cells
                  if cell.cell_type == "code" for out in cell.outputs if out.output_type == "error"]
        assert not errors, f"{name}: cells raise errors when the source runs: {errors}"


def test_blank_student_version_gets_zero(graded_lab):
    lab_id, course = graded_lab
    grades = _grades(course, lab_id, "blank")
    scored = {cell: score for cell, score in grades.items() if score[0] != 0}
    assert not scored, f"the blank student version of {lab_id} earns points (score, max): {scored}"
