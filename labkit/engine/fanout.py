"""Parallel and inline Map states: branches and iterations, their events and failures.

labkit runs branches and iterations one after another in virtual time, one of the
interleavings AWS may record (so a Parallel state lasts as long as its branches together,
not as its slowest one [INFER: a simplification]); branch events chain back to
``ParallelStateStarted`` and iteration events to ``MapIterationStarted`` [secondary]
moto/LocalStack, checked against a real Hello World history (turbot/steampipe-plugin-aws
PR #873) [ISSUE].

Failures, as AWS records them:

* a branch or iteration that fails with a catchable error ends the state with one
  ``ParallelStateFailed``/``MapStateFailed`` when no retry remains (``recovery.guarded``);
  a failed iteration also records ``MapIterationFailed``; both point at the failure
  inside [AWS-REC issue 13 #6; floci-io/floci, read off AWS];
* ``States.Runtime`` inside a branch or iteration ends the execution at once: no
  ``…Failed`` event of the Parallel or Map [AWS-REC floci-io/floci];
* a failing branch aborts its running siblings, and the Parallel state fails: when any
  branch fails (an unhandled error or a Fail state), the whole Parallel state fails and
  its branches are stopped [DOC states-parallel, paraphrased];
  a sibling still in a Task when the failure happens records ``TaskStateAborted``
  (``WaitStateAborted`` in a Wait, then ``ParallelStateAborted``/``MapStateAborted`` for a
  Parallel or Map it runs in) and runs no further [AWS-REC issue 13 #12].

  AWS runs the branches at once; labkit runs them one after another, each from where the
  last ended, and makes the outcome independent of their order [INFER, the modelling]:
  the failure time T is how long the earliest failing branch ran (the first defined wins
  a tie); every other branch is aborted at its first sleep (Wait, task, retry interval)
  that would end more than T after it began. A branch run after a failure is cut off
  live (``History.abort_after``); one run before it, or under a later failure's longer T,
  is cut afterwards (``abort_late``): its events from that sleep on are dropped, its
  running states record their ``…Aborted`` events (``previousEventId`` as a live abort
  points them), and the events after it are renumbered and moved back in time by as much
  as the dropped events lasted. A branch that never waits past T is not aborted (Pass,
  Choice and instant tasks take no time). In such a branch, labkit has already called the
  Lambda handlers of the dropped events: an offline handler is pure Python and was
  called past T, which AWS would not do [INFER]; only the history is as AWS records it;
* a Parallel inside an aborted branch records ``ParallelStateAborted`` rather than
  succeeding with its own surviving branches [INFER, the same rule one level down];
* a Fail state without ``Error`` passes no error up: ``ExecutionFailed`` details stay
  ``{}`` [AWS-REC issue 13 #7].

JSONata ``Items`` and ``MaxConcurrency`` are evaluated when the state runs [AWS-REC issue
13 #3, #13]; a Map with ``ProcessorConfig.Mode: DISTRIBUTED`` runs as a Map Run of child
executions (``distributed_map``).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from labkit.engine.errors import Aborted, StateFailure, StatesError
from labkit.engine.paths import dumps, select
from labkit.engine.query import require_list
from labkit.engine.recovery import TERMINAL_ERRORS, guarded
from labkit.engine.states import Map, Parallel


def parallel(run: Any, st: Parallel, data: Any, cur: list, ctx: dict, scope: dict) -> tuple:
    """The Parallel state's body."""

    def attempt() -> list:
        try:
            branch_input = run.arguments(st, data, ctx, scope)
        except StatesError as exc:
            exc.event = exc.event or "ParallelStateFailed"
            raise
        started = run.h.add("ParallelStateStarted", cur[0])
        cur[0] = started
        outermost = run.h.sleeps is None
        if outermost:
            run.h.sleeps = []
        try:
            return branches(run, st, dumps(branch_input), started, cur, scope)
        finally:
            if outermost:
                run.h.sleeps = None

    return guarded(run, st, data, cur, ctx, scope, attempt)


class _Span:
    """Where one branch's events and sleeps lie, and how it ended."""

    __slots__ = (
        "began", "budget", "ended", "ended_at", "first", "first_sleep", "stop", "stop_sleep"
    )  # fmt: skip

    def __init__(self, h: Any, budget: timedelta | None) -> None:
        self.began, self.budget = h.clock.now(), budget
        self.first, self.first_sleep = len(h.events), len(h.sleeps)
        self.ended = "succeeded"

    def close(self, h: Any, ended: str | None = None) -> _Span:
        self.stop, self.stop_sleep = len(h.events), len(h.sleeps)
        self.ended_at = h.clock.now()
        self.ended = ended or self.ended
        return self


def branches(run: Any, st: Parallel, text: str, started: int, cur: list, scope: dict) -> list:
    """Run every branch; on an uncaught failure, abort the siblings still running then."""
    h = run.h
    depth = len(h.open)  # the abortable states around the branches (this Parallel included)
    results, lasts, spans = [], [], []
    failure: StateFailure | None = None
    budget: timedelta | None = None  # how long the earliest failing branch ran
    for branch in st.branches:
        span = _Span(h, budget)
        try:
            with h.abort_after(budget):
                out, last = run.machine(branch, json.loads(text), started, dict(scope))
        except StateFailure as f:
            if f.error in TERMINAL_ERRORS:
                raise
            took = h.clock.now() - span.began
            if budget is None or took < budget:  # the earliest failure wins
                failure, budget = f, took
                span.ended = "first failure"
                for other in spans:
                    other.ended = "failed" if other.ended == "first failure" else other.ended
            else:
                span.ended = "failed"
            spans.append(span.close(h))
            continue
        except Aborted:
            spans.append(span.close(h, "aborted"))
            continue
        spans.append(span.close(h))
        results.append(out)
        lasts.append(last)
    if failure is None:
        if any(span.ended == "aborted" for span in spans):
            raise Aborted()  # a sibling of an enclosing Parallel failed: this one is aborted
        cur[0] = max(lasts, default=started)
        cur[2] = h.add("ParallelStateSucceeded", cur[0])
        return results
    cursor = failure.cursor
    for span in reversed(spans):  # later spans first: earlier ones keep their positions
        if span.ended != "first failure" and not (
            span.ended == "aborted" and span.budget == budget
        ):
            cursor = abort_late(h, span, budget, depth, cursor)
    cur[0] = cursor
    raise StatesError(failure.error, failure.cause, event="ParallelStateFailed", stateful=False)


def abort_late(h: Any, span: _Span, budget: timedelta, depth: int, cursor: int) -> int:
    """Cut a branch that ran past the failure time as if it had been aborted then.

    The branch is aborted at its first sleep (Wait, task, retry interval) that would end
    more than ``budget`` after it began, the same rule ``History.sleep`` applies live
    [INFER]: its events from there on are dropped and its running states record their
    ``…Aborted`` events. Returns ``cursor`` renumbered.
    """
    cutoff = (span.began + budget).timestamp()
    for index in range(span.first_sleep, span.stop_sleep):
        before, instant, seconds, running = h.sleeps[index]
        if instant.timestamp() + seconds > cutoff:
            break
    else:
        return cursor  # nothing of it was running at the failure time
    closing = list(reversed(running[depth:]))  # innermost first, as they unwind live
    at = max(span.began + budget, h.events[before - 1]["timestamp"])
    shift, back = h.cut(before, span.stop, closing, at, span.ended_at)
    # the sleep log follows: this branch's later sleeps went with its events
    del h.sleeps[index : span.stop_sleep]
    h.sleeps[index:] = [
        (n + shift if n > span.stop else n, instant - back, *rest)
        for n, instant, *rest in h.sleeps[index:]
    ]
    return cursor + shift if cursor > span.stop else cursor


def map_state(run: Any, st: Map, data: Any, cur: list, ctx: dict, scope: dict) -> tuple:
    """The inline Map state's body (``execution`` sends distributed Maps to ``distributed_map``)."""

    def attempt() -> list:
        effective, items, workers = map_inputs(run, st, data, ctx, scope)
        started = run.h.add("MapStateStarted", cur[0], {"length": len(items)})
        cur[0] = started
        cursors, finals = [started] * workers, [started] * workers
        results = []
        for index, item in enumerate(items):
            w = index % workers
            item_ctx = {**ctx, "Map": {"Item": {"Index": index, "Value": item}}}
            value = item_input(run, st, effective, item, item_ctx, scope)
            detail = {"name": st.name, "index": index}
            began = run.h.add("MapIterationStarted", cursors[w], detail)
            try:
                out, last = run.machine(st.processor, value, began, dict(scope))
            except StateFailure as failure:
                if failure.error in TERMINAL_ERRORS:
                    raise
                run.h.add("MapIterationFailed", failure.cursor, detail)
                cur[0] = failure.cursor
                raise StatesError(
                    failure.error, failure.cause, event="MapStateFailed", stateful=False
                ) from None
            finals[w] = run.h.add("MapIterationSucceeded", last, detail)
            cursors[w] = last
            results.append(out)
        cur[0] = max(finals)
        cur[2] = run.h.add("MapStateSucceeded", cur[0])
        return results

    return guarded(run, st, data, cur, ctx, scope, attempt)


def map_inputs(run: Any, st: Map, data: Any, ctx: dict, scope: dict) -> tuple[Any, list, int]:
    """The Map's effective input, its items and how many run at once."""
    try:
        if st.language == "JSONata":
            states = {"input": data, "context": ctx}
            effective = data
            if st.items is None:
                items = data
            else:
                items = require_list(run.ata(st.items, states, scope, "Items"), st.items, "Items")
            limit = st.max_concurrency
            if isinstance(limit, str):
                limit = run.ata(limit, states, scope, "MaxConcurrency")
        else:
            env = run.env(data, ctx, scope)
            effective = select(st.input_path, data, field="InputPath", env=env)
            items = select(
                st.items_path, effective, field="ItemsPath", env=run.env(effective, ctx, scope)
            )
            limit = st.max_concurrency
            path = st.options.get("MaxConcurrencyPath")
            if path:
                limit = select(path, effective, field="MaxConcurrencyPath", env=env)
    except StatesError as exc:
        exc.event = exc.event or "MapStateFailed"
        raise
    if not isinstance(items, list):
        raise StatesError(
            "States.Runtime", f"Map state input must be an array but was: {dumps(items)}"
        )
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise StatesError(
            "States.Runtime", f"MaxConcurrency must be a non-negative integer: {dumps(limit)}"
        )  # [INFER] wording
    workers = max(1, min(limit or len(items), len(items)))
    return effective, items, workers


def item_input(run: Any, st: Map, effective: Any, item: Any, ctx: dict, scope: dict) -> Any:
    """One iteration's input: the item, or the ItemSelector's result."""
    if st.item_selector is None:
        return item
    if st.language == "JSONata":
        return run.ata(
            st.item_selector, {"input": effective, "context": ctx}, scope, "ItemSelector"
        )
    return st.item_selector(run.env(effective, ctx, scope))


__all__ = ["item_input", "map_inputs", "map_state", "parallel"]
