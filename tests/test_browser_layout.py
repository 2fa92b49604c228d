"""The built web book on a phone, and what each page costs to load.

Opens every page of the table of contents in headless Chromium (the fixtures ``book``,
``site_url`` and ``chromium`` of tests/conftest.py) and checks:

* at 390 px, the width of a phone, no page scrolls sideways, and every slider (an
  ``<input type="range">`` or an ipywidgets slider) is at least 150 px long;
* each page, loaded into an empty browser cache, weighs what it should: a chapter page
  less than 3 MB before images, pages without mathematics load no MathJax, and no page
  loads Font Awesome's 1.5 MB script;
* the page shows one search box, not two; each lab has the same title in the labs
  table as on its own page; the bibliography labels its works by author and year, as
  the text cites them, and shows each arXiv identifier once.

Like tests/test_browser.py, these tests skip where there is no Chromium unless
``$DLBOOK_REQUIRE_BROWSER`` is set.
"""

import re
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from book_site import CHROMIUM_FLAGS, HTML
from book_toc import toc_docs

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PAGE_TIMEOUT_MS = 30_000
MIN_SLIDER_PX = 150
CHAPTER_LIMIT_BYTES = 3_000_000
MATHJAX_FOLDER = "/_static/mathjax/"
FONT_AWESOME_SCRIPT = "/_static/scripts/fontawesome.js"
# The widget manager that draws ipywidgets' saved state (book/assets/README.md). It is
# needed, and loaded, only on a page that shows saved ipywidgets; the weight limit below
# is about everything else a page loads.
WIDGET_MANAGER_FILES = ("/_static/requirejs/", "/_static/widgets/")

# Every slider on the page and how long it is: ipywidgets' track, or a range input.
_SLIDERS = """() => Array.from(document.querySelectorAll(
    '.widget-hslider .slider-container, input[type="range"]'))
  .filter(e => e.offsetParent !== null)
  .map(e => ({what: e.matches('input') ? 'input[type=range]' : 'ipywidgets slider',
              near: (e.closest('.widget-hslider, label, div') || e)
                      .textContent.trim().slice(0, 40),
              width: Math.round(e.getBoundingClientRect().width)}))"""

# What sticks out past the right edge of the window (for the failure message).
_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const sticking = [];
  for (const e of document.querySelectorAll('article *')) {
    const box = e.getBoundingClientRect();
    const inside = sticking.some(s => s.element.contains(e));
    if (box.width > 0 && box.right > width + 1 && !inside) {
      const tag = `<${e.tagName.toLowerCase()} class="${e.className}">`;
      const text = (e.textContent || '').trim().slice(0, 50);
      sticking.push({element: e,
                     text: `${tag} ${text} (right edge ${Math.round(box.right)} px)`});
    }
  }
  return {scroll_width: document.documentElement.scrollWidth, client_width: width,
          sticking: sticking.slice(0, 5).map(s => s.text)};
}"""


def _pages():
    return [f"{doc}.html" for doc in toc_docs()]


def _browser_context(playwright, chromium, viewport):
    browser = playwright.chromium.launch(
        executable_path=chromium, headless=True, args=CHROMIUM_FLAGS
    )
    return browser, browser.new_context(viewport=viewport, service_workers="block")


def _open(context, site_url, path):
    page = context.new_page()
    page.goto(urljoin(site_url, path), wait_until="load", timeout=PAGE_TIMEOUT_MS)
    try:
        page.wait_for_load_state("networkidle", timeout=10_000)
    except Exception:  # a page that keeps polling still gets measured
        pass
    return page


@pytest.fixture(scope="module")
def phone(book, site_url, chromium):
    """Every page at 390 px: how wide it scrolls, and its sliders."""
    from playwright.sync_api import sync_playwright

    results = {}
    with sync_playwright() as playwright:
        browser, context = _browser_context(playwright, chromium, PHONE)
        try:
            for path in _pages():
                page = _open(context, site_url, path)
                results[path] = {
                    "overflow": page.evaluate(_OVERFLOW),
                    "sliders": page.evaluate(_SLIDERS),
                }
                page.close()
        finally:
            browser.close()
    return results


@pytest.fixture(scope="module")
def weights(book, site_url, chromium):
    """Every page loaded into an empty cache: the bytes of each file it fetched."""
    from playwright.sync_api import sync_playwright

    results = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_FLAGS
        )
        try:
            for path in _pages():
                context = browser.new_context(viewport=DESKTOP, service_workers="block")
                fetched = []

                def record(request, fetched=fetched):
                    sizes = request.sizes()
                    fetched.append(
                        (
                            urlsplit(request.url).path,
                            request.resource_type,
                            sizes["responseBodySize"] + sizes["responseHeadersSize"],
                        )
                    )

                context.on("requestfinished", record)
                page = _open(context, site_url, path)
                # Scroll through the page, so that whatever loads on the way is counted.
                page.evaluate("""async () => {
                  const step = window.innerHeight;
                  for (let y = 0; y < document.body.scrollHeight; y += step) {
                    window.scrollTo(0, y);
                    await new Promise(r => setTimeout(r, 20));
                  } }""")
                try:
                    page.wait_for_load_state("networkidle", timeout=10_000)
                except Exception:
                    pass
                results[path] = {
                    "files": fetched,
                    "widgets": page.locator(".widget-subarea").count(),
                }
                context.close()
        finally:
            browser.close()
    return results


def test_no_page_scrolls_sideways_on_a_phone(phone):
    wide = {
        path: r["overflow"]
        for path, r in phone.items()
        if r["overflow"]["scroll_width"] > r["overflow"]["client_width"]
    }
    assert not wide, "pages wider than a 390 px phone:\n" + "\n".join(
        f"{path}: {o['scroll_width']} px > {o['client_width']} px; "
        f"sticking out: {o['sticking']}"
        for path, o in wide.items()
    )


def test_every_slider_is_usable_on_a_phone(phone):
    sliders = [(path, s) for path, r in phone.items() for s in r["sliders"]]
    assert sliders, (
        "no slider found on any page at 390 px (chapters 1-3 have explorers)"
    )
    short = [
        f"{path}: {s['what']} near {s['near']!r} is {s['width']} px"
        for path, s in sliders
        if s["width"] < MIN_SLIDER_PX
    ]
    assert not short, (
        f"sliders shorter than {MIN_SLIDER_PX} px at 390 px:\n" + "\n".join(short)
    )


def _weight_without_images(visit):
    files = visit["files"]
    if visit["widgets"]:
        files = [f for f in files if not f[0].startswith(WIDGET_MANAGER_FILES)]
    return sum(size for path, kind, size in files if kind != "image")


def test_a_chapter_page_weighs_under_3_mb_before_images(weights):
    chapters = {path: w for path, w in weights.items() if path.startswith("notebooks/")}
    assert chapters
    heavy = {path: _weight_without_images(w) for path, w in chapters.items()}
    heavy = {path: n for path, n in heavy.items() if n >= CHAPTER_LIMIT_BYTES}
    details = []
    for path in heavy:
        biggest = sorted(weights[path]["files"], key=lambda f: -f[2])[:6]
        details.append(
            f"{path}: {heavy[path] / 1e6:.2f} MB; largest: "
            + ", ".join(f"{p} {n / 1e6:.2f} MB" for p, kind, n in biggest)
        )
    assert not heavy, "chapter pages of 3 MB or more before images:\n" + "\n".join(
        details
    )


class _MathFinder(HTMLParser):
    """Whether a built page holds mathematics (Sphinx marks it class="math")."""

    def __init__(self):
        super().__init__()
        self.math = 0

    def handle_starttag(self, tag, attrs):
        if "math" in (dict(attrs).get("class") or "").split():
            self.math += 1


def _has_math(path):
    finder = _MathFinder()
    finder.feed((HTML / path).read_text(encoding="utf-8"))
    return finder.math > 0


def test_pages_without_math_do_not_load_mathjax(weights):
    loads = {
        path: any(p.startswith(MATHJAX_FOLDER) for p, kind, n in w["files"])
        for path, w in weights.items()
    }
    needless = [
        path
        for path, loaded in loads.items()
        if loaded and not _has_math(path) and not weights[path]["widgets"]
    ]
    missing = [path for path, loaded in loads.items() if _has_math(path) and not loaded]
    assert not needless, f"pages without mathematics that load MathJax: {needless}"
    assert not missing, f"pages with mathematics that do not load MathJax: {missing}"
    assert any(loads.values()) and not all(loads.values()), loads


def test_no_page_loads_the_font_awesome_script(weights):
    loading = [
        path
        for path, w in weights.items()
        if any(p == FONT_AWESOME_SCRIPT for p, kind, n in w["files"])
    ]
    assert not loading, f"pages that load {FONT_AWESOME_SCRIPT} (1.5 MB): {loading}"


def test_only_the_search_page_loads_the_search_index(weights):
    """searchindex.js grows with the book; the plain search box needs it on search.html only."""
    loading = [
        path
        for path, w in weights.items()
        if any(p.endswith("/searchindex.js") for p, kind, n in w["files"])
    ]
    assert not loading, (
        f"pages other than search.html that load searchindex.js: {loading}"
    )


def test_icons_still_draw_without_the_script(book, site_url, chromium):
    """The theme's buttons keep their Font Awesome icons, drawn from the web font."""
    from playwright.sync_api import sync_playwright

    chapter = next(doc for doc in toc_docs() if doc.startswith("notebooks/"))
    with sync_playwright() as playwright:
        browser, context = _browser_context(playwright, chromium, DESKTOP)
        try:
            page = _open(context, site_url, f"{chapter}.html")
            page.evaluate("document.fonts.ready")
            icons = page.evaluate("""() => Array.from(document.querySelectorAll(
                '.article-header-buttons i[class*="fa-"], '
                + '.article-header-buttons span[class*="fa-"]'))
              .filter(i => i.offsetParent !== null)
              .map(i => ({cls: i.className, width: i.getBoundingClientRect().width,
                          glyph: getComputedStyle(i, '::before').content,
                          font: getComputedStyle(i, '::before').fontFamily}))""")
        finally:
            browser.close()
    assert len(icons) >= 3, (
        f"the page's header shows fewer icons than expected: {icons}"
    )
    blank = [
        i
        for i in icons
        if i["width"] < 8
        or i["glyph"] in ("none", "normal", '""')
        or "Font Awesome" not in i["font"]
    ]
    assert not blank, f"icons drawn without their Font Awesome glyph: {blank}"


def test_one_search_box(book, site_url, chromium):
    from playwright.sync_api import sync_playwright

    chapter = next(doc for doc in toc_docs() if doc.startswith("notebooks/"))
    with sync_playwright() as playwright:
        browser, context = _browser_context(playwright, chromium, DESKTOP)
        try:
            page = _open(context, site_url, f"{chapter}.html")
            boxes = page.evaluate("""() => Array.from(document.querySelectorAll(
                '.search-button-field, input[type="search"]'))
              .filter(e => e.offsetParent !== null)
              .filter(e => e.getBoundingClientRect().width > 0)
              .map(e => {
                const box = e.closest('header, aside, nav, article, div[id]');
                return box ? (box.id || box.tagName) : '?';
              })""")
        finally:
            browser.close()
    assert len(boxes) == 1, (
        f"{chapter}: {len(boxes)} search boxes visible at 1280 px, in {boxes}"
    )


def test_each_lab_has_one_title(book, site_url, chromium):
    """The labs table, the lab's own page and the sidebar name each lab the same way."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser, context = _browser_context(playwright, chromium, DESKTOP)
        try:
            page = _open(context, site_url, "book/labs.html")
            table = page.eval_on_selector_all(
                "article table a[href*='labs/lab']",
                "links => links.filter(a => !a.href.includes('colab'))"
                ".map(a => [a.getAttribute('href'), a.textContent.trim()])",
            )
            titles = {}
            for href, _ in table:
                lab_page = _open(context, site_url, urljoin("book/labs.html", href))
                heading = lab_page.eval_on_selector("article h1", "h => h.textContent")
                sidebar = lab_page.eval_on_selector(
                    ".bd-sidenav a.current", "a => a.textContent"
                )
                titles[href] = (heading.replace("#", "").strip(), sidebar.strip())
                lab_page.close()
        finally:
            browser.close()
    assert len(table) >= 3, f"the labs table links {len(table)} labs: {table}"
    differ = [
        f"{href}: table {name!r}, page {titles[href][0]!r}, sidebar {titles[href][1]!r}"
        for href, name in table
        if not name == titles[href][0] == titles[href][1]
    ]
    assert not differ, "labs with more than one title:\n" + "\n".join(differ)


# ---------------------------------------------------------------- the bibliography


class _Bibliography(HTMLParser):
    """The label and text of each entry of the bibliography page.

    sphinxcontrib-bibtex writes an entry as ``<div class="citation">`` holding
    ``<span class="label"><span class="fn-bracket">[</span>Ba et al., 2016<span
    class="fn-bracket">]</span></span>`` and then the entry's text.
    """

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.entries, self._label_depth = [], 0

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "div" and "citation" in classes:
            self.entries.append({"label": "", "text": ""})
        elif (
            self.entries and tag == "span" and (self._label_depth or "label" in classes)
        ):
            self._label_depth += 1

    def handle_endtag(self, tag):
        if tag == "span" and self._label_depth:
            self._label_depth -= 1

    def handle_data(self, data):
        if self.entries:
            self.entries[-1]["label" if self._label_depth else "text"] += data


def test_bibliography_is_author_year_with_each_arxiv_id_once(book):
    parser = _Bibliography()
    parser.feed((HTML / "book" / "bibliography.html").read_text(encoding="utf-8"))
    entries = parser.entries
    assert len(entries) >= 10, f"the bibliography page lists {len(entries)} works"
    # "[Robbins and Monro, 1951]", "[Rumelhart et al., 1986]", "[Kaplan et al., 2020a]"
    author_year = re.compile(r"\[?[^\[\],]+, (\d{4}[a-z]?|n\.d\.)\]?")
    bad = [e["label"] for e in entries if not author_year.fullmatch(e["label"].strip())]
    assert not bad, f"bibliography labels that are not author-year: {bad}"
    repeated = []
    for entry in entries:
        ids = Counter(re.findall(r"\b\d{4}\.\d{4,5}\b", entry["text"]))
        repeated += [
            f"{entry['label']}: arXiv {i} {n} times" for i, n in ids.items() if n > 1
        ]
    assert not repeated, "entries that repeat their arXiv identifier:\n" + "\n".join(
        repeated
    )
