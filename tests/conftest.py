"""Fixtures shared by several test files, and the ``slow`` marker.

* ``book``, ``site_url``, ``chromium``: the built web book, served on 127.0.0.1, and the
  Chromium that opens it (tests/test_browser.py, tests/test_browser_layout.py,
  tests/test_browser_explorers.py). The
  book is built once per session.
* ``slow``: every test that builds the book, runs a notebook or a lab, or drives
  Chromium gets this marker, so that ``pytest -m "not slow"`` runs only the fast
  unit tests.
"""

import functools
import http.server
import os
import threading
import time

import pytest
from book_site import (
    BUILD_TIMEOUT_S,
    HTML,
    ROOT,
    Build,
    _cause,
    _find_chromium,
    _QuietHandler,
    _run_jupyter_book,
)

# Test files whose tests build the book, run notebooks or labs, or drive Chromium. Every
# chapter notebook collected by nbval (notebooks/*.ipynb) is slow as well.
SLOW_TEST_FILES = {
    "test_browser.py",
    "test_browser_layout.py",
    "test_browser_explorers.py",
    "test_grading.py",
    "test_lab_answers.py",
    "test_labs.py",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.suffix == ".ipynb" or item.path.name in SLOW_TEST_FILES:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def book():
    if os.environ.get("DLBOOK_REUSE_BUILD") and (HTML / "index.html").is_file():
        return Build(HTML, "", (HTML / "index.html").stat().st_mtime)
    started = time.time()
    # --all rewrites every page and recopies the static assets; executed notebooks still
    # come from the cache, so this costs seconds, not minutes.
    result = _run_jupyter_book(ROOT, BUILD_TIMEOUT_S, "--all")
    log = result.stdout + result.stderr
    if result.returncode != 0:
        pytest.fail(
            f"`jupyter-book build . --all` failed (exit {result.returncode}):\n"
            + _cause(log)
        )
    return Build(HTML, log, started)


@pytest.fixture(scope="session")
def chromium():
    path = _find_chromium()
    if path is None:
        reason = (
            "Chromium is not installed (looked for $DLBOOK_CHROMIUM, `chromium`, "
            "`chromium-browser` and /usr/bin/chromium); install Debian's `chromium` "
            "package, as .ci/run does, to run the browser tests"
        )
        if os.environ.get("DLBOOK_REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def site_url(book):
    handler = functools.partial(_QuietHandler, directory=str(book.html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()
