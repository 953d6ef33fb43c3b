"""How CloudWatch Logs receives a Step Functions execution: levels, messages, streams, batches.

Pure functions only; the offline world decides *whether* a batch may be written
(that is the lesson, see ``labkit.world.offline``) and calls these to decide *what*.

Facts modelled, with their sources:

* Log levels [DOC] https://docs.aws.amazon.com/step-functions/latest/dg/cloudwatch-log-level.html :
  ``FATAL`` logs ExecutionAborted/Failed/TimedOut; ``ERROR`` adds the failure events;
  ``ALL`` logs everything; ``OFF`` nothing. MapRunAborted/MapRunFailed at ERROR is [INFER]
  (LocalStack's ``logging.py``). Logged events keep their history ``id`` [AWS-REC].
* ``includeExecutionData: false`` drops payloads (``input``/``output`` and their
  ``*Details``) and keeps metadata (``roleArn``, ``name``, ``error``, ``cause``) [AWS-REC]
  (LocalStack ``tests/aws/services/stepfunctions/v2/logs/test_logs.py::test_base``);
  dropping Task ``parameters`` too is [INFER].
* The message is one JSON object with keys in AWS's order ``id, type, details,
  previous_event_id, event_timestamp, execution_arn, redrive_count``; every top-level
  scalar is a string; ``details.input``/``output`` stay escaped JSON strings [AWS-REC]
  [ISSUE] (``DataDog/datadog-serverless-functions`` ``aws/logs_monitoring/tests/test_awslogs_handler.py``).
* Escaped input/output over 248 KB is truncated and flagged ``truncated: true`` [DOC]
  https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html .
* Streams are named ``states/<machine>/<YYYY-MM-DD-HH-MM>/<8 hex>`` and shared by
  executions [ISSUE] (one DataDog sample) [AWS-REC] (LocalStack ``test_log_group_with_multiple_runs``).
* PutLogEvents batches hold at most 10,000 events and 1,048,576 bytes, counting 26 bytes
  per event, spanning at most 24 hours [DOC]
  https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html .
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from labkit.clock import to_ms

#: The columns of ``world.deliveries()``, one row per execution history event, in every world.
DELIVERY_COLUMNS = (
    "execution_arn",
    "event_id",
    "event_type",
    "event_time",
    "status",
    "delivered_at",
    "latency_ms",
    "log_group",
    "log_stream",
    "decision",
    "reason",
    "explanation",
)

LEVELS = ("ALL", "ERROR", "FATAL", "OFF")

FATAL_EVENTS = frozenset({"ExecutionAborted", "ExecutionFailed", "ExecutionTimedOut"})

ERROR_EVENTS = FATAL_EVENTS | frozenset(
    {
        "FailStateEntered",
        "LambdaFunctionFailed",
        "LambdaFunctionScheduleFailed",
        "LambdaFunctionStartFailed",
        "LambdaFunctionTimedOut",
        "MapIterationAborted",
        "MapIterationFailed",
        "MapStateAborted",
        "MapStateFailed",
        "ParallelStateAborted",
        "ParallelStateFailed",
        "TaskFailed",
        "TaskStartFailed",
        "TaskStateAborted",
        "TaskSubmitFailed",
        "TaskTimedOut",
        "WaitStateAborted",
        "MapRunAborted",  # [INFER] LocalStack logging.py
        "MapRunFailed",  # [INFER]
    }
)

#: Detail keys that carry execution data, dropped when ``includeExecutionData`` is false.
DATA_KEYS = frozenset(
    {
        "input",
        "inputDetails",
        "output",
        "outputDetails",
        "parameters",  # [INFER] Task events were not recorded
        "assignedVariables",  # [INFER]
        "assignedVariablesDetails",  # [INFER]
    }
)

#: 248 KB limit on escaped input/output in a log message [DOC].
TRUNCATE_BYTES = 248 * 1024
#: PutLogEvents limits [DOC].
MAX_BATCH_EVENTS = 10_000
MAX_BATCH_BYTES = 1_048_576
EVENT_OVERHEAD_BYTES = 26
MAX_BATCH_SPAN_MS = 24 * 3600 * 1000

MESSAGE_KEYS = (
    "id",
    "type",
    "details",
    "previous_event_id",
    "event_timestamp",
    "execution_arn",
    "redrive_count",
)


def is_logged(event_type: str, level: str) -> bool:
    """Whether an event of ``event_type`` is sent to CloudWatch Logs at ``level`` [DOC]."""
    if level == "ALL":
        return True
    if level == "ERROR":
        return event_type in ERROR_EVENTS
    if level == "FATAL":
        return event_type in FATAL_EVENTS
    return False


def level_reason(event_type: str, level: str) -> str:
    """One line saying why an event is not logged at ``level``."""
    if level == "OFF":
        return "logging level is OFF: no event is sent to CloudWatch Logs"
    return f"{event_type} is not logged at level {level}"


def event_details(event: Mapping[str, Any]) -> dict[str, Any]:
    """The ``*EventDetails`` member of a GetExecutionHistory event (``{}`` when it has none)."""
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, Mapping):
            return dict(value)
    return {}


def _escaped_size(text: str) -> int:
    return len(json.dumps(text, ensure_ascii=False).encode("utf-8"))


def truncate_payload(text: str, limit: int = TRUNCATE_BYTES) -> tuple[str, bool]:
    """Cut ``text`` so that its escaped form fits ``limit`` bytes; return (text, truncated)."""
    if _escaped_size(text) <= limit:
        return text, False
    low, high = 0, len(text)
    while low < high:  # longest prefix whose escaped form fits
        mid = (low + high + 1) // 2
        if _escaped_size(text[:mid]) <= limit:
            low = mid
        else:
            high = mid - 1
    return text[:low], True


def log_details(details: Mapping[str, Any], *, include_execution_data: bool) -> dict[str, Any]:
    """The ``details`` object of a log message: stripped or truncated as AWS does.

    Its keys come in alphabetical order: every recorded message has them so
    (``input, inputDetails, roleArn``; ``name, output, outputDetails``; ``cause, error``),
    while the same recordings keep the top-level keys in AWS's non-alphabetical order, so
    the sorting is AWS's, not the recording tool's [AWS-REC] (LocalStack ``test_logs.py``
    fixtures; DataDog samples) [INFER for event types never recorded].
    """
    if not include_execution_data:
        out = {k: v for k, v in details.items() if k not in DATA_KEYS}
    else:
        out = dict(details)
        for key in ("input", "output"):
            if isinstance(out.get(key), str):
                text, truncated = truncate_payload(out[key])
                if truncated:
                    out[key] = text
                    previous = dict(out.get(f"{key}Details") or {})
                    out[f"{key}Details"] = {**previous, "truncated": True}
    return dict(sorted(out.items()))


def log_message(
    event: Mapping[str, Any],
    *,
    execution_arn: str,
    include_execution_data: bool,
    redrive_count: int = 0,
) -> str:
    """The CloudWatch Logs ``message`` for one history event, as AWS writes it [AWS-REC]."""
    record = {
        "id": str(event["id"]),
        "type": str(event["type"]),
        "details": log_details(event_details(event), include_execution_data=include_execution_data),
        "previous_event_id": str(event.get("previousEventId", 0)),
        "event_timestamp": str(to_ms(event["timestamp"])),
        "execution_arn": execution_arn,
        "redrive_count": str(redrive_count),
    }
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def stream_name(machine_name: str, created_at: datetime, rng: random.Random) -> str:
    """``states/<machine>/<YYYY-MM-DD-HH-MM>/<8 hex>`` [ISSUE] (the 8 hex digits are seeded here)."""
    return f"states/{machine_name}/{created_at:%Y-%m-%d-%H-%M}/{rng.getrandbits(32):08x}"


def event_size(message: str) -> int:
    """Bytes a log event counts towards the PutLogEvents batch limit [DOC]."""
    return len(message.encode("utf-8")) + EVENT_OVERHEAD_BYTES


@dataclass(frozen=True)
class LogEvent:
    """One CloudWatch log event: its ``timestamp`` (epoch ms) and ``message``."""

    timestamp: int
    message: str


def batches(events: Sequence[LogEvent]) -> list[tuple[LogEvent, ...]]:
    """Split chronological events into PutLogEvents batches that respect AWS's limits [DOC]."""
    out: list[tuple[LogEvent, ...]] = []
    current: list[LogEvent] = []
    size = 0
    for event in events:
        n = event_size(event.message)
        if current and (
            len(current) >= MAX_BATCH_EVENTS
            or size + n > MAX_BATCH_BYTES
            or event.timestamp - current[0].timestamp > MAX_BATCH_SPAN_MS
        ):
            out.append(tuple(current))
            current, size = [], 0
        current.append(event)
        size += n
    if current:
        out.append(tuple(current))
    return out


def group_by_flush(times_ms: Iterable[int], *, flush_ms: int) -> list[list[int]]:
    """Indices of events grouped into delivery flushes: a flush collects the events that
    occur within ``flush_ms`` of its first event [INFER: AWS documents no flush interval]."""
    groups: list[list[int]] = []
    first = None
    for i, t in enumerate(times_ms):
        if first is None or t - first > flush_ms:
            groups.append([])
            first = t
        groups[-1].append(i)
    return groups
