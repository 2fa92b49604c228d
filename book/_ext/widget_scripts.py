"""Load the ipywidgets scripts only on pages that show a live widget.

Loaded through ``sphinx.local_extensions`` in ``_config.yml``.

When a notebook is executed, nbclient saves the state of every widget it created in
the notebook's metadata, and MyST-NB then adds that state and the widget scripts
(``nb_ipywidgets_js``: require.js and the 3.6 MB widget bundle) to the notebook's
page, whether or not any output on the page is drawn as a widget. The book's
explorers display both a live widget and a precomputed HTML version
(``helpers/widgets/static.py``), and the book prefers the HTML
(``nb_mime_priority_overrides``), so their pages show no widget view at all. For such
a page this extension drops the saved state and the widget scripts after the page is
read; a page that does show a widget view keeps them.
"""

from docutils import nodes
from sphinx.application import Sphinx

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# MyST-NB's keys for the saved widget state and the nb_ipywidgets_js files.
WIDGET_SCRIPT_KEY = "ipywidgets_"


def shows_a_widget(doctree):
    """Whether any raw HTML node of the page is a widget view (MyST-NB renders one as a
    ``<script type="application/vnd.jupyter.widget-view+json">``)."""
    return any(WIDGET_VIEW in node.astext() for node in doctree.findall(nodes.raw))


def drop_unused_widget_scripts(app: Sphinx, doctree):
    js_files = (
        getattr(app.env, "nb_metadata", {}).get(app.env.docname, {}).get("js_files")
    )
    if not js_files or shows_a_widget(doctree):
        return
    for key in [k for k in js_files if k.startswith(WIDGET_SCRIPT_KEY)]:
        del js_files[key]


def setup(app: Sphinx):
    app.connect("doctree-read", drop_unused_widget_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
