"""Plausible wrong answers lose points and correct alternatives keep them, for every lab.

A lab may come with a file ``tests/wrong_answers/<lab_id>.py`` that defines

    WRONG_ANSWERS = {"<grade_id of a solution cell>": [("<the mistake, in a few words>",
                                                        "<source for the solution region>"), ...],
                     ...}
    RIGHT_ANSWERS = {...}   # optional, the same shape: correct solutions written differently

This module finds those files by itself, so a new lab is covered as soon as its file exists.
For each lab it starts **one** kernel in the lab's folder (as nbgrader does), runs the source
notebook from the top once, and then, for each variant:

1. replaces **only the solution region** of the named cell (the lines between
   ``### BEGIN SOLUTION`` and ``### END SOLUTION``; the marker lines go, as in nbgrader's
   student version) by the variant's source, re-indented to the marker's indentation (write
   it unindented, or indented as it will sit: either works). A cell with several solution
   regions takes a list with one source per region, in order, ``None`` keeping a region's
   own solution;
2. runs that cell and every cell after it up to the exercise's last test cell, self-checks
   and given cells included, letting errors happen as nbgrader does;
3. scores the exercise's test cells as nbgrader does: a test cell earns its points when it
   raises no error;
4. runs the same cells again as the source has them (all but the test cells, which only
   define underscored names of their own), so the next variant starts from the state a
   correct student has.

**Which test cells belong to a solution cell.** The exercise of a cell is the part of its
grade_id before the first underscore (``ex4`` for ``ex4_solution``, ``ex4_solution_b`` and
``ex4_tests``). The test cells of a solution cell are the graded cells (nbgrader
``grade: true``) that come after it and belong to the same exercise. A lab whose ids do not
follow that pattern falls back to the graded cells that follow the solution cell up to the
next solution cell. A solution cell with no test cell by either rule is an error.

What must hold:

* every grade_id a file names exists in the lab and is a solution cell (a typo is an error,
  never a skipped case), every variant is a ``(name, source)`` pair with a unique name, and
  a cell with k solution regions gets k sources;
* a wrong answer earns **less than full marks** on its exercise's test cells (it may fail
  some of them only);
* a right answer earns **full marks** on them.

nbgrader itself grades submissions by the same rule (a test cell scores when it does not
raise), and tests/test_grading.py proves the source scores full marks and the student
version zero through nbgrader's own commands; this module checks the hidden tests'
strength, exercise by exercise, at the cost of one kernel per lab. Each lab runs in a process
of its own, two labs at a time on a machine with two cores or more
(``DLBOOK_ANSWER_WORKERS=1`` runs them one after another).
"""

import copy
import importlib.util
import multiprocessing
import os
import textwrap
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
ANSWERS = ROOT / "tests" / "wrong_answers"
ANSWER_FILES = (
    sorted(p for p in ANSWERS.glob("*.py") if not p.name.startswith("_"))
    if ANSWERS.is_dir()
    else []
)
LAB_IDS = [p.stem for p in ANSWER_FILES]
CELL_TIMEOUT = int(os.environ.get("DLBOOK_ANSWER_TIMEOUT", "120"))
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def _meta(cell):
    return cell.metadata.get("nbgrader", {})


def _exercise(grade_id):
    return grade_id.split("_")[0]


def load_answers(lab_id):
    """(WRONG_ANSWERS, RIGHT_ANSWERS) of tests/wrong_answers/<lab_id>.py."""
    path = ANSWERS / f"{lab_id}.py"
    spec = importlib.util.spec_from_file_location(f"wrong_answers_{lab_id}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert hasattr(module, "WRONG_ANSWERS"), (
        f"{path.relative_to(ROOT)} defines no WRONG_ANSWERS"
    )
    return module.WRONG_ANSWERS, getattr(module, "RIGHT_ANSWERS", {})


def load_source(lab_id):
    path = ROOT / "labs" / lab_id / f"{lab_id}.ipynb"
    assert path.is_file(), (
        f"tests/wrong_answers/{lab_id}.py has no lab: {path.relative_to(ROOT)} does not exist"
    )
    return nbformat.read(path, as_version=4)


def solution_regions(source):
    """How many solution regions a cell's source holds (markers must pair up)."""
    begins, ends = source.count(BEGIN), source.count(END)
    assert begins == ends, f"unpaired solution markers in:\n{source}"
    return begins


def replace_solution(source, replacements):
    """The cell ``source`` with its solution regions replaced.

    replacements: one string per region (a single string for a one-region cell); ``None``
    keeps that region's own solution. Each replacement is dedented, then indented like the
    region's BEGIN marker; the marker lines themselves are dropped.
    """
    if isinstance(replacements, str):
        replacements = [replacements]
    lines, out, region = source.split("\n"), [], -1
    inside = False
    for line in lines:
        if BEGIN in line:
            region += 1
            inside = True
            if replacements[region] is not None:
                indent = line[: len(line) - len(line.lstrip())]
                body = textwrap.dedent(replacements[region]).strip("\n")
                out += [indent + ln if ln.strip() else ln for ln in body.split("\n")]
            continue
        if END in line:
            inside = False
            continue
        if inside and replacements[region] is not None:
            continue
        out.append(line)
    return "\n".join(out)


def exercise_test_cells(cells, index):
    """Indices of the graded test cells that belong to the solution cell at ``index`` (rule above)."""
    exercise = _exercise(_meta(cells[index])["grade_id"])
    later = range(index + 1, len(cells))
    same = [
        i
        for i in later
        if _meta(cells[i]).get("grade")
        and _exercise(_meta(cells[i])["grade_id"]) == exercise
    ]
    if same:
        return same
    following = []
    for i in later:
        if _meta(cells[i]).get("solution"):
            break
        if _meta(cells[i]).get("grade"):
            following.append(i)
    return following


def variants(lab_id):
    """[(kind, grade_id, name, replacements)] for a lab, in notebook order; checks the file's format."""
    wrong, right = load_answers(lab_id)
    source = load_source(lab_id)
    index = {
        _meta(c).get("grade_id"): i
        for i, c in enumerate(source.cells)
        if _meta(c).get("grade_id")
    }
    problems, found = [], []
    for kind, table in (("wrong", wrong), ("right", right)):
        if not isinstance(table, dict):
            problems.append(
                f"{kind.upper()}_ANSWERS must be a dict {{grade_id: [(name, source), ...]}}"
            )
            continue
        for grade_id, entries in table.items():
            if grade_id not in index:
                problems.append(
                    f"{kind.upper()}_ANSWERS names {grade_id!r}, which is no cell of {lab_id} "
                    f"(solution cells: {', '.join(g for g, i in index.items() if _meta(source.cells[i]).get('solution'))})"
                )
                continue
            cell = source.cells[index[grade_id]]
            if not (_meta(cell).get("solution") and cell.cell_type == "code"):
                problems.append(
                    f"{kind.upper()}_ANSWERS names {grade_id!r}, which is not a solution cell"
                )
                continue
            regions = solution_regions(cell.source)
            if not exercise_test_cells(source.cells, index[grade_id]):
                problems.append(
                    f"{grade_id!r} has no test cell (see the rule in tests/test_lab_answers.py)"
                )
            if not isinstance(entries, (list, tuple)) or not entries:
                problems.append(
                    f"{kind.upper()}_ANSWERS[{grade_id!r}] must be a non-empty list of (name, source)"
                )
                continue
            names = [
                e[0] if isinstance(e, (list, tuple)) and e else None for e in entries
            ]
            if len(set(names)) != len(names):
                problems.append(
                    f"{kind.upper()}_ANSWERS[{grade_id!r}] repeats a name: {names}"
                )
            for entry in entries:
                if not (
                    isinstance(entry, (list, tuple))
                    and len(entry) == 2
                    and isinstance(entry[0], str)
                ):
                    problems.append(
                        f"{kind.upper()}_ANSWERS[{grade_id!r}]: {entry!r:.80} is not a (name, source) pair"
                    )
                    continue
                name, replacement = entry
                parts = (
                    [replacement] if isinstance(replacement, str) else list(replacement)
                )
                if len(parts) != regions or not all(
                    p is None or isinstance(p, str) for p in parts
                ):
                    problems.append(
                        f"{grade_id!r} / {name!r}: the cell has {regions} solution region(s), "
                        f"so give {'a string' if regions == 1 else f'a list of {regions} strings or None'}"
                    )
                    continue
                found.append((kind, grade_id, name, parts))
    assert not problems, f"tests/wrong_answers/{lab_id}.py:\n  " + "\n  ".join(problems)
    found.sort(key=lambda v: (index[v[1]], v[0] != "wrong"))
    return source, index, found


def _error(cell):
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            return f"{output.ename}: {output.evalue}"[:300]
    return None


def run_variants(lab_id):
    """{(kind, grade_id, name): (score, max_score, {test cell: error or None})} for one lab."""
    source, index, found = variants(lab_id)
    nb = copy.deepcopy(source)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(ROOT / "labs" / lab_id)}},
    )
    results, seconds = {}, {}
    env = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env]))
    try:
        with client.setup_kernel():
            start = time.perf_counter()
            for i, cell in enumerate(nb.cells):
                if cell.cell_type == "code":
                    client.execute_cell(cell, i)
                    assert _error(cell) is None, (
                        f"the source of {lab_id} fails in cell {i}: {_error(cell)}"
                    )
            seconds["source"] = time.perf_counter() - start

            def run(cells, first, last, tests=True):
                for i in range(first, last + 1):
                    if cells[i].cell_type == "code" and (
                        tests or not _meta(cells[i]).get("grade")
                    ):
                        client.execute_cell(cells[i], i)

            for kind, grade_id, name, parts in found:
                start = time.perf_counter()
                at = index[grade_id]
                tests = exercise_test_cells(source.cells, at)
                cells = copy.deepcopy(source.cells)
                cells[at].source = replace_solution(cells[at].source, parts)
                run(cells, at, tests[-1])
                errors = {_meta(cells[t])["grade_id"]: _error(cells[t]) for t in tests}
                points = [float(_meta(cells[t])["points"]) for t in tests]
                score = sum(
                    p for p, t in zip(points, tests) if _error(cells[t]) is None
                )
                results[(kind, grade_id, name)] = (score, sum(points), errors)
                run(
                    copy.deepcopy(source.cells), at, tests[-1], tests=False
                )  # back to a correct student's state
                seconds[(kind, grade_id, name)] = time.perf_counter() - start
    finally:
        if env is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = env
    return results, seconds


# Labs graded side by side, one kernel each: every lab's variants run in a process of
# their own, so two labs share the machine's two cores instead of taking turns.
ANSWER_WORKERS = int(
    os.environ.get("DLBOOK_ANSWER_WORKERS", min(2, os.cpu_count() or 1))
)
GRADED_HERE = ("test_wrong_answers_lose_points", "test_right_answers_keep_full_marks")


@pytest.fixture(scope="module")
def answer_results(request):
    """{lab_id: a finished Future of run_variants(lab_id)} for the labs the tests below ask for.

    Each lab's test calls ``.result()``, which raises that lab's own error, if any.
    """
    labs = []
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if (
            item.path == Path(__file__)
            and getattr(item, "originalname", None) in GRADED_HERE
            and callspec is not None
            and callspec.params["lab_id"] not in labs
        ):
            labs.append(callspec.params["lab_id"])
    labs.reverse()  # later labs train larger models: start them first, so none ends last alone
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=ANSWER_WORKERS, mp_context=context) as pool:
        return {lab_id: pool.submit(run_variants, lab_id) for lab_id in labs}


# ---------------------------------------------------------------- the harness itself


def test_replace_solution_keeps_everything_outside_the_region():
    cell = 'def f(x):\n    """Doc."""\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\nF = f(1)'
    assert (
        replace_solution(cell, "y = x + 1\nreturn y")
        == 'def f(x):\n    """Doc."""\n    y = x + 1\n    return y\nF = f(1)'
    )
    assert (
        replace_solution(cell, "    return -x\n")
        == 'def f(x):\n    """Doc."""\n    return -x\nF = f(1)'
    )
    two = (
        cell
        + "\n\ndef g():\n    ### BEGIN SOLUTION\n    return 2\n    ### END SOLUTION"
    )
    assert solution_regions(two) == 2
    assert replace_solution(two, [None, "return 3"]).endswith("def g():\n    return 3")
    assert "return x" in replace_solution(two, [None, "return 3"])


def test_test_cells_follow_the_exercise_prefix():
    def cell(gid, solution=False, grade=False):
        return nbformat.v4.new_code_cell(
            metadata={
                "nbgrader": {"grade_id": gid, "solution": solution, "grade": grade}
            }
        )

    cells = [
        cell("ex1_solution", True),
        cell("ex1_tests", grade=True),
        cell("ex2_solution", True),
        cell("ex2_selfcheck"),
        cell("ex2_solution_b", True),
        cell("ex2_tests", grade=True),
        cell("answer_a", True),
        cell("check_a", grade=True),
    ]
    assert exercise_test_cells(cells, 0) == [1]
    assert exercise_test_cells(cells, 2) == [5] and exercise_test_cells(cells, 4) == [5]
    assert exercise_test_cells(cells, 6) == [
        7
    ]  # no shared prefix: the graded cells up to the next solution


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_answer_file_names_real_solution_cells(lab_id):
    """Every grade_id named exists and is a solution cell; every entry is well formed."""
    source, index, found = variants(lab_id)
    wrong = {(g, n) for k, g, n, _ in found if k == "wrong"}
    assert wrong, f"tests/wrong_answers/{lab_id}.py has no wrong answers"


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_wrong_answers_lose_points(lab_id, answer_results):
    results, seconds = answer_results[lab_id].result()
    kept = [
        f"{gid}: {name!r} earned {score:g} of {most:g}"
        for (kind, gid, name), (score, most, _) in results.items()
        if kind == "wrong" and score >= most
    ]
    assert not kept, (
        f"{lab_id}: wrong answers that keep full marks (the hidden tests miss them):\n  "
        + "\n  ".join(kept)
    )


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_right_answers_keep_full_marks(lab_id, answer_results):
    results, seconds = answer_results[lab_id].result()
    lost = [
        f"{gid}: {name!r} earned {score:g} of {most:g}: "
        + "; ".join(f"{t}: {e}" for t, e in errors.items() if e)
        for (kind, gid, name), (score, most, errors) in results.items()
        if kind == "right" and score < most
    ]
    assert not lost, f"{lab_id}: correct answers that lose points:\n  " + "\n  ".join(
        lost
    )
