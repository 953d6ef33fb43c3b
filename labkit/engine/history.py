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
from datetime import timedelta
from functools import lru_cache
from typing import Any

from labkit.clock import VirtualClock
from labkit.engine import strands

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
        """Wait (a Wait state, a task, a retry interval) ``seconds`` of virtual time."""
        self.sleep_until(self.clock.now() + timedelta(seconds=seconds))

    def sleep_until(self, until: Any) -> None:
        """Wait until ``until``: inside a branch or iteration its hub runs the others
        meanwhile (``strands``); else the clock moves on, stopping at the deadline."""
        if until <= self.clock.now() and not strands.current_kind(self):
            return
        if not strands.pause(self, until):
            if self.deadline is not None and until > self.deadline:
                self.clock.advance_to(self.deadline)
                raise TimedOut()
            self.clock.advance_to(until)

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
