"""Load the ipywidgets scripts only on pages that show a live widget.

Loaded through ``sphinx.local_extensions`` in ``_config.yml``.

When a notebook is executed, nbclient saves the state of every widget it created in
the notebook's metadata, and MyST-NB then adds that state and the widget scripts
(``nb_ipywidgets_js``: require.js and the 3.6 MB widget bundle) to the notebook's
page, whether or not any output on the page is drawn as a widget. The book's
explorers display both a live widget and a precomputed HTML version
(``helpers/widgets/static.py``), and the book prefers the HTML
(``nb_mime_priority_overrides``), so their pages show no widget view at all. For such
a page this extension drops the saved state and the widget scripts from the page's
list of scripts; a page whose HTML does show a widget view keeps them.

MyST-NB chooses which representation of an output to show only when the page is
written, so the check reads the page's finished body, in ``html-page-context``.
"""

from sphinx.application import Sphinx

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _is_widget_script(script, widget_files):
    # Sphinx stores a local script's name under _static/, as it is served.
    filename = (getattr(script, "filename", script) or "").removeprefix("_static/")
    attributes = getattr(script, "attributes", {}) or {}
    return filename in widget_files or attributes.get("type") == WIDGET_STATE


def drop_unused_widget_scripts(app: Sphinx, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts or WIDGET_VIEW in context.get("body", ""):
        return
    widget_files = set(getattr(app.config, "nb_ipywidgets_js", None) or {})
    scripts[:] = [s for s in scripts if not _is_widget_script(s, widget_files)]


def setup(app: Sphinx):
    # After MyST-NB has added the page's scripts (at the default priority, 500).
    app.connect("html-page-context", drop_unused_widget_scripts, priority=910)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
