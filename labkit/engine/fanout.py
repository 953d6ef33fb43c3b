"""Parallel and inline Map states: branches and iterations, their events and failures.

Branches and iterations run at once in virtual time (``strands``): a Parallel state
lasts as long as its slowest branch, and an inline Map runs up to ``MaxConcurrency``
iterations at once, and never more than 40 [DOC state-map-inline: "up to 40 concurrent
iterations"; a larger MaxConcurrency, or 0, gives 40: INFER]. Branch events chain back to
``ParallelStateStarted`` and iteration events to ``MapIterationStarted``; an iteration
that takes a slot another iteration freed starts from that iteration's last event, so
each slot's iterations form one chain [secondary: moto/LocalStack, checked against a real
Hello World history (turbot/steampipe-plugin-aws PR #873) ISSUE; floci-io/floci
``AslExecutorBranchHistoryEventsTest``, read off AWS: both iterations of a Map without a
limit start from MapStateStarted]. ``ParallelStateSucceeded``/``MapStateSucceeded``
point at the last event any branch or iteration recorded [floci, read off AWS].

Failures, as AWS records them:

* a branch or iteration that fails with a catchable error ends the state with one
  ``ParallelStateFailed``/``MapStateFailed`` when no retry remains (``recovery.guarded``);
  a failed iteration also records ``MapIterationFailed``; both point at the failure
  inside [AWS-REC issue 13 #6; floci-io/floci, read off AWS];
* a Task that fails with ``TaskFailed`` and no Catch of its own, directly in a Parallel
  branch, then records ``TaskStateAborted`` (pointing at the TaskFailed event), and
  ``ParallelStateFailed`` still points at the TaskFailed event [AWS-REC floci-io/floci
  ``taskFailureEndingABranchIsRecordedAsAbortedAndPassesItsCauseThrough``]; labkit does the
  same after ``LambdaFunctionFailed`` [INFER: the same failure for a Lambda function ARN],
  but not after a timeout, nor in a Map iteration [not recorded either way];
* ``States.Runtime`` inside a branch or iteration ends the execution at once: no
  ``…Failed`` event of the Parallel or Map [AWS-REC floci-io/floci], and the siblings
  record nothing more [INFER];
* a failing branch aborts its running siblings, and the Parallel state fails: "If any
  branch fails, ... the entire Parallel state fails and all its branches are stopped"
  [DOC states-parallel, paraphrased]; a sibling still in a Task when the failure happens
  records ``TaskStateAborted`` (``WaitStateAborted`` in a Wait, then
  ``ParallelStateAborted``/``MapStateAborted`` for a Parallel or Map it runs in) and runs no
  further [AWS-REC issue 13 #12]. When the aborted event of each state lands, and which
  sibling records its events first, is labkit's model (``strands``) [INFER];
* an inline Map whose iteration fails uncaught stops its other iterations: "If any
  iteration fails, the Map state fails and all iterations are stopped" [DOC
  state-map-inline, paraphrased]: the iterations still running record their states'
  ``…Aborted`` events and ``MapIterationAborted`` (pointing at the iteration's last event
  [INFER]), the ones not started never start, then ``MapStateFailed`` [the event list:
  DOC, the log-level table; the order: INFER, as for Parallel];
* a Fail state without ``Error`` passes no error up: ``ExecutionFailed`` details stay
  ``{}`` [AWS-REC issue 13 #7].

JSONata ``Items`` and ``MaxConcurrency`` are evaluated when the state runs [AWS-REC issue
13 #3, #13]; a Map with ``ProcessorConfig.Mode: DISTRIBUTED`` runs as a Map Run of child
executions (``distributed_map``).
"""

from __future__ import annotations

import json
from typing import Any

from labkit.engine.errors import Aborted, StateFailure, StatesError
from labkit.engine.paths import dumps, select
from labkit.engine.query import require_list
from labkit.engine.recovery import TERMINAL_ERRORS, guarded
from labkit.engine.states import Map, Parallel
from labkit.engine.strands import Hub

#: "In this mode, the Map state supports up to 40 concurrent iterations." [DOC]
INLINE_MAP_CONCURRENCY = 40


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
        return branches(run, st, dumps(branch_input), started, cur, scope)

    return guarded(run, st, data, cur, ctx, scope, attempt)


class _Outcomes:
    """How the branches or iterations of one state ended (the first failure wins)."""

    def __init__(self, count: int) -> None:
        self.results: list[Any] = [None] * count
        self.lasts: list[int] = []
        self.failure: StateFailure | StatesError | None = None
        self.fatal: BaseException | None = None


def _strand_body(fn: Any) -> Any:
    """Wrap a branch's work so that its strand returns (outcome, value), never raises."""

    def body() -> tuple:
        try:
            return fn()
        except StateFailure as failure:
            if failure.error in TERMINAL_ERRORS:
                return "fatal", failure
            return "failed", failure
        except StatesError as exc:  # an iteration's input could not be made
            return "error", exc
        except Aborted:
            return "aborted", None
        except Exception as exc:  # HistoryFull, TimedOut: they end the execution
            return "fatal", exc

    return body


def _collect(hub: Hub, outcomes: _Outcomes, more: Any = None) -> Any:
    """What the hub does when a strand ends: keep its result, start the next, or fail."""

    def ended(order: int, outcome: str, value: Any) -> None:
        if outcome == "ok":
            outcomes.results[order] = value[0]
            outcomes.lasts.append(value[1])
            if more is not None and hub.abort_at is None:
                more(order)
        elif outcome == "fatal":
            outcomes.fatal = outcomes.fatal or value
            hub.stop()
        elif outcome in ("failed", "error"):
            if outcomes.failure is None:
                outcomes.failure = value
            hub.fail()

    return ended


def _run_hub(hub: Hub, outcomes: _Outcomes) -> None:
    try:
        hub.run()
    finally:
        if outcomes.fatal is not None:
            raise outcomes.fatal


def branches(run: Any, st: Parallel, text: str, started: int, cur: list, scope: dict) -> list:
    """Run every branch at once; on an uncaught failure, abort the siblings still running."""
    h = run.h
    outcomes = _Outcomes(len(st.branches))
    hub = Hub(h)
    hub.ended = _collect(hub, outcomes)
    for index, branch in enumerate(st.branches):

        def work(branch: Any = branch) -> tuple:
            return "ok", run.machine(branch, json.loads(text), started, dict(scope))

        hub.spawn(index, "branch", _strand_body(work))
    _run_hub(hub, outcomes)
    failure = outcomes.failure
    if failure is None:
        cur[0] = max(outcomes.lasts, default=started)
        cur[2] = h.add("ParallelStateSucceeded", cur[0])
        return outcomes.results
    cur[0] = failure.cursor
    raise StatesError(failure.error, failure.cause, event="ParallelStateFailed", stateful=False)


def map_state(run: Any, st: Map, data: Any, cur: list, ctx: dict, scope: dict) -> tuple:
    """The inline Map state's body (``execution`` sends distributed Maps to ``distributed_map``)."""

    def attempt() -> list:
        effective, items, workers = map_inputs(run, st, data, ctx, scope)
        workers = min(workers, INLINE_MAP_CONCURRENCY)
        started = run.h.add("MapStateStarted", cur[0], {"length": len(items)})
        cur[0] = started
        return iterations(run, st, effective, items, workers, started, cur, ctx, scope)

    return guarded(run, st, data, cur, ctx, scope, attempt)


def iterations(
    run: Any, st: Map, effective: Any, items: list, workers: int, started: int, cur: list,
    ctx: dict, scope: dict,
) -> list:  # fmt: skip
    """Run the items, ``workers`` at a time; on an uncaught failure, abort the running ones."""
    h = run.h
    outcomes = _Outcomes(len(items))
    cursors, finals = [started] * workers, [started] * workers
    slot_of: dict[int, int] = {}
    waiting = iter(range(len(items)))
    hub = Hub(h)

    def start(slot: int) -> None:
        index = next(waiting, None)
        if index is None:
            return
        slot_of[index] = slot

        def work() -> tuple:
            item_ctx = {**ctx, "Map": {"Item": {"Index": index, "Value": items[index]}}}
            value = item_input(run, st, effective, items[index], item_ctx, scope)
            detail = {"name": st.name, "index": index}
            began = h.add("MapIterationStarted", cursors[slot], detail)
            try:
                out, last = run.machine(st.processor, value, began, dict(scope))
            except StateFailure as failure:
                if failure.error not in TERMINAL_ERRORS:
                    h.add("MapIterationFailed", failure.cursor, detail)
                raise
            except Aborted as aborted:
                h.add("MapIterationAborted", aborted.cursor or began, detail)
                raise
            finals[slot] = h.add("MapIterationSucceeded", last, detail)
            cursors[slot] = last
            return "ok", (out, finals[slot])

        hub.spawn(index, "iteration", _strand_body(work))

    hub.ended = _collect(hub, outcomes, lambda index: start(slot_of[index]))
    for slot in range(workers):
        start(slot)
    _run_hub(hub, outcomes)
    failure = outcomes.failure
    if failure is None:
        cur[0] = max(finals)
        cur[2] = h.add("MapStateSucceeded", cur[0])
        return outcomes.results
    if isinstance(failure, StatesError):
        raise failure
    cur[0] = failure.cursor
    raise StatesError(failure.error, failure.cause, event="MapStateFailed", stateful=False)


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
