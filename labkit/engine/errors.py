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
    """A runtime failure with an ASL error name and cause (never escapes ``run``).

    ``stateful`` errors are raised by Step Functions itself while running a state (paths,
    templates, intrinsics, JSONata): AWS prefixes their cause with "An error occurred while
    executing the state 'NAME' (entered at the event id #N). " [AWS-REC issue 13 #1]. Errors
    a task returns, a Fail state names or a branch passes up keep their cause as is.
    ``location`` names the JSONata field that failed, for the ``EvaluationFailed`` event
    [AWS-REC issue 13 #2].
    """

    def __init__(
        self,
        error: str | None,
        cause: str | None = None,
        *,
        event: str | None = None,
        location: str | None = None,
        stateful: bool = True,
        task_failed: bool = False,
    ):
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause
        #: history event the state records when the failure is final (e.g. MapStateFailed)
        self.event = event
        self.location = location
        self.stateful = stateful
        #: the task itself failed (TaskFailed or LambdaFunctionFailed is in the history)
        self.task_failed = task_failed
        #: set once the state's prefix is on the cause / the EvaluationFailed event is written
        self.prefixed = False
        self.recorded = False


class StateFailure(Exception):
    """A state failed; ``cursor`` is the event the next history event must point at."""

    def __init__(self, error: str | None, cause: str | None, cursor: int) -> None:
        super().__init__(error)
        self.error, self.cause, self.cursor = error, cause, cursor


class Aborted(Exception):
    """A running branch was stopped because a sibling failed (its state records ``…Aborted``).

    ``cursor`` is the last event the aborted branch or iteration recorded.
    """

    cursor: int | None = None


class PathMissing(Exception):
    """A path selected nothing in ``data``; the caller words AWS's cause for its field."""

    def __init__(self, path: str, data: object) -> None:
        super().__init__(path)
        self.path, self.data = path, data
