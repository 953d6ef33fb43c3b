"""Worlds a lesson can talk plain boto3 to: ``offline()`` (simulated) or ``aws()`` (real).

``connect(**kw)`` picks one from ``LABKIT_MODE``: ``offline`` (the default) or ``aws``.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["connect", "offline"]


def offline(**kwargs: Any) -> Any:
    """A fresh simulated account (see ``labkit.world.offline.offline``)."""
    from labkit.world.offline import offline as _offline

    return _offline(**kwargs)


def connect(**kwargs: Any) -> Any:
    """``labkit.offline(**kw)`` or, with ``LABKIT_MODE=aws``, ``labkit.aws(**kw)``."""
    mode = os.environ.get("LABKIT_MODE", "offline").strip().lower() or "offline"
    if mode == "offline":
        return offline(**kwargs)
    if mode == "aws":
        from labkit.world.real import aws

        return aws(**kwargs)
    from labkit.errors import LabkitError

    raise LabkitError(f"LABKIT_MODE must be 'offline' or 'aws', not {mode!r}")
