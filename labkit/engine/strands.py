"""Parallel branches and Map iterations run at once in virtual time, one at a time in Python.

What AWS does: a Parallel state "causes the interpreter to execute each branch starting
with the state named in its StartAt field, as concurrently as possible, and wait until
each branch terminates" (https://states-language.net/#parallel-state) [DOC]; the state
ends after its slowest branch. An inline Map runs its iterations concurrently, "up to 40
concurrent iterations", fewer when ``MaxConcurrency`` says so
(https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html) [DOC].

How labkit models it: each branch or iteration is a *strand* (a greenlet) with the one
``History`` and its one virtual clock. Only one strand runs at a time. A strand runs until
it waits (a Wait state, a task that takes time, a retry interval): then it hands back to
its *hub* (the Parallel or Map state that started it), which resumes the strand whose
wait ends first, the lowest branch or item index first when two end at the same instant,
so the same machine and seed always give the same history. The instant events of one
strand (Pass, Choice, task scheduling) stay together, so the clock never goes backwards
and event ids follow timestamps; a strand woken while another's instant events ran
resumes a few milliseconds late [INFER: the interleaving of same-instant events is not
documented]. A hub whose strands all wait waits itself, in its own hub, so nested
Parallel and Map states share the one timeline.

Why hand-written around greenlet: the engine's states are plain functions that call
``History.sleep`` deep inside tasks and retries; asyncio would turn every state body into
a coroutine, threads would need locks around every event and a switch costs far more.
greenlet (the coroutine library behind SQLAlchemy and gevent) suspends a plain call stack
where it stands, and its switches cost about a microsecond, so a Map of thousands of
iterations stays in milliseconds; what none provides is the scheduling by virtual time
that this module adds.

Aborts: when a strand fails, its hub notes the failure time T and resumes every sibling
that waits past T by raising ``Aborted`` in it, so the states it is in record their
``…Aborted`` events [AWS-REC issue 13 #12]; a sibling whose wait ends by T goes on until
it next waits past T (a branch entering a Task while another fails records
TaskStateEntered, LambdaFunctionScheduled, LambdaFunctionStarted, then TaskStateAborted,
as AWS recorded it). Strands not yet started (Map items waiting for a free slot) never
start.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from greenlet import GreenletExit, getcurrent, greenlet

from labkit.engine.errors import Aborted


class Strand(greenlet):
    """A greenlet that runs branches or iterations, one job after another.

    Creating a greenlet costs about ten times a switch, so finished strands wait in a
    per-thread pool for their next job. ``kind`` is "branch" or "iteration" and
    ``history`` the History of the job running now; ``result`` holds its (outcome, value)
    until the hub takes it.
    """

    def __init__(self) -> None:
        super().__init__(self._jobs)
        self.history: Any = None
        self.kind = ""
        self.job: Callable[[], tuple] | None = None
        self.result: tuple | None = None

    def _jobs(self) -> None:
        while True:
            job, self.job = self.job, None
            self.result = job()
            del job  # nothing of a finished job stays alive while the strand waits
            self.parent.switch(None)  # tells the hub this job ended


_POOL = threading.local()
_POOL_SIZE = 64


def _strand(history: Any, kind: str, job: Callable[[], tuple]) -> Strand:
    pool = getattr(_POOL, "strands", None)
    strand = pool.pop() if pool else Strand()
    strand.parent = getcurrent()
    strand.history, strand.kind, strand.job = history, kind, job
    return strand


def _release(strand: Strand) -> tuple:
    result, strand.result, strand.history = strand.result, None, None
    pool = getattr(_POOL, "strands", None)
    if pool is None:
        pool = _POOL.strands = []
    if len(pool) < _POOL_SIZE:
        pool.append(strand)
    return result


def current_kind(history: Any) -> str | None:
    """The kind of strand running now for ``history``: "branch", "iteration" or None."""
    strand = getcurrent()
    if isinstance(strand, Strand) and strand.history is history:
        return strand.kind
    return None


def pause(history: Any, until: datetime) -> bool:
    """Suspend the running strand of ``history`` until ``until``; False outside a strand.

    Returns when the hub resumes the strand (the clock is then at ``until`` or a little
    later), or raises ``Aborted`` there when a sibling failed in the meantime.
    """
    strand = getcurrent()
    if not (isinstance(strand, Strand) and strand.history is history):
        return False
    strand.parent.switch(("wait", until))
    return True


class Hub:
    """Runs strands by virtual time; ``spawn`` adds one, ``run`` runs them all to their end.

    Each strand's function returns ``(outcome, value)``; ``ended(order, outcome, value)``
    hears every ending and may ``spawn`` more (a Map's next item) or ``fail`` the hub.
    """

    def __init__(self, history: Any) -> None:
        self.h = history
        #: told of every ending: ``ended(order, outcome, value)``
        self.ended: Callable[[int, str, Any], None] = lambda order, outcome, value: None
        #: (instant, order, strand, started): the strands waiting, the earliest first
        self.queue: list[tuple[datetime, int, Strand, bool]] = []
        #: the failure time: strands waiting past it are aborted, none start after it
        self.abort_at: datetime | None = None

    def spawn(self, order: int, kind: str, body: Callable[[], tuple]) -> None:
        strand = _strand(self.h, kind, body)
        heapq.heappush(self.queue, (self.h.clock.now(), order, strand, False))

    def fail(self) -> None:
        """A strand failed now: abort the siblings that wait past this instant."""
        if self.abort_at is None:
            self.abort_at = self.h.clock.now()

    def stop(self) -> None:
        """End every other strand at once, recording nothing (the execution is ending)."""
        queue, self.queue = self.queue, []
        for _until, _order, strand, started in queue:
            if started:
                strand.throw(GreenletExit)
            else:
                strand.job = None
                _release(strand)

    def run(self) -> None:
        try:
            while self.queue:
                until, order, strand, started = heapq.heappop(self.queue)
                if self.abort_at is not None and until > self.abort_at:
                    if started:  # waiting: record its aborted events now
                        self._handle(order, strand, strand.throw(Aborted()))
                    else:  # never started: it never will
                        strand.job = None
                        _release(strand)
                    continue
                try:
                    self.h.sleep_until(until)  # in an enclosing hub, that hub runs meanwhile
                except Aborted:  # the enclosing hub aborts this state: abort every strand
                    self._abort_all(until, order, strand, started)
                    raise
                self._handle(order, strand, strand.switch())
        finally:
            self.stop()  # after an error that ends the execution

    def _handle(self, order: int, strand: Strand, message: tuple | None) -> None:
        if message is None:  # its job ended
            self.ended(order, *_release(strand))
        else:  # ("wait", until)
            heapq.heappush(self.queue, (message[1], order, strand, True))

    def _abort_all(self, until: datetime, order: int, strand: Strand, started: bool) -> None:
        waiting = sorted(
            [(order, started, strand)] + [(o, b, s) for _u, o, s, b in self.queue],
            key=lambda entry: entry[0],
        )
        self.queue.clear()
        self.abort_at = self.h.clock.now()
        for order, started, strand in waiting:
            if started:
                self._handle(order, strand, strand.throw(Aborted()))
            else:
                strand.job = None
                _release(strand)


__all__ = ["Hub", "Strand", "current_kind", "pause"]
