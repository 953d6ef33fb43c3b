"""A virtual clock, so that Wait states, retries and log-delivery latency cost no wall time.

Step Functions stamps history events with the wall clock; labkit's offline world
stamps them with this clock instead, so a 3-second Wait shows as 3 seconds in the
timestamps and costs nothing, and two runs with the same seed are identical.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

#: The first instant a seeded world may start at. Chosen inside the period the
#: lesson's facts were checked (November 2026), so log events are never "too old"
#: for CloudWatch Logs' 14-day PutLogEvents rule relative to one another.
EPOCH = datetime(2026, 11, 2, 9, 0, 0, tzinfo=UTC)


def seeded_start(seed: int) -> datetime:
    """Return a deterministic start instant for ``seed`` (whole milliseconds, UTC)."""
    rng = random.Random(f"labkit-start-{seed}")
    offset_ms = rng.randrange(0, 24 * 3600 * 1000)
    return EPOCH + timedelta(milliseconds=offset_ms)


def to_ms(instant: datetime) -> int:
    """Epoch milliseconds of an aware datetime, as CloudWatch Logs timestamps are."""
    return int(round(instant.timestamp() * 1000))


def from_ms(ms: int) -> datetime:
    """The aware UTC datetime for epoch milliseconds."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


class VirtualClock:
    """Simulated time for one world. It only moves when told to."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("VirtualClock needs an aware datetime (use tzinfo=UTC)")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """The current simulated instant (aware, UTC)."""
        return self._now

    def now_ms(self) -> int:
        """The current simulated instant in epoch milliseconds."""
        return to_ms(self._now)

    def advance(self, seconds: float) -> datetime:
        """Move forward by ``seconds`` (never backwards) and return the new instant."""
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        self._now += timedelta(seconds=seconds)
        return self._now

    def advance_to(self, instant: datetime) -> datetime:
        """Move forward to ``instant`` if it is later than now; return the new instant."""
        if instant > self._now:
            self._now = instant
        return self._now

    def __repr__(self) -> str:
        return f"<VirtualClock {self._now.isoformat(timespec='milliseconds')}>"
