"""The built web book, checked the way readers get it.

The session builds the book once (``jupyter-book build . --all``; the execution cache
in ``_build/.jupyter_cache`` means only changed notebooks run again, so a rebuild
takes seconds), then:

* checks the built HTML directly: no warnings in the build, no page that loads an
  asset from another host, widget state saved in pages with widgets, alt text on
  every image, and a throwaway book with a notebook that raises must fail to build;
* serves ``_build/html`` on 127.0.0.1 and opens every page of the table of contents,
  and the search page, in headless Chromium driven by Playwright, recording every
  request, console message and image. The tests then assert that MathJax typeset the
  mathematics, every image loaded, the widgets rendered, search finds "gradient",
  the launch and download buttons point at the configured repository, the console
  stayed free of errors and no request left 127.0.0.1. Screenshots land in
  ``_build/screenshots/``.

The fixtures ``book``, ``site_url`` and ``chromium`` are in ``tests/conftest.py``.
The browser tests use Debian's Chromium (``/usr/bin/chromium``) or the one named by
``$DLBOOK_CHROMIUM``; where there is none they are skipped, with the reason, unless
``$DLBOOK_REQUIRE_BROWSER`` is set (``.ci/run`` sets it, so CI never skips them).
Set ``DLBOOK_REUSE_BUILD=1`` to test an existing ``_build/html`` without rebuilding.
"""

import json
import re
import shutil
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from book_site import BUILD, CHROMIUM_FLAGS, HTML, ROOT, _run_jupyter_book
from book_toc import load_yaml, toc_docs

SCREENSHOTS = BUILD / "screenshots"

PAGE_TIMEOUT_MS = 30_000
SEARCH_WORD = "gradient"
ALT_TEXT_FORMAT = '{"mystnb": {"image": {"alt": "What the figure shows, in words"}}}'


def _is_notebook(doc):
    return (ROOT / f"{doc}.ipynb").is_file()


def _built_docs():
    """The documents of the table of contents that have a page in _build/html."""
    return [doc for doc in toc_docs() if (HTML / f"{doc}.html").is_file()]


# ---------------------------------------------------------------- the build
# (the `book` fixture, which builds it, is in tests/conftest.py)


def _page_file(doc):
    return HTML / f"{doc}.html"


class _Tags(HTMLParser):
    """Collects (tag, attributes) of every start tag of an HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def _tags(path):
    parser = _Tags()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.tags


def _is_local(url):
    """Whether fetching ``url`` stays on this machine (relative URLs do)."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about", "javascript"):
        return True
    if not parts.netloc:
        return True
    return parts.hostname == "127.0.0.1"


def test_build_has_no_warnings(book):
    if not book.log:
        pytest.skip("DLBOOK_REUSE_BUILD: the build log is not available")
    problems = [
        line.strip()
        for line in book.log.splitlines()
        if re.search(r"\b(WARNING|ERROR|CRITICAL): ", line)
    ]
    assert not problems, "the book builds with warnings:\n" + "\n".join(problems)


def test_every_toc_page_was_built(book):
    missing = [doc for doc in toc_docs() if not _page_file(doc).is_file()]
    assert not missing, f"pages missing from _build/html: {missing}"


# Assets that a browser fetches by itself when it parses the page (links are not).
_ASSET_ATTRIBUTES = {
    "script": "src",
    "img": "src",
    "iframe": "src",
    "source": "src",
    "video": "src",
    "audio": "src",
    "embed": "src",
    "object": "data",
}
_FETCHED_LINK_RELS = {
    "stylesheet",
    "preload",
    "modulepreload",
    "icon",
    "shortcut",
    "prefetch",
    "apple-touch-icon",
    "manifest",
}


def test_no_page_loads_assets_from_another_host(book):
    offenders = []
    for page in sorted(book.html.rglob("*.html")):
        for tag, attrs in _tags(page):
            url = None
            if tag in _ASSET_ATTRIBUTES:
                url = attrs.get(_ASSET_ATTRIBUTES[tag])
            elif (
                tag == "link"
                and set((attrs.get("rel") or "").split()) & _FETCHED_LINK_RELS
            ):
                url = attrs.get("href")
            if url and not _is_local(url):
                offenders.append(f"{page.relative_to(book.html)}: <{tag}> {url}")
    assert not offenders, "pages load assets from other hosts:\n" + "\n".join(offenders)


def _widget_views_and_state(page_file):
    text = page_file.read_text(encoding="utf-8")
    views = re.findall(
        r'<script type="application/vnd\.jupyter\.widget-view\+json">(.*?)</script>',
        text,
        flags=re.S,
    )
    states = re.findall(
        r'<script type="application/vnd\.jupyter\.widget-state\+json">(.*?)</script>',
        text,
        flags=re.S,
    )
    return [json.loads(v) for v in views], [json.loads(s) for s in states]


def test_widget_state_is_saved_where_widgets_are_shown(book):
    pages_with_widgets = 0
    for doc in filter(_is_notebook, _built_docs()):
        views, states = _widget_views_and_state(_page_file(doc))
        if not views:
            continue
        pages_with_widgets += 1
        assert len(states) == 1, (
            f"{doc}: {len(views)} widget views but {len(states)} widget-state blocks"
        )
        models = states[0].get("state", {})
        missing = [v["model_id"] for v in views if v["model_id"] not in models]
        assert not missing, f"{doc}: widget views without saved state: {missing}"
    if (
        not pages_with_widgets
    ):  # explorers show their HTML version: test_browser_explorers.py
        pytest.skip("no page of the book shows a live widget")


def _image_cells_without_alt(doc):
    """Code cells of a chapter that output an image but set no alt text in their metadata.

    The outputs come from the execution cache (the notebook is stored without them),
    matched code cell by code cell; the metadata comes from the notebook itself.
    """
    import nbformat
    from jupyter_cache import get_cache

    nb = nbformat.read(ROOT / f"{doc}.ipynb", as_version=4)
    try:
        cache = get_cache(str(BUILD / ".jupyter_cache"))
        executed = cache.get_cache_bundle(cache.match_cache_notebook(nb).pk).nb
    except Exception:  # not in the cache (e.g. execution is off for this notebook)
        return []
    code = [
        (index, cell) for index, cell in enumerate(nb.cells) if cell.cell_type == "code"
    ]
    executed_code = [cell for cell in executed.cells if cell.cell_type == "code"]
    lacking = []
    for (index, cell), done in zip(code, executed_code):
        has_image = any(
            mime.startswith("image/")
            for output in done.get("outputs", [])
            for mime in output.get("data", {})
        )
        alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
        if has_image and not str(alt).strip():
            first_line = (cell.source.strip().splitlines() or [""])[0]
            lacking.append(f"cell {index} ({first_line[:60]!r})")
    return lacking


def _bad_alt(attrs):
    alt = (attrs.get("alt") or "").strip()
    src = attrs.get("src") or ""
    return (
        not alt
        or alt == src
        or alt == src.rsplit("/", 1)[-1]
        or alt.startswith("<Figure")
        or re.fullmatch(r"\S+\.(png|jpe?g|svg|gif|webp)", alt) is not None
    )


def test_every_image_has_alt_text(book):
    problems = []
    for doc in _built_docs():
        bad = [
            attrs.get("src", "")
            for tag, attrs in _tags(_page_file(doc))
            if tag == "img" and _bad_alt(attrs)
        ]
        if not bad:
            continue
        message = f"{doc}: {len(bad)} image(s) without real alt text"
        if _is_notebook(doc):
            cells = _image_cells_without_alt(doc)
            if cells:
                message += "; add alt text to the cell metadata of " + ", ".join(cells)
        problems.append(message)
    assert not problems, (
        "every figure needs alt text. For a notebook output, give the cell the metadata "
        f"{ALT_TEXT_FORMAT}; in Markdown use ```{{figure}}``` or ```{{image}}``` with :alt:.\n"
        + "\n".join(problems)
    )


# ---------------------------------------------------------------- a broken chapter fails the build

RAISING_NOTEBOOK = {
    "cells": [
        {
            "cell_type": "markdown",
            "metadata": {},
            "source": ["# A chapter that raises"],
        },
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": ["raise RuntimeError('deliberate failure for the build test')"],
        },
    ],
    "metadata": {
        "kernelspec": {
            "display_name": "Python 3",
            "language": "python",
            "name": "python3",
        },
        "language_info": {"name": "python"},
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}


def test_a_notebook_that_raises_fails_the_build(tmp_path):
    """The book's own _config.yml, one chapter that raises: the build must fail."""
    site = tmp_path / "book"
    site.mkdir()
    shutil.copy(ROOT / "_config.yml", site / "_config.yml")
    (site / "book").symlink_to(
        ROOT / "book", target_is_directory=True
    )  # references, assets, extension
    (site / "_toc.yml").write_text(
        "format: jb-book\nroot: start\nchapters:\n  - file: raising\n", encoding="utf-8"
    )
    (site / "start.md").write_text("# Start\n\nA two-page book.\n", encoding="utf-8")
    (site / "raising.ipynb").write_text(json.dumps(RAISING_NOTEBOOK), encoding="utf-8")

    result = _run_jupyter_book(site, 600)
    log = result.stdout + result.stderr
    assert result.returncode != 0, (
        "a notebook that raises was published:\n" + log[-3000:]
    )
    assert "deliberate failure for the build test" in log or "raising.ipynb" in log, (
        log[-3000:]
    )
    assert not (site / "_build" / "html" / "raising.html").exists()


# ---------------------------------------------------------------- the browser
# (the `chromium` and `site_url` fixtures are in tests/conftest.py)


@dataclass
class Visit:
    """What one page did in the browser."""

    path: str
    requests: list = field(default_factory=list)
    console_errors: list = field(default_factory=list)
    failed_requests: list = field(default_factory=list)
    broken_images: list = field(default_factory=list)
    math: dict = field(default_factory=dict)
    widgets: dict = field(default_factory=dict)
    launch_links: list = field(default_factory=list)
    download_links: list = field(default_factory=list)
    repository_links: list = field(default_factory=list)
    search_results: list = field(default_factory=list)
    downloads: dict = field(
        default_factory=dict
    )  # .ipynb link -> its text (None if it failed)
    chinese_font: list = field(
        default_factory=list
    )  # status of the book's Chinese font face(s)


_MATH_REPORT = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  const main = document.querySelector("main") || document.body;
  const clone = main.cloneNode(true);
  clone.querySelectorAll("pre, code, script, style, textarea, mjx-container, .highlight")
       .forEach(e => e.remove());
  const text = clone.textContent;
  const raw = text.match(/\\\\[a-zA-Z]+|\\\\\\(|\\\\\\[|\\$\\$/g) || [];
  return {
    mathjax: Boolean(window.MathJax && MathJax.version),
    source_math: main.querySelectorAll(".math").length,
    typeset: document.querySelectorAll("mjx-container").length,
    errors: Array.from(document.querySelectorAll("mjx-merror")).map(e => e.textContent).slice(0, 5),
    raw_tex: raw.slice(0, 10),
  };
}"""

CHINESE_FONT_FAMILY = "Noto Sans SC (book)"  # book/assets/cjk.css
_CHINESE_FONT_REPORT = """async () => {
  await document.fonts.ready;
  return Array.from(document.fonts).filter(f => f.family.replace(/["']/g, "") === FAMILY).map(f => f.status);
}""".replace("FAMILY", json.dumps(CHINESE_FONT_FAMILY))

_IMAGE_REPORT = """async () => {
  // Scroll through the page so that nothing waits for the viewport, then come back.
  for (let y = 0; y < document.body.scrollHeight; y += window.innerHeight) {
    window.scrollTo(0, y); await new Promise(r => setTimeout(r, 20));
  }
  window.scrollTo(0, 0);
  await Promise.all(Array.from(document.images).filter(i => !i.complete)
    .map(i => new Promise(r => { i.addEventListener("load", r); i.addEventListener("error", r);
                                 setTimeout(r, 5000); })));
  return Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))
              .map(i => i.currentSrc || i.src);
}"""


def _visit(context, site_url, path, screenshot=None):
    visit = Visit(path)
    page = context.new_page()
    page.on("request", lambda request: visit.requests.append(request.url))
    page.on(
        "console",
        lambda msg: msg.type == "error" and visit.console_errors.append(msg.text),
    )
    page.on(
        "pageerror", lambda error: visit.console_errors.append(f"uncaught: {error}")
    )
    page.on(
        "response",
        lambda r: (
            r.status >= 400 and visit.failed_requests.append(f"{r.status} {r.url}")
        ),
    )
    page.on(
        "requestfailed",
        lambda r: (
            _is_local(r.url) and visit.failed_requests.append(f"{r.failure} {r.url}")
        ),
    )
    try:
        page.goto(urljoin(site_url, path), wait_until="load", timeout=PAGE_TIMEOUT_MS)
        n_views = page.locator(
            'script[type="application/vnd.jupyter.widget-view+json"]'
        ).count()
        if n_views:
            try:
                page.wait_for_function(
                    f"document.querySelectorAll('.widget-subarea').length >= {n_views}",
                    timeout=PAGE_TIMEOUT_MS,
                )
            except Exception:  # reported by the widget test below
                pass
        if path.startswith("search.html"):
            try:
                page.wait_for_selector(
                    "#search-results ul.search li", timeout=PAGE_TIMEOUT_MS
                )
            except Exception:
                pass
            visit.search_results = page.eval_on_selector_all(
                "#search-results ul.search li a", "links => links.map(a => a.href)"
            )
        visit.math = page.evaluate(_MATH_REPORT)
        visit.chinese_font = page.evaluate(_CHINESE_FONT_REPORT)
        if screenshot:  # the top of the page as a reader first sees it
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(
                path=str(SCREENSHOTS / f"{screenshot}.png"),
                full_page=screenshot == "intro",
            )
        visit.broken_images = page.evaluate(_IMAGE_REPORT)
        try:
            page.wait_for_load_state("networkidle", timeout=10_000)
        except Exception:
            pass
        visit.widgets = page.evaluate("""() => ({
            views: document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length,
            rendered: document.querySelectorAll('.widget-subarea').length,
            controls: document.querySelectorAll('.widget-subarea .widget-slider, .widget-subarea .widget-dropdown, '
                                                + '.widget-subarea .widget-toggle-buttons, .widget-subarea .widget-checkbox').length,
            outputs_with_images: document.querySelectorAll('.widget-subarea .widget-output img').length,
        })""")
        visit.launch_links = page.eval_on_selector_all(
            ".dropdown-launch-buttons a", "a => a.map(x => x.href)"
        )
        visit.download_links = page.eval_on_selector_all(
            ".dropdown-download-buttons a", "a => a.map(x => x.href)"
        )
        visit.repository_links = page.eval_on_selector_all(
            ".btn-source-repository-button", "a => a.map(x => x.href)"
        )
        if screenshot:
            if visit.widgets.get("rendered"):
                widget = page.locator(".widget-subarea").first
                widget.scroll_into_view_if_needed()
                widget.screenshot(path=str(SCREENSHOTS / f"{screenshot}-widget.png"))
    finally:
        page.close()
    return visit


@pytest.fixture(scope="session")
def visits(book, site_url, chromium, tmp_path_factory):
    """Every page of the table of contents, and a search, opened in headless Chromium."""
    from playwright.sync_api import sync_playwright

    docs = toc_docs()
    chapters = [d for d in docs if d.startswith("notebooks/")]
    shots = {
        docs[0]: "intro",
        "book/glossary": "glossary",
        f"search.html?q={SEARCH_WORD}": "search",
    }
    if chapters:
        shots[chapters[0]] = "chapter"
    paths = [f"{doc}.html" for doc in docs] + [f"search.html?q={SEARCH_WORD}"]

    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
    profile = tmp_path_factory.mktemp("chromium-profile")
    results = {}
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 900},
            service_workers="block",
        )
        # Record every request; let none leave the machine.
        outside = []
        context.route(
            lambda url: not _is_local(url),
            lambda route: (outside.append(route.request.url), route.abort()),
        )
        try:
            for path in paths:
                doc = path.removesuffix(".html")
                results[path] = _visit(
                    context, site_url, path, screenshot=shots.get(doc, shots.get(path))
                )
            # Fetch each download link once, as a reader would.
            for visit in results.values():
                for link in visit.download_links:
                    if link.endswith(".ipynb") and _is_local(link):
                        response = context.request.get(link)
                        visit.downloads[link] = response.text() if response.ok else None
        finally:
            context.close()
    results["(blocked)"] = Visit("(blocked)", requests=outside)
    return results


def test_no_request_leaves_localhost(visits):
    outside = {
        path: [u for u in v.requests if not _is_local(u)] for path, v in visits.items()
    }
    outside = {path: urls for path, urls in outside.items() if urls}
    assert not outside, f"requests to other hosts: {json.dumps(outside, indent=1)}"


def test_no_console_errors(visits):
    errors = {path: v.console_errors for path, v in visits.items() if v.console_errors}
    assert not errors, f"console errors: {json.dumps(errors, indent=1)}"


def test_every_local_request_succeeds(visits):
    failed = {
        path: v.failed_requests for path, v in visits.items() if v.failed_requests
    }
    assert not failed, f"failed requests: {json.dumps(failed, indent=1)}"


def test_every_image_loads(visits):
    broken = {path: v.broken_images for path, v in visits.items() if v.broken_images}
    assert not broken, f"images that did not load: {json.dumps(broken, indent=1)}"
    assert sum(1 for v in visits.values() if v.path.startswith("notebooks/")) >= 1


def test_math_is_typeset(visits):
    with_math = {
        path: v.math for path, v in visits.items() if v.math.get("source_math")
    }
    assert with_math, "no page has any mathematics to typeset"
    problems = {}
    for path, math in with_math.items():
        if not math["mathjax"]:
            problems[path] = "MathJax did not load"
        elif math["typeset"] < math["source_math"]:
            problems[path] = (
                f"only {math['typeset']} of {math['source_math']} formulas typeset"
            )
        elif math["errors"]:
            problems[path] = f"TeX errors: {math['errors']}"
    # Sphinx's search page quotes each hit's text as the page source has it, formulas as TeX
    # (the maths refresher's first "gradient" sits next to one); every page itself must show none.
    raw = {
        path: v.math.get("raw_tex")
        for path, v in visits.items()
        if v.math.get("raw_tex") and not path.startswith("search.html")
    }
    assert not problems, f"mathematics not typeset: {json.dumps(problems, indent=1)}"
    assert not raw, (
        f"raw TeX left in the text: {json.dumps(raw, indent=1, ensure_ascii=False)}"
    )


def test_widgets_render(visits):
    with_widgets = {
        path: v.widgets for path, v in visits.items() if v.widgets.get("views")
    }
    if not with_widgets:  # explorers show their HTML version: test_browser_explorers.py
        pytest.skip("no page of the book shows a live widget")
    unrendered = {
        path: w for path, w in with_widgets.items() if w["rendered"] < w["views"]
    }
    assert not unrendered, f"widgets that did not render: {unrendered}"
    assert any(w["controls"] for w in with_widgets.values()), (
        f"no slider or other control was drawn: {with_widgets}"
    )


def test_search_finds_gradient(visits):
    results = visits[f"search.html?q={SEARCH_WORD}"].search_results
    assert results, f"searching for {SEARCH_WORD!r} found nothing"
    assert any("/notebooks/" in link for link in results), (
        f"searching for {SEARCH_WORD!r} found no chapter: {results}"
    )


@pytest.fixture(scope="module")
def repository():
    config = load_yaml("_config.yml")
    repo, launch = config["repository"], config["launch_buttons"]
    owner_name = urlsplit(repo["url"]).path.strip("/")
    return {
        "url": repo["url"],
        "branch": repo["branch"],
        "owner_name": owner_name,
        "prefix": (repo.get("path_to_book") or "").strip("/"),
        **launch,
    }


def test_launch_buttons_point_at_the_repository(visits, repository):
    notebook_docs = [d for d in toc_docs() if _is_notebook(d)]
    assert notebook_docs
    r = repository
    for doc in notebook_docs:
        visit = visits[f"{doc}.html"]
        path = "/".join(p for p in (r["prefix"], f"{doc}.ipynb") if p)
        links = visit.launch_links
        colab = [u for u in links if u.startswith(r["colab_url"])]
        assert colab == [
            f"{r['colab_url']}/github/{r['owner_name']}/blob/{r['branch']}/{path}"
        ], (doc, links)
        binder = [u for u in links if u.startswith(r["binderhub_url"])]
        assert len(binder) == 1 and binder[0].startswith(
            f"{r['binderhub_url']}/v2/gh/{r['owner_name']}/{r['branch']}?"
        ), (doc, links)
        assert binder[0].endswith(path), (doc, binder)
        if r.get("jupyterhub_url"):
            hub = [u for u in links if u.startswith(r["jupyterhub_url"])]
            assert len(hub) == 1, (doc, links)
            query = parse_qs(urlsplit(hub[0]).query)
            assert query["repo"] == [r["url"]] and query["branch"] == [r["branch"]], (
                doc,
                hub,
            )
            assert query["urlpath"][0].endswith(path), (doc, hub)
        assert visit.repository_links == [r["url"]], (doc, visit.repository_links)


def test_download_button_gives_the_notebook(visits, book):
    for doc in filter(_is_notebook, toc_docs()):
        visit = visits[f"{doc}.html"]
        notebooks = {link: text for link, text in visit.downloads.items()}
        assert len(notebooks) == 1, (
            f"{doc}: expected one .ipynb download, found {visit.download_links}"
        )
        ((link, text),) = notebooks.items()
        assert text is not None, f"{doc}: downloading {link} failed"
        downloaded = json.loads(text)
        assert downloaded.get("nbformat") == 4 and downloaded.get("cells"), (
            f"{doc}: {link} is not a notebook"
        )
        source_file = ROOT / f"{doc}.ipynb"
        if (
            source_file.stat().st_mtime < book.started
        ):  # else it was edited after the build
            source = json.loads(source_file.read_text(encoding="utf-8"))
            assert downloaded == source, (
                f"{doc}: the download is not the notebook {doc}.ipynb"
            )


def test_chinese_terms_use_the_books_own_font(visits):
    """The glossary's Chinese must not depend on the reader's fonts: the shipped subset loads."""
    glossary = visits["book/glossary.html"]
    assert glossary.chinese_font == ["loaded"], (
        f"the Chinese font {CHINESE_FONT_FAMILY!r} did not load on the glossary page: {glossary.chinese_font}"
    )
    # every page names the glossary (术语表) in its navigation, so the font is used everywhere
    failed = {
        path: v.chinese_font
        for path, v in visits.items()
        if v.chinese_font and v.chinese_font != ["loaded"]
    }
    assert not failed, f"the Chinese font did not load on: {failed}"


def test_screenshots_were_saved(visits):
    for name in ("intro", "chapter"):
        shot = SCREENSHOTS / f"{name}.png"
        assert shot.is_file() and shot.stat().st_size > 10_000, (
            f"{shot} missing or empty"
        )
