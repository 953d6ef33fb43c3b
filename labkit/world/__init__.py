"""Worlds a lesson can talk plain boto3 to: ``labkit.offline()`` (simulated) or ``labkit.aws()`` (real).

``connect(**kw)`` picks one from ``LABKIT_MODE``: ``offline`` (the default) or ``aws``.
The offline world lives in ``labkit.world.offline`` (the module; its ``offline()``
function is what ``labkit.offline`` is).
"""

from __future__ import annotations

import importlib
import os
from typing import Any

__all__ = ["connect"]


def connect(*, language: str | None = None, **kwargs: Any) -> Any:
    """``labkit.offline(**kw)`` or, with ``LABKIT_MODE=aws``, ``labkit.aws(**kw)``.

    ``language="ko"`` (or ``"en"``) makes labkit speak it from now on
    (``labkit.i18n.set_language``); without it, ``LABKIT_LANG`` or the notebook's folder
    decides (``labkit.i18n.current_language``). Figures get a font for it either way.
    """
    from labkit import fonts, i18n

    now = i18n.set_language(language) if language is not None else i18n.refresh()
    fonts.configure(now)
    mode = os.environ.get("LABKIT_MODE", "offline").strip().lower() or "offline"
    if mode == "offline":
        return importlib.import_module("labkit.world.offline").offline(**kwargs)
    if mode == "aws":
        return importlib.import_module("labkit.world.real").aws(**kwargs)
    from labkit.errors import LabkitError

    raise LabkitError(f"LABKIT_MODE must be 'offline' or 'aws', not {mode!r}")
