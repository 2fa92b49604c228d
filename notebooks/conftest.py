"""nbval runs every chapter notebook as a test; its runs also feed the book's build.

``pytest`` collects the notebooks in this folder with nbval (``--nbval-lax``, set in
pyproject.toml): one test per code cell, all cells of a notebook in one kernel, each
passing when it raises no error. The web book executes the same notebooks when it is
built (``execute_notebooks: cache`` in _config.yml), and on two cores running every
chapter twice, once for nbval and once for the book, would cost minutes for nothing.

So when nbval has run **every** code cell of a notebook and all of them passed, the
hooks below store that run, with its outputs, in the book's execution cache
(jupyter-cache, in ``_build/.jupyter_cache``, where ``jupyter-book build`` looks
first). The cache is keyed on the notebook's code, so the build then uses the outputs
of the run that nbval just checked instead of executing the notebook again; a notebook
with a failing cell, or one only partly run (``-k``, ``--lf``), is not stored, and the
build executes it as usual. ``pyproject.toml`` lists this folder first in ``testpaths``
so that the notebooks run before the tests that build the book.
"""

import copy
from pathlib import Path

import nbformat
import yaml
from IPython.core.displayhook import DisplayHook

ROOT = Path(__file__).resolve().parents[1]
_runs = {}  # notebook path -> {"passed": [cell numbers], "failed": bool, "seconds": s}


def _cache_path():
    """The execution cache the book's build reads: _config.yml's execute.cache."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    path = (config.get("execute") or {}).get("cache") or "_build/.jupyter_cache"
    return ROOT / path


def _is_nbval_cell(item):
    return type(item).__name__ == "IPyNbCell" and hasattr(item, "test_outputs")


def pytest_runtest_logreport(report):
    path, _, cell = report.nodeid.partition("::Cell ")
    if not cell or not path.endswith(".ipynb"):
        return
    run = _runs.setdefault(path, {"passed": set(), "failed": False, "seconds": 0.0})
    if report.failed or report.skipped:
        run["failed"] = True
    elif report.when == "call":
        run["passed"].add(int(cell))
        run["seconds"] += report.duration


def pytest_runtest_teardown(item, nextitem):
    if not _is_nbval_cell(item):
        return
    if nextitem is not None and nextitem.parent is item.parent:
        return  # not the notebook's last cell yet
    notebook_file = item.parent
    run = _runs.get(item.nodeid.partition("::Cell ")[0])
    cells = [
        it
        for it in item.session.items
        if it.parent is notebook_file and _is_nbval_cell(it)
    ]
    code_cells = [c for c in notebook_file.nb.cells if c.cell_type == "code"]
    if (
        run is None
        or run["failed"]
        or len(cells) != len(code_cells)
        or run["passed"] != {it.cell_num for it in cells}
        or any(it.test_outputs is None for it in cells)
    ):
        return
    executed = copy.deepcopy(notebook_file.nb)
    outputs = {it.cell_num: it.test_outputs for it in cells}
    for number, cell in enumerate(c for c in executed.cells if c.cell_type == "code"):
        cell.outputs = [nbformat.from_dict(o) for o in outputs[number]]
        if DisplayHook.semicolon_at_end_of_expression(cell.source):
            # nbval runs cells without storing them in IPython's history, where
            # IPython looks for a closing ";" that silences a cell's result
            cell.outputs = [
                o for o in cell.outputs if o.output_type != "execute_result"
            ]
        cell.execution_count = number + 1
        for output in cell.outputs:
            if output.output_type == "execute_result":
                output.execution_count = number + 1

    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(str(_cache_path()))
    cache.cache_notebook_bundle(
        CacheBundleIn(
            executed,
            str(Path(str(notebook_file.fspath)).resolve()),
            data={"execution_seconds": run["seconds"]},
        ),
        check_validity=False,
        overwrite=True,
    )
