"""What every real-browser test shares: Debian's Chromium, its flags, skip-or-fail when absent.

Chromium is ``/usr/bin/chromium`` from Debian's package (Playwright's own browser download is
never used). Where it is missing, a browser test SKIPS with the reason and the install line,
so the README's test command passes on a fresh machine with Python 3.11 alone; with
``LABKIT_REQUIRE_BROWSER=1`` (``.ci/run`` sets it) the same test FAILS instead, so CI never
passes without running the browser.
"""

from __future__ import annotations

import os

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_LINE = "apt-get install chromium"
REQUIRE_ENV = "LABKIT_REQUIRE_BROWSER"


def chromium_missing_reason() -> str | None:
    """Why the browser tests cannot run here, or None when Chromium is ready."""
    if os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK):
        return None
    return (
        f"{CHROMIUM} is missing: browser tests need Debian's Chromium; install it with "
        f"`sudo {INSTALL_LINE}` (Debian/Ubuntu)"
    )


def require_chromium() -> str:
    """The Chromium path; else skip the calling test, or fail it under LABKIT_REQUIRE_BROWSER=1."""
    reason = chromium_missing_reason()
    if reason is None:
        return CHROMIUM
    if os.environ.get(REQUIRE_ENV, "") == "1":
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1: the browser tests must run here)")
    pytest.skip(reason)
    raise AssertionError("unreachable")  # pytest.skip raises


def launch_chromium(playwright):
    """Headless Debian Chromium through Playwright (call ``require_chromium()`` first)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
