"""The explorers of the built web book, driven in headless Chromium.

A chapter's explorer is drawn in advance when the book is built
(``helpers.widgets.static``), so the page can switch figures without a kernel. On every
chapter page that has explorers this moves each control through all its positions, as
a reader would (arrow keys on a slider, a choice in a menu), and checks that the
figure changes and that the value shown beside each control is the one the figure
was drawn for (the image's ``data-values``). It also checks that the greyed-out
controls say how to explore them, that such a page loads no ipywidgets scripts, and
that at a phone's width (390 px) every control keeps a usable length.

The fixtures (``book``, ``site_url``, ``chromium``) are those of ``test_browser.py``,
in ``conftest.py``: the book is built once per session.
"""

import pytest
from book_site import CHROMIUM_FLAGS, HTML
from book_toc import toc_docs

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
MIN_CONTROL_PX = 150
RUN_CUE = "run this notebook to explore"  # helpers.widgets.static.RUN_CUE
WIDGET_SCRIPTS = ("embed-amd.js", "require.js")

# The state of one explorer: each live control's position and shown value, and the
# figure's source, frame and recorded values.
_STATE = """root => {
  const image = root.querySelector("img.static-explorer-figure");
  const controls = Array.from(root.querySelectorAll("[data-control]")).map(c => ({
    name: c.dataset.control,
    index: Number(c.value),
    shown: c.tagName === "SELECT"
      ? c.options[c.selectedIndex].textContent
      : root.querySelector(`[data-readout="${c.dataset.control}"]`).textContent,
  }));
  return {src: image.src, frame: image.dataset.frame,
          values: JSON.parse(image.dataset.values),
          controls, ready: root.dataset.ready === "true"};
}"""


CHAPTERS = [d for d in toc_docs() if d.startswith("notebooks/")]


def _has_explorer(doc):
    page = HTML / f"{doc}.html"
    return page.is_file() and 'class="static-explorer"' in page.read_text(
        encoding="utf-8"
    )


def _explorer_page(doc):
    """Skip a chapter without explorers (the first test requires them in chapters
    1-3)."""
    if not _has_explorer(doc):
        pytest.skip(f"{doc} has no explorer")


@pytest.fixture(scope="module")
def browser(book, chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


def _open(browser, site_url, doc, viewport):
    context = browser.new_context(viewport=viewport, service_workers="block")
    page = context.new_page()
    page.requests = []
    page.errors = []
    page.on("request", lambda request: page.requests.append(request.url))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(f"{site_url}{doc}.html", wait_until="load", timeout=60_000)
    return context, page


def test_chapters_1_to_3_have_explorers_drawn_in_advance(book):
    docs = [d for d in CHAPTERS if _has_explorer(d)]
    assert [d.split("/")[1][:2] for d in docs[:3]] == ["01", "02", "03"], (
        f"expected explorers drawn in advance in chapters 1-3, found them in {docs}"
    )


@pytest.mark.parametrize("doc", CHAPTERS)
def test_moving_each_control_changes_the_figure_and_the_value_agrees(
    browser, site_url, doc
):
    _explorer_page(doc)
    context, page = _open(browser, site_url, doc, DESKTOP)
    try:
        explorers = page.locator(".static-explorer")
        assert explorers.count() >= 1, f"{doc}: no explorer on the page"
        for e in range(explorers.count()):
            root = explorers.nth(e)
            root.scroll_into_view_if_needed()
            state = root.evaluate(_STATE)
            assert state["ready"], f"{doc}: the explorer's script did not run"
            _assert_consistent(doc, state)
            controls = root.locator("[data-control]")
            assert controls.count() >= 1, f"{doc}: the explorer has no live control"
            for c in range(controls.count()):
                control = controls.nth(c)
                sources = _walk(doc, root, control)
                assert len(sources) >= 2, (
                    f"{doc}: moving {control.get_attribute('data-control')!r} "
                    "never changed the figure"
                )
        assert not page.errors, f"{doc}: errors in the page: {page.errors}"
    finally:
        context.close()


def _walk(doc, root, control):
    """Move one control through every position; return the figure sources seen."""
    name = control.get_attribute("data-control")
    is_menu = control.evaluate("c => c.tagName") == "SELECT"
    count = control.evaluate(
        "c => c.tagName === 'SELECT' ? "
        "Array.from(c.options).filter(o => !o.disabled).length : Number(c.max) + 1"
    )
    if not is_menu:
        control.focus()
        control.press("Home")
    sources = []
    for position in range(count):
        if is_menu:
            control.select_option(value=str(position))
        elif position > 0:
            control.press("ArrowRight")  # the keyboard, as a reader would
        state = root.evaluate(_STATE)
        (mine,) = [c for c in state["controls"] if c["name"] == name]
        assert mine["index"] == position, (
            f"{doc}: {name} did not move to position {position}: {mine}"
        )
        _assert_consistent(doc, state)
        sources.append(state["src"])
    return set(sources)


def _assert_consistent(doc, state):
    """Every control shows the value the figure was drawn with, and the figure is the
    frame of the controls' positions."""
    for control in state["controls"]:
        drawn = state["values"].get(control["name"])
        assert control["shown"] == drawn, (
            f"{doc}: {control['name']} shows {control['shown']!r} but the figure "
            f"was drawn for {drawn!r}"
        )
    assert state["frame"] == ",".join(str(c["index"]) for c in state["controls"]), state
    assert state["src"].startswith("data:image/png;base64,")


@pytest.mark.parametrize("doc", CHAPTERS)
def test_greyed_out_controls_say_how_to_explore_them(browser, site_url, doc):
    _explorer_page(doc)
    context, page = _open(browser, site_url, doc, DESKTOP)
    try:
        fixed = page.locator(".static-explorer [data-fixed]")
        for i in range(fixed.count()):
            control = fixed.nth(i)
            assert control.is_disabled(), f"{doc}: a fixed setting can be moved"
            group = control.locator(
                "xpath=ancestor::div[@class='static-explorer-fixed']"
            )
            cue = group.locator(".static-explorer-cue")
            assert cue.is_visible() and RUN_CUE in cue.inner_text(), (
                f"{doc}: a greyed-out control lacks the visible cue {RUN_CUE!r}"
            )
    finally:
        context.close()


@pytest.mark.parametrize("doc", CHAPTERS)
def test_a_page_with_explorers_only_loads_no_widget_scripts(browser, site_url, doc):
    _explorer_page(doc)
    text = (HTML / f"{doc}.html").read_text(encoding="utf-8")
    if "application/vnd.jupyter.widget-view+json" in text:
        pytest.skip(f"{doc} also shows a live widget, which needs the scripts")
    assert "application/vnd.jupyter.widget-state+json" not in text, (
        f"{doc}: the page embeds saved widget state it does not use"
    )
    context, page = _open(browser, site_url, doc, DESKTOP)
    try:
        page.wait_for_load_state("networkidle", timeout=30_000)
        loaded = [
            u
            for u in page.requests
            if any(u.split("?")[0].endswith(s) for s in WIDGET_SCRIPTS)
        ]
        assert not loaded, f"{doc}: loads widget scripts no output needs: {loaded}"
    finally:
        context.close()


@pytest.mark.parametrize("doc", CHAPTERS)
def test_controls_keep_a_usable_length_on_a_phone(browser, site_url, doc):
    _explorer_page(doc)
    context, page = _open(browser, site_url, doc, PHONE)
    try:
        sizes = page.evaluate("""() => Array.from(document.querySelectorAll(
                ".static-explorer [data-control], .static-explorer input[type=range]"
            )).map(c => {
            c.scrollIntoView();
            const box = c.getBoundingClientRect();
            return {name: c.dataset.control || c.dataset.fixed, width: box.width,
                    right: box.right, left: box.left};
        })""")
        assert sizes, f"{doc}: no control found"
        short = [s for s in sizes if s["width"] < MIN_CONTROL_PX]
        assert not short, (
            f"{doc}: controls shorter than {MIN_CONTROL_PX} px at 390 px: {short}"
        )
        outside = [s for s in sizes if s["left"] < 0 or s["right"] > PHONE["width"]]
        assert not outside, (
            f"{doc}: controls reach past the screen at 390 px: {outside}"
        )
        images = page.evaluate("""() => Array.from(document.querySelectorAll(
            ".static-explorer img")).map(i => i.getBoundingClientRect().right)""")
        assert all(right <= PHONE["width"] for right in images), (
            f"{doc}: an explorer's figure is wider than the screen: {images}"
        )
    finally:
        context.close()
