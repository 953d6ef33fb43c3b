"""Repository-wide pytest set-up.

* Registers the ``slow`` marker (environment builds, a real browser): deselect with
  ``-m "not slow"`` for a quick local run.
* Resolves ``--nbval-sanitize-with`` against the repository root when it is given as a
  relative path that does not exist from the current directory, so ``pytest`` works from
  any folder of the checkout.
"""

from __future__ import annotations

from pathlib import Path


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers", "slow: builds a virtual environment or drives a real browser (minutes)"
    )
    sanitize = getattr(config.option, "nbval_sanitize_with", None)
    if sanitize and not Path(sanitize).exists():
        candidate = Path(config.rootpath) / sanitize
        if candidate.exists():
            config.option.nbval_sanitize_with = str(candidate)
