"""Machines and executions as the offline world stores them, and the names and ARNs it accepts.

Facts modelled (API model: ``botocore/data/stepfunctions/2016-11-23/service-2.json`` [DOC]):

* Names: 1-80 characters, none of the forbidden ones [DOC] API reference (CreateStateMachine,
  StartExecution ``name``); ``Invalid Name: '<name>'`` [secondary] (LocalStack's
  AWS-validated provider, as vendored in ``moto/stepfunctions/parser/provider.py``).
* ARNs: ``arn:aws:states:REGION:ACCOUNT:stateMachine:NAME``, executions
  ``...:execution:MACHINE:NAME`` and, for Express machines, ``...:express:MACHINE:NAME:UUID``
  [DOC] [AWS-REC] (LocalStack ``test_sfn_api_express.snapshot.json``).
* Running executions keep the definition, role and logging configuration they started
  with [DOC] UpdateStateMachine; logging: [ISSUE] repost.aws QUCFPRn0zXQAK3GYlaUMb2Vg, [INFER].
"""

from __future__ import annotations

import pickle
import re
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from labkit.console import encodable
from labkit.errors import LabkitError

MACHINE_ARN = re.compile(
    r"^arn:aws[a-z-]*:states:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):stateMachine:"
    r"(?P<name>[^:]{1,80})$"
)
EXECUTION_ARN = re.compile(
    r"^arn:aws[a-z-]*:states:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"(?P<kind>execution|express):(?P<machine>[^:]{1,80}):(?P<name>[^:]{1,80})(:(?P<uuid>[^:]+))?$"
)
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_BAD_NAME_CHARS = (
    set(' <>{}[]?*"#%\\^|~`$&,;:/')
    | {chr(i) for i in range(32)}
    | {chr(i) for i in range(127, 160)}
)


@dataclass
class Machine:
    """A state machine as stored by the world."""

    arn: str
    name: str
    definition: str
    role_arn: str
    type: str
    logging: dict[str, Any]
    created: datetime
    revision_id: str | None = None


@dataclass
class Execution:
    """An execution: captured configuration, then the engine's result once settled."""

    arn: str
    name: str
    machine: Machine
    definition: str
    role_arn: str
    logging: dict[str, Any]
    input: str
    start: datetime
    status: str = "RUNNING"
    stop: datetime | None = None
    error: str | None = None
    cause: str | None = None
    output: str | None = None
    delivered: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    packed_events: bytes = b""

    @property
    def events(self) -> tuple[dict[str, Any], ...]:
        """The execution's history events (a fresh copy on every read)."""
        return pickle.loads(zlib.decompress(self.packed_events)) if self.packed_events else ()

    @events.setter
    def events(self, value: tuple[dict[str, Any], ...]) -> None:
        # Kept compressed: a history is read rarely and is ~10 KB of small Python objects per
        # execution; packed it is ~1 KB, so thousands of executions fit (issue 14, memory).
        self.packed_events = zlib.compress(pickle.dumps(tuple(value), protocol=5))

    def finish(self, result: Any) -> None:
        """Take the end of a run: ``result`` is a ``labkit.engine.ExecutionResult``."""
        self.events = result.events
        self.status, self.stop = result.status, result.stop
        self.output, self.error, self.cause = result.output, result.error, result.cause


def api_error(code: str, message: str) -> LabkitError:
    return LabkitError(message, code=code)


def check_name(name: Any) -> str:
    """A state machine or execution name: 1-80 characters, none of AWS's forbidden ones [DOC].

    The API reference adds "To enable logging with CloudWatch Logs, the name should only
    contain 0-9, A-Z, a-z, - and _." [DOC]; no rejection of other legal names with logging
    on is recorded, so labkit accepts them [INFER].
    """
    if (
        not isinstance(name, str)
        or not (1 <= len(name) <= 80)
        or set(name) & _BAD_NAME_CHARS
        or not encodable(name)  # a lone surrogate is no character [INFER]
    ):
        raise api_error("InvalidName", f"Invalid Name: '{name}'")
    return name


__all__ = [
    "EXECUTION_ARN",
    "MACHINE_ARN",
    "ROLE_ARN",
    "Execution",
    "Machine",
    "check_name",
]
