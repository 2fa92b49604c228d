"""Fast checks that the book's configuration, notebooks and docs agree (no build).

The repository URL and branch are written once, in ``_config.yml``; everything
else (every notebook's setup cell, the Colab install line) must match them.
"""

import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from book_toc import load_yaml, toc_docs, toc_files

ROOT = Path(__file__).resolve().parents[1]

TEST_COMMAND = "pip install -r requirements.txt && pytest"
BUILD_COMMAND = "pip install -r requirements.txt && jupyter-book build ."
MATHJAX_PATH = "mathjax/startup.js"  # MathJax's loader; it loads the components below
STATIC_DIR = "book/assets"

SETUP_CELL_TEMPLATE = """\
# Setup: on Colab, install the book's helpers package;
# everywhere, seed and pick a device.
import sys

if "google.colab" in sys.modules:
    %pip install -q "{install_url}"
from helpers.runtime import setup

device = setup(seed=0)"""

CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))
LABS = sorted((ROOT / "labs").glob("*/*.ipynb"))
STUDENT_LABS = sorted(
    (ROOT / "book" / "labs").glob("*.ipynb")
)  # what the book's launch buttons open
ALL_NOTEBOOKS = CHAPTERS + LABS + STUDENT_LABS


def _ids(paths):
    return [str(p.relative_to(ROOT)) for p in paths]


@pytest.fixture(scope="module")
def config():
    return load_yaml("_config.yml")


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
        "(built from repository.url and repository.branch in _config.yml)"
    )
    assert first == SETUP_CELL_TEMPLATE.format(install_url=install_url), (
        f"{path.name}: the first code cell is not exactly the book's setup cell"
    )


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=_ids(ALL_NOTEBOOKS))
def test_notebook_is_stored_without_outputs(path):
    nb = _read_notebook(path)
    dirty = [
        i
        for i, c in enumerate(nb["cells"])
        if c["cell_type"] == "code"
        and (c.get("outputs") or c.get("execution_count") is not None)
    ]
    assert not dirty, (
        f"{path.relative_to(ROOT)} is stored with outputs or execution counts in code cells "
        f"{dirty}; clear them (e.g. `jupyter nbconvert --clear-output --inplace {path.relative_to(ROOT)}`)"
    )


# ---------------------------------------------------------------- table of contents


def test_every_toc_entry_exists():
    entries = toc_files()
    assert entries and entries[0] == "book/intro"
    missing = [
        e
        for e in entries
        if not any((ROOT / (e + ext)).is_file() for ext in ("", ".md", ".ipynb"))
    ]
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"
    assert not [e for e in entries if e.startswith("labs/")], (
        "labs contain solutions; keep them out of the book"
    )


def test_every_chapter_is_in_the_toc():
    entries = set(toc_docs())
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
    fonts = list(
        (script.parent / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff")
    )
    assert fonts, "MathJax's woff-v2 fonts are missing next to the script"

    # The loader fetches core.js, each component listed in the configuration, and the
    # font data of the CommonHTML output; every one must be here, with its checksum.
    components = sphinx["mathjax3_config"]["loader"]["load"]
    assert "input/tex" in components and "output/chtml" in components, components
    files = [MATHJAX_PATH, "mathjax/core.js", "mathjax/output/chtml/fonts/tex.js"]
    files += [f"mathjax/{component}.js" for component in components]
    notes = (ROOT / STATIC_DIR / "README.md").read_text(encoding="utf-8")
    recorded = re.findall(r"\b[0-9a-f]{64}\b", notes)
    assert recorded, "book/assets/README.md records no sha256"
    for path in files:
        file = ROOT / STATIC_DIR / path
        assert file.is_file(), f"{file.relative_to(ROOT)} is missing"
        actual = hashlib.sha256(file.read_bytes()).hexdigest()
        assert actual in recorded, (
            f"sha256 of {path} is {actual}, book/assets/README.md does not record it"
        )
    extensions = list((script.parent / "input" / "tex" / "extensions").glob("*.js"))
    assert any(e.name == "boldsymbol.js" for e in extensions), (
        "TeX extensions (loaded on demand, e.g. for \\boldsymbol) are missing"
    )


# ---------------------------------------------------------------- widgets without a CDN


def test_widget_scripts_are_vendored_and_match_their_checksums(config):
    """myst-nb would load require.js and the widget manager from two CDNs."""
    scripts = config["sphinx"]["config"]["nb_ipywidgets_js"]
    assert scripts, (
        "nb_ipywidgets_js is empty: widget pages would fall back to the CDN defaults"
    )
    notes = (ROOT / STATIC_DIR / "README.md").read_text(encoding="utf-8")
    recorded = set(re.findall(r"\b[0-9a-f]{64}\b", notes))
    for path, attributes in scripts.items():
        assert "://" not in path and not path.startswith("//"), (
            f"{path} is not a local file"
        )
        for value in (attributes or {}).values():
            assert "://" not in str(value), (
                f"{path} has an attribute pointing elsewhere: {value}"
            )
        script = ROOT / STATIC_DIR / path
        assert script.is_file(), f"{script.relative_to(ROOT)} is missing"
        if path.endswith("embed-amd.js") or path.endswith("require.js"):
            digest = hashlib.sha256(script.read_bytes()).hexdigest()
            assert digest in recorded, (
                f"sha256 of {path} is {digest}; book/assets/README.md does not record it"
            )
    names = list(scripts)
    assert any(n.endswith("require.js") for n in names) and names[-1].endswith(
        "embed-amd.js"
    ), "require.js must load first and embed-amd.js last"
    fonts = list((ROOT / STATIC_DIR / "widgets").glob("*.woff2"))
    assert fonts, "the widget bundle's icon fonts are missing next to embed-amd.js"


# ---------------------------------------------------------------- Chinese without a system font


@pytest.fixture(scope="module")
def cjk_font():
    """book/tools/cjk_font.py, which makes the font and knows which characters the book uses."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "cjk_font", ROOT / "book" / "tools" / "cjk_font.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_chinese_font_is_vendored_and_matches_its_checksum(config, cjk_font):
    assert cjk_font.FONT.is_file(), f"{cjk_font.FONT.relative_to(ROOT)} is missing"
    assert (cjk_font.FONT.parent / "OFL.txt").is_file(), (
        "the font's licence, fonts/OFL.txt, is missing"
    )
    notes = (ROOT / STATIC_DIR / "README.md").read_text(encoding="utf-8")
    digest = hashlib.sha256(cjk_font.FONT.read_bytes()).hexdigest()
    assert digest in notes, (
        f"sha256 of {cjk_font.FONT.name} is {digest}; book/assets/README.md does not record it"
    )
    css_name = "cjk.css"
    assert css_name in config["sphinx"]["config"]["html_css_files"]
    css = (ROOT / STATIC_DIR / css_name).read_text(encoding="utf-8")
    assert f'url("fonts/{cjk_font.FONT.name}")' in css
    declared = re.search(r"unicode-range:\s*([^;]+);", css).group(1)
    expected = ", ".join(f"U+{lo:04X}-{hi:04X}" for lo, hi in cjk_font.CJK_RANGES)
    assert declared.strip() == expected, (
        f"cjk.css maps {declared!r} to the font, the subset covers {expected!r}"
    )


def test_chinese_font_has_every_chinese_character_of_the_book(cjk_font):
    used = cjk_font.book_cjk_characters()
    assert "反" in used and "术" in used, "the glossary's Chinese terms were not found"
    missing = sorted(set(used) - cjk_font.font_characters())
    assert not missing, (
        f"the book's Chinese font has no glyph for {''.join(missing)!r}: regenerate it "
        "as book/tools/cjk_font.py explains"
    )


# ---------------------------------------------------------------- glossary and bibliography

GLOSSARY = ROOT / "book" / "glossary.md"
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# Terms the book cannot do without, with the Chinese term readers will meet elsewhere.
KEY_TERMS = {
    "backpropagation": "反向传播",
    "gradient descent": "梯度下降",
    "loss function": "损失函数",
    "learning rate": "学习率",
    "overfitting": "过拟合",
    "activation function": "激活函数",
    "cross-entropy": "交叉熵",
    "logistic regression": "逻辑回归",
    "convolution": "卷积",
    "attention": "注意力机制",
    "gradient": "梯度",
    "stochastic gradient descent": "随机梯度下降",
    "linear regression": "线性回归",
    "mean squared error": "均方误差",
    "softmax": "softmax 函数",
}


def _glossary_entries():
    """[(terms, definition)] of the {glossary} directive in book/glossary.md."""
    text = GLOSSARY.read_text(encoding="utf-8")
    block = re.search(r"^```\{glossary\}\n(.*?)^```", text, flags=re.S | re.M)
    assert block, "book/glossary.md has no ```{glossary} block"
    entries, terms, definition = [], [], []
    for line in block.group(1).splitlines():
        if line.startswith(":") or not line.strip():
            continue
        if line[0].isspace():
            definition.append(line.strip())
        else:
            if definition:
                entries.append((terms, " ".join(definition)))
                terms, definition = [], []
            terms.append(line.strip())
    if terms:
        entries.append((terms, " ".join(definition)))
    return entries


def test_glossary_gives_each_term_in_english_and_chinese():
    entries = _glossary_entries()
    assert len(entries) >= 40, f"the glossary has only {len(entries)} entries"
    problems = []
    for terms, definition in entries:
        chinese = [t for t in terms if CJK.search(t)]
        if CJK.search(terms[0]):
            problems.append(f"{terms}: the first term should be the English one")
        if len(chinese) != 1 or terms[-1] != chinese[0]:
            problems.append(
                f"{terms}: needs exactly one Chinese term, on the last line"
            )
        if not definition:
            problems.append(f"{terms}: no definition")
        elif not re.search(r"Chapter \d+", definition):
            problems.append(
                f"{terms}: the definition does not say which chapter introduces it"
            )
    assert not problems, "\n".join(problems)
    pairs = {terms[0].lower(): terms[-1] for terms, _ in entries}
    for english, chinese in KEY_TERMS.items():
        assert pairs.get(english) == chinese, (
            f"glossary: {english!r} should be given as {chinese!r}"
        )
    seen = [t.lower() for terms, _ in entries for t in terms]
    assert len(seen) == len(set(seen)), "a term appears twice in the glossary"


def _markdown_sources():
    """(name, text) of every Markdown page and notebook Markdown cell of the book."""
    for page in sorted((ROOT / "book").rglob("*.md")):
        if "assets" not in page.parts:
            yield str(page.relative_to(ROOT)), page.read_text(encoding="utf-8")
    for nb_path in sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted(
        (ROOT / "book" / "labs").glob("*.ipynb")
    ):
        nb = _read_notebook(nb_path)
        text = "\n".join(
            _source(c) for c in nb["cells"] if c["cell_type"] == "markdown"
        )
        yield str(nb_path.relative_to(ROOT)), text


def _without_code(text):
    """Text with inline code removed but roles kept: `{term}` in code shows the syntax, it is no link."""
    return re.sub(
        r"(\{[\w:-]+\}`[^`]*`)|``.+?``|`[^`\n]*`", lambda m: m.group(1) or "", text
    )


def _role_targets(text, role):
    text = _without_code(text)
    targets = []
    for body in re.findall(r"\{" + role + r"\}`([^`]+)`", text):
        match = re.search(r"<([^<>]+)>\s*$", body)
        targets.append((match.group(1) if match else body).strip())
    return targets


def test_term_links_name_glossary_entries():
    known = {t.lower() for terms, _ in _glossary_entries() for t in terms}
    unknown = [
        (name, target)
        for name, text in _markdown_sources()
        for target in _role_targets(text, "term")
        if target.lower() not in known
    ]
    assert not unknown, (
        f"{{term}} links to terms the glossary does not define: {unknown}"
    )


def _bib_keys():
    text = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    return set(re.findall(r"^@\w+\{([^,\s]+),", text, flags=re.M))


def test_citations_name_entries_of_references_bib():
    keys = _bib_keys()
    cited = {}
    for name, text in _markdown_sources():
        for body in re.findall(r"\{cite(?::[a-z]+)?\}`([^`]+)`", _without_code(text)):
            for key in body.split(","):
                cited.setdefault(key.strip(), name)
    missing = {key: name for key, name in cited.items() if key not in keys}
    assert not missing, f"cited but not in book/references.bib: {missing}"
    for key in ("rumelhart1986", "lecun1998", "hochreiter1997", "vaswani2017"):
        assert key in cited, f"{key} is in the bibliography but cited nowhere"


def test_references_bib_parses_with_every_key_once():
    """A brace lost when two people append entries would otherwise surface only as a build warning."""
    from pybtex.database import parse_string

    text = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    entries = re.split(r"(?m)^(?=@)", text)
    unbalanced = [
        entry.split(",", 1)[0]
        for entry in entries
        if entry.count("{") != entry.count("}")
    ]
    assert not unbalanced, f"entries with unbalanced braces: {unbalanced}"
    keys = re.findall(r"^@\w+\{([^,\s]+),", text, flags=re.M)
    assert len(keys) == len(set(keys)), (
        "an entry key appears twice in book/references.bib"
    )
    assert len(parse_string(text, "bibtex").entries) == len(keys)


def test_bibliography_labels_are_unique_and_arxiv_ids_are_not_restated():
    """Two works by one author in one year are "2015a" and "2015b", never both "2015a"."""
    import importlib.util

    from pybtex.database import parse_string

    spec = importlib.util.spec_from_file_location(
        "author_year_bibliography",
        ROOT / "book" / "_ext" / "author_year_bibliography.py",
    )
    style = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(style)
    text = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    entries = list(parse_string(text, "bibtex").entries.values())
    labels = list(style.AuthorYearLabelStyle().format_labels(entries))
    repeated = [label for label, n in Counter(labels).items() if n > 1]
    assert not repeated, f"bibliography labels given to more than one work: {repeated}"
    three = parse_string(
        "".join(
            f"@misc{{k{i}, author={{Karpathy, Andrej}}, title={{T{i}}}, year={{2015}}}}\n"
            for i in range(3)
        ),
        "bibtex",
    ).entries.values()
    assert list(style.AuthorYearLabelStyle().format_labels(list(three))) == [
        "Karpathy, 2015a",
        "Karpathy, 2015b",
        "Karpathy, 2015c",
    ]
    for entry in entries:
        eprint = entry.fields.get("eprint")
        for name in ("journal", "booktitle"):
            assert not (eprint and eprint in entry.fields.get(name, "")), (
                f"{entry.key}: the {name} repeats arXiv:{eprint}; make it a @misc with the eprint"
            )


def test_glossary_terms_each_follow_an_empty_line():
    """Sphinx warns when a term line follows a definition directly."""
    lines = (ROOT / "book" / "glossary.md").read_text(encoding="utf-8").splitlines()
    start = lines.index("```{glossary}")
    end = lines.index("```", start)
    glued = [
        f"line {n + 1}: {line!r}"
        for n, line in enumerate(lines[start + 1 : end], start=start + 1)
        if line and not line.startswith(" ") and lines[n - 1].startswith("  ")
    ]
    assert not glued, "glossary terms with no empty line before them:\n" + "\n".join(
        glued
    )


def test_intro_shows_the_path_from_regression_to_attention_and_scale():
    intro = (ROOT / "book" / "intro.md").read_text(encoding="utf-8")
    steps = re.findall(r"^\d+\.\s+\*\*([^*]+)\*\*", intro, flags=re.M)
    assert steps and steps[0].lower().startswith("linear regression"), steps
    assert any("attention" in s.lower() for s in steps) and steps[
        -1
    ].lower().startswith("scale"), steps
    for chapter in CHAPTERS:
        assert f"notebooks/{chapter.stem}" in intro, (
            f"the intro does not link {chapter.name}"
        )


# ---------------------------------------------------------------- one title per lab


def _first_heading(notebook):
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "markdown":
            match = re.search(r"^# (.+)$", "".join(cell["source"]), flags=re.M)
            if match:
                return match.group(1).strip()
    return None


def test_each_lab_has_the_same_title_in_the_labs_table_and_on_its_page():
    table = (ROOT / "book" / "labs.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| \[([^\]]+)\]\(labs/(\w+)\.ipynb\)", table, flags=re.M)
    lab_ids = sorted(
        path.parent.name
        for path in (ROOT / "labs").glob("*/*.ipynb")
        if path.stem == path.parent.name
    )
    assert sorted(lab_id for _, lab_id in rows) == lab_ids, (rows, lab_ids)
    for title, lab_id in rows:
        student = _first_heading(ROOT / "book" / "labs" / f"{lab_id}.ipynb")
        source = _first_heading(ROOT / "labs" / lab_id / f"{lab_id}.ipynb")
        assert title == student == source, (
            f"{lab_id}: the labs table says {title!r}, the student version {student!r}, "
            f"the source {source!r}"
        )
