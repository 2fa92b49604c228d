"""The built web book and the browser that reads it: helpers for the browser tests.

``tests/conftest.py`` turns these into the session fixtures ``book`` (the built site),
``site_url`` (it, served on 127.0.0.1) and ``chromium`` (the browser's path), used by
``tests/test_browser.py`` and ``tests/test_browser_layout.py``.
"""

import http.server
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

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


def _find_chromium():
    candidates = [
        os.environ.get("DLBOOK_CHROMIUM"),
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
        "/usr/bin/chromium",
    ]
    return next((c for c in candidates if c and Path(c).is_file()), None)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
