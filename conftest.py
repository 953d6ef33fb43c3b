"""Repository-wide pytest set-up.

* Registers the ``slow`` marker (environment builds, a real browser): deselect with
  ``-m "not slow"`` for a quick local run.
* Gives every lesson kernel that strict nbval starts (the docs edition, ``docs/lessons/``)
  the environment ``scripts/editions.py`` executes the lessons in (``KERNEL_ENV``:
  offline mode, fake credentials, fixed hash seed and time zone), so stored outputs
  are reproduced. Kernels start after collection and inherit it; before each notebook's
  first cell the language is set from its folder (``docs/lessons/ko/`` kernels get
  ``LABKIT_LANG=ko``, English ones none), since nbval starts a notebook's kernel then.
* Resolves ``--nbval-sanitize-with`` against the repository root when it is given as a
  relative path that does not exist from the current directory, so ``pytest`` works from
  any folder of the checkout.
* Browser tests (marker ``browser``) skip, with the reason and the install line in the
  summary, when Debian's Chromium is missing; with ``LABKIT_REQUIRE_BROWSER=1`` (``.ci/run``
  sets it) they fail instead.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
_ORIGINAL_LANG: dict[str, str | None] = {}  # LABKIT_LANG before a lesson kernel's set-up
BROWSER_INSTALL = "apt-get install chromium"


@functools.cache
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


def _lesson_language(item) -> str | None:
    path = Path(str(item.path))
    lessons = REPO / "docs" / "lessons"
    if not path.is_relative_to(lessons) or path.suffix != ".ipynb":
        return None
    return path.parent.name if path.parent != lessons else "en"


@pytest.hookimpl(tryfirst=True)  # before nbval's notebook set-up starts the kernel
def pytest_runtest_setup(item) -> None:
    language = _lesson_language(item)
    if language is not None:
        _ORIGINAL_LANG.setdefault("LABKIT_LANG", os.environ.get("LABKIT_LANG"))
        _editions().apply_kernel_env(language=language)
    elif "LABKIT_LANG" in _ORIGINAL_LANG:  # a unit test after a Korean notebook: as it was
        original = _ORIGINAL_LANG.pop("LABKIT_LANG")
        if original is None:
            os.environ.pop("LABKIT_LANG", None)
        else:
            os.environ["LABKIT_LANG"] = original
    if item.get_closest_marker("browser") is None:
        return
    reason = browser_missing_reason()
    if reason is None:
        return
    if os.environ.get("LABKIT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"LABKIT_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)
