"""Feedback that never shows the hidden tests, whatever the student printed.

:class:`HideHiddenTests` replaces nbgrader's ClearHiddenTests in ``nbgrader
generate_feedback`` (see nbgrader_config.py). It

* removes the hidden-test region from the lab's own test cells (and only from them: a
  student's text that happens to contain ``### BEGIN HIDDEN TESTS`` is left alone, and
  cannot break the feedback);
* shortens the traceback of a failed test to its message, saying whether a visible test
  failed (quoting that line, which the student has) or a hidden one;
* redacts every output, of any cell, that contains a line of a hidden test (a student
  who prints ``In``, or an error message quoting a cell), with a note saying so.
"""

import re

import nbformat
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor
from traitlets import Bool, Integer, List

REDACTED = (
    "[This output is hidden from the feedback: it quoted the lab's hidden tests. "
    "Your instructor can see it in the graded notebook.]"
)


def is_lab_test(cell):
    meta = cell.metadata.get("nbgrader", {})
    return (
        cell.cell_type == "code"
        and bool(meta.get("grade"))
        and not meta.get("solution")
    )


def output_text(output):
    """Every piece of text an output shows: stream text, text data, an error's message and traceback."""
    if output.output_type == "stream":
        return output.get("text", "")
    if output.output_type == "error":
        return "\n".join(
            [
                output.get("ename", ""),
                output.get("evalue", ""),
                *output.get("traceback", []),
            ]
        )
    data = output.get("data", {})
    return "\n".join(
        v if isinstance(v, str) else "\n".join(v) if isinstance(v, list) else ""
        for k, v in data.items()
        if k.startswith("text/") or k.endswith("json")
    )


class HideHiddenTests(ClearHiddenTests):
    """Feedback: hidden tests out of the test cells, shortened tracebacks, leaking outputs redacted."""

    enforce_metadata = Bool(
        False, help="Hide hidden-test regions in any cell, graded or not"
    ).tag(config=True)
    # configurable, as in nbgrader's GetGrades, so the HTML exporter's setting reaches it quietly
    display_data_priority = List(
        NbGraderPreprocessor.display_data_priority.default_value
    ).tag(config=True)
    shortest_secret = Integer(
        8,
        help="Hidden-test lines shorter than this (`)`, `pass`) are not "
        "looked for in outputs",
    ).tag(config=True)

    @classmethod
    def visible(cls, source):
        """A test cell's source as the student version shows it."""
        cell = nbformat.v4.new_code_cell(source)
        cls()._remove_hidden_test_region(cell)
        return cell.source.strip()

    def hidden_lines(self, nb):
        """Lines of the lab's hidden tests that appear nowhere else in its cells."""
        hidden, public = set(), set()
        for cell in nb.cells:
            if not is_lab_test(cell):
                continue
            inside = False
            for line in cell.source.splitlines():
                if self.begin_test_delimeter in line or self.end_test_delimeter in line:
                    inside = self.begin_test_delimeter in line
                else:
                    (hidden if inside else public).add(line.strip())
        return {line for line in hidden - public if len(line) >= self.shortest_secret}

    def preprocess(self, nb, resources):
        secrets = self.hidden_lines(nb)
        # also as they appear inside a printed string or list (repr escapes quotes and newlines)
        self._secrets = secrets | {repr(line)[1:-1] for line in secrets}
        return super().preprocess(nb, resources)

    def _redact(self, cell):
        for k, output in enumerate(cell.outputs):
            text = output_text(output)
            if not any(secret in text for secret in self._secrets):
                continue
            if output.output_type == "error":
                output.evalue, output.traceback = (
                    REDACTED,
                    [f"{output.ename}: {REDACTED}"],
                )
            else:
                cell.outputs[k] = nbformat.v4.new_output(
                    "stream", name="stdout", text=REDACTED + "\n"
                )

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        if is_lab_test(cell) and self.begin_test_delimeter in cell.source:
            cell, resources = self._hide_tests(cell, resources, index)
        self._redact(cell)
        return cell, resources

    def _hide_tests(self, cell, resources, index):
        lines, hidden, inside = cell.source.split("\n"), set(), False
        for number, line in enumerate(lines, start=1):
            inside = inside or self.begin_test_delimeter in line
            if inside:
                hidden.add(number)
            inside = inside and self.end_test_delimeter not in line
        cell, resources = super().preprocess_cell(cell, resources, index)
        for output in cell.outputs:
            if output.output_type != "error":
                continue
            plain = re.sub(
                r"\x1b\[[0-9;]*m", "", "\n".join(output.traceback)
            )  # without colours
            frames = re.findall(
                r"Cell In\[\d+\], line (\d+)", plain
            )  # the first is this cell's
            line = int(frames[0]) if frames else None
            where = (
                f"a visible test failed, line {line}: {lines[line - 1].strip()}"
                if line and line not in hidden and line <= len(lines)
                else "a hidden test failed"
            )
            if output.ename in ("CellTimeoutError", "KeyboardInterrupt"):
                where = "the tests ran past the time limit"
            output.traceback = [
                f"{output.ename}: {output.evalue}".rstrip(": "),
                f"({where})",
            ]
        return cell, resources
