"""Fixtures shared by the tests of the built book (test_browser.py,
test_browser_explorers.py): the book built once per session, a local web server for
it, and Debian's Chromium. See test_browser.py for what they are used for and the
environment variables that steer them (DLBOOK_REUSE_BUILD, DLBOOK_CHROMIUM,
DLBOOK_REQUIRE_BROWSER).
"""

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
HTML = BUILD / "html"

BUILD_TIMEOUT_S = 1800  # a cold build executes every chapter (about a minute each)

# Chromium as the machine's notes prescribe: headless, no sandbox (CI runs as root), and
# none of the background traffic to Google that a closed network refuses.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# ---------------------------------------------------------------- the build


@dataclass
class Build:
    html: Path
    log: str  # the build's output; empty when an existing build was reused
    started: float  # when the build started (seconds since the epoch)


def _run_jupyter_book(book_dir, timeout, *extra):
    command = [
        sys.executable,
        "-c",
        "from jupyter_book.cli.main import main; main()",
        "build",
        str(book_dir),
        *extra,
    ]
    return subprocess.run(
        command,
        cwd=book_dir,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _cause(log, before=2, after=40):
    """The part of a failed build's output that says why: from the first error on."""
    lines = log.splitlines()
    first = next(
        (
            i
            for i, line in enumerate(lines)
            if re.search(
                r"Executing notebook failed|Exception occurred|\b(ERROR|CRITICAL): ",
                line,
            )
        ),
        max(len(lines) - after, 0),
    )
    return "\n".join(lines[max(first - before, 0) : first + after])


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


# ---------------------------------------------------------------- the browser


def _find_chromium():
    candidates = [
        os.environ.get("DLBOOK_CHROMIUM"),
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
        "/usr/bin/chromium",
    ]
    return next((c for c in candidates if c and Path(c).is_file()), None)


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


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def site_url(book):
    handler = functools.partial(_QuietHandler, directory=str(book.html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()
