"""Errors of the ASL engine: a definition AWS would refuse, and a failure inside a run.

``InvalidDefinition`` mirrors CreateStateMachine's ``InvalidDefinition`` error
(botocore ``stepfunctions`` service model). ``StatesError`` is not raised to
callers: it carries a runtime failure (``error`` name such as ``States.Runtime``
and its ``cause``) through the run loop as data until a Retry, a Catch or the
execution's end handles it.
"""

from __future__ import annotations

from labkit.errors import LabkitError


class InvalidDefinition(LabkitError, ValueError):
    """The ASL definition is invalid; ``.message`` is AWS's text, ``.diagnostics`` its parts."""

    code = "InvalidDefinition"

    def __init__(self, message: str, diagnostics: tuple[tuple[str, str, str | None], ...] = ()):
        super().__init__(message)
        #: (code, message, location) for each problem, in AWS's order
        self.diagnostics = diagnostics


class StatesError(Exception):
    """A runtime failure with an ASL error name and cause (never escapes ``run``)."""

    def __init__(self, error: str, cause: str | None = None, *, event: str | None = None):
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause
        #: history event type that records this failure at task level (e.g. TaskFailed)
        self.event = event
