"""Who writes the logs in the offline world: ``delivery.logs.amazonaws.com``, after the fact.

At :meth:`~labkit.world.offline.OfflineWorld.settle`, each finished execution's events
are filtered by the level captured when it started, formatted as AWS's log messages
(``labkit.world.delivery`` says *what*; this module *does* it) and delivered **as
``delivery.logs.amazonaws.com``**, after a modelled latency, only if the log group's
resource policies allow ``logs:CreateLogStream`` (for a new stream) and
``logs:PutLogEvents`` on the stream's ARN [DOC]
https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/logs/AWS-logs-infrastructure-CWL.html .
Otherwise the events are dropped silently and the execution is unaffected [DOC]
"Publishing logs doesn't block or slow down executions"
(https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html). The execution
role plays no part in delivery [ISSUE] qiita.com/azamarassy/items/71bbeb75df66fd24a98c.

Delivery latency and flushing are not documented by AWS ("best-effort basis" [DOC]);
they are modelled [INFER] as: events of one execution that occur within ``flush_ms`` of
each other go in one flush, delivered ``latency_ms`` (a seeded uniform draw) after the
flush's last event. A stream is reused for the same machine and group for
``stream_rotation_s`` [INFER] and named after the minute it was created.

Every history event gets an audit row (delivered, dropped or not logged, and why):
:meth:`LogDelivery.table`, what ``world.deliveries()`` shows. Real AWS has no such audit.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from labkit.clock import to_ms
from labkit.world import authorize, delivery, packed_log_events
from labkit.world.delivery import DELIVERY_COLUMNS
from labkit.world.sfn_records import Execution

if TYPE_CHECKING:
    from labkit.world.offline import OfflineWorld


@dataclass(slots=True)
class AuditRow:
    """One history event's fate: one row of ``world.deliveries()``."""

    execution_arn: str
    event_id: int
    event_type: str
    event_time: datetime
    status: str
    delivered_at: datetime | None = None
    latency_ms: int | None = None
    log_group: str | None = None
    log_stream: str | None = None
    decision: str | None = None
    reason: str = ""
    explanation: Any = None


@dataclass
class Flush:
    """Logged events of one execution that travel together, and when they arrive."""

    execution: Execution
    events: list[dict[str, Any]]
    messages: list[str]
    delivered_at: datetime
    group: str
    region: str
    account: str


class LogDelivery:
    """The log delivery of one offline world, and its audit rows."""

    def __init__(self, world: OfflineWorld) -> None:
        self.world = world
        self.rows: dict[str, list[AuditRow]] = {}  # execution ARN -> rows by event id - 1
        self.streams: dict[tuple[str, str], tuple[str, datetime]] = {}
        # One copy of each audit text and latency: thousands of rows repeat a few values.
        self._shared: dict[Any, Any] = {}

    def clear(self) -> None:
        """Forget every row and stream."""
        self.rows.clear()
        self.streams.clear()
        self._shared.clear()

    def plan(self, e: Execution) -> list[Flush]:
        """Rows for every event of ``e``; the flushes its logged events travel in."""
        from labkit.world import logging_config

        level = e.logging.get("level", "OFF")
        include = bool(e.logging.get("includeExecutionData", False))
        arn = logging_config.destination_arn(e.logging) or ""
        parts = logging_config.parse_log_group_arn(arn) or {}
        group = parts.get("name")
        logged = []
        rows = self.rows[e.arn] = []
        for event in e.events:
            row = AuditRow(
                e.arn, int(event["id"]), sys.intern(event["type"]), event["timestamp"],
                "not logged", log_group=group if level != "OFF" else None,
                reason=self._share(delivery.level_reason(event["type"], level)),
            )  # fmt: skip
            rows.append(row)
            if group and delivery.is_logged(event["type"], level):
                logged.append(event)
        flushes = []
        times = [to_ms(ev["timestamp"]) for ev in logged]
        for i, idx in enumerate(delivery.group_by_flush(times, flush_ms=self.world.flush_ms)):
            events = [logged[j] for j in idx]
            rng = random.Random(f"labkit-latency-{self.world.seed}-{e.arn}-{i}")
            latency = rng.randint(*self.world.latency_ms)
            messages = [
                delivery.log_message(ev, execution_arn=e.arn, include_execution_data=include)
                for ev in events
            ]
            delivered_at = events[-1]["timestamp"] + timedelta(milliseconds=latency)
            flushes.append(
                Flush(
                    e,
                    events,
                    messages,
                    delivered_at,
                    group or "",
                    parts["region"],
                    parts["account"],
                )
            )
        return flushes

    def _share(self, value: Any) -> Any:
        """``value``, or the equal one this world already keeps (strings and ints only)."""
        return self._shared.setdefault(value, value)

    def _stream_for(self, flush: Flush) -> tuple[str, bool]:
        key = (flush.group, flush.execution.machine.name)
        current = self.streams.get(key)
        with self.world.moto.installed():
            log_group = self.world.moto.backend("logs", flush.region).groups.get(flush.group)
            exists = (
                log_group is not None and current is not None and current[0] in log_group.streams
            )
        if (
            current is not None
            and exists
            and flush.delivered_at - current[1] < timedelta(seconds=self.world.stream_rotation_s)
        ):
            return current[0], False
        rng = random.Random(
            f"labkit-stream-{self.world.seed}-{flush.group}-{key[1]}-{to_ms(flush.delivered_at)}"
        )
        return delivery.stream_name(key[1], flush.delivered_at, rng), True

    def deliver(self, flush: Flush) -> None:
        by_id = self.rows[flush.execution.arn]
        rows = [by_id[int(ev["id"]) - 1] for ev in flush.events]  # ids count from 1 [DOC]
        for row in rows:
            row.log_group = flush.group
        if not self.world.log_group_exists(flush.region, flush.account, flush.group):
            missing = self._share(f"log group {flush.group} does not exist")
            for row in rows:
                row.status, row.reason = "dropped", missing
            return
        stream, new = self._stream_for(flush)
        policies = authorize.load_resource_policies(
            (p.name, p.document) for p in self.world.policies.applicable(flush.group)
        )
        resource = authorize.stream_arn(flush.region, flush.account, flush.group, stream)
        context = authorize.delivery_context(flush.region, flush.account, flush.group)
        actions = (["logs:CreateLogStream"] if new else []) + ["logs:PutLogEvents"]
        decision = None
        for action in actions:
            decision = authorize.delivery_decision(
                policies, action=action, resource=resource, context=context
            )
            if not decision.allowed:
                break
            if action == "logs:CreateLogStream":
                with self.world.moto.installed():
                    self.world.moto.backend("logs", flush.region).create_log_stream(
                        flush.group, stream
                    )
                self.streams[(flush.group, flush.execution.machine.name)] = (
                    stream,
                    flush.delivered_at,
                )
        assert decision is not None
        reason = self._share(decision.reason)
        for row in rows:
            row.decision = decision.outcome.value
            row.reason = reason
            row.explanation = decision
            row.log_stream = stream
        if not decision.allowed:
            for row in rows:
                row.status = "dropped"
            return
        events = [
            delivery.LogEvent(to_ms(ev["timestamp"]), msg)
            for ev, msg in zip(flush.events, flush.messages, strict=True)
        ]
        with self.world.moto.installed():
            backend = self.world.moto.backend("logs", flush.region)
            moto_stream = backend.groups[flush.group].streams[stream]
            for batch in delivery.batches(events):
                start = len(moto_stream.events)
                backend.put_log_events(
                    flush.group,
                    stream,
                    [{"timestamp": ev.timestamp, "message": ev.message} for ev in batch],
                )
                packed_log_events.pack(moto_stream, start)
        for row, ev in zip(rows, flush.events, strict=True):
            row.status = "delivered"
            row.delivered_at = flush.delivered_at
            row.latency_ms = self._share(to_ms(flush.delivered_at) - to_ms(ev["timestamp"]))

    def table(self) -> Any:
        """One row per execution history event: delivered, dropped or not logged, and why.

        Real AWS has no such audit; this is what the lessons show.
        """
        import pandas as pd

        starts = {arn: e.start for arn, e in self.world.sfn.executions.items()}
        rows = sorted(
            (row for rows in self.rows.values() for row in rows),
            key=lambda r: (starts.get(r.execution_arn, r.event_time), r.execution_arn, r.event_id),
        )
        frame = pd.DataFrame(
            [{c: getattr(r, c) for c in DELIVERY_COLUMNS} for r in rows],
            columns=list(DELIVERY_COLUMNS),
        )
        frame["event_id"] = frame["event_id"].astype("int64")
        frame["event_time"] = pd.to_datetime(frame["event_time"], utc=True)
        frame["delivered_at"] = pd.to_datetime(frame["delivered_at"], utc=True)
        frame["latency_ms"] = frame["latency_ms"].astype("Int64")
        return frame


__all__ = ["AuditRow", "Flush", "LogDelivery"]
