"""A small Sphinx extension for the book's HTML: fixes that keep pages free of errors.

Loaded through ``sphinx.local_extensions`` in ``_config.yml``.

Sphinx 7.4 lists an inline ``<script>`` (one added with ``app.add_js_file(None,
body=...)``) twice when an extension adds it after the builder started, because the
builder stores its name as ``None`` and later again as ``""``. sphinx-thebe adds
such a script, ``const THEBE_JS_URL = ...``, and the second copy makes the browser
report "Identifier 'THEBE_JS_URL' has already been declared" on every page. This
extension drops the repeated copy from each page's list of scripts.
"""

from sphinx.application import Sphinx


def _script_key(script):
    attributes = getattr(script, "attributes", {})
    return (
        getattr(script, "filename", script) or "",
        getattr(script, "priority", None),
        tuple(sorted(attributes.items())),
    )


def drop_repeated_scripts(app: Sphinx, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app: Sphinx):
    # After every other handler has added its page-specific scripts.
    app.connect("html-page-context", drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
