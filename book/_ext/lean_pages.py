"""A small Sphinx extension: each page of the book loads only the scripts it uses.

Loaded through ``sphinx.local_extensions`` in ``_config.yml``. Two scripts would
otherwise come with every page:

* **MathJax.** Sphinx adds it to a page with mathematics, but it counts the pages a
  page's table of contents lists as part of it, so the home page and the labs page,
  which show no formula, load it too. Here a page keeps MathJax only when it has
  mathematics of its own, or widgets (their labels may hold LaTeX, which the widget
  scripts hand to MathJax).
* **Font Awesome's JavaScript** (1.5 MB). The theme adds it to every page "so that
  users can add custom icons": it swaps each ``<i class="fa-...">`` icon for an
  inline SVG. The theme's stylesheet already draws the same icons from Font
  Awesome's web fonts, so the book drops the script from the written pages.
* **The search index** (``searchindex.js``, which grows with every chapter, and
  Sphinx's ``searchtools.js`` and ``language_data.js`` that read it). The theme loads
  them on every page for its search-as-you-type box; the book's search box is the
  plain kind (``search_as_you_type`` is off), which opens ``search.html``, and that
  page loads them itself. Every other page drops them.

``tests/test_browser_layout.py`` checks the result in Chromium: pages without
mathematics load no MathJax, and a chapter page weighs less than 3 MB before images.
"""

import re
from pathlib import Path

from sphinx.application import Sphinx

# The theme's <script> tag for Font Awesome, as pydata-sphinx-theme writes it.
FONT_AWESOME_SCRIPT = re.compile(
    r'[ \t]*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>\n?'
)
# The theme's <script> tags for the search index and the tools that read it.
SEARCH_SCRIPTS = re.compile(
    r'[ \t]*<script src="(\.\./)*'
    r'(searchindex\.js|_static/searchtools\.js|_static/language_data\.js)[^"]*"></script>\n?'
)
SEARCH_PAGE = "search.html"
WIDGET_SCRIPT = "embed-amd.js"


def _filename(script):
    return str(getattr(script, "filename", script) or "")


def _is_mathjax(app, script):
    """The MathJax script, or the inline ``window.MathJax = {...}`` configuring it."""
    if _filename(script).endswith(app.config.mathjax_path):
        return True
    body = getattr(script, "attributes", {}).get("body", "")
    return body.startswith("window.MathJax")


def drop_mathjax_without_math(app: Sphinx, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    own_math = app.env.get_domain("math").data["has_equations"].get(pagename, False)
    has_widgets = any(_filename(script).endswith(WIDGET_SCRIPT) for script in scripts)
    if own_math or has_widgets:
        return
    scripts[:] = [script for script in scripts if not _is_mathjax(app, script)]


def drop_unused_scripts(app: Sphinx, exception):
    """Font Awesome's script from every page; the search scripts from all but search.html."""
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for page in outdir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        lean = FONT_AWESOME_SCRIPT.sub("", text)
        if page.relative_to(outdir).as_posix() != SEARCH_PAGE:
            lean = SEARCH_SCRIPTS.sub("", lean)
        if lean != text:
            page.write_text(lean, encoding="utf-8")


def setup(app: Sphinx):
    # After sphinx.ext.mathjax (priority 500) and myst-nb have added their scripts.
    app.connect("html-page-context", drop_mathjax_without_math, priority=800)
    app.connect("build-finished", drop_unused_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
