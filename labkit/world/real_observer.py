"""What happened to each execution event on a real account: waiting, then inferring.

Real AWS has no audit of delivery decisions: :meth:`Observer.deliveries` matches
``GetExecutionHistory`` against the log events actually delivered (execution ARN + event
id); ``decision`` and ``explanation`` are ``None``. Use :func:`labkit.doctor` for the why.
Delivery is "best-effort": "The completeness and timeliness of log entries are not
guaranteed" [DOC] https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html .
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from labkit.world.delivery import DELIVERY_COLUMNS
from labkit.world.policy_entries import error_code

COLUMNS = list(DELIVERY_COLUMNS)

NO_AUDIT = "real AWS exposes no audit of delivery decisions: inferred from the log events"


@dataclass
class _LogEvent:
    timestamp: int
    ingestion_time: int | None
    group: str
    stream: str


@dataclass
class ObserverState:
    """This world's executions and the log events seen for them."""

    executions: list[str] = field(default_factory=list)
    log_events: dict[tuple[str, int], _LogEvent] = field(default_factory=dict)
    removed: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


class Observer:
    """``settle()`` and ``deliveries()`` of :class:`labkit.world.real.RealWorld`."""

    _state: ObserverState
    settings: Any

    def client(self, name: str, **kwargs: Any) -> Any:  # pragma: no cover - RealWorld's
        raise NotImplementedError

    # -------------------------------------------------------------- settle / deliveries

    def settle(
        self, timeout: float = 120.0, *, poll: float | None = None, quiet: float | None = None
    ) -> None:
        """Wait for this world's executions to end, then for their log events to arrive.

        Polls ``DescribeExecution`` until no execution is ``RUNNING``, then
        ``FilterLogEvents`` on each machine's log group until every event its level logs
        has arrived, nothing new arrived for ``quiet`` seconds, or ``timeout`` passed.
        Delivery is "best-effort": "The completeness and timeliness of log entries are
        not guaranteed" [DOC] https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html .
        """
        from tqdm.auto import tqdm

        poll = self.settings.poll_interval if poll is None else poll
        quiet = self.settings.quiet_seconds if quiet is None else quiet
        deadline = time.monotonic() + timeout
        sfn = self.client("stepfunctions")
        running = list(dict.fromkeys(self._state.executions))
        with tqdm(
            total=len(running), desc="executions", disable=not self.settings.progress, leave=False
        ) as bar:
            while running and time.monotonic() < deadline:
                still = []
                for arn in running:
                    if sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
                        still.append(arn)
                    else:
                        bar.update(1)
                running = still
                if running:
                    time.sleep(poll)
        if running:
            self._out(f"labkit: {len(running)} execution(s) still RUNNING after {timeout:g} s")
        expected = self._expected()
        total = sum(len(v) for v in expected.values())
        with tqdm(
            total=total, desc="log events", disable=not self.settings.progress, leave=False
        ) as bar:
            last_change = time.monotonic()
            while True:
                before = len(self._state.log_events)
                self._read_logs(expected)
                found = sum(
                    1 for keys in expected.values() for k in keys if k in self._state.log_events
                )
                bar.n = found
                bar.refresh()
                if len(self._state.log_events) != before:
                    last_change = time.monotonic()
                now = time.monotonic()
                if found >= total or now >= deadline or now - last_change >= quiet:
                    break
                time.sleep(poll)

    def _machines(self) -> dict[str, dict[str, Any]]:
        """execution ARN -> {level, include, group, history} for this world's executions."""
        sfn = self.client("stepfunctions")
        from labkit.world.logging_config import destination_arn, parse_log_group_arn

        out = {}
        for arn in dict.fromkeys(self._state.executions):
            machine = sfn.describe_state_machine_for_execution(executionArn=arn)
            config = machine.get("loggingConfiguration") or {}
            dest = destination_arn(config)
            parts = parse_log_group_arn(dest) if dest else None
            history: list[dict[str, Any]] = []
            for page in sfn.get_paginator("get_execution_history").paginate(executionArn=arn):
                history.extend(page["events"])
            out[arn] = {
                "level": config.get("level", "OFF"),
                "include": bool(config.get("includeExecutionData", False)),
                "group": parts["name"] if parts else None,
                "history": history,
            }
        return out

    def _expected(self) -> dict[str, set[tuple[str, int]]]:
        from labkit.world.delivery import is_logged

        expected: dict[str, set[tuple[str, int]]] = {}
        for arn, info in self._machines().items():
            if info["group"] is None:
                continue
            keys = {
                (arn, int(e["id"])) for e in info["history"] if is_logged(e["type"], info["level"])
            }
            expected.setdefault(info["group"], set()).update(keys)
        return expected

    def _read_logs(self, expected: Mapping[str, Any]) -> None:
        from botocore.exceptions import ClientError

        logs = self.client("logs")
        for group in expected:
            try:
                pages = logs.get_paginator("filter_log_events").paginate(logGroupName=group)
                for page in pages:
                    for event in page.get("events", []):
                        self._note_log_event(group, event)
            except ClientError as exc:
                if error_code(exc) != "ResourceNotFoundException":
                    raise

    def _note_log_event(self, group: str, event: Mapping[str, Any]) -> None:
        try:
            record = json.loads(event.get("message", ""))
            key = (str(record["execution_arn"]), int(record["id"]))
        except (ValueError, KeyError, TypeError):
            return  # e.g. the validation stream's message
        self._state.log_events.setdefault(
            key,
            _LogEvent(
                timestamp=int(event.get("timestamp", 0)),
                ingestion_time=event.get("ingestionTime"),
                group=group,
                stream=str(event.get("logStreamName", "")),
            ),
        )

    def deliveries(self):
        """One row per history event of this world's executions (offline columns).

        ``status``: ``delivered`` (its log event was found), ``not logged`` (the level
        excludes it) or ``dropped`` (expected, not found in the log group by now: real AWS
        does not say whether it is late or lost). ``decision``/``explanation`` are ``None``.
        """
        import pandas as pd

        from labkit.world.delivery import is_logged, level_reason

        machines = self._machines()
        self._read_logs({m["group"]: None for m in machines.values() if m["group"]})
        rows = []
        for arn, info in machines.items():
            for e in info["history"]:
                key = (arn, int(e["id"]))
                seen = self._state.log_events.get(key)
                event_time = e["timestamp"]
                if seen is not None:
                    at_ms = seen.ingestion_time or seen.timestamp
                    delivered_at = datetime.fromtimestamp(at_ms / 1000, UTC)
                    status, reason = "delivered", f"found in {seen.stream} ({NO_AUDIT})"
                    latency = int(at_ms - int(event_time.timestamp() * 1000))
                    group, stream = seen.group, seen.stream
                elif not is_logged(e["type"], info["level"]):
                    status, reason = "not logged", level_reason(e["type"], info["level"])
                    delivered_at, latency, group, stream = pd.NaT, None, info["group"], None
                else:
                    status = "dropped"
                    reason = (
                        f"no log event for it in {info['group']} yet; {NO_AUDIT}; "
                        "run labkit.doctor(world, state_machine_arn) for the cause"
                    )
                    delivered_at, latency, group, stream = pd.NaT, None, info["group"], None
                rows.append(
                    {
                        "execution_arn": arn,
                        "event_id": int(e["id"]),
                        "event_type": e["type"],
                        "event_time": event_time,
                        "status": status,
                        "delivered_at": delivered_at,
                        "latency_ms": latency,
                        "log_group": group,
                        "log_stream": stream,
                        "decision": None,
                        "reason": reason,
                        "explanation": None,
                    }
                )
        frame = pd.DataFrame(rows, columns=COLUMNS)
        frame["event_id"] = frame["event_id"].astype("int64")
        frame["event_time"] = pd.to_datetime(frame["event_time"], utc=True)
        frame["delivered_at"] = pd.to_datetime(frame["delivered_at"], utc=True)
        frame["latency_ms"] = frame["latency_ms"].astype("Int64")
        return frame
