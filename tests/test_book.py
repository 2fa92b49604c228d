"""Fast checks that the book's configuration, notebooks and docs agree (no build).

The repository URL and branch are written once, in ``_config.yml``; everything
else (every notebook's setup cell, the Colab install line) must match them.
"""

import hashlib
import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]

TEST_COMMAND = "pip install -r requirements.txt && pytest"
BUILD_COMMAND = "pip install -r requirements.txt && jupyter-book build ."
MATHJAX_PATH = "mathjax/tex-chtml-full.js"
STATIC_DIR = "book/assets"

SETUP_CELL_TEMPLATE = """\
# Setup: on Colab, install the book's helpers package; everywhere, seed and pick a device.
import sys
if "google.colab" in sys.modules:
    %pip install -q "{install_url}"
from helpers.runtime import setup
device = setup(seed=0)"""

CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))
LABS = sorted((ROOT / "labs").glob("*/*.ipynb"))
ALL_NOTEBOOKS = CHAPTERS + LABS


def _ids(paths):
    return [str(p.relative_to(ROOT)) for p in paths]


def _load_yaml(name):
    with open(ROOT / name, encoding="utf-8") as f:
        return yaml.safe_load(f)


@pytest.fixture(scope="module")
def config():
    return _load_yaml("_config.yml")


@pytest.fixture(scope="module")
def install_url(config):
    repo = config["repository"]
    return f"git+{repo['url']}@{repo['branch']}"


def _read_notebook(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _fenced_code(markdown):
    """All lines inside ``` fenced code blocks of a Markdown text."""
    lines, inside = [], False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            inside = not inside
            continue
        if inside:
            lines.append(line.strip())
    return lines


# ---------------------------------------------------------------- configuration

def test_config_names_the_repository(config):
    repo = config["repository"]
    assert repo["url"] == "https://github.com/scratch-to-scale/deep-learning-book"
    assert repo["branch"] == "main"


def test_config_fails_the_build_on_notebook_errors(config):
    assert config["execute"]["allow_errors"] is False
    assert config["sphinx"]["config"]["nb_execution_raise_on_error"] is True


def test_config_keeps_labs_and_non_pages_out_of_the_book(config):
    excluded = set(config["exclude_patterns"])
    for pattern in ("labs/**", "helpers/**", "tests/**", "README.md", "book/assets/**"):
        assert pattern in excluded, f"{pattern!r} missing from exclude_patterns"


# ---------------------------------------------------------------- notebooks

def test_there_is_at_least_one_chapter():
    assert CHAPTERS, "no notebooks found in notebooks/"


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=_ids(ALL_NOTEBOOKS))
def test_first_code_cell_is_the_setup_cell(path, install_url):
    nb = _read_notebook(path)
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code, f"{path.name} has no code cells"
    first = _source(code[0]).strip()

    installs = re.findall(r'%pip install -q "([^"]+)"', first)
    assert installs == [install_url], (
        f"{path.name}: setup cell installs {installs}, expected {install_url!r} "
        "(built from repository.url and repository.branch in _config.yml)")
    assert first == SETUP_CELL_TEMPLATE.format(install_url=install_url), (
        f"{path.name}: the first code cell is not exactly the book's setup cell")


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=_ids(ALL_NOTEBOOKS))
def test_notebook_is_stored_without_outputs(path):
    nb = _read_notebook(path)
    dirty = [i for i, c in enumerate(nb["cells"])
             if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, (
        f"{path.relative_to(ROOT)} is stored with outputs or execution counts in code cells "
        f"{dirty}; clear them (e.g. `jupyter nbconvert --clear-output --inplace {path.relative_to(ROOT)}`)")


# ---------------------------------------------------------------- table of contents

def _toc_files(node):
    """Every `file:` entry of a sphinx-external-toc tree, in order."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("file", "root") and isinstance(value, str):
                found.append(value)
            else:
                found.extend(_toc_files(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_toc_files(item))
    return found


def test_every_toc_entry_exists():
    entries = _toc_files(_load_yaml("_toc.yml"))
    assert entries and entries[0] == "book/intro"
    missing = [e for e in entries
               if not any((ROOT / (e + ext)).is_file() for ext in ("", ".md", ".ipynb"))]
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"
    assert not [e for e in entries if e.startswith("labs/")], "labs contain solutions; keep them out of the book"


def test_every_chapter_is_in_the_toc():
    entries = {re.sub(r"\.(md|ipynb)$", "", e) for e in _toc_files(_load_yaml("_toc.yml"))}
    unlisted = [p.name for p in CHAPTERS if f"notebooks/{p.stem}" not in entries]
    assert not unlisted, f"notebooks missing from _toc.yml: {unlisted}"


# ---------------------------------------------------------------- README and CI

def test_readme_gives_the_build_and_test_commands():
    code = _fenced_code((ROOT / "README.md").read_text(encoding="utf-8"))
    assert BUILD_COMMAND in code
    assert TEST_COMMAND in code
    assert "_build/html/index.html" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_ci_runs_the_readme_test_command():
    script = ROOT / ".ci" / "run"
    lines = [line.strip() for line in script.read_text(encoding="utf-8").splitlines()]
    assert TEST_COMMAND in lines
    assert "set -euo pipefail" in lines


# ---------------------------------------------------------------- math without a CDN

def test_mathjax_is_vendored_and_matches_its_checksum(config):
    sphinx = config["sphinx"]["config"]
    assert sphinx["mathjax_path"] == MATHJAX_PATH
    assert STATIC_DIR in sphinx["html_static_path"]
    assert "://" not in sphinx["mathjax_path"]

    script = ROOT / STATIC_DIR / MATHJAX_PATH
    assert script.is_file(), f"{script.relative_to(ROOT)} is missing"
    fonts = list((script.parent / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))
    assert fonts, "MathJax's woff-v2 fonts are missing next to the script"

    notes = (ROOT / STATIC_DIR / "README.md").read_text(encoding="utf-8")
    recorded = re.findall(r"\b[0-9a-f]{64}\b", notes)
    assert recorded, "book/assets/README.md records no sha256"
    actual = hashlib.sha256(script.read_bytes()).hexdigest()
    assert actual in recorded, f"sha256 of {script.name} is {actual}, README records {recorded}"
