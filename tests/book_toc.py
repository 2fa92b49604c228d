"""The book's table of contents, read from _toc.yml, for the tests that check its pages."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def load_yaml(path):
    """A YAML file of the repository (a path, or a name relative to its root) as Python data."""
    with open(ROOT / path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def toc_files(node=None):
    """Every ``file:`` (and the ``root:``) of _toc.yml, root first, as written there."""
    node = load_yaml("_toc.yml") if node is None else node
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("file", "root") and isinstance(value, str):
                found.append(value)
            else:
                found.extend(toc_files(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(toc_files(item))
    return found


def toc_docs():
    """Every document of _toc.yml, root first, without a .md or .ipynb extension."""
    return [re.sub(r"\.(md|ipynb)$", "", entry) for entry in toc_files()]
