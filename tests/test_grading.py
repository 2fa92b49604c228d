"""A simulated class through nbgrader's own commands, for every lab in labs/*/.

For each lab, in a temporary course directory (never in the repository), exactly the
commands of book/instructor_guide.md run, with the book's nbgrader_config.py:

    nbgrader generate_assignment LAB
    nbgrader autograde LAB --Execute.timeout=TIMEOUT      # the whole class in one call
    nbgrader export --to grades.csv                       # helpers.labs.FlaggedCsvExport
    nbgrader generate_feedback LAB                        # helpers.labs.HideHiddenTests

The class is built from the lab itself (its student version, and the answers in its
source), so a new lab is covered without edits:

    full          every answer from the source           full marks
    blank         the student version as released        zero
    partial       the first half of the answers           the points of the tests before the first blank answer
    loop          full, last answer cell loops forever    that cell times out, the tests before it full marks
    syntax        full, last answer cell does not parse   the same, flagged syntax_error
    crash         full, first answer cell calls os._exit  kernel_died, no score
    missing       full, first test cell deleted, last     full marks (the originals are put back), missing_cells
                  test cell's id changed
    tampered      blank, every visible test -> assert True  zero (the original tests run)
    renamed_file  full, saved under another file name     wrong_file_name, no score
    not_notebook  a text file named LAB.ipynb             not_a_notebook, no score

Every student must appear in the gradebook with the right score and flags, and no file
under submitted/ may change. The per-cell timeout is short (DLBOOK_GRADING_TIMEOUT,
default 15 s: a lab cell needs 2 s, more on a busy machine) so that the infinite
loop costs little. The labs' classes are graded side by side, one per CPU core: each
thread mostly waits on nbgrader and its kernels.
"""

import copy
import csv
import hashlib
import html
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from helpers import labs

ROOT = Path(__file__).resolve().parents[1]
LAB_IDS = sorted(p.name for p in (ROOT / "labs").iterdir() if p.is_dir() and list(p.glob("*.ipynb")))
TIMEOUT = int(os.environ.get("DLBOOK_GRADING_TIMEOUT", "15"))
UNGRADED = {"crash", "renamed_file", "not_notebook"}


def _meta(cell):
    return cell.metadata.get("nbgrader", {})


def _nbgrader(course, *args, check=True):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                            capture_output=True, text=True, timeout=900)
    if check:
        assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def _snapshot(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _hidden_lines(source_nb):
    """Lines of the hidden tests that appear nowhere else in the lab."""
    hidden, public = set(), set()
    for cell in source_nb.cells:
        inside = False
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line or "END HIDDEN TESTS" in line:
                inside = "BEGIN" in line
            else:
                (hidden if inside else public).add(line.strip())
    return hidden - public - {""}


def _html_lines(path):
    text = html.unescape(re.sub(r"<[^>]+>", "", Path(path).read_text(encoding="utf-8")))
    return {line.strip() for line in text.splitlines()}


# ---------------------------------------------------------------- the simulated class

def _answer(cell):
    """A solution cell's source without the ### BEGIN/END SOLUTION marker lines."""
    return "\n".join(line for line in cell.source.split("\n") if "SOLUTION" not in line)


def build_class(source, student):
    """The simulated class of one lab, and what each student should get.

    Returns ({student: notebook, or text for a file that is not one},
             {student: ({test cell id: expected score} or None if it cannot be graded, {flags})}).
    Relies on the lab's rule that an exercise uses earlier exercises, never later ones.
    """
    answers = {_meta(c)["grade_id"]: _answer(c) for c in source.cells if _meta(c).get("solution")}
    order = [_meta(c).get("grade_id") for c in student.cells]
    solutions = [gid for gid in order if gid in answers]
    tests = [gid for gid, c in zip(order, student.cells) if _meta(c).get("grade")]
    points = {_meta(c)["grade_id"]: float(_meta(c)["points"]) for c in student.cells if _meta(c).get("grade")}

    def filled(ids=solutions):
        nb = copy.deepcopy(student)
        for cell in nb.cells:
            if _meta(cell).get("grade_id") in ids:
                cell.source = answers[_meta(cell)["grade_id"]]
        return nb

    def cell(nb, gid):
        return next(c for c in nb.cells if _meta(c).get("grade_id") == gid)

    def broken_from(gid):  # tests before answer cell `gid` pass, the ones after it fail
        return {t: points[t] if order.index(t) < order.index(gid) else 0.0 for t in tests}

    full = {t: points[t] for t in tests}
    kept = solutions[:max(1, len(solutions) // 2)]
    first_blank = solutions[len(kept)] if len(kept) < len(solutions) else None

    notebooks, expected = {}, {}
    notebooks["full"], expected["full"] = filled(), (full, set())
    notebooks["blank"], expected["blank"] = copy.deepcopy(student), (dict.fromkeys(tests, 0.0), set())
    notebooks["partial"] = filled(kept)
    expected["partial"] = (broken_from(first_blank) if first_blank else full, set())
    for name, prefix, flag in (("loop", "while True:\n    pass\n", "timed_out"),
                               ("syntax", "def broken(:\n    pass\n", "syntax_error")):
        nb = filled()
        cell(nb, solutions[-1]).source = prefix + cell(nb, solutions[-1]).source
        notebooks[name], expected[name] = nb, (broken_from(solutions[-1]), {flag})
    nb = filled()
    cell(nb, solutions[0]).source = "import os\nos._exit(1)\n" + cell(nb, solutions[0]).source
    notebooks["crash"], expected["crash"] = nb, (None, {"kernel_died"})
    nb = filled()
    nb.cells.remove(cell(nb, tests[0]))
    if len(tests) > 1:
        _meta(cell(nb, tests[-1]))["grade_id"] = tests[-1] + "_renamed"
    notebooks["missing"], expected["missing"] = nb, (full, {"missing_cells"})
    nb = copy.deepcopy(student)
    for t in tests:
        cell(nb, t).source = "assert True  # tampered"
    notebooks["tampered"], expected["tampered"] = nb, (dict.fromkeys(tests, 0.0), {"tampered_tests_restored"})
    notebooks["renamed_file"], expected["renamed_file"] = filled(), (None, {"wrong_file_name"})
    notebooks["not_notebook"] = "This is my essay, not a notebook.\n"
    expected["not_notebook"] = (None, {"not_a_notebook"})
    return notebooks, expected


def grade_class(lab, course):
    """Generate, submit, autograde, export and give feedback for one lab's simulated class."""
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copytree(ROOT / "labs" / lab, course / "labs" / lab,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    seconds = {}
    start = time.perf_counter()
    _nbgrader(course, "generate_assignment", lab, "--force")
    seconds["generate_assignment"] = time.perf_counter() - start
    source = nbformat.read(course / "labs" / lab / f"{lab}.ipynb", as_version=4)
    student = nbformat.read(course / "release" / lab / f"{lab}.ipynb", as_version=4)
    notebooks, expected = build_class(source, student)
    for name, nb in notebooks.items():
        folder = course / "submitted" / name / lab
        folder.mkdir(parents=True)
        path = folder / (f"{lab}-{name}.ipynb" if name == "renamed_file" else f"{lab}.ipynb")
        if isinstance(nb, str):
            path.write_text(nb, encoding="utf-8")
        else:
            nbformat.write(nb, path)
    before = _snapshot(course / "submitted")
    results = {}
    for step, args in (("autograde", ["autograde", lab, f"--Execute.timeout={TIMEOUT}"]),
                       ("export", ["export", "--to", "grades.csv"]),
                       ("generate_feedback", ["generate_feedback", lab])):
        start = time.perf_counter()
        # autograde exits with 1 when some submissions could not be graded: that is expected here
        results[step] = _nbgrader(course, *args, check=step != "autograde")
        seconds[step] = time.perf_counter() - start
    with open(course / "grades.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return SimpleNamespace(lab=lab, course=course, source=source, student=student, expected=expected,
                           before=before, autograde=results["autograde"], rows=rows, seconds=seconds)


class Classes:
    """Each lab's class, graded in a worker thread (the threads mostly wait on nbgrader)."""

    def __init__(self, tmp_path_factory):
        self.factory, self.futures = tmp_path_factory, {}
        self.pool = ThreadPoolExecutor(max_workers=max(1, min(len(LAB_IDS), os.cpu_count() or 1)))

    def start(self, lab):
        if lab not in self.futures:
            self.futures[lab] = self.pool.submit(grade_class, lab, self.factory.mktemp(lab))

    def get(self, lab):
        self.start(lab)
        return self.futures[lab].result()


@pytest.fixture(scope="module")
def classes(request, tmp_path_factory):
    """Starts grading every lab the selected tests need, side by side."""
    classes = Classes(tmp_path_factory)
    for item in request.session.items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "graded" in params:
            classes.start(params["graded"])
        if "first_lab_course" in getattr(item, "fixturenames", ()):
            classes.start(LAB_IDS[0])
    yield classes
    classes.pool.shutdown(cancel_futures=True)


@pytest.fixture(scope="module", params=LAB_IDS)
def graded(request, classes):
    result = classes.get(request.param)
    print(f"\n{result.lab}: " + ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items()))
    return result


def _cell_scores(course, lab, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(lab, lab, student)
        return {grade.name: grade.score for grade in notebook.grades}


# ---------------------------------------------------------------- grading

def test_source_gets_full_marks_and_runs_cleanly(graded):
    """The lab's own answers earn every point, and no cell (self-checks included) raises."""
    scores = _cell_scores(graded.course, graded.lab, "full")
    full = graded.expected["full"][0]
    short = {t: (s, full[t]) for t, s in scores.items() if s != full[t]}
    assert not short, f"the source of {graded.lab} loses points (score, max): {short}"
    nb = nbformat.read(graded.course / "autograded" / "full" / graded.lab / f"{graded.lab}.ipynb", 4)
    errors = [(_meta(c).get("grade_id"), o.get("ename"), o.get("evalue")) for c in nb.cells
              if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, f"cells raise errors when the source runs: {errors}"


def test_blank_student_version_gets_zero(graded):
    scores = _cell_scores(graded.course, graded.lab, "blank")
    earned = {t: s for t, s in scores.items() if s != 0}
    assert scores and not earned, f"the blank student version earns points: {earned}"


@pytest.mark.parametrize("student", ["full", "blank", "partial", "loop", "syntax", "missing", "tampered"])
def test_graded_submission_scores_each_test_as_expected(graded, student):
    expected = graded.expected[student][0]
    assert _cell_scores(graded.course, graded.lab, student) == expected


def test_every_submission_is_in_the_gradebook_with_its_flags(graded):
    rows = {row["student_id"]: row for row in graded.rows}
    assert set(rows) == set(graded.expected), "one row per student"
    max_score = sum(graded.expected["full"][0].values())
    for student, (cells, flags) in graded.expected.items():
        row = rows[student]
        assert row["lab"] == graded.lab and float(row["max_score"]) == max_score
        status = set(row["status"].split(";"))
        assert status <= set(labs.FLAGS), f"{student}: unknown flags {status - set(labs.FLAGS)}"
        assert status == (flags or {"ok"}), f"{student}: status {row['status']!r}, note {row['note']!r}"
        if flags:
            assert row["note"], f"{student}: a flagged row needs a note"
        if cells is None:
            assert row["score"] == "", f"{student} could not be graded, yet scored {row['score']}"
        else:
            assert float(row["score"]) == sum(cells.values()), student


def test_faulty_submissions_do_not_stop_the_others(graded):
    out = graded.autograde.stdout + graded.autograde.stderr
    for student in graded.expected:
        graded_nb = graded.course / "autograded" / student / graded.lab / f"{graded.lab}.ipynb"
        assert graded_nb.is_file() == (student not in UNGRADED), student
    assert "DeadKernelError" in out, "the crashing kernel should be in nbgrader's report"


def test_timed_out_cell_is_the_looping_one(graded):
    nb = nbformat.read(graded.course / "autograded" / "loop" / graded.lab / f"{graded.lab}.ipynb", 4)
    timed_out = [_meta(c).get("grade_id") for c in nb.cells if c.cell_type == "code"
                 and any(o.output_type == "error" and o.ename == "CellTimeoutError" for o in c.outputs)]
    last_answer = [_meta(c)["grade_id"] for c in graded.student.cells if _meta(c).get("solution")][-1]
    assert timed_out == [last_answer]


def test_no_submission_is_modified_or_lost(graded):
    assert _snapshot(graded.course / "submitted") == graded.before


def test_the_guide_explains_every_flag():
    guide = (ROOT / "book" / "instructor_guide.md").read_text(encoding="utf-8")
    missing = [flag for flag in labs.FLAGS if f"| `{flag}` |" not in guide]
    assert not missing, f"book/instructor_guide.md does not explain the flags {missing}"


# ---------------------------------------------------------------- feedback

def test_feedback_shows_scores_but_never_the_hidden_tests(graded):
    hidden = _hidden_lines(graded.source)
    assert hidden, f"{graded.lab} has no hidden tests to hide"
    feedback = sorted((graded.course / "feedback").glob(f"*/{graded.lab}/*.html"))
    assert {p.parts[-3] for p in feedback} == set(graded.expected) - UNGRADED
    for path in feedback:
        lines = _html_lines(path)
        leaked = sorted(hidden & lines)
        assert not leaked, f"{path.relative_to(graded.course)} shows hidden tests: {leaked[:5]}"
        assert not any("HIDDEN TESTS" in line for line in lines)
    # The student's own code is there, and the failing test says which kind it was.
    blank = _html_lines(graded.course / "feedback" / "tampered" / graded.lab / f"{graded.lab}.html")
    assert any("test failed" in line for line in blank)


def test_the_feedback_check_would_see_hidden_tests(graded):
    """Control: the same scan finds the hidden tests in a plain HTML export of the graded notebook."""
    from nbconvert import HTMLExporter

    nb = nbformat.read(graded.course / "autograded" / "full" / graded.lab / f"{graded.lab}.ipynb", 4)
    body, _ = HTMLExporter().from_notebook_node(nb)
    path = graded.course / "plain.html"
    path.write_text(body, encoding="utf-8")
    assert _hidden_lines(graded.source) & _html_lines(path)


# ---------------------------------------------------------------- bad input

@pytest.fixture
def first_lab_course(classes, tmp_path):
    """A copy of the first lab's graded course, to add bad input to."""
    graded = classes.get(LAB_IDS[0])
    course = tmp_path / "course"
    shutil.copytree(graded.course, course)
    return SimpleNamespace(lab=graded.lab, course=course, graded=graded)


def test_check_rejects_a_lab_that_does_not_exist(first_lab_course, capsys):
    before = _snapshot(first_lab_course.course)
    assert labs.main(["check", "lab99_nothing", "--course", str(first_lab_course.course)]) == 2
    err = capsys.readouterr().err
    assert "no lab 'lab99_nothing'" in err and first_lab_course.lab in err
    result = _nbgrader(first_lab_course.course, "autograde", "lab99_nothing", check=False)
    assert result.returncode != 0
    with pytest.raises(labs.LabError, match="lab99_nothing"):
        from nbgrader.api import Gradebook
        with Gradebook(f"sqlite:///{first_lab_course.course / 'gradebook.db'}") as gb:
            labs.gradebook_rows(labs.load_course(first_lab_course.course), gb, ["lab99_nothing"])
    after = _snapshot(first_lab_course.course)
    assert {k: v for k, v in after.items() if k != ".nbgrader.log"} == \
        {k: v for k, v in before.items() if k != ".nbgrader.log"}, "nothing may change"


def test_check_warns_when_the_lab_was_never_generated(first_lab_course, capsys):
    """Without `nbgrader generate_assignment`, autograde would fail for every student."""
    course, lab = first_lab_course.course, first_lab_course.lab
    (course / "gradebook.db").unlink()
    assert labs.main(["check", lab, "--course", str(course)]) == 1
    assert f"run `nbgrader generate_assignment {lab}`" in capsys.readouterr().out
    assert not (course / "gradebook.db").exists(), "check must not create the gradebook"
    assert labs.is_released(labs.load_course(first_lab_course.graded.course), lab)


def test_check_and_export_explain_an_empty_submitted_folder(tmp_path, capsys):
    from nbgrader.api import Gradebook

    course = tmp_path / "course"
    (course / "submitted").mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "labs" / LAB_IDS[0], course / "labs" / LAB_IDS[0])
    assert labs.main(["check", LAB_IDS[0], "--course", str(course)]) == 2
    assert f"no submissions for {LAB_IDS[0]}" in capsys.readouterr().err
    with Gradebook(f"sqlite:///{tmp_path / 'empty.db'}") as gb:
        with pytest.raises(labs.LabError, match="no students"):
            labs.gradebook_rows(labs.load_course(course), gb)


def test_two_submissions_for_one_student_are_reported_not_overwritten(first_lab_course, capsys):
    from nbgrader.api import Gradebook

    course, lab = first_lab_course.course, first_lab_course.lab
    # The same student under a second folder name differing only in case, and a second
    # notebook in one student's folder; a student with no folder for this lab.
    shutil.copytree(course / "submitted" / "full", course / "submitted" / "FULL")
    shutil.copy(course / "submitted" / "blank" / lab / f"{lab}.ipynb",
                course / "submitted" / "blank" / lab / f"{lab} (1).ipynb")
    (course / "submitted" / "zoe").mkdir()
    before = _snapshot(course / "submitted")
    assert labs.main(["check", lab, "--course", str(course)]) == 1
    out = capsys.readouterr().out
    assert "FULL: duplicate_submission" in out and "full: duplicate_submission" in out
    assert f"{lab} (1).ipynb" in out
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        rows = {r["student_id"]: r for r in labs.gradebook_rows(labs.load_course(course), gb)}
    assert rows["FULL"]["status"] == "duplicate_submission;not_graded" and rows["FULL"]["score"] == ""
    assert rows["full"]["status"] == "duplicate_submission" and rows["full"]["score"] != ""
    assert rows["blank"]["status"] == "duplicate_submission" and "ignored" in rows["blank"]["note"]
    assert rows["zoe"]["status"] == "not_submitted" and rows["zoe"]["score"] == ""
    assert _snapshot(course / "submitted") == before


def test_export_says_why_a_submission_was_not_graded(first_lab_course):
    """Not graded yet, or nbgrader failed on it: the note quotes the last error in nbgrader's log."""
    from nbgrader.api import Gradebook

    course, lab = first_lab_course.course, first_lab_course.lab
    for student in ("ghost", "late"):
        shutil.copytree(course / "submitted" / "full", course / "submitted" / student)
    with open(course / ".nbgrader.log", "a", encoding="utf-8") as log:
        log.write("[AutogradeApp | ERROR] There was an error processing assignment: "
                  f"{course}/submitted/ghost/{lab}\n"
                  "[AutogradeApp | ERROR] Traceback (most recent call last):\n"
                  '      File "x.py", line 1, in <module>\n'
                  "    RuntimeError: something unexpected\n"
                  "    \n"
                  f"[AutogradeApp | WARNING] Removing failed assignment: {course}/autograded/ghost/{lab}\n")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        rows = {r["student_id"]: r for r in labs.gradebook_rows(labs.load_course(course), gb, [lab])}
    assert rows["ghost"]["status"] == "grading_failed"
    assert "RuntimeError: something unexpected" in rows["ghost"]["note"]
    assert rows["late"]["status"] == "not_graded" and rows["late"]["score"] == ""
    assert rows["crash"]["status"] == "kernel_died"
