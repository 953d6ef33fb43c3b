"""Running the offline world's executions to their end with ``labkit.engine``, in virtual time.

* Express executions time out after 5 minutes, Standard ones after 1 year, with
  ``States.Timeout`` [DOC] https://docs.aws.amazon.com/step-functions/latest/dg/limits-overview.html
  (a year counted as 365 days [INFER]); Standard keeps 25,000 events [DOC].
* StopExecution ends a running execution with ``ExecutionAborted`` [DOC] API reference.
* An execution labkit itself cannot run (a labkit defect) fails with ``States.Runtime``
  and a cause that says so: labkit's own behaviour, not AWS's, so the world keeps working.
"""

from __future__ import annotations

import random
from datetime import datetime
from functools import lru_cache
from typing import Any

from labkit.world.sfn_records import Execution

#: Express executions time out after 5 minutes, Standard ones after 1 year, with
#: ``States.Timeout`` [DOC] https://docs.aws.amazon.com/step-functions/latest/dg/limits-overview.html
#: (a year counted as 365 days [INFER]); Standard keeps 25,000 events [DOC].
EXPRESS_TIMEOUT_S = 300
STANDARD_TIMEOUT_S = 365 * 24 * 3600
STANDARD_MAX_EVENTS = 25_000
EXPRESS_MAX_EVENTS = 10**9


def run_execution(e: Execution, *, handlers: dict[str, Any], seed: int) -> Any:
    """Run ``e`` to its end; the engine's ``ExecutionResult`` (``e`` takes it too)."""
    from labkit.engine import run

    express = e.machine.type == "EXPRESS"
    try:
        result = run(
            _parsed(e.definition),
            e.input,
            execution_arn=e.arn,
            state_machine_arn=e.machine.arn,
            role_arn=e.role_arn,
            start=e.start,
            handlers=handlers,
            rng=random.Random(f"labkit-exec-{seed}-{e.arn}"),
            max_events=EXPRESS_MAX_EVENTS if express else STANDARD_MAX_EVENTS,
            timeout_seconds=EXPRESS_TIMEOUT_S if express else STANDARD_TIMEOUT_S,
        )
    except Exception as exc:  # a labkit defect must not brick the world: fail this one
        result = _internal_failure(e, exc)
    e.finish(result)
    return result


def started_event(e: Execution) -> dict[str, Any]:
    """The ``ExecutionStarted`` event (id 1) of ``e``."""
    return {
        "timestamp": e.start,
        "type": "ExecutionStarted",
        "id": 1,
        "previousEventId": 0,
        "executionStartedEventDetails": {
            "input": e.input,
            "inputDetails": {"truncated": False},
            "roleArn": e.role_arn,
        },
    }


def abort(e: Execution, now: datetime, details: dict[str, Any]) -> None:
    """End the running ``e`` at ``now`` as StopExecution does, with ``error``/``cause``."""
    aborted = {
        "timestamp": now,
        "type": "ExecutionAborted",
        "id": 2,
        "previousEventId": 0,
        "executionAbortedEventDetails": details,
    }
    e.events = (started_event(e), aborted)
    e.status, e.stop = "ABORTED", now
    e.error, e.cause = details.get("error"), details.get("cause")


@lru_cache(maxsize=64)
def _parsed(definition: str) -> Any:
    """A definition parsed once for all its executions (``Definition`` is frozen)."""
    from labkit.engine import parse_definition

    return parse_definition(definition)


def _internal_failure(e: Execution, exc: Exception) -> Any:
    """An execution labkit could not run, failed with ``States.Runtime`` and a cause that
    says so plainly (labkit's own, not AWS behaviour), so every later call still works."""
    from labkit.engine import ExecutionResult

    cause = f"labkit could not run this execution ({type(exc).__name__}: {exc})"[:32768]
    failed = {
        "timestamp": e.start, "type": "ExecutionFailed", "id": 2, "previousEventId": 1,
        "executionFailedEventDetails": {"error": "States.Runtime", "cause": cause},
    }  # fmt: skip
    return ExecutionResult(
        "FAILED", None, "States.Runtime", cause, e.start, e.start, (started_event(e), failed)
    )


__all__ = [
    "EXPRESS_MAX_EVENTS",
    "EXPRESS_TIMEOUT_S",
    "STANDARD_MAX_EVENTS",
    "STANDARD_TIMEOUT_S",
    "abort",
    "run_execution",
    "started_event",
]
