"""nbgrader preprocessors the book's grading pipeline adds (named in nbgrader_config.py).

* :class:`RestoreMissingCells` (autograde, before nbgrader's OverwriteCells): puts back
  locked cells, tests included, that a student deleted or whose id a student changed, so
  that the original tests still run. (nbgrader's ``OverwriteCells.add_missing_cells``
  fails on labs whose test cells follow a self-check cell, and a changed id makes
  nbgrader reject the whole notebook.)
* :class:`StderrIsNotFailure` (autograde, before nbgrader's SaveAutoGrades): nbgrader
  scores 0 any test cell that wrote to stderr; a warning or a progress bar is not a
  failed test, so stderr output is kept as plain output and only errors count.
"""

import nbformat
from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor


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
            cells = [
                (c.name, c.cell_type, c.source, c.locked, c.checksum)
                for c in lab_nb.source_cells
            ]
            points = {c.name: c.max_score for c in lab_nb.grade_cells}
        known = {name for name, *_ in cells}
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id is not None and grade_id not in known:
                self.log.warning(
                    "Cell %r is not part of the lab; grading it as an ordinary cell",
                    grade_id,
                )
                del cell.metadata["nbgrader"]
        present = [
            cell.metadata.get("nbgrader", {}).get("grade_id") for cell in nb.cells
        ]
        for k, (name, cell_type, source, locked, checksum) in enumerate(cells):
            if name in present or not locked or cell_type != "code":
                continue
            after = [n for n, *_ in cells[k + 1 :] if n in present]
            position = present.index(after[0]) if after else len(nb.cells)
            meta = {
                "grade": name in points,
                "grade_id": name,
                "locked": True,
                "schema_version": 3,
                "solution": False,
                "task": False,
                "checksum": checksum,
            }
            if name in points:
                meta["points"] = points[name]
            self.log.warning(
                "Cell %r is missing from the submission; putting it back", name
            )
            nb.cells.insert(
                position, nbformat.v4.new_code_cell(source, metadata={"nbgrader": meta})
            )
            present.insert(position, name)
        return nb, resources


class StderrIsNotFailure(NbGraderPreprocessor):
    """Autograde: a test cell's verdict comes from its errors, not from what it wrote to stderr.

    nbgrader gives 0 points to a test cell with any stderr output, so a correct answer
    with a tqdm progress bar, a library warning or a debug print lost its points. Here a
    test cell's stderr streams become plain-text outputs (same text, marked
    ``"dlbook": {"stderr": true}`` in their metadata); an error still scores 0.
    """

    def preprocess_cell(self, cell, resources, index):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
            return cell, resources
        outputs = []
        for output in cell.outputs:
            if output.output_type == "stream" and output.name == "stderr":
                output = nbformat.v4.new_output(
                    "display_data",
                    data={"text/plain": output.text},
                    metadata={"dlbook": {"stderr": True}},
                )
            outputs.append(output)
        cell.outputs = outputs
        return cell, resources
