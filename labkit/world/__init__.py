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


#: The offline world's eras; ``connect(profile=…)`` with one of these names is an offline
#: choice, which a real account ignores (it is always today's AWS).
OFFLINE_PROFILES = ("classic", "current", "article-2020")


def connect(*, language: str | None = None, **kwargs: Any) -> Any:
    """``labkit.offline(**kw)`` or, with ``LABKIT_MODE=aws``, ``labkit.aws(**kw)``.

    ``language="ko"`` (or ``"en"``) makes labkit speak it from now on
    (``labkit.i18n.set_language``); without it, ``LABKIT_LANG`` or the notebook's folder
    decides (``labkit.i18n.current_language``). Figures get a font for it either way.

    ``profile="article-2020"`` (or ``"classic"``/``"current"``) picks the offline world's
    era; in ``aws`` mode it is dropped with a note, so a lesson runs unchanged on a real
    account (where ``profile`` would name an AWS CLI profile).
    """
    from labkit import fonts, i18n

    now = i18n.set_language(language) if language is not None else i18n.refresh()
    fonts.configure(now)
    mode = os.environ.get("LABKIT_MODE", "offline").strip().lower() or "offline"
    if mode == "offline":
        return importlib.import_module("labkit.world.offline").offline(**kwargs)
    if mode == "aws":
        if kwargs.get("profile") in OFFLINE_PROFILES:
            era = kwargs.pop("profile")
            print(f"labkit: profile={era!r} is an offline era; a real account is today's AWS.")
        return importlib.import_module("labkit.world.real").aws(**kwargs)
    from labkit.errors import LabkitError

    raise LabkitError(f"LABKIT_MODE must be 'offline' or 'aws', not {mode!r}")
