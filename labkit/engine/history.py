"""The execution history: one place assigns event ids, previousEventIds and timestamps.

Each event is shaped exactly like an item of boto3's ``get_execution_history()["events"]``:
``timestamp``, ``type``, ``id``, ``previousEventId`` and one ``<camelType>EventDetails``
key (botocore ``stepfunctions`` model, HistoryEvent) [DOC]. Timestamps come from the
virtual clock; each event also moves it on by a few seeded milliseconds, so a run
looks like a real one and is identical for the same seed.

Standard workflows keep at most 25,000 events; the event that would be number 25,000
becomes ``ExecutionFailed`` (``States.Runtime``) instead (aws-behaviour: limits;
floci-io/floci#2734, measured on AWS) [ISSUE].
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import lru_cache
from typing import Any

from labkit.clock import VirtualClock
from labkit.engine.errors import Aborted

TERMINAL = frozenset(
    {"ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"}
)


_STEPS = tuple(timedelta(milliseconds=ms) for ms in range(1, 10))


class HistoryFull(Exception):
    """The next non-terminal event would reach the history limit."""


class TimedOut(Exception):
    """The execution's TimeoutSeconds passed."""


class History:
    """Appends events, numbering them 1, 2, … and stamping them in virtual time."""

    def __init__(
        self, clock: VirtualClock, rng: random.Random, max_events: int, deadline: Any = None
    ) -> None:
        self.clock = clock
        self.rng = rng
        self.max_events = max_events
        self.deadline = deadline
        #: while a sibling branch has failed: the instant this branch is aborted at
        self.abort_at: Any = None
        #: the abortable states running now, outermost first: (aborted event type, cursor)
        self.open: list[tuple[str, list]] = []
        #: while a Parallel state runs, each sleep: (events so far, instant, seconds, the
        #: aborted events its running states would record, outermost first)
        self.sleeps: list[tuple[int, Any, float, tuple]] | None = None
        self.events: list[dict[str, Any]] = []

    @property
    def last_id(self) -> int:
        return len(self.events)

    def add(self, event_type: str, previous: int, details: dict | None = None) -> int:
        """Record one event after ``previous`` and return its id."""
        event_id = len(self.events) + 1
        terminal = event_type in TERMINAL
        if not terminal:
            if event_id >= self.max_events:
                raise HistoryFull()
            if self.events:
                step = _STEPS[int(self.rng.random() * 9)]  # 1-9 ms, seeded
                if self.deadline is None:
                    self.clock.advance_to(self.clock.now() + step)
                else:
                    self._advance(step.total_seconds())
        event: dict[str, Any] = {
            "timestamp": self.clock.now(),
            "type": event_type,
            "id": event_id,
            "previousEventId": previous,
        }
        if details is not None:
            event[_details_key(event_type)] = details
        self.events.append(event)
        return event_id

    def sleep(self, seconds: float) -> None:
        """Wait (a Wait state, a task, a retry interval): stop at an abort or the deadline."""
        if self.sleeps is not None:
            running = tuple((kind, cur[0]) for kind, cur in self.open)
            self.sleeps.append((len(self.events), self.clock.now(), seconds, running))
        if self.abort_at is not None:
            now = self.clock.now()
            if now.timestamp() + seconds > self.abort_at.timestamp() and (
                self.deadline is None or self.abort_at <= self.deadline
            ):
                self.clock.advance_to(max(now, self.abort_at))
                raise Aborted()
        self._advance(seconds)

    @contextmanager
    def abort_after(self, budget: timedelta | None) -> Iterator[None]:
        """Abort whatever waits more than ``budget`` from now (a failed sibling's time)."""
        previous = self.abort_at
        if budget is not None:
            until = self.clock.now() + budget
            self.abort_at = until if previous is None else min(previous, until)
        try:
            yield
        finally:
            self.abort_at = previous

    def cut(
        self, start: int, stop: int, closing: list[tuple[str, int]], at: Any, ended: Any
    ) -> tuple[int, timedelta]:
        """Replace the events ``start:stop`` (list indices) with ``closing`` events from ``at``.

        ``closing`` holds (type, previousEventId) pairs that point at kept events. The
        events after ``stop`` are renumbered (their ``previousEventId`` follows) and move
        back in time by as much as the dropped events lasted (they began at ``ended``);
        so does the clock. Returns (id shift, time shift): an old id past ``stop`` is now
        ``id + shift``, an old instant after ``ended`` is now ``instant - back``.
        """
        tail = self.events[stop:]
        del self.events[start:]
        shift = len(closing) - (stop - start)
        for event_type, previous in closing:
            at = at + _STEPS[int(self.rng.random() * 9)]
            self.events.append(
                {"timestamp": at, "type": event_type, "id": len(self.events) + 1,
                 "previousEventId": previous}
            )  # fmt: skip
        back = max(ended - at, timedelta(0))
        for event in tail:
            event["id"] += shift
            if event["previousEventId"] > stop:
                event["previousEventId"] += shift
            event["timestamp"] -= back
            self.events.append(event)
        if back:
            self.clock = VirtualClock(self.clock.now() - back)
        return shift, back

    def _advance(self, seconds: float) -> None:
        """Advance virtual time; stop at the deadline if it comes first."""
        if (
            self.deadline is not None
            and self.clock.now().timestamp() + seconds > self.deadline.timestamp()
        ):
            self.clock.advance_to(self.deadline)
            raise TimedOut()
        self.clock.advance(seconds)


_DETAIL_KEYS = {
    "StateEntered": "stateEnteredEventDetails",
    "StateExited": "stateExitedEventDetails",
}


@lru_cache(maxsize=256)
def _details_key(event_type: str) -> str:
    for suffix, key in _DETAIL_KEYS.items():
        if event_type.endswith(suffix):
            return key
    return event_type[0].lower() + event_type[1:] + "EventDetails"
