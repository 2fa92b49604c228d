"""A simulated class per lab, graded through the kit's own commands, for every lab in labs/*/.

For each lab, in a temporary course directory (never in the repository), exactly the
commands of book/instructor_guide.md run, with the book's nbgrader_config.py (plus a
small memory limit, so that the memory hog is cheap):

    nbgrader generate_assignment LAB
    python -m helpers.labs autograde LAB --timeout TIMEOUT   # each student sandboxed
    nbgrader export --to grades.csv                        # helpers.labs.FlaggedCsvExport
    nbgrader generate_feedback LAB                         # helpers.labs.HideHiddenTests

The class is built from the lab itself (its student version, and the answers in its
source), so a new or rewritten lab is covered without edits:

    honest
    full          every answer from the source                        full marks
    blank         the student version as released                     zero
    partial       the first half of the answers                       the points of the tests before the first blank answer
    noisy         full, every answer function writes to stderr (print, a tqdm bar, a warning)   full marks
    unusual       full, each answer under %%time, a cell copied in JupyterLab (duplicate id),
                  a cell with empty nbgrader metadata, the text BEGIN HIDDEN TESTS in its code   full marks
    careless
    loop          full, last answer cell loops forever                that cell times out, the tests before it full marks
    syntax        full, last answer cell does not parse               the same, flagged syntax_error
    crash         full, first answer cell calls os._exit              kernel_died, no score (and needs_review)
    missing       full, first test cell deleted, last renamed         full marks (originals put back), missing_cells
    renamed_file  full, saved under another file name                 wrong_file_name, no score
    not_notebook  a text file named LAB.ipynb                         not_a_notebook, no score
    cheating
    tampered      blank, every visible test -> assert True            zero (the original tests run)
    hook          blank, an IPython input transformer blanks the tests, and an event hook   flagged needs_review
    shadow        blank, with matplotlib/pyplot.py and numpy.py beside it                   zero, extra_files
    monkeypatch   blank, np.allclose and np.testing.assert_allclose always pass             flagged needs_review
    anything      blank, every stub returns an object equal to anything                     flagged needs_review
    intruder      full, but the last answer allocates 16 GiB; extra cells read the lab source, the
                  gradebook and another student's files, edit the gradebook, plant files, start a
                  detached process, print In and raise an error quoting it
                                                                      last answer's tests zero, memory_limit, needs_review

The whole class sits the first lab (CLASS_LAB), graded with --jobs 2 so that parallel
grading is tested: the careless and cheating students test the kit, and the kit is the
same for every lab. Every other lab is sat by the two students whose results depend on
the lab's own content (EVERY_LAB_STUDENTS): `noisy` (every answer from the source, and
stderr output from each answer function: full marks, no cell raising) and `blank` (the
student version as released: zero). Their classes are graded side by side.

Every student must land in the gradebook with the right score and flags; no file under
submitted/ or another student's autograded/ may change; the sandbox must keep the
intruder out; no process may survive grading; no feedback may show a hidden-test line.
The per-cell timeout is short (DLBOOK_GRADING_TIMEOUT, default 30 s: a lab cell needs
a few seconds, ten times that on a heavily loaded machine) so that the infinite loop
costs little.
"""

import ast
import copy
import csv
import hashlib
import html
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from helpers import labs
from helpers.labs import tamper

ROOT = Path(__file__).resolve().parents[1]
LAB_IDS = sorted(
    p.name for p in (ROOT / "labs").iterdir() if p.is_dir() and list(p.glob("*.ipynb"))
)
CLASS_LAB = LAB_IDS[0]  # sat by the whole simulated class
EVERY_LAB_STUDENTS = ("noisy", "blank")  # sit every lab
TIMEOUT = int(os.environ.get("DLBOOK_GRADING_TIMEOUT", "30"))
MEMORY_MB = 2048
UNGRADED = {"crash", "renamed_file", "not_notebook"}
ANY = "any score"  # a cheat that is flagged: its score is for the instructor to judge
MARKER = f"dlbook-orphan-{os.getpid()}"
TEST_CONFIG = f"""
# added by tests/test_grading.py: a small memory limit makes the memory hog cheap
c.LabSandbox.memory_mb = {MEMORY_MB}
c.LabSandbox.cpu_seconds = 600
"""


def _meta(cell):
    return cell.metadata.get("nbgrader", {})


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), env.get("PYTHONPATH")])
    )
    return env


def _run(course, *args, check=True, env=None):
    result = subprocess.run(
        [sys.executable, "-m", *args],
        cwd=course,
        env=env or _env(),
        capture_output=True,
        text=True,
        timeout=1200,
    )
    if check:
        assert result.returncode == 0, (
            f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        )
    return result


def _snapshot(folder):
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _hidden_lines(source_nb):
    """Lines of the hidden tests that appear nowhere else in the lab.

    Lines of punctuation alone (a closing ``}`` or ``)``, as the formatter lays out a long
    call or literal) say nothing of the tests, and the feedback page's own styles and
    scripts are full of them, so they are left out.
    """
    hidden, public = set(), set()
    for cell in source_nb.cells:
        inside = False
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line or "END HIDDEN TESTS" in line:
                inside = "BEGIN" in line
            else:
                (hidden if inside else public).add(line.strip())
    return {line for line in hidden - public if any(ch.isalnum() for ch in line)}


def _html_lines(path):
    text = html.unescape(re.sub(r"<[^>]+>", "", Path(path).read_text(encoding="utf-8")))
    return {line.strip() for line in text.splitlines()}


# ---------------------------------------------------------------- the simulated class


def _answer(cell):
    """A solution cell's source without the ### BEGIN/END SOLUTION marker lines."""
    return "\n".join(line for line in cell.source.split("\n") if "SOLUTION" not in line)


NOISE = '''import sys
import warnings
from tqdm.auto import tqdm
_noise_calls = [0]


def _noise():
    """Progress bars, warnings and debug prints on stderr, a few times."""
    _noise_calls[0] += 1
    if _noise_calls[0] <= 3:
        for _ in tqdm(range(3), desc="checking", file=sys.stderr):
            pass
        print("debug: called", file=sys.stderr)
        warnings.warn("a warning that is not an error")

'''


def _noisy(source):
    """The answer with a call to _noise() at the top of every function it defines."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    lines = source.split("\n")
    starts = sorted(
        {
            (n.body[0].lineno, n.body[0].col_offset)
            for n in ast.walk(tree)
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
        },
        reverse=True,
    )
    for lineno, col in starts:
        lines.insert(lineno - 1, " " * col + "_noise()")
    return NOISE + "\n".join(lines)


def _intruder_cells(course, lab):
    """Extra cells at the end of the intruder's notebook: everything the sandbox must stop."""
    targets = {
        "source": course / "labs" / lab / f"{lab}.ipynb",
        "gradebook": course / "gradebook.db",
        "other": course / "submitted" / "full" / lab / f"{lab}.ipynb",
    }
    plants = [
        course / "submitted" / "full" / lab / "planted.txt",
        course / "autograded" / "full" / lab / "planted.txt",
        course / "planted.txt",
    ]
    attack = f'''import sqlite3
import subprocess
import sys
for _path in {[str(p) for p in targets.values()]!r}:
    try:
        print("READ", open(_path, "rb").read()[:300])
    except OSError as error:
        print("blocked:", type(error).__name__)
try:
    _db = sqlite3.connect({str(targets["gradebook"])!r})
    _db.execute("update grade set auto_score = 0")
    _db.commit()
    print("WROTE", "THE GRADEBOOK")
except Exception as error:
    print("blocked:", type(error).__name__)
for _path in {[str(p) for p in plants]!r}:
    try:
        open(_path, "w").write("planted")
        print("PLANTED", _path)
    except OSError as error:
        print("blocked:", type(error).__name__)
_orphan = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", "{MARKER}-{lab}"],
                           start_new_session=True)
print("started", _orphan.pid)'''
    return [
        attack,
        'print("\\n".join(In))',
        "print(In)",
        'raise ValueError("\\n".join(In))',
    ]


def build_class(source, student, course, lab):
    """The simulated class of one lab, and what each student should get.

    Returns ({student: notebook, or text for a file that is not one},
             {student: ({test cell id: expected score}, ANY, or None if it cannot be graded, {flags})},
             {student: {relative path: text}} of extra files beside the notebook).
    Relies on the lab's rule that an exercise uses earlier exercises, never later ones.
    """
    answers = {
        _meta(c)["grade_id"]: _answer(c)
        for c in source.cells
        if _meta(c).get("solution")
    }
    order = [_meta(c).get("grade_id") for c in student.cells]
    solutions = [gid for gid in order if gid in answers]
    tests = [gid for gid, c in zip(order, student.cells) if _meta(c).get("grade")]
    points = {
        _meta(c)["grade_id"]: float(_meta(c)["points"])
        for c in student.cells
        if _meta(c).get("grade")
    }

    def filled(ids=solutions, change=lambda gid, text: text):
        nb = copy.deepcopy(student)
        for cell in nb.cells:
            if _meta(cell).get("grade_id") in ids:
                cell.source = change(
                    _meta(cell)["grade_id"], answers[_meta(cell)["grade_id"]]
                )
        return nb

    def cell(nb, gid):
        return next(c for c in nb.cells if _meta(c).get("grade_id") == gid)

    def broken_from(gid):  # tests before answer cell `gid` pass, the ones after it fail
        return {
            t: points[t] if order.index(t) < order.index(gid) else 0.0 for t in tests
        }

    full = {t: points[t] for t in tests}
    zero = dict.fromkeys(tests, 0.0)
    kept = solutions[: max(1, len(solutions) // 2)]
    first_blank = solutions[len(kept)] if len(kept) < len(solutions) else None

    notebooks, expected, files = {}, {}, {}
    notebooks["full"], expected["full"] = filled(), (full, set())
    notebooks["blank"], expected["blank"] = copy.deepcopy(student), (zero, set())
    notebooks["partial"] = filled(kept)
    expected["partial"] = (broken_from(first_blank) if first_blank else full, set())
    notebooks["noisy"], expected["noisy"] = (
        filled(change=lambda gid, text: _noisy(text)),
        (full, set()),
    )

    nb = filled(
        change=lambda gid, text: (
            "%%time\n"
            + text
            + "\n_note = 'BEGIN HIDDEN TESTS'  # ### BEGIN HIDDEN TESTS"
        )
    )
    first = cell(nb, solutions[0])
    nb.cells.insert(
        nb.cells.index(first) + 1, copy.deepcopy(first)
    )  # copy-paste in JupyterLab
    nb.cells.append(
        nbformat.v4.new_code_cell("_scratch = 1", metadata={"nbgrader": {}})
    )
    notebooks["unusual"], expected["unusual"] = (
        nb,
        (full, {"duplicate_cell_id", "bad_cell_metadata"}),
    )

    for name, prefix, flag in (
        ("loop", "while True:\n    pass\n", "timed_out"),
        ("syntax", "def broken(:\n    pass\n", "syntax_error"),
    ):
        nb = filled()
        cell(nb, solutions[-1]).source = prefix + cell(nb, solutions[-1]).source
        notebooks[name], expected[name] = nb, (broken_from(solutions[-1]), {flag})
    nb = filled()
    cell(nb, solutions[0]).source = (
        "import os\nos._exit(1)\n" + cell(nb, solutions[0]).source
    )
    notebooks["crash"], expected["crash"] = (
        nb,
        (None, {"kernel_died", "needs_review"}),
    )  # os._exit is flagged
    nb = filled()
    nb.cells.remove(cell(nb, tests[0]))
    if len(tests) > 1:
        _meta(cell(nb, tests[-1]))["grade_id"] = tests[-1] + "_renamed"
    notebooks["missing"], expected["missing"] = nb, (full, {"missing_cells"})
    notebooks["renamed_file"], expected["renamed_file"] = (
        filled(),
        (None, {"wrong_file_name"}),
    )
    notebooks["not_notebook"] = "This is my essay, not a notebook.\n"
    expected["not_notebook"] = (None, {"not_a_notebook"})

    nb = copy.deepcopy(student)
    for t in tests:
        cell(nb, t).source = "assert True  # tampered"
    notebooks["tampered"], expected["tampered"] = (
        nb,
        (zero, {"tampered_tests_restored"}),
    )
    nb = copy.deepcopy(student)
    cell(nb, solutions[0]).source = (
        "_ip = get_ipython()\n"
        "_ip.input_transformers_post.append(\n"
        "    lambda lines: ['pass\\n'] if any('assert' in line for line in lines) else lines)\n"
        "_ip.events.register('pre_run_cell', lambda *args: None)\n"
        + cell(nb, solutions[0]).source
    )
    notebooks["hook"], expected["hook"] = nb, (ANY, {"needs_review"})
    shadow = "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])\n"
    notebooks["shadow"], expected["shadow"] = (
        copy.deepcopy(student),
        (zero, {"extra_files"}),
    )
    files["shadow"] = {
        "matplotlib/__init__.py": shadow,
        "matplotlib/pyplot.py": shadow,
        "numpy.py": shadow,
    }
    nb = copy.deepcopy(student)
    cell(nb, solutions[0]).source = (
        "import numpy as np\nnp.allclose = lambda *args, **kwargs: True\n"
        "np.testing.assert_allclose = lambda *args, **kwargs: None\n"
        + cell(nb, solutions[0]).source
    )
    notebooks["monkeypatch"], expected["monkeypatch"] = nb, (ANY, {"needs_review"})
    nb = copy.deepcopy(student)
    for (
        gid
    ) in solutions:  # a stub inside a function returns the object; one outside stays
        changed = cell(nb, gid).source.replace(
            "raise NotImplementedError()", "return Anything()"
        )
        try:
            compile(changed, "<answer>", "exec")
            cell(nb, gid).source = changed
        except SyntaxError:
            pass
    cell(nb, solutions[0]).source = (
        "class Anything(float):\n"
        "    def __eq__(self, other):\n        return True\n"
        "    def __lt__(self, other):\n        return True\n"
        "    def __le__(self, other):\n        return True\n"
        "    def __array_function__(self, func, types, args, kwargs):\n        return True\n\n\n"
        + cell(nb, solutions[0]).source
    )
    notebooks["anything"], expected["anything"] = nb, (ANY, {"needs_review"})

    nb = filled()
    cell(nb, solutions[-1]).source = (
        "import numpy as np\n_hog = np.ones(2**31)  # 16 GiB\n"
        + cell(nb, solutions[-1]).source
    )
    nb.cells += [
        nbformat.v4.new_code_cell(text) for text in _intruder_cells(course, lab)
    ]
    notebooks["intruder"] = nb
    expected["intruder"] = (
        broken_from(solutions[-1]),
        {"memory_limit", "needs_review"},
    )
    return notebooks, expected, files


def grade_class(lab, course, jobs):
    """Generate, submit, autograde, export and give feedback for one lab's simulated class."""
    (course / "nbgrader_config.py").write_text(
        (ROOT / "nbgrader_config.py").read_text(encoding="utf-8") + TEST_CONFIG,
        encoding="utf-8",
    )
    shutil.copytree(
        ROOT / "labs" / lab,
        course / "labs" / lab,
        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
    )
    seconds = {}
    start = time.perf_counter()
    _run(course, "nbgrader", "generate_assignment", lab, "--force")
    seconds["generate_assignment"] = time.perf_counter() - start
    source = nbformat.read(course / "labs" / lab / f"{lab}.ipynb", as_version=4)
    student = nbformat.read(course / "release" / lab / f"{lab}.ipynb", as_version=4)
    notebooks, expected, files = build_class(source, student, course, lab)
    full_marks = expected["full"][0]
    if lab != CLASS_LAB:
        notebooks = {name: notebooks[name] for name in EVERY_LAB_STUDENTS}
        expected = {name: expected[name] for name in EVERY_LAB_STUDENTS}
    for name, nb in notebooks.items():
        folder = course / "submitted" / name / lab
        folder.mkdir(parents=True)
        path = folder / (
            f"{lab}-{name}.ipynb" if name == "renamed_file" else f"{lab}.ipynb"
        )
        if isinstance(nb, str):
            path.write_text(nb, encoding="utf-8")
        else:
            nbformat.write(nb, path)
        for relative, text in files.get(name, {}).items():
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_text(text, encoding="utf-8")
    before = _snapshot(course / "submitted")
    results = {}
    for step, args in (
        (
            "autograde",
            [
                "helpers.labs",
                "autograde",
                lab,
                f"--timeout={TIMEOUT}",
                f"--jobs={jobs}",
            ],
        ),
        ("export", ["nbgrader", "export", "--to", "grades.csv"]),
        ("generate_feedback", ["nbgrader", "generate_feedback", lab]),
    ):
        start = time.perf_counter()
        # autograde exits with 1 when some submissions could not be graded: that is expected here
        results[step] = _run(course, *args, check=step != "autograde")
        seconds[step] = time.perf_counter() - start
    with open(course / "grades.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return SimpleNamespace(
        lab=lab,
        course=course,
        source=source,
        student=student,
        expected=expected,
        full_marks=full_marks,
        before=before,
        autograde=results["autograde"],
        rows=rows,
        seconds=seconds,
    )


class Classes:
    """Each lab's class, graded in a worker thread (the threads mostly wait on the kit's commands)."""

    def __init__(self, tmp_path_factory):
        self.factory, self.futures = tmp_path_factory, {}
        self.pool = ThreadPoolExecutor(
            max_workers=max(1, min(len(LAB_IDS), os.cpu_count() or 1))
        )

    def start(self, lab):
        if lab not in self.futures:
            jobs = 2 if lab == CLASS_LAB else 1
            self.futures[lab] = self.pool.submit(
                grade_class, lab, self.factory.mktemp(lab), jobs
            )

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
        if {"first_lab_course", "class_graded"} & set(
            getattr(item, "fixturenames", ())
        ):
            classes.start(CLASS_LAB)
    yield classes
    classes.pool.shutdown(cancel_futures=True)


@pytest.fixture(scope="module", params=LAB_IDS)
def graded(request, classes):
    result = classes.get(request.param)
    print(
        f"\n{result.lab}: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
    )
    return result


@pytest.fixture(scope="module")
def class_graded(classes):
    """The graded class of CLASS_LAB, which every simulated student sat."""
    return classes.get(CLASS_LAB)


def _cell_scores(course, lab, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(lab, lab, student)
        return {grade.name: grade.score for grade in notebook.grades}


def _autograded(graded, student):
    return nbformat.read(
        graded.course / "autograded" / student / graded.lab / f"{graded.lab}.ipynb", 4
    )


def _outputs_text(nb):
    return "\n".join(
        labs.feedback.output_text(o)
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
    )


# ---------------------------------------------------------------- grading


def test_source_gets_full_marks_and_runs_cleanly(graded):
    """The lab's own answers earn every point, and no cell (self-checks included) raises.

    In the labs that only `noisy` and `blank` sit, `noisy` carries the source's answers.
    """
    student = "full" if "full" in graded.expected else "noisy"
    scores = _cell_scores(graded.course, graded.lab, student)
    full = graded.full_marks
    short = {t: (s, full[t]) for t, s in scores.items() if s != full[t]}
    assert not short, f"the source of {graded.lab} loses points (score, max): {short}"
    errors = [
        (_meta(c).get("grade_id"), o.get("ename"), o.get("evalue"))
        for c in _autograded(graded, student).cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]
    assert not errors, f"cells raise errors when the source runs: {errors}"


def test_blank_student_version_gets_zero(graded):
    scores = _cell_scores(graded.course, graded.lab, "blank")
    earned = {t: s for t, s in scores.items() if s != 0}
    assert scores and not earned, f"the blank student version earns points: {earned}"


def test_graded_submission_scores_each_test_as_expected(graded):
    for student, (cells, _) in graded.expected.items():
        if isinstance(cells, dict):
            assert _cell_scores(graded.course, graded.lab, student) == cells, student


def test_every_submission_is_in_the_gradebook_with_its_flags(graded):
    rows = {row["student_id"]: row for row in graded.rows}
    assert set(rows) == set(graded.expected), "one row per student"
    max_score = sum(graded.full_marks.values())
    for student, (cells, flags) in graded.expected.items():
        row = rows[student]
        assert row["lab"] == graded.lab and float(row["max_score"]) == max_score
        status = set(row["status"].split(";"))
        assert status <= set(labs.FLAGS), (
            f"{student}: unknown flags {status - set(labs.FLAGS)}"
        )
        assert status == (flags or {"ok"}), (
            f"{student}: status {row['status']!r}, note {row['note']!r}"
        )
        if flags:
            assert row["note"], f"{student}: a flagged row needs a note"
        if cells is None:
            assert row["score"] == "", (
                f"{student} could not be graded, yet scored {row['score']}"
            )
        elif cells is not ANY:
            assert float(row["score"]) == sum(cells.values()), student


def test_honest_code_with_stderr_output_keeps_its_points(graded):
    """The noisy student's progress bars and warnings reached the test cells, and cost nothing."""
    nb = _autograded(graded, "noisy")
    noisy_tests = [
        _meta(c)["grade_id"]
        for c in nb.cells
        if _meta(c).get("grade")
        and any(
            o.get("metadata", {}).get("dlbook", {}).get("stderr") for o in c.outputs
        )
    ]
    assert noisy_tests, (
        "no test cell saw the student's stderr output: the case tests nothing"
    )
    assert _cell_scores(graded.course, graded.lab, "noisy") == graded.full_marks


def test_cheats_are_flagged_with_the_line_that_triggered(class_graded):
    rows = {row["student_id"]: row for row in class_graded.rows}
    for student, needle in (
        ("hook", "get_ipython"),
        ("monkeypatch", "np.allclose"),
        ("anything", "__eq__"),
        ("intruder", "sqlite3"),
    ):
        assert "needs_review" in rows[student]["status"], student
        assert needle in rows[student]["note"], (student, rows[student]["note"])


def test_faulty_submissions_do_not_stop_the_others(class_graded):
    for student in class_graded.expected:
        graded_nb = (
            class_graded.course
            / "autograded"
            / student
            / class_graded.lab
            / f"{class_graded.lab}.ipynb"
        )
        assert graded_nb.is_file() == (student not in UNGRADED), student
    report = json.loads(
        (
            class_graded.course
            / ".grading"
            / "reports"
            / class_graded.lab
            / "crash.json"
        ).read_text()
    )
    assert report["flags"] == ["kernel_died"] and report["sandbox"] is True, report


def test_timed_out_cell_is_the_looping_one(class_graded):
    nb = _autograded(class_graded, "loop")
    timed_out = [
        _meta(c).get("grade_id")
        for c in nb.cells
        if c.cell_type == "code"
        and any(
            o.output_type == "error" and o.ename == "CellTimeoutError"
            for o in c.outputs
        )
    ]
    last_answer = [
        _meta(c)["grade_id"]
        for c in class_graded.student.cells
        if _meta(c).get("solution")
    ][-1]
    assert timed_out == [last_answer]


def test_memory_hog_gets_a_memory_error_in_its_own_cell(class_graded):
    nb = _autograded(class_graded, "intruder")
    errors = [
        o.evalue
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error" and o.ename == "MemoryError"
    ]
    assert len(errors) == 1 and "16.0 GiB" in errors[0]


def test_the_sandbox_keeps_the_intruder_out(class_graded):
    text = _outputs_text(_autograded(class_graded, "intruder"))
    # (the printed In repeats the attack's source, so look for what only running it prints)
    assert (
        "READ b" not in text
        and "WROTE THE GRADEBOOK" not in text
        and "PLANTED /" not in text
    ), text[-3000:]
    assert len(re.findall(r"blocked: [A-Z]\w*Error", text)) == 7, text[-3000:]
    assert not list(class_graded.course.rglob("planted.txt"))
    graded_full = class_graded.course / "autograded" / "full" / class_graded.lab
    given = {
        Path(name).parts[0]
        for name in labs.course.lab_data_files(
            labs.load_course(class_graded.course), class_graded.lab
        )
    }
    assert {p.name for p in graded_full.iterdir()} == {
        f"{class_graded.lab}.ipynb"
    } | given


def test_shadowing_files_never_reach_the_kernel(class_graded):
    assert not (
        class_graded.course / "autograded" / "shadow" / class_graded.lab / "matplotlib"
    ).exists()
    assert not (
        class_graded.course / "autograded" / "shadow" / class_graded.lab / "numpy.py"
    ).exists()


def test_no_process_survives_grading(graded):
    """The intruder's detached process, and every kernel, ended with the grading."""
    alive = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (
                (proc / "cmdline")
                .read_bytes()
                .replace(b"\0", b" ")
                .decode(errors="replace")
            )
        except OSError:
            continue
        if (
            f"{MARKER}-{graded.lab}" in cmdline
            or f"dlbook-grading-{graded.lab}-" in cmdline
        ):
            alive.append(cmdline)
    assert not alive, alive


def test_no_submission_is_modified_or_lost(graded):
    assert _snapshot(graded.course / "submitted") == graded.before


def test_the_guide_explains_every_flag():
    guide = (ROOT / "book" / "instructor_guide.md").read_text(encoding="utf-8")
    missing = [flag for flag in labs.FLAGS if f"| `{flag}` |" not in guide]
    assert not missing, f"book/instructor_guide.md does not explain the flags {missing}"


# ---------------------------------------------------------------- check and tamper detection


def test_no_false_flags_on_the_lab_and_its_student_version():
    for lab in LAB_IDS:
        source = nbformat.read(ROOT / "labs" / lab / f"{lab}.ipynb", 4)
        cells = {
            _meta(c)["grade_id"]: dict(_meta(c))
            for c in source.cells
            if _meta(c).get("grade_id")
        }
        for nb in (source, nbformat.read(ROOT / "book" / "labs" / f"{lab}.ipynb", 4)):
            assert tamper.suspicious_lines(tamper.students_code(nb, cells)) == [], lab


@pytest.mark.parametrize(
    "code, reason",
    [
        ("import builtins\nbuiltins.print = None", "builtins"),
        ("import sys\nsys.modules['numpy'] = None", "sys.modules"),
        ("exec('x = 1')", "exec"),
        ("f = eval", "eval"),
        ("__import__('os')", "__import__"),
        ("import importlib", "importlib"),
        ("import ctypes", "ctypes"),
        ("import gc", "gc"),
        ("import sys\nframe = sys._getframe()", "_getframe"),
        ("import inspect", "inspect"),
        ("import os\nos.system('ls')", "os.system"),
        ("!ls /", "shell"),
        ("open('/tmp/x', 'w')", "writes a file"),
        ("open('../x')", "outside"),
        ("import torch\ntorch.allclose = lambda *a: True", "torch.allclose"),
        ("import helpers.checks as c\nsetattr(c, 'x', 1)", "setattr"),
        ("print(_ih)", "_ih"),
        ("get_ipython().display_formatter", "get_ipython"),
    ],
)
def test_tamper_detection_catches_each_pattern(code, reason):
    found = tamper.suspicious_lines([(0, code)])
    assert found and any(reason in f"{line} {why}" for _, _, line, why in found), found


@pytest.mark.parametrize(
    "code",
    [
        "%matplotlib inline\nimport numpy as np\nw = np.zeros(3)\nw[0] = 1.0",
        "%%time\nimport torch\nmodel = torch.nn.Linear(2, 1)\nmodel.weight.data[:] = 0.0",
        "from tqdm.auto import tqdm\nimport sys\nfor _ in tqdm(range(3), file=sys.stderr):\n    pass",
        "import warnings\nwarnings.filterwarnings('ignore')\nimport numpy as np\nnp.random.seed(0)",
        "with open('results.txt') as f:\n    text = f.read()",
        "class Layer:\n    def __init__(self):\n        self.weight = 1.0\n    def __call__(self, x):\n        return x",
        "s = 'exec eval get_ipython In'  # only words",
    ],
)
def test_tamper_detection_leaves_honest_code_alone(code):
    assert tamper.suspicious_lines([(0, code)]) == []


@pytest.fixture
def first_lab_course(classes, tmp_path):
    """A copy of the graded course of CLASS_LAB, to add bad input to."""
    graded = classes.get(CLASS_LAB)
    course = tmp_path / "course"
    shutil.copytree(graded.course, course)
    return SimpleNamespace(lab=graded.lab, course=course, graded=graded)


def test_check_lists_what_grading_will_flag(first_lab_course, capsys):
    course, lab = first_lab_course.course, first_lab_course.lab
    assert labs.main(["check", lab, "--course", str(course)]) == 1
    out = capsys.readouterr().out
    lines = {line.split(":")[0].strip(): line for line in out.splitlines()[1:]}
    for student in ("full", "blank", "partial", "noisy", "loop"):
        assert student not in lines, f"a false flag for {student}: {lines[student]}"
    assert (
        "duplicate_cell_id" in lines["unusual"]
        and "bad_cell_metadata" in lines["unusual"]
    )
    assert "extra_files" in lines["shadow"] and "matplotlib/" in lines["shadow"]
    assert "needs_review" in lines["hook"] and "`_ip = get_ipython()`" in lines["hook"]
    assert "np.allclose = lambda" in lines["monkeypatch"]


# ---------------------------------------------------------------- feedback


def test_feedback_shows_scores_but_never_the_hidden_tests(graded):
    hidden = _hidden_lines(graded.source)
    assert hidden, f"{graded.lab} has no hidden tests to hide"
    feedback = sorted((graded.course / "feedback").glob(f"*/{graded.lab}/*.html"))
    assert {p.parts[-3] for p in feedback} == set(graded.expected) - UNGRADED
    for path in feedback:
        lines = _html_lines(path)
        leaked = sorted(hidden & lines)
        assert not leaked, (
            f"{path.relative_to(graded.course)} shows hidden tests: {leaked[:5]}"
        )
        if (
            path.parts[-3] != "unusual"
        ):  # that student wrote the words in their own code
            assert not any("HIDDEN TESTS" in line for line in lines)
    honest = (
        graded.course / "feedback" / "noisy" / graded.lab / f"{graded.lab}.html"
    ).read_text()
    assert "hidden from the feedback" not in honest, "an honest output was redacted"


def test_feedback_names_failed_tests_and_redacts_the_intruder(class_graded):
    course, lab = class_graded.course, class_graded.lab
    full = (course / "feedback" / "full" / lab / f"{lab}.html").read_text()
    assert "hidden from the feedback" not in full, "an honest output was redacted"
    # The student's own code is there, and the failing test says which kind it was.
    tampered = _html_lines(course / "feedback" / "tampered" / lab / f"{lab}.html")
    assert any("test failed" in line for line in tampered)
    intruder = (course / "feedback" / "intruder" / lab / f"{lab}.html").read_text()
    assert intruder.count("hidden from the feedback") >= 3


def test_the_feedback_check_would_see_hidden_tests(class_graded):
    """Control: the same scan finds the hidden tests in a plain HTML export of the graded notebook."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(_autograded(class_graded, "intruder"))
    text = html.unescape(re.sub(r"<[^>]+>", "", body))
    assert _hidden_lines(class_graded.source) & {
        line.strip() for line in text.splitlines()
    }


# ---------------------------------------------------------------- the gradebook's integrity


def test_export_flags_scores_changed_outside_nbgrader(first_lab_course):
    from nbgrader.api import Gradebook

    course, lab = first_lab_course.course, first_lab_course.lab
    tests = list(first_lab_course.graded.expected["full"][0])
    db = sqlite3.connect(course / "gradebook.db")
    ids = {
        (student, name): gid
        for gid, student, name in db.execute(
            "select grade.id, submitted_assignment.student_id, base_cell.name from grade "
            "join submitted_notebook on grade.notebook_id = submitted_notebook.id "
            "join submitted_assignment on submitted_notebook.assignment_id = submitted_assignment.id "
            "join base_cell on grade.cell_id = base_cell.id"
        )
    }
    db.execute(
        "update grade set auto_score = 48 where id = ?", (ids["blank", tests[0]],)
    )
    db.execute("update grade set auto_score = 0 where id = ?", (ids["full", tests[0]],))
    db.execute(
        "update grade set auto_score = -1 where id = ?", (ids["partial", tests[0]],)
    )
    db.execute(
        "update grade set extra_credit = 5 where id = ?", (ids["noisy", tests[0]],)
    )
    db.commit()
    db.close()
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        rows = {
            r["student_id"]: r
            for r in labs.gradebook_rows(labs.load_course(course), gb, [lab])
        }
    assert set(rows["blank"]["status"].split(";")) == {
        "score_out_of_range",
        "gradebook_mismatch",
    }
    assert (
        rows["full"]["status"] == "gradebook_mismatch"
        and tests[0] in rows["full"]["note"]
    )
    assert "score_out_of_range" in rows["partial"]["status"]
    assert rows["noisy"]["status"] == "changed_by_hand"
    assert rows["unusual"]["status"] == "duplicate_cell_id;bad_cell_metadata"


# ---------------------------------------------------------------- no sandbox


def test_autograde_refuses_without_a_working_sandbox(first_lab_course):
    course, lab = first_lab_course.course, first_lab_course.lab
    before = _snapshot(course / ".grading")
    for program, why in (
        ("/nonexistent/bwrap", "is not installed"),
        ("/bin/false", "fails here"),
    ):
        result = _run(
            course,
            "helpers.labs",
            "autograde",
            lab,
            check=False,
            env=dict(_env(), DLBOOK_BWRAP=program),
        )
        assert result.returncode == 2, result.stdout + result.stderr
        assert (
            why in result.stderr
            and "--unsafe-no-sandbox" in result.stderr
            and "bubblewrap" in result.stderr
        )
    assert _snapshot(course / ".grading") == before, (
        "a refused run must not grade anyone"
    )


def test_unsafe_no_sandbox_grades_with_a_warning(first_lab_course):
    course, lab = first_lab_course.course, first_lab_course.lab
    result = _run(
        course,
        "helpers.labs",
        "autograde",
        lab,
        "--student",
        "blank",
        "--unsafe-no-sandbox",
        "--force",
        f"--timeout={TIMEOUT}",
        env=dict(_env(), DLBOOK_BWRAP="/nonexistent/bwrap"),
    )
    assert "--unsafe-no-sandbox" in result.stdout and "blank: graded" in result.stdout
    report = json.loads(
        (course / ".grading" / "reports" / lab / "blank.json").read_text()
    )
    assert report["sandbox"] is False
    assert set(_cell_scores(course, lab, "blank").values()) == {0.0}


def test_autograde_skips_what_it_graded_unless_forced(first_lab_course):
    course, lab = first_lab_course.course, first_lab_course.lab
    result = _run(
        course,
        "helpers.labs",
        "autograde",
        lab,
        "--student",
        "full",
        "--student",
        "not_notebook",
    )
    assert "full: already graded and unchanged" in result.stdout


# ---------------------------------------------------------------- bad input


def test_check_rejects_a_lab_that_does_not_exist(first_lab_course, capsys):
    before = _snapshot(first_lab_course.course)
    assert (
        labs.main(["check", "lab99_nothing", "--course", str(first_lab_course.course)])
        == 2
    )
    err = capsys.readouterr().err
    assert "no lab 'lab99_nothing'" in err and first_lab_course.lab in err
    assert (
        labs.main(
            ["autograde", "lab99_nothing", "--course", str(first_lab_course.course)]
        )
        == 2
    )
    with pytest.raises(labs.LabError, match="lab99_nothing"):
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{first_lab_course.course / 'gradebook.db'}") as gb:
            labs.gradebook_rows(
                labs.load_course(first_lab_course.course), gb, ["lab99_nothing"]
            )
    assert _snapshot(first_lab_course.course) == before, "nothing may change"


def test_check_warns_when_the_lab_was_never_generated(first_lab_course, capsys):
    """Without `nbgrader generate_assignment`, autograde would fail for every student."""
    course, lab = first_lab_course.course, first_lab_course.lab
    (course / "gradebook.db").unlink()
    assert labs.main(["check", lab, "--course", str(course)]) == 1
    assert f"run `nbgrader generate_assignment {lab}`" in capsys.readouterr().out
    assert labs.main(["autograde", lab, "--course", str(course)]) == 2
    assert f"run `nbgrader generate_assignment {lab}`" in capsys.readouterr().err
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


def test_two_submissions_for_one_student_are_reported_not_overwritten(
    first_lab_course, capsys
):
    from nbgrader.api import Gradebook

    course, lab = first_lab_course.course, first_lab_course.lab
    # The same student under a second folder name differing only in case, and a second
    # notebook in one student's folder; a student with no folder for this lab.
    shutil.copytree(course / "submitted" / "full", course / "submitted" / "FULL")
    shutil.copy(
        course / "submitted" / "blank" / lab / f"{lab}.ipynb",
        course / "submitted" / "blank" / lab / f"{lab} (1).ipynb",
    )
    (course / "submitted" / "zoe").mkdir()
    before = _snapshot(course / "submitted")
    assert labs.main(["check", lab, "--course", str(course)]) == 1
    out = capsys.readouterr().out
    assert "FULL: duplicate_submission" in out and "full: duplicate_submission" in out
    assert f"{lab} (1).ipynb" in out
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        rows = {
            r["student_id"]: r
            for r in labs.gradebook_rows(labs.load_course(course), gb)
        }
    assert (
        rows["FULL"]["status"] == "duplicate_submission;not_graded"
        and rows["FULL"]["score"] == ""
    )
    assert (
        rows["full"]["status"] == "duplicate_submission" and rows["full"]["score"] != ""
    )
    assert (
        rows["blank"]["status"] == "duplicate_submission"
        and "ignored" in rows["blank"]["note"]
    )
    assert rows["zoe"]["status"] == "not_submitted" and rows["zoe"]["score"] == ""
    assert _snapshot(course / "submitted") == before


def test_export_says_why_a_submission_was_not_graded(first_lab_course):
    """Not graded yet, or nbgrader failed on it (from nbgrader's log, for a plain `nbgrader autograde`)."""
    from nbgrader.api import Gradebook

    course, lab = first_lab_course.course, first_lab_course.lab
    for student in ("ghost", "late"):
        shutil.copytree(course / "submitted" / "full", course / "submitted" / student)
    with open(course / ".nbgrader.log", "a", encoding="utf-8") as log:
        log.write(
            "[AutogradeApp | ERROR] There was an error processing assignment: "
            f"{course}/submitted/ghost/{lab}\n"
            "[AutogradeApp | ERROR] Traceback (most recent call last):\n"
            '      File "x.py", line 1, in <module>\n'
            "    RuntimeError: something unexpected\n"
            "    \n"
            f"[AutogradeApp | WARNING] Removing failed assignment: {course}/autograded/ghost/{lab}\n"
        )
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        rows = {
            r["student_id"]: r
            for r in labs.gradebook_rows(labs.load_course(course), gb, [lab])
        }
    assert rows["ghost"]["status"] == "grading_failed"
    assert "RuntimeError: something unexpected" in rows["ghost"]["note"]
    assert rows["late"]["status"] == "not_graded" and rows["late"]["score"] == ""
    assert (
        "kernel_died" in rows["crash"]["status"]
        and "the kernel died" in rows["crash"]["note"]
    )


# ---------------------------------------------------------------- the web book's JupyterHub button


def test_jupyterhub_button_is_off_until_an_institution_sets_it():
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["launch_buttons"].get("jupyterhub_url", "") == "", (
        "the book has no hub of its own"
    )
    guide = (ROOT / "book" / "instructor_guide.md").read_text(encoding="utf-8")
    assert "jupyterhub_url: https://" in guide and "nbgitpuller" in guide
