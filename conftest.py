"""Repository-wide pytest set-up.

* Registers the ``slow`` marker (environment builds, a real browser): deselect with
  ``-m "not slow"`` for a quick local run.
* Gives every lesson kernel that strict nbval starts (the docs edition, ``docs/lessons/``)
  the environment ``scripts/editions.py`` executes the lessons in (``KERNEL_ENV``:
  offline mode, fake credentials, fixed hash seed and time zone), so stored outputs
  are reproduced. Kernels start after collection and inherit it.
* Resolves ``--nbval-sanitize-with`` against the repository root when it is given as a
  relative path that does not exist from the current directory, so ``pytest`` works from
  any folder of the checkout.
* Browser tests (marker ``browser``) skip, with the reason and the install line in the
  summary, when Debian's Chromium is missing; with ``LABKIT_REQUIRE_BROWSER=1`` (``.ci/run``
  sets it) they fail instead.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
BROWSER_INSTALL = "apt-get install chromium"


def _editions():
    spec = importlib.util.spec_from_file_location("_editions", REPO / "scripts" / "editions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers", "slow: builds a virtual environment or drives a real browser (minutes)"
    )
    config.addinivalue_line(
        "markers",
        f"browser: needs Debian's Chromium at {CHROMIUM}; skips without it unless "
        "LABKIT_REQUIRE_BROWSER=1",
    )
    sanitize = getattr(config.option, "nbval_sanitize_with", None)
    if sanitize and not Path(sanitize).exists():
        candidate = Path(config.rootpath) / sanitize
        if candidate.exists():
            config.option.nbval_sanitize_with = str(candidate)


def pytest_collection_modifyitems(session, config, items) -> None:
    lessons = REPO / "docs" / "lessons"
    if any(Path(str(item.path)).is_relative_to(lessons) for item in items):
        _editions().apply_kernel_env()


def browser_missing_reason() -> str | None:
    """Why the browser tests cannot run here, or None when Chromium is installed."""
    if Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK):
        return None
    return f"{CHROMIUM} is missing: install Debian's Chromium with `{BROWSER_INSTALL}`"


def pytest_runtest_setup(item) -> None:
    if item.get_closest_marker("browser") is None:
        return
    reason = browser_missing_reason()
    if reason is None:
        return
    if os.environ.get("LABKIT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"LABKIT_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)
